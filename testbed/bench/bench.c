// SPDX-License-Identifier: GPL-2.0
/*
 * entry_sync_write64() against 7.3's arm_smmu_write_entry(), on entries of
 * a synthetic format (V, a mode field, fields in three other quanta, safe
 * fields in quanta 0 and 1, 8 x 64-bit quanta with V in quantum 0 as
 * SMMUv3 has it).  Built
 * by bench.sh from the base tree's arm-smmu-v3.c (smmu_writer.inc) and the
 * series' entry_sync.h and entry_sync_template.h.
 *
 * Two parts:
 *  - differential: every pair of a set of entries, then random pairs, run
 *    through both writers while recording every store (quantum, value) and
 *    every sync; the two sequences must be identical.
 *  - cost: ns per update over every pair of the set, best of several runs.
 */
#include "shim.h"
#include <math.h>
#include <time.h>

#include "entry_sync.h"

#define NQ 8

/* ---- recording of stores and syncs, shared by both writers ---- */
#define REC_MAX 64
struct rec {
	unsigned int n;
	struct { int q; u64 val; } ev[REC_MAX];	/* q == -1: a sync */
};
static struct rec *rec;
static const __le64 *rec_base;
static unsigned long syncs;

static void record(int q, u64 val)
{
	if (rec && rec->n < REC_MAX) {
		rec->ev[rec->n].q = q;
		rec->ev[rec->n].val = val;
	}
	if (rec)
		rec->n++;
}

static inline void store64(__le64 *p, __le64 v)
{
	*(volatile __le64 *)p = v;
	if (unlikely(rec))
		record(p - rec_base, v);
}

/* The SMMUv3 writer's WRITE_ONCE(entry[i], target[i]) lands here too. */
#undef WRITE_ONCE
#define WRITE_ONCE(x, v)	store64(&(x), (v))

/* ---- the series: entry_sync, 64-bit instance ---- */
static inline void entry_sync_store64(__le64 val, __le64 *quantum)
{
	WRITE_ONCE(*quantum, val);
}
#define ES_QUANTUM	__le64
#define ES_WRITER	entry_sync_writer64
#define ES_NS(name)	name##64
#define ES_STORE	entry_sync_store64
#define ES_USABLE()	true
#include "entry_sync_template.h"

/* ---- the base: SMMUv3's writer, text taken unmodified from 7.3 ---- */
#define NUM_ENTRY_QWORDS NQ
struct arm_smmu_master;
#include "smmu_types.inc"
#include "smmu_writer.inc"

/* ---- the synthetic format ---- */
#define V	BIT(0)
#define MODE	GENMASK(2, 1)
#define HINT	GENMASK(11, 8)
#define TAG	GENMASK(31, 16)
#define FA	GENMASK(47, 32)	/* quantum 1 */
#define HA	GENMASK(3, 0)	/* quantum 1, safe, used with FA */
#define FB	GENMASK(63, 48)	/* quantum 2 */
#define FC	GENMASK(31, 0)	/* quantum 5 */

static void get_used(const __le64 *e, __le64 *u)
{
	unsigned int mode = (e[0] & MODE) >> 1;

	u[0] = V;
	if (!(e[0] & V))
		return;
	u[0] |= MODE;
	if (mode == 0)
		return;
	u[0] |= TAG | HINT;
	if (mode & 1)
		u[1] |= FA | HA;
	if (mode & 2)
		u[2] |= FB;
	u[5] |= FC;
}

/* Like SMMUv3's: reported whatever the modes of the two entries. */
static void get_safe(const __le64 *cur, const __le64 *target, __le64 *safe)
{
	safe[0] = HINT;
	safe[1] = HA;
}

static void sync_new(struct entry_sync_writer64 *w)
{
	syncs++;
	record(-1, 0);
}

static void sync_old(struct arm_smmu_entry_writer *w)
{
	syncs++;
	record(-1, 0);
}

static const struct entry_sync_ops64 new_ops = {
	ENTRY_SYNC_FORMAT64(NQ, 0),
	.get_used = get_used, .get_update_safe = get_safe, .sync = sync_new,
};
static const struct arm_smmu_entry_writer_ops old_ops = {
	.get_used = get_used, .get_update_safe = get_safe, .sync = sync_old,
};

#define NCFG (1 + 1 + 3 * 16)
static __le64 cfgs[NCFG][NQ];

/* An entry of the format from a mode (0 = non-valid) and field values. */
static void make(__le64 *e, unsigned int mode, u64 tag, u64 hint, u64 a,
		 u64 b, u64 c)
{
	memset(e, 0, NQ * sizeof(*e));
	if (!mode--)
		return;
	e[0] = V | (u64)mode << 1;
	if (!mode)
		return;
	e[0] |= (tag << 16 & TAG) | (hint << 8 & HINT);
	if (mode & 1)
		e[1] = (a << 32 & FA) | (hint & HA);
	if (mode & 2)
		e[2] = b << 48 & FB;
	e[5] = c & FC;
}

static void make_cfgs(void)
{
	unsigned int n = 1, mode, bits;	/* cfgs[0]: non-valid */

	make(cfgs[n++], 1, 0, 0, 0, 0, 0);
	for (mode = 2; mode <= 4; mode++)
		for (bits = 0; bits != 16; bits++, n++)
			make(cfgs[n], mode, 1 + (bits & 1), 1 + !!(bits & 2),
			     1 + !!(bits & 4), 1 + !!(bits & 4),
			     1 + !!(bits & 8));
}

static void write_new(__le64 *live, const __le64 *target)
{
	struct entry_sync_writer64 w = { .ops = &new_ops };

	entry_sync_write64(&w, live, target);
}

static void write_old(__le64 *live, const __le64 *target)
{
	struct arm_smmu_entry_writer w = { .ops = &old_ops };

	arm_smmu_write_entry(&w, live, target);
}

/* Both writers on one transition: 0 if the store and sync sequences match. */
static int differ(const __le64 *from, const __le64 *to, unsigned long *events)
{
	static struct rec r_old, r_new;
	__le64 live[NQ] __attribute__((aligned(64)));

	memset(&r_old, 0, sizeof(r_old));
	memset(&r_new, 0, sizeof(r_new));
	rec_base = live;
	memcpy(live, from, sizeof(live));
	rec = &r_old;
	write_old(live, to);
	if (memcmp(live, to, sizeof(live)))
		return 1;
	memcpy(live, from, sizeof(live));
	rec = &r_new;
	write_new(live, to);
	rec = NULL;
	if (memcmp(live, to, sizeof(live)))
		return 1;
	*events += r_old.n;
	return r_old.n != r_new.n || r_old.n > REC_MAX ||
	       memcmp(r_old.ev, r_new.ev, r_old.n * sizeof(r_old.ev[0]));
}

/* xorshift64: the same vectors on every run. */
static u64 rnd_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A random entry, its fields drawn from few values so that pairs share some. */
static void random_entry(__le64 *e)
{
	u64 r = rnd();

	make(e, r % 5, (r >> 4) % 3, (r >> 8) % 3, (r >> 12) % 3,
	     (r >> 16) % 3, (r >> 20) % 3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ns per transition over every pair of cfgs; *nsyncs the syncs of a pass. */
static double run(bool lib, unsigned int rounds, unsigned long *nsyncs)
{
	__le64 live[NQ] __attribute__((aligned(64)));
	unsigned int r, i, j;
	double t0, best = 1e9;

	for (r = 0; r != rounds; r++) {
		syncs = 0;
		t0 = now();
		for (i = 0; i != NCFG; i++) {
			for (j = 0; j != NCFG; j++) {
				memcpy(live, cfgs[i], sizeof(live));
				if (lib)
					write_new(live, cfgs[j]);
				else
					write_old(live, cfgs[j]);
			}
		}
		t0 = (now() - t0) * 1e9 / (NCFG * NCFG);
		if (t0 < best)
			best = t0;
		*nsyncs = syncs;
	}
	return best;
}

int main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	unsigned long nrandom = argc > 2 ? strtoul(argv[2], NULL, 0) : 400000;
	unsigned long k, pairs = 0, events = 0, diffs = 0, s_old, s_new;
	__le64 a[NQ], b[NQ];
	unsigned int i, j;
	double t_old, t_new;

	make_cfgs();
	for (i = 0; i != NCFG; i++)
		for (j = 0; j != NCFG; j++, pairs++)
			diffs += differ(cfgs[i], cfgs[j], &events);
	for (k = 0; k != nrandom; k++, pairs++) {
		random_entry(a);
		random_entry(b);
		diffs += differ(a, b, &events);
	}
	printf("differential           %lu transitions (%u x %u set, %lu random), %lu stores+syncs\n",
	       pairs, NCFG, NCFG, nrandom, events);
	printf("differing sequences    %lu\n", diffs);
	if (!rounds)		/* the differential alone, for make check */
		return diffs ? 1 : 0;

	/* Interleave to share the machine's noise. */
	t_old = run(false, rounds, &s_old);
	t_new = run(true, rounds, &s_new);
	t_old = fmin(t_old, run(false, rounds, &s_old));
	t_new = fmin(t_new, run(true, rounds, &s_new));
	printf("%-26s %9s %8s\n", "writer", "ns/update", "syncs");
	printf("%-26s %9.1f %8lu\n", "7.3 arm_smmu_write_entry", t_old, s_old);
	printf("%-26s %9.1f %8lu\n", "entry_sync_write64", t_new, s_new);
	printf("cost ratio                 %.3f (goal <= 1.05)\n", t_new / t_old);
	return (diffs || s_new != s_old || t_new / t_old > 1.05) ? 1 : 0;
}
