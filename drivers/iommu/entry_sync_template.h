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
 * and optionally:
 *   ES_EXCHANGE(o, v, p)  instead of ES_STORE(): the store, made only if
 *			@p still holds @o, the value the writer last read or
 *			stored there; false (having warned) if not
 *
 * Beyond its own includes and entry_sync.h, it relies only on what its
 * includer provides (dma_wmb()), so that it also builds in user space, as
 * the testbed's differential against the SMMUv3 writer does.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>

#define ES_MAX_QUANTA	(ENTRY_SYNC_MAX_BYTES / sizeof(ES_QUANTUM))

/* The ops struct tag: entry_sync_ops64, entry_sync_ops128. */
#define ES_OPS		ES_NS(entry_sync_ops)

#ifdef ES_EXCHANGE
#define ES_PUT(o, v, p)	ES_EXCHANGE(o, v, p)
#else
#define ES_PUT(o, v, p)	({ (void)(o); ES_STORE(v, p); true; })
#endif

/* Copy @n quanta: the template leaves the C library to its includer. */
static void ES_NS(entry_copy)(ES_QUANTUM *dst, const ES_QUANTUM *src,
			      unsigned int n)
{
	unsigned int i;

	for (i = 0; i != n; i++)
		dst[i] = src[i];
}

/*
 * Make the sync owed for the stores of the previous window, if any.  Syncs
 * are made lazily, just before the first store of the next window, so that
 * the last one of an update can be left to the caller (see
 * &entry_sync_writer64.defer_last_sync), and so that the steps of a replace
 * through a temporary tag follow each other with no sync of their own; the
 * order of stores and syncs is the same either way.
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
 * that differs from @cur[i], the value the writer last read or stored
 * there, and record the store in @cur.  Until the sync that closes the
 * window, the hardware may observe any subset of these stores, so a caller
 * only groups stores that are safe in any combination.  A window that
 * stores nothing owes no sync.  Returns false if a store found the entry
 * changed behind the writer's back: the update must stop.
 */
static bool ES_NS(entry_store)(struct ES_WRITER *writer, ES_QUANTUM *entry,
			       ES_QUANTUM *cur, const ES_QUANTUM *target,
			       unsigned long quanta)
{
	bool stored = false;
	unsigned int i;

	for_each_set_bit(i, &quanta, writer->ops->num_quanta) {
		if (cur[i] == target[i])
			continue;
		if (!stored)
			ES_NS(entry_sync_owed)(writer);
		stored = true;
		writer->sync_pending = true;
		if (!ES_PUT(cur[i], target[i], &entry[i]))
			return false;
		cur[i] = target[i];
	}
	return true;
}

/*
 * Compute @unused_update, the current entry with every bit that it does not
 * use already set to its target value, and return the mask of quanta in
 * which a bit used by both entries must still change.  Bits in @ride
 * (optional) that both entries use are left out of that mask and keep
 * their current value in @unused_update: the caller switches them with the
 * critical quantum, and @ride_quanta gets the quanta where they change.
 */
static unsigned long ES_NS(entry_diff)(const struct ES_OPS *ops,
				       const ES_QUANTUM *entry,
				       const ES_QUANTUM *target,
				       const ES_QUANTUM *ride,
				       ES_QUANTUM *unused_update,
				       unsigned long *ride_quanta)
{
	ES_QUANTUM cur_used[ES_MAX_QUANTA] = {};
	ES_QUANTUM target_used[ES_MAX_QUANTA] = {};
	ES_QUANTUM safe[ES_MAX_QUANTA] = {};
	unsigned long diff = 0;
	ES_QUANTUM both;
	unsigned int i;

	ops->get_used(entry, cur_used);
	ops->get_used(target, target_used);
	if (ops->get_update_safe)
		ops->get_update_safe(entry, target, safe);

	*ride_quanta = 0;
	for (i = 0; i != ops->num_quanta; i++) {
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
		both = ride ? ride[i] & cur_used[i] & target_used[i] : 0;
		if ((unused_update[i] & target_used[i] & ~both) !=
		    (target[i] & ~both))
			diff |= BIT(i);
		if ((entry[i] ^ target[i]) & both)
			*ride_quanta |= BIT(i);
	}
	return diff;
}

/*
 * Set the valid quantum of @blocking to the value that makes the entry
 * refuse DMA on the way from @cur to @target: zero, or the format's own.
 * The hardware may pair it with either entry's other quanta, so it must
 * use none of their bits that differ: warn once if it does.
 */
static void ES_NS(entry_blocking)(const struct ES_OPS *ops,
				  const ES_QUANTUM *cur,
				  const ES_QUANTUM *target,
				  ES_QUANTUM *blocking)
{
	ES_QUANTUM used[ES_MAX_QUANTA] = {};
	ES_QUANTUM entry[ES_MAX_QUANTA];
	unsigned int i, valid = ops->valid_quantum;

	blocking[valid] = 0;
	if (!ops->get_blocking)
		return;
	ops->get_blocking(target, &blocking[valid]);
	ES_NS(entry_copy)(entry, target, ops->num_quanta);
	entry[valid] = blocking[valid];
	ops->get_used(entry, used);
	for (i = 0; i != ops->num_quanta; i++)
		if (i != valid)
			WARN_ON_ONCE(used[i] & (cur[i] ^ target[i]));
}

/*
 * Turn @entry into @target; the last sync is left owed.  With @ride, the
 * bits it names switch with the critical quantum (see entry_sync_plan64()).
 */
static enum entry_sync_result ES_NS(entry_update)(struct ES_WRITER *writer,
						  ES_QUANTUM *entry,
						  const ES_QUANTUM *target,
						  const ES_QUANTUM *ride)
{
	unsigned int i, n = writer->ops->num_quanta;
	unsigned int valid = writer->ops->valid_quantum;
	ES_QUANTUM unused_update[ES_MAX_QUANTA];
	ES_QUANTUM switched[ES_MAX_QUANTA];
	ES_QUANTUM cur[ES_MAX_QUANTA];
	unsigned long all, diff, ride_quanta;
	enum entry_sync_result result;
	unsigned int critical;
	bool ok;

	/* The entry as the writer knows it: only the writer stores to it. */
	ES_NS(entry_copy)(cur, entry, n);
	all = GENMASK(n - 1, 0);
	diff = ES_NS(entry_diff)(writer->ops, cur, target, ride, unused_update,
				 &ride_quanta);
	if (!diff && !ride_quanta) {
		/*
		 * The hardware may see any mix of old and new quanta: the bits
		 * that differ are unused or safe in both entries.
		 */
		ok = ES_NS(entry_store)(writer, entry, cur, target, all);
		result = ENTRY_SYNC_UNCHANGED;
	} else if (!(diff & (diff - 1))) {
		/*
		 * Hitless.  First set every bit the current entry ignores, so
		 * that only the critical quantum still differs in used bits;
		 * the critical quantum itself is left for the next step, which
		 * can save a sync.  Then one atomic store of the critical
		 * quantum switches the hardware from the old entry to the new
		 * one; riding bits switch in the same window, in any
		 * combination with it.  Last, clear the bits only the old
		 * entry used; the new entry ignores them.
		 */
		for (i = 0; i != n; i++) {
			switched[i] = unused_update[i];
			if (ride)
				switched[i] = (switched[i] & ~ride[i]) |
					      (target[i] & ride[i]);
		}
		if (diff) {
			critical = __ffs(diff);
			unused_update[critical] = cur[critical];
			switched[critical] = target[critical];
		}
		ok = ES_NS(entry_store)(writer, entry, cur, unused_update,
					all & ~ride_quanta) &&
		     ES_NS(entry_store)(writer, entry, cur, switched,
					diff | ride_quanta) &&
		     ES_NS(entry_store)(writer, entry, cur, target, all);
		result = ENTRY_SYNC_HITLESS;
	} else {
		/*
		 * Disruptive.  Make the entry refuse DMA, by zeroing its valid
		 * quantum or storing the format's blocking value there, fill
		 * every other quantum (before and after the valid one, in one
		 * window) while the hardware ignores them, and give the entry
		 * its final valid quantum in a last atomic store.
		 */
		ES_NS(entry_blocking)(writer->ops, cur, target, unused_update);
		ok = ES_NS(entry_store)(writer, entry, cur, unused_update,
					BIT(valid)) &&
		     ES_NS(entry_store)(writer, entry, cur, target,
					all & ~BIT(valid)) &&
		     ES_NS(entry_store)(writer, entry, cur, target, BIT(valid));
		result = ENTRY_SYNC_DISRUPTIVE;
	}
	/* The store that failed warned; the entry is not the writer's. */
	return ok ? result : ENTRY_SYNC_INVALID;
}

/*
 * Whether the format is within the limits; it warns once if not.
 * ENTRY_SYNC_FORMAT*() checks the format at build time; this catches an
 * ops structure that does not use it.
 */
static bool ES_NS(entry_format_ok)(const struct ES_OPS *ops)
{
	return !WARN_ON_ONCE(!ops->num_quanta ||
			     ops->num_quanta > ES_MAX_QUANTA ||
			     ops->valid_quantum >= ops->num_quanta);
}

/* Whether the writer can run at all; it warns once if not. */
static bool ES_NS(entry_usable)(const struct ES_OPS *ops)
{
	if (!ES_NS(entry_format_ok)(ops))
		return false;
	return !WARN_ON_ONCE(!ES_USABLE());
}

/* Documented at entry_sync_write64() in entry_sync.h. */
enum entry_sync_result
ES_NS(entry_sync_write)(struct ES_WRITER *writer,
			ES_QUANTUM *entry, const ES_QUANTUM *target)
{
	const struct ES_OPS *ops = writer->ops;
	enum entry_sync_result result;

	if (!ES_NS(entry_usable)(ops))
		return ENTRY_SYNC_INVALID;

	/*
	 * Whatever the entry points to (page tables, context descriptors)
	 * must be visible to the hardware before the entry is.  This is part
	 * of the contract: drivers rely on it instead of a barrier of their
	 * own.
	 */
	dma_wmb();
	result = ES_NS(entry_update)(writer, entry, target, NULL);
	if (!writer->defer_last_sync)
		ES_NS(entry_sync_owed)(writer);
	return result;
}

/* Whether the used bits that must change together sit in one quantum. */
static bool ES_NS(entry_one_quantum)(const struct ES_OPS *ops,
				     const ES_QUANTUM *cur,
				     const ES_QUANTUM *target,
				     const ES_QUANTUM *ride)
{
	ES_QUANTUM unused_update[ES_MAX_QUANTA];
	unsigned long ride_quanta, diff;

	diff = ES_NS(entry_diff)(ops, cur, target, ride, unused_update,
				 &ride_quanta);
	return !(diff & (diff - 1));
}

/* @entry with the tag @tag, and what set_tag() adds for @other. */
static void ES_NS(entry_tagged)(const struct ES_OPS *ops, ES_QUANTUM *step,
				const ES_QUANTUM *entry,
				const ES_QUANTUM *other, u32 tag)
{
	ES_NS(entry_copy)(step, entry, ops->num_quanta);
	ops->set_tag(step, other, tag);
}

/*
 * Documented at entry_sync_plan64() in entry_sync.h.  @ride gets the tag
 * bits that switch with the critical quantum in ENTRY_SYNC_PLAN_PRIVATE.
 */
static enum entry_sync_plan
ES_NS(__entry_sync_plan)(const struct ES_OPS *ops, const ES_QUANTUM *cur,
			 const ES_QUANTUM *target,
			 const struct entry_sync_tags *tags,
			 ES_QUANTUM *steps, ES_QUANTUM *ride)
{
	ES_QUANTUM cur_bits[ES_MAX_QUANTA] = {};
	ES_QUANTUM target_bits[ES_MAX_QUANTA] = {};
	unsigned int i, n = ops->num_quanta;
	ES_QUANTUM *s0 = steps, *s1 = steps + n;
	u32 cur_tag, target_tag, tmp;
	bool has_tmp;

	ES_NS(entry_copy)(steps, target, n);
	for (i = 0; i != n; i++)
		ride[i] = 0;
	if (ES_NS(entry_one_quantum)(ops, cur, target, NULL) ||
	    !ops->get_tag || !ops->set_tag || !tags ||
	    !ops->get_tag(cur, &cur_tag, cur_bits) ||
	    !ops->get_tag(target, &target_tag, target_bits))
		return ENTRY_SYNC_PLAN_DIRECT;

	/*
	 * Neither tag has another user: a walker may pair either tag with
	 * either entry's tables for the length of the update, which only
	 * this entry's translations can see, and the caller invalidates
	 * both afterwards.
	 */
	if (tags->private) {
		for (i = 0; i != n; i++)
			ride[i] = cur_bits[i] | target_bits[i];
		if (ES_NS(entry_one_quantum)(ops, cur, target, ride))
			return ENTRY_SYNC_PLAN_PRIVATE;
		for (i = 0; i != n; i++)
			ride[i] = 0;
	}

	/*
	 * Through a tag that only this entry uses, or through the tag both
	 * entries share: each step changes one quantum in used bits.  The
	 * check does not depend on the tag's value, so it is made with the
	 * current one when no temporary tag was given, to tell "no order
	 * exists" from "the caller gave no tag".
	 */
	has_tmp = tags->has_tmp || cur_tag == target_tag;
	tmp = cur_tag == target_tag ? cur_tag : tags->tmp;
	ES_NS(entry_tagged)(ops, s0, cur, target, has_tmp ? tmp : cur_tag);
	ES_NS(entry_tagged)(ops, s1, target, cur, has_tmp ? tmp : cur_tag);
	if (!ES_NS(entry_one_quantum)(ops, cur, s0, NULL) ||
	    !ES_NS(entry_one_quantum)(ops, s0, s1, NULL) ||
	    !ES_NS(entry_one_quantum)(ops, s1, target, NULL)) {
		ES_NS(entry_copy)(steps, target, n);
		return ENTRY_SYNC_PLAN_NO_ORDER;
	}
	if (!has_tmp) {
		ES_NS(entry_copy)(steps, target, n);
		return ENTRY_SYNC_PLAN_NO_TAG;
	}
	ES_NS(entry_copy)(steps + 2 * n, target, n);
	return ENTRY_SYNC_PLAN_VIA_TAG;
}

/* Documented at entry_sync_plan64() in entry_sync.h. */
enum entry_sync_plan
ES_NS(entry_sync_plan)(const struct ES_OPS *ops, const ES_QUANTUM *cur,
		       const ES_QUANTUM *target,
		       const struct entry_sync_tags *tags, ES_QUANTUM *steps)
{
	ES_QUANTUM ride[ES_MAX_QUANTA];

	/* Planning stores nothing: it runs where the writer cannot. */
	if (!ES_NS(entry_format_ok)(ops))
		return ENTRY_SYNC_PLAN_DIRECT;
	return ES_NS(__entry_sync_plan)(ops, cur, target, tags, steps, ride);
}

/* Documented at entry_sync_replace64() in entry_sync.h. */
enum entry_sync_result
ES_NS(entry_sync_replace)(struct ES_WRITER *writer, ES_QUANTUM *entry,
			  const ES_QUANTUM *target,
			  const struct entry_sync_tags *tags,
			  enum entry_sync_plan *planned)
{
	ES_QUANTUM steps[ENTRY_SYNC_MAX_STEPS * ES_MAX_QUANTA];
	enum entry_sync_result result = ENTRY_SYNC_UNCHANGED, step;
	const struct ES_OPS *ops = writer->ops;
	unsigned int i, n = ops->num_quanta;
	ES_QUANTUM ride[ES_MAX_QUANTA];
	enum entry_sync_plan plan;

	if (planned)
		*planned = ENTRY_SYNC_PLAN_DIRECT;
	if (!ES_NS(entry_usable)(ops))
		return ENTRY_SYNC_INVALID;

	plan = ES_NS(__entry_sync_plan)(ops, entry, target, tags, steps, ride);
	if (planned)
		*planned = plan;

	/* As in entry_sync_write64(). */
	dma_wmb();
	if (plan == ENTRY_SYNC_PLAN_VIA_TAG) {
		/* Chained: each step makes the previous one's sync first. */
		for (i = 0; i != ENTRY_SYNC_MAX_STEPS; i++) {
			step = ES_NS(entry_update)(writer, entry,
						   steps + i * n, NULL);
			if (step > result)
				result = step;
			if (step == ENTRY_SYNC_INVALID)
				break;
		}
	} else {
		result = ES_NS(entry_update)(writer, entry, target,
					     plan == ENTRY_SYNC_PLAN_PRIVATE ?
					     ride : NULL);
	}
	if (!writer->defer_last_sync)
		ES_NS(entry_sync_owed)(writer);
	return result;
}

#undef ES_PUT
#undef ES_OPS
#undef ES_MAX_QUANTA
