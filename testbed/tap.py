#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The testbed's one (K)TAP parser.  Every stage of "make check" writes its
# results as TAP to build/results/STAGE.tap; check.sh judges each file with
# this script, and the stages that run TAP-speaking programs (kunit.py,
# the kselftest harness in the guest) read those logs with it too.
#
#   tap.py judge FILE          "passed failed" on stdout; exits 1 if FILE is
#                              missing, holds no case that ran (skips and
#                              known failures aside), has no top-level
#                              plan or one that its results do not match
#                              (the stage stopped early), or has a failure
#   tap.py leaves FILE [PREFIX]
#                              the leaf cases as flat TAP lines, without
#                              numbers ("ok - PREFIXsuite: case # SKIP ...")
#
# A case is an "ok"/"not ok" line that does not close a subtest (KTAP
# indents a subtest's cases under it).  "# SKIP" cases count as neither
# passed nor failed; a "not ok ... # TODO" case is a known failure and
# counts as neither too.  printk timestamps and CRs (a serial console's
# log) are ignored.
import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok)\b(?:\s+\d+)?(?:\s+-)?\s*(.*)$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\b")
SUBTEST = re.compile(r"^(\s*)# Subtest: (.*\S)")
DIRECTIVE = re.compile(r"^(.*?)\s*#\s*(SKIP|TODO)\b\s*(.*)$", re.I)


def clean(line):
    line = line.replace("\r", "")
    return re.sub(r"^\[\s*[\d.]+\]\s?", "", line)


class Case:
    def __init__(self, ok, name, directive, why):
        self.ok, self.name, self.directive, self.why = ok, name, directive, why

    @property
    def state(self):
        if self.directive == "SKIP":
            return "skipped"
        if self.directive == "TODO" and not self.ok:
            return "todo"
        return "passed" if self.ok else "failed"

    def line(self, prefix=""):
        s = f"{'ok' if self.ok else 'not ok'} - {prefix}{self.name}"
        if self.directive:
            s += f" # {self.directive}{' ' + self.why if self.why else ''}"
        return s


def parse(lines):
    """Return (cases, top-level plan or None, top-level result count)."""
    entries = []        # (indent, ok, text, path)
    stack = []          # (indent, subtest name)
    plan = None
    for raw in lines:
        line = clean(raw)
        m = SUBTEST.match(line)
        if m:
            ind = len(m.group(1).expandtabs())
            while stack and stack[-1][0] >= ind:
                stack.pop()
            stack.append((ind, m.group(2)))
            continue
        m = PLAN.match(line)
        if m and not m.group(1) and plan is None:
            plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        ind = len(m.group(1).expandtabs())
        while stack and stack[-1][0] > ind:
            stack.pop()
        path = [n for i, n in stack if i <= ind]
        entries.append((ind, m.group(2) == "ok", m.group(3), path))
    cases, top = [], 0
    for i, (ind, ok, text, path) in enumerate(entries):
        if ind == 0:
            top += 1
        # A result that closes the deeper-indented results before it is a
        # subtest's summary, not a case.
        if i > 0 and entries[i - 1][0] > ind:
            continue
        d = DIRECTIVE.match(text)
        name, directive, why = (d.group(1), d.group(2).upper(), d.group(3)) if d else (text, None, "")
        name = name.strip()
        if path and not name.startswith(path[-1] + ": "):
            name = f"{path[-1]}: {name}"
        cases.append(Case(ok, name, directive, why))
    return cases, plan, top


def read(path):
    with open(path, errors="replace") as f:
        return f.read().split("\n")


def tally(cases):
    t = {"passed": 0, "failed": 0, "skipped": 0, "todo": 0}
    for c in cases:
        t[c.state] += 1
    return t


def judge(path):
    """Return (passed, failed, reasons): failed counts one for each reason
    the file as a whole is no valid result (missing, empty, cut short)."""
    try:
        lines = read(path)
    except OSError:
        return 0, 1, [f"{path}: no results file"]
    cases, plan, top = parse(lines)
    t = tally(cases)
    reasons = []
    if not cases:
        reasons.append(f"{path}: no result")
    elif t["passed"] + t["failed"] == 0:
        reasons.append(f"{path}: no case ran ({t['skipped']} skipped, {t['todo']} known failures)")
    if plan is None:
        reasons.append(f"{path}: no plan (the stage stopped before the end)")
    elif plan != top:
        reasons.append(f"{path}: plan 1..{plan}, {top} results")
    return t["passed"], t["failed"] + len(reasons), reasons


def main(argv):
    if len(argv) < 3 or argv[1] not in ("judge", "leaves"):
        sys.exit("usage: tap.py judge FILE | tap.py leaves FILE [PREFIX]")
    cmd, path = argv[1], argv[2]
    if cmd == "judge":
        p, f, reasons = judge(path)
        for r in reasons:
            print(r, file=sys.stderr)
        print(p, f)
        sys.exit(1 if f else 0)
    try:
        lines = read(path)
    except OSError:
        sys.exit(f"tap.py: no file {path}")
    prefix = argv[3] if len(argv) > 3 else ""
    for c in parse(lines)[0]:
        print(c.line(prefix))


if __name__ == "__main__":
    main(sys.argv)
