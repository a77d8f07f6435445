# SPDX-License-Identifier: GPL-2.0
#
# What the testbed's judges look for in a guest's kernel log, in one place:
# guest-check.sh and demo-table.py import it.
import re

# One line per DMA fault the IOMMU records.
DMAR_FAULT = re.compile(r"DMAR: \[DMA (Read|Write)")
# The same, and the fault-status line that comes with a batch of them.
DMAR_ANY = re.compile(DMAR_FAULT.pattern + r"|DMAR: DRHD: handling fault")
# A kernel that warned, crashed or found a bug in itself.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|Kernel panic|possible circular locking|"
                   r"possible recursive locking|inconsistent lock state|KASAN:|UBSAN:")
# Anything a clean boot must not log (vfio_pci_driver_test's own DMA
# faults aside, which guest-check.sh excuses by their markers).
BAD = re.compile(SPLAT.pattern + "|" + DMAR_ANY.pattern + r"|unreferenced object")
