// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for entry_sync: every update is replayed against a model of
 * a hardware walker that reads each quantum atomically and may see any
 * subset of the stores made since the last sync.  Every store is checked
 * as it happens, through the entry_sync_stored() static stub: it must be
 * of a whole quantum, at most one per quantum between two syncs, and no
 * view it makes possible may be torn.
 *
 * The entries follow a small synthetic format.  Field positions are bit
 * offsets inside a quantum; with 128-bit quanta, TAG and A cross bit 63/64
 * so that a quantum stored in two halves is seen torn:
 *
 *                    64-bit quanta   128-bit quanta
 *   valid quantum:   V (bit 0), MODE (bits 2:1), HINT (bits 11:8),
 *                    TAG 31:16       TAG 71:56
 *   quantum A:       AHINT (bits 15:12),             (the one after V's)
 *                    A 47:32         A 71:56
 *   quantum B:       B 63:48         B 127:112       (the one after A's)
 *
 * The modes use:  BYPASS  V MODE
 *                 A       V MODE TAG HINT AHINT A
 *                 B       V MODE TAG B
 *                 AB      V MODE TAG HINT AHINT A B
 * and a non-valid entry uses only V.  HINT and AHINT (which always holds
 * the value of HINT) are "safe" fields: they may change under the hardware
 * while both entries use them.  Like SMMUv3's, the format's
 * get_update_safe() reports them whatever the modes; the library must not
 * treat them as safe when only one of the entries uses them.
 *
 * A format may also be "blocking", like AMD's device table entry: there a
 * non-valid entry lets DMA through untranslated, and an entry refuses DMA
 * with V and BLOCK (bit 3) set, using only those two bits; every valid
 * entry uses BLOCK.  The format's get_blocking() names that value.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/string.h>
#ifdef CONFIG_IOMMU_ENTRY_SYNC128
/* system_has_cmpxchg128() is a CPU feature test on x86. */
#include <asm/cpufeature.h>
#endif

#include "entry_sync.h"
#include "entry_sync_internal.h"

#define ES_WORDS	(ENTRY_SYNC_MAX_BYTES / sizeof(u64))

#define ES_V		BIT_ULL(0)
#define ES_MODE		GENMASK_ULL(2, 1)
#define ES_HINT		GENMASK_ULL(11, 8)
#define ES_AHINT	GENMASK_ULL(15, 12)	/* in quantum A */
#define ES_BLOCK	BIT_ULL(3)		/* blocking formats only */

/* The 16-bit fields placed at a bit offset that depends on the width. */
enum es_field { ES_TAG, ES_A, ES_B };

enum es_mode { ES_BYPASS, ES_MODE_A, ES_MODE_B, ES_MODE_AB };

/* One synthetic entry, before it is laid out in a format. */
struct es_cfg {
	bool valid;
	bool blocked;			/* V and BLOCK: refuses DMA */
	enum es_mode mode;
	u16 tag, hint, a, b;
};

struct es_format {
	unsigned int width;		/* bits per quantum: 64 or 128 */
	unsigned int num_quanta;
	unsigned int valid;		/* index of the valid quantum */
	bool safe;			/* provide get_update_safe() */
	bool blocking;			/* non-valid passes DMA; get_blocking() */
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

/* The first word of quantum A, which holds AHINT. */
static unsigned int es_word_ahint(const struct es_format *fmt)
{
	return (fmt->valid + 1) % fmt->num_quanta * es_wpq(fmt);
}

/* The quantum and the bit offset inside it of a 16-bit field. */
static void es_field_pos(const struct es_format *fmt, enum es_field f,
			 unsigned int *q, unsigned int *shift)
{
	static const unsigned int shift64[] = { 16, 32, 48 };
	static const unsigned int shift128[] = { 56, 56, 112 };

	*q = (fmt->valid + f) % fmt->num_quanta;
	*shift = fmt->width == 64 ? shift64[f] : shift128[f];
	/* Only one field can cross bit 63/64: TAG, when A shares its quantum. */
	if (fmt->width == 128 && f == ES_A && *q == fmt->valid)
		*shift = 80;
}

/* OR @val into the 16-bit field @f of @words. */
static void es_put(const struct es_format *fmt, u64 *words, enum es_field f,
		   u16 val)
{
	unsigned int q, shift, w, bit;

	es_field_pos(fmt, f, &q, &shift);
	w = q * es_wpq(fmt) + shift / 64;
	bit = shift % 64;
	words[w] |= (u64)val << bit;
	if (bit + 16 > 64)
		words[w + 1] |= (u64)val >> (64 - bit);
}

/* The 16-bit field @f of @words. */
static u16 es_get(const struct es_format *fmt, const u64 *words,
		  enum es_field f)
{
	unsigned int q, shift, w, bit;
	u64 val;

	es_field_pos(fmt, f, &q, &shift);
	w = q * es_wpq(fmt) + shift / 64;
	bit = shift % 64;
	val = words[w] >> bit;
	if (bit + 16 > 64)
		val |= words[w + 1] << (64 - bit);
	return val;
}

/* Put @val into the 16-bit field @f of @words, replacing what was there. */
static void es_set(const struct es_format *fmt, u64 *words, enum es_field f,
		   u16 val)
{
	u64 mask[ES_WORDS] = {};
	unsigned int i;

	es_put(fmt, mask, f, 0xffff);
	for (i = 0; i != ES_WORDS; i++)
		words[i] &= ~mask[i];
	es_put(fmt, words, f, val);
}

static void es_make(const struct es_format *fmt, const struct es_cfg *cfg,
		    u64 *words)
{
	memset(words, 0, ES_WORDS * sizeof(*words));
	if (!cfg->valid)
		return;
	if (cfg->blocked) {
		words[es_word_valid(fmt)] |= ES_V | ES_BLOCK;
		return;
	}
	words[es_word_valid(fmt)] |= ES_V | FIELD_PREP(ES_MODE, cfg->mode);
	if (cfg->mode == ES_BYPASS)
		return;
	es_put(fmt, words, ES_TAG, cfg->tag);
	if (cfg->mode == ES_MODE_A || cfg->mode == ES_MODE_AB) {
		words[es_word_valid(fmt)] |= FIELD_PREP(ES_HINT, cfg->hint);
		words[es_word_ahint(fmt)] |= FIELD_PREP(ES_AHINT, cfg->hint);
		es_put(fmt, words, ES_A, cfg->a);
	}
	if (cfg->mode == ES_MODE_B || cfg->mode == ES_MODE_AB)
		es_put(fmt, words, ES_B, cfg->b);
}

static bool es_valid(const struct es_format *fmt, const u64 *words)
{
	return words[es_word_valid(fmt)] & ES_V;
}

/* Whether @words refuses DMA with the blocking value of its format. */
static bool es_blocked(const struct es_format *fmt, const u64 *words)
{
	u64 v = words[es_word_valid(fmt)];

	return fmt->blocking && (v & ES_V) && (v & ES_BLOCK);
}

static void es_used(const struct es_format *fmt, const u64 *words, u64 *used)
{
	u64 v = words[es_word_valid(fmt)];
	enum es_mode mode = FIELD_GET(ES_MODE, v);

	used[es_word_valid(fmt)] |= ES_V;
	if (!(v & ES_V))
		return;
	if (fmt->blocking) {
		used[es_word_valid(fmt)] |= ES_BLOCK;
		if (v & ES_BLOCK)
			return;
	}
	used[es_word_valid(fmt)] |= ES_MODE;
	if (mode == ES_BYPASS)
		return;
	es_put(fmt, used, ES_TAG, 0xffff);
	if (mode == ES_MODE_A || mode == ES_MODE_AB) {
		used[es_word_valid(fmt)] |= ES_HINT;
		used[es_word_ahint(fmt)] |= ES_AHINT;
		es_put(fmt, used, ES_A, 0xffff);
	}
	if (mode == ES_MODE_B || mode == ES_MODE_AB)
		es_put(fmt, used, ES_B, 0xffff);
}

/* What get_update_safe() reports: the hints, whether or not entries use them. */
static void es_safe_reported(const struct es_format *fmt, u64 *safe)
{
	safe[es_word_valid(fmt)] |= ES_HINT;
	safe[es_word_ahint(fmt)] |= ES_AHINT;
}

/*
 * What the hardware really tolerates: a hint changing while both entries
 * use it.  The walker model checks views against this.
 */
static void es_safe(const struct es_format *fmt, const u64 *cur,
		    const u64 *target, u64 *safe)
{
	u64 cur_used[ES_WORDS] = {}, target_used[ES_WORDS] = {};
	unsigned int w;

	es_used(fmt, cur, cur_used);
	es_used(fmt, target, target_used);
	es_safe_reported(fmt, safe);
	for (w = 0; w != ES_WORDS; w++)
		safe[w] &= cur_used[w] & target_used[w];
}

/* Whether @words carries a tag: a valid entry in a translating mode. */
static bool es_has_tag(const struct es_format *fmt, const u64 *words)
{
	u64 v = words[es_word_valid(fmt)];

	return (v & ES_V) && FIELD_GET(ES_MODE, v) != ES_BYPASS;
}

/* The synthetic format's get_tag() and set_tag(), on 64-bit words. */
static bool es_tag(const struct es_format *fmt, const u64 *words, u32 *tag,
		   u64 *bits)
{
	if (!es_has_tag(fmt, words))
		return false;
	*tag = es_get(fmt, words, ES_TAG);
	es_put(fmt, bits, ES_TAG, 0xffff);
	return true;
}

/* The test writer: records every state a walker could observe. */
struct es_writer {
	struct entry_sync_writer64 w64;
	struct entry_sync_ops64 ops64;
#ifdef CONFIG_IOMMU_ENTRY_SYNC128
	struct entry_sync_writer128 w128;
	struct entry_sync_ops128 ops128;
#endif
	struct kunit *test;
	const struct es_format *fmt;
	void *live;			/* the entry being written */
	u64 seen[ES_WORDS];		/* the entry at the previous sync */
	u64 old[ES_WORDS], target[ES_WORDS];
	u64 old_used[ES_WORDS], target_used[ES_WORDS], safe[ES_WORDS];
	unsigned long stored;		/* quanta stored since the last sync */
	unsigned int stores, syncs;
	unsigned int states;		/* walker views checked */
	bool disrupted;			/* a view was non-valid or blocking */
	bool passthrough;		/* a view let DMA through untranslated */
	bool torn;			/* a view was neither old nor target */
	bool bad_store;			/* a store broke the store rules */
	bool defer;			/* leave the last sync to the test */
	/* entry_sync_replace*() instead of entry_sync_write*() */
	const struct entry_sync_tags *tags;
	enum entry_sync_plan plan;	/* the plan it followed */
	u64 tag_bits[ES_WORDS];		/* left to the isolation model */
	/*
	 * The isolation model: a TLB keyed by tag, recording for every view
	 * the walker could fetch which tables (field A) each tag was paired
	 * with.  A tag with another user, here the old or the new entry's,
	 * must only ever be paired with its own domain's table.
	 */
	struct {
		u16 tag;
		u16 tables;		/* bit i: table i seen with the tag */
	} tlb[8];
	unsigned int tlb_used;
	bool shared_old, shared_new;	/* the tag has another user */
	bool clobber;			/* another CPU writes the entry */
	enum entry_sync_result result;
};

/* The update in progress, for the entry_sync_stored() stub. */
static struct es_writer *es_cur;

static bool es_match(const u64 *view, const u64 *ref, const u64 *used,
		     const u64 *safe)
{
	unsigned int i;

	for (i = 0; i != ES_WORDS; i++)
		if ((view[i] ^ ref[i]) & used[i] & ~safe[i])
			return false;
	return true;
}

/* Record in the model TLB that the walker paired @view's tag and table. */
static void es_tlb_fill(struct es_writer *ew, const u64 *view)
{
	enum es_mode mode = FIELD_GET(ES_MODE, view[es_word_valid(ew->fmt)]);
	u16 tag, table;
	unsigned int i;

	if (!es_has_tag(ew->fmt, view) ||
	    (mode != ES_MODE_A && mode != ES_MODE_AB))
		return;
	tag = es_get(ew->fmt, view, ES_TAG);
	table = es_get(ew->fmt, view, ES_A);
	for (i = 0; i != ew->tlb_used; i++)
		if (ew->tlb[i].tag == tag)
			break;
	if (i == ew->tlb_used) {
		if (i == ARRAY_SIZE(ew->tlb))
			return;
		ew->tlb_used++;
		ew->tlb[i].tag = tag;
		ew->tlb[i].tables = 0;
	}
	ew->tlb[i].tables |= BIT(table % 16);
}

/*
 * Whether the model TLB broke isolation: a tag with another user cached a
 * table its domain does not own, or the entry carried a tag that is
 * neither entry's nor the temporary one.
 */
static bool es_tlb_broken(struct es_writer *ew)
{
	u16 old_tag = es_get(ew->fmt, ew->old, ES_TAG);
	u16 new_tag = es_get(ew->fmt, ew->target, ES_TAG);
	u16 old_table = BIT(es_get(ew->fmt, ew->old, ES_A) % 16);
	u16 new_table = BIT(es_get(ew->fmt, ew->target, ES_A) % 16);
	bool broken = false;
	unsigned int i;

	for (i = 0; i != ew->tlb_used; i++) {
		u16 tag = ew->tlb[i].tag, tables = ew->tlb[i].tables;

		if ((tag == old_tag && ew->shared_old && tables != old_table) ||
		    (tag == new_tag && ew->shared_new && tables != new_table) ||
		    (tag != old_tag && tag != new_tag &&
		     !(ew->tags && ew->tags->has_tmp && tag == ew->tags->tmp))) {
			kunit_info(ew->test, "tag %u cached tables %#x\n", tag,
				   tables);
			broken = true;
		}
	}
	return broken;
}

static void es_check_view(struct es_writer *ew, const u64 *view)
{
	u64 old_used[ES_WORDS], target_used[ES_WORDS];
	unsigned int i;

	ew->states++;
	if (!es_valid(ew->fmt, view)) {
		if (!es_valid(ew->fmt, ew->old) || !es_valid(ew->fmt, ew->target))
			return;
		/* Where a non-valid entry lets DMA through, none may be seen. */
		if (ew->fmt->blocking) {
			if (!ew->passthrough)
				kunit_err(ew->test, "walker could see a non-valid entry, which lets DMA through untranslated\n");
			ew->passthrough = true;
		}
		ew->disrupted = true;
		return;
	}
	es_tlb_fill(ew, view);
	/* Under a replace, the tag is the isolation model's to judge. */
	for (i = 0; i != ES_WORDS; i++) {
		old_used[i] = ew->old_used[i] & ~ew->tag_bits[i];
		target_used[i] = ew->target_used[i] & ~ew->tag_bits[i];
	}
	if (es_match(view, ew->old, old_used, ew->safe) ||
	    es_match(view, ew->target, target_used, ew->safe))
		return;
	/* The format's blocking value: DMA is refused, never torn. */
	if (es_blocked(ew->fmt, view)) {
		ew->disrupted = true;
		return;
	}
	if (!ew->torn)
		kunit_err(ew->test, "walker could see a torn entry: %016llx %016llx %016llx %016llx ...\n",
			  view[0], view[1], view[2], view[3]);
	ew->torn = true;
}

/* The quanta of the live entry that differ from what the last sync left. */
static unsigned long es_changed(struct es_writer *ew, u64 *now)
{
	unsigned int wpq = es_wpq(ew->fmt), n = ew->fmt->num_quanta;
	unsigned long changed = 0;
	unsigned int q, w;

	memset(now, 0, ES_WORDS * sizeof(*now));
	memcpy(now, ew->live, n * wpq * sizeof(u64));
	for (q = 0; q != n; q++)
		for (w = q * wpq; w != (q + 1) * wpq; w++)
			if (now[w] != ew->seen[w])
				changed |= BIT(q);
	return changed;
}

/*
 * Between two syncs the walker may observe any subset of the quanta stored
 * in that window, on top of what it observed at the previous sync.  Check
 * every such view that contains all of the quanta in @must.
 */
static void es_check_views(struct es_writer *ew, unsigned long must)
{
	unsigned int wpq = es_wpq(ew->fmt), n = ew->fmt->num_quanta;
	u64 now[ES_WORDS], view[ES_WORDS];
	unsigned long changed, subset;
	unsigned int q;

	changed = es_changed(ew, now);
	if ((changed & must) != must)
		return;
	/* Every subset of the changed quanta, the full set included. */
	subset = 0;
	do {
		subset = (subset - changed) & changed;
		if ((subset & must) != must)
			continue;
		memcpy(view, ew->seen, sizeof(view));
		for (q = 0; q != n; q++)
			if (subset & BIT(q))
				memcpy(&view[q * wpq], &now[q * wpq],
				       wpq * sizeof(u64));
		es_check_view(ew, view);
	} while (subset != changed);
}

static void es_store_error(struct es_writer *ew, const char *what,
			   unsigned long off, size_t size)
{
	if (!ew->bad_store)
		kunit_err(ew->test, "%s: %zu bytes at offset %lu, %u-bit quanta\n",
			  what, size, off, ew->fmt->width);
	ew->bad_store = true;
}

/*
 * Replaces entry_sync_stored(), which the library calls after each store.
 * A quantum stored twice in one window could expose an intermediate value
 * that no view at a sync shows, and a store narrower than a quantum a
 * half-written one: both are errors.  Each store adds the views that
 * contain its quantum.
 */
static void es_stored(const void *quantum, size_t size)
{
	struct es_writer *ew = es_cur;
	unsigned int qsize = ew->fmt->width / 8;
	unsigned long off = (const u8 *)quantum - (const u8 *)ew->live;
	unsigned int q = off / qsize;

	ew->stores++;
	if (size != qsize || off % qsize || q >= ew->fmt->num_quanta) {
		es_store_error(ew, "store of a partial quantum", off, size);
		q = min(q, ew->fmt->num_quanta - 1);
	} else if (ew->stored & BIT(q)) {
		es_store_error(ew, "quantum stored twice between two syncs",
			       off, size);
	}
	ew->stored |= BIT(q);
	es_check_views(ew, BIT(q));

	/*
	 * Another CPU breaks the writer's serialization: it flips a bit in
	 * every other quantum, bits the entry's modes ignore, and tells the
	 * walker so that the model's view follows memory.
	 */
	if (ew->clobber) {
		unsigned int i, wpq = es_wpq(ew->fmt);

		ew->clobber = false;
		for (i = 0; i != ew->fmt->num_quanta; i++) {
			if (i == q)
				continue;
			((u64 *)ew->live)[i * wpq] ^= BIT_ULL(5);
			ew->seen[i * wpq] ^= BIT_ULL(5);
		}
	}
}

static void es_sync(struct es_writer *ew)
{
	u64 now[ES_WORDS];
	unsigned long changed;

	ew->syncs++;
	changed = es_changed(ew, now);
	/* A store that did not go through the library's store helper. */
	if (changed & ~ew->stored) {
		es_store_error(ew, "quantum changed without a reported store",
			       __ffs(changed & ~ew->stored), 0);
		es_check_views(ew, 0);
	}
	memcpy(ew->seen, now, sizeof(now));
	ew->stored = 0;
}

static void es_sync64(struct entry_sync_writer64 *writer)
{
	es_sync(container_of(writer, struct es_writer, w64));
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

static void es_get_blocking64(const __le64 *target, __le64 *valid)
{
	*valid = cpu_to_le64(ES_V | ES_BLOCK);
}

static void es_get_safe64(const __le64 *cur, const __le64 *target,
			  __le64 *safe)
{
	u64 s[ES_WORDS] = {};
	unsigned int i, n = es_fmt->num_quanta;

	es_safe_reported(es_fmt, s);
	for (i = 0; i != n; i++)
		safe[i] = cpu_to_le64(s[i]);
}

static bool es_get_tag64(const __le64 *entry, u32 *tag, __le64 *bits)
{
	u64 e[ES_WORDS] = {}, b[ES_WORDS] = {};
	unsigned int i, n = es_fmt->num_quanta;

	for (i = 0; i != n; i++)
		e[i] = le64_to_cpu(entry[i]);
	if (!es_tag(es_fmt, e, tag, b))
		return false;
	for (i = 0; i != n; i++)
		bits[i] = cpu_to_le64(b[i]);
	return true;
}

static void es_set_tag64(__le64 *entry, const __le64 *other, u32 tag)
{
	u64 e[ES_WORDS] = {};
	unsigned int i, n = es_fmt->num_quanta;

	for (i = 0; i != n; i++)
		e[i] = le64_to_cpu(entry[i]);
	es_set(es_fmt, e, ES_TAG, tag);
	for (i = 0; i != n; i++)
		entry[i] = cpu_to_le64(e[i]);
}

#ifdef CONFIG_IOMMU_ENTRY_SYNC128
static bool es_get_tag128(const u128 *entry, u32 *tag, u128 *bits)
{
	u64 e[ES_WORDS] = {}, b[ES_WORDS] = {};

	memcpy(e, entry, es_fmt->num_quanta * sizeof(*entry));
	if (!es_tag(es_fmt, e, tag, b))
		return false;
	memcpy(bits, b, es_fmt->num_quanta * sizeof(*bits));
	return true;
}

static void es_set_tag128(u128 *entry, const u128 *other, u32 tag)
{
	u64 e[ES_WORDS] = {};

	memcpy(e, entry, es_fmt->num_quanta * sizeof(*entry));
	es_set(es_fmt, e, ES_TAG, tag);
	memcpy(entry, e, es_fmt->num_quanta * sizeof(*entry));
}

static void es_sync128(struct entry_sync_writer128 *writer)
{
	es_sync(container_of(writer, struct es_writer, w128));
}

static void es_get_used128(const u128 *entry, u128 *used)
{
	u64 e[ES_WORDS] = {}, u[ES_WORDS] = {};

	memcpy(e, entry, es_fmt->num_quanta * sizeof(*entry));
	es_used(es_fmt, e, u);
	memcpy(used, u, es_fmt->num_quanta * sizeof(*used));
}

static void es_get_blocking128(const u128 *target, u128 *valid)
{
	*valid = ES_V | ES_BLOCK;
}

static void es_get_safe128(const u128 *cur, const u128 *target, u128 *safe)
{
	u64 s[ES_WORDS] = {};

	es_safe_reported(es_fmt, s);
	memcpy(safe, s, es_fmt->num_quanta * sizeof(*safe));
}
#endif

/*
 * Update @live to @target, @fmt's entries laid out in 64-bit words, with
 * the writer of @fmt's width.  The format fields are set at run time here
 * (the sweep covers every format), so they bypass ENTRY_SYNC_FORMAT*().
 */
static enum entry_sync_result es_write(struct kunit *test,
				       const struct es_format *fmt,
				       struct es_writer *ew,
				       u64 *live, const u64 *target)
{
	es_fmt = fmt;
	es_cur = ew;
	ew->fmt = fmt;
	ew->live = live;
	if (fmt->width == 64) {
		ew->ops64 = (struct entry_sync_ops64){
			.num_quanta = fmt->num_quanta,
			.valid_quantum = fmt->valid,
			.get_used = es_get_used64,
			.get_update_safe = fmt->safe ? es_get_safe64 : NULL,
			.get_blocking = fmt->blocking ? es_get_blocking64 : NULL,
			.sync = es_sync64,
			.get_tag = es_get_tag64,
			.set_tag = es_set_tag64,
		};
		ew->w64.ops = &ew->ops64;
		ew->w64.defer_last_sync = ew->defer;
		if (ew->tags)
			return entry_sync_replace64(&ew->w64, (__le64 *)live,
						    (const __le64 *)target,
						    ew->tags, &ew->plan);
		return entry_sync_write64(&ew->w64, (__le64 *)live,
					  (const __le64 *)target);
	}
#ifdef CONFIG_IOMMU_ENTRY_SYNC128
	/* A CPU without it (a virtual CPU model can hide it) skips these. */
	if (!system_has_cmpxchg128())
		kunit_skip(test, "no 128-bit atomic store on this CPU");
	ew->ops128 = (struct entry_sync_ops128){
		.num_quanta = fmt->num_quanta,
		.valid_quantum = fmt->valid,
		.get_used = es_get_used128,
		.get_update_safe = fmt->safe ? es_get_safe128 : NULL,
		.get_blocking = fmt->blocking ? es_get_blocking128 : NULL,
		.sync = es_sync128,
		.get_tag = es_get_tag128,
		.set_tag = es_set_tag128,
	};
	ew->w128.ops = &ew->ops128;
	ew->w128.defer_last_sync = ew->defer;
	if (ew->tags)
		return entry_sync_replace128(&ew->w128, (u128 *)live,
					     (const u128 *)target, ew->tags,
					     &ew->plan);
	return entry_sync_write128(&ew->w128, (u128 *)live,
				   (const u128 *)target);
#else
	kunit_skip(test, "no 128-bit entry_sync on this architecture");
	return ENTRY_SYNC_INVALID;
#endif
}

/*
 * Set @ew up for an update from @from to @to.  What the walker has seen and
 * the counts are kept, for an update chained to the previous one.
 */
static void es_prepare(struct kunit *test, const struct es_format *fmt,
		       const struct es_cfg *from, const struct es_cfg *to,
		       struct es_writer *ew)
{
	ew->test = test;
	ew->fmt = fmt;
	es_make(fmt, from, ew->old);
	es_make(fmt, to, ew->target);
	memset(ew->old_used, 0, sizeof(ew->old_used));
	memset(ew->target_used, 0, sizeof(ew->target_used));
	memset(ew->safe, 0, sizeof(ew->safe));
	es_used(fmt, ew->old, ew->old_used);
	es_used(fmt, ew->target, ew->target_used);
	if (fmt->safe)
		es_safe(fmt, ew->old, ew->target, ew->safe);
}

/* Whether the writer left a sync to its caller. */
static bool es_pending(struct es_writer *ew)
{
#ifdef CONFIG_IOMMU_ENTRY_SYNC128
	if (ew->fmt->width == 128)
		return ew->w128.sync_pending;
#endif
	return ew->w64.sync_pending;
}

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
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);
	enum entry_sync_result ret;

	memset(ew, 0, sizeof(*ew));
	es_prepare(test, fmt, from, to, ew);
	memcpy(live, ew->old, sizeof(live));
	memcpy(target, ew->target, sizeof(target));
	memcpy(ew->seen, ew->old, sizeof(ew->seen));

	ret = es_write(test, fmt, ew, live, target);

	/* Every store is followed by a sync, and the result is the target. */
	KUNIT_EXPECT_MEMEQ_MSG(test, ew->seen, live, sizeof(live),
			       "a store was not followed by a sync");
	KUNIT_EXPECT_MEMEQ_MSG(test, live, ew->target, sizeof(live),
			       "the entry did not end as the target");
	KUNIT_EXPECT_FALSE_MSG(test, ew->torn,
			       "the walker could observe a torn entry");
	KUNIT_EXPECT_FALSE_MSG(test, ew->bad_store,
			       "a store broke the one-store-per-quantum rule");
	KUNIT_EXPECT_FALSE_MSG(test, ew->passthrough,
			       "the walker could see DMA pass untranslated");
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
	/* Each sync follows at least one store that the stub saw. */
	KUNIT_EXPECT_GE(test, ew.stores, ew.syncs);
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
static const struct es_cfg es_a1_tag2 = {
	.valid = true, .mode = ES_MODE_A, .tag = 2, .hint = 1, .a = 1 };
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

static void es_test_field_across_halves(struct kunit *test)
{
	const struct es_format *fmt;

	/*
	 * With 128-bit quanta TAG spans bits 71:56 of the valid quantum: one
	 * store switches it, two 64-bit stores would expose half of it.
	 */
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		es_expect(test, fmt, &es_a1, &es_a1_tag2, ENTRY_SYNC_HITLESS, 1);
		es_expect(test, fmt, &es_a1_tag2, &es_a1, ENTRY_SYNC_HITLESS, 1);
	}
}

static void es_test_safe_bits_one_entry(struct kunit *test)
{
	const struct es_format *fmt;

	/*
	 * get_update_safe() reports the hints even when only one entry uses
	 * them.  Mode A uses them and mode B does not: AHINT, outside the
	 * critical quantum, must keep its old value until MODE switches, or
	 * the walker sees mode A with the wrong AHINT.  (A -> B is in
	 * es_test_mode_change_hitless.)
	 */
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++)
		es_expect(test, fmt, &es_ab11, &es_b1, ENTRY_SYNC_HITLESS, 2);
}

/* Fill an entry with a pattern that no format of the test produces. */
/*
 * Replace @from with @to through entry_sync_replace*() with @tags, the old
 * and the new tag shared with another device as @shared_old and
 * @shared_new say, and check the walker's views as es_run() does, the tag
 * left to the isolation model.  Returns whether the model TLB broke
 * isolation.
 */
static bool es_replace(struct kunit *test, const struct es_format *fmt,
		       const struct es_cfg *from, const struct es_cfg *to,
		       const struct entry_sync_tags *tags, bool shared_old,
		       bool shared_new, struct es_writer *ew)
{
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);

	memset(ew, 0, sizeof(*ew));
	es_prepare(test, fmt, from, to, ew);
	ew->tags = tags;
	ew->shared_old = shared_old;
	ew->shared_new = shared_new;
	es_put(fmt, ew->tag_bits, ES_TAG, 0xffff);
	/* The IOMMU cached translations of the old entry before the update. */
	es_tlb_fill(ew, ew->old);
	memcpy(live, ew->old, sizeof(live));
	memcpy(target, ew->target, sizeof(target));
	memcpy(ew->seen, ew->old, sizeof(ew->seen));

	ew->result = es_write(test, fmt, ew, live, target);

	KUNIT_EXPECT_MEMEQ_MSG(test, ew->seen, live, sizeof(live),
			       "a store was not followed by a sync");
	KUNIT_EXPECT_MEMEQ_MSG(test, live, ew->target, sizeof(live),
			       "the entry did not end as the target");
	KUNIT_EXPECT_FALSE_MSG(test, ew->torn,
			       "the walker could observe a torn entry");
	KUNIT_EXPECT_FALSE_MSG(test, ew->bad_store,
			       "a store broke the one-store-per-quantum rule");
	if (from->valid && to->valid)
		KUNIT_EXPECT_EQ(test, ew->disrupted,
				ew->result == ENTRY_SYNC_DISRUPTIVE);
	return es_tlb_broken(ew);
}

static const struct entry_sync_tags es_tmp_tag = { .tmp = 7, .has_tmp = true };
static const struct entry_sync_tags es_no_tag = {};
static const struct entry_sync_tags es_private_tags = { .private = true };

/*
 * A tag in the valid quantum and the table (A) in another: through a
 * temporary tag, (tag 1, A 1) -> (tag 7, A 1) -> (tag 7, A 2) ->
 * (tag 2, A 2), each step hitless and one sync, and neither shared tag is
 * ever paired with the other domain's table.
 */
static void es_test_replace_via_tag(struct kunit *test)
{
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	const struct es_format *fmt;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		KUNIT_EXPECT_FALSE(test, es_replace(test, fmt, &es_a1,
						    &es_a2_tag2, &es_tmp_tag,
						    true, true, ew));
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_VIA_TAG);
		KUNIT_EXPECT_EQ(test, ew->result, ENTRY_SYNC_HITLESS);
		KUNIT_EXPECT_EQ(test, ew->syncs, 3);
		/* The entry carried the temporary tag with both tables. */
		KUNIT_EXPECT_EQ(test, ew->tlb_used, 3);
	}
}

/* Without a temporary tag the same replace is disruptive, and says why. */
static void es_test_replace_no_tag(struct kunit *test)
{
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	const struct es_format *fmt;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		KUNIT_EXPECT_FALSE(test, es_replace(test, fmt, &es_a1,
						    &es_a2_tag2, &es_no_tag,
						    true, true, ew));
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_NO_TAG);
		KUNIT_EXPECT_EQ(test, ew->result, ENTRY_SYNC_DISRUPTIVE);
		KUNIT_EXPECT_EQ(test, ew->syncs, 3);
		/* A NULL @tags is the same. */
		es_replace(test, fmt, &es_a1, &es_a2_tag2, NULL, true, true,
			   ew);
		KUNIT_EXPECT_EQ(test, ew->result, ENTRY_SYNC_DISRUPTIVE);
	}
}

/*
 * The model catches what the plan avoids: the table first, under the old
 * tag, then the tag, pairs a tag that another device uses with a table
 * its domain does not own.  Each step is hitless for the walker model;
 * only the isolation model sees the fault.
 */
static void es_test_replace_pointer_first(struct kunit *test)
{
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	struct es_writer *step = kunit_kzalloc(test, sizeof(*step), GFP_KERNEL);
	const struct es_format *fmt;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	KUNIT_ASSERT_NOT_NULL(test, step);
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		/* (tag 1, A 2) and (tag 2, A 2), through the old tag. */
		KUNIT_EXPECT_EQ(test, es_run(test, fmt, &es_a1, &es_a2, step),
				ENTRY_SYNC_HITLESS);
		memset(ew, 0, sizeof(*ew));
		es_prepare(test, fmt, &es_a1, &es_a2_tag2, ew);
		ew->shared_old = true;
		es_tlb_fill(ew, step->old);
		es_tlb_fill(ew, step->target);
		KUNIT_EXPECT_TRUE(test, es_tlb_broken(ew));
	}
}

/*
 * Neither tag has another user: the tag switches with the table in one
 * window, one sync, and the model TLB may pair both tags with both tables.
 * Let a second device join either tag and the model must object: the
 * plan is only correct for private tags.
 */
static void es_test_replace_private(struct kunit *test)
{
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	const struct es_format *fmt;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		KUNIT_EXPECT_FALSE(test, es_replace(test, fmt, &es_a1,
						    &es_a2_tag2,
						    &es_private_tags, false,
						    false, ew));
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_PRIVATE);
		KUNIT_EXPECT_EQ(test, ew->result, ENTRY_SYNC_HITLESS);
		KUNIT_EXPECT_EQ(test, ew->syncs, 1);
		KUNIT_EXPECT_TRUE(test, es_replace(test, fmt, &es_a1,
						   &es_a2_tag2,
						   &es_private_tags, true,
						   false, ew));
		KUNIT_EXPECT_TRUE(test, es_replace(test, fmt, &es_a1,
						   &es_a2_tag2,
						   &es_private_tags, false,
						   true, ew));
		/* A tag change alone needs no plan: one quantum. */
		es_replace(test, fmt, &es_a1, &es_a1_tag2, &es_private_tags,
			   false, false, ew);
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_DIRECT);
		KUNIT_EXPECT_EQ(test, ew->syncs, 1);
	}
}

/*
 * Where a step through a tag would itself change two quanta (A and B,
 * outside the valid quantum), no tag helps: one disruptive update.  An
 * update that needs no tag is made as entry_sync_write*() makes it.
 */
static void es_test_replace_direct(struct kunit *test)
{
	static const struct es_cfg ab22_tag2 = {
		.valid = true, .mode = ES_MODE_AB, .tag = 2, .hint = 1,
		.a = 2, .b = 2 };
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	struct es_writer *one = kunit_kzalloc(test, sizeof(*one), GFP_KERNEL);
	const struct es_format *fmt;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	KUNIT_ASSERT_NOT_NULL(test, one);
	for (fmt = es_formats; fmt != ES_FORMATS_END; fmt++) {
		es_replace(test, fmt, &es_ab11, &ab22_tag2, &es_tmp_tag, false,
			   false, ew);
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_NO_ORDER);
		KUNIT_EXPECT_EQ(test, ew->result, ENTRY_SYNC_DISRUPTIVE);

		es_replace(test, fmt, &es_a1, &es_b1, &es_tmp_tag, true, true,
			   ew);
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_DIRECT);
		KUNIT_EXPECT_EQ(test, es_run(test, fmt, &es_a1, &es_b1, one),
				ew->result);
		KUNIT_EXPECT_EQ(test, ew->syncs, one->syncs);

		es_replace(test, fmt, &es_none, &es_a2_tag2, &es_tmp_tag,
			   true, true, ew);
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_DIRECT);
		es_replace(test, fmt, &es_bypass, &es_a2_tag2,
			   &es_private_tags, true, true, ew);
		KUNIT_EXPECT_EQ(test, ew->plan, ENTRY_SYNC_PLAN_DIRECT);
	}
}

/*
 * entry_sync_plan*() tells a driver the steps: three for a temporary tag,
 * the last two the same when the temporary tag is the target's own.
 */
static void es_test_plan_steps(struct kunit *test)
{
	static const struct entry_sync_tags own = { .tmp = 2, .has_tmp = true };
	static const struct es_format fmt = Q64(8, 0);
	u64 cur[ES_WORDS], target[ES_WORDS], want[ES_WORDS];
	u64 steps[ENTRY_SYNC_MAX_STEPS * ES_WORDS];
	struct entry_sync_ops64 ops = {
		.num_quanta = fmt.num_quanta,
		.valid_quantum = fmt.valid,
		.get_used = es_get_used64,
		.sync = es_sync64,
		.get_tag = es_get_tag64,
		.set_tag = es_set_tag64,
	};

	es_fmt = &fmt;
	es_make(&fmt, &es_a1, cur);
	es_make(&fmt, &es_a2_tag2, target);
	KUNIT_ASSERT_EQ(test, entry_sync_plan64(&ops, (__le64 *)cur,
						(__le64 *)target, &es_tmp_tag,
						(__le64 *)steps),
			ENTRY_SYNC_PLAN_VIA_TAG);
	memcpy(want, cur, sizeof(want));
	es_set(&fmt, want, ES_TAG, 7);
	KUNIT_EXPECT_MEMEQ(test, &steps[0], want, 8 * sizeof(u64));
	memcpy(want, target, sizeof(want));
	es_set(&fmt, want, ES_TAG, 7);
	KUNIT_EXPECT_MEMEQ(test, &steps[8], want, 8 * sizeof(u64));
	KUNIT_EXPECT_MEMEQ(test, &steps[16], target, 8 * sizeof(u64));

	KUNIT_ASSERT_EQ(test, entry_sync_plan64(&ops, (__le64 *)cur,
						(__le64 *)target, &own,
						(__le64 *)steps),
			ENTRY_SYNC_PLAN_VIA_TAG);
	KUNIT_EXPECT_MEMEQ(test, &steps[8], target, 8 * sizeof(u64));

	KUNIT_EXPECT_EQ(test, entry_sync_plan64(&ops, (__le64 *)cur,
						(__le64 *)target, &es_no_tag,
						(__le64 *)steps),
			ENTRY_SYNC_PLAN_NO_TAG);
	KUNIT_EXPECT_MEMEQ(test, &steps[0], target, 8 * sizeof(u64));
}

/*
 * Another CPU stores to the entry during an update, which the caller
 * promised could not happen.  The 128-bit writer finds the quantum it is
 * about to store changed, warns, and stops: it reports the update invalid
 * and stores nothing after that.
 */
static void es_test_store_finds_entry_changed(struct kunit *test)
{
	static const struct es_format fmt = Q128(4, 0);
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);

	if (!IS_ENABLED(CONFIG_IOMMU_ENTRY_SYNC128))
		kunit_skip(test, "no 128-bit entry_sync on this architecture");
	KUNIT_ASSERT_NOT_NULL(test, ew);
	/* Fill A and B first (one store), then V (a second). */
	es_prepare(test, &fmt, &es_none, &es_ab11, ew);
	memcpy(live, ew->old, sizeof(live));
	memcpy(target, ew->target, sizeof(target));
	memcpy(ew->seen, ew->old, sizeof(ew->seen));
	ew->clobber = true;
	kunit_warning_suppress(test) {
		KUNIT_EXPECT_EQ(test, es_write(test, &fmt, ew, live, target),
				ENTRY_SYNC_INVALID);
	}
	KUNIT_EXPECT_EQ(test, ew->stores, 1);
	KUNIT_EXPECT_FALSE(test, es_valid(&fmt, live));
}

static void es_fill(u64 *words, u64 pattern)
{
	unsigned int i;

	for (i = 0; i != ES_WORDS; i++)
		words[i] = pattern + i;
}

static void es_test_invalid_format(struct kunit *test)
{
	static const struct es_format bad[] = {
		{ .width = 64, .num_quanta = 0 },
		{ .width = 64, .num_quanta = 9 },
		{ .width = 64, .num_quanta = 4, .valid = 4 },
		{ .width = 128, .num_quanta = 5 },
		{ .width = 128, .num_quanta = 2, .valid = 2 },
	};
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	u64 before[ES_WORDS];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ew);
	kunit_warning_suppress(test) {
		for (i = 0; i != ARRAY_SIZE(bad); i++) {
			if (bad[i].width == 128 &&
			    !IS_ENABLED(CONFIG_IOMMU_ENTRY_SYNC128))
				continue;
			memset(ew, 0, sizeof(*ew));
			ew->test = test;
			es_fill(live, 0x1111111111111111ULL);
			es_fill(target, 0x2222222222222222ULL);
			memcpy(before, live, sizeof(before));
			KUNIT_EXPECT_EQ_MSG(test,
					    es_write(test, &bad[i], ew, live, target),
					    ENTRY_SYNC_INVALID, "format %u", i);
			KUNIT_EXPECT_MEMEQ_MSG(test, live, before, sizeof(live),
					       "format %u wrote the entry", i);
			KUNIT_EXPECT_EQ(test, ew->stores, 0);
			KUNIT_EXPECT_EQ(test, ew->syncs, 0);
		}
		/* WARN_ON_ONCE(): this suite is its only trigger in a boot. */
		KUNIT_EXPECT_GE(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1);
	}
}

static void es_test_target_sets_unused_bits(struct kunit *test)
{
	static const struct es_format fmt = Q64(8, 0);
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ew);
	/* A bypass entry with a value in field A, which bypass ignores. */
	es_make(&fmt, &es_a1, live);
	es_make(&fmt, &es_bypass, target);
	es_put(&fmt, target, ES_A, 5);
	memcpy(ew->seen, live, sizeof(live));
	memcpy(ew->old, live, sizeof(live));
	memcpy(ew->target, target, sizeof(target));
	es_used(&fmt, ew->old, ew->old_used);
	es_used(&fmt, ew->target, ew->target_used);
	ew->test = test;
	kunit_warning_suppress(test) {
		es_write(test, &fmt, ew, live, target);
		KUNIT_EXPECT_GE(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1);
	}
	/* The warning does not stop the update. */
	KUNIT_EXPECT_MEMEQ(test, live, target, sizeof(live));
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
	static const u64 vfields[] = { ES_V, ES_MODE, ES_HINT, ES_BLOCK };
	u64 old_used[ES_WORDS] = {}, new_used[ES_WORDS] = {};
	u64 old[ES_WORDS], new[ES_WORDS], diff[ES_WORDS];
	unsigned int w, f, q, shift;
	unsigned long quanta = 0;

	es_make(fmt, from, old);
	es_make(fmt, to, new);
	es_used(fmt, old, old_used);
	es_used(fmt, new, new_used);
	/* The bits that both entries use and that change. */
	for (w = 0; w != ES_WORDS; w++)
		diff[w] = old_used[w] & new_used[w] & (old[w] ^ new[w]);

	w = es_word_valid(fmt);
	for (f = 0; f != ARRAY_SIZE(vfields); f++) {
		if (fmt->safe && vfields[f] == ES_HINT)
			continue;
		if (diff[w] & vfields[f])
			quanta |= BIT(fmt->valid);
	}
	if (!fmt->safe && (diff[es_word_ahint(fmt)] & ES_AHINT))
		quanta |= BIT((fmt->valid + 1) % fmt->num_quanta);
	for (f = ES_TAG; f <= ES_B; f++) {
		u64 mask[ES_WORDS] = {};

		es_put(fmt, mask, f, 0xffff);
		es_field_pos(fmt, f, &q, &shift);
		for (w = 0; w != ES_WORDS; w++)
			if (diff[w] & mask[w])
				quanta |= BIT(q);
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
			KUNIT_ASSERT_FALSE(test, ew->bad_store);
			KUNIT_ASSERT_FALSE(test, ew->passthrough);
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
	struct es_format fmt = {};

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

static const struct es_cfg es_blocked_cfg = { .valid = true, .blocked = true };

/*
 * In a format where a non-valid entry lets DMA through untranslated (AMD's
 * device table entry with V=0), every pair of entries of the sweep and the
 * blocking entry: a disruptive update goes through the blocking value, so
 * no view between two valid entries is ever non-valid, and the blocking
 * entry to and from a translating one is hitless.
 */
static void es_test_blocking_value(struct kunit *test)
{
	struct es_cfg *cfgs = kunit_kcalloc(test, 33, sizeof(*cfgs), GFP_KERNEL);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	unsigned int f, n;

	KUNIT_ASSERT_NOT_NULL(test, cfgs);
	KUNIT_ASSERT_NOT_NULL(test, ew);
	n = es_all_cfgs(cfgs);
	cfgs[n++] = es_blocked_cfg;

	for (f = 0; f != ARRAY_SIZE(es_formats); f++) {
		struct es_format fmt = es_formats[f];

		fmt.blocking = true;
		es_sweep_format(test, &fmt, cfgs, n, ew);
		/* Block, fill A, store the valid quantum. */
		es_expect(test, &fmt, &es_a1, &es_a2_tag2,
			  ENTRY_SYNC_DISRUPTIVE, 3);
		/* Fill A and B early, switch the valid quantum. */
		es_expect(test, &fmt, &es_blocked_cfg, &es_ab11,
			  ENTRY_SYNC_HITLESS, 2);
		/* Switch the valid quantum, clear A and B. */
		es_expect(test, &fmt, &es_ab11, &es_blocked_cfg,
			  ENTRY_SYNC_HITLESS, 2);
	}
}

/*
 * A caller that makes the last sync itself (defer_last_sync) gets every
 * sync but the last of each update from the writer, and sync_pending set
 * exactly when one is owed.  Updates chained on one writer, through every
 * entry of the sweep and back to the first, make the owed sync before
 * their first store: the walker model checks every view of every update,
 * and the syncs add up to those of the same updates made one by one.
 */
static void es_test_defer_last_sync(struct kunit *test)
{
	struct es_cfg *cfgs = kunit_kcalloc(test, 32, sizeof(*cfgs), GFP_KERNEL);
	struct es_writer *ew = kunit_kzalloc(test, sizeof(*ew), GFP_KERNEL);
	struct es_writer *one = kunit_kzalloc(test, sizeof(*one), GFP_KERNEL);
	u64 live[ES_WORDS] __aligned(16), target[ES_WORDS] __aligned(16);
	unsigned int f, i, n, plain;

	KUNIT_ASSERT_NOT_NULL(test, cfgs);
	KUNIT_ASSERT_NOT_NULL(test, ew);
	KUNIT_ASSERT_NOT_NULL(test, one);
	n = es_all_cfgs(cfgs);

	for (f = 0; f != ARRAY_SIZE(es_formats); f++) {
		const struct es_format *fmt = &es_formats[f];

		memset(ew, 0, sizeof(*ew));
		ew->defer = true;
		es_prepare(test, fmt, &cfgs[0], &cfgs[0], ew);
		memcpy(live, ew->old, sizeof(live));
		memcpy(ew->seen, ew->old, sizeof(ew->seen));
		plain = 0;
		for (i = 0; i != n; i++) {
			const struct es_cfg *from = &cfgs[i];
			const struct es_cfg *to = &cfgs[(i + 1) % n];
			bool owed = es_pending(ew);
			unsigned int before = ew->syncs;

			es_run(test, fmt, from, to, one);
			plain += one->syncs;

			es_prepare(test, fmt, from, to, ew);
			memcpy(target, ew->target, sizeof(target));
			es_write(test, fmt, ew, live, target);
			KUNIT_ASSERT_MEMEQ(test, live, target, sizeof(live));
			/* The owed sync, then all but the last of this one. */
			KUNIT_ASSERT_EQ_MSG(test, ew->syncs - before,
					    owed && one->syncs ? one->syncs :
					    one->syncs ? one->syncs - 1 : 0,
					    "%u-bit quanta, valid %u, step %u",
					    fmt->width, fmt->valid, i);
			KUNIT_ASSERT_EQ(test, es_pending(ew),
					owed || one->syncs);
			KUNIT_ASSERT_FALSE_MSG(test, ew->torn || ew->bad_store,
					       "%u-bit quanta, valid %u, step %u",
					       fmt->width, fmt->valid, i);
		}
		/* The caller's sync. */
		if (es_pending(ew))
			es_sync(ew);
		KUNIT_EXPECT_EQ(test, ew->syncs, plain);
		KUNIT_EXPECT_MEMEQ(test, ew->seen, live, sizeof(live));
	}
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
	KUNIT_CASE(es_test_field_across_halves),
	KUNIT_CASE(es_test_safe_bits_one_entry),
	KUNIT_CASE(es_test_invalid_format),
	KUNIT_CASE(es_test_target_sets_unused_bits),
	KUNIT_CASE(es_test_exhaustive),
	KUNIT_CASE(es_test_defer_last_sync),
	KUNIT_CASE(es_test_blocking_value),
	KUNIT_CASE(es_test_replace_via_tag),
	KUNIT_CASE(es_test_replace_no_tag),
	KUNIT_CASE(es_test_replace_pointer_first),
	KUNIT_CASE(es_test_replace_private),
	KUNIT_CASE(es_test_replace_direct),
	KUNIT_CASE(es_test_plan_steps),
	KUNIT_CASE(es_test_store_finds_entry_changed),
	{}
};

/* Every case checks each store through the library's store hook. */
static int es_test_init(struct kunit *test)
{
	kunit_activate_static_stub(test, entry_sync_stored, es_stored);
	return 0;
}

static struct kunit_suite entry_sync_test_suite = {
	.name = "iommu-entry-sync",
	.init = es_test_init,
	.test_cases = entry_sync_test_cases,
};

kunit_test_suite(entry_sync_test_suite);

MODULE_IMPORT_NS("IOMMU_ENTRY_SYNC");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for the IOMMU entry_sync library");
MODULE_LICENSE("GPL");
