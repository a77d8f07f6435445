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
