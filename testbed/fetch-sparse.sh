#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a sparse that Linux 7.3 accepts.  Bookworm's sparse 0.6.4 does not
# know __typeof_unqual__, so the kernel's checker-valid.sh turns C=1/C=2
# into a silent no-op.  Debian sid's source package (pinned below) does;
# fetch it through a private deb-src list (the system's apt configuration
# is not touched) and build the sparse binary into the cache.
#
# Output: $CACHE/sparse/sparse; prints its path.
. "$(dirname "$0")/lib.sh"

SPARSE_VERSION=0.6.5~rc1
SPARSE_ORIG_SHA256=3ac8855ec7f3ab92f325be0f64347ccc2b10f8b4d7c2906783ee8e2bdab3f0de

dest=$CACHE/sparse
bin=$dest/sparse
have() { [ -x "$bin" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$SPARSE_VERSION" ]; }
have && { echo "$bin"; exit 0; }
cache_lock "$dest"
have && { echo "$bin"; exit 0; }

apt=$dest/apt
mkdir -p "$apt/lists/partial" "$dest/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) sid main" \
	> "$apt/sources.list"
aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list"
	 -o Dir::Etc::sourceparts=-
	 -o Dir::State::Lists="$apt/lists"
	 -o Dir::Cache::pkgcache="$apt/pkgcache.bin"
	 -o Dir::Cache::srcpkgcache="$apt/srcpkgcache.bin"
	 -o APT::Sandbox::User=root)
log "fetching the sparse $SPARSE_VERSION source package (sid)"
apt-get "${aptopts[@]}" -qq --error-on=any update >&2 || die "apt-get update on the private deb-src list failed"
orig=$dest/src/sparse_$SPARSE_VERSION.orig.tar.gz
if [ ! -f "$orig" ]; then
	(cd "$dest/src" && apt-get "${aptopts[@]}" -qq --download-only source "sparse=$SPARSE_VERSION-2" >&2) ||
		die "sparse $SPARSE_VERSION is no longer in sid; update SPARSE_VERSION in $0"
fi
sum=$(sha256sum "$orig" | cut -d' ' -f1)
[ "$sum" = "$SPARSE_ORIG_SHA256" ] || die "checksum mismatch for $orig: got $sum"

rm -rf "$dest/build"
mkdir -p "$dest/build"
tar -xzf "$orig" -C "$dest/build" --strip-components=1
make -s -C "$dest/build" -j"$JOBS" sparse > "$dest/build.log" 2>&1 ||
	{ cat "$dest/build.log" >&2; die "sparse did not build"; }
cp "$dest/build/sparse" "$bin"
echo "$SPARSE_VERSION" > "$dest/VERSION"
log "sparse $SPARSE_VERSION built: $bin"
echo "$bin"
