#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the pinned linux-source-7.3 .deb from Debian and unpack it into the
# cache.  A private sources list and lists directory are used, so the
# system's apt configuration is neither read for packages nor changed.
#
# Output: $CACHE/base/linux-source (the unpacked tree) and $CACHE/base/VERSION.
. "$(dirname "$0")/lib.sh"

dest=$CACHE/base
mkdir -p "$dest"
# One at a time: check.sh's background bisect stage materializes its tree
# while check-export does, and a fallback base makes each ask the archive
# (apt-get update on the one private lists directory).
exec 9> "$dest/.lock"
flock 9

# The cache is keyed by version: the unpacked tree and a downloaded .deb
# are reused only for the version wanted, which is the pinned one, or,
# when the archive no longer has it, the newest one it has.  A fallback
# is therefore replaced as soon as the pin can be met again, and kept
# (not downloaded and unpacked again) while it cannot.
unpacked() { [ -f "$dest/linux-source/Makefile" ] && cat "$dest/VERSION" 2>/dev/null; }
deb_of() {	# VERSION: the .deb of that version in the cache, if any
	local f
	for f in "$dest"/"${BASE_PKG}"_*.deb; do
		[ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$1" ] &&
			{ echo "$f"; return; }
	done
	true
}
if [ "$(unpacked)" = "$BASE_VERSION" ]; then
	log "base $BASE_VERSION already unpacked in $dest/linux-source"
	exit 0
fi

version=$BASE_VERSION
deb=$(deb_of "$version")
if [ -z "$deb" ]; then
	# shellcheck disable=SC2086
	private_apt "$dest/apt" $BASE_SUITES
	avail=$(apt-cache "${APTOPTS[@]}" madison "$BASE_PKG" |
		awk -F'|' '{gsub(/ /, "", $2); print $2}')
	if ! grep -qxF "$BASE_VERSION" <<<"$avail"; then
		version=
		for v in $avail; do
			if [ -z "$version" ] || dpkg --compare-versions "$v" gt "$version"; then
				version=$v
			fi
		done
		[ -n "$version" ] || die "$BASE_PKG is in none of: $BASE_SUITES"
		printf '\nWARNING: %s %s has left the archive; using %s instead.\n\n' \
			"$BASE_PKG" "$BASE_VERSION" "$version" >&2
		if [ "$(unpacked)" = "$version" ]; then
			log "base $version already unpacked in $dest/linux-source"
			exit 0
		fi
	fi
	deb=$(deb_of "$version")
	if [ -z "$deb" ]; then
		log "downloading $BASE_PKG $version"
		(cd "$dest" && apt-get "${APTOPTS[@]}" -qq download "$BASE_PKG=$version")
		deb=$(deb_of "$version")
		[ -n "$deb" ] || die "apt-get download gave no $BASE_PKG $version in $dest"
	fi
fi

version=$(dpkg-deb -f "$deb" Version)
sum=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$version" = "$BASE_VERSION" ]; then
	[ "$sum" = "$BASE_SHA256" ] ||
		die "checksum mismatch for $deb: got $sum, want $BASE_SHA256"
	log "checksum ok: $sum"
else
	printf 'WARNING: unpinned base %s (sha256 %s)\n' "$version" "$sum" >&2
fi

log "unpacking $deb"
rm -rf "$dest/unpack" "$dest/linux-source"
mkdir -p "$dest/unpack"
dpkg-deb -x "$deb" "$dest/unpack"
tarball=$(ls "$dest"/unpack/usr/src/linux-source-*.tar.* | head -n1)
mkdir -p "$dest/linux-source"
tar -xf "$tarball" -C "$dest/linux-source" --strip-components=1
rm -rf "$dest/unpack"
echo "$version" > "$dest/VERSION"
# The .deb of any other version is of no further use.
for f in "$dest"/"${BASE_PKG}"_*.deb; do
	[ "$f" = "$deb" ] || rm -f "$f"
done
log "base $version unpacked in $dest/linux-source"
