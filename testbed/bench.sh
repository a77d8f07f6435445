#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compare entry_sync_write64() with 7.3's SMMUv3 arm_smmu_write_entry() on
# the same transition vectors (testbed/bench/bench.c).  The SMMUv3 writer
# is compiled from the base tree's text, unmodified; entry_sync from the
# series' header and template.  First a differential run: every store and
# sync of both writers on 402,500 transitions must be identical.  Then the
# cost: ns/update and syncs for both; fails if the library costs more than
# 1.05x or syncs differently.
#
#   bench.sh                the differential run, then the cost
#   bench.sh differential   the differential run alone (make check)
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
for h in bitmap bitops bug log2 build_bug types; do : > "$out/linux/$h.h"; done

gcc -O2 -mpopcnt -Wall -Wno-unused-function -I"$TREE/drivers/iommu" -I"$out" -I"$TESTBED/bench" \
	-include shim.h -o "$out/bench" "$TESTBED/bench/bench.c" -lm
rounds=${ROUNDS:-2000}
[ "${1:-}" = differential ] && rounds=0 && tap_start differential
cmd="$out/bench $rounds ${RANDOM_PAIRS:-400000}"
echo "\$ $cmd"
mkdir -p "$BUILD/results"
rc=0
$cmd | tee "$BUILD/results/bench.txt" || rc=$?
d=$(sed -n 's/^differing sequences *//p' "$BUILD/results/bench.txt")
[ -n "$d" ] || die "the differential run printed no result"
if ((d == 0 && rc == 0)); then
	ok "entry_sync_write64() and 7.3's arm_smmu_write_entry() store and sync alike"
else
	nok "entry_sync_write64() and 7.3's arm_smmu_write_entry(): $d differing sequences, exit status $rc"
fi
tap_end
