// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hitless update of IOMMU table entries that the hardware reads in quanta.
 * The algorithm first served the SMMUv3 STE and CD; it is instantiated here
 * once per quantum width from entry_sync_template.h.
 */
#include <linux/args.h>
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "entry_sync.h"
#include "entry_sync_internal.h"

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
/* system_has_cmpxchg128() is a CPU feature test on x86. */
#include <asm/cpufeature.h>
#endif

/*
 * Called after every store of a quantum (see entry_sync_internal.h): at
 * most one store per quantum between two syncs, of the quantum's full
 * width, is what the KUnit walker model checks.
 */
VISIBLE_IF_KUNIT void entry_sync_stored(const void *quantum, size_t size)
{
	KUNIT_STATIC_STUB_REDIRECT(entry_sync_stored, quantum, size);
}
EXPORT_SYMBOL_IF_KUNIT(entry_sync_stored);

#ifdef CONFIG_IOMMU_ENTRY_SYNC64
static inline void entry_sync_store64(__le64 val, __le64 *quantum)
{
	WRITE_ONCE(*quantum, val);
	entry_sync_stored(quantum, sizeof(*quantum));
}

#define ES_QUANTUM		__le64
#define ES_WRITER		entry_sync_writer64
#define ES_NS(name)		CONCATENATE(name, 64)
#define ES_STORE		entry_sync_store64
#define ES_USABLE()		true
#include "entry_sync_template.h"
#undef ES_QUANTUM
#undef ES_WRITER
#undef ES_NS
#undef ES_STORE
#undef ES_USABLE
EXPORT_SYMBOL_NS_GPL(entry_sync_write64, "IOMMU_ENTRY_SYNC");
EXPORT_SYMBOL_NS_GPL(entry_sync_plan64, "IOMMU_ENTRY_SYNC");
EXPORT_SYMBOL_NS_GPL(entry_sync_replace64, "IOMMU_ENTRY_SYNC");
#endif

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
/*
 * The hardware must never see half of a quantum, and x86 guarantees the
 * atomicity of CMPXCHG16B only with the LOCK prefix (a plain 16-byte store
 * is not single-copy atomic), so use the locked form.  Its cost is small
 * next to the sync that follows every store.  The writer is the only CPU
 * storing to the entry and the IOMMU only reads it, so the exchange finds
 * the value the writer read when the update began, or stored since.
 * Anything else is a caller that broke that contract: nothing the writer
 * planned holds for that entry, so it warns and stops the update.
 */
static inline bool entry_sync_exchange128(u128 old, u128 val, u128 *quantum)
{
	if (WARN_ON_ONCE(!try_cmpxchg128(quantum, &old, val)))
		return false;
	entry_sync_stored(quantum, sizeof(*quantum));
	return true;
}

#define ES_QUANTUM		u128
#define ES_WRITER		entry_sync_writer128
#define ES_NS(name)		CONCATENATE(name, 128)
#define ES_EXCHANGE		entry_sync_exchange128
#define ES_USABLE()		system_has_cmpxchg128()
#include "entry_sync_template.h"
#undef ES_QUANTUM
#undef ES_WRITER
#undef ES_NS
#undef ES_EXCHANGE
#undef ES_USABLE
EXPORT_SYMBOL_NS_GPL(entry_sync_write128, "IOMMU_ENTRY_SYNC");
EXPORT_SYMBOL_NS_GPL(entry_sync_plan128, "IOMMU_ENTRY_SYNC");
EXPORT_SYMBOL_NS_GPL(entry_sync_replace128, "IOMMU_ENTRY_SYNC");
#endif
