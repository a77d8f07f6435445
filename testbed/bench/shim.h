/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's headers to compile the entry writers in
 * user space: the SMMUv3 writer of the base tree, unmodified, and
 * drivers/iommu/entry_sync_template.h of the series.  The primitives map
 * to what they compile to on x86_64 (dma_wmb() is a compiler barrier,
 * WRITE_ONCE() a volatile store).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uint64_t __le64;
typedef unsigned __int128 u128;

#define BIT(n)			(1UL << (n))
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (63 - (h))))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define dma_wmb()		__asm__ __volatile__("" ::: "memory")
#define hweight8(x)		__builtin_popcount((u8)(x))
#define is_power_of_2(n)	((n) != 0 && ((n) & ((n) - 1)) == 0)
#define hweight_long(x)		__builtin_popcountl(x)
#define __ffs(x)		__builtin_ctzl(x)
#define ffs(x)			__builtin_ffs(x)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define WARN_ON_ONCE(c)		({ bool __c = (c); if (unlikely(__c)) abort(); __c; })
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(s)
#define for_each_set_bit(bit, addr, size)				\
	for (unsigned long __m = *(addr) & (~0UL >> (64 - (size)));	\
	     __m && (((bit) = __builtin_ctzl(__m)), 1); __m &= __m - 1)
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define IS_ENABLED(x)		0
