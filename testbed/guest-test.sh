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
# VFIO driver test on the edu and igb devices, and the replace test on both
# (edu with a second edu as the innocent device); the others run the VFIO
# tests in short form, which are the ones that depend on the mode.
#
# TESTS is the guest's "tests=" list (guest/init): comma-separated
# programs, each NAME[@DEVICE[+DEVICE]][:ARG[:ARG...]].
#
# Set DEBUG=1 to add KASAN, lockdep and kmemleak (configs/x86_64-debug.config)
# and report a kmemleak scan; STOCK=1 to boot the unpatched base instead,
# built with the same configuration.  TESTS_SRC=TREE builds the test
# programs from another kernel tree (userspace does not depend on the
# kernel it runs on; the stock base lacks the series' tests).
. "$(dirname "$0")/lib.sh"

seconds=${REPLACE_SECONDS:-5}
replace="vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds"
replace+=",vfio_iommufd_replace_test@igb:--seconds=$seconds"
full=${1:-dmar-info,iommufd,vfio_pci_driver_test@edu,vfio_pci_driver_test@igb,$replace}
# edu takes 0.2 s a copy: the other modes run the driver test on igb only.
short="dmar-info,vfio_pci_driver_test@igb,$replace"
modes=${GUEST_MODES:-ss fs legacy-ats ss-nocx16}
name=x86_64
src=$TREE
frags=x86_64-guest.config,x86_64-series.config
extra=""
if [ "${STOCK:-0}" = 1 ]; then
	name=base-x86_64
	src=$CACHE/base/linux-source
	frags=x86_64-guest.config
fi
if [ "${DEBUG:-0}" = 1 ]; then
	# KASAN and lockdep under TCG slow the guest down about tenfold:
	# vfio_pci_driver_test's mix_and_match then hits the harness's 30 s
	# timeout, so the debug boot runs the rest.
	full=${1:-dmar-info,iommufd,vfio_iommufd_replace_test@edu+edu2:--seconds=$seconds}
	short=$full
	name=x86_64-debug
	frags+=,x86_64-debug.config
	extra="kmemleak=scan"
fi
kout=$BUILD/out/$name
stage "build $name kernel" "$TESTBED/kbuild.sh" x86_64 "$src" "$kout" "$frags" bzImage -s
tests_src=${TESTS_SRC:-$src} hout=$kout
# A build directory belongs to one source tree: other trees' uapi headers
# go elsewhere.
[ "$tests_src" = "$src" ] || hout=$BUILD/out/uapi-$name
stage "build test programs" "$TESTBED/selftests.sh" "$tests_src" "$hout" "$BUILD/guest/$name/tests"
stage "pack initramfs" "$TESTBED/initramfs.sh" "$BUILD/guest/$name/tests" "$BUILD/guest/$name/initramfs.cpio.gz"
mkdir -p "$BUILD/results"

passed=0 failed=0 first=1
for m in $modes; do
	vtd_mode_env "$m"
	tests=$short
	((first)) && tests=$full
	first=0
	res=$BUILD/results/guest-$name-$m
	rm -f "$res.log" "$res.count"
	stage "boot $name guest, VT-d $m" "$TESTBED/qemu.sh" \
		"$kout/arch/x86/boot/bzImage" "$BUILD/guest/$name/initramfs.cpio.gz" \
		"$res.log" "tests=$tests $extra" || true
	sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' "$res.log" | grep -E 'DMAR|ok' >&2 || true
	"$TESTBED/guest-check.sh" "$res.log" "$res.count" "$m" || true
	read -r p f < "$res.count" || { p=0 f=1; }
	passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed $failed" > "$BUILD/results/guest-$name.count"
log "guest $name ($modes): $passed passed, $failed failed"
((failed == 0))
