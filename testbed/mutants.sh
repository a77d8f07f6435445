#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the entry_sync KUnit suite can fail: break the library in each
# way listed in testbed/mutants/entry_sync.py, one at a time, run the suite
# under UML, and require it to fail.  A mutant that passes is a hole in the
# tests.  The tree is restored after each mutant, whatever happens.
#
#   mutants.sh [TREE]
#
# Writes build/results/mutants.tap: "ok" for each mutant the suite killed.
. "$(dirname "$0")/lib.sh"

dir=${1:-$TREE}
[ -d "$dir" ] || die "no kernel tree at $dir: run 'make tree'"
# kunit-uml's build directory: the same tree and .kunitconfig, so that
# each mutant rebuilds only the library (a directory of its own cost a
# cold UML build more).
out=$BUILD/out/kunit-uml
mkdir -p "$out"
tap_start mutants
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
list=$TESTBED/mutants/entry_sync.py
files=(drivers/iommu/entry_sync.c drivers/iommu/entry_sync_template.h)

[ -z "$(git -C "$dir" status --porcelain -- "${files[@]}")" ] ||
	die "$dir has uncommitted changes in ${files[*]}"
restore() { git -C "$dir" checkout -q -- "${files[@]}"; }
trap restore EXIT

for name in $(python3 "$list" --list); do
	python3 "$list" --apply "$name" "$dir" || die "mutant $name no longer applies"
	log "mutant $name: $(python3 "$list" --describe "$name")"
	res=$BUILD/results/mutant-$name.txt
	rc=0
	(cd "$dir" && python3 tools/testing/kunit/kunit.py run --build_dir="$out" \
		--jobs "$JOBS" --kunitconfig=drivers/iommu/.kunitconfig \
		--make_options "CC=ccache gcc") > "$res" 2>&1 || rc=$?
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
