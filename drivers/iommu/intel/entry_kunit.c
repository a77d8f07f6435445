// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for VT-d context and PASID entry updates.
 *
 * The entries are built by the driver's own helpers and written with the
 * driver's own used-bits function through entry_sync, against the walker
 * model of the entry_sync tests: the IOMMU reads each 128-bit quantum
 * atomically and, between two syncs, may observe any subset of the quanta
 * stored since the previous sync.  Every such view must be non-present, or
 * match the old entry on the bits the old entry uses, or match the target on
 * the bits the target uses.  The test names give the transition table.  The
 * writers' fallback for CPUs without CMPXCHG16B stores 64-bit quanta, and is
 * checked the same way with 64-bit quanta, which covers every view a 128-bit
 * reader can have of it.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/string.h>
#include <uapi/linux/iommufd.h>

#include "iommu.h"
#include "pasid.h"
#include "../entry_sync.h"

#define ENTRY_WORDS	(sizeof(struct pasid_entry) / sizeof(u64))

struct entry_test_writer {
	union {
		struct entry_sync_writer128 base;
		struct entry_sync_writer64 base64;
	};
	struct kunit *test;
	void (*get_used)(const u128 *entry, u128 *used);
	unsigned int words;		/* 64-bit words in the entry */
	unsigned int qwords;		/* 64-bit words in a quantum */
	u64 *live;
	u64 seen[ENTRY_WORDS];		/* what the walker saw at the last sync */
	u64 old[ENTRY_WORDS], old_used[ENTRY_WORDS];
	u64 target[ENTRY_WORDS], target_used[ENTRY_WORDS];
	unsigned int syncs;
	bool disrupted;			/* a view was non-present */
	bool torn;			/* a view was neither old nor target */
	struct iotlb_model *iotlb;	/* records what each view could cache */
};

static void iotlb_model_fetch(struct iotlb_model *m, const u64 *view);

static void entry_used(struct entry_test_writer *tw, const u64 *entry,
		       u64 *used)
{
	memset(used, 0, ENTRY_WORDS * sizeof(u64));
	tw->get_used((const u128 *)entry, (u128 *)used);
}

static bool entry_match(struct entry_test_writer *tw, const u64 *view,
			const u64 *ref, const u64 *used)
{
	unsigned int i;

	for (i = 0; i != tw->words; i++)
		if ((view[i] ^ ref[i]) & used[i])
			return false;
	return true;
}

static void entry_check_view(struct entry_test_writer *tw, const u64 *view)
{
	if (tw->iotlb)
		iotlb_model_fetch(tw->iotlb, view);

	/* Bit 0 is Present in context and PASID entries alike. */
	if (!(view[0] & 1)) {
		if ((tw->old[0] & 1) && (tw->target[0] & 1))
			tw->disrupted = true;
		return;
	}
	if (entry_match(tw, view, tw->old, tw->old_used) ||
	    entry_match(tw, view, tw->target, tw->target_used))
		return;
	if (!tw->torn)
		kunit_err(tw->test, "the IOMMU could fetch a torn entry: %016llx %016llx %016llx %016llx\n",
			  view[0], view[1], view[2], view[3]);
	tw->torn = true;
}

static void entry_test_synced(struct entry_test_writer *tw)
{
	unsigned int q, qw = tw->qwords, n = tw->words / qw;
	unsigned long changed = 0, subset = 0;
	u64 view[ENTRY_WORDS];

	tw->syncs++;
	for (q = 0; q != n; q++)
		if (memcmp(&tw->live[qw * q], &tw->seen[qw * q], qw * sizeof(u64)))
			changed |= BIT(q);

	/* Every subset of the quanta stored since the last sync. */
	do {
		subset = (subset - changed) & changed;
		memcpy(view, tw->seen, sizeof(view));
		for (q = 0; q != n; q++)
			if (subset & BIT(q))
				memcpy(&view[qw * q], &tw->live[qw * q],
				       qw * sizeof(u64));
		entry_check_view(tw, view);
	} while (subset != changed);
	memcpy(tw->seen, tw->live, tw->words * sizeof(u64));
}

static void entry_test_sync(struct entry_sync_writer128 *writer)
{
	entry_test_synced(container_of(writer, struct entry_test_writer, base));
}

static void entry_test_sync64(struct entry_sync_writer64 *writer)
{
	entry_test_synced(container_of(writer, struct entry_test_writer,
				       base64));
}

/*
 * An entry format: the driver's used-bits functions, in 128-bit quanta and
 * in the 64-bit quanta of the fallback.
 */
struct entry_test_format {
	const struct entry_sync_ops128 *ops;
	const struct entry_sync_ops64 *ops64;
	unsigned int words;
};

static const struct entry_sync_ops128 pasid_test_ops = {
	ENTRY_SYNC_FORMAT128(4, 0),
	.get_used = intel_pasid_get_used,
	.sync = entry_test_sync,
};

static const struct entry_sync_ops64 pasid_test_ops64 = {
	ENTRY_SYNC_FORMAT64(8, 0),
	.get_used = intel_pasid_get_used64,
	.sync = entry_test_sync64,
};

static const struct entry_sync_ops128 context_test_ops = {
	ENTRY_SYNC_FORMAT128(1, 0),
	.get_used = intel_context_get_used,
	.sync = entry_test_sync,
};

static const struct entry_sync_ops64 context_test_ops64 = {
	ENTRY_SYNC_FORMAT64(2, 0),
	.get_used = intel_context_get_used64,
	.sync = entry_test_sync64,
};

/*
 * Update @from to @to through entry_sync with the walker as sync callback,
 * in 128-bit quanta (@ops) or in the fallback's 64-bit ones (@ops64), and
 * check what must hold for every update: the target sets only bits its
 * mode uses, the walker never sees a torn entry, every store is followed
 * by a sync, the entry ends as the target, and the walker sees a
 * non-present entry between two present ones exactly when the update is
 * disruptive.  Returns the verdict; @tw holds the observations.
 */
static enum entry_sync_result entry_run_any(struct kunit *test,
					    const struct entry_sync_ops128 *ops,
					    const struct entry_sync_ops64 *ops64,
					    unsigned int words, const u64 *from,
					    const u64 *to,
					    struct entry_test_writer *tw)
{
	struct iotlb_model *iotlb = tw->iotlb;
	u128 live[ENTRY_WORDS / 2] = {};
	enum entry_sync_result ret;
	unsigned int i;

	*tw = (struct entry_test_writer){
		.iotlb = iotlb,
		.test = test,
		.get_used = words == 2 ? intel_context_get_used :
					 intel_pasid_get_used,
		.words = words,
		.qwords = ops ? 2 : 1,
	};
	memcpy(tw->old, from, words * sizeof(u64));
	memcpy(tw->target, to, words * sizeof(u64));
	entry_used(tw, tw->old, tw->old_used);
	entry_used(tw, tw->target, tw->target_used);
	for (i = 0; i != words; i++)
		KUNIT_ASSERT_EQ_MSG(test, tw->target[i] & ~tw->target_used[i], 0,
				    "the target sets bits its mode does not use (word %u)",
				    i);

	memcpy(live, from, words * sizeof(u64));
	memcpy(tw->seen, from, words * sizeof(u64));
	tw->live = (u64 *)live;

	/* The driver's writers use the 64-bit ops there; so must we. */
	if (ops && !intel_iommu_store128())
		kunit_skip(test, "no CMPXCHG16B: the 128-bit writer cannot run");

	if (ops) {
		tw->base.ops = ops;
		ret = entry_sync_write128(&tw->base, live, (const u128 *)to);
	} else {
		tw->base64.ops = ops64;
		ret = entry_sync_write64(&tw->base64, (__le64 *)live,
					 (const __le64 *)to);
	}
	KUNIT_EXPECT_MEMEQ_MSG(test, live, to, words * sizeof(u64),
			       "the entry did not end as the target");
	KUNIT_EXPECT_MEMEQ_MSG(test, tw->seen, live, words * sizeof(u64),
			       "a store was not followed by a sync");
	KUNIT_EXPECT_FALSE(test, tw->torn);
	if ((from[0] & 1) && (to[0] & 1))
		KUNIT_EXPECT_EQ(test, tw->disrupted,
				ret == ENTRY_SYNC_DISRUPTIVE);
	return ret;
}

static enum entry_sync_result entry_run(struct kunit *test,
					const struct entry_sync_ops128 *ops,
					unsigned int words, const u64 *from,
					const u64 *to,
					struct entry_test_writer *tw)
{
	return entry_run_any(test, ops, NULL, words, from, to, tw);
}

static const char *entry_result_str(enum entry_sync_result ret)
{
	return ret == ENTRY_SYNC_HITLESS ? "hitless" :
	       ret == ENTRY_SYNC_DISRUPTIVE ? "disruptive" :
	       ret == ENTRY_SYNC_UNCHANGED ? "unchanged" : "invalid";
}

/* Update @from to @to and check the verdict and the number of syncs. */
static void entry_expect(struct kunit *test, const struct entry_sync_ops128 *ops,
			 unsigned int words, const u64 *from, const u64 *to,
			 enum entry_sync_result kind, unsigned int syncs)
{
	struct entry_test_writer tw = {};
	enum entry_sync_result ret;

	ret = entry_run(test, ops, words, from, to, &tw);
	kunit_info(test, "%s, syncs=%u\n", entry_result_str(ret), tw.syncs);
	KUNIT_EXPECT_EQ(test, ret, kind);
	KUNIT_EXPECT_EQ(test, tw.syncs, syncs);
}

static void pasid_expect(struct kunit *test, const struct pasid_entry *from,
			 const struct pasid_entry *to,
			 enum entry_sync_result kind, unsigned int syncs)
{
	entry_expect(test, &pasid_test_ops, ENTRY_WORDS, from->val, to->val,
		     kind, syncs);
}

/* Page-table pointers and DIDs of two domains, and the driver's flags. */
#define PT_A		0x1234000ULL
#define PT_B		0x5678000ULL
#define S1_A		0xabcd000ULL
#define S1_B		0xdcba000ULL
#define DID_A		3
#define DID_B		4
#define AGAW_4LVL	2

static struct pasid_entry pasid_none(void)
{
	return (struct pasid_entry){};
}

static struct pasid_entry pasid_fpd(void)
{
	return (struct pasid_entry){ .val[0] = PASID_PTE_FPD };
}

static struct pasid_entry pasid_ss(u64 pt, u16 did, bool ssade)
{
	struct pasid_entry pe;

	intel_pasid_build_second_stage(&pe, pt, AGAW_4LVL, did, true, ssade);
	return pe;
}

static struct pasid_entry pasid_fs(u64 pt, u16 did, int flags)
{
	struct pasid_entry pe;

	intel_pasid_build_first_stage(&pe, AGAW_4LVL, pt, did,
				      flags | PASID_FLAG_PWSNP);
	return pe;
}

static struct pasid_entry pasid_pt(void)
{
	struct pasid_entry pe;

	intel_pasid_build_pass_through(&pe, AGAW_4LVL, FLPT_DEFAULT_DID, true);
	return pe;
}

static struct pasid_entry pasid_nested(u64 s1, u64 s2, u16 did)
{
	struct iommu_hwpt_vtd_s1 s1_cfg = {
		.pgtbl_addr = s1,
		.addr_width = ADDR_WIDTH_4LEVEL,
		.flags = IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_WPE,
	};
	struct pasid_entry pe;

	intel_pasid_build_nested(&pe, &s1_cfg, s2, AGAW_4LVL, did, true,
				 false, false);
	return pe;
}

/*
 * The isolation model of a replace.  First-stage and nested translations
 * are cached tagged with DID and PASID, second-stage ones with DID, never
 * with the table they came from (VT-d spec 6.2.1), so the model IOTLB holds
 * (DID, tables) pairs: every present view of the entry that the walker can
 * fetch may fill it.  Another device or PASID that uses one of those DIDs
 * translates through whatever is cached under it; the model fails when a
 * DID that such a user has caches a translation from a table its domain
 * does not own.
 */
#define IOTLB_MODEL_SLOTS	16

struct iotlb_tag {
	u16 did;
	u64 fs, ss;			/* the tables, where the entry uses them */
};

struct iotlb_model {
	struct kunit *test;
	struct iotlb_tag cached[IOTLB_MODEL_SLOTS];
	unsigned int nr;
	const struct iotlb_tag *users;	/* the other users of DIDs */
	unsigned int nr_users;
	bool leaked;
};

static struct iotlb_tag pasid_view_tag(const u64 *view)
{
	u64 used[ENTRY_WORDS] = {};

	intel_pasid_get_used((const u128 *)view, (u128 *)used);
	return (struct iotlb_tag){
		.did = view[1] & 0xffff,
		.ss = view[0] & used[0] & VTD_PAGE_MASK,
		.fs = view[2] & used[2] & VTD_PAGE_MASK,
	};
}

static void iotlb_model_fetch(struct iotlb_model *m, const u64 *view)
{
	struct iotlb_tag tag;
	unsigned int i;

	if (!(view[0] & PASID_PTE_PRESENT))
		return;
	tag = pasid_view_tag(view);
	for (i = 0; i != m->nr; i++)
		if (!memcmp(&m->cached[i], &tag, sizeof(tag)))
			return;
	if (WARN_ON(m->nr == IOTLB_MODEL_SLOTS))
		return;
	m->cached[m->nr++] = tag;

	for (i = 0; i != m->nr_users; i++) {
		const struct iotlb_tag *u = &m->users[i];

		if (tag.did != u->did || (tag.fs == u->fs && tag.ss == u->ss))
			continue;
		if (!m->leaked)
			kunit_info(m->test, "DID %u, used by another device for tables %llx/%llx, caches tables %llx/%llx\n",
				   u->did, u->fs, u->ss, tag.fs, tag.ss);
		m->leaked = true;
	}
}

/*
 * Install @steps[0..@n) one after the other over @from, as the driver's
 * writer does, in 128-bit quanta or, with @words64, in the fallback's
 * 64-bit ones, with the walker checking each update and the model IOTLB
 * filled by every view.  Returns the worst verdict of the steps; @syncs is
 * their total, @m says whether a DID leaked.  A leak is recorded when the
 * translation is cached, so the final flush, which only removes entries,
 * cannot hide one.
 */
static enum entry_sync_result pasid_run_steps(struct kunit *test,
					      const struct pasid_entry *from,
					      const struct pasid_entry *steps,
					      int n, bool words64,
					      struct iotlb_model *m,
					      unsigned int *syncs)
{
	enum entry_sync_result worst = ENTRY_SYNC_UNCHANGED, ret;
	const struct pasid_entry *cur = from;
	int i;

	*syncs = 0;
	m->test = test;
	iotlb_model_fetch(m, from->val);
	for (i = 0; i < n; i++) {
		struct entry_test_writer tw = { .iotlb = m };

		ret = entry_run_any(test, words64 ? NULL : &pasid_test_ops,
				    words64 ? &pasid_test_ops64 : NULL,
				    ENTRY_WORDS, cur->val, steps[i].val, &tw);
		KUNIT_EXPECT_FALSE_MSG(test, tw.torn, "step %d", i);
		worst = max(worst, ret);
		*syncs += tw.syncs;
		cur = &steps[i];
	}
	return worst;
}

#define TMP_DID		9

/*
 * Replace @from by @to as the driver plans it with a temporary DID, with a
 * second user on each domain: another device or PASID through @from's DID
 * and tables, and one through @to's.  Check the verdict and the syncs, and
 * that no DID leaked.
 */
static void pasid_expect_replace(struct kunit *test,
				 const struct pasid_entry *from,
				 const struct pasid_entry *to,
				 enum entry_sync_result kind,
				 unsigned int syncs)
{
	struct iotlb_tag users[2] = {
		pasid_view_tag(from->val), pasid_view_tag(to->val),
	};
	struct iotlb_model m = { .users = users, .nr_users = 2 };
	struct pasid_entry steps[3];
	enum entry_sync_result ret;
	unsigned int n_syncs;
	int n;

	n = intel_pasid_replace_steps(from, to, TMP_DID, 2, steps);
	KUNIT_ASSERT_GT(test, n, 0);
	ret = pasid_run_steps(test, from, steps, n, false, &m, &n_syncs);
	kunit_info(test, "%s in %d step(s), syncs=%u\n",
		   ret == ENTRY_SYNC_HITLESS ? "hitless" :
		   ret == ENTRY_SYNC_DISRUPTIVE ? "disruptive" : "unchanged",
		   n, n_syncs);
	KUNIT_EXPECT_EQ(test, ret, kind);
	KUNIT_EXPECT_EQ(test, n_syncs, syncs);
	KUNIT_EXPECT_FALSE(test, m.leaked);
}

#define HITLESS		ENTRY_SYNC_HITLESS
#define DISRUPTIVE	ENTRY_SYNC_DISRUPTIVE
#define UNCHANGED	ENTRY_SYNC_UNCHANGED

static void pasid_test_install_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_none(), to = pasid_ss(PT_A, DID_A, false);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_install_fs(struct kunit *test)
{
	struct pasid_entry from = pasid_none(), to = pasid_fs(S1_A, DID_A, 0);

	/* FSPTPTR (quantum 1) first, then P with DID and PGTT. */
	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_install_pt(struct kunit *test)
{
	struct pasid_entry from = pasid_none(), to = pasid_pt();

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_install_nested(struct kunit *test)
{
	struct pasid_entry from = pasid_none();
	struct pasid_entry to = pasid_nested(S1_A, PT_A, DID_A);

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_install_over_fpd(struct kunit *test)
{
	struct pasid_entry from = pasid_fpd(), to = pasid_ss(PT_A, DID_A, false);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_remove_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false), to = pasid_none();

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_remove_fs(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0), to = pasid_none();

	/* P cleared with quantum 0, then quantum 1 cleared. */
	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_remove_fs_keep_fpd(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0), to = pasid_fpd();

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_clear_fpd(struct kunit *test)
{
	struct pasid_entry from = pasid_fpd(), to = pasid_none();

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_same_entry_no_sync(struct kunit *test)
{
	struct pasid_entry ss = pasid_ss(PT_A, DID_A, false);
	struct pasid_entry fs = pasid_fs(S1_A, DID_A, 0), none = pasid_none();

	pasid_expect(test, &ss, &ss, UNCHANGED, 0);
	pasid_expect(test, &fs, &fs, UNCHANGED, 0);
	pasid_expect(test, &none, &none, UNCHANGED, 0);
}

static void pasid_test_ss_to_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false);
	struct pasid_entry to = pasid_ss(PT_B, DID_B, false);

	/* SSPTPTR and DID share quantum 0: one store. */
	pasid_expect(test, &from, &to, HITLESS, 1);
	pasid_expect(test, &to, &from, HITLESS, 1);
}

static void pasid_test_ss_dirty_tracking(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false);
	struct pasid_entry to = pasid_ss(PT_A, DID_A, true);

	pasid_expect(test, &from, &to, HITLESS, 1);
	pasid_expect(test, &to, &from, HITLESS, 1);
}

static void pasid_test_fs_to_fs_new_did(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);

	/*
	 * DID in quantum 0, FSPTPTR in quantum 1: directly, no hitless order
	 * exists; through the temporary DID, three hitless stores.
	 */
	pasid_expect(test, &from, &to, DISRUPTIVE, 3);
	pasid_expect_replace(test, &from, &to, HITLESS, 3);
	pasid_expect_replace(test, &to, &from, HITLESS, 3);
}

static void pasid_test_fs_to_fs_snoop_new_did(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, PASID_FLAG_PAGE_SNOOP);

	/* PGSNP is set from the first step: the new table is always snooped. */
	pasid_expect_replace(test, &from, &to, HITLESS, 3);
	pasid_expect_replace(test, &to, &from, HITLESS, 3);
}

/*
 * The model must see the "innocent device" leak: the table pointer stored
 * first, under the old DID that another device on the old domain uses.
 */
static void pasid_test_isolation_pointer_first(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry steps[2] = {
		pasid_fs(S1_B, DID_A, 0), pasid_fs(S1_B, DID_B, 0),
	};
	struct iotlb_tag users[2] = {
		pasid_view_tag(from.val), pasid_view_tag(steps[1].val),
	};
	struct iotlb_model m = { .users = users, .nr_users = 2 };
	unsigned int syncs;

	KUNIT_EXPECT_EQ(test, pasid_run_steps(test, &from, steps, 2, false, &m,
					      &syncs), HITLESS);
	KUNIT_EXPECT_TRUE(test, m.leaked);
}

/* Without a temporary DID the replace is disruptive, and isolated. */
static void pasid_test_replace_did_fallback(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0), steps[3];
	struct iotlb_tag users[2] = {
		pasid_view_tag(from.val), pasid_view_tag(to.val),
	};
	struct iotlb_model m = { .users = users, .nr_users = 2 };
	unsigned int syncs;

	KUNIT_ASSERT_EQ(test, intel_pasid_replace_steps(&from, &to, 0, 2, steps),
			-ENOSPC);
	KUNIT_EXPECT_MEMEQ(test, &steps[0], &to, sizeof(to));
	KUNIT_EXPECT_EQ(test, pasid_run_steps(test, &from, steps, 1, false, &m,
					      &syncs), DISRUPTIVE);
	KUNIT_EXPECT_EQ(test, syncs, 3);
	KUNIT_EXPECT_FALSE(test, m.leaked);
}

/*
 * The fast path of the January thread: the new domain adopts the old DID,
 * and only the table pointer changes (one store, one sync).  The model
 * accepts it only while no other device or PASID uses that DID; the driver
 * does not take it (see intel_pasid_replace_steps()).
 */
static void pasid_test_replace_did_adopt(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_B, DID_A, 0);
	struct iotlb_tag innocent = pasid_view_tag(from.val);
	struct iotlb_model alone = {}, shared = {
		.users = &innocent, .nr_users = 1,
	};
	unsigned int syncs;

	KUNIT_EXPECT_EQ(test, pasid_run_steps(test, &from, &to, 1, false, &alone,
					      &syncs), HITLESS);
	KUNIT_EXPECT_EQ(test, syncs, 1);
	KUNIT_EXPECT_FALSE(test, alone.leaked);
	pasid_run_steps(test, &from, &to, 1, false, &shared, &syncs);
	KUNIT_EXPECT_TRUE(test, shared.leaked);
}

/*
 * The new domain's own DID as the temporary one, when nothing else uses it
 * (domain_get_replace_did()): (old DID, old table) -> (new DID, old table)
 * -> (new DID, new table), two steps.  Isolated while the new DID has no
 * other user, with a device still on the old DID; a device on the new DID
 * would hit the old table's translations.
 */
static void pasid_test_replace_did_new_private(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);
	struct iotlb_tag users[2] = {
		pasid_view_tag(from.val), pasid_view_tag(to.val),
	};
	struct iotlb_model alone = { .users = users, .nr_users = 1 };
	struct iotlb_model shared = { .users = users, .nr_users = 2 };
	struct pasid_entry steps[3];
	unsigned int syncs;
	int n;

	n = intel_pasid_replace_steps(&from, &to, DID_B, 2, steps);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_MEMEQ(test, &steps[1], &to, sizeof(to));
	KUNIT_EXPECT_EQ(test, pasid_run_steps(test, &from, steps, n, false,
					      &alone, &syncs), HITLESS);
	KUNIT_EXPECT_EQ(test, syncs, 2);
	KUNIT_EXPECT_FALSE(test, alone.leaked);
	pasid_run_steps(test, &from, steps, n, false, &shared, &syncs);
	KUNIT_EXPECT_TRUE(test, shared.leaked);
}

static void pasid_test_fs_to_fs_same_did(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, FLPT_DEFAULT_DID, 0);
	struct pasid_entry to = pasid_fs(S1_B, FLPT_DEFAULT_DID, 0);

	/* SVA domains share a DID: only FSPTPTR changes. */
	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_fs_page_snoop(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_fs(S1_A, DID_A, PASID_FLAG_PAGE_SNOOP);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_pt_to_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_pt(), to = pasid_ss(PT_A, DID_A, false);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_ss_to_pt(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false), to = pasid_pt();

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_pt_to_fs(struct kunit *test)
{
	struct pasid_entry from = pasid_pt(), to = pasid_fs(S1_A, DID_A, 0);

	/* Quantum 1 is unused by pass-through: filled first. */
	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_fs_to_pt(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0), to = pasid_pt();

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_ss_to_fs(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_fs_to_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_ss(PT_B, DID_B, false);

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_ss_to_nested(struct kunit *test)
{
	struct pasid_entry from = pasid_ss(PT_A, DID_A, false);
	struct pasid_entry to = pasid_nested(S1_A, PT_A, DID_B);

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_nested_to_ss(struct kunit *test)
{
	struct pasid_entry from = pasid_nested(S1_A, PT_A, DID_B);
	struct pasid_entry to = pasid_ss(PT_A, DID_A, false);

	pasid_expect(test, &from, &to, HITLESS, 2);
}

static void pasid_test_nested_new_s1_new_did(struct kunit *test)
{
	struct pasid_entry from = pasid_nested(S1_A, PT_A, DID_A);
	struct pasid_entry to = pasid_nested(S1_B, PT_A, DID_B);

	pasid_expect(test, &from, &to, DISRUPTIVE, 3);
	pasid_expect_replace(test, &from, &to, HITLESS, 3);
}

static void pasid_test_nested_new_s1_same_did(struct kunit *test)
{
	struct pasid_entry from = pasid_nested(S1_A, PT_A, DID_A);
	struct pasid_entry to = pasid_nested(S1_B, PT_A, DID_A);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

static void pasid_test_nested_new_s2(struct kunit *test)
{
	struct pasid_entry from = pasid_nested(S1_A, PT_A, DID_A);
	struct pasid_entry to = pasid_nested(S1_A, PT_B, DID_B);

	pasid_expect(test, &from, &to, HITLESS, 1);
}

/*
 * Forced by the format: PGTT (bits 8:6) and SSPTPTR (bits 63:12) are in the
 * first 128 bits and FSPTPTR (bits 191:140) in the second (VT-d spec 9.6,
 * "Scalable-Mode PASID Table Entry"), and an entry with one of them changed
 * and not the other translates as neither domain: a first-stage table read
 * as a nested stage-1 has its pointers translated by the stage-2, a nested
 * stage-1 read as first-stage has them used as host addresses.  A
 * temporary DID does not help, so the driver does not use one.
 */
static void pasid_test_fs_to_nested(struct kunit *test)
{
	struct pasid_entry from = pasid_fs(S1_A, DID_A, 0);
	struct pasid_entry to = pasid_nested(S1_B, PT_A, DID_B);

	pasid_expect(test, &from, &to, DISRUPTIVE, 3);
	pasid_expect_replace(test, &from, &to, DISRUPTIVE, 3);
	pasid_expect_replace(test, &to, &from, DISRUPTIVE, 3);
}

/* The same for nested with a new stage-1 and a new stage-2. */
static void pasid_test_nested_new_s1_new_s2(struct kunit *test)
{
	struct pasid_entry from = pasid_nested(S1_A, PT_A, DID_A);
	struct pasid_entry to = pasid_nested(S1_B, PT_B, DID_B);

	pasid_expect_replace(test, &from, &to, DISRUPTIVE, 3);
}

/*
 * The entries whose every pair the all-pairs and fallback tests update: the
 * non-present ones, one of each translation type, and the same type with a
 * new DID or table, dirty tracking or page snoop.
 */
#define PASID_SET_SIZE	11

static const char * const pasid_set_name[PASID_SET_SIZE] = {
	"none", "fpd", "pt", "ss(A)", "ss(A)+dirty", "ss(B)", "fs(A)",
	"fs(B)", "fs(B,did A)+snoop", "nested(A)", "nested(B)",
};

static void pasid_set_build(struct pasid_entry *set)
{
	struct pasid_entry built[PASID_SET_SIZE] = {
		pasid_none(), pasid_fpd(), pasid_pt(),
		pasid_ss(PT_A, DID_A, false), pasid_ss(PT_A, DID_A, true),
		pasid_ss(PT_B, DID_B, false),
		pasid_fs(S1_A, DID_A, 0), pasid_fs(S1_B, DID_B, 0),
		pasid_fs(S1_B, DID_A, PASID_FLAG_PAGE_SNOOP),
		pasid_nested(S1_A, PT_A, DID_A), pasid_nested(S1_B, PT_B, DID_B),
	};

	memcpy(set, built, sizeof(built));
}

/*
 * Whether no hitless order can exist between two present entries: fields
 * other than the DID and the snoop bits change in the first 128 bits
 * (PGTT, SSPTPTR, AW, ...), and fields that both entries use change in the
 * second (FSPTPTR, FSPM, SRE, ...); see pasid_test_fs_to_nested().  A
 * second quantum that only one of them uses is filled before or cleared
 * after the switch.
 */
static bool pasid_pair_forced(const struct pasid_entry *a,
			      const struct pasid_entry *b)
{
	u64 ua[ENTRY_WORDS] = {}, ub[ENTRY_WORDS] = {}, u[ENTRY_WORDS];
	const u64 did_snoop = GENMASK_ULL(15, 0) | BIT_ULL(23) | BIT_ULL(24);
	unsigned int i;
	bool first, second = false;

	if (!(a->val[0] & PASID_PTE_PRESENT) ||
	    !(b->val[0] & PASID_PTE_PRESENT))
		return false;
	intel_pasid_get_used((const u128 *)a->val, (u128 *)ua);
	intel_pasid_get_used((const u128 *)b->val, (u128 *)ub);
	for (i = 0; i != ENTRY_WORDS; i++)
		u[i] = (i < 2 ? ua[i] | ub[i] : ua[i] & ub[i]) &
		       (a->val[i] ^ b->val[i]);
	first = u[0] || (u[1] & ~did_snoop);
	for (i = 2; i != ENTRY_WORDS; i++)
		second |= !!u[i];
	return first && second;
}

/*
 * Every pair of a set of entries, replaced as the driver plans it (through
 * a temporary DID where it needs one) for 128-bit quanta or, with
 * @words64, for the fallback's 64-bit ones, with another user on each DID:
 * what entry_run() checks at each step, disruptive exactly where the format
 * forces it, syncs exactly when the entry changes, and no DID leaked.
 */
static void pasid_all_pairs_planned(struct kunit *test, bool words64)
{
	const char * const *name = pasid_set_name;
	unsigned int i, j, forced = 0;
	struct pasid_entry *set;

	/* Off the stack, which KASAN builds make tight here. */
	set = kunit_kcalloc(test, PASID_SET_SIZE, sizeof(*set), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set);
	pasid_set_build(set);
	for (i = 0; i != PASID_SET_SIZE; i++) {
		for (j = 0; j != PASID_SET_SIZE; j++) {
			struct iotlb_tag users[2] = {
				pasid_view_tag(set[i].val),
				pasid_view_tag(set[j].val),
			};
			struct iotlb_model m = { .users = users };
			enum entry_sync_result ret;
			struct pasid_entry steps[3];
			unsigned int syncs;
			int n;

			/* Two domains never share a DID (SVA aside). */
			if (users[0].did != users[1].did)
				m.nr_users = 2;
			n = intel_pasid_replace_steps(&set[i], &set[j], TMP_DID,
						      words64 ? 1 : 2, steps);
			KUNIT_ASSERT_GT(test, n, 0);
			ret = pasid_run_steps(test, &set[i], steps, n, words64,
					      &m, &syncs);
			KUNIT_EXPECT_EQ_MSG(test, ret == DISRUPTIVE,
					    pasid_pair_forced(&set[i], &set[j]),
					    "%s -> %s", name[i], name[j]);
			KUNIT_EXPECT_FALSE_MSG(test, m.leaked, "%s -> %s",
					       name[i], name[j]);
			forced += ret == DISRUPTIVE;
			if (i == j) {
				KUNIT_EXPECT_EQ(test, ret, UNCHANGED);
				KUNIT_EXPECT_EQ(test, syncs, 0);
			} else {
				KUNIT_EXPECT_NE_MSG(test, syncs, 0,
						    "%s -> %s", name[i], name[j]);
			}
		}
	}
	kunit_info(test, "%u pairs disruptive\n", forced);
}

static void pasid_test_all_pairs(struct kunit *test)
{
	pasid_all_pairs_planned(test, false);
}

static struct context_entry context_ss(u64 root, u16 did)
{
	struct context_entry ce = {};

	context_set_domain_id(&ce, did);
	context_set_address_root(&ce, root);
	context_set_address_width(&ce, AGAW_4LVL);
	context_set_translation_type(&ce, CONTEXT_TT_MULTI_LEVEL);
	context_set_fault_enable(&ce);
	context_set_present(&ce);
	return ce;
}

static struct context_entry context_pt(void)
{
	struct context_entry ce = {};

	context_set_domain_id(&ce, FLPT_DEFAULT_DID);
	context_set_address_width(&ce, AGAW_4LVL);
	context_set_translation_type(&ce, CONTEXT_TT_PASS_THROUGH);
	context_set_fault_enable(&ce);
	context_set_present(&ce);
	return ce;
}

static void context_expect(struct kunit *test, const struct context_entry *from,
			   const struct context_entry *to,
			   enum entry_sync_result kind, unsigned int syncs)
{
	entry_expect(test, &context_test_ops, 2, &from->lo, &to->lo, kind,
		     syncs);
}

static void context_test_install_and_remove(struct kunit *test)
{
	struct context_entry none = {}, ss = context_ss(PT_A, DID_A);

	context_expect(test, &none, &ss, HITLESS, 1);
	context_expect(test, &ss, &none, HITLESS, 1);
}

static void context_test_replace(struct kunit *test)
{
	struct context_entry a = context_ss(PT_A, DID_A);
	struct context_entry b = context_ss(PT_B, DID_B), pt = context_pt();

	/* One quantum: every change is a single hitless store. */
	context_expect(test, &a, &b, HITLESS, 1);
	context_expect(test, &a, &pt, HITLESS, 1);
	context_expect(test, &pt, &b, HITLESS, 1);
	context_expect(test, &a, &a, UNCHANGED, 0);
}

/* A device of @iommu with requester ID @bus/@devfn, known to the driver. */
static struct device_domain_info *context_test_device(struct kunit *test,
						      struct intel_iommu *iommu,
						      u8 bus, u8 devfn,
						      bool ats)
{
	struct device_domain_info *info;
	struct dev_iommu *param;
	struct device *dev;

	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	param = kunit_kzalloc(test, sizeof(*param), GFP_KERNEL);
	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, info);
	KUNIT_ASSERT_NOT_NULL(test, param);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	param->priv = info;
	dev->iommu = param;
	info->dev = dev;
	info->iommu = iommu;
	info->bus = bus;
	info->devfn = devfn;
	info->ats_supported = ats;
	RB_CLEAR_NODE(&info->node);
	KUNIT_ASSERT_EQ(test, device_rbtree_insert(iommu, info), 0);
	return info;
}

/*
 * Legacy mode: the translation type of each context entry a device writes,
 * its own and its DMA aliases'.  An alias that is another device's own
 * requester ID (a quirk alias within an IOMMU group) gets that device's
 * type, or the alias write would take Device-TLB away from an ATS device;
 * an alias nobody owns (a bridge's) never issues translation requests.
 */
static void context_test_alias_translation_type(struct kunit *test)
{
	struct device_domain_info *a, *b, *c;
	struct intel_iommu *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	iommu->device_rbtree = RB_ROOT;
	spin_lock_init(&iommu->device_rbtree_lock);
	a = context_test_device(test, iommu, 1, PCI_DEVFN(0, 0), true);
	b = context_test_device(test, iommu, 1, PCI_DEVFN(0, 1), true);
	c = context_test_device(test, iommu, 1, PCI_DEVFN(0, 2), false);

	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(a, 1, PCI_DEVFN(0, 0)),
			CONTEXT_TT_DEV_IOTLB);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(a, 1, PCI_DEVFN(0, 1)),
			CONTEXT_TT_DEV_IOTLB);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(b, 1, PCI_DEVFN(0, 0)),
			CONTEXT_TT_DEV_IOTLB);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(a, 1, PCI_DEVFN(0, 2)),
			CONTEXT_TT_MULTI_LEVEL);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(c, 1, PCI_DEVFN(0, 2)),
			CONTEXT_TT_MULTI_LEVEL);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(c, 1, PCI_DEVFN(0, 0)),
			CONTEXT_TT_DEV_IOTLB);
	KUNIT_EXPECT_EQ(test, intel_context_rid_tt(a, 0, PCI_DEVFN(30, 0)),
			CONTEXT_TT_MULTI_LEVEL);
}

/*
 * The fallback without CMPXCHG16B, on every pair of the all-pairs set: what
 * entry_run() checks, never hitless where the 128-bit writer is not, and
 * the verdict of each pair in the log.  Where one 64-bit word carries the
 * whole change (dirty tracking, page snoop, a change of PGTT and pointer
 * with the DID kept), it stays hitless.
 */
static void pasid_test_fallback64(struct kunit *test)
{
	const char * const *name = pasid_set_name;
	struct pasid_entry set[PASID_SET_SIZE];
	unsigned int i, j, hitless = 0, disruptive = 0;
	bool have128 = intel_iommu_store128();
	struct entry_test_writer tw = {}, tw64 = {};

	pasid_set_build(set);

	for (i = 0; i != ARRAY_SIZE(set); i++) {
		for (j = 0; j != ARRAY_SIZE(set); j++) {
			enum entry_sync_result ret = ENTRY_SYNC_INVALID, ret64;

			/* Without CMPXCHG16B only the fallback runs. */
			if (have128)
				ret = entry_run(test, &pasid_test_ops,
						ENTRY_WORDS, set[i].val,
						set[j].val, &tw);
			ret64 = entry_run_any(test, NULL, &pasid_test_ops64,
					      ENTRY_WORDS, set[i].val,
					      set[j].val, &tw64);
			KUNIT_EXPECT_FALSE_MSG(test, tw64.torn, "%s -> %s",
					       name[i], name[j]);
			if (ret64 == DISRUPTIVE)
				KUNIT_EXPECT_TRUE_MSG(test,
						      pasid_pte_is_present(&set[i]) &&
						      pasid_pte_is_present(&set[j]),
						      "%s -> %s", name[i], name[j]);
			if (ret == DISRUPTIVE)
				KUNIT_EXPECT_EQ_MSG(test, ret64, DISRUPTIVE,
						    "%s -> %s", name[i], name[j]);
			KUNIT_EXPECT_EQ_MSG(test, ret64 == UNCHANGED, i == j,
					    "%s -> %s", name[i], name[j]);
			hitless += ret64 == HITLESS;
			disruptive += ret64 == DISRUPTIVE;
			if (i != j)
				kunit_info(test, "fallback %s -> %s: %s, syncs=%u (128-bit: %s, syncs=%u)\n",
					   name[i], name[j],
					   entry_result_str(ret64), tw64.syncs,
					   have128 ? entry_result_str(ret) : "not run",
					   tw.syncs);
		}
	}
	kunit_info(test, "fallback: %u hitless, %u disruptive\n", hitless,
		   disruptive);

	/* One 64-bit word carries the change: still hitless. */
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &pasid_test_ops64,
					    ENTRY_WORDS, set[3].val,
					    set[4].val, &tw64),
			HITLESS);
	/* A new DID (word 1) and a new table (word 0): disruptive. */
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &pasid_test_ops64,
					    ENTRY_WORDS, set[3].val,
					    set[5].val, &tw64),
			DISRUPTIVE);
}

/*
 * The fallback's pairs as the driver plans them for 64-bit quanta: the
 * same 14 pairs as with 128-bit quanta are the only disruptive ones, since
 * the DID and the snoop bits share one 64-bit word and a temporary DID
 * takes the DID out of any change.  (The driver has a temporary DID only
 * for a replace between two domains with page tables; pass-through ->
 * second-stage, for one, stays disruptive there.)
 */
static void pasid_test_fallback64_planned(struct kunit *test)
{
	struct pasid_entry set[PASID_SET_SIZE], steps[3];

	pasid_all_pairs_planned(test, true);

	/* ss(A) -> ss(B) and fs(A) -> fs(B): three hitless steps. */
	pasid_set_build(set);
	KUNIT_EXPECT_EQ(test, intel_pasid_replace_steps(&set[3], &set[5],
							TMP_DID, 1, steps), 3);
	KUNIT_EXPECT_EQ(test, intel_pasid_replace_steps(&set[6], &set[7],
							TMP_DID, 1, steps), 3);
}

static void context_test_fallback64(struct kunit *test)
{
	struct context_entry none = {}, a = context_ss(PT_A, DID_A);
	struct context_entry b = context_ss(PT_B, DID_B), pt = context_pt();
	struct context_entry a2 = context_ss(PT_B, DID_A);
	struct entry_test_writer tw = {};

	/* Install and remove: P and the low word in one store. */
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &context_test_ops64, 2,
					    &none.lo, &a.lo, &tw), HITLESS);
	KUNIT_EXPECT_FALSE(test, tw.torn);
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &context_test_ops64, 2,
					    &a.lo, &none.lo, &tw), HITLESS);
	/* Same DID, new table: only the low word changes. */
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &context_test_ops64, 2,
					    &a.lo, &a2.lo, &tw), HITLESS);
	KUNIT_EXPECT_FALSE(test, tw.torn);
	/* A new DID in the high word and a new table in the low one. */
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &context_test_ops64, 2,
					    &a.lo, &b.lo, &tw), DISRUPTIVE);
	KUNIT_EXPECT_FALSE(test, tw.torn);
	KUNIT_EXPECT_EQ(test, tw.syncs, 3);
	KUNIT_EXPECT_EQ(test, entry_run_any(test, NULL, &context_test_ops64, 2,
					    &a.lo, &pt.lo, &tw), DISRUPTIVE);
	KUNIT_EXPECT_FALSE(test, tw.torn);
}

/*
 * The PASID entry format of VT-d spec 5.0, 9.6 "Scalable-Mode PASID Table
 * Entry", as a table written from the spec independently of
 * intel_pasid_get_used(): each field, its bits, the PGTTs that read it and
 * those that must ignore it.  The used-bits functions must report every
 * bit a PGTT reads (or the IOMMU could fetch a torn entry) and none that it
 * must ignore (or replaces between translation types that could be
 * hitless would become disruptive).  Fields not listed as ignored may be
 * reported used: that only costs hitlessness.
 */
#define PGTT_BIT(t)	BIT(PASID_ENTRY_PGTT_##t)
#define PGTT_FS		PGTT_BIT(FL_ONLY)
#define PGTT_SS		PGTT_BIT(SL_ONLY)
#define PGTT_NESTED	PGTT_BIT(NESTED)
#define PGTT_PT		PGTT_BIT(PT)
#define PGTT_ANY	(PGTT_FS | PGTT_SS | PGTT_NESTED | PGTT_PT)

static const struct pasid_field {
	const char *name;
	unsigned int lo, hi;
	unsigned int read_by, ignored_by;
} pasid_fields[] = {
	{ "P",		0,   0,   PGTT_ANY, 0 },
	{ "FPD",	1,   1,   PGTT_ANY, 0 },
	{ "AW",		2,   4,   PGTT_SS | PGTT_NESTED, 0 },
	{ "SSEE",	5,   5,   PGTT_SS | PGTT_NESTED, PGTT_FS | PGTT_PT },
	{ "PGTT",	6,   8,   PGTT_ANY, 0 },
	{ "SSADE",	9,   9,   PGTT_SS | PGTT_NESTED, PGTT_FS | PGTT_PT },
	{ "SSPTPTR",	12,  63,  PGTT_SS | PGTT_NESTED, PGTT_FS | PGTT_PT },
	{ "DID",	64,  79,  PGTT_ANY, 0 },
	{ "PWSNP",	87,  87,  PGTT_FS | PGTT_SS | PGTT_NESTED, 0 },
	{ "PGSNP",	88,  88,  PGTT_FS | PGTT_SS | PGTT_NESTED, 0 },
	{ "CD..PAT",	89,  127, PGTT_FS | PGTT_NESTED, 0 },
	{ "SRE",	128, 128, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "FSPM",	130, 131, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "WPE",	132, 132, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "NXE",	133, 133, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "SMEP",	134, 134, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "EAFE",	135, 135, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
	{ "FSPTPTR",	140, 191, PGTT_FS | PGTT_NESTED, PGTT_SS | PGTT_PT },
};

static bool used_bit(const u64 *used, unsigned int bit)
{
	return used[bit / 64] & BIT_ULL(bit % 64);
}

/* Check @used, for an entry of @pgtt (0: not present), against the table. */
static void pasid_check_used(struct kunit *test, const char *fn,
			     unsigned int pgtt, const u64 *used)
{
	unsigned int f, bit;

	for (f = 0; f != ARRAY_SIZE(pasid_fields); f++) {
		const struct pasid_field *fld = &pasid_fields[f];
		bool read, ignored;

		if (pgtt) {
			read = fld->read_by & BIT(pgtt);
			ignored = fld->ignored_by & BIT(pgtt);
		} else {
			/* A non-present entry: only P and FPD are read. */
			read = fld->lo <= 1;
			ignored = !read;
		}
		for (bit = fld->lo; bit <= fld->hi; bit++) {
			KUNIT_EXPECT_TRUE_MSG(test, !read || used_bit(used, bit),
					      "%s: PGTT %u reads %s (bit %u), reported unused",
					      fn, pgtt, fld->name, bit);
			KUNIT_EXPECT_TRUE_MSG(test, !ignored || !used_bit(used, bit),
					      "%s: PGTT %u ignores %s (bit %u), reported used",
					      fn, pgtt, fld->name, bit);
		}
	}
}

static void pasid_test_used_bits_oracle(struct kunit *test)
{
	static const unsigned int pgtts[] = {
		0, PASID_ENTRY_PGTT_FL_ONLY, PASID_ENTRY_PGTT_SL_ONLY,
		PASID_ENTRY_PGTT_NESTED, PASID_ENTRY_PGTT_PT,
	};
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(pgtts); i++) {
		u64 entry[ENTRY_WORDS] = {}, used[ENTRY_WORDS] = {};

		if (pgtts[i])
			entry[0] = PASID_PTE_PRESENT |
				   FIELD_PREP(GENMASK_ULL(8, 6), pgtts[i]);

		intel_pasid_get_used((const u128 *)entry, (u128 *)used);
		pasid_check_used(test, "intel_pasid_get_used", pgtts[i], used);

		memset(used, 0, sizeof(used));
		intel_pasid_get_used64((const __le64 *)entry, (__le64 *)used);
		pasid_check_used(test, "intel_pasid_get_used64", pgtts[i],
				 used);
	}
}

/*
 * The invalidation descriptors of one update, as the driver submits them:
 * qi_submit_sync() is replaced by a recorder, and the writer runs on an
 * entry of the test's own, for an IOMMU that exists only as a structure
 * (coherent, caching mode as the case asks).
 */
#define DESC_PASID	5
#define DESC_TMP_DID	9
#define DESC_CALLS	4
#define DESC_MAX	8

struct desc_record {
	unsigned int calls;
	unsigned int count[DESC_CALLS];
	struct qi_desc desc[DESC_CALLS][DESC_MAX];
};

static struct desc_record *desc_rec;

static int desc_record_submit(struct intel_iommu *iommu, struct qi_desc *desc,
			      unsigned int count, unsigned long options)
{
	struct desc_record *r = desc_rec;

	if (r->calls < DESC_CALLS) {
		r->count[r->calls] = count;
		memcpy(r->desc[r->calls], desc,
		       min(count, DESC_MAX) * sizeof(*desc));
	}
	r->calls++;
	return 0;
}

static struct intel_iommu *desc_setup(struct kunit *test, bool caching_mode)
{
	struct intel_iommu *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	iommu->qi = kunit_kzalloc(test, sizeof(*iommu->qi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu->qi);
	desc_rec = kunit_kzalloc(test, sizeof(*desc_rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desc_rec);
	spin_lock_init(&iommu->lock);
	iommu->ecap = 1;			/* coherent */
	iommu->cap = caching_mode ? BIT_ULL(7) : 0;
	kunit_activate_static_stub(test, qi_submit_sync, desc_record_submit);
	return iommu;
}

static struct qi_desc desc_pc(u16 did)
{
	return (struct qi_desc){
		.qw0 = QI_PC_DID(did) | QI_PC_GRAN(QI_PC_PASID_SEL) |
		       QI_PC_PASID(DESC_PASID) | QI_PC_TYPE,
	};
}

static struct qi_desc desc_fence(struct intel_iommu *iommu)
{
	struct qi_desc d;

	qi_desc_fence(iommu, &d);
	return d;
}

static struct qi_desc desc_iotlb(struct intel_iommu *iommu, u16 did)
{
	struct qi_desc d = {};

	qi_desc_iotlb(iommu, did, 0, 0, DMA_TLB_DSI_FLUSH, &d);
	return d;
}

static struct qi_desc desc_piotlb(u16 did)
{
	struct qi_desc d = {};

	qi_desc_piotlb_all(did, DESC_PASID, &d);
	return d;
}

/* Submission @call was @want, descriptor for descriptor. */
static void desc_expect(struct kunit *test, unsigned int call,
			const struct qi_desc *want, unsigned int n)
{
	unsigned int i;

	KUNIT_ASSERT_LT_MSG(test, call, desc_rec->calls, "submission %u", call);
	KUNIT_ASSERT_EQ_MSG(test, desc_rec->count[call], n,
			    "descriptors in submission %u", call);
	for (i = 0; i != n; i++)
		KUNIT_EXPECT_MEMEQ_MSG(test, &desc_rec->desc[call][i], &want[i],
				       sizeof(*want),
				       "submission %u, descriptor %u", call, i);
}

/*
 * Update @live from its contents to @to, with iommu->lock held as asked,
 * through the temporary DID @tmp_did if not 0, which is the new domain's
 * own with both DIDs private if @private.
 */
static int desc_write_rd(struct kunit *test, struct intel_iommu *iommu,
			 struct pasid_entry *live, const struct pasid_entry *to,
			 u16 tmp_did, bool private)
{
	struct device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	struct replace_did rd = { .did = tmp_did, .private = private };

	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->init_name = "kunit";
	if (!intel_iommu_store128())
		kunit_skip(test, "no CMPXCHG16B: the 64-bit writer plans otherwise");
	spin_lock(&iommu->lock);
	return intel_pasid_write_unlock(iommu, dev, DESC_PASID, live, to,
					tmp_did ? &rd : NULL);
}

static int desc_write(struct kunit *test, struct intel_iommu *iommu,
		      struct pasid_entry *live, const struct pasid_entry *to,
		      u16 tmp_did)
{
	return desc_write_rd(test, iommu, live, to, tmp_did, false);
}

/*
 * A second-stage replace with a new DID: one store of quantum 0, and its
 * sync goes in the submission of the IOTLB invalidation, behind a fence:
 * one CPU wait, with caching mode or without.
 */
static void pasid_test_descs_ss_replace(struct kunit *test)
{
	bool cm;

	for (cm = false; ; cm = true) {
		struct intel_iommu *iommu = desc_setup(test, cm);
		struct pasid_entry *live = kunit_kzalloc(test, sizeof(*live),
							 GFP_KERNEL);
		struct pasid_entry to = pasid_ss(PT_B, DID_B, false);
		struct qi_desc want[] = {
			desc_pc(DID_A), desc_pc(DID_B), desc_fence(iommu),
			desc_iotlb(iommu, DID_A),
		};

		KUNIT_ASSERT_NOT_NULL(test, live);
		*live = pasid_ss(PT_A, DID_A, false);
		KUNIT_ASSERT_EQ(test, desc_write(test, iommu, live, &to, 0), 0);
		KUNIT_EXPECT_MEMEQ(test, live, &to, sizeof(to));
		KUNIT_ASSERT_EQ(test, desc_rec->calls, 1);
		desc_expect(test, 0, want, ARRAY_SIZE(want));
		if (cm)
			break;
	}
}

/*
 * A first-stage replace through the temporary DID: the syncs after the
 * first two steps are waited for, as the next store depends on each (the
 * PASID cache of the DIDs the entry had since the previous sync), and the
 * last one goes with the IOTLB invalidation of the old DID and of the
 * temporary one: three CPU waits.
 */
static void pasid_test_descs_fs_replace_tmp_did(struct kunit *test)
{
	struct intel_iommu *iommu = desc_setup(test, false);
	struct pasid_entry *live = kunit_kzalloc(test, sizeof(*live),
						 GFP_KERNEL);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);
	struct qi_desc first[] = { desc_pc(DID_A), desc_pc(DESC_TMP_DID) };
	struct qi_desc second[] = { desc_pc(DESC_TMP_DID) };
	struct qi_desc last[] = {
		desc_pc(DESC_TMP_DID), desc_pc(DID_B), desc_fence(iommu),
		desc_piotlb(DID_A), desc_piotlb(DESC_TMP_DID),
	};

	KUNIT_ASSERT_NOT_NULL(test, live);
	*live = pasid_fs(S1_A, DID_A, 0);
	KUNIT_ASSERT_EQ(test, desc_write(test, iommu, live, &to, DESC_TMP_DID),
			0);
	KUNIT_EXPECT_MEMEQ(test, live, &to, sizeof(to));
	KUNIT_ASSERT_EQ(test, desc_rec->calls, 3);
	desc_expect(test, 0, first, ARRAY_SIZE(first));
	desc_expect(test, 1, second, ARRAY_SIZE(second));
	desc_expect(test, 2, last, ARRAY_SIZE(last));
}

/*
 * The same replace through the new domain's own DID (nothing else uses it):
 * two steps, two CPU waits.
 */
static void pasid_test_descs_fs_replace_new_did(struct kunit *test)
{
	struct intel_iommu *iommu = desc_setup(test, false);
	struct pasid_entry *live = kunit_kzalloc(test, sizeof(*live),
						 GFP_KERNEL);
	struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);
	struct qi_desc first[] = { desc_pc(DID_A), desc_pc(DID_B) };
	struct qi_desc last[] = {
		desc_pc(DID_B), desc_fence(iommu), desc_piotlb(DID_A),
		desc_piotlb(DID_B),
	};

	KUNIT_ASSERT_NOT_NULL(test, live);
	*live = pasid_fs(S1_A, DID_A, 0);
	KUNIT_ASSERT_EQ(test, desc_write(test, iommu, live, &to, DID_B), 0);
	KUNIT_EXPECT_MEMEQ(test, live, &to, sizeof(to));
	KUNIT_ASSERT_EQ(test, desc_rec->calls, 2);
	desc_expect(test, 0, first, ARRAY_SIZE(first));
	desc_expect(test, 1, last, ARRAY_SIZE(last));
}

/*
 * The same replace when neither domain's DID has another user
 * (domain_get_replace_did()): the DID switches with the table pointer in
 * one window, one sync, and that sync goes with the IOTLB invalidation of
 * both DIDs: one CPU wait.  With caching mode or without.
 */
static void pasid_test_descs_fs_replace_private(struct kunit *test)
{
	bool cm;

	for (cm = false; ; cm = true) {
		struct intel_iommu *iommu = desc_setup(test, cm);
		struct pasid_entry *live = kunit_kzalloc(test, sizeof(*live),
							 GFP_KERNEL);
		struct pasid_entry to = pasid_fs(S1_B, DID_B, 0);
		struct qi_desc want[] = {
			desc_pc(DID_A), desc_pc(DID_B), desc_fence(iommu),
			desc_piotlb(DID_A), desc_piotlb(DID_B),
		};

		KUNIT_ASSERT_NOT_NULL(test, live);
		*live = pasid_fs(S1_A, DID_A, 0);
		KUNIT_ASSERT_EQ(test, desc_write_rd(test, iommu, live, &to,
						    DID_B, true), 0);
		KUNIT_EXPECT_MEMEQ(test, live, &to, sizeof(to));
		KUNIT_ASSERT_EQ(test, desc_rec->calls, 1);
		desc_expect(test, 0, want, ARRAY_SIZE(want));
		if (cm)
			break;
	}
}

/*
 * Installing an entry: without caching mode the IOMMU holds no copy of a
 * non-present entry, and nothing is submitted; with it, the PASID cache and
 * the IOTLB of the new DID are invalidated, in one submission.
 */
static void pasid_test_descs_install(struct kunit *test)
{
	bool cm;

	for (cm = false; ; cm = true) {
		struct intel_iommu *iommu = desc_setup(test, cm);
		struct pasid_entry *live = kunit_kzalloc(test, sizeof(*live),
							 GFP_KERNEL);
		struct pasid_entry to = pasid_ss(PT_B, DID_B, false);
		struct qi_desc want[] = {
			desc_pc(DID_B), desc_fence(iommu), desc_piotlb(DID_B),
		};

		KUNIT_ASSERT_NOT_NULL(test, live);
		KUNIT_ASSERT_EQ(test, desc_write(test, iommu, live, &to, 0), 0);
		KUNIT_EXPECT_MEMEQ(test, live, &to, sizeof(to));
		if (!cm) {
			KUNIT_EXPECT_EQ(test, desc_rec->calls, 0);
			continue;
		}
		KUNIT_ASSERT_EQ(test, desc_rec->calls, 1);
		desc_expect(test, 0, want, ARRAY_SIZE(want));
		break;
	}
}

/*
 * Legacy mode: the invalidations after a context entry changed, the
 * context cache of the requester ID and the IOTLB of the old DID, in one
 * submission with a fence between them.
 */
static void context_test_descs_flush(struct kunit *test)
{
	struct intel_iommu *iommu = desc_setup(test, false);
	struct device_domain_info *info;
	u16 sid = PCI_DEVID(1, PCI_DEVFN(2, 3));
	struct qi_desc want[3];

	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, info);
	info->iommu = iommu;
	qi_desc_context(DID_A, sid, DMA_CCMD_MASK_NOBIT, DMA_CCMD_DEVICE_INVL,
			&want[0]);
	want[1] = desc_fence(iommu);
	want[2] = desc_iotlb(iommu, DID_A);

	intel_context_flush_no_pasid(info, NULL, DID_A, sid);
	KUNIT_ASSERT_EQ(test, desc_rec->calls, 1);
	desc_expect(test, 0, want, ARRAY_SIZE(want));
}

/* A queue of 256-bit descriptors and its registers, all in memory. */
static struct intel_iommu *qi_test_queue(struct kunit *test)
{
	struct intel_iommu *iommu;
	struct q_inval *qi;
	struct qi_desc *desc;
	void *regs;
	int i;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	qi = kunit_kzalloc(test, sizeof(*qi), GFP_KERNEL);
	regs = kunit_kzalloc(test, DMAR_IQER_REG + 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	KUNIT_ASSERT_NOT_NULL(test, qi);
	KUNIT_ASSERT_NOT_NULL(test, regs);
	iommu->ecap = BIT_ULL(43);		/* SMTS: 256-bit descriptors */
	iommu->reg = (void __force __iomem *)regs;
	iommu->qi = qi;
	qi->desc = kunit_kzalloc(test, QI_LENGTH << qi_shift(iommu),
				 GFP_KERNEL);
	qi->desc_status = kunit_kcalloc(test, QI_LENGTH,
					sizeof(*qi->desc_status), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, qi->desc);
	KUNIT_ASSERT_NOT_NULL(test, qi->desc_status);
	for (i = 0; i != QI_LENGTH; i++) {
		desc = qi->desc + (i << qi_shift(iommu));
		desc->qw0 = QI_IOTLB_TYPE | (u64)i << 16;
	}
	return iommu;
}

/*
 * An Invalidation Queue Error with the queue head at slot @head, for a
 * submission from @index to its wait descriptor at @wait_index: whether
 * qi_check_fault() took it as one of the submission's descriptors.
 */
static bool qi_test_iqe(struct kunit *test, struct intel_iommu *iommu,
			int index, int wait_index, int head)
{
	int shift = qi_shift(iommu);
	struct qi_desc *desc = iommu->qi->desc + (head << shift);
	struct qi_desc before = *desc, fence;
	bool dropped = false;

	writel(DMA_FSTS_IQE, iommu->reg + DMAR_FSTS_REG);
	writel(head << shift, iommu->reg + DMAR_IQH_REG);
	KUNIT_EXPECT_EQ(test, qi_check_fault(iommu, index, wait_index,
					     &dropped), 0);
	if (!dropped) {
		KUNIT_EXPECT_MEMEQ(test, desc, &before, sizeof(before));
		return false;
	}
	qi_desc_fence(iommu, &fence);
	KUNIT_EXPECT_MEMEQ(test, desc, &fence, sizeof(fence));
	return true;
}

/*
 * An Invalidation Queue Error on a descriptor in the middle of a
 * submission: the submitter must recover it, or qi_submit_sync() would
 * poll for a wait that the stopped queue never reaches.  The faulting
 * descriptor becomes a wait that writes only the fence status word, and
 * the submitter keeps polling its own wait, which comes after the rest of
 * the submission.  An error on another submission's descriptor is left
 * to that submitter.  The same across the end of the ring.
 */
static void qi_test_iqe_in_submission(struct kunit *test)
{
	struct intel_iommu *iommu = qi_test_queue(test);

	KUNIT_EXPECT_TRUE(test, qi_test_iqe(test, iommu, 10, 13, 10));
	KUNIT_EXPECT_TRUE(test, qi_test_iqe(test, iommu, 10, 13, 12));
	KUNIT_EXPECT_FALSE(test, qi_test_iqe(test, iommu, 10, 13, 14));
	KUNIT_EXPECT_FALSE(test, qi_test_iqe(test, iommu, 10, 13, 9));
	KUNIT_EXPECT_TRUE(test, qi_test_iqe(test, iommu, QI_LENGTH - 2, 1, 0));
	KUNIT_EXPECT_FALSE(test, qi_test_iqe(test, iommu, QI_LENGTH - 2, 1, 2));
}

static struct kunit_case intel_iommu_entry_test_cases[] = {
	KUNIT_CASE(pasid_test_install_ss),
	KUNIT_CASE(pasid_test_install_fs),
	KUNIT_CASE(pasid_test_install_pt),
	KUNIT_CASE(pasid_test_install_nested),
	KUNIT_CASE(pasid_test_install_over_fpd),
	KUNIT_CASE(pasid_test_remove_ss),
	KUNIT_CASE(pasid_test_remove_fs),
	KUNIT_CASE(pasid_test_remove_fs_keep_fpd),
	KUNIT_CASE(pasid_test_clear_fpd),
	KUNIT_CASE(pasid_test_same_entry_no_sync),
	KUNIT_CASE(pasid_test_ss_to_ss),
	KUNIT_CASE(pasid_test_ss_dirty_tracking),
	KUNIT_CASE(pasid_test_fs_to_fs_new_did),
	KUNIT_CASE(pasid_test_fs_to_fs_snoop_new_did),
	KUNIT_CASE(pasid_test_isolation_pointer_first),
	KUNIT_CASE(pasid_test_replace_did_fallback),
	KUNIT_CASE(pasid_test_replace_did_adopt),
	KUNIT_CASE(pasid_test_replace_did_new_private),
	KUNIT_CASE(pasid_test_fs_to_fs_same_did),
	KUNIT_CASE(pasid_test_fs_page_snoop),
	KUNIT_CASE(pasid_test_pt_to_ss),
	KUNIT_CASE(pasid_test_ss_to_pt),
	KUNIT_CASE(pasid_test_pt_to_fs),
	KUNIT_CASE(pasid_test_fs_to_pt),
	KUNIT_CASE(pasid_test_ss_to_fs),
	KUNIT_CASE(pasid_test_fs_to_ss),
	KUNIT_CASE(pasid_test_ss_to_nested),
	KUNIT_CASE(pasid_test_nested_to_ss),
	KUNIT_CASE(pasid_test_nested_new_s1_new_did),
	KUNIT_CASE(pasid_test_nested_new_s1_same_did),
	KUNIT_CASE(pasid_test_nested_new_s2),
	KUNIT_CASE(pasid_test_fs_to_nested),
	KUNIT_CASE(pasid_test_nested_new_s1_new_s2),
	KUNIT_CASE(pasid_test_all_pairs),
	KUNIT_CASE(pasid_test_used_bits_oracle),
	KUNIT_CASE(context_test_install_and_remove),
	KUNIT_CASE(context_test_replace),
	KUNIT_CASE(context_test_alias_translation_type),
	KUNIT_CASE(pasid_test_fallback64),
	KUNIT_CASE(pasid_test_fallback64_planned),
	KUNIT_CASE(context_test_fallback64),
	KUNIT_CASE(pasid_test_descs_ss_replace),
	KUNIT_CASE(pasid_test_descs_fs_replace_tmp_did),
	KUNIT_CASE(pasid_test_descs_fs_replace_private),
	KUNIT_CASE(pasid_test_descs_fs_replace_new_did),
	KUNIT_CASE(pasid_test_descs_install),
	KUNIT_CASE(context_test_descs_flush),
	KUNIT_CASE(qi_test_iqe_in_submission),
	{}
};

static struct kunit_suite intel_iommu_entry_test_suite = {
	.name = "intel-iommu-entry",
	.test_cases = intel_iommu_entry_test_cases,
};

kunit_test_suite(intel_iommu_entry_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_IMPORT_NS("IOMMU_ENTRY_SYNC");
MODULE_DESCRIPTION("KUnit tests for VT-d context and PASID entry updates");
MODULE_LICENSE("GPL");
