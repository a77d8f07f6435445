// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of entry_sync_write64() against 7.3's arm_smmu_write_entry() on the
 * same transition vectors: every pair of a set of 8 x 64-bit entries in a
 * synthetic format (V, a mode field, fields in three other quanta, a safe
 * field), with V in quantum 0 as SMMUv3 has it.  Built by bench.sh from
 * the base tree's arm-smmu-v3.c (smmu_writer.inc) and the series'
 * entry_sync_template.h.
 */
#include "shim.h"
#include <math.h>
#include <time.h>

#define ENTRY_SYNC_MAX_BYTES 64
#define NQ 8

/* ---- the series: entry_sync, 64-bit instance ---- */
enum entry_sync_result { ENTRY_SYNC_UNCHANGED, ENTRY_SYNC_HITLESS,
			 ENTRY_SYNC_DISRUPTIVE, ENTRY_SYNC_INVALID };
struct entry_sync_writer64;
struct entry_sync_ops64 {
	void (*get_used)(const __le64 *entry, __le64 *used);
	void (*get_update_safe)(const __le64 *cur, const __le64 *target, __le64 *safe);
	void (*sync)(struct entry_sync_writer64 *writer);
};
struct entry_sync_writer64 {
	const struct entry_sync_ops64 *ops;
	unsigned int num_quanta;
	unsigned int valid_quantum;
};
static inline void entry_sync_store64(__le64 val, __le64 *quantum)
{
	WRITE_ONCE(*quantum, val);
}
#define ES_QUANTUM	__le64
#define ES_WRITER	entry_sync_writer64
#define ES_NS(name)	name##64
#define ES_STORE	entry_sync_store64
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
		u[1] |= FA;
	if (mode & 2)
		u[2] |= FB;
	u[5] |= FC;
}

static void get_safe(const __le64 *cur, const __le64 *target, __le64 *safe)
{
	safe[0] = HINT;
}

static unsigned long syncs;
static void sync_new(struct entry_sync_writer64 *w) { syncs++; }
static void sync_old(struct arm_smmu_entry_writer *w) { syncs++; }

static const struct entry_sync_ops64 new_ops = {
	.get_used = get_used, .get_update_safe = get_safe, .sync = sync_new,
};
static const struct arm_smmu_entry_writer_ops old_ops = {
	.get_used = get_used, .get_update_safe = get_safe, .sync = sync_old,
};

#define NCFG (1 + 1 + 3 * 16)
static __le64 cfgs[NCFG][NQ];

static void make_cfgs(void)
{
	unsigned int n = 1, mode, bits;	/* cfgs[0]: non-valid */

	cfgs[n++][0] = V;		/* mode 0: V and MODE only */
	for (mode = 1; mode <= 3; mode++) {
		for (bits = 0; bits != 16; bits++, n++) {
			__le64 *e = cfgs[n];

			e[0] = V | (u64)mode << 1 | (u64)(1 + (bits & 1)) << 16 |
			       (u64)(1 + !!(bits & 2)) << 8;
			if (mode & 1)
				e[1] = (u64)(1 + !!(bits & 4)) << 32;
			if (mode & 2)
				e[2] = (u64)(1 + !!(bits & 4)) << 48;
			e[5] = 1 + !!(bits & 8);
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Returns ns per transition; *nsyncs the syncs of one pass. */
static double run(bool lib, unsigned int rounds, unsigned long *nsyncs,
		  unsigned long *per_pair)
{
	struct entry_sync_writer64 nw = { .ops = &new_ops, .num_quanta = NQ };
	struct arm_smmu_entry_writer ow = { .ops = &old_ops };
	__le64 live[NQ] __attribute__((aligned(64)));
	unsigned int r, i, j, k = 0;
	double t0, best = 1e9;

	for (r = 0; r != rounds; r++) {
		syncs = 0;
		t0 = now();
		for (i = 0; i != NCFG; i++) {
			for (j = 0; j != NCFG; j++) {
				unsigned long before = syncs;

				memcpy(live, cfgs[i], sizeof(live));
				if (lib)
					entry_sync_write64(&nw, live, cfgs[j]);
				else
					arm_smmu_write_entry(&ow, live, cfgs[j]);
				if (memcmp(live, cfgs[j], sizeof(live)))
					abort();
				if (r == 0)
					per_pair[k++] = syncs - before;
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
	static unsigned long ps_old[NCFG * NCFG], ps_new[NCFG * NCFG];
	unsigned long s_old, s_new, higher = 0, lower = 0, k;
	double t_old, t_new;

	make_cfgs();
	/* Interleave to share the machine's noise. */
	t_old = run(false, rounds, &s_old, ps_old);
	t_new = run(true, rounds, &s_new, ps_new);
	t_old = fmin(t_old, run(false, rounds, &s_old, ps_old));
	t_new = fmin(t_new, run(true, rounds, &s_new, ps_new));
	for (k = 0; k != NCFG * NCFG; k++) {
		higher += ps_new[k] > ps_old[k];
		lower += ps_new[k] < ps_old[k];
	}
	printf("transitions            %u (every pair of %u entries, 8 x 64-bit quanta)\n",
	       NCFG * NCFG, NCFG);
	printf("%-22s %8s %10s\n", "writer", "ns/update", "syncs");
	printf("%-22s %8.1f %10lu\n", "7.3 arm_smmu_write_entry", t_old, s_old);
	printf("%-22s %8.1f %10lu\n", "entry_sync_write64", t_new, s_new);
	printf("cost ratio             %.3f (goal <= 1.05)\n", t_new / t_old);
	printf("pairs with more syncs  %lu, fewer %lu\n", higher, lower);
	return (higher || t_new / t_old > 1.05) ? 1 : 0;
}
