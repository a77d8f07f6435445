#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The table of make demo, from the boot logs demo.sh wrote:
#   demo-table.py RESULTS RUNS SECONDS MODES DEVICES KERNELS HITLESS MIN_DMAS QEMU_ENV
import os, re, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_log import IOMMU_FAULT as fault, SPLAT as splat  # noqa: E402
results, runs, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
modes, devices, kernels, hitless = (a.split() for a in sys.argv[4:8])
min_dmas, env = int(sys.argv[8]), sys.argv[9]
# DMAs per copy, at least: edu reads the source and writes the destination;
# igb fetches a transmit descriptor, reads the frame, fetches a receive
# descriptor and writes the frame (descriptor write-backs not counted).
dmas_per_copy = {"edu": 2, "igb": 4}
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
            kernel_log = text.split("==== BEGIN dmesg", 1)[-1].splitlines()
            faults = sum(1 for l in kernel_log if fault.search(l))
            splats = [l for l in kernel_log if splat.search(l)]
            if k == "patched" and splats:
                fail.append(f"{m} patched run {r}: kernel log: {splats[0].strip()} (see {path})")
            for d in devices:
                sec = re.search(rf"==== BEGIN vfio_iommufd_replace_test@{d}\n(.*?)==== END", text, re.S)
                st = sec and re.search(r"^# replace-stats: (.*)$", sec.group(1), re.M)
                qi = sec and re.search(r"^# qi-stats: descriptors=(\d+) waits=(-?\d+)"
                                      r"(?: via_tmp_did=(-?\d+) tmp_did_missing=(-?\d+))?$", sec.group(1), re.M)
                # SMMUv3: command batches and, of those, the ones ending with
                # a CMD_SYNC (the CPU waits for each).
                qi = qi or (sec and re.search(r"^# cmdq-stats: batches=(\d+) syncs=(-?\d+)()()$",
                                              sec.group(1), re.M))
                drv = sec and re.search(r"^# drv-stats: calls=(\d+) bucket_ns=(\d+) hist=(\S*)$",
                                        sec.group(1), re.M)
                if not done or not st or not qi or int(qi.group(2)) < 0 or not drv:
                    what = "replace-stats" if not st else "qi-stats" if not qi or int(qi.group(2)) < 0 else "drv-stats"
                    bad.append(f"{m} {k} run {r} {d}: no {what} (see {path})")
                    continue
                s = dict(kv.split("=", 1) for kv in st.group(1).split())
                s = {key: (v if key == "variant" else int(v)) for key, v in s.items()}
                s["faults"] = faults
                s["descs"], s["waits"] = int(qi.group(1)), int(qi.group(2))
                # Replaces through a temporary DID, and those that needed one
                # and had none (-1: the kernel has no such trace field).
                s["via_did"] = int(qi.group(3) or -1)
                s["no_did"] = int(qi.group(4) or -1)
                s["not_ok"] = len(re.findall(r"^not ok ", sec.group(1), re.M))
                # Driver time per attach: {bucket start (ns): calls}.
                width = int(drv.group(2))
                s["drv"] = {}
                for b in filter(None, drv.group(3).split(",")):
                    lo, n = (int(x) for x in b.split(":"))
                    s["drv"][lo + width // 2] = s["drv"].get(lo + width // 2, 0) + n
                if sum(s["drv"].values()) != int(drv.group(1)) or not s["drv"]:
                    bad.append(f"{m} {k} run {r} {d}: drv-stats holds {sum(s['drv'].values())} of "
                               f"{drv.group(1)} calls (see {path})")
                    continue
                s["dmas"] = dmas_per_copy.get(d, 1) * s["copies"]
                # Share of the run the replace thread spent in the ioctl,
                # estimated from the median (the test reports no mean).
                s["busy"] = min(100.0, 100.0 * s["replaces"] * s["lat_ns_median"] / (seconds * 1e9))
                rows.setdefault((m, d, k), []).append((r, s))

us = lambda ns: f"{ns / 1000:.1f}"


def quantile(hist, q):
    """The bucket middle below which a share q of the calls lie."""
    n, acc = sum(hist.values()), 0
    for v in sorted(hist):
        acc += hist[v]
        if acc >= q * n:
            return v
    return 0



cnt = lambda n: "-" if n < 0 else str(n)
per = lambda a, b: a / b if b else 0.0
print(f"Domain replace under DMA: vfio_iommufd_replace_test, variant default (smmuv3-s2: nest_parent), "
      f"{seconds} s per device and run")
for m in modes:
    try:
        e = open(f"{results}/demo-{m}-{kernels[0]}-1.log.env").readline().strip()
    except OSError:
        e = env
    print(f"QEMU, {m}: {e}")
print("copy = one transfer of the device (edu: reads 2 KiB, writes 2 KiB; igb: one loopback frame);")
print("in A / in B = copies that landed whole in A's or B's destination page; lost = in neither,")
print("torn = anything else; fault = IOMMU fault lines in the boot's kernel log (all devices): DMAR fault")
print("records (VT-d), event-queue entries (SMMUv3), event-log entries (AMD);")
print("lat, p99 = replace ioctl median and 99th percentile (us); drv, drv99 = median and 99th percentile")
print("of the time spent in intel_iommu_attach_device() (SMMUv3: arm_smmu_attach_dev(); AMD:")
print("amd_iommu_attach_device()) per call")
print("(us, 1-us buckets, every call of the test);")
print("busy = replaces x lat / run time (at most 100%), about the")
print("share of the run a replace was in progress; desc/rep, wait/rep = VT-d: invalidation descriptors queued")
print("and CPU waits (qi_submit_sync calls); SMMUv3: command batches issued and CMD_SYNCs waited for;")
print("AMD: commands queued and, of those, COMPLETION_WAITs (each waited for by the CPU);")
print("per replace, counted over the whole test, set-up included;")
print("viaT = PASID entry updates through an intermediate DID (first-stage replaces: a temporary DID,")
print("or the new domain's own when nothing else uses it), noT = updates that needed one and had none")
print("(disruptive); '-' where the kernel has no such trace field.")
print()
hdr = (f"{'mode':10} {'device':6} {'kernel':8} {'run':>4} {'copies':>7} {'in A':>6} {'in B':>6} "
       f"{'lost':>5} {'torn':>5} {'loss%':>6} {'fault':>5} {'replaces':>8} {'err':>4} {'lat':>6} {'p99':>6} "
       f"{'drv':>6} {'drv99':>6} "
       f"{'busy':>5} {'desc/rep':>8} {'wait/rep':>8} {'viaT':>8} {'noT':>4}")


def line(m, d, k, r, s):
    pct = 100.0 * (s["lost"] + s["torn"]) / max(s["copies"], 1)
    return (f"{m:10} {d:6} {k:8} {r:>4} {s['copies']:>7} {s['in_a']:>6} {s['in_b']:>6} {s['lost']:>5} "
            f"{s['torn']:>5} {pct:>5.1f}% {s['faults']:>5} {s['replaces']:>8} {s['replace_errors']:>4} "
            f"{us(s['lat_ns_median']):>6} {us(s['lat_ns_p99']):>6} {us(quantile(s['drv'], 0.5)):>6} "
            f"{us(quantile(s['drv'], 0.99)):>6} {s['busy']:>4.0f}% {per(s['descs'], s['replaces']):>8.2f} "
            f"{per(s['waits'], s['replaces']):>8.2f} {cnt(s['via_did']):>8} {cnt(s['no_did']):>4}")


print(hdr)
print("-" * len(hdr))
tot = {}
keys = ("copies", "in_a", "in_b", "lost", "torn", "faults", "replaces", "replace_errors",
        "descs", "waits", "not_ok", "dmas")
for (m, d, k), rs in rows.items():
    for r, s in rs:
        print(line(m, d, k, r, s))
    t = {key: sum(s[key] for _, s in rs) for key in keys}
    for key in ("via_did", "no_did"):
        t[key] = -1 if any(s[key] < 0 for _, s in rs) else sum(s[key] for _, s in rs)
    # Over the runs: the median of the runs' ioctl medians and 99th
    # percentiles, and the driver time of all calls of all runs.
    t["lat_ns_median"] = statistics.median(s["lat_ns_median"] for _, s in rs)
    t["lat_ns_p99"] = statistics.median(s["lat_ns_p99"] for _, s in rs)
    t["drv"] = {}
    for _, s in rs:
        for v, n in s["drv"].items():
            t["drv"][v] = t["drv"].get(v, 0) + n
    t["busy"] = statistics.mean(s["busy"] for _, s in rs)
    tot[(m, d, k)] = t
    print(line(m, d, k, "all", t))
    print()
    if k == "patched" and t["no_did"] > 0:
        fail.append(f"{m} {d}: {t['no_did']} replaces found no temporary DID and were disruptive")
    if k == "patched" and m in hitless:
        if t["lost"] or t["torn"] or t["replace_errors"] or t["faults"] or t["not_ok"]:
            fail.append(f"{m} {d}: the series is not hitless (lost {t['lost']}, torn {t['torn']}, "
                        f"replace errors {t['replace_errors']}, IOMMU fault lines {t['faults']}, "
                        f"not ok {t['not_ok']})")
    if not t["in_b"] or not t["in_a"]:
        fail.append(f"{m} {d} {k}: copies did not land in both pages (A {t['in_a']}, B {t['in_b']})")

# The DMA target gives a result power: the series' zero losses in a hitless
# mode count only over enough DMAs; a stock row that lost nothing needs as
# many to show anything (a stock row that lost copies has shown the bug).
print(f"DMAs per mode and kernel, all devices and runs (target >= {min_dmas} for the series")
print("where it must be hitless, and for stock where it lost nothing):")
for m in modes:
    for k in kernels:
        n = sum(tot[(m, d, k)]["dmas"] for d in devices if (m, d, k) in tot)
        bad_copies = sum(tot[(m, d, k)]["lost"] + tot[(m, d, k)]["torn"]
                         for d in devices if (m, d, k) in tot)
        print(f"  {m:10} {k:8} {n:>9}" + (f"  ({bad_copies} lost or torn)" if bad_copies else ""))
        if n < min_dmas and ((k == "stock" and not bad_copies) or
                             (k != "stock" and m in hitless)):
            fail.append(f"{m} {k}: {n} DMAs, fewer than {min_dmas}")

# Power: in each mode, every stock run must lose or tear copies on at least
# one device, or that run shows nothing about the bug.
if "stock" in kernels:
    for m in modes:
        for r in range(1, runs + 1):
            losses = [s["lost"] + s["torn"] for d in devices
                      for rr, s in rows.get((m, d, "stock"), []) if rr == r]
            if losses and not sum(losses):
                fail.append(f"{m} stock run {r} lost nothing on any device: no power to show the bug")
print()
print("patched / stock, over all runs (waits, descriptors: per replace, patched vs stock):")
print(f"  {'mode':10} {'device':6} {'ioctl med':>9} {'ioctl p99':>9} {'drv med':>8} {'drv p99':>8} "
      f"{'waits':>11} {'descriptors':>11}")
ratio = lambda a, b: f"{a / b:.2f}x" if b else "-"
for m in modes:
    for d in devices:
        s, p = tot.get((m, d, "stock")), tot.get((m, d, "patched"))
        if s and p:
            print(f"  {m:10} {d:6} {ratio(p['lat_ns_median'], s['lat_ns_median']):>9} "
                  f"{ratio(p['lat_ns_p99'], s['lat_ns_p99']):>9} "
                  f"{ratio(quantile(p['drv'], 0.5), quantile(s['drv'], 0.5)):>8} "
                  f"{ratio(quantile(p['drv'], 0.99), quantile(s['drv'], 0.99)):>8} "
                  f"{per(p['waits'], p['replaces']):>5.2f} {per(s['waits'], s['replaces']):>5.2f} "
                  f"{per(p['descs'], p['replaces']):>5.2f} {per(s['descs'], s['replaces']):>5.2f}")
print(f"\nmodes in which the series must be hitless: {' '.join(hitless)}")
rc = 0
for b in bad:
    print(f"TESTBED ERROR: {b}")
    rc = 2
for f in fail:
    print(f"FAIL: {f}")
    rc = rc or 1
print("demo: " + ("PASS" if not rc else "FAIL"))
sys.exit(rc)
