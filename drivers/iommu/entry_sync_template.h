/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The entry_sync algorithm, written once for any quantum width.
 *
 * The includer defines:
 *   ES_QUANTUM		the quantum type (__le64, u128)
 *   ES_WRITER		the writer struct tag (entry_sync_writer64, ...)
 *   ES_NS(name)	name with the width appended (name64, name128)
 *   ES_STORE(v, p)	a single-copy-atomic store of @v to quantum @p, in
 *			the argument order of writeq()
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/bitmap.h>

#define ES_MAX_QUANTA	(ENTRY_SYNC_MAX_BYTES / sizeof(ES_QUANTUM))

/*
 * Store target[i] into entry[i] for every quantum i in @mask that differs,
 * then sync once if anything was stored.  The stores within one call are
 * unordered with respect to the hardware: it may observe any subset of
 * them until the sync, so a caller only groups stores that are safe in any
 * combination.
 */
static void ES_NS(entry_set)(struct ES_WRITER *writer,
			     ES_QUANTUM *entry, const ES_QUANTUM *target,
			     unsigned long mask)
{
	bool changed = false;
	unsigned int i;

	for_each_set_bit(i, &mask, writer->num_quanta) {
		if (entry[i] != target[i]) {
			ES_STORE(target[i], &entry[i]);
			changed = true;
		}
	}
	if (changed)
		writer->ops->sync(writer);
}

/*
 * Compute @unused_update, the current entry with every bit that it does not
 * use already set to its target value, and return the mask of quanta in
 * which a bit used by both entries must still change.
 */
static unsigned long ES_NS(entry_diff)(struct ES_WRITER *writer,
				       const ES_QUANTUM *entry,
				       const ES_QUANTUM *target,
				       ES_QUANTUM *unused_update)
{
	ES_QUANTUM cur_used[ES_MAX_QUANTA] = {};
	ES_QUANTUM target_used[ES_MAX_QUANTA] = {};
	ES_QUANTUM safe[ES_MAX_QUANTA] = {};
	unsigned long diff = 0;
	unsigned int i;

	writer->ops->get_used(entry, cur_used);
	writer->ops->get_used(target, target_used);
	if (writer->ops->get_update_safe)
		writer->ops->get_update_safe(entry, target, safe);

	for (i = 0; i != writer->num_quanta; i++) {
		/* A target must not set a bit that its mode does not use. */
		WARN_ON_ONCE(target[i] & ~target_used[i]);

		/*
		 * Safe bits may flip under the hardware while both entries use
		 * them; any other bit may change early only if the current
		 * entry ignores it.
		 */
		cur_used[i] &= ~(safe[i] & target_used[i]);
		unused_update[i] = (entry[i] & cur_used[i]) |
				   (target[i] & ~cur_used[i]);
		if ((unused_update[i] & target_used[i]) != target[i])
			diff |= BIT(i);
	}
	return diff;
}

/* Documented at entry_sync_write64() in entry_sync.h. */
enum entry_sync_result
ES_NS(entry_sync_write)(struct ES_WRITER *writer,
			ES_QUANTUM *entry, const ES_QUANTUM *target)
{
	const unsigned long all = GENMASK(writer->num_quanta - 1, 0);
	ES_QUANTUM unused_update[ES_MAX_QUANTA];
	unsigned int critical, valid = writer->valid_quantum;
	unsigned long diff;

	if (WARN_ON_ONCE(!writer->num_quanta ||
			 writer->num_quanta > ES_MAX_QUANTA ||
			 valid >= writer->num_quanta))
		return ENTRY_SYNC_INVALID;

	/*
	 * Whatever the entry points to (page tables, context descriptors)
	 * must be visible to the hardware before the entry is.
	 */
	dma_wmb();

	diff = ES_NS(entry_diff)(writer, entry, target, unused_update);
	if (!diff) {
		/*
		 * The hardware may see any mix of old and new quanta: the bits
		 * that differ are unused or safe in both entries.
		 */
		ES_NS(entry_set)(writer, entry, target, all);
		return ENTRY_SYNC_UNCHANGED;
	}

	if (hweight_long(diff) == 1) {
		/*
		 * Hitless.  First set every bit the current entry ignores, so
		 * that only the critical quantum still differs in used bits.
		 * Then one atomic store of the critical quantum switches the
		 * hardware from the old entry to the new one.  Last, clear the
		 * bits only the old entry used; the new entry ignores them.
		 */
		critical = __ffs(diff);
		ES_NS(entry_set)(writer, entry, unused_update,
				 all & ~BIT(critical));
		ES_NS(entry_set)(writer, entry, target, BIT(critical));
		ES_NS(entry_set)(writer, entry, target, all);
		return ENTRY_SYNC_HITLESS;
	}

	/*
	 * Disruptive.  Make the entry non-valid by zeroing its valid quantum,
	 * fill every other quantum while the hardware ignores them, and make
	 * the entry valid with its final contents in a last atomic store.
	 */
	unused_update[valid] = 0;
	ES_NS(entry_set)(writer, entry, unused_update, BIT(valid));
	ES_NS(entry_set)(writer, entry, target, all & ~BIT(valid));
	ES_NS(entry_set)(writer, entry, target, BIT(valid));
	return ENTRY_SYNC_DISRUPTIVE;
}

#undef ES_MAX_QUANTA
