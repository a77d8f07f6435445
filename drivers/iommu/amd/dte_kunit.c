// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for AMD device table entry updates.
 *
 * The DTEs are built by the driver's own helpers and written through
 * entry_sync with the driver's get_used() and get_blocking(), against a
 * model of the IOMMU: it reads the whole DTE at once, and between two
 * syncs may see any subset of the 128-bit quanta stored since the previous
 * sync.  Every such view must match the old DTE on the bits the old DTE
 * uses, or the new one on the bits it uses, or abort the device's DMA
 * (V=1, TV=0).  A view with V=0 would let DMA through untranslated, and
 * fails the test.  The test names give the transition table.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/cpufeature.h>
#include <linux/string.h>

#include "amd_iommu.h"
#include "../entry_sync.h"

#define DTE_WORDS	4

struct dte_test_writer {
	struct entry_sync_writer128 base;
	struct kunit *test;
	u64 *live;
	u64 seen[DTE_WORDS];		/* what the IOMMU saw at the last sync */
	u64 old[DTE_WORDS], old_used[DTE_WORDS];
	u64 target[DTE_WORDS], target_used[DTE_WORDS];
	unsigned int syncs;
	bool blocked;			/* a view aborted DMA */
	bool untranslated;		/* a view had V=0 */
	bool torn;			/* a view was none of the above */
};

static void dte_used(const u64 *dte, u64 *used)
{
	memset(used, 0, DTE_WORDS * sizeof(u64));
	amd_iommu_dte_get_used((const u128 *)dte, (u128 *)used);
}

static bool dte_match(const u64 *view, const u64 *ref, const u64 *used)
{
	unsigned int i;

	for (i = 0; i != DTE_WORDS; i++)
		if ((view[i] ^ ref[i]) & used[i])
			return false;
	return true;
}

static void dte_check_view(struct dte_test_writer *tw, const u64 *view)
{
	if (dte_match(view, tw->old, tw->old_used) ||
	    dte_match(view, tw->target, tw->target_used))
		return;
	if (!(view[0] & DTE_FLAG_V)) {
		if (!tw->untranslated)
			kunit_err(tw->test, "the IOMMU could see V=0 and pass DMA untranslated: %016llx %016llx %016llx %016llx\n",
				  view[0], view[1], view[2], view[3]);
		tw->untranslated = true;
		return;
	}
	if (!(view[0] & DTE_FLAG_TV)) {
		tw->blocked = true;
		return;
	}
	if (!tw->torn)
		kunit_err(tw->test, "the IOMMU could see a torn DTE: %016llx %016llx %016llx %016llx\n",
			  view[0], view[1], view[2], view[3]);
	tw->torn = true;
}

static void dte_test_sync(struct entry_sync_writer128 *writer)
{
	struct dte_test_writer *tw = container_of(writer, struct dte_test_writer,
						  base);
	unsigned long changed = 0, subset = 0;
	u64 view[DTE_WORDS];
	unsigned int q;

	tw->syncs++;
	for (q = 0; q != 2; q++)
		if (memcmp(&tw->live[2 * q], &tw->seen[2 * q], 2 * sizeof(u64)))
			changed |= BIT(q);

	/* Every subset of the quanta stored since the last sync. */
	do {
		subset = (subset - changed) & changed;
		memcpy(view, tw->seen, sizeof(view));
		for (q = 0; q != 2; q++)
			if (subset & BIT(q))
				memcpy(&view[2 * q], &tw->live[2 * q],
				       2 * sizeof(u64));
		dte_check_view(tw, view);
	} while (subset != changed);
	memcpy(tw->seen, tw->live, sizeof(tw->seen));
}

static const struct entry_sync_ops128 dte_test_ops = {
	ENTRY_SYNC_FORMAT128(2, 0),
	.get_used = amd_iommu_dte_get_used,
	.get_blocking = amd_iommu_dte_get_blocking,
	.sync = dte_test_sync,
};

/*
 * Update @from to @to and check every view the IOMMU could have had, the
 * verdict and the number of syncs (INVALIDATE_DEVTAB_ENTRY +
 * COMPLETION_WAIT each).
 */
static void dte_expect(struct kunit *test, const struct dev_table_entry *from,
		       const struct dev_table_entry *to,
		       enum entry_sync_result kind, unsigned int syncs)
{
	struct dev_table_entry live __aligned(16) = *from;
	struct dev_table_entry target __aligned(16) = *to;
	struct dte_test_writer tw = {
		.base.ops = &dte_test_ops,
		.test = test,
		.live = live.data,
	};
	enum entry_sync_result ret;

	memcpy(tw.old, from->data, sizeof(tw.old));
	memcpy(tw.target, to->data, sizeof(tw.target));
	memcpy(tw.seen, from->data, sizeof(tw.seen));
	dte_used(tw.old, tw.old_used);
	dte_used(tw.target, tw.target_used);

	ret = entry_sync_write128(&tw.base, live.data128, target.data128);

	KUNIT_EXPECT_EQ(test, ret, kind);
	KUNIT_EXPECT_EQ(test, tw.syncs, syncs);
	KUNIT_EXPECT_MEMEQ(test, live.data, to->data, sizeof(live.data));
	KUNIT_EXPECT_FALSE(test, tw.torn);
	KUNIT_EXPECT_FALSE(test, tw.untranslated);
	/* Only a disruptive update aborts DMA, and only between valid DTEs. */
	KUNIT_EXPECT_EQ(test, tw.blocked, kind == ENTRY_SYNC_DISRUPTIVE);
}

/* The device and its domains, as the driver's helpers read them. */
struct dte_test_env {
	struct iommu_dev_data dev_data;
	struct protection_domain v1, v1b, identity, v2;
	u64 *gcr3_a, *gcr3_b;
};

static struct dte_test_env *dte_env(struct kunit *test)
{
	struct dte_test_env *env;

	/* As the driver, which does not initialize without it. */
	if (!system_has_cmpxchg128())
		kunit_skip(test, "no CMPXCHG16B: the AMD IOMMU driver does not run");
	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);
	env->gcr3_a = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	env->gcr3_b = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env->gcr3_a);
	KUNIT_ASSERT_NOT_NULL(test, env->gcr3_b);
	env->v1.id = 1;
	env->v1.pd_mode = PD_MODE_V1;
	env->v1b.id = 2;
	env->v1b.pd_mode = PD_MODE_V1;
	env->identity.id = 3;
	env->v2.id = 4;
	env->v2.pd_mode = PD_MODE_V2;
	return env;
}

/*
 * The blocked DTE of amd_iommu_make_clear_dte(): V, with the per-device
 * controls that the IVRS table sets, which every DTE of the device then
 * carries: here SysMgt=01b, and so IW (erratum 63).
 */
#define DTE_TEST_SYSMGT	FIELD_PREP(DTE_DATA1_SYSMGT_MASK, 1)

static void dte_clear(struct dev_table_entry *dte)
{
	memset(dte, 0, sizeof(*dte));
	dte->data[0] = DTE_FLAG_V | DTE_FLAG_IW;
	dte->data[1] = DTE_TEST_SYSMGT;
	/* Interrupt remapping on, as the driver leaves it in every DTE. */
	dte->data[2] = DTE_IRQ_REMAP_ENABLE | DTE_IRQ_REMAP_INTCTL |
		       DTE_INTTABLEN_512 | 0x1234500;
}

static void dte_v1(struct dte_test_env *env, struct protection_domain *pdom,
		   u64 root, u8 mode, struct dev_table_entry *dte)
{
	struct pt_iommu_amdv1_hw_info pt = { .host_pt_root = root, .mode = mode };

	dte_clear(dte);
	amd_iommu_set_dte_v1(&env->dev_data, pdom, pdom->id, &pt, dte);
}

static void dte_identity(struct dte_test_env *env, struct dev_table_entry *dte)
{
	dte_clear(dte);
	amd_iommu_set_dte_passthrough(&env->dev_data, &env->identity, dte);
}

/* A v2 (guest table) DTE with @gcr3 and a @levels-level guest table. */
static void dte_v2(struct dte_test_env *env, u64 *gcr3, u16 domid,
		   unsigned int gpt, struct dev_table_entry *dte)
{
	env->dev_data.domain = &env->v2;
	env->dev_data.gcr3_info.gcr3_tbl = gcr3;
	env->dev_data.gcr3_info.glx = 0;
	env->dev_data.gcr3_info.domid = domid;
	dte_clear(dte);
	amd_iommu_set_dte_gcr3_table(&env->dev_data, dte);
	/* The guest's paging mode, as a nested attach takes it (nested.c). */
	dte->data[2] &= ~DTE_GPT_LEVEL_MASK;
	dte->data[2] |= FIELD_PREP(DTE_GPT_LEVEL_MASK, gpt);
}

/* Another v1 domain: new domain ID and root, both in the lower quantum. */
static void dte_test_v1_to_v1(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry a, b;

	dte_v1(env, &env->v1, 0x1000000, 4, &a);
	dte_v1(env, &env->v1b, 0x2000000, 3, &b);
	dte_expect(test, &a, &b, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &b, &a, ENTRY_SYNC_HITLESS, 1);
	/* The same domain, its table grown by a level (change_top). */
	dte_v1(env, &env->v1, 0x3000000, 5, &b);
	dte_expect(test, &a, &b, ENTRY_SYNC_HITLESS, 1);
}

/* Blocked and identity to and from a v1 domain: the lower quantum alone. */
static void dte_test_blocked_identity_v1(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry blocked, identity, v1;

	dte_clear(&blocked);
	dte_identity(env, &identity);
	dte_v1(env, &env->v1, 0x1000000, 4, &v1);
	dte_expect(test, &blocked, &v1, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &v1, &blocked, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &identity, &v1, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &v1, &identity, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &blocked, &identity, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &identity, &blocked, ENTRY_SYNC_HITLESS, 1);
}

/*
 * v1 to v2: the guest paging mode, in the upper quantum, is unused while
 * GV=0, so it is set first, then the lower quantum switches (2 syncs); back,
 * the lower quantum switches, then GPM is cleared.
 */
static void dte_test_v1_to_v2(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry v1, v2;

	dte_v1(env, &env->v1, 0x1000000, 4, &v1);
	dte_v2(env, env->gcr3_a, 7, GUEST_PGTABLE_5_LEVEL, &v2);
	dte_expect(test, &v1, &v2, ENTRY_SYNC_HITLESS, 2);
	dte_expect(test, &v2, &v1, ENTRY_SYNC_HITLESS, 2);
	/* With a 4-level guest table GPM is 0: nothing to set or clear. */
	dte_v2(env, env->gcr3_a, 7, GUEST_PGTABLE_4_LEVEL, &v2);
	dte_expect(test, &v1, &v2, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &v2, &v1, ENTRY_SYNC_HITLESS, 1);
}

/* Another GCR3 table and domain ID, the same guest paging mode. */
static void dte_test_v2_to_v2(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry a, b;

	dte_v2(env, env->gcr3_a, 7, GUEST_PGTABLE_5_LEVEL, &a);
	dte_v2(env, env->gcr3_b, 8, GUEST_PGTABLE_5_LEVEL, &b);
	dte_expect(test, &a, &b, ENTRY_SYNC_HITLESS, 1);
}

/*
 * A nested guest table whose number of levels changes with its GCR3 table:
 * both quanta change in bits both DTEs use, and no order of two stores is
 * safe.  The update goes through V=1, TV=0, which aborts DMA for its
 * length, where update_dte256() went through V=0, which let it through
 * untranslated.
 */
static void dte_test_gpm_change_blocks(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry a, b;

	dte_v2(env, env->gcr3_a, 7, GUEST_PGTABLE_4_LEVEL, &a);
	dte_v2(env, env->gcr3_b, 8, GUEST_PGTABLE_5_LEVEL, &b);
	dte_expect(test, &a, &b, ENTRY_SYNC_DISRUPTIVE, 3);
	dte_expect(test, &b, &a, ENTRY_SYNC_DISRUPTIVE, 3);
}

/* Dirty tracking on and off: HAD, in the lower quantum. */
static void dte_test_dirty_tracking(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry off, on;

	dte_v1(env, &env->v1, 0x1000000, 4, &off);
	env->v1.dirty_tracking = true;
	dte_v1(env, &env->v1, 0x1000000, 4, &on);
	KUNIT_EXPECT_NE(test, on.data[0] & DTE_FLAG_HAD, 0);
	dte_expect(test, &off, &on, ENTRY_SYNC_HITLESS, 1);
	dte_expect(test, &on, &off, ENTRY_SYNC_HITLESS, 1);
}

/* With ATS, the I bit comes and goes with the domain, in the lower quantum. */
static void dte_test_ats(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry a, b;

	env->dev_data.ats_enabled = 1;
	dte_v1(env, &env->v1, 0x1000000, 4, &a);
	KUNIT_EXPECT_NE(test, a.data[1] & DTE_FLAG_IOTLB, 0);
	dte_v2(env, env->gcr3_a, 7, GUEST_PGTABLE_5_LEVEL, &b);
	dte_expect(test, &a, &b, ENTRY_SYNC_HITLESS, 2);
	dte_expect(test, &b, &a, ENTRY_SYNC_HITLESS, 2);
}

/* The same DTE again: nothing stored, nothing synced. */
static void dte_test_same(struct kunit *test)
{
	struct dte_test_env *env = dte_env(test);
	struct dev_table_entry a;

	dte_v1(env, &env->v1, 0x1000000, 4, &a);
	dte_expect(test, &a, &a, ENTRY_SYNC_UNCHANGED, 0);
}

static struct kunit_case amd_iommu_dte_test_cases[] = {
	KUNIT_CASE(dte_test_v1_to_v1),
	KUNIT_CASE(dte_test_blocked_identity_v1),
	KUNIT_CASE(dte_test_v1_to_v2),
	KUNIT_CASE(dte_test_v2_to_v2),
	KUNIT_CASE(dte_test_gpm_change_blocks),
	KUNIT_CASE(dte_test_dirty_tracking),
	KUNIT_CASE(dte_test_ats),
	KUNIT_CASE(dte_test_same),
	{}
};

static struct kunit_suite amd_iommu_dte_test_suite = {
	.name = "amd-iommu-dte",
	.test_cases = amd_iommu_dte_test_cases,
};

kunit_test_suite(amd_iommu_dte_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_IMPORT_NS("IOMMU_ENTRY_SYNC");
MODULE_DESCRIPTION("KUnit tests for AMD IOMMU device table entry updates");
MODULE_LICENSE("GPL");
