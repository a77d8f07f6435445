#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutations of the entry_sync library that its KUnit suite must catch.

Each one is a realistic bug: a text replacement in one file of the tree.
  entry_sync.py --list                 names, one per line
  entry_sync.py --describe NAME        what the mutant breaks
  entry_sync.py --apply NAME TREE      apply it (fails if the text is gone)
"""
import sys

T = "drivers/iommu/entry_sync_template.h"
C = "drivers/iommu/entry_sync.c"

MUTANTS = {
    "transient-store": (
        "the critical quantum is first stored as zero, in its own window, "
        "and only then with its value",
        T,
        "\t\t\tswitched[critical] = target[critical];\n",
        "\t\t\tswitched[critical] = 0;\n",
    ),
    "split-128-store": (
        "a 128-bit quantum is stored as two 64-bit halves",
        C,
        "\tif (WARN_ON_ONCE(!try_cmpxchg128(quantum, &old, val)))\n"
        "\t\treturn false;\n"
        "\tentry_sync_stored(quantum, sizeof(*quantum));\n",
        "\tWRITE_ONCE(((u64 *)quantum)[0], (u64)val);\n"
        "\tentry_sync_stored(quantum, sizeof(u64));\n"
        "\tWRITE_ONCE(((u64 *)quantum)[1], (u64)(val >> 64));\n"
        "\tentry_sync_stored((u64 *)quantum + 1, sizeof(u64));\n"
        "\t(void)old;\n",
    ),
    "safe-not-target-used": (
        "safe bits are dropped from the current entry's used bits even "
        "when the target does not use them",
        T,
        "cur_used[i] &= ~(safe[i] & target_used[i]);",
        "cur_used[i] &= ~safe[i];",
    ),
    "no-format-check": (
        "a writer whose valid quantum is outside the entry is not refused",
        T,
        "ops->num_quanta > ES_MAX_QUANTA ||\n"
        "\t\t\t     ops->valid_quantum >= ops->num_quanta);",
        "ops->num_quanta > ES_MAX_QUANTA);",
    ),
    "owed-sync-dropped": (
        "an update chained to a deferred one drops the sync it owes "
        "instead of making it before its first store",
        T,
        "\tdma_wmb();\n\tresult = ES_NS(entry_update)(writer, entry, target, NULL);\n",
        "\tdma_wmb();\n\twriter->sync_pending = false;\n"
        "\tresult = ES_NS(entry_update)(writer, entry, target, NULL);\n",
    ),
    "deferred-sync-made": (
        "the last sync is made although the caller asked to make it itself",
        T,
        "\tresult = ES_NS(entry_update)(writer, entry, target, NULL);\n"
        "\tif (!writer->defer_last_sync)\n\t\tES_NS(entry_sync_owed)(writer);\n",
        "\tresult = ES_NS(entry_update)(writer, entry, target, NULL);\n"
        "\tES_NS(entry_sync_owed)(writer);\n",
    ),
    "no-unused-target-warning": (
        "a target that sets bits its mode does not use draws no warning",
        T,
        "\t\tWARN_ON_ONCE(target[i] & ~target_used[i]);\n",
        "",
    ),
    "exchange-failure-ignored": (
        "a 128-bit exchange that finds the entry changed by another CPU "
        "warns but does not stop the update",
        C,
        "\tif (WARN_ON_ONCE(!try_cmpxchg128(quantum, &old, val)))\n"
        "\t\treturn false;\n",
        "\tWARN_ON_ONCE(!try_cmpxchg128(quantum, &old, val));\n",
    ),
    "temporary-tag-ignored": (
        "a replace that needs a temporary tag ignores the one the caller "
        "gives, and goes disruptive",
        T,
        "\thas_tmp = tags->has_tmp || cur_tag == target_tag;\n",
        "\thas_tmp = cur_tag == target_tag;\n",
    ),
    "table-before-tag": (
        "a replace through a tag stores the new table under the old tag "
        "first, then changes the tag",
        T,
        "\tES_NS(entry_tagged)(ops, s0, cur, target, has_tmp ? tmp : cur_tag);\n",
        "\tES_NS(entry_tagged)(ops, s0, target, cur, cur_tag);\n",
    ),
    "private-plan-for-shared-tags": (
        "the one-sync plan, which is only right for private tags, is "
        "taken whatever the caller says of them",
        T,
        "\tif (tags->private) {\n",
        "\tif (true) {\n",
    ),
    "blocking-value-ignored": (
        "a disruptive update zeroes the valid quantum even where the "
        "format names the value that blocks DMA (AMD's DTE: V=0 passes "
        "DMA untranslated)",
        T,
        "\tops->get_blocking(target, &blocking[valid]);\n",
        "",
    ),
}


def main(argv):
    if argv[1:] == ["--list"]:
        print("\n".join(MUTANTS))
    elif len(argv) == 3 and argv[1] == "--describe":
        print(MUTANTS[argv[2]][0])
    elif len(argv) == 4 and argv[1] == "--apply":
        _, path, old, new = MUTANTS[argv[2]]
        path = f"{argv[3]}/{path}"
        text = open(path).read()
        if text.count(old) != 1:
            sys.exit(f"{argv[2]}: the text to mutate is not in {path} once")
        open(path, "w").write(text.replace(old, new))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
