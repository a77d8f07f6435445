#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the entry_sync KUnit suite can fail: run it under UML on the
# library as it is, where every case must pass, then break the library in
# each way listed in testbed/mutants/entry_sync.py, one at a time, run the
# suite again and require it to fail.  A mutant that passes is a hole in
# the tests.  The tree is restored after each mutant, whatever happens.
#
#   mutants.sh [TREE]
#
# Writes build/results/mutants.tap: "ok" for the unmutated run and for each
# mutant the suite killed.
. "$(dirname "$0")/lib.sh"

dir=${1:-$TREE}
[ -d "$dir" ] || die "no kernel tree at $dir: run 'make tree'"
# A UML kernel of its own, smaller than kunit.py's default one
# (configs/uml-mutants.kunitconfig); each mutant rebuilds only the library
# and links it.
out=$BUILD/out/kunit-mutants
mkdir -p "$out"
tap_start mutants
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
list=$TESTBED/mutants/entry_sync.py
files=(drivers/iommu/entry_sync.c drivers/iommu/entry_sync_template.h)

[ -z "$(git -C "$dir" status --porcelain -- "${files[@]}")" ] ||
	die "$dir has uncommitted changes in ${files[*]}"
restore() { git -C "$dir" checkout -q -- "${files[@]}"; }
trap restore EXIT

# run_suite RESULT: the library's suite under UML, kunit.py's output to
# RESULT.
run_suite() {
	(cd "$dir" && python3 tools/testing/kunit/kunit.py run --build_dir="$out" \
		--jobs "$JOBS" --kunitconfig=drivers/iommu/.kunitconfig \
		--kunitconfig="$TESTBED/configs/uml-mutants.kunitconfig" \
		--make_options "CC=ccache gcc") > "$1" 2>&1
}

# Unmutated, every case of the suite passes: a suite that fails anyway
# would "kill" every mutant.
suite=iommu-entry-sync
want=$(kunit_cases "$dir/drivers/iommu/entry_sync_kunit.c" | wc -l)
res=$BUILD/results/mutant-none.txt
log "the suite on the unmutated library (UML kernel in $out, output in $res)"
rc=0
run_suite "$res" || rc=$?
ran=$(kunit_ran "$suite" "$res")
if ((rc == 0)) && [ "$ran" = "$want" ] && kunit_passed "$suite" "$res"; then
	ok "the unmutated library passes $suite under UML: $ran cases"
else
	tail -n 20 "$res" >&2
	nok "the unmutated library under UML: $suite did not pass (${ran:-no} of its $want cases ran, exit status $rc; see $res)"
	tap_end
	exit 1
fi

for name in $(python3 "$list" --list); do
	python3 "$list" --apply "$name" "$dir" || die "mutant $name no longer applies"
	log "mutant $name: $(python3 "$list" --describe "$name")"
	res=$BUILD/results/mutant-$name.txt
	rc=0
	run_suite "$res" || rc=$?
	restore
	summary=$(grep -E 'Testing complete|could not|ERROR|crashed' "$res" | tail -n 1)
	if grep -q 'Building KUnit Kernel' "$res" && ! grep -q 'Starting KUnit Kernel' "$res"; then
		# A mutant that does not build shows nothing about the tests.
		tail -n 20 "$res" >&2
		die "mutant $name does not build (see $res)"
	fi
	# Killed means the suite saw it: a failed case, or the kernel
	# crashing or hanging in a test; not kunit.py failing around it.
	if ((rc)) && ! grep -qE '\[(FAILED|CRASHED)\]|crashed|[Tt]imed out' "$res"; then
		tail -n 20 "$res" >&2
		nok "mutant $name: kunit.py failed without a failed, crashed or hung test (see $res)"
	elif ((rc)); then
		ok "mutant $name killed: $summary"
		grep -E '\[FAILED\]' "$res" | sed 's/^/    /' >&2 || true
	else
		nok "mutant $name survived: $summary"
	fi
done
tap_end
