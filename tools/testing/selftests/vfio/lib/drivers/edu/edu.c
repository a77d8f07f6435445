// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver for QEMU's "edu" educational PCI device (-device edu).
 *
 * The device has no descriptor rings: it copies between guest memory and a
 * 4 KiB buffer inside the device, one transfer at a time.  A memcpy is thus
 * done as two DMAs, source -> device buffer and device buffer -> destination,
 * each programmed through BAR0 and polled until the device clears its busy
 * bit.  Every transfer completes after a 100 ms QEMU_CLOCK_VIRTUAL timer, so
 * the device is slow but it goes through QEMU's vIOMMU like any other
 * device, which makes it useful to test IOMMU code in a guest.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <linux/errno.h>
#include <linux/io.h>
#include <linux/sizes.h>

#include <libvfio.h>

#define PCI_VENDOR_ID_QEMU_EDU		0x1234
#define PCI_DEVICE_ID_QEMU_EDU		0x11e8

/* BAR0 registers.  Registers below 0x80 only accept 32-bit accesses. */
#define EDU_ID				0x00
#define  EDU_ID_MAGIC_MASK		0xff
#define  EDU_ID_MAGIC			0xed
#define EDU_LIVENESS			0x04	/* Reads back the inverted write */
#define EDU_IRQ_STATUS			0x24
#define EDU_IRQ_RAISE			0x60
#define EDU_IRQ_ACK			0x64
#define EDU_DMA_SRC			0x80
#define EDU_DMA_DST			0x88
#define EDU_DMA_COUNT			0x90
#define EDU_DMA_CMD			0x98
#define  EDU_DMA_CMD_RUN		0x1	/* Start; reads 1 while busy */
#define  EDU_DMA_CMD_TO_RAM		0x2	/* Device buffer -> RAM */
#define  EDU_DMA_CMD_IRQ		0x4	/* Raise DMA_IRQ when done */

/* The device's DMA buffer, as addressed by EDU_DMA_SRC/EDU_DMA_DST. */
#define EDU_DMA_BUF			0x40000
#define EDU_DMA_BUF_SIZE		SZ_4K

/*
 * QEMU 7.2 (and older) hw_error()s, i.e. aborts, on a transfer that ends
 * exactly at the end of the buffer; newer versions accept it.  Stay on the
 * safe side of both by never using more than half of the buffer.
 */
#define EDU_MAX_MEMCPY_SIZE		(EDU_DMA_BUF_SIZE / 2)

/* The device masks DMA addresses with a 28-bit mask by default. */
#define EDU_DMA_MASK			(SZ_256M - 1)

/*
 * A transfer takes 100 ms of QEMU's virtual clock.  Allow for a heavily
 * loaded host (TCG, nested virtualization) before declaring a hang.
 */
#define EDU_DMA_TIMEOUT_MS		10000
#define EDU_POLL_US			1000

/* Value written to EDU_IRQ_RAISE by edu_send_msi(). */
#define EDU_IRQ_SEND_MSI		0x80000000

/* Vector 0 is the only MSI vector of the device. */
#define EDU_MSI_VECTOR			0

struct edu_state {
	iova_t src;
	iova_t dst;
	u64 size;

	/* Set by memcpy_start() when it could not start the copy. */
	int error;
};

static inline struct edu_state *to_edu_state(struct vfio_pci_device *device)
{
	return device->driver.region.vaddr;
}

static inline void *edu_bar0(struct vfio_pci_device *device)
{
	return device->bars[0].vaddr;
}

static int edu_probe(struct vfio_pci_device *device)
{
	void *bar0;
	u32 id;

	if (!vfio_pci_device_match(device, PCI_VENDOR_ID_QEMU_EDU,
				   PCI_DEVICE_ID_QEMU_EDU))
		return -EINVAL;

	bar0 = edu_bar0(device);
	VFIO_ASSERT_NOT_NULL(bar0);

	id = readl(bar0 + EDU_ID);
	if ((id & EDU_ID_MAGIC_MASK) != EDU_ID_MAGIC) {
		dev_err(device, "edu: unexpected identification 0x%08x\n", id);
		return -EINVAL;
	}

	writel(0x5a5aa5a5, bar0 + EDU_LIVENESS);
	if (readl(bar0 + EDU_LIVENESS) != ~0x5a5aa5a5U) {
		dev_err(device, "edu: liveness check failed\n");
		return -EINVAL;
	}

	return 0;
}

static bool edu_dma_busy(struct vfio_pci_device *device)
{
	return readl(edu_bar0(device) + EDU_DMA_CMD) & EDU_DMA_CMD_RUN;
}

static u64 edu_now_ms(void)
{
	struct timespec ts;

	VFIO_ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Returns 0 once the device is idle, -ETIMEDOUT if it stays busy. */
static int edu_dma_wait(struct vfio_pci_device *device)
{
	u64 deadline = edu_now_ms() + EDU_DMA_TIMEOUT_MS;

	while (edu_dma_busy(device)) {
		if (edu_now_ms() > deadline) {
			dev_err(device, "edu: DMA timed out\n");
			return -ETIMEDOUT;
		}
		usleep(EDU_POLL_US);
	}

	return 0;
}

static void edu_dma_start(struct vfio_pci_device *device, u64 src, u64 dst,
			  u64 size, u32 cmd)
{
	void *bar0 = edu_bar0(device);

	/* The device ignores writes to these registers while it is busy. */
	VFIO_ASSERT_FALSE(edu_dma_busy(device));

	writeq(src, bar0 + EDU_DMA_SRC);
	writeq(dst, bar0 + EDU_DMA_DST);
	writeq(size, bar0 + EDU_DMA_COUNT);
	writeq(cmd | EDU_DMA_CMD_RUN, bar0 + EDU_DMA_CMD);
}

static void edu_init(struct vfio_pci_device *device)
{
	struct edu_state *edu = to_edu_state(device);
	void *bar0 = edu_bar0(device);

	VFIO_ASSERT_GE(device->driver.region.size, sizeof(*edu));

	vfio_pci_config_writew(device, PCI_COMMAND,
			       PCI_COMMAND_MEMORY |
			       PCI_COMMAND_MASTER |
			       PCI_COMMAND_INTX_DISABLE);

	/* A previous user may have left a transfer running. */
	VFIO_ASSERT_EQ(edu_dma_wait(device), 0);
	writel(readl(bar0 + EDU_IRQ_STATUS), bar0 + EDU_IRQ_ACK);

	vfio_pci_msi_enable(device, EDU_MSI_VECTOR, 1);

	*edu = (struct edu_state) {};

	device->driver.msi = EDU_MSI_VECTOR;
	device->driver.max_memcpy_size = EDU_MAX_MEMCPY_SIZE;
	device->driver.max_memcpy_count = 1;
}

static void edu_remove(struct vfio_pci_device *device)
{
	void *bar0 = edu_bar0(device);

	edu_dma_wait(device);
	writel(readl(bar0 + EDU_IRQ_STATUS), bar0 + EDU_IRQ_ACK);

	vfio_pci_msi_disable(device);
	vfio_pci_cmd_clear(device, PCI_COMMAND_MASTER);
}

static bool edu_dma_reachable(iova_t iova, u64 size)
{
	return iova <= EDU_DMA_MASK && size - 1 <= EDU_DMA_MASK - iova;
}

static void edu_memcpy_start(struct vfio_pci_device *device,
			     iova_t src, iova_t dst, u64 size, u64 count)
{
	struct edu_state *edu = to_edu_state(device);

	VFIO_ASSERT_EQ(count, 1);
	VFIO_ASSERT_GT(size, 0);

	edu->src = src;
	edu->dst = dst;
	edu->size = size;
	edu->error = 0;

	/*
	 * The device would silently truncate wider addresses and access
	 * whatever is mapped at the truncated IOVA: refuse instead.
	 */
	if (!edu_dma_reachable(src, size) || !edu_dma_reachable(dst, size)) {
		dev_err(device, "edu: IOVA beyond the 28-bit DMA mask\n");
		edu->error = -EINVAL;
		return;
	}

	/* First half of the copy: RAM -> device buffer. */
	edu_dma_start(device, src, EDU_DMA_BUF, size, 0);
}

static int edu_memcpy_wait(struct vfio_pci_device *device)
{
	struct edu_state *edu = to_edu_state(device);
	int r;

	if (edu->error)
		return edu->error;

	r = edu_dma_wait(device);
	if (r)
		return r;

	/* Second half: device buffer -> RAM. */
	edu_dma_start(device, EDU_DMA_BUF, edu->dst, edu->size,
		      EDU_DMA_CMD_TO_RAM);

	return edu_dma_wait(device);
}

static void edu_send_msi(struct vfio_pci_device *device)
{
	void *bar0 = edu_bar0(device);

	/*
	 * With MSI enabled, every write to EDU_IRQ_RAISE sends the message
	 * (as long as the resulting status is non-zero).  Acknowledge right
	 * away so that the status is clean for the next user.
	 */
	writel(EDU_IRQ_SEND_MSI, bar0 + EDU_IRQ_RAISE);
	writel(EDU_IRQ_SEND_MSI, bar0 + EDU_IRQ_ACK);
}

const struct vfio_pci_driver_ops edu_ops = {
	.name = "edu",
	.probe = edu_probe,
	.init = edu_init,
	.remove = edu_remove,
	.memcpy_start = edu_memcpy_start,
	.memcpy_wait = edu_memcpy_wait,
	.send_msi = edu_send_msi,
};
