/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hitless update of IOMMU table entries that the hardware reads in quanta.
 *
 * See Documentation/driver-api/entry_sync.rst.
 */
#ifndef __IOMMU_ENTRY_SYNC_H
#define __IOMMU_ENTRY_SYNC_H

#include <linux/types.h>

/*
 * The largest entry the library handles: 512 bits, which covers the SMMUv3
 * STE and CD (8 x 64 bits) and the VT-d scalable-mode PASID entry
 * (4 x 128 bits).  Working copies of this size live on the stack.
 */
#define ENTRY_SYNC_MAX_BYTES	64

/**
 * enum entry_sync_result - how entry_sync_write64/128() updated an entry
 * @ENTRY_SYNC_UNCHANGED: no bit the hardware uses changed; only unused or
 *	safe bits were written (with one sync), or nothing at all (no sync).
 * @ENTRY_SYNC_HITLESS: one quantum carried the change; the hardware saw the
 *	old or the new entry at every moment, never a mix or a non-valid
 *	entry.
 * @ENTRY_SYNC_DISRUPTIVE: the entry was made non-valid, filled, then made
 *	valid again; the hardware may have seen it non-valid in between.
 * @ENTRY_SYNC_INVALID: the writer was misconfigured; nothing was written.
 */
enum entry_sync_result {
	ENTRY_SYNC_UNCHANGED,
	ENTRY_SYNC_HITLESS,
	ENTRY_SYNC_DISRUPTIVE,
	ENTRY_SYNC_INVALID,
};

struct entry_sync_writer64;

/**
 * struct entry_sync_ops64 - what a driver tells entry_sync about its entries
 * @get_used: set in @used every bit that the hardware reads in @entry, given
 *	the mode that @entry selects.  A non-valid entry uses only its valid
 *	bit.  @used is zeroed by the caller.
 * @get_update_safe: optional.  Set in @safe the bits that may change while
 *	both @cur and @target use them without a disruptive update, because
 *	the hardware tolerates seeing either value at any time.  @safe is
 *	zeroed by the caller.
 * @sync: make the hardware observe every store made so far to the entry,
 *	and drop any copy of the entry it has cached.  Called only when the
 *	entry changed since the previous sync.
 */
struct entry_sync_ops64 {
	void (*get_used)(const __le64 *entry, __le64 *used);
	void (*get_update_safe)(const __le64 *cur, const __le64 *target,
				__le64 *safe);
	void (*sync)(struct entry_sync_writer64 *writer);
};

/**
 * struct entry_sync_writer64 - an entry format made of 64-bit quanta
 * @ops: the driver's callbacks
 * @num_quanta: the number of 64-bit quanta in an entry
 * @valid_quantum: the index of the quantum holding the valid bit.  An entry
 *	whose valid quantum is all zeroes must be non-valid.
 *
 * Drivers usually embed this in a struct that gives @ops->sync the context
 * it needs to flush (the device, the table index, ...).
 */
struct entry_sync_writer64 {
	const struct entry_sync_ops64 *ops;
	unsigned int num_quanta;
	unsigned int valid_quantum;
};

/**
 * entry_sync_write64() - update an entry that the hardware may be reading
 * @writer: the entry format and the driver's callbacks
 * @entry: the live entry, naturally aligned
 * @target: the entry to install, built by the driver
 *
 * Turn @entry into @target by a sequence of single-quantum stores and
 * @writer->ops->sync() calls such that, at every moment, a hardware walker
 * that reads each quantum atomically sees either the old entry, the new
 * entry (on the bits each one uses) or, only when no other order exists, a
 * non-valid entry.  Nothing is stored and nothing synced when @entry
 * already equals @target.
 *
 * The caller serializes updates of one entry.  @target must not set bits
 * that its own mode does not use.
 *
 * Context: any context the driver's @sync callback allows.
 * Return: how the entry was updated; see &enum entry_sync_result.
 */
enum entry_sync_result entry_sync_write64(struct entry_sync_writer64 *writer,
					  __le64 *entry, const __le64 *target);

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
struct entry_sync_writer128;

/**
 * struct entry_sync_ops128 - &struct entry_sync_ops64 for 128-bit quanta
 * @get_used: as &entry_sync_ops64.get_used
 * @get_update_safe: as &entry_sync_ops64.get_update_safe
 * @sync: as &entry_sync_ops64.sync
 *
 * 128-bit quanta are in CPU byte order, as the driver's own format helpers
 * build them (bit 0 of quantum 0 is bit 0 of the entry on little-endian
 * CPUs, which are the only ones with 128-bit IOMMU formats).
 */
struct entry_sync_ops128 {
	void (*get_used)(const u128 *entry, u128 *used);
	void (*get_update_safe)(const u128 *cur, const u128 *target,
				u128 *safe);
	void (*sync)(struct entry_sync_writer128 *writer);
};

/**
 * struct entry_sync_writer128 - an entry format made of 128-bit quanta
 * @ops: the driver's callbacks
 * @num_quanta: the number of 128-bit quanta in an entry
 * @valid_quantum: the index of the quantum holding the valid bit
 */
struct entry_sync_writer128 {
	const struct entry_sync_ops128 *ops;
	unsigned int num_quanta;
	unsigned int valid_quantum;
};

/**
 * entry_sync_write128() - entry_sync_write64() for 128-bit quanta
 * @writer: the entry format and the driver's callbacks
 * @entry: the live entry, 16-byte aligned
 * @target: the entry to install, built by the driver
 *
 * Each quantum is stored with one 128-bit atomic instruction, so the
 * caller must have checked system_has_cmpxchg128() before using it.
 *
 * Context: any context the driver's @sync callback allows.
 * Return: how the entry was updated; see &enum entry_sync_result.
 */
enum entry_sync_result entry_sync_write128(struct entry_sync_writer128 *writer,
					   u128 *entry, const u128 *target);
#endif

#endif /* __IOMMU_ENTRY_SYNC_H */
