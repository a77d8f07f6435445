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
 *   ES_USABLE()	whether ES_STORE() can run on this CPU
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/log2.h>

#define ES_MAX_QUANTA	(ENTRY_SYNC_MAX_BYTES / sizeof(ES_QUANTUM))

/*
 * Make the sync owed for the stores of the previous window, if any.  Syncs
 * are made lazily, just before the first store of the next window, so that
 * the last one of an update can be left to the caller (see
 * &entry_sync_writer64.defer_last_sync); the order of stores and syncs is
 * the same either way.
 */
static void ES_NS(entry_sync_owed)(struct ES_WRITER *writer)
{
	if (writer->sync_pending) {
		writer->sync_pending = false;
		writer->ops->sync(writer);
	}
}

/*
 * One window: store target[i] into entry[i] for each quantum i in @quanta
 * that differs.  Until the sync that closes the window, the hardware may
 * observe any subset of these stores, so a caller only groups stores that
 * are safe in any combination.  A window that stores nothing owes no sync.
 */
static void ES_NS(entry_store)(struct ES_WRITER *writer, ES_QUANTUM *entry,
			       const ES_QUANTUM *target, unsigned long quanta)
{
	bool stored = false;
	unsigned int i;

	for_each_set_bit(i, &quanta, writer->ops->num_quanta) {
		if (entry[i] == target[i])
			continue;
		if (!stored)
			ES_NS(entry_sync_owed)(writer);
		ES_STORE(target[i], &entry[i]);
		stored = true;
	}
	if (stored)
		writer->sync_pending = true;
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

	for (i = 0; i != writer->ops->num_quanta; i++) {
		/* A target must not set a bit that its mode does not use. */
		WARN_ON_ONCE(target[i] & ~target_used[i]);

		/*
		 * Safe bits may flip under the hardware while both entries use
		 * them; any other bit may change early only if the current
		 * entry ignores it.  A safe bit that the target does not use
		 * stays used: the current entry reads it until the switch.
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
	unsigned int n = writer->ops->num_quanta;
	unsigned int valid = writer->ops->valid_quantum;
	ES_QUANTUM unused_update[ES_MAX_QUANTA];
	enum entry_sync_result result;
	unsigned long all, diff;
	unsigned int critical;

	/*
	 * ENTRY_SYNC_FORMAT*() checks the format at build time; this catches
	 * an ops structure that does not use it.
	 */
	if (WARN_ON_ONCE(!n || n > ES_MAX_QUANTA || valid >= n))
		return ENTRY_SYNC_INVALID;
	if (WARN_ON_ONCE(!ES_USABLE()))
		return ENTRY_SYNC_INVALID;

	/*
	 * Whatever the entry points to (page tables, context descriptors)
	 * must be visible to the hardware before the entry is.  This is part
	 * of the contract: drivers rely on it instead of a barrier of their
	 * own.
	 */
	dma_wmb();

	all = GENMASK(n - 1, 0);
	diff = ES_NS(entry_diff)(writer, entry, target, unused_update);
	if (!diff) {
		/*
		 * The hardware may see any mix of old and new quanta: the bits
		 * that differ are unused or safe in both entries.
		 */
		ES_NS(entry_store)(writer, entry, target, all);
		result = ENTRY_SYNC_UNCHANGED;
	} else if (is_power_of_2(diff)) {
		/*
		 * Hitless.  First set every bit the current entry ignores, so
		 * that only the critical quantum still differs in used bits;
		 * the critical quantum itself is left for the next step, which
		 * can save a sync.  Then one atomic store of the critical
		 * quantum switches the hardware from the old entry to the new
		 * one.  Last, clear the bits only the old entry used; the new
		 * entry ignores them.
		 */
		critical = __ffs(diff);
		unused_update[critical] = entry[critical];
		ES_NS(entry_store)(writer, entry, unused_update, all);
		ES_NS(entry_store)(writer, entry, target, BIT(critical));
		ES_NS(entry_store)(writer, entry, target, all);
		result = ENTRY_SYNC_HITLESS;
	} else {
		/*
		 * Disruptive.  Make the entry non-valid by zeroing its valid
		 * quantum, fill every other quantum (before and after the
		 * valid one, in one window) while the hardware ignores them,
		 * and make the entry valid with its final contents in a last
		 * atomic store.
		 */
		unused_update[valid] = 0;
		ES_NS(entry_store)(writer, entry, unused_update, BIT(valid));
		ES_NS(entry_store)(writer, entry, target, all & ~BIT(valid));
		ES_NS(entry_store)(writer, entry, target, BIT(valid));
		result = ENTRY_SYNC_DISRUPTIVE;
	}

	if (!writer->defer_last_sync)
		ES_NS(entry_sync_owed)(writer);
	return result;
}

#undef ES_MAX_QUANTA
