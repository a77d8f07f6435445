#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: domain replace under DMA, stock 7.3 vs the series, in each VT-d
# mode and under the AMD IOMMU (an x86_64 guest) and in each SMMUv3 stage
# (an arm64 guest), on each DMA device.
#
# Builds the unpatched base and the patched kernel with the same guest
# configuration (for each architecture the modes need), and for both the test programs from the patched tree (the
# edu driver and vfio_iommufd_replace_test exist only there, and userspace
# does not depend on the kernel), as the guest stage does (guest_prepare in
# lib.sh), then boots the kernels in turn (stock, patched,
# stock, ...) under the same QEMU 10, once per run and mode.  Each boot
# runs vfio_iommufd_replace_test's default variant (nest_parent for
# smmuv3-s2: stage-2 domains) on each device for DEMO_SECONDS: the device copies buffers while another thread moves it
# between two page tables that map the destination to different pages.
#
#   DEMO_MODES     guest configurations as in the guest stage (guest_mode_env
#                  in lib.sh: a VT-d mode ss, fs or legacy with -nocm,
#                  -nocx16, -ats, amd, or smmuv3-s1, smmuv3-s2; default
#                  "ss fs legacy ss-nocm fs-nocm amd smmuv3-s1 smmuv3-s2")
#   DEMO_DEVICES   devices (default "edu igb")
#   DEMO_SECONDS   run time per device and boot (default 20)
#   DEMO_RUNS      runs per mode and kernel (default 3)
#   DEMO_KERNELS   "stock patched" (default), or one of them
#   DEMO_HITLESS   modes in which the series must lose nothing (default:
#                  all of DEMO_MODES)
#   DEMO_MIN_DMAS  DMAs a (mode, kernel) must do over all runs and devices
#                  for its result to count (default 1800): the series in
#                  DEMO_HITLESS modes, and stock where it lost nothing (a
#                  stock kernel that loses copies has shown the bug; its
#                  igb stops at the first fault, so it does fewer DMAs)
#   PATCHED_SRC    patched kernel tree (default build/linux, made by tree.sh)
#   DEMO_NO_BUILD  1: boot the kernels already built (no kernel build)
#   DEMO_TABLE_ONLY 1: only make the table from the logs of the last demo
#
# Both kernels are built from the same fragments (x86_64-guest.config and
# x86_64-demo.config, or arm64-guest.config and arm64-demo.config; the
# series' KUnit suites are left out of both), the x86_64 ones without
# CONFIG_INTEL_IOMMU_DEBUGFS: its fault dump reads live entries unsafely in
# 7.3 and can panic the stock kernel on a fault during a replace (fixed by
# the series' first VT-d patch).  guest/init counts each test's invalidation
# descriptors and CPU waits (VT-d), or command batches and CMD_SYNCs
# (SMMUv3) (qicount=1).
#
# The replace thread of the test issues replaces back to back, so a DMA
# always falls inside one: the "busy" column shows the share of the run a
# replace was in progress.
#
# The demo fails when a boot does not produce the test's numbers, when the
# series loses a copy, tears one, logs an IOMMU fault or a "not ok" in a
# DEMO_HITLESS mode, when the patched kernel logs a WARNING, BUG, lockdep or
# KASAN report in any mode, when copies did not land in both page tables,
# when a row named above did fewer DMAs than DEMO_MIN_DMAS, or when a stock
# boot loses nothing on any device: such a run has no power to show the bug.
# With the stock kernel it also boots it once with the iommufd selftests,
# and fails when a case guest/known-failures excuses does not fail there
# (check-known-failures.sh).
# The table goes to build/results/demo-table.txt (demo-table.py makes it).
. "$(dirname "$0")/lib.sh"

seconds=${DEMO_SECONDS:-20}
runs=${DEMO_RUNS:-3}
modes=${DEMO_MODES:-ss fs legacy ss-nocm fs-nocm amd smmuv3-s1 smmuv3-s2}
devices=${DEMO_DEVICES:-edu igb}
kernels=${DEMO_KERNELS:-stock patched}
hitless=${DEMO_HITLESS:-$modes}
min_dmas=${DEMO_MIN_DMAS:-1800}
patched_src=${PATCHED_SRC:-$TREE}
results=$BUILD/results
t_start=$(date +%s)
no_build=${DEMO_NO_BUILD:-0}

table_only=${DEMO_TABLE_ONLY:-0}
# A mode is a guest configuration as in the guest stage (guest_mode_env in
# lib.sh: ss, fs, legacy with -nocm, -nocx16, -ats; smmuv3-s1, smmuv3-s2):
# check them all first.
archs=""
for m in $modes; do
	(guest_mode_env "$m") || exit 1
	a=$(guest_arch "$m")
	[[ " $archs " == *" $a "* ]] || archs+=" $a"
done
((table_only)) || stage setup "$TESTBED/setup.sh"
((table_only)) || [ "$patched_src" != "$TREE" ] || stage tree "$TESTBED/tree.sh"

# Both kernels with the same configuration, the test programs from the
# patched tree for both (guest_prepare in lib.sh), for each architecture.
((table_only)) && no_build=1
declare -A kimg initrd
for a in $archs; do
	case $a in
	x86_64)	frags=$(kernel_frags x86_64 base),x86_64-demo.config sfx='' image=x86/boot/bzImage ;;
	arm64)	frags=$(kernel_frags arm64-guest base),arm64-demo.config sfx=-arm64 image=arm64/boot/Image ;;
	esac
	for k in $kernels; do
		case $k in
		stock)	src=$CACHE/base/linux-source ;;
		patched) src=$patched_src ;;
		*)	die "DEMO_KERNELS: unknown kernel '$k'" ;;
		esac
		if ((no_build)); then
			GUEST_KERNEL=$BUILD/out/demo-$k$sfx/arch/$image
			GUEST_INITRD=$BUILD/guest/demo-$k$sfx/initramfs.cpio.gz
			if ((!table_only)) && { [ ! -f "$GUEST_KERNEL" ] || [ ! -f "$GUEST_INITRD" ]; }; then
				die "DEMO_NO_BUILD: no $GUEST_KERNEL or $GUEST_INITRD"
			fi
		else
			guest_prepare "demo-$k$sfx" "$src" "$frags" "$patched_src" "$a" ||
				die "could not build the $a $k kernel or its initramfs"
			[ -x "$BUILD/guest/demo-$k$sfx/tests/vfio_iommufd_replace_test" ] ||
				die "$patched_src has no vfio_iommufd_replace_test"
		fi
		kimg[$k-$a]=$GUEST_KERNEL initrd[$k-$a]=$GUEST_INITRD
	done
done

if ((!table_only)); then
mkdir -p "$results"
rm -f "$results"/demo-*.log
n=0 total=$((runs * $(wc -w <<<"$modes") * $(wc -w <<<"$kernels")))
for r in $(seq 1 "$runs"); do
	for m in $modes; do
		# The replace test's variant: default (iommufd's default paging
		# domains), or nest_parent for smmuv3-s2 (guest_mode_env).
		guest_mode_env "$m"
		replace=""
		for d in $devices; do
			replace+=",vfio_iommufd_replace_test@$d:--seconds=$seconds:-v:$REPLACE_VARIANT"
		done
		a=$(guest_arch "$m") tests=${replace#,}
		if [ "$GUEST_IOMMU" = vtd ]; then tests=dmar-info$replace; fi
		for k in $kernels; do
			n=$((n + 1))
			out=$results/demo-$m-$k-$r.log
			for try in 1 2; do
				GUEST_DEVICES="$devices" \
				TIMEOUT=$((seconds * $(wc -w <<<"$devices") + 600)) \
					stage "boot $n/$total: $k, $m, run $r (console: $out)" \
					"$TESTBED/qemu.sh" "${kimg[$k-$a]}" "${initrd[$k-$a]}" "$out" \
					"tests=$tests qicount=1" || true
				# A vCPU that the emulator never woke (lib.sh:
				# tcg_idle_stall): once more, as guest-test.sh does.
				if ((try == 2)) || ! tcg_idle_stall "$out"; then break; fi
				mv "$out" "${out%.log}.stall.log"
				log "boot $n/$total stalled: a vCPU halted in idle, never woken (TCG); booting it again (first log: ${out%.log}.stall.log)"
			done
			grep -a '^# replace-stats:' "$out" >&2 || true
		done
	done
done
# The cases that the guest stage excuses as failures of the base
# (guest/known-failures) must fail on the stock kernel too: one more boot
# of it, with the iommufd selftests.
if grep -qw stock <<<"$kernels" && [[ " $archs " == *" x86_64 "* ]]; then
	guest_mode_env ss
	GUEST_DEVICES="$devices" TIMEOUT=1200 \
		stage "boot: stock, the iommufd selftests (known failures)" \
		"$TESTBED/qemu.sh" "${kimg[stock-x86_64]}" "${initrd[stock-x86_64]}" \
		"$results/demo-known-failures-stock.log" \
		"tests=iommufd" || true
fi
fi

rc=0
python3 "$TESTBED/demo-table.py" "$results" "$runs" "$seconds" "$modes" "$devices" "$kernels" \
	"$hitless" "$min_dmas" \
	"$(head -n1 "$results/demo-$(cut -d' ' -f1 <<<"$modes")-$(cut -d' ' -f1 <<<"$kernels")-1.log.env" 2>/dev/null)" \
	> "$results/demo-table.txt" || rc=$?
if grep -qw stock <<<"$kernels" && [[ " $archs " == *" x86_64 "* ]] &&
   ! "$TESTBED/check-known-failures.sh" "$results/demo-known-failures-stock.log" \
	>> "$results/demo-table.txt"; then
	echo "demo: FAIL: guest/known-failures excuses a case that does not fail on the stock kernel" \
		>> "$results/demo-table.txt"
	[ "$rc" != 0 ] || rc=1
fi
echo
cat "$results/demo-table.txt"
log "demo: table in $results/demo-table.txt, logs in $results/demo-*.log ($(($(date +%s) - t_start))s)"
exit $rc
