#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU 10's emulated VT-d or AMD IOMMU (an x86_64
# guest, q35) or SMMUv3 (an arm64 guest, virt) and save the console:
#
#   qemu.sh KERNEL INITRAMFS LOG "EXTRA CMDLINE" [QEMU ARGS...]
#
# GUEST_IOMMU is vtd (the default), amd (amd-iommu, with pt=off: below) or
# smmuv3: the virt machine's SMMUv3,
# which QEMU 10 makes with both translation stages (its "stage" property
# set to "nested" by the machine, which -global cannot change): iommufd's
# default paging domains are stage 1, its nest_parent ones stage 2.  For
# VT-d, VTD_MODE selects the VT-d mode the guest's IOMMU driver will use:
#   ss      scalable mode, second-stage translation (the default)
#   fs      scalable mode with first-stage translation (x-flts=on): the
#           driver then allocates first-stage domains, as on current Intel
#           hardware
#   legacy  legacy (non-scalable) mode: context entries, no PASID table
# VTD_CM=off turns caching mode off (on by default, as QEMU needs for
# VFIO device assignment; hardware has it off).  VTD_CPU sets the vCPU
# model (-cpu; e.g. "max,-cx16" for a CPU without CMPXCHG16B).  VTD_ATS=on
# turns on the IOMMU's device-TLB support and adds an ATS-capable device (a
# virtio-rng behind a PCIe root port, left without a driver: its default
# domain is attached all the same), and traces the driver's cache tags
# from boot, for guest/dmar-info to check that the device has a
# device-TLB tag.
#
# GUEST_DEVICES lists the DMA devices for the VFIO selftests, behind the
# emulated IOMMU (default "edu edu igb"): QEMU's edu (PCI 1234:11e8), and igb
# (an 82576, 8086:10c9, which the upstream VFIO selftest igb driver runs in
# loopback).  guest/init binds them to vfio-pci.
#
# KVM is used when it can boot a guest here, TCG otherwise.  The guest
# powers itself off; TIMEOUT (seconds, default 900) bounds a hung guest,
# whose vCPUs' instruction pointers are then written to LOG.hang.
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 out=$3 extra=$4
shift 4

qdir=$("$TESTBED/fetch-qemu.sh") || die "no QEMU 10"
# Its own firmware and modules, never the system QEMU's.
export QEMU_MODULE_DIR=$qdir/usr/lib/x86_64-linux-gnu/qemu
qargs=(-L "$qdir/usr/share/qemu" -L /usr/share/seabios)
iommu_kind=${GUEST_IOMMU:-vtd}

devices=()
for d in ${GUEST_DEVICES:-edu edu igb}; do
	case $d in
	edu|igb) devices+=(-device "$d") ;;
	*) die "GUEST_DEVICES: unknown device '$d' (edu, igb)" ;;
	esac
done

# Either guest: a lockup or a task blocked for 2 minutes panics, and the
# panic prints the whole kernel log (the guest configs).  The thresholds
# leave TCG room: a soft lockup is 60 s without scheduling, a hard one 30 s
# without timer interrupts.
panic_args="panic=-1 oops=panic watchdog_thresh=30 softlockup_panic=1"
panic_args+=" nmi_watchdog=panic hung_task_panic=1 panic_console_replay=1"

case $iommu_kind in
vtd)
	qemu=$qdir/usr/bin/qemu-system-x86_64
	# The property names are probed: a QEMU that renamed them (QEMU 11
	# calls them scalable-mode and fsts) must fail here, not boot another
	# mode.
	props=$("$qemu" "${qargs[@]}" -device intel-iommu,help 2>&1) ||
		die "$qemu cannot list intel-iommu's properties: $props"
	for p in x-scalable-mode x-flts caching-mode; do
		grep -qE "^ *$p=" <<<"$props" ||
			die "$($qemu --version | head -n1): intel-iommu has no '$p' property; update qemu.sh for this QEMU"
	done

	mode=${VTD_MODE:-ss} cm=${VTD_CM:-on}
	case $mode in
	ss)	iommu="x-scalable-mode=on" ;;
	fs)	iommu="x-scalable-mode=on,x-flts=on" ;;
	legacy)	iommu="x-scalable-mode=off" ;;
	*)	die "unknown VTD_MODE '$mode' (ss, fs or legacy)" ;;
	esac
	case $cm in on|off) ;; *) die "VTD_CM is on or off, not '$cm'" ;; esac
	ats=${VTD_ATS:-off}
	case $ats in on|off) ;; *) die "VTD_ATS is on or off, not '$ats'" ;; esac

	# /dev/kvm may exist without running guests: probe with the real
	# kernel.
	accel=${QEMU_ACCEL:-}
	if [ -z "$accel" ]; then
		accel=tcg
		if [ -w /dev/kvm ] &&
		   timeout 10 "$qemu" "${qargs[@]}" -accel kvm -M q35 -m 256 -nodefaults \
			-display none -no-reboot -serial stdio -kernel "$kernel" \
			-append "console=ttyS0 panic=-1" 2>/dev/null |
		   grep -q -m1 'Linux version'; then
			accel=kvm
		fi
	fi

	cmdline="console=ttyS0 intel_iommu=on,sm_on iommu.strict=1"
	cmdline+=" kunit.stats_enabled=0 vtd_mode=$mode $extra $panic_args"
	# Under TCG on a loaded host the IO-APIC timer check can miss its
	# window and panic ("timer doesn't work through Interrupt-remapped
	# IO-APIC"): QEMU's timer works, so skip the check.
	cmdline+=" no_timer_check"
	if [ "$ats" = on ]; then
		iommu+=",device-iotlb=on"
		devices+=(-device pcie-root-port,id=rp-ats,chassis=9,slot=9
			  -device virtio-rng-pci,bus=rp-ats,ats=on,disable-legacy=on)
		cmdline+=" trace_event=intel_iommu:cache_tag_assign vtd_ats=on"
	fi
	cpu=()
	[ -n "${VTD_CPU:-}" ] && cpu=(-cpu "$VTD_CPU")
	args=("${qargs[@]}" -machine q35,kernel-irqchip=split -accel "$accel" -m 2G -smp 2
	      "${cpu[@]}" -nodefaults -display none -no-reboot -serial stdio
	      -device "intel-iommu,intremap=on,caching-mode=$cm,$iommu"
	      "${devices[@]}"
	      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "$@")
	what="$accel, VT-d $mode, caching mode $cm, device-TLB $ats, cpu ${VTD_CPU:-default}"
	env="accel=$accel vtd_mode=$mode caching_mode=$cm device_iotlb=$ats cpu=${VTD_CPU:-default}"
	;;
smmuv3)
	qemu=$qdir/usr/bin/qemu-system-aarch64
	# virt's SMMUv3 sits in front of its PCIe root bus, where the
	# devices go; GICv3 for an ITS (MSIs that iommufd counts as
	# isolated); TCG only (no arm64 KVM on this host).  guest-check.sh
	# checks the stages the guest's driver found (its features line).
	cmdline="console=ttyAMA0 iommu.strict=1 kunit.stats_enabled=0"
	cmdline+=" $extra $panic_args"
	args=("${qargs[@]}" -machine virt,gic-version=3,iommu=smmuv3 -accel tcg
	      -cpu max,pauth-impdef=on -m 2G -smp 2
	      -nodefaults -display none -no-reboot -serial stdio
	      "${devices[@]}"
	      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "$@")
	what="tcg, SMMUv3"
	env="accel=tcg iommu=smmuv3"
	;;
amd)
	qemu=$qdir/usr/bin/qemu-system-x86_64
	# pt=off: with amd-iommu's default pt=on, QEMU 9.2 to 10.0.3 build
	# the IO-APIC's address space before the regions it aliases, so that
	# under TCG every IO-APIC interrupt (the UART's among them) is lost
	# and the guest stalls once its console waits for one (fixed in
	# 10.0.4 and 10.1, "hw/i386/amd_iommu: Move IOAPIC memory region
	# initialization to the end"); and up to 10.0.2 the emulated
	# devices' DMA bypasses the IOMMU altogether.  The guest's driver
	# leaves interrupt remapping off (q35 has no southbridge at the
	# IO-APIC's IVRS device ID), so iommufd must be told to accept
	# devices whose MSIs are not isolated, and so must VFIO type1.
	cmdline="console=ttyS0 iommu.strict=1 kunit.stats_enabled=0"
	cmdline+=" iommufd.allow_unsafe_interrupts=1 vfio_iommu_type1.allow_unsafe_interrupts=1"
	cmdline+=" no_timer_check iommu_hw=amd"
	cmdline+=" $extra $panic_args"
	args=("${qargs[@]}" -machine q35 -accel tcg -m 2G -smp 2
	      -nodefaults -display none -no-reboot -serial stdio
	      -device amd-iommu,pt=off
	      "${devices[@]}"
	      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" "$@")
	what="tcg, AMD IOMMU"
	env="accel=tcg iommu=amd"
	;;
*)	die "GUEST_IOMMU is vtd, amd or smmuv3, not '$iommu_kind'" ;;
esac
log "qemu ($what): $(basename "$kernel") $extra; log: $out"
echo "$qemu ${args[*]}" > "$out.cmd"
echo "$env qemu=$("$qemu" --version | head -n1)" > "$out.env"
# A guest that outlives TIMEOUT is asked, through QEMU's monitor, what
# its vCPUs run (qemu-hang.py, into $out.hang) before QEMU is killed: a
# guest kernel stuck with interrupts off prints nothing more, and its
# lockup detectors cannot always speak for it.
mon=$out.mon
rm -f "$mon" "$out.hang"
args+=(-monitor "unix:$mon,server=on,wait=off")
"$qemu" "${args[@]}" > "$out" 2>&1 &
pid=$!
limit=$((SECONDS + ${TIMEOUT:-900}))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < limit)); do
	sleep 1
done
if kill -0 "$pid" 2>/dev/null; then
	sysmap=$(dirname "$kernel")/../../../System.map
	python3 "$TESTBED/qemu-hang.py" "$mon" "$sysmap" > "$out.hang" 2>&1 || true
	log "guest timed out after ${TIMEOUT:-900}s; its vCPUs ($out.hang):"
	sed 's/^/    /' "$out.hang" >&2
	kill "$pid" 2>/dev/null || true
	sleep 2
	kill -9 "$pid" 2>/dev/null || true
fi
rc=0
wait "$pid" || rc=$?
rm -f "$mon"
grep -q '==== GUEST done' "$out" || { log "guest did not finish (rc=$rc); see $out"; exit 1; }
exit 0
