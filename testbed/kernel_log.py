# SPDX-License-Identifier: GPL-2.0
#
# What the testbed's judges look for in a guest's kernel log, in one place:
# guest-check.sh and demo-table.py import it.
import re

# One line per DMA fault the IOMMU records: VT-d's fault record, an
# SMMUv3 event-queue entry (each begins with this line), or an AMD IOMMU
# event-log entry (IO_PAGE_FAULT, ILLEGAL_DEV_TABLE_ENTRY, ...).
DMAR_FAULT = re.compile(r"DMAR: \[DMA (Read|Write)")
SMMU_EVENT = re.compile(r"arm-smmu-v3 \S+: event 0x[0-9a-f]+ received")
AMD_EVENT = re.compile(r"Event logged \[")
IOMMU_FAULT = re.compile(DMAR_FAULT.pattern + "|" + SMMU_EVENT.pattern + "|" +
                         AMD_EVENT.pattern)
# The same, and the lines that come with them: VT-d's fault-status line,
# SMMUv3's decoded event and an event queue that overflowed.
IOMMU_FAULT_ANY = re.compile(IOMMU_FAULT.pattern + r"|DMAR: DRHD: handling fault|"
                             r"arm-smmu-v3 \S+: (event: |EVTQ overflow)")
# A kernel that warned, crashed or found a bug in itself.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|Kernel panic|possible circular locking|"
                   r"possible recursive locking|inconsistent lock state|KASAN:|UBSAN:")
# Anything a clean boot must not log (vfio_pci_driver_test's own DMA
# faults aside, which guest-check.sh excuses by their markers).
BAD = re.compile(SPLAT.pattern + "|" + IOMMU_FAULT_ANY.pattern + r"|unreferenced object")
