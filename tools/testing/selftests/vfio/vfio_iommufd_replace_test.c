// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replace the page table of a device while the device is doing DMA, and see
 * each replace reach the device's translation.
 *
 * Two IOASes, A and B, map the same IOVAs: the source buffer and the
 * selftests driver's region to the same pages, the destination IOVA to two
 * different pages, dst_a in A and dst_b in B.  HWPT A is allocated from A
 * and HWPT B from B.  One thread moves the device between them with
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT (a "replace") as fast as it can, while the
 * main thread keeps the device copying through the selftests driver's
 * memcpy interface, each copy with its own pattern.  Every copy must land
 * whole in dst_a or whole in dst_b, the other page untouched:
 *
 *   lost   the copy is in neither page: the device's DMA faulted, or was
 *          dropped, which is what a non-hitless replace does;
 *   torn   some bytes are wrong, or the copy is split between the pages.
 *
 * Over a run both pages must receive copies, so that the replaces are seen
 * to reach the IOMMU rather than stay in iommufd.
 *
 * With a second device (a second BDF), that device stays attached to HWPT
 * A and copies in a thread of its own while the first one moves: every one
 * of its copies must land in A's page (B maps its destination IOVA to a
 * decoy).  On VT-d the two devices share A's domain ID, which is what makes
 * this case interesting: no translation of B may ever be cached under it.
 *
 * A "copy" is one memcpy_start()/memcpy_wait() pair: the device reads the
 * source and writes the destination (QEMU's edu device does that as two
 * DMAs, 100 ms of virtual time apart).
 *
 * The run time is 5 seconds per variant by default and is set with
 * --seconds=N or the VFIO_REPLACE_SECONDS environment variable.  Each run
 * prints one line
 *
 *   # replace-stats: variant=V seconds=N copies=N in_a=N in_b=N lost=N
 *     torn=N copy_errors=N replaces=N replace_errors=N lat_ns_min=N
 *     lat_ns_median=N lat_ns_p99=N lat_ns_max=N innocent_copies=N
 *     innocent_bad=N
 *
 * (on one line) for scripts to collect.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <linux/iommufd.h>
#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#define DEFAULT_SECONDS		5
#define MAX_SECONDS		3600
#define REPLACE_TIMEOUT		(MAX_SECONDS + 120)

/* Large enough to catch a torn copy, small enough for slow devices. */
#define MAX_COPY_SIZE		SZ_64K
/* Source and destination, each in a chunk of its own. */
#define CHUNK			SZ_1M

/* Replace latencies kept for the median; later ones are only counted. */
#define MAX_LAT_SAMPLES		SZ_4M

/* How many failed copies are described individually. */
#define MAX_REPORTED_FAILURES	10

#define TEST_PASID		1

static const char *device_bdf;
static const char *innocent_bdf;
static unsigned int replace_seconds = DEFAULT_SECONDS;

/*
 * One device and its buffers.  @buf holds the source (first chunk) and the
 * destination in A (second chunk); @dst_b the destination in B, mapped at
 * the same IOVA.
 */
struct dev_ctx {
	struct vfio_pci_device *device;
	struct dma_region buf;
	struct dma_region dst_b;
	u64 size;
	u8 *src;
	u8 *dst_a;
	iova_t src_iova;
	iova_t dst_iova;
	u64 seq;
};

struct replace_ctx {
	struct iommu *iommu;
	struct iova_allocator *iova_allocator;
	u32 ioas_b;
	struct dev_ctx dev;
	struct dev_ctx innocent;
	bool has_innocent;
	u32 hwpt[2];
};

enum copy_result {
	COPY_IN_A,
	COPY_IN_B,
	COPY_LOST,
	COPY_TORN,
};

struct copy_stats {
	u64 copies;
	u64 in[2];
	u64 lost;
	u64 torn;
	u64 errors;
};

static u64 now_ns(void)
{
	struct timespec ts;

	VFIO_ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *mmap_anon(u64 size)
{
	void *vaddr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	VFIO_ASSERT_NE(vaddr, MAP_FAILED);
	return vaddr;
}

static int ioas_map(struct replace_ctx *ctx, u32 ioas_id, void *vaddr,
		    iova_t iova, u64 size)
{
	struct iommu_ioas_map args = {
		.size = sizeof(args),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (u64)vaddr,
		.iova = iova,
		.length = size,
	};

	return ioctl(ctx->iommu->iommufd, IOMMU_IOAS_MAP, &args) ? -errno : 0;
}

static int ioas_unmap(struct replace_ctx *ctx, u32 ioas_id, iova_t iova,
		      u64 size)
{
	struct iommu_ioas_unmap args = {
		.size = sizeof(args),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = size,
	};

	return ioctl(ctx->iommu->iommufd, IOMMU_IOAS_UNMAP, &args) ? -errno : 0;
}

static u32 ioas_alloc(struct replace_ctx *ctx)
{
	struct iommu_ioas_alloc args = {
		.size = sizeof(args),
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_IOAS_ALLOC, &args);
	return args.out_ioas_id;
}

static int __hwpt_alloc(struct replace_ctx *ctx, u32 ioas_id, u32 flags,
			u32 *hwpt_id)
{
	struct iommu_hwpt_alloc args = {
		.size = sizeof(args),
		.flags = flags,
		.dev_id = ctx->dev.device->dev_id,
		.pt_id = ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};

	if (ioctl(ctx->iommu->iommufd, IOMMU_HWPT_ALLOC, &args))
		return -errno;
	*hwpt_id = args.out_hwpt_id;
	return 0;
}

static u32 hwpt_alloc(struct replace_ctx *ctx, u32 ioas_id, u32 flags)
{
	u32 id;

	VFIO_ASSERT_EQ(__hwpt_alloc(ctx, ioas_id, flags, &id), 0);
	return id;
}

static void iommufd_destroy(struct replace_ctx *ctx, u32 id)
{
	struct iommu_destroy args = {
		.size = sizeof(args),
		.id = id,
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_DESTROY, &args);
}

/* Attach (or replace) the RID of @dev, or its TEST_PASID, to @pt_id. */
static int attach_pt(struct dev_ctx *dev, u32 *pt_id, bool pasid)
{
	struct vfio_device_attach_iommufd_pt args = {
		.argsz = sizeof(args),
		.flags = pasid ? VFIO_DEVICE_ATTACH_PASID : 0,
		.pt_id = *pt_id,
		.pasid = pasid ? TEST_PASID : 0,
	};

	if (ioctl(dev->device->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &args))
		return -errno;

	*pt_id = args.pt_id;
	return 0;
}

/* log2 of the number of PASIDs the device supports, 0 for none. */
static u8 max_pasid_log2(struct replace_ctx *ctx)
{
	struct iommu_hw_info args = {
		.size = sizeof(args),
		.dev_id = ctx->dev.device->dev_id,
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_GET_HW_INFO, &args);
	return args.out_max_pasid_log2;
}

/*
 * Open @bdf, map its buffers and its driver's region in IOAS A (through the
 * library, which also attaches the device to A's automatic domain) and at
 * the same IOVAs in IOAS B, except the destination, which B maps to a page
 * of its own.
 */
static void dev_setup(struct replace_ctx *ctx, struct dev_ctx *dev,
		      const char *bdf)
{
	struct vfio_pci_driver *driver;

	dev->device = vfio_pci_device_init(bdf, ctx->iommu);
	driver = &dev->device->driver;

	/*
	 * The copy buffers first, so that they get the lowest IOVAs: some
	 * devices (QEMU's edu) only have 28 address bits.
	 */
	dma_region_setup(ctx->iommu, ctx->iova_allocator, &dev->buf, 2 * CHUNK);
	dma_region_setup(ctx->iommu, ctx->iova_allocator, &driver->region, SZ_2M);
	vfio_pci_driver_init(dev->device);

	dev->size = min_t(u64, driver->max_memcpy_size, MAX_COPY_SIZE);
	dev->src = dev->buf.vaddr;
	dev->dst_a = dev->src + CHUNK;
	dev->src_iova = dev->buf.iova;
	dev->dst_iova = dev->buf.iova + CHUNK;

	dev->dst_b.vaddr = mmap_anon(CHUNK);
	dev->dst_b.size = CHUNK;
	dev->dst_b.iova = dev->dst_iova;
	VFIO_ASSERT_EQ(ioas_map(ctx, ctx->ioas_b, dev->src, dev->src_iova, CHUNK), 0);
	VFIO_ASSERT_EQ(ioas_map(ctx, ctx->ioas_b, dev->dst_b.vaddr,
				dev->dst_iova, CHUNK), 0);
	VFIO_ASSERT_EQ(ioas_map(ctx, ctx->ioas_b, driver->region.vaddr,
				driver->region.iova, driver->region.size), 0);
}

static void dev_teardown(struct replace_ctx *ctx, struct dev_ctx *dev)
{
	struct vfio_pci_driver *driver = &dev->device->driver;

	vfio_pci_driver_remove(dev->device);
	VFIO_ASSERT_EQ(munmap(dev->dst_b.vaddr, dev->dst_b.size), 0);
	dma_region_teardown(ctx->iommu, &dev->buf);
	dma_region_teardown(ctx->iommu, &driver->region);
	vfio_pci_device_cleanup(dev->device);
}

/*
 * Open the device (and the innocent one, if given), map their buffers in
 * IOAS A and B, and allocate HWPT A and B.  The devices are left attached
 * to A's automatic domain.
 */
static void ctx_setup(struct replace_ctx *ctx, bool innocent)
{
	ctx->iommu = iommu_init(MODE_IOMMUFD);
	ctx->iova_allocator = iova_allocator_init(ctx->iommu);
	ctx->ioas_b = ioas_alloc(ctx);
	dev_setup(ctx, &ctx->dev, device_bdf);
	ctx->has_innocent = innocent && innocent_bdf;
	if (ctx->has_innocent)
		dev_setup(ctx, &ctx->innocent, innocent_bdf);
}

static void ctx_teardown(struct replace_ctx *ctx)
{
	if (ctx->has_innocent)
		dev_teardown(ctx, &ctx->innocent);
	dev_teardown(ctx, &ctx->dev);
	iova_allocator_cleanup(ctx->iova_allocator);
	iommu_cleanup(ctx->iommu);
}

/*
 * Byte @i of copy @seq, in [1, 251]: never 0x00 or 0xff, which is what a
 * device may write after a faulting read.  251 is prime, so two copies less
 * than 251 apart differ in every byte and stale data left by an earlier copy
 * never passes for the current one; nor does the poison ~pattern.
 */
static u8 pattern(u64 seq, u64 i)
{
	return 1 + (seq * 157 + i * 59) % 251;
}

/* How many bytes of @dst hold copy @seq, and whether it is untouched. */
static u64 count_copy(const struct dev_ctx *dev, const u8 *dst, u64 seq,
		      bool *untouched)
{
	u64 i, good = 0;

	*untouched = true;
	for (i = 0; i < dev->size; i++) {
		u8 want = pattern(seq, i);

		if (dst[i] != (u8)~want)
			*untouched = false;
		good += dst[i] == want;
	}
	return good;
}

static const char *copy_result_str(enum copy_result r)
{
	switch (r) {
	case COPY_IN_A:
		return "in A";
	case COPY_IN_B:
		return "in B";
	case COPY_LOST:
		return "lost (in neither page)";
	case COPY_TORN:
		return "torn";
	}
	return "?";
}

/* Do one copy with a fresh pattern and account for where it landed. */
static enum copy_result do_copy(struct dev_ctx *dev, struct copy_stats *stats)
{
	u8 *dst_b = dev->dst_b.vaddr;
	u64 seq = ++dev->seq;
	bool untouched_a, untouched_b;
	u64 good_a, good_b, i;
	enum copy_result r;
	int ret;

	for (i = 0; i < dev->size; i++) {
		dev->src[i] = pattern(seq, i);
		dev->dst_a[i] = ~pattern(seq, i);
		dst_b[i] = ~pattern(seq, i);
	}

	vfio_pci_driver_memcpy_start(dev->device, dev->src_iova,
				     dev->dst_iova, dev->size, 1);
	ret = vfio_pci_driver_memcpy_wait(dev->device);

	good_a = count_copy(dev, dev->dst_a, seq, &untouched_a);
	good_b = count_copy(dev, dst_b, seq, &untouched_b);
	if (good_a == dev->size && untouched_b)
		r = COPY_IN_A;
	else if (good_b == dev->size && untouched_a)
		r = COPY_IN_B;
	else if (!good_a && !good_b)
		r = COPY_LOST;
	else
		r = COPY_TORN;

	stats->copies++;
	if (ret)
		stats->errors++;
	if (r == COPY_IN_A || r == COPY_IN_B)
		stats->in[r == COPY_IN_B]++;
	else if (r == COPY_LOST)
		stats->lost++;
	else
		stats->torn++;

	if ((r == COPY_LOST || r == COPY_TORN || ret) &&
	    stats->lost + stats->torn + stats->errors <= MAX_REPORTED_FAILURES)
		ksft_print_msg("%s copy %lu: %s, %lu/%lu bytes in A, %lu in B, error %d\n",
			       dev->device->bdf, seq, copy_result_str(r),
			       good_a, dev->size, good_b, ret);

	return r;
}

struct replacer {
	struct replace_ctx *ctx;
	bool pasid;
	bool stop;

	u64 replaces;
	u64 errors;
	int first_errno;
	u32 *lat_ns;
	u64 nr_lat;
	u64 lat_min;
	u64 lat_max;
};

static void *replace_thread(void *arg)
{
	struct replacer *r = arg;
	unsigned int next = 1;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		u32 pt_id = r->ctx->hwpt[next];
		u64 t0, lat;
		int ret;

		t0 = now_ns();
		ret = attach_pt(&r->ctx->dev, &pt_id, r->pasid);
		lat = now_ns() - t0;

		__atomic_fetch_add(&r->replaces, 1, __ATOMIC_RELAXED);
		if (ret) {
			if (!r->errors++)
				r->first_errno = -ret;
			continue;
		}

		if (lat < r->lat_min)
			r->lat_min = lat;
		if (lat > r->lat_max)
			r->lat_max = lat;
		if (r->nr_lat < MAX_LAT_SAMPLES)
			r->lat_ns[r->nr_lat++] = min_t(u64, lat, UINT32_MAX);

		next ^= 1;
	}

	return NULL;
}

/* The innocent device: copies until told to stop. */
struct bystander {
	struct dev_ctx *dev;
	struct copy_stats stats;
	bool stop;
};

static void *bystander_thread(void *arg)
{
	struct bystander *b = arg;

	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED))
		do_copy(b->dev, &b->stats);
	return NULL;
}

struct stat_field {
	const char *key;
	u64 value;
};

/* One "# replace-stats: variant=V key=value ..." line. */
static void print_stats(const char *variant, const struct stat_field *stats)
{
	printf("# replace-stats: variant=%s", variant);
	for (; stats->key; stats++)
		printf(" %s=%lu", stats->key, stats->value);
	printf("\n");
	fflush(stdout);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Replaces that must fail, or do nothing, and leave the device working
 * through the page table it is attached to.  They run first: an IOMMU
 * that loses DMA in the replace-under-DMA cases below should not hide
 * these results.
 */
FIXTURE(vfio_replace_errors) {
	struct replace_ctx ctx;
	struct copy_stats stats;
};

FIXTURE_SETUP(vfio_replace_errors)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 pt_id;

	ctx_setup(ctx, false);
	ctx->hwpt[0] = hwpt_alloc(ctx, ctx->iommu->ioas_id, 0);
	ctx->hwpt[1] = hwpt_alloc(ctx, ctx->ioas_b, 0);

	pt_id = ctx->hwpt[0];
	ASSERT_EQ(0, attach_pt(&ctx->dev, &pt_id, false));
	ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &self->stats));
}

FIXTURE_TEARDOWN(vfio_replace_errors)
{
	ctx_teardown(&self->ctx);
}

/* An ID that was a page table: iommufd_get_object() returns -ENOENT. */
TEST_F(vfio_replace_errors, nonexistent_hwpt)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 gone, pt_id;

	gone = hwpt_alloc(ctx, ctx->iommu->ioas_id, 0);
	iommufd_destroy(ctx, gone);

	pt_id = gone;
	ASSERT_EQ(-ENOENT, attach_pt(&ctx->dev, &pt_id, false));
	ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &self->stats));
}

/* An object that is neither an IOAS nor a HWPT: -EINVAL. */
TEST_F(vfio_replace_errors, not_a_page_table)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 pt_id = ctx->dev.device->dev_id;

	ASSERT_EQ(-EINVAL, attach_pt(&ctx->dev, &pt_id, false));
	ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &self->stats));
}

/*
 * A HWPT of another IOAS that maps IOVA the device must keep free (its MSI
 * window, a hole in the IOVA ranges of an IOAS the device is attached to):
 * iopt_table_enforce_dev_resv_regions() fails the replace with -EADDRINUSE.
 */
TEST_F(vfio_replace_errors, incompatible_ioas)
{
	struct replace_ctx *ctx = &self->ctx;
	struct iommu_iova_range *ranges;
	u32 nranges, ioas, hwpt, pt_id;
	iova_t hole;

	ranges = iommu_iova_ranges(ctx->iommu, &nranges);
	if (nranges < 2) {
		free(ranges);
		SKIP(return, "no reserved IOVA region to conflict with");
	}
	hole = ranges[0].last + 1;
	free(ranges);

	ioas = ioas_alloc(ctx);
	ASSERT_EQ(0, ioas_map(ctx, ioas, ctx->dev.src, hole, getpagesize()));
	hwpt = hwpt_alloc(ctx, ioas, 0);

	pt_id = hwpt;
	ASSERT_EQ(-EADDRINUSE, attach_pt(&ctx->dev, &pt_id, false));
	ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &self->stats));

	iommufd_destroy(ctx, hwpt);
	iommufd_destroy(ctx, ioas);
}

/* Replacing with the attached HWPT is a no-op, even during DMA. */
TEST_F(vfio_replace_errors, same_hwpt)
{
	struct replace_ctx *ctx = &self->ctx;
	struct replacer r = {
		.ctx = ctx,
		.lat_min = UINT64_MAX,
	};
	pthread_t thread;
	u64 deadline;
	int i;

	/* hwpt[0] twice: replace_thread() alternates between the two. */
	ctx->hwpt[1] = ctx->hwpt[0];
	r.lat_ns = calloc(MAX_LAT_SAMPLES, sizeof(*r.lat_ns));
	ASSERT_NE(NULL, r.lat_ns);

	ASSERT_EQ(0, pthread_create(&thread, NULL, replace_thread, &r));
	/* A fast device can finish 5 copies before the thread starts. */
	deadline = now_ns() + 10 * 1000000000ULL;
	for (i = 0; i < 5 || (!__atomic_load_n(&r.replaces, __ATOMIC_RELAXED) &&
			      now_ns() < deadline); i++)
		do_copy(&ctx->dev, &self->stats);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	free(r.lat_ns);

	ksft_print_msg("%lu no-op replaces during %lu copies\n",
		       r.replaces, self->stats.copies - 1);
	EXPECT_LT(0, r.replaces);
	EXPECT_EQ(0, r.errors);
	EXPECT_EQ(self->stats.copies, self->stats.in[0]);
}

/*
 * B's destination is unmapped and a new page mapped in its place while the
 * device is on A; after the replace to B every copy must land in the new
 * page, never in the page that B mapped before.
 */
TEST_F(vfio_replace_errors, replace_after_unmap)
{
	struct replace_ctx *ctx = &self->ctx;
	struct dev_ctx *dev = &ctx->dev;
	void *old_b = dev->dst_b.vaddr;
	u32 pt_id;
	int i;

	/* Let B's translation of the destination be cached. */
	pt_id = ctx->hwpt[1];
	ASSERT_EQ(0, attach_pt(dev, &pt_id, false));
	ASSERT_EQ(COPY_IN_B, do_copy(dev, &self->stats));
	pt_id = ctx->hwpt[0];
	ASSERT_EQ(0, attach_pt(dev, &pt_id, false));

	ASSERT_EQ(0, ioas_unmap(ctx, ctx->ioas_b, dev->dst_iova, CHUNK));
	dev->dst_b.vaddr = mmap_anon(CHUNK);
	ASSERT_EQ(0, ioas_map(ctx, ctx->ioas_b, dev->dst_b.vaddr,
			      dev->dst_iova, CHUNK));
	memset(old_b, 0, CHUNK);

	pt_id = ctx->hwpt[1];
	ASSERT_EQ(0, attach_pt(dev, &pt_id, false));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(COPY_IN_B, do_copy(dev, &self->stats));
	/* Nothing reached the page that is no longer mapped. */
	for (i = 0; i < dev->size; i++)
		ASSERT_EQ(0, ((u8 *)old_b)[i]);
	ASSERT_EQ(0, munmap(old_b, CHUNK));
}

/*
 * Fail the Nth allocation of a replace, for N = 1, 2, ... until the replace
 * succeeds (CONFIG_FAULT_INJECTION with CONFIG_FAILSLAB and
 * CONFIG_FAIL_PAGE_ALLOC, as iommufd_fail_nth does), so that every
 * allocation on the replace path fails once, those of the IOMMU driver's
 * attach included: after each failed replace DMA must still go through A.
 */
TEST_F(vfio_replace_errors, failed_replace_keeps_old_table)
{
	struct replace_ctx *ctx = &self->ctx;
	char path[64];
	unsigned int nth;
	int fd, ret = -1;
	u32 pt_id;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	fd = open(path, O_WRONLY);
	if (fd < 0)
		SKIP(return, "%s: %s (needs CONFIG_FAULT_INJECTION)", path,
		     strerror(errno));

	for (nth = 1; nth < 1000; nth++) {
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%u", nth);

		ASSERT_EQ(len, pwrite(fd, buf, len, 0));
		pt_id = ctx->hwpt[1];
		ret = attach_pt(&ctx->dev, &pt_id, false);
		ASSERT_EQ(1, pwrite(fd, "0", 1, 0));
		if (!ret)
			break;
		/* Whatever the error, the device still translates through A. */
		ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &self->stats));
	}
	close(fd);
	ksft_print_msg("replace failed %u times, then succeeded\n", nth - 1);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(COPY_IN_B, do_copy(&ctx->dev, &self->stats));
}

FIXTURE(vfio_replace) {
	struct replace_ctx ctx;
};

FIXTURE_VARIANT(vfio_replace) {
	const char *name;
	u32 hwpt_flags;
	/* Replace the page table of TEST_PASID instead of the RID's. */
	bool attach_pasid;
	/* A second device stays on A and copies meanwhile. */
	bool innocent;
};

/*
 * First, so that the bystander's check does not depend on what the other
 * variants leave behind.
 */
FIXTURE_VARIANT_ADD(vfio_replace, innocent) {
	.name = "innocent",
	.innocent = true,
};

FIXTURE_VARIANT_ADD(vfio_replace, default) {
	.name = "default",
};

FIXTURE_VARIANT_ADD(vfio_replace, alloc_pasid) {
	.name = "alloc_pasid",
	.hwpt_flags = IOMMU_HWPT_ALLOC_PASID,
};

/* Second-stage page tables on any IOMMU that can nest. */
FIXTURE_VARIANT_ADD(vfio_replace, nest_parent) {
	.name = "nest_parent",
	.hwpt_flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
};

/*
 * The device keeps doing DMA without PASID through A while TEST_PASID is
 * moved between A and B: replacing a PASID's page table must not disturb
 * the RID's translation, so every copy lands in A.
 */
FIXTURE_VARIANT_ADD(vfio_replace, attach_pasid) {
	.name = "attach_pasid",
	.hwpt_flags = IOMMU_HWPT_ALLOC_PASID,
	.attach_pasid = true,
};

FIXTURE_SETUP(vfio_replace)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 pt_id;
	int ret;

	if (variant->innocent && !innocent_bdf)
		SKIP(return, "no second device: pass two BDFs");
	ctx_setup(ctx, variant->innocent);

	if (variant->attach_pasid && !max_pasid_log2(ctx))
		SKIP(return,
		     "%s has no PASID capability (IOMMU_GET_HW_INFO out_max_pasid_log2 == 0)",
		     device_bdf);

	ret = __hwpt_alloc(ctx, ctx->iommu->ioas_id, variant->hwpt_flags,
			   &ctx->hwpt[0]);
	if (ret == -EOPNOTSUPP && variant->hwpt_flags)
		SKIP(return, "the IOMMU does not support HWPT flags %#x",
		     variant->hwpt_flags);
	ASSERT_EQ(0, ret);
	ctx->hwpt[1] = hwpt_alloc(ctx, ctx->ioas_b, variant->hwpt_flags);

	pt_id = ctx->hwpt[0];
	ASSERT_EQ(0, attach_pt(&ctx->dev, &pt_id, false));
	ASSERT_EQ(ctx->hwpt[0], pt_id);
	if (ctx->has_innocent) {
		pt_id = ctx->hwpt[0];
		ASSERT_EQ(0, attach_pt(&ctx->innocent, &pt_id, false));
	}

	if (variant->attach_pasid) {
		pt_id = ctx->hwpt[0];
		ASSERT_EQ(0, attach_pt(&ctx->dev, &pt_id, true));
	}
}

FIXTURE_TEARDOWN(vfio_replace)
{
	ctx_teardown(&self->ctx);
}

TEST_F_TIMEOUT(vfio_replace, dma_while_replacing, REPLACE_TIMEOUT)
{
	struct replace_ctx *ctx = &self->ctx;
	struct copy_stats stats = {};
	struct bystander b = { .dev = &ctx->innocent };
	struct replacer r = {
		.ctx = ctx,
		.pasid = variant->attach_pasid,
		.lat_min = UINT64_MAX,
	};
	pthread_t thread, bthread;
	u64 deadline;
	u64 median = 0, p99 = 0;

	r.lat_ns = calloc(MAX_LAT_SAMPLES, sizeof(*r.lat_ns));
	ASSERT_NE(NULL, r.lat_ns);

	/* The device works, through A, before the first replace. */
	ASSERT_EQ(COPY_IN_A, do_copy(&ctx->dev, &stats));
	stats = (struct copy_stats) {};

	if (ctx->has_innocent)
		ASSERT_EQ(0, pthread_create(&bthread, NULL, bystander_thread, &b));
	ASSERT_EQ(0, pthread_create(&thread, NULL, replace_thread, &r));

	deadline = now_ns() + replace_seconds * 1000000000ULL;
	while (now_ns() < deadline)
		do_copy(&ctx->dev, &stats);

	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	if (ctx->has_innocent) {
		__atomic_store_n(&b.stop, true, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_join(bthread, NULL));
	}

	if (r.nr_lat) {
		qsort(r.lat_ns, r.nr_lat, sizeof(*r.lat_ns), cmp_u32);
		median = r.lat_ns[r.nr_lat / 2];
		p99 = r.lat_ns[r.nr_lat * 99 / 100];
	} else {
		r.lat_min = 0;
	}

	print_stats(variant->name, (struct stat_field[]) {
		{ "seconds", replace_seconds },
		{ "copies", stats.copies },
		{ "in_a", stats.in[0] },
		{ "in_b", stats.in[1] },
		{ "lost", stats.lost },
		{ "torn", stats.torn },
		{ "copy_errors", stats.errors },
		{ "replaces", r.replaces },
		{ "replace_errors", r.errors },
		{ "lat_ns_min", r.lat_min },
		{ "lat_ns_median", median },
		{ "lat_ns_p99", p99 },
		{ "lat_ns_max", r.lat_max },
		{ "innocent_copies", b.stats.copies },
		{ "innocent_bad", b.stats.copies - b.stats.in[0] },
		{ NULL },
	});
	if (r.errors)
		ksft_print_msg("first replace error: %s\n",
			       strerror(r.first_errno));
	free(r.lat_ns);

	EXPECT_LT(0, stats.copies);
	EXPECT_LT(0, r.replaces);
	EXPECT_EQ(0, stats.lost);
	EXPECT_EQ(0, stats.torn);
	EXPECT_EQ(0, stats.errors);
	EXPECT_EQ(0, r.errors);
	if (variant->attach_pasid) {
		/* The RID never moved. */
		EXPECT_EQ(0, stats.in[1]);
	} else {
		/* Both page tables served DMA: the replaces reached the IOMMU. */
		EXPECT_LT(0, stats.in[0]);
		EXPECT_LT(0, stats.in[1]);
	}
	if (ctx->has_innocent) {
		EXPECT_LT(0, b.stats.copies);
		EXPECT_EQ(b.stats.copies, b.stats.in[0]);
	}
}

static bool device_has_selftests_driver(const char *bdf)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	bool has_driver;

	iommu = iommu_init(MODE_IOMMUFD);
	device = vfio_pci_device_init(bdf, iommu);

	has_driver = !!device->driver.ops;

	vfio_pci_device_cleanup(device);
	iommu_cleanup(iommu);

	return has_driver;
}

static void parse_seconds(const char *str)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(str, &end, 0);
	if (errno || end == str || *end || v <= 0 || v > MAX_SECONDS)
		ksft_exit_fail_msg("invalid run time '%s' (1..%d seconds)\n",
				   str, MAX_SECONDS);
	replace_seconds = v;
}

static void check_device(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	if (access(path, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s has no VFIO cdev (not bound to vfio-pci?)\n",
			       bdf);
	}
	if (!device_has_selftests_driver(bdf)) {
		ksft_print_header();
		ksft_exit_skip("no selftests driver for device %s\n", bdf);
	}
}

int main(int argc, char *argv[])
{
	const char *env;
	char **bdfs;
	int i, j, nr_bdfs;

	env = getenv("VFIO_REPLACE_SECONDS");
	if (env)
		parse_seconds(env);

	/* Take --seconds=N out before the harness parses its options. */
	for (i = 1, j = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--seconds=", 10))
			parse_seconds(argv[i] + 10);
		else
			argv[j++] = argv[i];
	}
	argc = j;
	argv[argc] = NULL;

	if (argc < 2 && !getenv("VFIO_SELFTESTS_BDF")) {
		ksft_print_header();
		ksft_exit_skip("no device: pass BDFs as arguments or set VFIO_SELFTESTS_BDF\n");
	}

	/* The device to move, then optionally the innocent one. */
	bdfs = vfio_selftests_get_bdfs(&argc, argv, &nr_bdfs);
	device_bdf = bdfs[0];
	innocent_bdf = nr_bdfs > 1 ? bdfs[1] : NULL;

	if (access("/dev/iommu", R_OK | W_OK)) {
		ksft_print_header();
		ksft_exit_skip("/dev/iommu: %s (needs CONFIG_IOMMUFD)\n",
			       strerror(errno));
	}

	check_device(device_bdf);
	if (innocent_bdf)
		check_device(innocent_bdf);

	return test_harness_run(argc, argv);
}
