#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge a guest console log written by qemu.sh:
#   - KUnit suites run at boot (KTAP before "==== GUEST up"),
#   - every test program's TAP between "==== BEGIN x" / "==== END x rc=N":
#     a program that skips altogether, or is missing, is a failure,
#   - the kernel log: any WARNING, BUG, Oops, lockdep or KASAN report, or
#     DMAR fault is a failure.
# Prints one line per part and "passed failed" totals to the file $2.
#
#   guest-check.sh LOG COUNT-FILE [MODE]
#
# MODE is the guest configuration of the boot (ss, fs, legacy-ats,
# ss-nocx16, ...): the lines of guest/known-failures for it, for its VT-d
# mode (ss, fs, legacy) or for "all" excuse those failures; such a case
# that passes is a failure too, so that the list is kept true.
#
# The "# replace-stats:" lines of vfio_iommufd_replace_test go to
# replace-KERNEL.txt next to $2 (KERNEL from the log's name, guest-KERNEL.log),
# one line per run with the kernel's name in front, then the number of DMAR
# fault lines of the kernel log.
. "$(dirname "$0")/lib.sh"

log_file=$1 count_file=$2 mode=${3:-ss}
python3 - "$log_file" "$TESTBED/count-ktap.sh" "$TESTBED/guest/known-failures" "$mode" \
	"$TESTBED" > "$count_file.detail" <<'PY'
import re, subprocess, sys, tempfile
sys.path.insert(0, sys.argv[5])
from kernel_log import BAD as bad, DMAR_ANY as dmar, DMAR_FAULT  # noqa: E402
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

def count(chunk):
    with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
        f.write("\n".join(chunk))
        f.flush()
        out = subprocess.run([sys.argv[2], f.name], capture_output=True, text=True).stdout
    p, f_ = out.split()
    return int(p), int(f_)

total_p = total_f = 0
def report(name, p, f, note=""):
    global total_p, total_f
    total_p += p
    total_f += f
    print(f"{name}: {p} passed, {f} failed{note}")

up = next((i for i, l in enumerate(lines) if "==== GUEST up" in l), len(lines))
boot = lines[:up]
p, f = count(boot)
report("kunit (x86_64 guest)", p, f)

# The suites the guest kernel must run at boot, with their case counts:
# a kernel built without one (or a suite that lost cases) reports fewer
# results, which the counts above would not notice.
required = {"intel-iommu-entry": 45, "iommu-entry-sync": 16}
plans = {}
plain = [re.sub(r"^\[\s*[\d.]+\]\s?", "", l) for l in boot]
for i, l in enumerate(plain):
    m = re.match(r"\s*# Subtest: (\S+)", l)
    if m:
        # The plan follows, after "# module:" and other comment lines.
        n = next((re.match(r"\s*1\.\.(\d+)", x) for x in plain[i + 1:i + 6]
                  if re.match(r"\s*1\.\.\d+", x)), None)
        plans[m.group(1)] = int(n.group(1)) if n else 0
for suite, want in required.items():
    have = plans.get(suite)
    ok = have is not None and have >= want
    report(f"kunit suite {suite} (>= {want} cases)", 1 if ok else 0, 0 if ok else 1,
           "" if ok else f": {'not run' if have is None else f'{have} cases'}")

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
    p, f = count(body)
    note = ""
    xfail = [l.split(" ", 3)[3].split(" #")[0] for l in body
             if re.match(r"^not ok \d+ \S+", l) and l.split(" ", 3)[3].split(" #")[0] in known]
    xpass = [l.split(" ", 2)[2].split(" #")[0] for l in body
             if re.match(r"^ok \d+ \S+", l) and "# SKIP" not in l
             and l.split(" ", 2)[2].split(" #")[0] in known]
    if xfail:
        f -= len(xfail)
        note += f" ({len(xfail)} known failures, testbed/guest/known-failures)"
        if f == 0 and rc == 1:
            rc = 0          # the harness exits 1 for the known failures alone
    for x in xpass:
        if x in may_pass:
            note += f" (known to fail at times, passed this time: {x})"
            continue
        note += f" (listed as a known failure but passed, update testbed/guest/known-failures: {x})"
        f += 1
    if rc == 4 and p + f == 0:
        note = " (skipped as a whole, which a required program may not: " + next((l for l in body if "SKIP" in l or l.startswith("#")), "no reason").strip() + ")"
        f = 1
    elif rc == 127:
        note = " (" + next((l for l in body if l.startswith("#")), "not run").strip("# ") + ")"
        f = max(f, 1)
    elif rc != 0 and f == 0:
        f = 1
        note = f" (exit code {rc})"
    report(name, p, f, note)

# Whatever else is excused, the innocent device of the replace test must
# never lose a copy or see one land in the other page table's page.
for name, body in sections.items():
    if name.endswith(".rc"):
        continue
    for l in body:
        m = re.search(r"^# replace-stats: variant=(\S+) .*innocent_copies=(\d+) innocent_bad=(\d+)", l)
        if m and int(m.group(2)):
            bad_copies = int(m.group(3))
            report(f"{name} {m.group(1)}: innocent device, {m.group(2)} copies",
                   0 if bad_copies else 1, 1 if bad_copies else 0,
                   f" ({bad_copies} not in its own page)" if bad_copies else "")

if "kmemleak" in sections:
    leaks = [l for l in sections["kmemleak"] if l.startswith("unreferenced object")]
    print(f"kmemleak: {len(leaks)} unreferenced objects")
    report("kmemleak", 0 if leaks else 1, 1 if leaks else 0)

# The console up to "GUEST up" (the boot, KUnit included) and the kernel
# log dumped at the end: the log buffer may have dropped the boot's lines
# by then, so both are read.
kernel = boot + (sections.get("dmesg") or [])
# vfio_pci_driver_test makes its device DMA to unmapped IOVAs on purpose
# (memcpy_{from,to}_unmapped_iova): the DMAR faults logged between its
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
report("kernel log clean", 0 if hits else 1, 1 if hits else 0)
print(f"DMAR-FAULT-LINES {sum(1 for l in lines if DMAR_FAULT.search(l))}")
print(f"TOTAL {total_p} {total_f}")
PY
kernel=$(basename "$log_file" .log)
kernel=${kernel#guest-}
stats=$(dirname "$count_file")/replace-$kernel.txt
rm -f "$stats"
if grep -q '^# replace-stats:' "$log_file"; then
	{
		tr -d '\r' < "$log_file" | sed -n "s/^# replace-stats: /kernel=$kernel /p"
		echo "# dmar-fault-lines: $(awk '/^DMAR-FAULT-LINES/ {print $2}' "$count_file.detail")"
	} > "$stats"
	sed 's/^/replace: /' "$stats" >&2
fi
grep -vE '^(TOTAL|DMAR-FAULT-LINES)' "$count_file.detail" >&2
awk '/^TOTAL/ {print $2, $3}' "$count_file.detail" > "$count_file"
read -r p f < "$count_file"
((f == 0))
