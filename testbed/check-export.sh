#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rebuild the series from patches/ in a scratch tree, export it again and
# compare with what is committed: patches/, the read-only copies of the new
# files and MAINTAINERS must all be reproduced byte for byte.
. "$(dirname "$0")/lib.sh"

scratch=$BUILD/check-export
FORCE=1 "$TESTBED/tree.sh" "$scratch/linux"
rm -rf "$scratch/out"
mkdir -p "$scratch/out"
cp -r "$TOP/patches" "$scratch/out/patches"	# for the cover letter text
"$TESTBED/export.sh" "$scratch/linux" "$scratch/out"

fail=0
for p in patches drivers include tools Documentation MAINTAINERS; do
	if [ -e "$TOP/$p" ] || [ -e "$scratch/out/$p" ]; then
		diff -ru "$TOP/$p" "$scratch/out/$p" >&2 || fail=1
	fi
done
if ((fail)); then
	die "the committed export differs from a fresh export of patches/ (diff above): run 'make export' and commit"
fi
log "export is in step with patches/ ($(wc -l < "$TOP/patches/series") patches)"

# The README tells users to apply the series with the series file and git
# am: run that very command, taken from the README, on a clean base.
cmd=$(grep -m1 "patches/series | xargs git am" "$TOP/README.md") ||
	die "README.md no longer shows the git am command this check runs"
cmd=${cmd//\/path\/to\/patches/$TOP/patches}
git -C "$scratch/linux" checkout -q -f base
git -C "$scratch/linux" am --abort >/dev/null 2>&1 || true
(cd "$scratch/linux" && GIT_COMMITTER_NAME=check GIT_COMMITTER_EMAIL=check@invalid \
	bash -c "$cmd" >/dev/null) || die "the README's command does not apply the series: $cmd"
n=$(git -C "$scratch/linux" rev-list --count base..HEAD)
[ "$n" = "$(grep -vc '^#' "$TOP/patches/series")" ] ||
	die "the README's command applied $n patches of $(wc -l < "$TOP/patches/series")"
log "the README's git am command applies all $n patches"
