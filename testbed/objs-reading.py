#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The objects of a kernel build that read one of the given files.

    objs-reading.py OUT SRC DIR < FILES

FILES: paths relative to the source tree SRC, one a line.  Prints, one a
line, each object under OUT/DIR (a built kernel's output directory) whose
source or any header it included, as the object's .cmd file records, is
one of FILES.  An object none of FILES reaches compiles to the same code
and warnings with or without them.  Exits 1 if OUT/DIR has no object with
its dependencies recorded (not built yet).
"""
import os
import re
import sys

out, src, sub = sys.argv[1:4]
changed = {line.strip() for line in sys.stdin if line.strip()}
src = os.path.realpath(src)
built = 0
for root, _, files in os.walk(os.path.join(out, sub)):
    for name in sorted(files):
        m = re.fullmatch(r'\.(.+\.o)\.cmd', name)
        if not m or m.group(1).endswith('.mod.o'):
            continue
        obj = os.path.relpath(os.path.join(root, m.group(1)), out)
        with open(os.path.join(root, name)) as f:
            text = f.read()
        if f'deps_{obj} :=' not in text:
            continue
        built += 1
        deps = re.findall(r'^\s+(\S+?)\s*\\?$', text, re.M)
        deps += re.findall(r'^source_\S+ := (\S+)', text, re.M)
        for d in deps:
            if d.startswith('$('):
                continue
            path = os.path.realpath(os.path.join(out, d))
            if os.path.relpath(path, src) in changed:
                print(obj)
                break
sys.exit(0 if built else 1)
