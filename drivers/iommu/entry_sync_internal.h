/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What entry_sync shares with its own KUnit tests only; drivers include
 * entry_sync.h.
 */
#ifndef __IOMMU_ENTRY_SYNC_INTERNAL_H
#define __IOMMU_ENTRY_SYNC_INTERNAL_H

#include <linux/types.h>

/*
 * Called by the library after every store of a quantum.  It does nothing
 * but under KUnit, whose walker model replaces it through a static stub to
 * check each store as it happens.
 */
#if IS_ENABLED(CONFIG_KUNIT)
void entry_sync_stored(const void *quantum, size_t size);
#endif

#endif /* __IOMMU_ENTRY_SYNC_INTERNAL_H */
