#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge a guest console log written by qemu.sh:
#   - KUnit suites run at boot (KTAP before "==== GUEST up"),
#   - every test program's TAP between "==== BEGIN x" / "==== END x rc=N":
#     a program that skips altogether, passes no case, or is missing is a
#     failure; with TESTS, each program it names must have reported,
#   - the kernel log: any WARNING, BUG, Oops, lockdep or KASAN report, or
#     IOMMU fault (a DMAR fault record, an SMMUv3 event) is a failure,
#   - an SMMUv3 guest (MODE smmuv3...): the SMMU's driver found stage 1,
#     stage 2 and nesting.
# Writes every case as TAP to the file $2 (tap.py reads the programs' and
# KUnit's (K)TAP), prints one line per part, fails if a case failed.
#
#   guest-check.sh LOG TAP-FILE [MODE [TESTS]]
#
# REQUIRED_KUNIT lists the KUnit suites the kernel must run at boot, each
# SUITE:CASES (default: none; guest-test.sh counts the series' suites from
# their test files, and requires none of a stock kernel).
#
# MODE is the guest configuration of the boot (ss, fs, legacy-ats,
# ss-nocx16, smmuv3-s1, ...): the lines of guest/known-failures for it, for its VT-d
# mode (ss, fs, legacy) or for "all" excuse those failures; such a case
# that passes is a failure too, so that the list is kept true.  TESTS is
# the boot's tests= list (guest/init): a program it names that has no
# section in the log (the guest died or stopped before it) is a failure.
#
# The "# replace-stats:" lines of vfio_iommufd_replace_test go to
# replace-KERNEL.txt next to $2 (KERNEL from the log's name, guest-KERNEL.log),
# one line per run with the kernel's name in front, then the number of
# IOMMU fault lines (DMAR fault records, SMMUv3 events) of the kernel log.
. "$(dirname "$0")/lib.sh"

log_file=$1 tap_file=$2 mode=${3:-ss} tests=${4:-}
required=${REQUIRED_KUNIT:-}
python3 - "$log_file" "$tap_file" "$TESTBED/guest/known-failures" "$mode" \
	"$TESTBED" "$tests" "$required" > "$tap_file.detail" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[5])
from kernel_log import BAD as bad, IOMMU_FAULT_ANY as dmar, IOMMU_FAULT as DMAR_FAULT  # noqa: E402
import tap  # noqa: E402
text = open(sys.argv[1], errors="replace").read().replace("\r", "")
lines = text.split("\n")
known, may_pass = {}, set()
for l in open(sys.argv[3]):
    if l.strip() and not l.startswith("#"):
        name, modes, why = l.rstrip("\n").split("\t", 2)
        for m in modes.split(","):
            if m.rstrip("?") in ("all", sys.argv[4], sys.argv[4].split("-")[0]):
                known[name] = why
                if m.endswith("?"):
                    may_pass.add(name)

cases = []          # tap.Case, in order
def case(ok, name, why=""):
    cases.append(tap.Case(ok, name + (f": {why}" if why else ""), None, ""))

def summary(part, cs):
    t = tap.tally(cs)
    extra = "".join(f", {t[k]} {k}" for k in ("skipped", "todo") if t[k])
    print(f"{part}: {t['passed']} passed, {t['failed']} failed{extra}")

up = next((i for i, l in enumerate(lines) if "==== GUEST up" in l), len(lines))
boot = lines[:up]
kunit, _, _ = tap.parse(boot)
for c in kunit:
    c.name = "kunit: " + c.name
cases += kunit
summary("kunit (at boot)", kunit)

# The suites the guest kernel must run at boot, with their case counts:
# a kernel built without one (or a suite that lost cases) reports fewer
# results, which the counts above would not notice.
required = {r.split(":")[0]: int(r.split(":")[1]) for r in sys.argv[7].split()}
plans, results = {}, {}
plain = [tap.clean(l) for l in boot]
for i, l in enumerate(plain):
    m = re.match(r"(\s*)# Subtest: (\S+)", l)
    if m:
        # The plan follows, after "# module:" and other comment lines.
        n = next((re.match(r"\s*1\.\.(\d+)", x) for x in plain[i + 1:i + 6]
                  if re.match(r"\s*1\.\.\d+", x)), None)
        plans[m.group(2)] = int(n.group(1)) if n else 0
        # The suite's own results: the case lines at its indentation, up
        # to its closing result one level up (a crash ends it sooner).
        ind, count = m.group(1), 0
        for x in plain[i + 1:]:
            if re.match(re.escape(ind) + r"(ok|not ok) ", x):
                count += 1
            elif re.match(r"\s*(ok|not ok) ", x) and len(x) - len(x.lstrip()) < len(ind):
                break
        results[m.group(2)] = count
for suite, want in required.items():
    have, got = plans.get(suite), results.get(suite, 0)
    good = have is not None and have >= want and got >= have
    why = ("not run" if have is None else f"{have} cases" if have < want
           else f"{got} results of {have}")
    case(good, f"kunit suite {suite} runs at boot with >= {want} cases, each with a result",
         "" if good else why)

# An SMMUv3 guest: its replaces are stage 1 (iommufd's default paging
# domain) and stage 2 (nest_parent); the SMMU must offer both, as the
# driver reports (its features: TRANS_S1 bit 9, TRANS_S2 bit 10, NESTING
# bit 19), or the nest_parent cases skip.
if re.match(r"smmuv3(-|$)", sys.argv[4]):
    feat = next((int(f.group(1), 16) for f in
                 (re.search(r"arm-smmu-v3 \S+: .*\(features (0x[0-9a-f]+)\)", l) for l in lines)
                 if f), None)
    have = None if feat is None else [n for n, bit in (("S1", 9), ("S2", 10), ("nesting", 19))
                                      if feat >> bit & 1]
    case(have == ["S1", "S2", "nesting"], "SMMUv3 offers stage 1, stage 2 and nesting",
         "no features line" if have is None else f"features 0x{feat:08x}: {have}")

sections = {}
cur = None
for l in lines[up:]:
    m = re.match(r"^==== BEGIN (\S+)", l)
    if m:
        cur = m.group(1)
        sections[cur] = []
        continue
    m = re.match(r"^==== END (\S+) rc=(\d+)", l)
    if m and cur:
        sections[cur + ".rc"] = int(m.group(2))
        cur = None
        continue
    if cur:
        sections[cur].append(l)

for name, body in sections.items():
    if name.endswith(".rc") or name in ("dmesg", "kmemleak"):
        continue
    rc = sections.get(name + ".rc", -1)
    cs, _, _ = tap.parse(body)
    for c in cs:
        if c.name in known and c.directive is None:
            if not c.ok:
                # A known failure of the base: TODO, which fails nothing.
                c.directive, c.why = "TODO", "known failure, testbed/guest/known-failures: " + known[c.name]
            elif c.name not in may_pass:
                case(False, f"{name}: {c.name} is listed in testbed/guest/known-failures but passed: update the list")
        c.name = f"{name}: {c.name}"
    t = tap.tally(cs)
    cases += cs
    summary(name, cs)
    if rc == 4 and not cs:
        reason = next((l for l in body if "SKIP" in l or l.startswith("#")), "no reason").strip()
        case(False, f"{name} runs", f"skipped as a whole, which a required program may not: {reason}")
    elif rc == 127:
        case(False, f"{name} runs", next((l for l in body if l.startswith("#")), "not run").strip("# "))
    elif rc == 1 and t["failed"] == 0 and t["todo"]:
        pass            # the harness exits 1 for the known failures alone
    elif rc != 0 and t["failed"] == 0:
        case(False, f"{name} exits 0", f"exit code {rc}")
    elif not cs:
        case(False, f"{name} reports results", "no TAP result")
    elif t["passed"] == 0 and t["failed"] == 0:
        # The kselftest harness exits 0 when every case skipped.
        case(False, f"{name} passes a case",
             f"none ran: {t['skipped']} skipped, {t['todo']} known failures")

# Every program the boot was told to run must have reported.
for entry in filter(None, sys.argv[6].split(",")):
    head = entry.split(":", 1)[0]
    if head not in sections:
        case(False, f"{head} runs", "no output in the log: the guest stopped before it")

# Whatever else is excused, the innocent device of the replace test must
# never lose a copy or see one land in the other page table's page.
for name, body in sections.items():
    if name.endswith(".rc"):
        continue
    for l in body:
        m = re.search(r"^# replace-stats: variant=(\S+) .*innocent_copies=(\d+) innocent_bad=(\d+)", l)
        if m and int(m.group(2)):
            bad_copies = int(m.group(3))
            case(bad_copies == 0, f"{name} {m.group(1)}: innocent device, {m.group(2)} copies",
                 f"{bad_copies} not in its own page" if bad_copies else "")

if "kmemleak" in sections:
    leaks = [l for l in sections["kmemleak"] if l.startswith("unreferenced object")]
    print(f"kmemleak: {len(leaks)} unreferenced objects")
    case(not leaks, "kmemleak finds no leak", f"{len(leaks)} unreferenced objects" if leaks else "")

# The console up to "GUEST up" (the boot, KUnit included) and the kernel
# log dumped at the end: the log buffer may have dropped the boot's lines
# by then, so both are read.
kernel = boot + (sections.get("dmesg") or [])
# vfio_pci_driver_test makes its device DMA to unmapped IOVAs on purpose
# (memcpy_{from,to}_unmapped_iova): the IOMMU faults logged between its
# markers (guest/init writes them to the kernel log) are expected.
hits, owner = [], None
for l in kernel:
    m = re.search(r"testbed: (BEGIN|END) (\S+)", l)
    if m:
        owner = m.group(2) if m.group(1) == "BEGIN" else None
    elif bad.search(l):
        if owner and owner.startswith("vfio_pci_driver_test") and dmar.search(l):
            continue
        hits.append(l)
# DMAR faults that a known gap of this mode causes (a disruptive replace)
# are reported, not counted; anything else in the log still is.
if "kernel-log:dmar-faults" in known:
    excused = [l for l in hits if dmar.search(l)]
    if excused:
        print(f"  kernel: {len(excused)} DMAR fault lines, known for this mode: "
              + known["kernel-log:dmar-faults"])
    hits = [l for l in hits if not dmar.search(l)]
if "dmesg" not in sections:
    hits.append("guest did not dump its kernel log")
for h in hits[:20]:
    print("  kernel: " + h.strip())
case(not hits, "kernel log clean", f"{len(hits)} lines: {hits[0].strip()}" if hits else "")

with open(sys.argv[2], "w") as f:
    f.write("TAP version 13\n")
    for i, c in enumerate(cases, 1):
        f.write(c.line().replace(" - ", f" {i} - ", 1) + "\n")
    f.write(f"1..{len(cases)}\n")
for c in cases:
    if c.state == "failed":
        print("not ok - " + c.name)
t = tap.tally(cases)
print(f"DMAR-FAULT-LINES {sum(1 for l in lines if DMAR_FAULT.search(l))}")
print(f"TOTAL {t['passed']} {t['failed']}")
PY
kernel=$(basename "$log_file" .log)
kernel=${kernel#guest-}
stats=$(dirname "$tap_file")/replace-$kernel.txt
rm -f "$stats"
if grep -q '^# replace-stats:' "$log_file"; then
	{
		tr -d '\r' < "$log_file" | sed -n "s/^# replace-stats: /kernel=$kernel /p"
		echo "# dmar-fault-lines: $(awk '/^DMAR-FAULT-LINES/ {print $2}' "$tap_file.detail")"
	} > "$stats"
	sed 's/^/replace: /' "$stats" >&2
fi
grep -vE '^(TOTAL|DMAR-FAULT-LINES)' "$tap_file.detail" >&2
read -r _ p f < <(grep '^TOTAL' "$tap_file.detail") || die "guest-check: no verdict for $log_file"
log "$(basename "$log_file"): $p cases passed, $f failed"
((f == 0))
