#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: VT-d domain replace under DMA, stock 7.3 vs the series, in each
# VT-d mode and on each DMA device.
#
# Builds the unpatched base and the patched kernel with the same guest
# configuration, the test programs once (from the patched tree: the edu
# driver and vfio_iommufd_replace_test exist only there, and userspace does
# not depend on the kernel), then boots the kernels in turn (stock, patched,
# stock, ...) under the same QEMU 10, once per run and VT-d mode.  Each boot
# runs vfio_iommufd_replace_test's default variant on each device for
# DEMO_SECONDS: the device copies buffers while another thread moves it
# between two page tables that map the destination to different pages.
#
#   DEMO_MODES     VT-d modes (qemu.sh's VTD_MODE, "-nocm" for caching mode
#                  off; default "ss fs legacy")
#   DEMO_DEVICES   devices (default "edu igb")
#   DEMO_SECONDS   run time per device and boot (default 60: edu needs 0.2 s
#                  per copy of 2 DMAs, so 3 runs give some 1800 DMAs)
#   DEMO_RUNS      runs per mode and kernel (default 3)
#   DEMO_KERNELS   "stock patched" (default), or one of them
#   DEMO_HITLESS   modes in which the series must lose nothing (default
#                  "ss"; first-stage replaces with a new domain ID and legacy
#                  replaces are still disruptive in the series, as its KUnit
#                  table says)
#   PATCHED_SRC    patched kernel tree (default build/linux, made by tree.sh)
#   DEMO_NO_BUILD  1: boot the kernels already built (no kernel build)
#   DEMO_TABLE_ONLY 1: only make the table from the logs of the last demo
#
# Both kernels are built without CONFIG_INTEL_IOMMU_DEBUGFS: its fault dump
# reads live entries unsafely in 7.3 and can panic the stock kernel on a
# fault during a replace (fixed by the series' first VT-d patch).
#
# The demo fails when a boot does not produce the test's numbers, when the
# series loses a copy, tears one or logs a DMAR fault in a DEMO_HITLESS
# mode, when copies did not land in both page tables, or when a stock boot
# loses nothing on any device: such a run has no power to show the bug.
# The table goes to build/results/demo-table.txt.
. "$(dirname "$0")/lib.sh"

seconds=${DEMO_SECONDS:-60}
runs=${DEMO_RUNS:-3}
modes=${DEMO_MODES:-ss fs legacy}
devices=${DEMO_DEVICES:-edu igb}
kernels=${DEMO_KERNELS:-stock patched}
hitless=${DEMO_HITLESS:-ss}
patched_src=${PATCHED_SRC:-$TREE}
results=$BUILD/results
guest=$BUILD/guest/demo
t_start=$(date +%s)
no_build=${DEMO_NO_BUILD:-0}

table_only=${DEMO_TABLE_ONLY:-0}
((table_only)) || stage setup "$TESTBED/setup.sh"
((table_only)) || [ "$patched_src" != "$TREE" ] || stage tree "$TESTBED/tree.sh"

kout_stock=$BUILD/out/demo-stock
kout_patched=$BUILD/out/demo-patched
frags=x86_64-guest.config,x86_64-demo.config
((table_only)) && no_build=1
for k in $kernels; do
	case $k in
	stock)	kout=$kout_stock src=$CACHE/base/linux-source f=$frags ;;
	patched) kout=$kout_patched src=$patched_src f=$frags,x86_64-series.config ;;
	*)	die "DEMO_KERNELS: unknown kernel '$k'" ;;
	esac
	if ((no_build)); then
		[ -f "$kout/arch/x86/boot/bzImage" ] || die "DEMO_NO_BUILD: no $kout/arch/x86/boot/bzImage"
		continue
	fi
	stage "build $k kernel" "$TESTBED/kbuild.sh" x86_64 "$src" "$kout" "$f" bzImage -s
done

if ((!table_only)); then
# The uapi headers of the tests' tree go to their own directory: a kernel
# build directory belongs to one source tree.
rm -rf "$guest"
stage "build test programs (once, from $patched_src)" "$TESTBED/selftests.sh" \
	"$patched_src" "$BUILD/out/uapi-demo" "$guest/tests"
[ -x "$guest/tests/vfio_iommufd_replace_test" ] ||
	die "$patched_src has no vfio_iommufd_replace_test"
stage "pack initramfs" "$TESTBED/initramfs.sh" "$guest/tests" "$guest/initramfs.cpio.gz"

mkdir -p "$results"
rm -f "$results"/demo-*.log
tests=dmar-info
for d in $devices; do
	tests+=",vfio_iommufd_replace_test@$d:--seconds=$seconds:-v:default"
done
n=0 total=$((runs * $(wc -w <<<"$modes") * $(wc -w <<<"$kernels")))
for r in $(seq 1 "$runs"); do
	for m in $modes; do
		mode=${m%-nocm} cm=on
		[ "$m" = "$mode" ] || cm=off
		for k in $kernels; do
			n=$((n + 1))
			kout=$([ "$k" = stock ] && echo "$kout_stock" || echo "$kout_patched")
			out=$results/demo-$m-$k-$r.log
			VTD_MODE=$mode VTD_CM=$cm GUEST_DEVICES="$devices" \
			TIMEOUT=$((seconds * $(wc -w <<<"$devices") + 600)) \
				stage "boot $n/$total: $k, VT-d $m, run $r" \
				"$TESTBED/qemu.sh" "$kout/arch/x86/boot/bzImage" \
				"$guest/initramfs.cpio.gz" "$out" "tests=$tests" || true
			grep -a '^# replace-stats:' "$out" >&2 || true
		done
	done
done
fi

rc=0
# shellcheck disable=SC2086 # one argument per word
python3 - "$results" "$runs" "$seconds" "$modes" "$devices" "$kernels" "$hitless" \
	"$(head -n1 "$results/demo-$(cut -d' ' -f1 <<<"$modes")-$(cut -d' ' -f1 <<<"$kernels")-1.log.env" 2>/dev/null)" \
	> "$results/demo-table.txt" <<'PY' || rc=$?
import re, statistics, sys
results, runs, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
modes, devices, kernels, hitless = (a.split() for a in sys.argv[4:8])
env = sys.argv[8]
fault = re.compile(r"DMAR: \[DMA (Read|Write)")
rows, bad, fail = {}, [], []
for m in modes:
    for k in kernels:
        for r in range(1, runs + 1):
            path = f"{results}/demo-{m}-{k}-{r}.log"
            try:
                text = open(path, errors="replace").read().replace("\r", "")
            except OSError:
                text = ""
            done = "==== GUEST done" in text
            faults = sum(1 for l in text.split("==== BEGIN dmesg", 1)[-1].splitlines()
                         if fault.search(l))
            for d in devices:
                sec = re.search(rf"==== BEGIN vfio_iommufd_replace_test@{d}\n(.*?)==== END", text, re.S)
                st = sec and re.search(r"^# replace-stats: (.*)$", sec.group(1), re.M)
                if not done or not st:
                    bad.append(f"{m} {k} run {r} {d}: no replace-stats (see {path})")
                    continue
                s = dict(kv.split("=", 1) for kv in st.group(1).split())
                s = {key: (v if key == "variant" else int(v)) for key, v in s.items()}
                s["faults"] = faults
                rows.setdefault((m, d, k), []).append((r, s))

us = lambda ns: f"{ns / 1000:.1f}"
print(f"VT-d domain replace under DMA: vfio_iommufd_replace_test, variant default, {seconds} s per device and run")
print(f"QEMU: {env}")
print("copy = the device reads the source and writes the destination (edu: 2 DMAs of 2 KiB; igb: one")
print("loopback frame); in A / in B = copies that landed whole in A's or B's destination page;")
print("lost = in neither, torn = anything else; DMAR flt = DMAR fault lines of the boot (all devices);")
print("latencies in microseconds (median of the runs' medians).")
print()
hdr = (f"{'mode':10} {'device':6} {'kernel':8} {'run':>4} {'copies':>7} {'in A':>6} {'in B':>6} "
       f"{'lost':>5} {'torn':>5} {'loss%':>6} {'DMARflt':>7} {'replaces':>9} {'rep err':>7} {'lat med':>8}")
print(hdr)
print("-" * len(hdr))
tot = {}
for (m, d, k), rs in rows.items():
    for r, s in rs:
        pct = 100.0 * (s["lost"] + s["torn"]) / max(s["copies"], 1)
        print(f"{m:10} {d:6} {k:8} {r:>4} {s['copies']:>7} {s['in_a']:>6} {s['in_b']:>6} {s['lost']:>5} "
              f"{s['torn']:>5} {pct:>5.1f}% {s['faults']:>7} {s['replaces']:>9} {s['replace_errors']:>7} "
              f"{us(s['lat_ns_median']):>8}")
    t = {key: sum(s[key] for _, s in rs) for key in
         ("copies", "in_a", "in_b", "lost", "torn", "faults", "replaces", "replace_errors")}
    t["lat_med"] = statistics.median(s["lat_ns_median"] for _, s in rs)
    t["runs"] = len(rs)
    tot[(m, d, k)] = t
    pct = 100.0 * (t["lost"] + t["torn"]) / max(t["copies"], 1)
    print(f"{m:10} {d:6} {k:8} {'all':>4} {t['copies']:>7} {t['in_a']:>6} {t['in_b']:>6} {t['lost']:>5} "
          f"{t['torn']:>5} {pct:>5.1f}% {t['faults']:>7} {t['replaces']:>9} {t['replace_errors']:>7} "
          f"{us(t['lat_med']):>8}")
    print()
    if k == "stock":
        pass
    elif m in hitless:
        if t["lost"] or t["torn"] or t["replace_errors"] or t["faults"]:
            fail.append(f"{m} {d}: the series is not hitless (lost {t['lost']}, torn {t['torn']}, "
                        f"replace errors {t['replace_errors']}, DMAR fault lines {t['faults']})")
    if not t["in_b"] or not t["in_a"]:
        fail.append(f"{m} {d} {k}: copies did not land in both pages (A {t['in_a']}, B {t['in_b']})")

# Power: in each mode, every stock run must lose or tear copies on at least
# one device, or that run shows nothing about the bug.
if "stock" in kernels:
    for m in modes:
        for r in range(1, runs + 1):
            losses = [s["lost"] + s["torn"] for d in devices
                      for rr, s in rows.get((m, d, "stock"), []) if rr == r]
            if losses and not sum(losses):
                fail.append(f"{m} stock run {r} lost nothing on any device: no power to show the bug")
for m in modes:
    for d in devices:
        s, p = tot.get((m, d, "stock")), tot.get((m, d, "patched"))
        if s and p and s["lat_med"]:
            print(f"{m} {d}: patched/stock replace latency (median) {p['lat_med'] / s['lat_med']:.2f}x")
print(f"\nmodes in which the series must be hitless: {' '.join(hitless)}")
rc = 0
for b in bad:
    print(f"TESTBED ERROR: {b}")
    rc = 2
for f in fail:
    print(f"FAIL: {f}")
    rc = rc or 1
sys.exit(rc)
PY
echo
cat "$results/demo-table.txt"
log "demo: table in $results/demo-table.txt, logs in $results/demo-*.log ($(($(date +%s) - t_start))s)"
exit $rc
