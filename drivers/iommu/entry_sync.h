/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hitless update of IOMMU table entries that the hardware reads in quanta.
 *
 * See Documentation/driver-api/entry_sync.rst.
 */
#ifndef __IOMMU_ENTRY_SYNC_H
#define __IOMMU_ENTRY_SYNC_H

#include <linux/build_bug.h>
#include <linux/types.h>

/*
 * The largest entry the library handles: 512 bits, which covers the SMMUv3
 * STE and CD (8 x 64 bits) and the VT-d scalable-mode PASID entry
 * (4 x 128 bits).  Working copies of this size live on the stack.
 */
#define ENTRY_SYNC_MAX_BYTES	64

/* The most updates entry_sync_replace64/128() chains: see entry_sync_plan64(). */
#define ENTRY_SYNC_MAX_STEPS	3

/**
 * enum entry_sync_result - how entry_sync_write64/128() updated an entry
 * @ENTRY_SYNC_UNCHANGED: no bit the hardware uses changed; only unused or
 *	safe bits were written (with one sync), or nothing at all (no sync).
 * @ENTRY_SYNC_HITLESS: one quantum carried the change; the hardware saw the
 *	old or the new entry at every moment, never a mix or a non-valid
 *	entry.
 * @ENTRY_SYNC_DISRUPTIVE: the entry was made to block DMA (non-valid, or
 *	the format's blocking value: see &entry_sync_ops64.get_blocking),
 *	filled, then given its final valid quantum; DMA that the hardware
 *	translated in between was refused.
 * @ENTRY_SYNC_INVALID: the writer cannot run (a format outside the limits,
 *	or a 128-bit writer without a 128-bit atomic store) and stored
 *	nothing, or the 128-bit writer found a quantum changed by someone else
 *	and stopped the update there.  It warned once.
 */
enum entry_sync_result {
	ENTRY_SYNC_UNCHANGED,
	ENTRY_SYNC_HITLESS,
	ENTRY_SYNC_DISRUPTIVE,
	ENTRY_SYNC_INVALID,
};

/**
 * enum entry_sync_plan - how entry_sync_replace64/128() changes an entry
 * @ENTRY_SYNC_PLAN_DIRECT: one update, as entry_sync_write64() makes it:
 *	hitless without help, or an entry without a cache tag at either end.
 * @ENTRY_SYNC_PLAN_PRIVATE: one update, hitless, whose cache tag changes
 *	in the same window as the critical quantum; only when neither tag has
 *	another user.
 * @ENTRY_SYNC_PLAN_VIA_TAG: three chained updates through a tag that no
 *	other entry uses, each hitless: (current, tag T), (target, tag T),
 *	target.  T is the temporary tag, or the tag both entries share.
 * @ENTRY_SYNC_PLAN_NO_TAG: only a temporary tag would have made the
 *	replace hitless, and the caller had none: one disruptive update.
 * @ENTRY_SYNC_PLAN_NO_ORDER: even through a temporary tag one step would
 *	change used bits in two quanta: one disruptive update.
 */
enum entry_sync_plan {
	ENTRY_SYNC_PLAN_DIRECT,
	ENTRY_SYNC_PLAN_PRIVATE,
	ENTRY_SYNC_PLAN_VIA_TAG,
	ENTRY_SYNC_PLAN_NO_TAG,
	ENTRY_SYNC_PLAN_NO_ORDER,
};

/**
 * struct entry_sync_tags - what the caller of a replace knows of cache tags
 * @tmp: a temporary tag: one that nothing but this entry uses from before
 *	the replace until the caller has invalidated the caches it tags
 * @has_tmp: @tmp is valid
 * @private: nothing but this entry uses the current entry's tag or the
 *	target's, from before the replace until the caller has invalidated
 *	the caches that both tag, and no other user can join either in that
 *	time
 *
 * The cache tag (a domain ID, an ASID, a VMID) is what the IOMMU tags its
 * TLB entries with.  The caller owns every tag's lifetime and
 * invalidation: after a replace through @tmp, or with @private set, it
 * invalidates the caches of each tag the entry carried, and meanwhile keeps
 * @tmp on the invalidation lists of both domains, so that an unmap in
 * either one reaches what was cached under it.
 */
struct entry_sync_tags {
	u32 tmp;
	bool has_tmp;
	bool private;
};

struct entry_sync_writer64;

/**
 * struct entry_sync_ops64 - an entry format made of 64-bit quanta
 * @num_quanta: the number of 64-bit quanta in an entry
 * @valid_quantum: the index of the quantum holding the valid bit.  Unless
 *	@get_blocking says otherwise, an entry whose valid quantum is all
 *	zeroes must be non-valid, and must make the hardware refuse DMA.
 * @get_used: set in @used every bit that the hardware reads in @entry, given
 *	the mode that @entry selects.  A non-valid entry uses its valid bit
 *	and only the bits that the hardware reads whatever that bit says
 *	(AMD's interrupt remapping fields).  @used is zeroed by the caller.
 * @get_update_safe: optional.  Set in @safe the bits that may change while
 *	both @cur and @target use them without a disruptive update, because
 *	the hardware tolerates seeing either value at any time.  @safe is
 *	zeroed by the caller; bits that @cur or @target does not use are
 *	ignored.
 * @get_blocking: optional, for a format in which a non-valid entry does not
 *	refuse DMA (AMD's device table entry with V=0 lets it through
 *	untranslated).  Set *@valid to the value of the valid quantum that
 *	makes an entry refuse all DMA, for the update to @target: a
 *	disruptive update stores it where others store zeroes.  An entry
 *	with this valid quantum must block whatever its other quanta hold,
 *	and use none of their bits that differ between @target and the
 *	current entry (the library warns once if it does).
 * @sync: make the hardware observe every store made so far to the entry and
 *	drop any copy of the entry it has cached.  When @sync returns, no
 *	fetch of the entry that began before it is still in flight: every
 *	later fetch reads memory as it is after the stores.  Called only when
 *	the entry changed since the previous sync.
 * @get_tag: optional, for entry_sync_replace64().  If @entry carries a
 *	cache tag (a valid entry that translates), return true, set *@tag
 *	to it and set in @bits (zeroed by the caller) the bits that hold it.
 * @set_tag: optional, with @get_tag.  Put @tag into @entry, which carries
 *	a tag.  @other is the entry at the other end of the replace: a driver
 *	may also set in @entry bits that are correct for both entries, to
 *	make the steps differ in fewer used bits.
 *
 * The format fields are constant for a driver: set them with
 * ENTRY_SYNC_FORMAT64() in a ``static const`` instance, which checks them
 * at build time.
 */
struct entry_sync_ops64 {
	unsigned int num_quanta;
	unsigned int valid_quantum;
	void (*get_used)(const __le64 *entry, __le64 *used);
	void (*get_update_safe)(const __le64 *cur, const __le64 *target,
				__le64 *safe);
	void (*get_blocking)(const __le64 *target, __le64 *valid);
	void (*sync)(struct entry_sync_writer64 *writer);
	bool (*get_tag)(const __le64 *entry, u32 *tag, __le64 *bits);
	void (*set_tag)(__le64 *entry, const __le64 *other, u32 tag);
};

/*
 * Designated initializers of the format fields, checked by the compiler:
 * at least one quantum, at most ENTRY_SYNC_MAX_BYTES, the valid quantum
 * among them.
 */
#define __ENTRY_SYNC_FORMAT(bytes, nr, valid)				\
	.num_quanta = (nr) + BUILD_BUG_ON_ZERO((nr) < 1 ||		\
			(nr) * (bytes) > ENTRY_SYNC_MAX_BYTES),		\
	.valid_quantum = (valid) + BUILD_BUG_ON_ZERO((valid) >= (nr))

/**
 * ENTRY_SYNC_FORMAT64() - initialize the format of &struct entry_sync_ops64
 * @nr: the number of 64-bit quanta in an entry
 * @valid: the index of the quantum holding the valid bit
 */
#define ENTRY_SYNC_FORMAT64(nr, valid)	__ENTRY_SYNC_FORMAT(8, nr, valid)

/**
 * struct entry_sync_writer64 - one update of an entry made of 64-bit quanta
 * @ops: the entry format and the driver's callbacks
 * @defer_last_sync: set by the caller to make the last sync of an update
 *	itself.  The writer then returns with @sync_pending set instead of
 *	calling @ops->sync() a last time, and the caller does what that call
 *	would have done before anything relies on the new entry: typically
 *	in the same submission to the hardware as the invalidation of what
 *	the old entry translated, which saves a round trip.  Every earlier
 *	sync must complete before the next store and is made by the writer.
 * @sync_pending: a sync is owed for stores already made.  The library's
 *	own: a caller that defers the last sync takes it over with
 *	entry_sync_take_sync64(), which clears it.  A write that starts with
 *	it set, an update chained to a deferred one, makes the owed sync
 *	before its first store.
 *
 * Drivers embed this in a struct that gives @ops->sync the context it needs
 * to flush (the device, the table index, ...), zeroed before the first
 * write.
 */
struct entry_sync_writer64 {
	const struct entry_sync_ops64 *ops;
	bool defer_last_sync;
	bool sync_pending;
};

/**
 * entry_sync_take_sync64() - take over the sync a deferred update owes
 * @writer: a writer with @defer_last_sync set, after an update
 *
 * Return: true if the update left its last sync to the caller, which must
 * now make it; the writer no longer owes it, and an update chained on
 * @writer does not make it again.
 */
static inline bool entry_sync_take_sync64(struct entry_sync_writer64 *writer)
{
	bool owed = writer->sync_pending;

	writer->sync_pending = false;
	return owed;
}

/**
 * entry_sync_write64() - update an entry that the hardware may be reading
 * @writer: the entry format and the driver's callbacks
 * @entry: the live entry, naturally aligned
 * @target: the entry to install, built by the driver
 *
 * Turn @entry into @target by a sequence of single-quantum stores and
 * @writer->ops->sync() calls such that, at every moment, a hardware walker
 * that reads each quantum atomically sees either the old entry or the new
 * entry (on the bits each one uses) or, only when no other order exists, an
 * entry that refuses DMA: non-valid, or the format's blocking value.
 * Nothing is stored and nothing synced when @entry already equals
 * @target.  With @writer->defer_last_sync set, the last sync is left to
 * the caller (see &struct entry_sync_writer64).
 *
 * Between two syncs the hardware may observe any subset of the stores made
 * in that window, in any order, so the library stores each quantum at most
 * once per window and only groups stores that are safe in any combination.
 * A dma_wmb() is issued before the first store: whatever @target points to
 * (page tables, descriptors), written by the caller with plain stores,
 * is visible to the hardware before the entry is.
 *
 * The caller serializes updates of one entry, and the hardware never writes
 * it.  @target must not set bits that its own mode does not use: such a
 * target draws a one-time warning and is written all the same, but the
 * library does not order the stores of those bits.
 *
 * Context: any context the driver's @sync callback allows.
 * Return: how the entry was updated; see &enum entry_sync_result.
 */
enum entry_sync_result entry_sync_write64(struct entry_sync_writer64 *writer,
					  __le64 *entry, const __le64 *target);

/**
 * entry_sync_plan64() - plan the replace of an entry
 * @ops: the entry format, with @get_tag and @set_tag
 * @cur: the current entry
 * @target: the entry to install
 * @tags: what the caller knows of the tags, or NULL
 * @steps: room for %ENTRY_SYNC_MAX_STEPS entries: those to install one
 *	after the other, @target last
 *
 * A replace between two domains changes the cache tag and the table
 * pointer, and where they sit in different quanta no single store can
 * switch the entry.  Storing the pointer first under the old tag is not
 * safe: TLB entries are tagged with the tag, not with the table they came
 * from, so another device still using the old tag could hit translations
 * from the new table.  Instead the entry goes through a tag that only it
 * uses (%ENTRY_SYNC_PLAN_VIA_TAG), each step hitless, and no tag that
 * another user has ever tags a translation from a table that user's domain
 * does not own.  The same order, keeping the tag, serves a change of table
 * and of other bits in the tag's quantum under a tag both entries share.
 * When neither tag has another user (@tags->private), a torn view can only
 * pair a private tag with one of the two domains' tables, and the tag
 * switches with the critical quantum in one update
 * (%ENTRY_SYNC_PLAN_PRIVATE): one sync fewer than through @tags->tmp.
 *
 * Return: the plan.  @steps holds three entries for
 * %ENTRY_SYNC_PLAN_VIA_TAG (the last two equal when T is the target's own
 * tag) and @target alone otherwise.
 */
enum entry_sync_plan entry_sync_plan64(const struct entry_sync_ops64 *ops,
				       const __le64 *cur, const __le64 *target,
				       const struct entry_sync_tags *tags,
				       __le64 *steps);

/**
 * entry_sync_replace64() - entry_sync_write64() through a cache tag plan
 * @writer: the entry format, with @get_tag and @set_tag, and the callbacks
 * @entry: the live entry, naturally aligned
 * @target: the entry to install
 * @tags: what the caller knows of the tags, or NULL
 * @plan: if not NULL, where the plan that was followed goes
 *
 * Plan the update with entry_sync_plan64() and make it: one update, or
 * three chained ones with no sync between them but those the updates
 * themselves need.  @writer->defer_last_sync applies to the last one.
 *
 * Context: as entry_sync_write64().
 * Return: the most disruptive of the updates' results, or
 * %ENTRY_SYNC_INVALID if one of them could not run (the update stops
 * there).
 */
enum entry_sync_result entry_sync_replace64(struct entry_sync_writer64 *writer,
					    __le64 *entry, const __le64 *target,
					    const struct entry_sync_tags *tags,
					    enum entry_sync_plan *plan);

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
struct entry_sync_writer128;

/**
 * struct entry_sync_ops128 - &struct entry_sync_ops64 for 128-bit quanta
 * @num_quanta: the number of 128-bit quanta in an entry
 * @valid_quantum: as &entry_sync_ops64.valid_quantum
 * @get_used: as &entry_sync_ops64.get_used
 * @get_update_safe: as &entry_sync_ops64.get_update_safe
 * @get_blocking: as &entry_sync_ops64.get_blocking
 * @sync: as &entry_sync_ops64.sync
 * @get_tag: as &entry_sync_ops64.get_tag
 * @set_tag: as &entry_sync_ops64.set_tag
 *
 * 128-bit quanta are in CPU byte order, as the driver's own format helpers
 * build them (bit 0 of quantum 0 is bit 0 of the entry on little-endian
 * CPUs, which are the only ones with 128-bit IOMMU formats).  Set the
 * format fields with ENTRY_SYNC_FORMAT128().
 */
struct entry_sync_ops128 {
	unsigned int num_quanta;
	unsigned int valid_quantum;
	void (*get_used)(const u128 *entry, u128 *used);
	void (*get_update_safe)(const u128 *cur, const u128 *target,
				u128 *safe);
	void (*get_blocking)(const u128 *target, u128 *valid);
	void (*sync)(struct entry_sync_writer128 *writer);
	bool (*get_tag)(const u128 *entry, u32 *tag, u128 *bits);
	void (*set_tag)(u128 *entry, const u128 *other, u32 tag);
};

/**
 * ENTRY_SYNC_FORMAT128() - initialize the format of &struct entry_sync_ops128
 * @nr: the number of 128-bit quanta in an entry
 * @valid: the index of the quantum holding the valid bit
 */
#define ENTRY_SYNC_FORMAT128(nr, valid)	__ENTRY_SYNC_FORMAT(16, nr, valid)

/**
 * struct entry_sync_writer128 - one update of an entry made of 128-bit quanta
 * @ops: the entry format and the driver's callbacks
 * @defer_last_sync: as &entry_sync_writer64.defer_last_sync
 * @sync_pending: as &entry_sync_writer64.sync_pending
 */
struct entry_sync_writer128 {
	const struct entry_sync_ops128 *ops;
	bool defer_last_sync;
	bool sync_pending;
};

/**
 * entry_sync_take_sync128() - entry_sync_take_sync64() for 128-bit quanta
 * @writer: a writer with @defer_last_sync set, after an update
 *
 * Return: as entry_sync_take_sync64().
 */
static inline bool entry_sync_take_sync128(struct entry_sync_writer128 *writer)
{
	bool owed = writer->sync_pending;

	writer->sync_pending = false;
	return owed;
}

/**
 * entry_sync_write128() - entry_sync_write64() for 128-bit quanta
 * @writer: the entry format and the driver's callbacks
 * @entry: the live entry, 16-byte aligned
 * @target: the entry to install, built by the driver
 *
 * As entry_sync_write64(), with each quantum stored by one locked 128-bit
 * compare-and-exchange, whose atomicity the architectures guarantee (a
 * plain 128-bit store is not single-copy atomic on x86).  The exchange
 * expects the value the writer read: finding anything else means another
 * CPU stored to the entry, which breaks the serialization the caller
 * promised, and draws a warning.
 *
 * The caller checks system_has_cmpxchg128() before choosing this writer;
 * without it the writer warns and returns %ENTRY_SYNC_INVALID, storing
 * nothing.  A driver that must also run on such CPUs can describe the same
 * entry in 64-bit quanta for entry_sync_write64(): every state that a
 * 128-bit reader can see is one that the 64-bit model allows, so that
 * update is as correct, only hitless less often.
 *
 * Context: any context the driver's @sync callback allows.
 * Return: how the entry was updated; see &enum entry_sync_result.
 */
enum entry_sync_result entry_sync_write128(struct entry_sync_writer128 *writer,
					   u128 *entry, const u128 *target);

/**
 * entry_sync_plan128() - entry_sync_plan64() for 128-bit quanta
 * @ops: the entry format, with @get_tag and @set_tag
 * @cur: the current entry
 * @target: the entry to install
 * @tags: what the caller knows of the tags, or NULL
 * @steps: room for %ENTRY_SYNC_MAX_STEPS entries
 *
 * It stores nothing, so it also runs on a CPU without a 128-bit atomic
 * store, where the driver's own tests may still plan 128-bit updates.
 *
 * Return: the plan; see entry_sync_plan64().
 */
enum entry_sync_plan entry_sync_plan128(const struct entry_sync_ops128 *ops,
					const u128 *cur, const u128 *target,
					const struct entry_sync_tags *tags,
					u128 *steps);

/**
 * entry_sync_replace128() - entry_sync_replace64() for 128-bit quanta
 * @writer: the entry format, with @get_tag and @set_tag, and the callbacks
 * @entry: the live entry, 16-byte aligned
 * @target: the entry to install
 * @tags: what the caller knows of the tags, or NULL
 * @plan: if not NULL, where the plan that was followed goes
 *
 * Context: as entry_sync_write128().
 * Return: as entry_sync_replace64().
 */
enum entry_sync_result
entry_sync_replace128(struct entry_sync_writer128 *writer, u128 *entry,
		      const u128 *target, const struct entry_sync_tags *tags,
		      enum entry_sync_plan *plan);
#endif

#endif /* __IOMMU_ENTRY_SYNC_H */
