/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef SELFTESTS_VFIO_LIB_DRIVERS_DRIVERS_H
#define SELFTESTS_VFIO_LIB_DRIVERS_DRIVERS_H

#include <libvfio/vfio_pci_driver.h>

/* The drivers in lib/drivers/, probed in turn by vfio_pci_driver_probe(). */
#ifdef __x86_64__
extern struct vfio_pci_driver_ops dsa_ops;
extern struct vfio_pci_driver_ops ioat_ops;
#endif
extern struct vfio_pci_driver_ops nv_falcon_ops;
extern struct vfio_pci_driver_ops igb_ops;
extern struct vfio_pci_driver_ops edu_ops;

#endif /* SELFTESTS_VFIO_LIB_DRIVERS_DRIVERS_H */
