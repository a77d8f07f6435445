#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched kernel and the guest's test programs, boot the kernel
# under QEMU 10's emulated IOMMU once per guest configuration and judge
# what each boot printed.
#
#   guest-test.sh [ARCH] [--kernel-only] [TESTS]
#
# --kernel-only builds the guest kernel and stops (check.sh starts the
# arm64 one in the background, beside the x86_64 guest's boots).
# ARCH x86_64 (the default) boots under VT-d or the AMD IOMMU, arm64 under
# SMMUv3.  GUEST_MODES lists the guest configurations to boot: for x86_64 a
# VT-d mode (ss, fs, legacy) with options (-nocm, -nocx16, -ats; see
# guest_mode_env in lib.sh) or amd, default "ss fs legacy-ats ss-nocx16
# amd" (one kernel has both drivers; each probes its own ACPI table); for
# arm64 smmuv3, the default (QEMU's SMMUv3 with both stages: the replace
# test's default variant replaces stage-1 domains, its nest_parent variant
# stage-2 ones).  The
# first mode runs TESTS (default: $full below): the VFIO driver test on the
# edu and igb devices (with iommufd's container back-end, and igb with VFIO
# type1v2's too), and the replace test on both (edu with a second edu as
# the innocent device); the others run the VFIO tests in short form, which
# are the ones that depend on the mode.
#
# FULL=1 runs the driver test with all 5 container back-ends, and the
# iommufd selftests in the first mode.
#
# TESTS is the guest's "tests=" list (guest/init): comma-separated
# programs, each NAME[@DEVICE[+DEVICE]][:ARG[:ARG...]].
#
# Set DEBUG=1 to add KASAN, lockdep and kmemleak (configs/x86_64-debug.config)
# and report a kmemleak scan; STOCK=1 to boot the unpatched base instead,
# built with the same configuration.  TESTS_SRC=TREE builds the test
# programs from another kernel tree (userspace does not depend on the
# kernel it runs on; the stock base lacks the series' tests).
#
# The cases of every boot go to build/results/guest.tap (guest-debug.tap,
# guest-stock.tap), each named after its guest configuration.
. "$(dirname "$0")/lib.sh"

arch=x86_64 kernel_only=0
case ${1:-} in x86_64|arm64) arch=$1; shift ;; esac
[ "${1:-}" = --kernel-only ] && { kernel_only=1; shift; }
seconds=${REPLACE_SECONDS:-5}
replace="vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds"
replace+=",vfio_iommufd_replace_test@igb:--seconds=$seconds"
# The driver test checks the series' edu driver and the VT-d attach under
# each device; the container back-ends differ in the user API, not in what
# the IOMMU driver does: iommufd's every case on both, and on igb VFIO
# type1v2's attach and a copy (the back-end QEMU uses without iommufd: its
# attach blocks, then attaches a paging domain; the other cases would
# repeat iommufd's, at 7 s each under TCG).  FULL=1 runs every case with
# all 5 (VFIO type1 and type1v2, iommufd's compat of both, iommufd) on
# both: about 3 minutes more each under TCG.
edu_driver="vfio_pci_driver_test@edu:-v:iommufd"
t1v2=-r:vfio_pci_driver_test.vfio_type1v2_iommu
igb_driver="vfio_pci_driver_test@igb:-v:iommufd:$t1v2.init_remove:$t1v2.memcpy_success"
if [ "${FULL:-0}" = 1 ]; then
	edu_driver="vfio_pci_driver_test@edu"
	igb_driver="vfio_pci_driver_test@igb"
fi
# The iommufd selftests test iommufd and its mock IOMMU driver, neither of
# which the series changes: FULL=1 only (the demo boots the stock kernel
# with them, for guest/known-failures).
selftests=""
[ "${FULL:-0}" = 1 ] && selftests=iommufd,
full=${1:-dmar-info,$selftests$edu_driver,$igb_driver,$replace}
# The other modes run the driver test on igb only (edu takes 0.2 s a copy),
# with iommufd alone and only its cases whose outcome depends on how the
# mode translates: a copy through the IOMMU, and a copy from and to an
# unmapped IOVA, which must fault.  Every case opens, maps and resets the
# device anew, 7 s under TCG: the other four (device init, MSIs, the
# storm of copies) do nothing the first mode's run leaves unchecked.
# A short mode costs about 3 minutes less under TCG than the first.
dcase="-r:vfio_pci_driver_test.iommufd"
short="dmar-info,vfio_pci_driver_test@igb:$dcase.memcpy_success"
short+=":$dcase.memcpy_from_unmapped_iova:$dcase.memcpy_to_unmapped_iova,$replace"
modes=${GUEST_MODES:-ss fs legacy-ats ss-nocx16 amd}
name=x86_64 tap=guest kfrags=x86_64
if [ "$arch" = arm64 ]; then
	modes=${GUEST_MODES:-smmuv3}
	full=${1:-$igb_driver,$replace}
	short=${short#dmar-info,}
	name=arm64 tap=guest-arm64 kfrags=arm64-guest
fi
src=$TREE
frags=$(kernel_frags $kfrags series)
extra=""
if [ "${STOCK:-0}" = 1 ]; then
	name=base-$name tap+=-stock
	src=$CACHE/base/linux-source
	frags=$(kernel_frags $kfrags base)
fi
if [ "${DEBUG:-0}" = 1 ]; then
	[ "$arch" = x86_64 ] || die "DEBUG=1: the x86_64 guest only"
	# KASAN and lockdep under TCG slow the guest down about tenfold:
	# vfio_pci_driver_test's mix_and_match then hits the harness's 30 s
	# timeout, so the debug boot runs the rest.
	full=${1:-dmar-info,iommufd,vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds}
	short=$full
	name+=-debug tap+=-debug
	frags+=,x86_64-debug.config
	extra="kmemleak=scan"
fi
if ((kernel_only)); then
	# check.sh's guest-ARCH-kernel stage: the kernel alone, in the
	# background (kbuild.sh's lock makes the guest stage wait for it).
	tap_start "$tap-kernel"
	if stage "build the $name kernel ($frags) from $src" "$TESTBED/kbuild.sh" \
		"$arch" "$src" "$BUILD/out/$name" "$frags" -s; then
		ok "the $name guest kernel builds ($frags)"
	else
		nok "the $name guest kernel builds ($frags)"
	fi
	tap_end
	exit
fi
tap_start "$tap"
if [ "$arch" = arm64 ]; then
	# SMMUv3's suite: the series changes how its test file calls the
	# writer and adds the transitions it makes hitless; it drops no case.
	suite=$SMMU_KUNIT_SUITE
	tfile=$SMMU_KUNIT_FILE
	n_base=$(kunit_cases "$CACHE/base/linux-source/$tfile" | wc -l)
	n_file=$(kunit_cases "$src/$tfile" | wc -l)
	dropped=$(comm -23 <(kunit_cases "$CACHE/base/linux-source/$tfile") <(kunit_cases "$src/$tfile"))
	if ((n_base == 0)); then
		nok "$suite: no case found in the base's $tfile"
	elif [ -n "$dropped" ]; then
		nok "$suite: the series drops cases of the base's $tfile: $(echo $dropped)"
	else
		ok "$suite: the series' $tfile keeps the base's $n_base cases and adds $((n_file - n_base))"
	fi
	export REQUIRED_KUNIT="$suite:$n_file"
	[ "${STOCK:-0}" = 1 ] || REQUIRED_KUNIT+=" $(kunit_required "$src" arm64)"
elif [ "${STOCK:-0}" != 1 ]; then
	REQUIRED_KUNIT=$(kunit_required "$src" x86_64)
	export REQUIRED_KUNIT
fi
# The test programs the boots run, and only those, are built: each entry
# of a tests= list is PROGRAM[@DEVICES][:ARGS].
SELFTESTS_PROGRAMS=$(tr ',' '\n' <<<"$full,$short" | sed 's/[@:].*//' | LC_ALL=C sort -u | paste -sd,)
export SELFTESTS_PROGRAMS
guest_prepare "$name" "$src" "$frags" "${TESTS_SRC:-$src}" "$arch" ||
	{ nok "build the $name kernel, test programs and initramfs"; tap_end; exit 1; }

first=1
for m in $modes; do
	guest_mode_env "$m"
	tests=$short
	((first)) && tests=$full
	first=0
	# dmar-info reads VT-d's DMAR table.
	[ "$GUEST_IOMMU" = vtd ] || tests=${tests#dmar-info,}
	res=$BUILD/results/guest-$name-$m
	rm -f "$res.log" "$res.tap"
	rm -f "$res.stall.log"
	stage "boot $name guest, $m (console: $res.log)" "$TESTBED/qemu.sh" \
		"$GUEST_KERNEL" "$GUEST_INITRD" "$res.log" "tests=$tests $extra" || true
	# A vCPU the emulator never woke (lib.sh: tcg_idle_stall) says nothing
	# about the kernel: boot once more, and say so in the results.
	if tcg_idle_stall "$res.log"; then
		mv "$res.log" "$res.stall.log"
		ok "$m: boot # SKIP the first boot stalled: a vCPU halted in idle, never woken (TCG); booted again (first log: $res.stall.log)"
		stage "boot $name guest, $m, again (console: $res.log)" "$TESTBED/qemu.sh" \
			"$GUEST_KERNEL" "$GUEST_INITRD" "$res.log" "tests=$tests $extra" || true
	fi
	sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' "$res.log" | grep -E 'DMAR|ok' >&2 || true
	if "$TESTBED/guest-check.sh" "$res.log" "$res.tap" "$m" "$tests" || [ -f "$res.tap" ]; then
		tap_import "$res.tap" "$m: "
	else
		nok "$m: guest-check.sh judged $res.log"
	fi
done
tap_end
