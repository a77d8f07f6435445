#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of the project, in order; a failed stage does not stop the
# ones after it (except the tree, which all need).  Ends with a table of
# stages and times and the line "N passed, N failed".
. "$(dirname "$0")/lib.sh"

stages=(
	"setup|setup.sh"
	"selftest|selftest.sh"
	"tree|tree.sh"
	"check-export|check-export.sh"
	"checkpatch|lint.sh checkpatch"
	"cross|lint.sh cross"
	"kunit-uml|kunit.sh uml"
	"mutants|mutants.sh"
	"differential|bench.sh differential"
	"kunit-arm64|kunit.sh arm64"
	"guest|guest-test.sh"
	"warnings|lint.sh warnings"
	"bisect|lint.sh bisect"
)
[ -n "${STAGES:-}" ] && IFS=' ' read -ra only <<<"$STAGES"
# A name in STAGES that is no stage (a make target, a typo) would run
# nothing and pass: refuse it.
for n in ${STAGES:-}; do
	known=0
	for s in "${stages[@]}"; do [ "${s%%|*}" = "$n" ] && known=1; done
	((known)) || die "STAGES: no stage '$n' (stages: $(printf '%s ' "${stages[@]%%|*}"))"
done

mkdir -p "$BUILD/results"
summary=$BUILD/results/check-summary.txt
: > "$summary"
total_p=0 total_f=0
t_all=$(date +%s)
for s in "${stages[@]}"; do
	name=${s%%|*} cmd=${s#*|}
	if [ -n "${STAGES:-}" ] && [[ " ${only[*]} " != *" $name "* ]]; then
		continue
	fi
	t0=$(date +%s)
	log "[$name] $cmd"
	rm -f "$BUILD/results/$name.count"
	rc=0
	# shellcheck disable=SC2086
	"$TESTBED"/$cmd || rc=$?
	dt=$(($(date +%s) - t0))
	# Stages that count test cases leave "passed failed" behind.
	case $name in
	kunit-uml|kunit-arm64) cf=$BUILD/results/$name.count ;;
	guest) cf=$BUILD/results/guest-x86_64.count ;;
	checkpatch|warnings|bisect|cross) cf=$BUILD/results/lint-$name.count ;;
	mutants) cf=$BUILD/results/mutants.count ;;
	selftest) cf=$BUILD/results/selftest.count ;;
	differential) cf=$BUILD/results/differential.count ;;
	*) cf="" ;;
	esac
	p=0 f=0
	if [ -n "$cf" ] && [ -f "$cf" ] && [ "$cf" -nt "$summary" ]; then
		read -r p f < "$cf"
	fi
	# A stage that failed without counting a failure counts as one; a
	# counting stage that passed without counting anything ran nothing,
	# which is a failure too.
	if ((rc)) && ((f == 0)); then f=1; fi
	if [ -n "$cf" ] && ((rc == 0 && p == 0 && f == 0)); then
		log "[$name] reported no results"
		rc=1 f=1
	fi
	if [ -z "$cf" ] && ((rc == 0)); then p=1; fi
	total_p=$((total_p + p)) total_f=$((total_f + f))
	printf '%-14s %5ss  %4s passed %4s failed%s\n' "$name" "$dt" "$p" "$f" \
		"$( ((rc)) && echo '  <== FAILED')" >> "$summary"
	log "[$name] $( ((rc)) && echo FAILED || echo ok) in ${dt}s"
	if ((rc)) && [ "$name" = tree ]; then
		log "the series does not apply; later stages need it"
		break
	fi
done
echo
echo "stage          time    results"
cat "$summary"
echo "total $(($(date +%s) - t_all))s"
echo
echo "check: $total_p passed, $total_f failed"
((total_f == 0))
