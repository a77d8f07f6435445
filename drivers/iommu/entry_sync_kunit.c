// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for entry_sync: every update is replayed against a model of
 * a hardware walker that reads each quantum atomically but may see any
 * subset of the stores made since the last sync.
 *
 * The entries follow a small synthetic format, laid out in 64-bit words so
 * one description serves 64 and 128-bit quanta:
 *
 *   valid quantum:  V (bit 0), MODE (bits 2:1), HINT (bits 11:8),
 *                   TAG (bits 31:16)
 *   quantum A:      A (bits 47:32), in the quantum after the valid one
 *   quantum B:      B (bits 63:48), in the quantum after quantum A
 *
 * With 128-bit quanta, A and B sit in the upper half of their quantum.  The
 * modes use:  BYPASS  V MODE
 *             A       V MODE TAG HINT A
 *             B       V MODE TAG B
 *             AB      V MODE TAG HINT A B
 * and a non-valid entry uses only V.  HINT is a "safe" field: it may change
 * under the hardware while both entries use it.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/string.h>

#include "entry_sync.h"

#define ES_WORDS	(ENTRY_SYNC_MAX_BYTES / sizeof(u64))

#define ES_V		BIT_ULL(0)
#define ES_MODE		GENMASK_ULL(2, 1)
#define ES_HINT		GENMASK_ULL(11, 8)
#define ES_TAG		GENMASK_ULL(31, 16)
#define ES_A		GENMASK_ULL(47, 32)
#define ES_B		GENMASK_ULL(63, 48)

enum es_mode { ES_BYPASS, ES_MODE_A, ES_MODE_B, ES_MODE_AB };

/* One synthetic entry, before it is laid out in a format. */
struct es_cfg {
	bool valid;
	enum es_mode mode;
	u16 tag, hint, a, b;
};

struct es_format {
	unsigned int width;		/* bits per quantum: 64 or 128 */
	unsigned int num_quanta;
	unsigned int valid;		/* index of the valid quantum */
	bool safe;			/* provide get_update_safe() */
};

/*
 * get_used() has no context argument (like the SMMUv3 callbacks), so the
 * format under test is a file-scope variable.  KUnit runs the cases of a
 * suite one after the other.
 */
static const struct es_format *es_fmt;

static unsigned int es_wpq(const struct es_format *fmt)
{
	return fmt->width / 64;
}

static unsigned int es_word_valid(const struct es_format *fmt)
{
	return fmt->valid * es_wpq(fmt);
}

/* A and B live in the last 64-bit word of their quantum. */
static unsigned int es_word_a(const struct es_format *fmt)
{
	unsigned int q = (fmt->valid + 1) % fmt->num_quanta;

	return q * es_wpq(fmt) + es_wpq(fmt) - 1;
}

static unsigned int es_word_b(const struct es_format *fmt)
{
	unsigned int q = (fmt->valid + 2) % fmt->num_quanta;

	return q * es_wpq(fmt) + es_wpq(fmt) - 1;
}

static void es_make(const struct es_format *fmt, const struct es_cfg *cfg,
		    u64 *words)
{
	memset(words, 0, ES_WORDS * sizeof(*words));
	if (!cfg->valid)
		return;
	words[es_word_valid(fmt)] |= ES_V | FIELD_PREP(ES_MODE, cfg->mode);
	if (cfg->mode == ES_BYPASS)
		return;
	words[es_word_valid(fmt)] |= FIELD_PREP(ES_TAG, cfg->tag);
	if (cfg->mode == ES_MODE_A || cfg->mode == ES_MODE_AB) {
		words[es_word_valid(fmt)] |= FIELD_PREP(ES_HINT, cfg->hint);
		words[es_word_a(fmt)] |= FIELD_PREP(ES_A, cfg->a);
	}
	if (cfg->mode == ES_MODE_B || cfg->mode == ES_MODE_AB)
		words[es_word_b(fmt)] |= FIELD_PREP(ES_B, cfg->b);
}

static bool es_valid(const struct es_format *fmt, const u64 *words)
{
	return words[es_word_valid(fmt)] & ES_V;
}

static void es_used(const struct es_format *fmt, const u64 *words, u64 *used)
{
	u64 v = words[es_word_valid(fmt)];
	enum es_mode mode = FIELD_GET(ES_MODE, v);

	used[es_word_valid(fmt)] |= ES_V;
	if (!(v & ES_V))
		return;
	used[es_word_valid(fmt)] |= ES_MODE;
	if (mode == ES_BYPASS)
		return;
	used[es_word_valid(fmt)] |= ES_TAG;
	if (mode == ES_MODE_A || mode == ES_MODE_AB) {
		used[es_word_valid(fmt)] |= ES_HINT;
		used[es_word_a(fmt)] |= ES_A;
	}
	if (mode == ES_MODE_B || mode == ES_MODE_AB)
		used[es_word_b(fmt)] |= ES_B;
}

static void es_safe(const struct es_format *fmt, const u64 *cur,
		    const u64 *target, u64 *safe)
{
	u64 cur_used[ES_WORDS] = {}, target_used[ES_WORDS] = {};
	unsigned int w = es_word_valid(fmt);

	es_used(fmt, cur, cur_used);
	es_used(fmt, target, target_used);
	safe[w] |= cur_used[w] & target_used[w] & ES_HINT;
}

/* The test writer: records every state a walker could observe. */
struct es_writer {
	struct entry_sync_writer64 w64;
	struct entry_sync_writer128 w128;
	struct kunit *test;
	void *live;			/* the entry being written */
	u64 seen[ES_WORDS];		/* the entry at the previous sync */
	u64 old[ES_WORDS], target[ES_WORDS];
	u64 old_used[ES_WORDS], target_used[ES_WORDS], safe[ES_WORDS];
	unsigned int syncs;
	unsigned int states;		/* walker views checked */
	bool disrupted;			/* a view was non-valid */
	bool torn;			/* a view was neither old nor target */
};

static bool es_match(const u64 *view, const u64 *ref, const u64 *used,
		     const u64 *safe)
{
	unsigned int i;

	for (i = 0; i != ES_WORDS; i++)
		if ((view[i] ^ ref[i]) & used[i] & ~safe[i])
			return false;
	return true;
}

static void es_check_view(struct es_writer *ew, const u64 *view)
{
	ew->states++;
	if (!es_valid(es_fmt, view)) {
		if (es_valid(es_fmt, ew->old) && es_valid(es_fmt, ew->target))
			ew->disrupted = true;
		return;
	}
	if (es_match(view, ew->old, ew->old_used, ew->safe) ||
	    es_match(view, ew->target, ew->target_used, ew->safe))
		return;
	if (!ew->torn)
		kunit_err(ew->test, "walker could see a torn entry: %016llx %016llx %016llx %016llx ...\n",
			  view[0], view[1], view[2], view[3]);
	ew->torn = true;
}

/*
 * Between two syncs the walker may observe any subset of the quanta stored
 * in that window, on top of what it observed at the previous sync.
 */
static void es_observe(struct es_writer *ew)
{
	unsigned int wpq = es_wpq(es_fmt), n = es_fmt->num_quanta;
	unsigned long changed = 0, subset;
	u64 now[ES_WORDS] = {}, view[ES_WORDS];
	unsigned int q, w;

	memcpy(now, ew->live, n * wpq * sizeof(u64));
	for (q = 0; q != n; q++)
		for (w = q * wpq; w != (q + 1) * wpq; w++)
			if (now[w] != ew->seen[w])
				changed |= BIT(q);

	/* Every subset of the changed quanta, the full set included. */
	subset = 0;
	do {
		subset = (subset - changed) & changed;
		memcpy(view, ew->seen, sizeof(view));
		for (q = 0; q != n; q++)
			if (subset & BIT(q))
				memcpy(&view[q * wpq], &now[q * wpq],
				       wpq * sizeof(u64));
		es_check_view(ew, view);
	} while (subset != changed);
	memcpy(ew->seen, now, sizeof(now));
}

static void es_sync64(struct entry_sync_writer64 *writer)
{
	struct es_writer *ew = container_of(writer, struct es_writer, w64);

	ew->syncs++;
	es_observe(ew);
}

static void es_sync128(struct entry_sync_writer128 *writer)
{
	struct es_writer *ew = container_of(writer, struct es_writer, w128);

	ew->syncs++;
	es_observe(ew);
}

/* Quanta <-> 64-bit words.  All the test architectures are little-endian. */
static void es_get_used64(const __le64 *entry, __le64 *used)
{
	u64 e[ES_WORDS] = {}, u[ES_WORDS] = {};
	unsigned int i, n = es_fmt->num_quanta;

	for (i = 0; i != n; i++)
		e[i] = le64_to_cpu(entry[i]);
	es_used(es_fmt, e, u);
	for (i = 0; i != n; i++)
		used[i] = cpu_to_le64(u[i]);
}

static void es_get_safe64(const __le64 *cur, const __le64 *target,
			  __le64 *safe)
{
	u64 c[ES_WORDS] = {}, t[ES_WORDS] = {}, s[ES_WORDS] = {};
	unsigned int i, n = es_fmt->num_quanta;

	for (i = 0; i != n; i++) {
		c[i] = le64_to_cpu(cur[i]);
		t[i] = le64_to_cpu(target[i]);
	}
	es_safe(es_fmt, c, t, s);
	for (i = 0; i != n; i++)
		safe[i] = cpu_to_le64(s[i]);
}

static const struct entry_sync_ops64 es_ops64 = {
	.get_used = es_get_used64,
	.sync = es_sync64,
};

static const struct entry_sync_ops64 es_ops64_safe = {
	.get_used = es_get_used64,
	.get_update_safe = es_get_safe64,
	.sync = es_sync64,
};

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
static void es_get_used128(const u128 *entry, u128 *used)
{
	u64 e[ES_WORDS] = {}, u[ES_WORDS] = {};

	memcpy(e, entry, es_fmt->num_quanta * sizeof(*entry));
	es_used(es_fmt, e, u);
	memcpy(used, u, es_fmt->num_quanta * sizeof(*used));
}

static void es_get_safe128(const u128 *cur, const u128 *target, u128 *safe)
{
	u64 c[ES_WORDS] = {}, t[ES_WORDS] = {}, s[ES_WORDS] = {};
	size_t len = es_fmt->num_quanta * sizeof(*cur);

	memcpy(c, cur, len);
	memcpy(t, target, len);
	es_safe(es_fmt, c, t, s);
	memcpy(safe, s, len);
}

static const struct entry_sync_ops128 es_ops128 = {
	.get_used = es_get_used128,
	.sync = es_sync128,
};

static const struct entry_sync_ops128 es_ops128_safe = {
	.get_used = es_get_used128,
	.get_update_safe = es_get_safe128,
	.sync = es_sync128,
};
#endif

/*
 * Write @from, then update it to @to through entry_sync while observing.
 * Returns the library's verdict; @ew holds the observations.
 */
static enum entry_sync_result es_run(struct kunit *test,
				     const struct es_format *fmt,
				     const struct es_cfg *from,
				     const struct es_cfg *to,
				     struct es_writer *ew)
{
	union {
		__le64 q64[ES_WORDS];
		u128 q128[ES_WORDS / 2];
	} live = {}, target = {};
	enum entry_sync_result ret;

	es_fmt = fmt;
	memset(ew, 0, sizeof(*ew));
	ew->test = test;
	ew->live = &live;
	es_make(fmt, from, ew->old);
	es_make(fmt, to, ew->target);
	es_used(fmt, ew->old, ew->old_used);
	es_used(fmt, ew->target, ew->target_used);
	if (fmt->safe)
		es_safe(fmt, ew->old, ew->target, ew->safe);
	memcpy(&live, ew->old, sizeof(live));
	memcpy(&target, ew->target, sizeof(target));
	memcpy(ew->seen, ew->old, sizeof(ew->seen));

	if (fmt->width == 64) {
		ew->w64.ops = fmt->safe ? &es_ops64_safe : &es_ops64;
		ew->w64.num_quanta = fmt->num_quanta;
		ew->w64.valid_quantum = fmt->valid;
		ret = entry_sync_write64(&ew->w64, live.q64, target.q64);
	} else {
#ifdef CONFIG_IOMMU_ENTRY_SYNC128
		ew->w128.ops = fmt->safe ? &es_ops128_safe : &es_ops128;
		ew->w128.num_quanta = fmt->num_quanta;
		ew->w128.valid_quantum = fmt->valid;
		ret = entry_sync_write128(&ew->w128, live.q128, target.q128);
#else
		kunit_skip(test, "no 128-bit entry_sync on this architecture");
#endif
	}

	/* Every store is followed by a sync, and the result is the target. */
	KUNIT_EXPECT_MEMEQ_MSG(test, ew->seen, &live, sizeof(live),
			       "a store was not followed by a sync");
	KUNIT_EXPECT_MEMEQ_MSG(test, &live, ew->target, sizeof(live),
			       "the entry did not end as the target");
	KUNIT_EXPECT_FALSE_MSG(test, ew->torn,
			       "the walker could observe a torn entry");
	return ret;
}

/*
 * Check one transition: the library's verdict, the number of syncs, and
 * that the walker saw a non-valid entry exactly when the update was
 * disruptive.
 */
static void es_expect(struct kunit *test, const struct es_format *fmt,
		      const struct es_cfg *from, const struct es_cfg *to,
		      enum entry_sync_result kind, unsigned int syncs)
{
	struct es_writer ew;

	KUNIT_EXPECT_EQ(test, es_run(test, fmt, from, to, &ew), kind);
	KUNIT_EXPECT_EQ(test, ew.syncs, syncs);
	if (from->valid && to->valid)
		KUNIT_EXPECT_EQ(test, ew.disrupted,
				kind == ENTRY_SYNC_DISRUPTIVE);
}

#define Q64(n, v)	{ .width = 64, .num_quanta = n, .valid = v, .safe = true }
#define Q128(n, v)	{ .width = 128, .num_quanta = n, .valid = v, .safe = true }

/* The valid quantum first, in the middle and last. */
static const struct es_format es_formats[] = {
	Q64(8, 0), Q64(8, 3), Q64(8, 7),
	Q128(4, 0), Q128(4, 1), Q128(4, 3),
};

static const struct es_cfg es_none = {};
static const struct es_cfg es_bypass = { .valid = true, .mode = ES_BYPASS };
static const struct es_cfg es_a1 = {
	.valid = true, .mode = ES_MODE_A, .tag = 1, .hint = 1, .a = 1 };
static const struct es_cfg es_a1_hint2 = {
	.valid = true, .mode = ES_MODE_A, .tag = 1, .hint = 2, .a = 1 };
static const struct es_cfg es_a2 = {
	.valid = true, .mode = ES_MODE_A, .tag = 1, .hint = 1, .a = 2 };
static const struct es_cfg es_a2_hint2 = {
	.valid = true, .mode = ES_MODE_A, .tag = 1, .hint = 2, .a = 2 };
static const struct es_cfg es_a2_tag2 = {
	.valid = true, .mode = ES_MODE_A, .tag = 2, .hint = 1, .a = 2 };
static const struct es_cfg es_b1 = {
	.valid = true, .mode = ES_MODE_B, .tag = 1, .b = 1 };
static const struct es_cfg es_ab11 = {
	.valid = true, .mode = ES_MODE_AB, .tag = 1, .hint = 1, .a = 1, .b = 1 };
static const struct es_cfg es_ab22 = {
	.valid = true, .mode = ES_MODE_AB, .tag = 1, .hint = 1, .a = 2, .b = 2 };

#define ES_FORMATS_END	(es_formats + ARRAY_SIZE(es_formats))

static void es_test_same_entry_no_sync(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		es_expect(test, fmt, &es_a1, &es_a1, ENTRY_SYNC_UNCHANGED, 0);
		es_expect(test, fmt, &es_none, &es_none, ENTRY_SYNC_UNCHANGED, 0);
	}
}

static void es_test_safe_bits_only(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++)
		es_expect(test, fmt, &es_a1, &es_a1_hint2,
			  ENTRY_SYNC_UNCHANGED, 1);
}

static void es_test_one_quantum_field(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++)
		es_expect(test, fmt, &es_a1, &es_a2, ENTRY_SYNC_HITLESS, 1);
}

static void es_test_safe_bits_keep_hitless(struct kunit *test)
{
	const struct es_format *fmt;

	/*
	 * HINT (valid quantum) is safe, so only quantum A is critical: HINT
	 * is written first, with A's own store second.
	 */
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++)
		es_expect(test, fmt, &es_a1, &es_a2_hint2,
			  ENTRY_SYNC_HITLESS, 2);
}

static void es_test_no_safe_bits_disruptive(struct kunit *test)
{
	const struct es_format *fmt;

	/* Without get_update_safe() the same change spans two quanta. */
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		struct es_format unsafe = *fmt;

		unsafe.safe = false;
		es_expect(test, &unsafe, &es_a1, &es_a2_hint2,
			  ENTRY_SYNC_DISRUPTIVE, 3);
	}
}

static void es_test_two_quanta_disruptive(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		/* TAG in the valid quantum and A in quantum A. */
		es_expect(test, fmt, &es_a1, &es_a2_tag2,
			  ENTRY_SYNC_DISRUPTIVE, 3);
		/* A and B, neither in the valid quantum. */
		es_expect(test, fmt, &es_ab11, &es_ab22,
			  ENTRY_SYNC_DISRUPTIVE, 3);
	}
}

static void es_test_mode_change_hitless(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		/* Fill B early, switch MODE, clear A: 3 syncs. */
		es_expect(test, fmt, &es_a1, &es_b1, ENTRY_SYNC_HITLESS, 3);
		/* Fill B early, switch MODE. */
		es_expect(test, fmt, &es_a1, &es_ab11, ENTRY_SYNC_HITLESS, 2);
		/* Switch MODE, clear B. */
		es_expect(test, fmt, &es_ab11, &es_a1, ENTRY_SYNC_HITLESS, 2);
		/* Fill A early, switch MODE. */
		es_expect(test, fmt, &es_bypass, &es_a1, ENTRY_SYNC_HITLESS, 2);
		/* Switch MODE, clear A. */
		es_expect(test, fmt, &es_a1, &es_bypass, ENTRY_SYNC_HITLESS, 2);
	}
}

static void es_test_install_and_remove(struct kunit *test)
{
	const struct es_format *fmt;

	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		/* Fill A while non-valid, then the valid quantum. */
		es_expect(test, fmt, &es_none, &es_a1, ENTRY_SYNC_HITLESS, 2);
		/* Clear the valid quantum first, then the rest. */
		es_expect(test, fmt, &es_a1, &es_none, ENTRY_SYNC_HITLESS, 2);
		es_expect(test, fmt, &es_none, &es_bypass, ENTRY_SYNC_HITLESS, 1);
		es_expect(test, fmt, &es_bypass, &es_none, ENTRY_SYNC_HITLESS, 1);
	}
}

/*
 * The first posting of this library wrote the valid quantum in the same
 * window as the others and skipped the last quantum when the valid bit was
 * not in quantum 0.  Both are seen here: the walker observes a valid, torn
 * entry, or the entry does not end as the target.
 */
static void es_test_disruptive_valid_not_first(struct kunit *test)
{
	static const struct es_format fmts[] = {
		Q64(4, 1), Q64(4, 2), Q64(4, 3), Q64(2, 1),
		Q128(4, 1), Q128(4, 2), Q128(3, 2), Q128(2, 1),
	};
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(fmts); i++)
		es_expect(test, &fmts[i], &es_ab11, &es_ab22,
			  ENTRY_SYNC_DISRUPTIVE, 3);
}

static void es_test_single_quantum_entry(struct kunit *test)
{
	static const struct es_format fmts[] = { Q64(1, 0), Q128(1, 0) };
	unsigned int i;

	/* With one quantum every update is one atomic store. */
	for (i = 0; i != ARRAY_SIZE(fmts); i++) {
		es_expect(test, &fmts[i], &es_ab11, &es_ab22,
			  ENTRY_SYNC_HITLESS, 1);
		es_expect(test, &fmts[i], &es_a1, &es_b1, ENTRY_SYNC_HITLESS, 1);
		es_expect(test, &fmts[i], &es_a1, &es_none,
			  ENTRY_SYNC_HITLESS, 1);
	}
}

/*
 * Every valid entry of the format, each used field taking two values, and
 * the non-valid entry.
 */
static unsigned int es_all_cfgs(struct es_cfg *cfgs)
{
	static const u8 fields[] = {
		[ES_BYPASS] = 0, [ES_MODE_A] = 3, [ES_MODE_B] = 2,
		[ES_MODE_AB] = 4,
	};
	unsigned int n = 0, mode, bits;

	cfgs[n++] = es_none;
	for (mode = ES_BYPASS; mode <= ES_MODE_AB; mode++) {
		for (bits = 0; bits != 1U << fields[mode]; bits++) {
			struct es_cfg *c = &cfgs[n++];

			*c = (struct es_cfg){ .valid = true, .mode = mode };
			if (mode == ES_BYPASS)
				continue;
			c->tag = 1 + (bits & 1);
			if (mode != ES_MODE_B)
				c->hint = 1 + !!(bits & 2);
			if (mode == ES_MODE_A)
				c->a = 1 + !!(bits & 4);
			if (mode == ES_MODE_B)
				c->b = 1 + !!(bits & 2);
			if (mode == ES_MODE_AB) {
				c->a = 1 + !!(bits & 4);
				c->b = 1 + !!(bits & 8);
			}
		}
	}
	return n;
}

/*
 * The expected verdict, worked out per field rather than per bit: an update
 * is hitless when the fields that both entries use and that change (safe
 * fields aside) all sit in one quantum.
 */
static enum entry_sync_result es_oracle(const struct es_format *fmt,
					const struct es_cfg *from,
					const struct es_cfg *to)
{
	u64 old_used[ES_WORDS] = {}, new_used[ES_WORDS] = {};
	u64 old[ES_WORDS], new[ES_WORDS];
	unsigned long quanta = 0;
	static const u64 fields[] = { ES_V, ES_MODE, ES_HINT, ES_TAG, ES_A, ES_B };
	unsigned int w, f;

	es_make(fmt, from, old);
	es_make(fmt, to, new);
	es_used(fmt, old, old_used);
	es_used(fmt, new, new_used);
	for (w = 0; w != ES_WORDS; w++) {
		for (f = 0; f != ARRAY_SIZE(fields); f++) {
			u64 m = fields[f];

			if (fmt->safe && m == ES_HINT)
				continue;
			if ((old_used[w] & m) && (new_used[w] & m) &&
			    ((old[w] ^ new[w]) & m))
				quanta |= BIT(w / es_wpq(fmt));
		}
	}
	if (!quanta)
		return ENTRY_SYNC_UNCHANGED;
	return hweight_long(quanta) == 1 ? ENTRY_SYNC_HITLESS :
					   ENTRY_SYNC_DISRUPTIVE;
}

/* Every pair of @cfgs in one format; returns the walker views checked. */
static unsigned int es_sweep_format(struct kunit *test,
				    const struct es_format *fmt,
				    const struct es_cfg *cfgs, unsigned int n,
				    struct es_writer *ew)
{
	unsigned int i, j, views = 0;

	for (i = 0; i != n; i++) {
		for (j = 0; j != n; j++) {
			enum entry_sync_result want, got;

			want = es_oracle(fmt, &cfgs[i], &cfgs[j]);
			got = es_run(test, fmt, &cfgs[i], &cfgs[j], ew);
			KUNIT_ASSERT_EQ_MSG(test, got, want,
					    "%u-bit quanta, %u quanta, valid %u, safe %d, pair %u->%u",
					    fmt->width, fmt->num_quanta,
					    fmt->valid, fmt->safe, i, j);
			KUNIT_ASSERT_FALSE(test, ew->torn);
			KUNIT_ASSERT_LE(test, ew->syncs, 3);
			KUNIT_ASSERT_EQ(test, ew->syncs == 0, i == j);
			if (cfgs[i].valid && cfgs[j].valid)
				KUNIT_ASSERT_EQ(test, ew->disrupted,
						want == ENTRY_SYNC_DISRUPTIVE);
			views += ew->states;
		}
	}
	return views;
}

/*
 * Every pair of entries, in every format: both widths, every entry size
 * up to ENTRY_SYNC_MAX_BYTES, the valid bit in every quantum, with and
 * without safe bits.
 */
static void es_test_exhaustive(struct kunit *test)
{
	struct es_cfg *cfgs = kunit_kcalloc(test, 32, sizeof(*cfgs), GFP_KERNEL);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	unsigned int n, width, formats = 0, views = 0;
	struct es_format fmt;

	KUNIT_ASSERT_NOT_NULL(test, cfgs);
	KUNIT_ASSERT_NOT_NULL(test, ew);
	n = es_all_cfgs(cfgs);

	for (width = 64; width <= 128; width += 64) {
		if (width == 128 && !IS_ENABLED(CONFIG_IOMMU_ENTRY_SYNC128))
			break;
		fmt.width = width;
		for (fmt.num_quanta = 1;
		     fmt.num_quanta <= ENTRY_SYNC_MAX_BYTES * 8 / width;
		     fmt.num_quanta++) {
			for (fmt.valid = 0; fmt.valid != fmt.num_quanta;
			     fmt.valid++) {
				fmt.safe = false;
				views += es_sweep_format(test, &fmt, cfgs, n, ew);
				fmt.safe = true;
				views += es_sweep_format(test, &fmt, cfgs, n, ew);
				formats += 2;
			}
		}
	}
	kunit_info(test, "%u formats x %u transitions, %u walker views checked\n",
		   formats, n * n, views);
}

static struct kunit_case entry_sync_test_cases[] = {
	KUNIT_CASE(es_test_same_entry_no_sync),
	KUNIT_CASE(es_test_safe_bits_only),
	KUNIT_CASE(es_test_one_quantum_field),
	KUNIT_CASE(es_test_safe_bits_keep_hitless),
	KUNIT_CASE(es_test_no_safe_bits_disruptive),
	KUNIT_CASE(es_test_two_quanta_disruptive),
	KUNIT_CASE(es_test_mode_change_hitless),
	KUNIT_CASE(es_test_install_and_remove),
	KUNIT_CASE(es_test_disruptive_valid_not_first),
	KUNIT_CASE(es_test_single_quantum_entry),
	KUNIT_CASE(es_test_exhaustive),
	{}
};

static struct kunit_suite entry_sync_test_suite = {
	.name = "iommu-entry-sync",
	.test_cases = entry_sync_test_cases,
};

kunit_test_suite(entry_sync_test_suite);

MODULE_IMPORT_NS("IOMMU_ENTRY_SYNC");
MODULE_DESCRIPTION("KUnit tests for the IOMMU entry_sync library");
MODULE_LICENSE("GPL");
