#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched x86_64 kernel and the guest's test programs, boot the
# kernel under emulated VT-d (scalable mode) and judge what it printed.
#
#   guest-test.sh [TESTS]      default: dmar-info,iommufd
#
# Set DEBUG=1 to add KASAN, lockdep and kmemleak (configs/x86_64-debug.config)
# and report a kmemleak scan; STOCK=1 to boot the unpatched base instead,
# built with the same configuration.
. "$(dirname "$0")/lib.sh"

tests=${1:-dmar-info,iommufd}
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
	name=x86_64-debug
	frags+=,x86_64-debug.config
	extra="kmemleak=scan"
fi
kout=$BUILD/out/$name
stage "build $name kernel" "$TESTBED/kbuild.sh" x86_64 "$src" "$kout" "$frags" bzImage -s
stage "build test programs" "$TESTBED/selftests.sh" "$src" "$kout" "$BUILD/guest/$name/tests"
stage "pack initramfs" "$TESTBED/initramfs.sh" "$BUILD/guest/$name/tests" "$BUILD/guest/$name/initramfs.cpio.gz"
mkdir -p "$BUILD/results"
res=$BUILD/results/guest-$name
stage "boot $name guest" "$TESTBED/qemu.sh" "$kout/arch/x86/boot/bzImage" \
	"$BUILD/guest/$name/initramfs.cpio.gz" "$res.log" "tests=$tests $extra" || true
sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' "$res.log" | grep -E 'DMAR|ok' >&2 || true
"$TESTBED/guest-check.sh" "$res.log" "$res.count"
