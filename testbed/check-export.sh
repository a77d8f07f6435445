#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rebuild the series from patches/ in a scratch tree, export it again and
# compare with what is committed: patches/, the read-only copies of the new
# files and MAINTAINERS must all be reproduced byte for byte.  Then the
# README's command to apply the series must apply it, and its kernel
# options for real hardware must hold on x86_64's defconfig.  Results:
# build/results/check-export.tap.
. "$(dirname "$0")/lib.sh"

tap_start check-export
npatches=$(series_patches | wc -l)

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
	nok "the committed export differs from a fresh export of patches/ (diff above): run 'make export' and commit"
else
	ok "a fresh export of patches/ is the committed one ($npatches patches, copies, MAINTAINERS)"
fi

# The README tells users to apply the series with the series file and git
# am: run that very command, taken from the README, on a clean base.
cmd=$(grep -m1 "patches/series | xargs git am" "$TOP/README.md") ||
	die "README.md no longer shows the git am command this check runs"
cmd=${cmd//\/path\/to\/patches/$TOP/patches}
git -C "$scratch/linux" checkout -q -f base
git -C "$scratch/linux" am --abort >/dev/null 2>&1 || true
rc=0
(cd "$scratch/linux" && GIT_COMMITTER_NAME=check GIT_COMMITTER_EMAIL=check@invalid \
	bash -c "$cmd" >/dev/null) || rc=$?
n=$(git -C "$scratch/linux" rev-list --count base..HEAD)
if ((rc == 0)) && [ "$n" = "$npatches" ]; then
	ok "the README's command applies all $n patches: $cmd"
else
	nok "the README's command applied $n patches of $npatches (exit status $rc): $cmd"
fi

# The README's kernel options for real hardware, on top of x86_64's
# defconfig and the series just applied: every one must survive
# olddefconfig, or a dependency the README does not name drops it (and
# with it, say, the KUnit module it tells users to load).
cfg=$scratch/readme-config
rm -rf "$cfg"
mkdir -p "$cfg"
grep -E '^CONFIG_' "$TOP/README.md" | grep -oE 'CONFIG_[A-Z0-9_]+=[ym]' > "$cfg/readme.config" || true
if [ ! -s "$cfg/readme.config" ]; then
	nok "README.md shows no kernel options for real hardware"
else
	log "the README's kernel options on x86_64_defconfig (in $cfg)"
	mk=(make -s -C "$scratch/linux" O="$cfg" ARCH=x86_64)
	"${mk[@]}" x86_64_defconfig >/dev/null
	KCONFIG_CONFIG=$cfg/.config "$scratch/linux/scripts/kconfig/merge_config.sh" \
		-m -O "$cfg" "$cfg/.config" "$cfg/readme.config" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	lost=$(grep -vxFf "$cfg/.config" "$cfg/readme.config" || true)
	if [ -z "$lost" ]; then
		ok "the README's kernel options for real hardware hold on x86_64_defconfig: $(tr '\n' ' ' < "$cfg/readme.config")"
	else
		nok "the README's kernel options that olddefconfig drops on x86_64_defconfig (a dependency missing): $(tr '\n' ' ' <<<"$lost")"
	fi
fi
tap_end
