#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the leaf test cases of a (K)TAP log: "passed failed" on stdout.
# A case is a "ok N name" / "not ok N name" line that is not the summary
# line of a suite with subtests; skipped cases ("# SKIP") count as passed
# neither nor failed.
log=$1
[ -f "$log" ] || { echo "0 1"; exit 0; }
python3 - "$log" <<'PY'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
# KTAP: a suite's subtests are indented (or preceded by "# Subtest:").
passed = failed = 0
stack = []
res = re.compile(r"^(\s*)(?:\[[^\]]*\]\s*)?(not ok|ok) \d+ (.*)$")
plan = re.compile(r"^(\s*)(?:\[[^\]]*\]\s*)?1\.\.(\d+)")
entries = []
for l in lines:
    l = re.sub(r"^\[\s*[\d.]+\]\s?", "", l)   # printk timestamps
    m = res.match(l)
    if m:
        entries.append((len(m.group(1).expandtabs()), m.group(2), m.group(3)))
# A result line is a leaf if the next deeper-indented results do not end at it.
for i, (ind, st, name) in enumerate(entries):
    is_parent = i > 0 and entries[i - 1][0] > ind
    if is_parent:
        continue
    if "# SKIP" in name:
        continue
    if st == "ok":
        passed += 1
    else:
        failed += 1
print(passed, failed)
PY
