#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched x86_64 kernel and the guest's test programs, boot the
# kernel under QEMU 10's emulated VT-d once per VT-d mode and judge what
# each boot printed.
#
#   guest-test.sh [TESTS]
#
# GUEST_MODES lists the guest configurations to boot: a VT-d mode (ss, fs,
# legacy) with options (-nocm, -nocx16, -ats; see vtd_mode_env in lib.sh);
# default "ss fs legacy-ats ss-nocx16".  The
# first mode runs TESTS (default: $full below): the iommufd selftests, the
# VFIO driver test on the edu and igb devices (with iommufd's container
# back-end, and igb with VFIO type1v2's too), and the replace test on both
# (edu with a second edu as the innocent device); the others run the VFIO
# tests in short form, which are the ones that depend on the mode.
#
# FULL=1 runs the driver test with all 5 container back-ends.
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

seconds=${REPLACE_SECONDS:-5}
replace="vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds"
replace+=",vfio_iommufd_replace_test@igb:--seconds=$seconds"
# The driver test checks the series' edu driver and the VT-d attach under
# each device; the container back-ends differ in the user API, not in what
# the VT-d driver does: iommufd's on both, and on igb VFIO type1v2's, the
# one QEMU uses without iommufd (its attach blocks, then attaches a paging
# domain).  FULL=1 runs all 5 (VFIO type1 and type1v2, iommufd's compat of
# both, iommufd) on both: about 3 minutes more each under TCG.
edu_driver="vfio_pci_driver_test@edu:-v:iommufd"
igb_driver="vfio_pci_driver_test@igb:-v:iommufd:-v:vfio_type1v2_iommu"
if [ "${FULL:-0}" = 1 ]; then
	edu_driver="vfio_pci_driver_test@edu"
	igb_driver="vfio_pci_driver_test@igb"
fi
full=${1:-dmar-info,iommufd,$edu_driver,$igb_driver,$replace}
# The other modes run the driver test on igb only (edu takes 0.2 s a copy),
# and with iommufd alone (the first mode adds VFIO type1v2, above); a
# short mode costs about 2 minutes less under TCG.
short="dmar-info,vfio_pci_driver_test@igb:-v:iommufd,$replace"
modes=${GUEST_MODES:-ss fs legacy-ats ss-nocx16}
name=x86_64 tap=guest
src=$TREE
frags=$(kernel_frags x86_64 series)
extra=""
if [ "${STOCK:-0}" = 1 ]; then
	name=base-x86_64 tap=guest-stock
	src=$CACHE/base/linux-source
	frags=$(kernel_frags x86_64 base)
fi
if [ "${DEBUG:-0}" = 1 ]; then
	# KASAN and lockdep under TCG slow the guest down about tenfold:
	# vfio_pci_driver_test's mix_and_match then hits the harness's 30 s
	# timeout, so the debug boot runs the rest.
	full=${1:-dmar-info,iommufd,vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds}
	short=$full
	name+=-debug tap+=-debug
	frags+=,x86_64-debug.config
	extra="kmemleak=scan"
fi
tap_start "$tap"
guest_prepare "$name" "$src" "$frags" "${TESTS_SRC:-$src}" ||
	{ nok "build the $name kernel, test programs and initramfs"; tap_end; exit 1; }

first=1
for m in $modes; do
	vtd_mode_env "$m"
	tests=$short
	((first)) && tests=$full
	first=0
	res=$BUILD/results/guest-$name-$m
	rm -f "$res.log" "$res.tap"
	stage "boot $name guest, VT-d $m (console: $res.log)" "$TESTBED/qemu.sh" \
		"$GUEST_KERNEL" "$GUEST_INITRD" "$res.log" "tests=$tests $extra" || true
	sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' "$res.log" | grep -E 'DMAR|ok' >&2 || true
	if "$TESTBED/guest-check.sh" "$res.log" "$res.tap" "$m" "$tests" || [ -f "$res.tap" ]; then
		tap_import "$res.tap" "$m: "
	else
		nok "$m: guest-check.sh judged $res.log"
	fi
done
tap_end
