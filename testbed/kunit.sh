#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run KUnit with tools/testing/kunit/kunit.py.
#
#   kunit.sh uml   [TREE]   UML, the tree's drivers/iommu/.kunitconfig (the
#                           library's suite; only configured unless FULL=1)
#   kunit.sh x86_64 [TREE]  x86_64 under qemu-system-x86_64, the tree's
#                           drivers/iommu/intel/.kunitconfig (the VT-d suite;
#                           only configured unless FULL=1)
#   kunit.sh arm64 [TREE]   arm64 under qemu-system-aarch64,
#                           testbed/configs/arm64.kunitconfig; SMMUv3's
#                           suite must run every case of the base's test
#                           file (FULL=1: and pass on the unpatched base,
#                           with arm64-base.kunitconfig)
#
# Prints the parsed results, writes kunit.py's output to
# build/results/kunit-ARCH.txt and the cases to build/results/kunit-ARCH.tap.
. "$(dirname "$0")/lib.sh"

arch=$1 dir=${2:-$TREE}
[ -d "$dir" ] || die "no kernel tree at $dir: run 'make tree'"
out=$BUILD/out/kunit-$arch
mkdir -p "$BUILD/out"
tap_start "kunit-$arch"
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1

# The README tells users to run the UML and x86_64 suites with kunit.py:
# those commands are run as the README writes them, with a build directory
# and ccache added.
readme_cmd() {
	grep -m1 -xF "./tools/testing/kunit/kunit.py run $1" "$TOP/README.md" ||
		die "README.md no longer shows 'kunit.py run $1', which kunit.sh runs"
}
wrap=()
case $arch in
uml)
	cmd=$(readme_cmd "--kunitconfig=drivers/iommu")
	args=(--jobs "$JOBS" --make_options "CC=ccache gcc")
	# The library's suite runs at every boot of both guests, with its
	# case count required, and under UML in the mutants stage, which
	# first requires it to pass unmutated (in a smaller UML kernel);
	# building the UML kernel this command makes as well cost 800 CPU
	# seconds of a cold run.  By default the command only configures,
	# FULL=1 runs it.
	if [ "${FULL:-0}" != 1 ]; then
		cmd=${cmd/ run / config }
		args=(--make_options "CC=ccache gcc")
	fi
	;;
x86_64)
	cmd=$(readme_cmd "--arch=x86_64 --kunitconfig=drivers/iommu/intel")
	args=(--jobs "$JOBS" --make_options "CC=ccache gcc" --timeout 900)
	# The VT-d suite runs at every boot of the guest stage, with its
	# case count required; building kunit.py's own x86_64 kernel as well
	# took 7 minutes of a cold run.  By default the command only
	# configures (kunit.py checks the suite's .kunitconfig holds), FULL=1
	# runs it.
	if [ "${FULL:-0}" != 1 ]; then
		cmd=${cmd/ run / config }
		args=(--make_options "CC=ccache gcc")
	fi
	# QEMU takes KVM whenever /dev/kvm exists; where it cannot run
	# guests (as here) the run would time out.  Hide it, as the README
	# says, unless a guest boots with it.
	if [ -e /dev/kvm ] && [ "${QEMU_ACCEL:-}" != kvm ]; then
		unshare -m true 2>/dev/null ||
			die "/dev/kvm exists and cannot be hidden (unshare -m fails): set QEMU_ACCEL=kvm if it runs guests"
		wrap=(unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" "$@"')
	fi
	;;
arm64)
	cmd="./tools/testing/kunit/kunit.py run --arch=arm64"
	args=(--jobs "$JOBS" --cross_compile=aarch64-linux-gnu-
	      --kunitconfig="$TESTBED/configs/arm64.kunitconfig"
	      --make_options "CC=ccache aarch64-linux-gnu-gcc"
	      --timeout 900)
	;;
*)	die "unknown KUnit arch $arch" ;;
esac
read -ra cmd <<<"$cmd"

res=$BUILD/results/kunit-$arch.txt
log "kunit $arch: kunit.py run, its output in $res"
# kunit.py's progress and results as they come (a cold arm64 run builds
# a kernel for minutes).
rm -f "$res.rc"
(cd "$dir" || exit; r=0
 ${wrap[@]+"${wrap[@]}"} "${cmd[@]}" --build_dir="$out" "${args[@]}" || r=$?
 echo "$r" > "$res.rc") 2>&1 | tee "$res" |
	{ grep --line-buffered -E '^\[[0-9:]+\] ' |
	  grep --line-buffered -vE 'Populating|Building with|make ' >&2 || true; }
rc=$(cat "$res.rc" 2>/dev/null || echo 1)
if [ "${cmd[1]}" = config ]; then
	if ((rc == 0)) && [ -f "$out/.config" ]; then
		ok "$arch: the README's command configures: ${cmd[*]} (the suite runs at each guest boot$([ "$arch" = uml ] && echo ' and in the mutants stage'); FULL=1 runs it here)"
	else
		tail -n 20 "$res" >&2
		nok "$arch: ${cmd[*]} (exit status $rc)"
	fi
	tap_end
	exit
fi
if ((rc)) && ! grep -q 'Starting KUnit Kernel' "$res"; then
	tail -n 30 "$res" >&2
	die "kunit.py failed on $arch before running the tests"
fi
[ -f "$out/test.log" ] || die "kunit.py left no $out/test.log"
tap_import "$out/test.log" ""
# kunit.py fails for a crash or a suite cut short too: one more case.
if ((rc)); then
	nok "kunit.py run on $arch (exit status $rc)"
fi
[ "$arch" = arm64 ] || { tap_end; exit; }

# SMMUv3's suite: the series changes how its test file calls the writer
# and adds the transitions it makes hitless; it drops no case.  Every case
# of the base file must still be in the series' file, and the run must
# report the series' file's count, all passed; FULL=1 also runs the suite
# on the unpatched base (an arm64 kernel build more) to show it passes
# there.
suite=$SMMU_KUNIT_SUITE
tfile=$SMMU_KUNIT_FILE
n_base=$(kunit_cases "$CACHE/base/linux-source/$tfile" | wc -l)
n_file=$(kunit_cases "$dir/$tfile" | wc -l)
dropped=$(comm -23 <(kunit_cases "$CACHE/base/linux-source/$tfile") <(kunit_cases "$dir/$tfile"))
n_series=$(kunit_ran "$suite" "$res")
if ((n_base == 0)); then
	nok "$suite: no case found in the base's $tfile"
elif [ -n "$dropped" ]; then
	nok "$suite: the series drops cases of the base's $tfile: $(echo $dropped)"
elif [ "$n_series" != "$n_file" ] || ! kunit_passed "$suite" "$res"; then
	nok "$suite: ${n_series:-no} cases run with the series, $n_file in its $tfile"
else
	ok "$suite: $n_file cases, all passed with the series: the base's $n_base and $((n_file - n_base)) new"
fi
if [ "${FULL:-0}" = 1 ]; then
	base_res=$BUILD/results/kunit-arm64-base.txt
	(cd "$CACHE/base/linux-source" && python3 tools/testing/kunit/kunit.py run \
		--build_dir="$BUILD/out/kunit-arm64-base" --jobs "$JOBS" --arch=arm64 \
		--cross_compile=aarch64-linux-gnu- --timeout 900 \
		--kunitconfig="$TESTBED/configs/arm64-base.kunitconfig" \
		--make_options "CC=ccache aarch64-linux-gnu-gcc") > "$base_res" 2>&1 || true
	if [ "$(kunit_ran "$suite" "$base_res")" = "$n_base" ] && kunit_passed "$suite" "$base_res"; then
		ok "$suite on the unpatched base: $n_base cases, all passed"
	else
		tail -n 30 "$base_res" >&2
		nok "$suite on the unpatched base (see $base_res)"
	fi
fi
echo "$suite base=$n_base file=$n_file series=${n_series:-none}" > "$BUILD/results/kunit-arm64-smmu.txt"
tap_end
