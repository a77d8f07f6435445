#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched x86_64 kernel and the guest's test programs, boot the
# kernel under emulated VT-d (scalable mode) and judge what it printed.
#
#   guest-test.sh [TESTS]      default: see $tests below
#
# TESTS is the guest's "tests=" list: comma-separated programs, each with
# ':'-separated arguments (guest/init).  The default runs the VFIO selftests
# on the guest's edu device: vfio_pci_driver_test, and the hitless-replace
# test for 20 s per variant (a DMA lost during a replace fails it).
#
# Set DEBUG=1 to add KASAN, lockdep and kmemleak (configs/x86_64-debug.config)
# and report a kmemleak scan; STOCK=1 to boot the unpatched base instead,
# built with the same configuration.  TESTS_SRC=TREE builds the test
# programs from another kernel tree (userspace does not depend on the
# kernel it runs on; the stock base lacks the series' tests).
. "$(dirname "$0")/lib.sh"

tests=${1:-dmar-info,iommufd,vfio_pci_driver_test,vfio_iommufd_replace_test:--seconds=20}
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
	tests=${1:-dmar-info,iommufd,vfio_iommufd_replace_test:--seconds=10}
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
res=$BUILD/results/guest-$name
stage "boot $name guest" "$TESTBED/qemu.sh" "$kout/arch/x86/boot/bzImage" \
	"$BUILD/guest/$name/initramfs.cpio.gz" "$res.log" "tests=$tests $extra" || true
sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' "$res.log" | grep -E 'DMAR|ok' >&2 || true
"$TESTBED/guest-check.sh" "$res.log" "$res.count"
