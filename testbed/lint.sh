#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the series.
#
#   lint.sh checkpatch   scripts/checkpatch.pl --strict on every patch
#   lint.sh warnings     sparse (C=2) and W=1 on the objects of drivers/iommu/
#                        that read a file the series changes, x86_64 and
#                        arm64: no warning that the base does not have
#   lint.sh bisect       every prefix of the series builds drivers/iommu/
#                        on x86_64 and arm64 (where the patch changes a
#                        file that build reads)
#   lint.sh cross        entry_sync and its KUnit build on i386 and riscv64;
#                        drivers/iommu/ in x86_64 tinyconfig and a fixed-seed
#                        x86_64 randconfig (FULL=1: three, and arm64's) with
#                        its users on
#
# Each writes its results to build/results/WHAT.tap.
. "$(dirname "$0")/lib.sh"

what=${1:-}
case $what in
checkpatch|warnings|bisect|cross) tap_start "$what" ;;
*) die "usage: lint.sh checkpatch|warnings|bisect|cross" ;;
esac
# The build logs go next to the build directories, which a stage run on
# its own in a fresh clone does not find made.
mkdir -p "$BUILD/out"

# build_errors LOG: the errors of a failed build, or the end of its log if
# it failed without one (killed, out of space).
build_errors() {
	grep -m 20 -E 'error|Error' "$1" >&2 || tail -n 20 "$1" >&2
}

all_patches=$(series_patches) || exit 1
patches() { for f in $all_patches; do echo "${f##*/}"; done; }

case $what in
checkpatch)
	[ -d "$TREE" ] || die "no kernel tree: run 'make tree'"
	for p in $(patches); do
		# spdxcheck.py wants Debian's python3 with python3-ply.
		rc=0
		out=$(cd "$TREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict \
			--show-types --terse "$TOP/patches/$p" 2>&1) || rc=$?
		findings=$(grep -E ': (ERROR|WARNING|CHECK):' <<<"$out" || true)
		# checkpatch exits 1 for findings.  A failure with no finding, or
		# any other exit status, is checkpatch itself failing (a perl
		# error, a missing file): it may have checked nothing.
		if ((rc > 1)) || { ((rc)) && [ -z "$findings" ]; }; then
			printf '%s\n' "$out" >&2
			nok "checkpatch $p: exit status $rc without a finding"
			continue
		fi
		left=""
		while IFS= read -r f; do
			[ -n "$f" ] || continue
			accepted=0
			while IFS=$'\t' read -r glob re why; do
				case "$glob" in ''|'#'*) continue ;; esac
				# shellcheck disable=SC2053
				[[ $p == $glob ]] && grep -qE "$re" <<<"$f" && accepted=1
			done < "$TESTBED/checkpatch-exceptions"
			((accepted)) || left+="$f"$'\n'
		done <<<"$findings"
		if [ -z "$left" ]; then
			ok "checkpatch $p"
		else
			printf '%s' "$left" >&2
			nok "checkpatch $p"
		fi
	done
	# kernel-doc of every C file the series adds or changes.
	files=$(git -C "$TREE" diff --name-only --diff-filter=AM base HEAD -- '*.c' '*.h')
	for f in $files; do
		out=$(cd "$TREE" && scripts/kernel-doc -none -Wall "$f" 2>&1 || true)
		# Only what the series added: compare with the base file, if any.
		if [ -n "$out" ] && git -C "$TREE" cat-file -e "base:$f" 2>/dev/null; then
			before=$(cd "$TREE" && git show "base:$f" > "$BUILD/kdoc.base" &&
				 scripts/kernel-doc -none -Wall "$BUILD/kdoc.base" 2>&1 |
				 sed "s|$BUILD/kdoc.base|$f|" || true)
			out=$(LC_ALL=C comm -13 <(sed -E 's/:[0-9]+([: ])/:\1/' <<<"$before" | sort -u) \
				<(sed -E 's/:[0-9]+([: ])/:\1/' <<<"$out" | sort -u))
		fi
		if [ -z "$out" ]; then
			ok "kernel-doc $f"
		else
			printf '%s\n' "$out" >&2
			nok "kernel-doc $f"
		fi
	done
	tap_end
	;;

warnings)
	[ -d "$TREE" ] || die "no kernel tree: run 'make tree'"
	# Each kernel is configured by kernel_frags alone, so the verdict
	# does not depend on which stages ran before.  They are the guest
	# kernels' build directories (guest-test.sh [arm64] builds the
	# series' in build/out/x86_64 and build/out/arm64, STOCK=1 the
	# base's), shared to save their configuration and build.
	# Checked: the objects of drivers/iommu/ that read a file the series
	# changes (its .c or a header, as the series' build recorded them),
	# in the series and, those the base has, in the base.  The others
	# compile the same source with the same headers on both sides, so
	# they cannot warn anew.
	base_src=$CACHE/base/linux-source
	sparse=$("$TESTBED/fetch-sparse.sh") || die "no usable sparse"
	git -C "$TREE" diff --name-only base > "$BUILD/results/warnings-changed.txt" ||
		die "no tag 'base' in $TREE"
	for arch in x86_64 arm64; do
		k=$arch
		[ $arch = arm64 ] && k=arm64-guest
		o=$BUILD/out/$arch
		# The series' build first (done already if its guest stage ran):
		# its .cmd files say which object reads what.
		if ! "$TESTBED/kbuild.sh" $arch "$TREE" "$o" "$(kernel_frags $k series)" \
			-s drivers/iommu/ > "$o.lint.log" 2>&1; then
			cat "$o.lint.log" >&2
			nok "$arch: the series' drivers/iommu/ builds"
			continue
		fi
		mapfile -t objs < <("$TESTBED/objs-reading.py" "$o" "$TREE" drivers/iommu \
			< "$BUILD/results/warnings-changed.txt")
		if ((${#objs[@]} == 0)); then
			nok "$arch: no object of drivers/iommu/ reads a file the series changes"
			continue
		fi
		for side in base series; do
			f=$(kernel_frags $k $side) src=$TREE
			[ $side = base ] && src=$base_src
			case $side in
			base)	o=$BUILD/out/base-$arch ;;
			series)	o=$BUILD/out/$arch ;;
			esac
			these=()
			for obj in "${objs[@]}"; do
				[ -f "$src/${obj%.o}.c" ] && these+=("$obj")
			done
			log "$arch $side: sparse + W=1 build of ${#these[@]} objects of drivers/iommu/ in $o (log: $o.lint.log)"
			"$TESTBED/kbuild.sh" $arch "$src" "$o" "$f" -s prepare > "$o.lint.log" 2>&1 ||
				{ cat "$o.lint.log" >&2; nok "$arch $side: prepare"; continue; }
			# Compile them again so that every warning is seen.
			rm -f "${these[@]/#/$o/}"
			"$TESTBED/kbuild.sh" $arch "$src" "$o" - -k C=2 CHECK="$sparse" W=1 \
				"${these[@]}" > "$o.lint.log" 2>&1 ||
				{ nok "$arch $side: build (see $o.lint.log)"; continue; }
			# The kernel silently skips a sparse it finds too old.
			if grep -q 'is not available or not up to date' "$o.lint.log"; then
				nok "$arch $side: sparse did not run (see $o.lint.log)"
				continue
			fi
			# "SRC/file:line:col: warning: text" -> "file: warning: text",
			# whether the compiler printed SRC absolute or relative.
			grep -E '(warning|error):' "$o.lint.log" |
				sed -E -e 's#^[^: ]*/((include|drivers|arch|lib|kernel|mm|fs|net|block|security|crypto|init|virt|sound|tools|scripts|rust)/[^: ]*):#\1:#' \
				       -e 's|^([^:]+):[0-9]+(:[0-9]+)?:|\1:|' |
				LC_ALL=C sort -u > "$BUILD/results/warnings-$arch-$side.txt"
			# Leave the objects as the other stages expect them: built
			# without W=1.
			rm -f "${these[@]/#/$o/}"
		done
		new=$(LC_ALL=C comm -13 "$BUILD/results/warnings-$arch-base.txt" \
			"$BUILD/results/warnings-$arch-series.txt" 2>/dev/null || true)
		if [ -z "$new" ]; then
			ok "$arch: sparse + W=1 on the ${#objs[@]} objects of drivers/iommu/ that read the series' changes, no new warnings" \
			   "($(wc -l < "$BUILD/results/warnings-$arch-base.txt") in base)"
		else
			printf '  %s\n' "$new" >&2
			nok "$arch: new sparse/W=1 warnings"
		fi
	done
	tap_end
	;;

bisect)
	dir=$BUILD/bisect/linux
	FORCE=1 BASE_ONLY=1 "$TESTBED/tree.sh" "$dir" >/dev/null 2>&1 ||
		die "could not materialize $dir"
	# Each prefix of the series builds drivers/iommu/ on x86_64 and arm64,
	# the longest first.  The build directories are as far from this tree
	# as the guest kernels' (build/out/ARCH) are from build/linux, so that
	# ccache, which sees relative paths, finds the objects both compile
	# from the same source and configuration: each architecture's is its
	# guest kernel's.  The whole series comes first, so that the guest
	# kernels, built later (guest-test.sh), find in the cache the objects
	# the series changes as well as the prepare step and the rest of
	# drivers/iommu/; then each shorter prefix is one incremental build
	# (git checkout gives the files it changes a new time), as many as in
	# patch order.
	mapfile -t names < <(patches)
	commits=()
	for p in "${names[@]}"; do
		am_patch "$dir" "$TOP/patches/$p" ||
			die "patch does not apply: patches/$p"
		commits+=("$(git -C "$dir" rev-parse HEAD)")
	done
	bo=$BUILD/bisect/out
	mkdir -p "$bo"
	declare -A broken=()
	for ((i = ${#names[@]} - 1; i >= 0; i--)); do
		p=${names[$i]} c=${commits[$i]}
		log "bisect: $p, drivers/iommu/ on x86_64 and arm64 (logs: $bo/ARCH.log)"
		git -C "$dir" checkout -q -f "$c"
		mapfile -t changed < <(git -C "$dir" diff --name-only "$c~1" "$c")
		for arch in x86_64 arm64; do
			if ! bisect_reaches $arch "${changed[@]}"; then
				ok "$p builds drivers/iommu/ on $arch # SKIP it changes no file that build reads"
				continue
			fi
			k=$arch
			[ $arch = arm64 ] && k=arm64-guest
			f=$(kernel_frags $k series)
			if ALLOW_MISSING=1 "$TESTBED/kbuild.sh" $arch "$dir" \
				"$bo/$arch" "$f" -s drivers/iommu/ \
				> "$bo/$arch.log" 2>&1; then
				ok "$p builds drivers/iommu/ on $arch"
			else
				build_errors "$bo/$arch.log"
				nok "$p builds drivers/iommu/ on $arch"
				broken[$arch]=$p
			fi
		done
	done
	for arch in "${!broken[@]}"; do
		log "first patch that breaks the $arch build: ${broken[$arch]}"
	done
	tap_end
	;;
cross)
	# drivers/iommu/ W=1 in configurations the testbed's own kernels are
	# not, each ARCH:FRAGMENTS:NAME (kbuild.sh):
	#  - i386 and riscv64 with the library's KUnit suite: it is default
	#    KUNIT_ALL_TESTS, so it must build where there is no 128-bit
	#    writer (a 32-bit and a non-x86/arm64 64-bit architecture);
	#  - what the kernel's build bots try: tinyconfig with only VT-d,
	#    iommufd and VFIO (a file that uses a header it does not include
	#    shows there; and KUnit is off, so VISIBLE_IF_KUNIT symbols are
	#    static, which nothing may declare otherwise), and random
	#    configurations with fixed seeds, the library, its users and their
	#    KUnit suites forced on: x86_64's seed 1 by default (the library,
	#    VT-d and AMD: most of the series), seeds 1 2 3 of x86_64 and arm64
	#    with FULL=1, CROSS_SEEDS (both architectures) to choose.  arm64's
	#    is the dearest cross build (about 200 CPU seconds cold, against
	#    x86_64's 115), and every run builds SMMUv3 in the arm64 guest's
	#    configuration already (bisect, warnings, the guest).
	# Each must build entry_sync.o (and entry_sync_kunit.o where its
	# configuration has the suite), with no W=1 warning in the library or
	# its users.
	[ -d "$TREE" ] || die "no kernel tree: run 'make tree'"
	rand="x86_64:1"
	[ "${FULL:-0}" = 1 ] && rand="x86_64:1 arm64:1 x86_64:2 arm64:2 x86_64:3 arm64:3"
	if [ -n "${CROSS_SEEDS:-}" ]; then
		rand=""
		for seed in $CROSS_SEEDS; do rand+=" x86_64:$seed arm64:$seed"; done
	fi
	builds="i386:cross.config:kunit riscv64:cross.config,riscv64.config:kunit"
	builds+=" x86_64:x86_64-tiny.config:tinyconfig"
	for r in $rand; do
		a=${r%:*} seed=${r#*:}
		builds+=" $a:rand:$seed:$a-rand.config:randconfig-$seed"
	done
	users='entry_sync|intel/(pasid|cache|iommu|dmar|nested|svm)|amd/(iommu|dte_kunit|nested)|arm-smmu-v3'
	for b in $builds; do
		arch=${b%%:*} name=${b##*:} f=${b#*:} f=${f%:*}
		o=$BUILD/out/cross-$arch-$name
		log "$arch $name: W=1 build of drivers/iommu/ in $o (log: $o.log)"
		rm -f "$o"/drivers/iommu/entry_sync*.o
		if ! "$TESTBED/kbuild.sh" $arch "$TREE" "$o" "$f" -s W=1 drivers/iommu/ \
			> "$o.log" 2>&1; then
			build_errors "$o.log"
			nok "$arch $name: drivers/iommu/ with entry_sync (see $o.log)"
			continue
		fi
		want=entry_sync.o
		grep -q '^CONFIG_IOMMU_ENTRY_SYNC_KUNIT_TEST=[ym]' "$o/.config" &&
			want+=" entry_sync_kunit.o"
		if [ "$name" = tinyconfig ]; then
			want+=" intel/pasid.o"
			if grep -q '^CONFIG_KUNIT=' "$o/.config"; then
				nok "$arch $name: KUnit is on, so nothing builds the series without it"
				continue
			fi
		fi
		missing=""
		for obj in $want; do
			[ -f "$o/drivers/iommu/$obj" ] || missing+=" $obj"
		done
		warn=$(grep -E "($users)[^ ]*: warning:" "$o.log" || true)
		if [ -n "$missing" ]; then
			nok "$arch $name: not built:$missing"
		elif [ -n "$warn" ]; then
			printf '%s\n' "$warn" >&2
			nok "$arch $name: W=1 warnings in entry_sync or its users"
		else
			ok "$arch $name: drivers/iommu/ with $want, W=1 clean$([ "$name" = tinyconfig ] && echo ', KUnit off')"
		fi
	done
	tap_end
	;;
*)
	die "usage: lint.sh checkpatch|warnings|bisect|cross"
	;;
esac
