#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The testbed's own tests: each judge of a stage is fed a deliberately
# broken input that it must fail, and a good one that it must pass, so
# that a stage cannot be green because its judge checks nothing.
#
#   - check.sh refuses a STAGES name that is no stage, and STAGES that
#     name none;
#   - series_patches (tree.sh, lint.sh) refuses a missing or empty
#     series file, and lint.sh checkpatch a checkpatch.pl that cannot run
#     or dies;
#   - fetch-base.sh reuses a cached base only if it is the version
#     wanted, and checks the pinned .deb's checksum;
#   - guest-check.sh fails a log in which a required KUnit suite did not
#     run or lost cases, a test program skipped as a whole, skipped
#     every case, was not run or left no output, a known failure passed, the innocent device lost a copy, or
#     the kernel logged a DMAR fault, an SMMUv3 event or a WARNING, or an
#     SMMUv3 guest's SMMU lacks a stage;
#   - tcg_idle_stall (guest-test.sh's one boot again) tells a vCPU left
#     halted in the idle task from every other hard lockup;
#   - demo-table.py fails a demo in which the series lost a copy in a
#     mode where it must be hitless, a stock run lost nothing, or the
#     statistics are missing;
#   - tap.py, which judges every stage's TAP file, fails a missing file,
#     one without results or plan, or cut short, and check.sh fails a
#     stage whose TAP file does (stand-in stages).
#
# Writes its results to build/results/selftest.tap.
. "$(dirname "$0")/lib.sh"

tap_start selftest
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expect 0|fail NAME CMD...: CMD must exit 0, or must exit non-zero.
expect() {
	local want=$1 name=$2 rc=0
	shift 2
	"$@" > "$work/out" 2>&1 || rc=$?
	if { [ "$want" = 0 ] && ((rc == 0)); } ||
	   { [ "$want" = fail ] && ((rc != 0)); }; then
		ok "$name"
	else
		sed 's/^/    /' "$work/out" >&2
		nok "$name (exit status $rc)"
	fi
}

# expect_out WANT PATTERN NAME CMD...: as expect, and the output must match
# PATTERN (grep -E): the failure is the one the case is about.
expect_out() {
	local want=$1 pat=$2 name=$3 rc=0
	shift 3
	"$@" > "$work/out" 2>&1 || rc=$?
	if { { [ "$want" = 0 ] && ((rc == 0)); } ||
	     { [ "$want" = fail ] && ((rc != 0)); }; } && grep -qE "$pat" "$work/out"; then
		ok "$name"
	else
		sed 's/^/    /' "$work/out" >&2
		nok "$name (exit status $rc, output without /$pat/)"
	fi
}

# The series file, which tree.sh and lint.sh read with series_patches: no
# file, or one naming no patch or a missing one, is an error.
mkdir -p "$work/series"
: > "$work/series/empty"
printf '# a comment\n\n' > "$work/series/comment"
printf '0001-a.patch\n' > "$work/series/missing"
printf '0001-a.patch\n# 0002-b.patch\n' > "$work/series/good"
series_case() {	# WANT PATTERN NAME FILE
	expect_out "$1" "$2" "series_patches: $3" env SERIES="$work/series/$4" \
		bash -c '. "$1/lib.sh"; series_patches' - "$TESTBED"
}
series_case fail "no .*/no-such" "no series file" no-such
series_case fail "names no patch" "an empty series file" empty
series_case fail "names no patch" "a series file of comments" comment
series_case fail "names 0001-a.patch, which does not exist" "a series naming a missing patch" missing
: > "$work/series/0001-a.patch"
series_case 0 "0001-a.patch" "a series of one patch" good

# fetch-base.sh: the cached base is keyed by its version.  The archive is
# made unreachable, so a case that asks it fails at "apt-get update".
fake_deb() {	# VERSION: a .deb of the base package of that version, in $fb
	mkdir -p "$work/deb/DEBIAN"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: t <t@invalid>\nDescription: t\n' \
		"$BASE_PKG" "$1" > "$work/deb/DEBIAN/control"
	dpkg-deb -b "$work/deb" "$fb/base/${BASE_PKG}_$1_all.deb" >/dev/null
}
fake_tree() {	# VERSION: an unpacked base of that version
	mkdir -p "$fb/base/linux-source"
	touch "$fb/base/linux-source/Makefile"
	echo "$1" > "$fb/base/VERSION"
}
fetch_case() {	# WANT PATTERN NAME
	expect_out "$1" "$2" "fetch-base.sh: $3" env ENTRY_SYNC_CACHE="$fb" \
		DEBIAN_MIRROR=file:///nonexistent/debian "$TESTBED/fetch-base.sh"
}
fb=$work/fb
fake_tree "$BASE_VERSION"
fetch_case 0 "already unpacked" "the pinned base unpacked is reused"
rm -rf "$fb"
fake_tree 7.3.99-1
fake_deb 7.3.99-1
fetch_case fail "apt-get update on the private list failed" \
	"a fallback base is not reused without asking the archive for the pinned one"
rm -rf "$fb"
mkdir -p "$fb/base"
fake_deb "$BASE_VERSION"
fetch_case fail "checksum mismatch" "a cached .deb of the pinned version with another checksum"
rm -rf "$fb"
# A mirror that refuses the connection, as a network outage would: apt-get
# update only warns about it unless told otherwise, and the base would
# then be "in none of" the suites, which sends one to update the pins.
mkdir -p "$fb/base"
expect_out fail "apt-get update on the private list failed" \
	"fetch-base.sh: a mirror that cannot be reached is said to be so" \
	env ENTRY_SYNC_CACHE="$fb" DEBIAN_MIRROR=http://127.0.0.1:9/debian \
	"$TESTBED/fetch-base.sh"
rm -rf "$fb"

# lint.sh checkpatch: checkpatch.pl that cannot run checked nothing.
mkdir -p "$work/lint/linux"
expect_out fail "exit status [0-9]+ without a finding" \
	"lint.sh checkpatch: checkpatch.pl that does not run" \
	env BUILD="$work/lint" "$TESTBED/lint.sh" checkpatch
# ... or one that dies after printing a finding that is accepted.
mkdir -p "$work/lint2/linux/scripts"
cat > "$work/lint2/linux/scripts/checkpatch.pl" <<'EOF_PL'
if ($ARGV[-1] =~ /0002-[^\/]*$/) {
	print "$ARGV[-1]:1: WARNING: FILE_PATH_CHANGES: added file\n";
	exit 255;
}
EOF_PL
expect_out fail "checkpatch 0002-.*: exit status 255" \
	"lint.sh checkpatch: checkpatch.pl that dies after an accepted finding" \
	env BUILD="$work/lint2" "$TESTBED/lint.sh" checkpatch

# bisect_reaches (lint.sh bisect): which builds a patch's files can change.
reach_case() {	# WANT NAME ARCH FILE...
	local want=$1 name=$2
	shift 2
	expect "$want" "bisect_reaches: $name" bisect_reaches "$@"
}
reach_case 0 "a VT-d source on x86_64" x86_64 drivers/iommu/intel/pasid.c
reach_case fail "a VT-d source on arm64" arm64 drivers/iommu/intel/pasid.c
reach_case fail "a VT-d Kconfig and Makefile on arm64" arm64 \
	drivers/iommu/intel/Kconfig drivers/iommu/intel/Makefile
reach_case 0 "an AMD Kconfig on x86_64" x86_64 drivers/iommu/amd/Kconfig
reach_case fail "the SMMU Kconfig on x86_64" x86_64 drivers/iommu/arm/Kconfig
reach_case 0 "drivers/iommu/arm/Makefile on x86_64" x86_64 drivers/iommu/arm/Makefile
reach_case 0 "drivers/iommu/Kconfig on arm64" arm64 drivers/iommu/Kconfig
reach_case 0 "an SMMU source with the library on x86_64" x86_64 \
	drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c drivers/iommu/entry_sync.h
reach_case fail "the selftests alone on x86_64" x86_64 tools/testing/selftests/vfio/Makefile

# tcg_idle_stall (guest-test.sh boots again): only a vCPU halted in the
# idle task, in task context, is the emulator's; any other hard lockup is
# the guest's.
stall_log() {	# COMM CODE CONTEXT: a console log of a hard lockup on cpu 1
	cat <<EOF_LOG
[    4.1] vfio-pci 0000:00:03.0: resetting
[   48.6] watchdog: CPU0: Watchdog detected hard LOCKUP on cpu 1
[   48.6] Sending NMI from CPU 0 to CPUs 1:
[   48.6] NMI backtrace for cpu 1
[   48.6] CPU: 1 UID: 0 PID: $1 Tainted: G                 N  7.3.4+ #1
[   48.6] RIP: 0010:0xffffffff812d506a
[   48.6] Code: 00 00 85 c0 7e 07 0f 00 2d da 4c 13 00 $2 48 89 fe 44 8b 06
[   48.6] Call Trace:
[   48.6]  $3
[   48.6]  ? 0xffffffff812d5f61
[   48.6] NMI backtrace for cpu 0
[   48.6] CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Tainted: G                 N  7.3.4+ #1
[   48.6] Code: 00 00 fb f4 <c3> 48 89 fe 44 8b 06
[   48.6] Kernel panic - not syncing: Hard LOCKUP
EOF_LOG
}
stall_log "0 Comm: swapper/1" "fb f4 <c3>" "<TASK>" > "$work/stall.log"
expect 0 "tcg_idle_stall: cpu 1 halted in its idle task" tcg_idle_stall "$work/stall.log"
stall_log "0 Comm: swapper/1" "fb f4 <c3>" "<IRQ>" > "$work/stall.log"
expect fail "tcg_idle_stall: cpu 1's idle task in an interrupt" tcg_idle_stall "$work/stall.log"
stall_log "0 Comm: swapper/1" "fb 90 <c3>" "<TASK>" > "$work/stall.log"
expect fail "tcg_idle_stall: cpu 1's idle task not after a HLT" tcg_idle_stall "$work/stall.log"
stall_log "93 Comm: vfio_pci_driver" "fb f4 <c3>" "<TASK>" > "$work/stall.log"
expect fail "tcg_idle_stall: cpu 1 in a task, not idle (cpu 0 idle)" tcg_idle_stall "$work/stall.log"

# check.sh: a name that is no stage.
expect fail "check.sh refuses STAGES=no-such-stage" \
	env -u CHECK_STAGE_LIST BUILD="$work/build" STAGES=no-such-stage "$TESTBED/check.sh"
expect_out fail "no stage ran" "check.sh refuses STAGES that name no stage (blank)" \
	env -u CHECK_STAGE_LIST BUILD="$work/build" STAGES=" " "$TESTBED/check.sh"

# guest-check.sh: a good log, then one broken thing at a time.
suite() {	# NAME CASES
	local i
	printf '    KTAP version 1\n    # Subtest: %s\n    1..%s\n' "$1" "$2"
	for ((i = 1; i <= $2; i++)); do printf '    ok %d case%d\n' "$i" "$i"; done
	printf 'ok 1 %s\n' "$1"
}
good_log() {
	echo "KTAP version 1"
	echo "1..2"
	suite intel-iommu-entry 48
	suite iommu-entry-sync 23
	echo "==== GUEST up"
	echo "==== BEGIN prog"
	printf 'TAP version 13\n1..2\nok 1 first\nok 2 second\n'
	echo "==== END prog rc=0"
	echo "==== BEGIN vfio_iommufd_replace_test@edu"
	printf 'TAP version 13\n1..1\nok 1 vfio_replace.default.dma_while_replacing\n'
	echo "# replace-stats: variant=default seconds=5 copies=10 in_a=5 in_b=5 lost=0 torn=0 innocent_copies=4 innocent_bad=0"
	echo "==== END vfio_iommufd_replace_test@edu rc=0"
	echo "==== BEGIN dmesg"
	echo "[    1.0] DMAR: IOMMU enabled"
	echo "==== END dmesg rc=0"
	echo "==== GUEST done"
}
guest_case() {	# WANT NAME SED-SCRIPT
	good_log | sed "$3" > "$work/guest-selftest.log"
	expect "$1" "guest-check: $2" \
		env REQUIRED_KUNIT="intel-iommu-entry:48 iommu-entry-sync:23" \
		"$TESTBED/guest-check.sh" "$work/guest-selftest.log" "$work/guest.tap" ss \
		"prog,vfio_iommufd_replace_test@edu:--seconds=5"
}
guest_case 0 "a good log passes" ''
guest_case fail "a required KUnit suite that did not run" \
	'/Subtest: iommu-entry-sync/s/iommu-entry-sync/other-suite/'
guest_case fail "a required KUnit suite with fewer cases" \
	's/^    1\.\.48$/    1..47/'
guest_case fail "a required KUnit suite that stopped after 43 of its 48 cases" \
	'/^    ok 4[4-8] case4[4-8]$/d'
guest_case fail "a failed KUnit case" 's/^    ok 7 case7$/    not ok 7 case7/'
guest_case fail "a program that skipped as a whole" \
	'/^==== BEGIN prog/,/^==== END prog/{s/^1\.\.2$/1..0 # SKIP no device/;/^ok /d;s/rc=0/rc=4/}'
guest_case fail "a program that was not run" \
	'/^==== BEGIN prog/,/^==== END prog/{/^TAP\|^1\.\.\|^ok /d;s/rc=0/rc=127/};/^==== BEGIN prog/a # prog: no device edu bound to vfio-pci'
guest_case fail "a program that failed without a TAP result" \
	'/^==== END prog/s/rc=0/rc=1/'
guest_case fail "a program whose every case skipped, exit status 0" \
	'/^==== BEGIN prog/,/^==== END prog/s/^\(ok [12] .*\)$/\1 # SKIP no device/'
guest_case fail "a program of tests= that left no output (the guest stopped)" \
	'/^==== BEGIN prog/,/^==== END prog/d'
guest_case fail "the innocent device lost a copy" 's/innocent_bad=0/innocent_bad=1/'
guest_case fail "a DMAR fault in the kernel log" \
	'/DMAR: IOMMU enabled/a [    2.0] DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x1000'
guest_case fail "a WARNING in the kernel log" \
	'/DMAR: IOMMU enabled/a [    2.0] WARNING: CPU: 0 PID: 1 at drivers/iommu/intel/pasid.c:1 x'
guest_case fail "no kernel log dumped" '/^==== BEGIN dmesg/,/^==== END dmesg/d'
guest_case fail "a known failure that passes" \
	's/^ok 2 second$/ok 2 iommufd_ioas.no_domain.dmabuf_simple/'
guest_case 0 "a known failure that fails is excused" \
	'/^==== END prog/s/rc=0/rc=1/;s/^ok 2 second$/not ok 2 iommufd_ioas.no_domain.dmabuf_simple/'

# guest-check.sh on a log of the AMD IOMMU guest: its DTE suite required,
# its event-log entries.
amd_case() {	# WANT NAME SED-SCRIPT
	good_log | sed 's/^1\.\.2$/1..3/;s/DMAR: IOMMU enabled/AMD-Vi: Interrupt remapping not enabled/' |
		awk -v s="$(suite amd-iommu-dte 8)" '{ print } /^ok 1 iommu-entry-sync$/ { print s }' |
		sed "$3" > "$work/guest-selftest.log"
	expect "$1" "guest-check (AMD): $2" \
		env REQUIRED_KUNIT="intel-iommu-entry:48 amd-iommu-dte:8 iommu-entry-sync:23" \
		"$TESTBED/guest-check.sh" "$work/guest-selftest.log" "$work/guest.tap" amd \
		"prog,vfio_iommufd_replace_test@edu:--seconds=5"
}
amd_case 0 "a good log passes" ''
amd_case fail "an IO_PAGE_FAULT in the kernel log" \
	'/AMD-Vi: Interrupt remapping/a [    2.0] vfio-pci 0000:00:01.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0x1000 flags=0x0020]'
amd_case fail "an ILLEGAL_DEV_TABLE_ENTRY in the kernel log" \
	'/AMD-Vi: Interrupt remapping/a [    2.0] vfio-pci 0000:00:01.0: AMD-Vi: Event logged [ILLEGAL_DEV_TABLE_ENTRY device=0000:00:01.0 pasid=0x00000 address=0x0 flags=0x0000]'
amd_case fail "the DTE suite short of its cases" 's/^    1\.\.8$/    1..7/;/^    ok 8 case8$/d'

# guest-check.sh on an arm64 guest's log: SMMUv3's suite required, the
# stage the driver found, SMMUv3 events.
smmu_log() {	# FEATURES
	good_log | sed "s/^    # Subtest: intel-iommu-entry$/    # Subtest: arm-smmu-v3-kunit-test/
		s/^ok 1 intel-iommu-entry$/ok 1 arm-smmu-v3-kunit-test/
		s/DMAR: IOMMU enabled/arm-smmu-v3 9050000.smmuv3: oas 44-bit (features 0x$1)/"
}
smmu_case() {	# WANT NAME MODE FEATURES SED-SCRIPT
	smmu_log "$4" | sed "$5" > "$work/guest-selftest.log"
	expect "$1" "guest-check (SMMUv3): $2" \
		env REQUIRED_KUNIT="arm-smmu-v3-kunit-test:48 iommu-entry-sync:23" \
		"$TESTBED/guest-check.sh" "$work/guest-selftest.log" "$work/guest.tap" "$3" \
		"prog,vfio_iommufd_replace_test@edu:--seconds=5"
}
smmu_case 0 "a good log passes" smmuv3 0108860f ''
smmu_case fail "an SMMU without stage 2" smmuv3 0100020f ''
smmu_case fail "an SMMU without stage 1" smmuv3 0100040f ''
smmu_case fail "no features line from the SMMU driver" smmuv3 0108860f '/features 0x/d'
smmu_case fail "an SMMUv3 event in the kernel log" smmuv3 0108860f \
	'/features 0x/a [    2.0] arm-smmu-v3 9050000.smmuv3: event 0x10 received:'
smmu_case fail "SMMUv3's suite short of the series' cases" smmuv3 0108860f \
	's/^    1\.\.48$/    1..25/;/^    ok \(2[6-9]\|3[0-9]\|4[0-8]\) /d'

# tap.py judge, which check.sh runs on every stage's TAP file.
tap_case() {	# WANT NAME CONTENT
	printf '%b' "$3" > "$work/case.tap"
	expect "$1" "tap.py judge: $2" python3 "$TESTBED/tap.py" judge "$work/case.tap"
}
tap_case 0 "two cases that passed" 'TAP version 13\nok 1 - a\nok 2 - b\n1..2\n'
tap_case fail "a failed case" 'TAP version 13\nok 1 - a\nnot ok 2 - b\n1..2\n'
tap_case 0 "a known failure (TODO)" 'TAP version 13\nok 1 - a\nnot ok 2 - b # TODO base bug\n1..2\n'
tap_case fail "no result" 'TAP version 13\n1..0\n'
tap_case fail "only skips" 'TAP version 13\nok 1 - a # SKIP no device\n1..1\n'
tap_case fail "no plan (a stage that died half-way)" 'TAP version 13\nok 1 - a\n'
tap_case fail "fewer results than planned" 'TAP version 13\nok 1 - a\n1..2\n'
tap_case fail "a nested KTAP case that failed" \
	'KTAP version 1\n1..1\n    # Subtest: s\n    1..2\n    ok 1 a\n    not ok 2 b\nnot ok 1 s\n'
expect fail "tap.py judge: no file" python3 "$TESTBED/tap.py" judge "$work/no-such.tap"

# check.sh on stand-in stages: a stage passes on its TAP file alone.
stand_in() {	# NAME BODY: a stage script that runs BODY with lib.sh
	printf '#!/bin/bash\n. %q/lib.sh\n%s\n' "$TESTBED" "$2" > "$work/$1.sh"
	chmod +x "$work/$1.sh"
}
stand_in good 'tap_start good; ok one; ok two; tap_end'
stand_in silent 'exit 0'
stand_in empty 'tap_start empty; tap_end'
stand_in died 'tap_start died; ok one; die "stopped"'
stand_in failed 'tap_start failed; ok one; nok two; tap_end'
stand_in exit1 'tap_start exit1; ok one; tap_end; exit 1'
check_case() {	# WANT NAME STAGE
	expect "$1" "check.sh: $2" env -u STAGES -u FULL BUILD="$work/build" \
		CHECK_STAGE_LIST="$3|$work/$3.sh" "$TESTBED/check.sh"
}
check_case 0 "a stage whose cases passed" good
check_case fail "a stage that exits 0 and writes no results" silent
check_case fail "a stage with no case" empty
check_case fail "a stage that died after a passed case" died
check_case fail "a stage with a failed case" failed
check_case fail "a stage that exits 1 with its cases passed" exit1
# Below the table, a failed stage's failed cases and last lines of output
# (what CI shows of a run is often only its end).
check_why() {	# PATTERN NAME STAGE
	expect_out fail "$1" "check.sh: $2" env -u STAGES -u FULL BUILD="$work/build" \
		CHECK_STAGE_LIST="$3|$work/$3.sh" "$TESTBED/check.sh"
}
check_why '^  not ok 2 - two$' "the failed case is shown below the table" failed
check_why '^  error: stopped$' "the end of a stage that died is shown below the table" died
# A background stage is judged like the others, after the stages beside it.
stand_in good2 'tap_start good2; ok one; tap_end'
expect_out 0 '^check: 3 passed, 0 failed$' \
	"check.sh: a background stage whose cases passed, beside another" \
	env -u STAGES -u FULL BUILD="$work/build" \
	CHECK_STAGE_LIST="good|$work/good.sh|background"$'\n'"good2|$work/good2.sh" "$TESTBED/check.sh"
expect_out 0 '^check: 3 passed, 0 failed$' \
	"check.sh: an idle (SCHED_IDLE) stage whose cases passed, beside another" \
	env -u STAGES -u FULL BUILD="$work/build" \
	CHECK_STAGE_LIST="good|$work/good.sh|idle"$'\n'"good2|$work/good2.sh" "$TESTBED/check.sh"
expect_out fail '^  not ok 2 - two$' "check.sh: a background stage's failed case fails the run" \
	env -u STAGES -u FULL BUILD="$work/build" \
	CHECK_STAGE_LIST="failed|$work/failed.sh|background"$'\n'"good|$work/good.sh" "$TESTBED/check.sh"

# demo-table.py: one mode, one device, one run each of stock and patched.
demo_log() {	# KERNEL LOST QI ("none": no qi-stats line) DRV ("none": no drv-stats)
	echo "==== BEGIN vfio_iommufd_replace_test@edu"
	echo "# replace-stats: variant=default seconds=20 copies=1000 in_a=$((500 - $2)) in_b=500 lost=$2 torn=0 copy_errors=0 replaces=1000 replace_errors=0 lat_ns_min=1 lat_ns_median=30000 lat_ns_p99=40000 lat_ns_max=1 innocent_copies=0 innocent_bad=0"
	[ "$3" = none ] || echo "# qi-stats: descriptors=3000 waits=2000$3"
	[ "${4:-}" = none ] || echo "# drv-stats: ${4:-calls=1000 bucket_ns=1000 hist=20000:990,31000:10}"
	echo "==== END vfio_iommufd_replace_test@edu rc=0"
	echo "==== BEGIN dmesg"
	echo "==== END dmesg rc=0"
	echo "==== GUEST done"
}
demo_case() {	# WANT NAME STOCK-LOST PATCHED-LOST PATCHED-QI [PATCHED-DRV]
	mkdir -p "$work/demo"
	demo_log stock "$3" "" > "$work/demo/demo-ss-stock-1.log"
	demo_log patched "$4" "$5" "${6:-}" > "$work/demo/demo-ss-patched-1.log"
	expect "$1" "demo-table: $2" python3 "$TESTBED/demo-table.py" "$work/demo" \
		1 20 ss edu "stock patched" ss 1800 "selftest"
}
demo_case 0 "stock losing, the series not, passes" 5 0 " via_tmp_did=0 tmp_did_missing=0"
demo_case fail "the series losing a copy in a hitless mode" 5 1 " via_tmp_did=0 tmp_did_missing=0"
demo_case fail "a stock run that lost nothing" 0 0 " via_tmp_did=0 tmp_did_missing=0"
demo_case fail "missing invalidation statistics" 5 0 none
demo_case fail "a replace that found no temporary DID" 5 0 " via_tmp_did=0 tmp_did_missing=3"
demo_case fail "no driver-time histogram" 5 0 " via_tmp_did=0 tmp_did_missing=0" none
demo_case fail "a driver-time histogram short of its calls" 5 0 " via_tmp_did=0 tmp_did_missing=0" \
	"calls=1000 bucket_ns=1000 hist=20000:990"
demo_case fail "an empty driver-time histogram" 5 0 " via_tmp_did=0 tmp_did_missing=0" \
	"calls=0 bucket_ns=1000 hist="
# An SMMUv3 row: command batches and CMD_SYNCs instead of qi-stats.
smmu_demo_case() {	# WANT NAME STOCK-LOST PATCHED-LOST PATCHED-EVENT
	rm -rf "$work/demo"
	mkdir -p "$work/demo"
	demo_log stock "$3" none | sed 's/^==== END vfio/# cmdq-stats: batches=4000 syncs=4000\n&/' \
		> "$work/demo/demo-smmuv3-s1-stock-1.log"
	demo_log patched "$4" none | sed 's/^==== END vfio/# cmdq-stats: batches=3000 syncs=3000\n&/' |
		sed "/^==== BEGIN dmesg/a $5" > "$work/demo/demo-smmuv3-s1-patched-1.log"
	expect "$1" "demo-table (SMMUv3): $2" python3 "$TESTBED/demo-table.py" "$work/demo" \
		1 20 smmuv3-s1 edu "stock patched" smmuv3-s1 1800 "selftest"
}
smmu_demo_case 0 "stock losing, the series not, passes" 5 0 "[ 1.0] booted"
smmu_demo_case fail "the series losing a copy" 5 1 "[ 1.0] booted"
smmu_demo_case fail "an SMMUv3 event in the series' log" 5 0 \
	"[ 1.0] arm-smmu-v3 9050000.smmuv3: event 0x10 received:"

# check-known-failures.sh: every excused case must fail on the stock kernel.
kf_log() {	# the stock boot's log, with CASE passing if given
	echo "==== GUEST up"
	echo "==== BEGIN iommufd"
	echo "1..9"
	echo "ok 1 iommufd_ioas.no_domain.basic"
	i=2
	while IFS=$'\t' read -r name _; do
		case "$name" in ''|'#'*) continue ;; esac
		if [ "$name" = "${1:-}" ]; then echo "ok $i $name"; else echo "not ok $i $name"; fi
		i=$((i + 1))
	done < "$TESTBED/guest/known-failures"
	echo "==== END iommufd rc=1"
	echo "==== GUEST done"
}
kf_log > "$work/kf-good.log"
kf_log iommufd_ioas.mock_domain.dmabuf_revoke > "$work/kf-pass.log"
head -n 3 "$work/kf-good.log" > "$work/kf-cut.log"
expect 0 "check-known-failures: every excused case fails on stock" \
	"$TESTBED/check-known-failures.sh" "$work/kf-good.log"
expect fail "check-known-failures: an excused case passes on stock" \
	"$TESTBED/check-known-failures.sh" "$work/kf-pass.log"
expect fail "check-known-failures: a stock boot that did not finish" \
	"$TESTBED/check-known-failures.sh" "$work/kf-cut.log"
expect fail "check-known-failures: no stock log" \
	"$TESTBED/check-known-failures.sh" "$work/no-such.log"

tap_end
