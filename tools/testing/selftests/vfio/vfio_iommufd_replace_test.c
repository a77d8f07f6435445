// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replace the page table of a device while the device is doing DMA.
 *
 * Two IOMMU_HWPT_ALLOC page tables of the same IOAS hold identical mappings,
 * so moving the device from one to the other with
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT (a "replace") must not be visible to the
 * device: no DMA may fault or be lost while the replace happens.  One thread
 * replaces A <-> B as fast as it can while the main thread keeps the device
 * copying through the selftests driver's memcpy interface, each copy with its
 * own pattern, and checks every byte of every copy.
 *
 * A "copy" is one memcpy_start()/memcpy_wait() pair: the device reads the
 * source and writes the destination (QEMU's edu device does that as two
 * separate DMAs).  A copy is "lost" when none of its bytes reached the
 * destination (it is untouched, or holds stale data or whatever the device
 * got from a faulting read) and "partial" when some did.
 *
 * The run time defaults to 60 seconds and is set with --seconds=N or the
 * VFIO_REPLACE_SECONDS environment variable.  Each run prints a line
 *
 *   # replace-stats: variant=V seconds=N copies=N lost=N partial=N
 *     copy_errors=N replaces=N replace_errors=N lat_ns_min=N
 *     lat_ns_median=N lat_ns_max=N
 *
 * (on one line) for scripts to collect.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iommufd.h>
#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

#define DEFAULT_SECONDS		60
#define MAX_SECONDS		3600
#define REPLACE_TIMEOUT		(MAX_SECONDS + 120)

/* Large enough to catch a torn copy, small enough for slow devices. */
#define MAX_COPY_SIZE		SZ_64K
#define BUF_SIZE		SZ_2M

/* Replace latencies kept for the median; later ones are only counted. */
#define MAX_LAT_SAMPLES		SZ_4M

/* How many failed copies are described individually. */
#define MAX_REPORTED_FAILURES	10

#define TEST_PASID		1

static const char *device_bdf;
static unsigned int replace_seconds = DEFAULT_SECONDS;

struct replace_ctx {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	struct iova_allocator *iova_allocator;
	struct dma_region buf;
	u64 size;
	u8 *src;
	u8 *dst;
	iova_t src_iova;
	iova_t dst_iova;
	u32 hwpt[2];
	u64 seq;
};

struct copy_stats {
	u64 copies;
	u64 lost;
	u64 partial;
	u64 errors;
};

static u64 now_ns(void)
{
	struct timespec ts;

	VFIO_ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void region_setup(struct replace_ctx *ctx, struct dma_region *region,
			 u64 size)
{
	void *vaddr;

	vaddr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VFIO_ASSERT_NE(vaddr, MAP_FAILED);

	region->vaddr = vaddr;
	region->iova = iova_allocator_alloc(ctx->iova_allocator, size);
	region->size = size;

	iommu_map(ctx->iommu, region);
}

static void region_teardown(struct replace_ctx *ctx, struct dma_region *region)
{
	iommu_unmap(ctx->iommu, region);
	VFIO_ASSERT_EQ(munmap(region->vaddr, region->size), 0);
}

static u32 hwpt_alloc(struct replace_ctx *ctx, u32 ioas_id, u32 flags)
{
	struct iommu_hwpt_alloc args = {
		.size = sizeof(args),
		.flags = flags,
		.dev_id = ctx->device->dev_id,
		.pt_id = ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_HWPT_ALLOC, &args);
	return args.out_hwpt_id;
}

static void iommufd_destroy(struct replace_ctx *ctx, u32 id)
{
	struct iommu_destroy args = {
		.size = sizeof(args),
		.id = id,
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_DESTROY, &args);
}

/* Attach (or replace) the device's RID, or TEST_PASID, to @pt_id. */
static int attach_pt(struct replace_ctx *ctx, u32 *pt_id, bool pasid)
{
	struct vfio_device_attach_iommufd_pt args = {
		.argsz = sizeof(args),
		.flags = pasid ? VFIO_DEVICE_ATTACH_PASID : 0,
		.pt_id = *pt_id,
		.pasid = pasid ? TEST_PASID : 0,
	};

	if (ioctl(ctx->device->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &args))
		return -errno;

	*pt_id = args.pt_id;
	return 0;
}

/* log2 of the number of PASIDs the device supports, 0 for none. */
static u8 max_pasid_log2(struct replace_ctx *ctx)
{
	struct iommu_hw_info args = {
		.size = sizeof(args),
		.dev_id = ctx->device->dev_id,
	};

	ioctl_assert(ctx->iommu->iommufd, IOMMU_GET_HW_INFO, &args);
	return args.out_max_pasid_log2;
}

/*
 * Open the device through its VFIO cdev bound to iommufd, map the copy
 * buffers and allocate two page tables with identical mappings.  The device
 * is left attached to the IOAS' automatic domain.
 */
static void ctx_setup(struct replace_ctx *ctx, u32 hwpt_flags)
{
	struct vfio_pci_driver *driver;

	ctx->iommu = iommu_init(MODE_IOMMUFD);
	ctx->device = vfio_pci_device_init(device_bdf, ctx->iommu);
	ctx->iova_allocator = iova_allocator_init(ctx->iommu);
	driver = &ctx->device->driver;

	/*
	 * The copy buffers first, so that they get the lowest IOVAs: some
	 * devices (QEMU's edu) only have 28 address bits.
	 */
	region_setup(ctx, &ctx->buf, BUF_SIZE);
	region_setup(ctx, &driver->region, SZ_2M);

	vfio_pci_driver_init(ctx->device);

	ctx->size = min_t(u64, driver->max_memcpy_size, MAX_COPY_SIZE);
	ctx->src = ctx->buf.vaddr;
	ctx->dst = ctx->src + ctx->size;
	ctx->src_iova = to_iova(ctx->device, ctx->src);
	ctx->dst_iova = to_iova(ctx->device, ctx->dst);

	ctx->hwpt[0] = hwpt_alloc(ctx, ctx->iommu->ioas_id, hwpt_flags);
	ctx->hwpt[1] = hwpt_alloc(ctx, ctx->iommu->ioas_id, hwpt_flags);
}

static void ctx_teardown(struct replace_ctx *ctx)
{
	struct vfio_pci_driver *driver = &ctx->device->driver;

	vfio_pci_driver_remove(ctx->device);

	region_teardown(ctx, &ctx->buf);
	region_teardown(ctx, &driver->region);

	iova_allocator_cleanup(ctx->iova_allocator);
	vfio_pci_device_cleanup(ctx->device);
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

enum copy_result {
	COPY_OK,
	COPY_LOST,
	COPY_PARTIAL,
};

static enum copy_result check_copy(struct replace_ctx *ctx, u64 seq,
				   u64 *wrong, u64 *first_wrong, bool *untouched)
{
	u64 i;

	*wrong = 0;
	*first_wrong = 0;
	*untouched = true;

	for (i = 0; i < ctx->size; i++) {
		u8 want = pattern(seq, i);

		if (ctx->dst[i] != (u8)~want)
			*untouched = false;
		if (ctx->dst[i] == want)
			continue;
		if (!(*wrong)++)
			*first_wrong = i;
	}

	if (!*wrong)
		return COPY_OK;

	return *wrong == ctx->size ? COPY_LOST : COPY_PARTIAL;
}

static const char *copy_result_str(enum copy_result r, bool untouched)
{
	switch (r) {
	case COPY_OK:
		return "data ok";
	case COPY_PARTIAL:
		return "partial";
	case COPY_LOST:
		return untouched ? "lost, destination untouched" :
				   "lost, destination overwritten";
	}

	return "?";
}

/* Do one copy with a fresh pattern and account for its outcome. */
static enum copy_result do_copy(struct replace_ctx *ctx,
				struct copy_stats *stats)
{
	u64 seq = ++ctx->seq;
	enum copy_result r;
	u64 wrong, first;
	bool untouched;
	int ret;
	u64 i;

	for (i = 0; i < ctx->size; i++) {
		ctx->src[i] = pattern(seq, i);
		ctx->dst[i] = ~pattern(seq, i);
	}

	vfio_pci_driver_memcpy_start(ctx->device, ctx->src_iova,
				     ctx->dst_iova, ctx->size, 1);
	ret = vfio_pci_driver_memcpy_wait(ctx->device);

	r = check_copy(ctx, seq, &wrong, &first, &untouched);

	stats->copies++;
	if (ret)
		stats->errors++;
	if (r == COPY_LOST)
		stats->lost++;
	if (r == COPY_PARTIAL)
		stats->partial++;

	if ((r != COPY_OK || ret) &&
	    stats->lost + stats->partial + stats->errors <= MAX_REPORTED_FAILURES)
		ksft_print_msg("copy %lu: %s, %lu/%lu bytes wrong, first at %lu, error %d\n",
			       seq, copy_result_str(r, untouched), wrong,
			       ctx->size, first, ret);

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
		ret = attach_pt(r->ctx, &pt_id, r->pasid);
		lat = now_ns() - t0;

		r->replaces++;
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

FIXTURE(vfio_replace) {
	struct replace_ctx ctx;
};

FIXTURE_VARIANT(vfio_replace) {
	const char *name;
	u32 hwpt_flags;
	/* Replace the page table of TEST_PASID instead of the RID's. */
	bool attach_pasid;
};

FIXTURE_VARIANT_ADD(vfio_replace, default) {
	.name = "default",
};

FIXTURE_VARIANT_ADD(vfio_replace, alloc_pasid) {
	.name = "alloc_pasid",
	.hwpt_flags = IOMMU_HWPT_ALLOC_PASID,
};

/*
 * The device keeps doing DMA without PASID through A while TEST_PASID is
 * moved between A and B: replacing a PASID's page table must not disturb
 * the RID's translation.
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

	ctx_setup(ctx, variant->hwpt_flags);

	if (variant->attach_pasid && !max_pasid_log2(ctx))
		SKIP(return,
		     "%s has no PASID capability (IOMMU_GET_HW_INFO out_max_pasid_log2 == 0)",
		     device_bdf);

	pt_id = ctx->hwpt[0];
	ASSERT_EQ(0, attach_pt(ctx, &pt_id, false));
	ASSERT_EQ(ctx->hwpt[0], pt_id);

	if (variant->attach_pasid) {
		pt_id = ctx->hwpt[0];
		ASSERT_EQ(0, attach_pt(ctx, &pt_id, true));
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
	struct replacer r = {
		.ctx = ctx,
		.pasid = variant->attach_pasid,
		.lat_min = UINT64_MAX,
	};
	pthread_t thread;
	u64 deadline;
	u64 median = 0;

	r.lat_ns = calloc(MAX_LAT_SAMPLES, sizeof(*r.lat_ns));
	ASSERT_NE(NULL, r.lat_ns);

	/* The device works before the first replace. */
	ASSERT_EQ(COPY_OK, do_copy(ctx, &stats));
	stats = (struct copy_stats) {};

	ASSERT_EQ(0, pthread_create(&thread, NULL, replace_thread, &r));

	deadline = now_ns() + replace_seconds * 1000000000ULL;
	while (now_ns() < deadline)
		do_copy(ctx, &stats);

	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	if (r.nr_lat) {
		qsort(r.lat_ns, r.nr_lat, sizeof(*r.lat_ns), cmp_u32);
		median = r.lat_ns[r.nr_lat / 2];
	} else {
		r.lat_min = 0;
	}

	print_stats(variant->name, (struct stat_field[]) {
		{ "seconds", replace_seconds },
		{ "copies", stats.copies },
		{ "lost", stats.lost },
		{ "partial", stats.partial },
		{ "copy_errors", stats.errors },
		{ "replaces", r.replaces },
		{ "replace_errors", r.errors },
		{ "lat_ns_min", r.lat_min },
		{ "lat_ns_median", median },
		{ "lat_ns_max", r.lat_max },
		{ NULL },
	});
	if (r.errors)
		ksft_print_msg("first replace error: %s\n",
			       strerror(r.first_errno));
	free(r.lat_ns);

	EXPECT_LT(0, stats.copies);
	EXPECT_LT(0, r.replaces);
	EXPECT_EQ(0, stats.lost);
	EXPECT_EQ(0, stats.partial);
	EXPECT_EQ(0, stats.errors);
	EXPECT_EQ(0, r.errors);
}

/*
 * Replaces that must fail, or do nothing, and leave the device working
 * through the page table it is attached to.
 */
FIXTURE(vfio_replace_errors) {
	struct replace_ctx ctx;
	struct copy_stats stats;
};

FIXTURE_SETUP(vfio_replace_errors)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 pt_id;

	ctx_setup(ctx, 0);

	pt_id = ctx->hwpt[0];
	ASSERT_EQ(0, attach_pt(ctx, &pt_id, false));
	ASSERT_EQ(COPY_OK, do_copy(ctx, &self->stats));
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
	ASSERT_EQ(-ENOENT, attach_pt(ctx, &pt_id, false));
	ASSERT_EQ(COPY_OK, do_copy(ctx, &self->stats));
}

/* An object that is neither an IOAS nor a HWPT: -EINVAL. */
TEST_F(vfio_replace_errors, not_a_page_table)
{
	struct replace_ctx *ctx = &self->ctx;
	u32 pt_id = ctx->device->dev_id;

	ASSERT_EQ(-EINVAL, attach_pt(ctx, &pt_id, false));
	ASSERT_EQ(COPY_OK, do_copy(ctx, &self->stats));
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
	struct iommu_ioas_alloc alloc = {
		.size = sizeof(alloc),
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (u64)ctx->src,
		.length = getpagesize(),
	};
	u32 nranges, hwpt, pt_id;

	ranges = iommu_iova_ranges(ctx->iommu, &nranges);
	if (nranges < 2) {
		free(ranges);
		SKIP(return, "no reserved IOVA region to conflict with");
	}
	map.iova = ranges[0].last + 1;
	free(ranges);

	ioctl_assert(ctx->iommu->iommufd, IOMMU_IOAS_ALLOC, &alloc);
	map.ioas_id = alloc.out_ioas_id;
	ioctl_assert(ctx->iommu->iommufd, IOMMU_IOAS_MAP, &map);

	hwpt = hwpt_alloc(ctx, alloc.out_ioas_id, 0);

	pt_id = hwpt;
	ASSERT_EQ(-EADDRINUSE, attach_pt(ctx, &pt_id, false));
	ASSERT_EQ(COPY_OK, do_copy(ctx, &self->stats));

	iommufd_destroy(ctx, hwpt);
	iommufd_destroy(ctx, alloc.out_ioas_id);
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
	int i;

	/* hwpt[0] twice: replace_thread() alternates between the two. */
	ctx->hwpt[1] = ctx->hwpt[0];
	r.lat_ns = calloc(MAX_LAT_SAMPLES, sizeof(*r.lat_ns));
	ASSERT_NE(NULL, r.lat_ns);

	ASSERT_EQ(0, pthread_create(&thread, NULL, replace_thread, &r));
	for (i = 0; i < 5; i++)
		do_copy(ctx, &self->stats);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	free(r.lat_ns);

	ksft_print_msg("%lu no-op replaces during %lu copies\n",
		       r.replaces, self->stats.copies - 1);
	EXPECT_LT(0, r.replaces);
	EXPECT_EQ(0, r.errors);
	EXPECT_EQ(0, self->stats.lost);
	EXPECT_EQ(0, self->stats.partial);
	EXPECT_EQ(0, self->stats.errors);
}

static bool device_has_selftests_driver(void)
{
	struct vfio_pci_device *device;
	struct iommu *iommu;
	bool has_driver;

	iommu = iommu_init(MODE_IOMMUFD);
	device = vfio_pci_device_init(device_bdf, iommu);

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

int main(int argc, char *argv[])
{
	char path[PATH_MAX];
	const char *env;
	int i, j;

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
		ksft_exit_skip("no device: pass a BDF as last argument or in VFIO_SELFTESTS_BDF\n");
	}

	device_bdf = vfio_selftests_get_bdf(&argc, argv);

	if (access("/dev/iommu", R_OK | W_OK)) {
		ksft_print_header();
		ksft_exit_skip("/dev/iommu: %s (needs CONFIG_IOMMUFD)\n",
			       strerror(errno));
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev",
		 device_bdf);
	if (access(path, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s has no VFIO cdev (not bound to vfio-pci?)\n",
			       device_bdf);
	}

	if (!device_has_selftests_driver()) {
		ksft_print_header();
		ksft_exit_skip("no selftests driver for device %s\n",
			       device_bdf);
	}

	return test_harness_run(argc, argv);
}
