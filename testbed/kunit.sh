#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run KUnit with tools/testing/kunit/kunit.py.
#
#   kunit.sh uml   [TREE]   UML, the tree's drivers/iommu/.kunitconfig
#   kunit.sh arm64 [TREE]   arm64 under qemu-system-aarch64,
#                           testbed/configs/arm64.kunitconfig; then the
#                           unpatched base with arm64-base.kunitconfig, to
#                           show SMMUv3's suite has as many cases on both
#
# Prints the parsed results, writes them to build/results/kunit-ARCH.txt
# and counts passed/failed cases in build/results/kunit-ARCH.count.
. "$(dirname "$0")/lib.sh"

arch=$1 dir=${2:-$TREE}
[ -d "$dir" ] || die "no kernel tree at $dir: run 'make tree'"
out=$BUILD/out/kunit-$arch
mkdir -p "$BUILD/results" "$BUILD/out"
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1

case $arch in
uml)
	args=(--kunitconfig="$dir/drivers/iommu/.kunitconfig"
	      --make_options "CC=ccache gcc")
	;;
arm64)
	args=(--arch=arm64 --cross_compile=aarch64-linux-gnu-
	      --kunitconfig="$TESTBED/configs/arm64.kunitconfig"
	      --make_options "CC=ccache aarch64-linux-gnu-gcc"
	      --timeout 900)
	;;
*)	die "unknown KUnit arch $arch" ;;
esac

res=$BUILD/results/kunit-$arch.txt
rc=0
(cd "$dir" && python3 tools/testing/kunit/kunit.py run --build_dir="$out" \
	--jobs "$JOBS" "${args[@]}") > "$res" 2>&1 || rc=$?
grep -E '^\[[0-9:]+\] ' "$res" | grep -vE 'Populating|Building with|make ' >&2 || true
"$TESTBED/count-ktap.sh" "$out/test.log" > "$BUILD/results/kunit-$arch.count"
read -r passed failed < "$BUILD/results/kunit-$arch.count"
log "kunit $arch: $passed passed, $failed failed (log: $res)"
if ((rc)) && ((failed == 0)); then
	tail -n 30 "$res" >&2
	die "kunit.py failed on $arch before running the tests"
fi
((rc)) && exit $rc
[ "$arch" = arm64 ] || exit 0

# SMMUv3's suite on the unpatched base: same number of cases, all passing.
suite=arm-smmu-v3-kunit-test
base_res=$BUILD/results/kunit-arm64-base.txt
(cd "$CACHE/base/linux-source" && python3 tools/testing/kunit/kunit.py run \
	--build_dir="$BUILD/out/kunit-arm64-base" --jobs "$JOBS" --arch=arm64 \
	--cross_compile=aarch64-linux-gnu- --timeout 900 \
	--kunitconfig="$TESTBED/configs/arm64-base.kunitconfig" \
	--make_options "CC=ccache aarch64-linux-gnu-gcc") > "$base_res" 2>&1 ||
	{ tail -n 30 "$base_res" >&2; die "kunit.py failed on the arm64 base"; }
cases() { sed -n "s/.*=* $suite (\([0-9]*\) subtests) =*/\1/p" "$1" | head -n1; }
passed_line() { grep -c "\[PASSED\] $suite" "$1" || true; }
n_series=$(cases "$res") n_base=$(cases "$base_res")
log "$suite: $n_base cases on the base, $n_series with the series" \
    "(base suite passed: $(passed_line "$base_res"), series: $(passed_line "$res"))"
echo "$suite base=$n_base series=$n_series" > "$BUILD/results/kunit-arm64-smmu.txt"
if [ -z "$n_base" ] || [ "$n_base" != "$n_series" ] ||
   [ "$(passed_line "$base_res")" != 1 ] || [ "$(passed_line "$res")" != 1 ]; then
	echo "$passed $((failed + 1))" > "$BUILD/results/kunit-arm64.count"
	die "$suite differs between base and series"
fi
echo "$((passed + 1)) $failed" > "$BUILD/results/kunit-arm64.count"
