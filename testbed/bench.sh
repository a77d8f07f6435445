#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark entry_sync_write64() against 7.3's SMMUv3 arm_smmu_write_entry()
# on the same transition vectors (testbed/bench/bench.c).  The SMMUv3
# writer is compiled from the base tree's text, unmodified; entry_sync
# from the series' template.  Prints ns/update and syncs for both; fails
# if the library costs more than 1.05x or ever syncs more.
. "$(dirname "$0")/lib.sh"

"$TESTBED/fetch-base.sh" >/dev/null
[ -d "$TREE" ] || die "no kernel tree: run 'make tree'"
out=$BUILD/bench
mkdir -p "$out"
base=$CACHE/base/linux-source/drivers/iommu/arm/arm-smmu-v3

# The writer and its types, cut out of the base files as they are.
sed -n '/^ \* Figure out if we can do a hitless update of entry/,/^EXPORT_SYMBOL_IF_KUNIT(arm_smmu_write_entry);/p' \
	"$base/arm-smmu-v3.c" | sed '1s|^|/*\n|' > "$out/smmu_writer.inc"
sed -n '/^struct arm_smmu_entry_writer_ops;/,/^};/p;/^struct arm_smmu_entry_writer_ops {/,/^};/p' \
	"$base/arm-smmu-v3.h" | awk '!seen[$0]++ || /^};$/' > "$out/smmu_types.inc"
grep -q 'void arm_smmu_write_entry' "$out/smmu_writer.inc" || die "arm_smmu_write_entry not found in the base"

# The template's kernel includes are covered by shim.h.
mkdir -p "$out/linux"
for h in bitops bug log2; do : > "$out/linux/$h.h"; done

gcc -O2 -mpopcnt -Wall -Wno-unused-function -I"$TREE/drivers/iommu" -I"$out" -I"$TESTBED/bench" \
	-include shim.h -o "$out/bench" "$TESTBED/bench/bench.c" -lm
cmd="$out/bench ${ROUNDS:-2000}"
echo "\$ $cmd"
$cmd | tee "$BUILD/results/bench.txt"
