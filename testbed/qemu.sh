#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under emulated VT-d in scalable mode and save the console:
#
#   qemu.sh BZIMAGE INITRAMFS LOG "EXTRA CMDLINE" [QEMU ARGS...]
#
# The guest has QEMU's "edu" device (PCI 1234:11e8), a DMA engine behind the
# emulated VT-d for the VFIO selftests; guest/init binds it to vfio-pci.
#
# KVM is used when it can boot a guest here, TCG otherwise.  The guest
# powers itself off; TIMEOUT (seconds, default 900) bounds a hung guest.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 out=$3 extra=$4
shift 4

# /dev/kvm may exist without running guests: probe with the real kernel.
accel=${QEMU_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -w /dev/kvm ] &&
	   timeout 10 qemu-system-x86_64 -accel kvm -M q35 -m 256 -nodefaults \
		-display none -no-reboot -serial stdio -kernel "$kernel" \
		-append "console=ttyS0 panic=-1" 2>/dev/null |
	   grep -q -m1 'Linux version'; then
		accel=kvm
	fi
fi

cmdline="console=ttyS0 intel_iommu=on,sm_on iommu.strict=1 panic=-1 oops=panic"
cmdline+=" kunit.stats_enabled=0 $extra"
args=(-machine q35,kernel-irqchip=split -accel "$accel" -m 2G -smp 2
      -nodefaults -display none -no-reboot -serial stdio
      -device intel-iommu,intremap=on,caching-mode=on,x-scalable-mode=on
      -device edu
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "$@")
log "qemu ($accel): $(basename "$kernel") $extra"
echo "qemu-system-x86_64 ${args[*]}" > "$out.cmd"
rc=0
timeout "${TIMEOUT:-900}" qemu-system-x86_64 "${args[@]}" > "$out" 2>&1 || rc=$?
((rc == 124)) && log "guest timed out after ${TIMEOUT:-900}s"
grep -q '==== GUEST done' "$out" || { log "guest did not finish (rc=$rc); see $out"; exit 1; }
exit 0
