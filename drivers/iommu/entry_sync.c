// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hitless update of IOMMU table entries that the hardware reads in quanta.
 * The algorithm first served the SMMUv3 STE and CD; it is instantiated here
 * once per quantum width from entry_sync_template.h.
 */
#include <linux/args.h>
#include <linux/atomic.h>
#include <linux/export.h>
#include <asm/barrier.h>

#include "entry_sync.h"

#if IS_ENABLED(CONFIG_IOMMU_ENTRY_SYNC128) && !defined(system_has_cmpxchg128)
#error "IOMMU_ENTRY_SYNC128 needs an architecture that provides cmpxchg128"
#endif

#ifdef CONFIG_IOMMU_ENTRY_SYNC64
static inline void entry_sync_store64(__le64 val, __le64 *quantum)
{
	WRITE_ONCE(*quantum, val);
}

#define ES_QUANTUM		__le64
#define ES_WRITER		entry_sync_writer64
#define ES_NS(name)		CONCATENATE(name, 64)
#define ES_STORE		entry_sync_store64
#include "entry_sync_template.h"
#undef ES_QUANTUM
#undef ES_WRITER
#undef ES_NS
#undef ES_STORE
EXPORT_SYMBOL_NS_GPL(entry_sync_write64, "IOMMU_ENTRY_SYNC");
#endif

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
/*
 * The writer is the only CPU storing to the entry (the caller serializes
 * updates) and the IOMMU only reads it, so the LOCK prefix buys nothing:
 * what is needed is the single 128-bit access of CMPXCHG16B (or CASP).
 * The instrumented variant keeps the store visible to KASAN and KCSAN.
 */
static inline void entry_sync_store128(u128 val, u128 *quantum)
{
	cmpxchg128_local(quantum, *quantum, val);
}

#define ES_QUANTUM		u128
#define ES_WRITER		entry_sync_writer128
#define ES_NS(name)		CONCATENATE(name, 128)
#define ES_STORE		entry_sync_store128
#include "entry_sync_template.h"
#undef ES_QUANTUM
#undef ES_WRITER
#undef ES_NS
#undef ES_STORE
EXPORT_SYMBOL_NS_GPL(entry_sync_write128, "IOMMU_ENTRY_SYNC");
#endif
