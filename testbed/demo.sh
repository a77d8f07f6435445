#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: VT-d domain replace under DMA, stock 7.3 vs the series.
#
# Builds the unpatched base and the patched kernel with the same guest
# configuration, the test programs once (from the patched tree: the edu
# driver and vfio_iommufd_replace_test exist only there, and userspace does
# not depend on the kernel), then boots each kernel DEMO_RUNS times under the
# same QEMU (emulated VT-d in scalable mode, QEMU's edu device bound to
# vfio-pci).  Each boot runs vfio_iommufd_replace_test's default variant for
# DEMO_SECONDS: the edu device copies buffers while another thread replaces
# the device's page table A <-> B (same IOAS, identical mappings).
#
#   DEMO_SECONDS   run time of each run (default 70: edu needs 0.2 s per copy
#                  of 2 DMAs, so 3 runs give some 2100 DMAs per kernel)
#   DEMO_RUNS      runs per kernel (default 3)
#   DEMO_KERNELS   "stock patched" (default), or one of them
#   PATCHED_SRC    patched kernel tree (default build/linux, made by tree.sh)
#   TESTS_SRC      tree to build the test programs from (default PATCHED_SRC)
#   DEMO_NO_BUILD  1: boot the kernels already built in build/out (no tree
#                  or kernel build stage; the test programs are still built)
#
# Stock is expected to lose copies and log DMAR faults: that is what the
# demo shows, not a failure.  It fails when a guest does not produce the
# test's numbers (testbed error) or when the patched kernel is not hitless.
# The table is also saved to build/results/demo-table.txt.
. "$(dirname "$0")/lib.sh"

seconds=${DEMO_SECONDS:-70}
runs=${DEMO_RUNS:-3}
kernels=${DEMO_KERNELS:-stock patched}
patched_src=${PATCHED_SRC:-$TREE}
tests_src=${TESTS_SRC:-$patched_src}
results=$BUILD/results
guest=$BUILD/guest/demo
t_start=$(date +%s)

no_build=${DEMO_NO_BUILD:-0}

stage setup "$TESTBED/setup.sh"
if { ((!no_build)) && [[ " $kernels " == *" patched "* ]] && [ "$patched_src" = "$TREE" ]; } ||
   [ "$tests_src" = "$TREE" ]; then
	stage tree "$TESTBED/tree.sh"
fi

kout_stock=$BUILD/out/base-x86_64
kout_patched=$BUILD/out/x86_64
for k in $kernels; do
	if ((no_build)); then
		kout=$([ "$k" = stock ] && echo "$kout_stock" || echo "$kout_patched")
		[ -f "$kout/arch/x86/boot/bzImage" ] || die "DEMO_NO_BUILD: no $kout/arch/x86/boot/bzImage"
		continue
	fi
	case $k in
	stock)	stage "build stock kernel" "$TESTBED/kbuild.sh" x86_64 \
			"$CACHE/base/linux-source" "$kout_stock" x86_64-guest.config bzImage -s ;;
	patched) stage "build patched kernel" "$TESTBED/kbuild.sh" x86_64 \
			"$patched_src" "$kout_patched" \
			x86_64-guest.config,x86_64-series.config bzImage -s ;;
	*)	die "DEMO_KERNELS: unknown kernel '$k'" ;;
	esac
done

# The uapi headers of the tests' tree go to their own directory: a kernel
# build directory belongs to one source tree.
rm -rf "$guest"
stage "build test programs (once, from $tests_src)" "$TESTBED/selftests.sh" \
	"$tests_src" "$BUILD/out/uapi-demo" "$guest/tests"
[ -x "$guest/tests/vfio_iommufd_replace_test" ] ||
	die "$tests_src has no vfio_iommufd_replace_test"
stage "pack initramfs" "$TESTBED/initramfs.sh" "$guest/tests" "$guest/initramfs.cpio.gz"

mkdir -p "$results"
tests="dmar-info,vfio_iommufd_replace_test:--seconds=$seconds:-v:default"
for k in $kernels; do
	kout=$([ "$k" = stock ] && echo "$kout_stock" || echo "$kout_patched")
	for r in $(seq 1 "$runs"); do
		rm -f "$results/demo-$k-$r.log"
		TIMEOUT=$((seconds + 600)) stage "boot $k, run $r/$runs (${seconds}s)" \
			"$TESTBED/qemu.sh" "$kout/arch/x86/boot/bzImage" \
			"$guest/initramfs.cpio.gz" "$results/demo-$k-$r.log" \
			"tests=$tests" || true
		grep -a '^# replace-stats:' "$results/demo-$k-$r.log" >&2 || true
	done
done

# One table: per kernel and run, then the totals side by side.
rc=0
# shellcheck disable=SC2086 # $kernels: one argument per kernel
python3 - "$results" "$runs" "$seconds" $kernels > "$results/demo-table.txt" <<'PY' || rc=$?
import re, statistics, sys
results, runs, seconds, kernels = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
fault = re.compile(r"DMAR: \[DMA (Read|Write)")
rows, bad = {}, []
for k in kernels:
    rows[k] = []
    for r in range(1, runs + 1):
        try:
            text = open(f"{results}/demo-{k}-{r}.log", errors="replace").read().replace("\r", "")
        except OSError:
            text = ""
        m = re.search(r"^# replace-stats: (.*)$", text, re.M)
        if not m or "==== GUEST done" not in text:
            bad.append(f"{k} run {r}: no replace-stats (see {results}/demo-{k}-{r}.log)")
            continue
        s = dict(kv.split("=", 1) for kv in m.group(1).split())
        s = {key: (v if key == "variant" else int(v)) for key, v in s.items()}
        dmesg = text.split("==== BEGIN dmesg", 1)[-1]
        s["faults"] = sum(1 for l in dmesg.splitlines() if fault.search(l))
        s["run"] = r
        rows[k].append(s)

us = lambda ns: f"{ns / 1000:.1f}"
hdr = f"{'kernel':8} {'run':>3} {'copies':>7} {'lost':>5} {'partial':>7} {'fail%':>6} {'DMAR flt':>8} {'replaces':>9} {'rep err':>7} {'lat med':>8} {'lat min':>8} {'lat max':>9}"
print(f"VT-d domain replace under DMA: vfio_iommufd_replace_test, variant default, {seconds} s per run")
print("copy = the edu device reads 2 KiB of the source then writes it to the destination (2 DMAs);")
print("lost = none of its bytes arrived, partial = some did, fail% = (lost + partial) / copies;")
print("DMAR flt = DMAR fault lines in the kernel log (rate-limited by the kernel);")
print("replace latencies in microseconds.")
print()
print(hdr)
print("-" * len(hdr))
tot = {}
for k in kernels:
    for s in rows[k]:
        pct = 100.0 * (s["lost"] + s["partial"]) / s["copies"] if s["copies"] else 0
        print(f"{k:8} {s['run']:>3} {s['copies']:>7} {s['lost']:>5} {s['partial']:>7} {pct:>5.1f}% "
              f"{s['faults']:>8} {s['replaces']:>9} {s['replace_errors']:>7} "
              f"{us(s['lat_ns_median']):>8} {us(s['lat_ns_min']):>8} {us(s['lat_ns_max']):>9}")
    rs = rows[k]
    if rs:
        t = {key: sum(s[key] for s in rs) for key in
             ("copies", "lost", "partial", "faults", "replaces", "replace_errors")}
        t["lat_min"] = min(s["lat_ns_min"] for s in rs)
        t["lat_max"] = max(s["lat_ns_max"] for s in rs)
        # The runs' medians are over similar numbers of replaces: their median
        # stands for the median of all replaces.
        t["lat_med"] = statistics.median(s["lat_ns_median"] for s in rs)
        t["runs"] = len(rs)
        tot[k] = t
print()
print(f"{'totals':18}" + "".join(f" {k:>16}" for k in tot))
def line(name, f):
    print(f"{name:18}" + "".join(f" {f(t):>16}" for t in tot.values()))
line("runs", lambda t: t["runs"])
line("copies", lambda t: t["copies"])
line("lost", lambda t: t["lost"])
line("partial", lambda t: t["partial"])
line("lost+partial %", lambda t: f"{100.0 * (t['lost'] + t['partial']) / max(t['copies'], 1):.2f}%")
line("DMAR fault lines", lambda t: t["faults"])
line("replaces", lambda t: t["replaces"])
line("replace errors", lambda t: t["replace_errors"])
line("latency median us", lambda t: us(t["lat_med"]))
line("latency min us", lambda t: us(t["lat_min"]))
line("latency max us", lambda t: us(t["lat_max"]))
if "stock" in tot and "patched" in tot and tot["stock"]["lat_med"]:
    print(f"\npatched/stock replace latency (median): {tot['patched']['lat_med'] / tot['stock']['lat_med']:.2f}x")
rc = 0
for b in bad:
    print(f"\nTESTBED ERROR: {b}")
    rc = 2
p = tot.get("patched")
if p and (p["lost"] or p["partial"] or p["faults"] or p["replace_errors"]):
    print("\nFAIL: the patched kernel is not hitless (lost/partial copies, DMAR faults or replace errors)")
    rc = rc or 1
sys.exit(rc)
PY
echo
cat "$results/demo-table.txt"
for k in $kernels; do
	if [ -f "$results/demo-$k-1.log" ]; then
		echo
		echo "$k kernel, VT-d mode (dmar-info of run 1):"
		tr -d '\r' < "$results/demo-$k-1.log" |
			sed -n '/==== BEGIN dmar-info/,/==== END dmar-info/p' |
			grep -E '^(ok|not ok) ' || true
	fi
done
log "demo: table in $results/demo-table.txt, logs in $results/demo-*.log ($(($(date +%s) - t_start))s)"
exit $rc
