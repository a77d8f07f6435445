#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of the project, in order (some in the background beside the
# others, below); a failed stage does not stop the ones after it (except
# the tree, which all need).  Each stage writes its
# cases as TAP to build/results/STAGE.tap, which tap.py counts, and its
# output goes to build/results/STAGE.log.  Ends with a table of stages,
# times and cases, the end of each failed stage's output, and the line
# "N passed, N failed".  The table's cpu column is the CPU time (user +
# system, seconds) of the stage's processes: on two cores it, not the
# wall time, is what the stages beside each other add up to.
#
#   STAGES="a b"   only these stages (a name that is no stage fails)
#   FULL=1         the slow extras too (kunit-arm64: kunit.py's own arm64
#                  kernel, and SMMUv3's suite on the unpatched arm64 base;
#                  guest-test.sh: the driver test on edu and igb with every
#                  container back-end)
. "$(dirname "$0")/lib.sh"

stages=(
	"setup|setup.sh"
	"bisect|lint.sh bisect|idle"
	"selftest|selftest.sh"
	"tree|tree.sh"
	"check-export|check-export.sh"
	"checkpatch|lint.sh checkpatch"
	"cross|lint.sh cross"
	"kunit-uml|kunit.sh uml"
	"mutants|mutants.sh"
	"guest-arm64-kernel|guest-test.sh arm64 --kernel-only|background"
	"differential|bench.sh differential"
	"kunit-arm64|kunit.sh arm64|background"
	"kunit-x86_64|kunit.sh x86_64|background"
	"guest|guest-test.sh"
	"guest-arm64|guest-test.sh arm64"
	"warnings|lint.sh warnings"
)
# SMMUv3's suite and the library's run at each boot of the arm64 guest,
# with their case counts required; kunit.py's own arm64 kernel (a build
# of 20 minutes cold) only with FULL=1 or when STAGES names it.
if [ "${FULL:-0}" != 1 ] && [[ " ${STAGES:-} " != *" kunit-arm64 "* ]]; then
	for i in "${!stages[@]}"; do
		if [[ ${stages[$i]} == kunit-arm64\|* ]]; then unset "stages[$i]"; fi
	done
	stages=("${stages[@]}")
fi
# A "background" stage starts with the next foreground stage and runs
# beside the rest at the lowest CPU priority, on what the others leave
# idle: checkpatch and the tree's git are single-threaded, and the guest
# stage's TCG boots keep one of the two cores busy for many minutes.  An
# "idle" one runs in the background too, as SCHED_IDLE: below the
# background ones.  bisect is one, so that the arm64 guest's kernel,
# built in the background beside the x86_64 guest's boots, gets the idle
# core first: the arm64 guest stage waits for it.  It starts first, on
# the core that selftest and the tree's git leave idle.
# Such a stage must read nothing that a stage running beside it writes:
# bisect has its own tree (from the cached base, which fetch-base.sh and
# tree.sh make one at a time under their locks, and patches/); the KUnit
# builds read build/linux, so they start after mutants, which edits it.
# Its output goes to its STAGE.log only; it is judged when it ends, after
# the stages it ran beside.
#
# selftest.sh runs this script on stand-in stages: NAME|/ABSOLUTE/CMD[|background],
# one per line.
if [ -n "${CHECK_STAGE_LIST:-}" ]; then
	mapfile -t stages <<<"$CHECK_STAGE_LIST"
fi
[ -n "${STAGES:-}" ] && IFS=' ' read -ra only <<<"$STAGES"
# A name in STAGES that is no stage (a make target, a typo) would run
# nothing and pass: refuse it.
for n in ${STAGES:-}; do
	known=0
	for s in "${stages[@]}"; do [ "${s%%|*}" = "$n" ] && known=1; done
	((known)) || die "STAGES: no stage '$n' (stages: $(printf '%s ' "${stages[@]%%|*}"))"
done

mkdir -p "$BUILD/results"
summary=$BUILD/results/check-summary.txt why=$BUILD/results/check-failures.txt
: > "$summary"
: > "$why"
total_p=0 total_f=0 total_cpu=0 ran=0
t_all=$(date +%s)

# run_stage NAME CMD: the stage's command, its output to STAGE.log too;
# its CPU time to STAGE.log.cpu.  It runs in a subshell of its own, whose
# waited-for children are the stage's processes: the main shell's would
# also count a background stage that ends meanwhile.
run_stage() {
	(
		rc=0
		# shellcheck disable=SC2086
		case $2 in
		/*) $2 || rc=$? ;;		# selftest.sh's stand-in stages
		*) "$TESTBED"/$2 || rc=$? ;;
		esac
		# Fields 16 and 17 of /proc/PID/stat (after the command name):
		# the CPU time of the waited-for children, in clock ticks.
		pid=$BASHPID
		sed 's/^.*) //' "/proc/$pid/stat" |
			awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) / hz + 0.5 }' \
			> "$BUILD/results/$1.log.cpu"
		exit "$rc"
	)
}

# judge NAME RC SECONDS: count the stage's TAP file, add its line to the
# table and, if it failed, the reasons below it.
judge() {
	local name=$1 rc=$2 dt=$3 p f cpu
	local tap=$BUILD/results/$name.tap stagelog=$BUILD/results/$name.log
	# Every stage writes its cases to build/results/STAGE.tap: no file,
	# no result or no plan (it stopped half-way) is a failure, and so is
	# a non-zero exit status that no failed case accounts for.
	read -r p f < <(python3 "$TESTBED/tap.py" judge "$tap" 2> "$tap.judge" || true)
	if [ -s "$tap.judge" ]; then
		sed "s/^/[$name] /" "$tap.judge" >&2
		((rc)) || rc=1
	fi
	if ((rc)) && ((f == 0)); then f=1; fi
	if ((f)) && ((rc == 0)); then rc=1; fi
	total_p=$((total_p + p)) total_f=$((total_f + f))
	cpu=$(cat "$stagelog.cpu" 2>/dev/null || echo '?')
	[ "$cpu" = '?' ] || total_cpu=$((total_cpu + cpu))
	printf '%-18s %5ss %6ss  %4s passed %4s failed%s\n' "$name" "$dt" "$cpu" "$p" "$f" \
		"$( ((rc)) && echo '  <== FAILED')" >> "$summary"
	# Why it failed, for the end of the output (CI often shows only
	# that): its failed cases, what the judge said, its last lines.
	if ((rc)); then
		{
			echo "[$name] failed; its output: $stagelog"
			grep -s '^not ok' "$tap" | grep -v ' # TODO' | head -n 5 || true
			cat "$tap.judge"
			tail -n 8 "$stagelog"
		} | sed 's/^/  /' >> "$why"
	fi
	log "[$name] $( ((rc)) && echo FAILED || echo ok) in ${dt}s"
	return "$rc"
}

bg_names=() bg_pids=() bg_t0=()
for s in "${stages[@]}"; do
	name=${s%%|*} cmd=${s#*|} mode=
	if [[ $cmd == *"|"* ]]; then mode=${cmd#*|} cmd=${cmd%%|*}; fi
	if [ -n "${STAGES:-}" ] && [[ " ${only[*]} " != *" $name "* ]]; then
		continue
	fi
	t0=$(date +%s) ran=$((ran + 1))
	tap=$BUILD/results/$name.tap stagelog=$BUILD/results/$name.log
	rm -f "$tap" "$stagelog.rc" "$stagelog.cpu"
	if [ "$mode" = background ] || [ "$mode" = idle ]; then
		log "[$name] $cmd: in the background, at the lowest priority; its output in $stagelog"
		(
			renice -n 19 -p "$BASHPID" >/dev/null
			if [ "$mode" = idle ]; then
				chrt --idle -p 0 "$BASHPID" >/dev/null ||
					log "[$name] chrt --idle failed: nice 19 only"
			fi
			rc=0
			run_stage "$name" "$cmd" > "$stagelog" 2>&1 || rc=$?
			echo "$rc" > "$stagelog.rc"
		) &
		bg_names+=("$name") bg_pids+=($!) bg_t0+=("$t0")
		continue
	fi
	log "[$name] $cmd"
	# The stage's output goes to the terminal and to STAGE.log, whose
	# end is shown below the table if the stage fails.
	set +e
	run_stage "$name" "$cmd" 2>&1 | tee "$stagelog"
	rc=${PIPESTATUS[0]}
	set -e
	if ! judge "$name" "$rc" $(($(date +%s) - t0)) && [ "$name" = tree ]; then
		log "the series does not apply; later stages need it"
		break
	fi
done
for i in "${!bg_names[@]}"; do
	name=${bg_names[$i]}
	log "[$name] waiting for it to end (output: $BUILD/results/$name.log)"
	wait "${bg_pids[$i]}" || true
	t1=$(date +%s)
	tail -n 5 "$BUILD/results/$name.log" >&2
	judge "$name" "$(cat "$BUILD/results/$name.log.rc" 2>/dev/null || echo 1)" \
		$((t1 - bg_t0[i])) || true
done
echo
echo "stage               time    cpu  results"
cat "$summary"
echo "total $(($(date +%s) - t_all))s, cpu ${total_cpu}s"
echo
if [ -s "$why" ]; then
	cat "$why"
	# Space and memory are what a build most often dies of unexplained.
	echo "  free: $(df -h --output=avail "$BUILD" | tail -n1 | tr -d ' ') in $BUILD," \
		"$(free -h | awk '/^Mem:/ {print $7}') of memory"
	echo
fi
echo "check: $total_p passed, $total_f failed"
# STAGES that named no stage at all (blank) ran nothing: no pass.
((ran)) || die "check: no stage ran (STAGES='${STAGES:-}')"
((total_f == 0))
