#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Materialize the series: the pinned base as one commit, then every patch
# of patches/series applied with "git am".
#
#   tree.sh [DIR]     DIR defaults to build/linux
#
# BASE_ONLY=1 stops at the base commit.
#
# An existing DIR is reused only if it holds no work that patches/ lacks;
# set FORCE=1 to discard such work.  Building build/linux, the results go
# to build/results/tree.tap: one case per patch applied.
. "$(dirname "$0")/lib.sh"

dir=${1:-$TREE}
[ "$dir" != "$TREE" ] || tap_start tree
"$TESTBED/fetch-base.sh"
src=$CACHE/base/linux-source
repo=$CACHE/base/linux.git
version=$(cat "$CACHE/base/VERSION")

# The base repository is made once and cloned from then on, and made again
# if it holds another base than the unpacked tree, which the stock kernel
# of the demo is built from.  One tree.sh at a time makes or packs it
# (check.sh runs bisect's beside check-export's).
exec 8> "$CACHE/base/.repo.lock"
flock 8
subject="Linux $version (Debian $BASE_PKG)"
if git -C "$repo" rev-parse -q --verify refs/heads/base >/dev/null 2>&1 &&
   [ "$(git -C "$repo" log -1 --format=%s base)" != "$subject" ]; then
	log "$repo holds '$(git -C "$repo" log -1 --format=%s base)', not '$subject': making it again"
	rm -rf "$repo"
fi
if ! git -C "$repo" rev-parse -q --verify refs/heads/base >/dev/null 2>&1; then
	log "creating the base commit in $repo (once)"
	rm -rf "$repo.tmp"
	git init -q -b base "$repo.tmp"
	# Debian's tarball ignores every top-level path in .gitignore (its
	# packaging stanza); without it the base is the upstream tree and new
	# files can be added as usual.
	python3 - "$src/.gitignore" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"\n*#\n# Debian packaging:.*\Z", "\n", s, flags=re.S)
open(p, "w").write(s)
PY
	# core.bigFileThreshold=1: every blob goes straight into one pack as
	# it is added (git's bulk check-in of "big" files), instead of ~100,000
	# loose objects compressed once here and again by the repack below
	# (here: 49 s instead of 109 s, the same tree).  Only the trees that
	# "git commit" writes stay loose.
	git -C "$repo.tmp" --work-tree="$src" -c core.bigFileThreshold=1 add -A -f
	GIT_AUTHOR_NAME=${BASE_AUTHOR% <*} GIT_AUTHOR_EMAIL=base@invalid \
	GIT_COMMITTER_NAME=${BASE_AUTHOR% <*} GIT_COMMITTER_EMAIL=base@invalid \
	GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
		git -C "$repo.tmp" --work-tree="$src" commit -q --no-verify \
			-m "$subject"
	mv "$repo.tmp" "$repo"
fi
# One pack, so that a clone hardlinks it: with many loose objects, every
# clone (this tree, check-export's, bisect's) started a minute of "git gc
# --auto" in the background of the stage using it.  Here it packs the
# ~6,000 loose trees with the blobs' pack, whose data it copies as it is
# (a base repository made before the bulk check-in, with every object
# loose, is packed on first use).  No delta search: one commit has few
# similar blobs.
if (($(git -C "$repo" count-objects | cut -d' ' -f1) > 1000)); then
	log "packing the base repository $repo (once)"
	git -C "$repo" repack -a -d -q --window=0
fi
base=$(git -C "$repo" rev-parse base)
flock -u 8

if [ -d "$dir/.git" ]; then
	if [ "${FORCE:-0}" != 1 ]; then
		[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
			die "$dir has uncommitted changes; commit and 'make export', or FORCE=1"
		if git -C "$dir" rev-parse -q --verify refs/heads/exported >/dev/null &&
		   [ "$(git -C "$dir" rev-parse HEAD)" != "$(git -C "$dir" rev-parse exported)" ]; then
			die "$dir has commits that are not exported; 'make export' first, or FORCE=1"
		fi
	fi
	git -C "$dir" am --abort >/dev/null 2>&1 || true
	git -C "$dir" fetch -q "$repo" base
	git -C "$dir" checkout -q -f -B series "$base"
else
	log "cloning the base into $dir"
	mkdir -p "$(dirname "$dir")"
	git clone -q -b base "$repo" "$dir"
	git -C "$dir" checkout -q -b series
	git -C "$dir" branch -q -D base
fi
git -C "$dir" tag -f base "$base" >/dev/null
# The testbed's git commands in this tree (git am, checkout) must not start
# a repack in the background of the builds that follow.
git -C "$dir" config gc.auto 0
# BASE_ONLY=1: the base alone (lint.sh bisect applies the patches itself).
if [ "${BASE_ONLY:-0}" = 1 ]; then
	log "$dir: base $(git -C "$dir" rev-parse --short base)"
	exit 0
fi

# Apply each patch (am_patch: the same patches always give the same
# commit hashes).
patches=$(series_patches) || exit 1
n=0
for f in $patches; do
	p=${f##*/}
	if ! am_patch "$dir" "$f" >/dev/null 2>"$BUILD/am.err"; then
		cat "$BUILD/am.err" >&2
		git -C "$dir" am --abort >/dev/null 2>&1 || true
		nok "patches/$p applies"
		die "patch does not apply: patches/$p"
	fi
	tap_line ok "patches/$p applies"
	n=$((n + 1))
done
git -C "$dir" branch -f exported HEAD >/dev/null
log "$dir: base $(git -C "$dir" rev-parse --short base) + $n patches"
tap_end
