# SPDX-License-Identifier: GPL-2.0
# Common settings for the testbed scripts.  Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTBED=$TOP/testbed
BUILD=${BUILD:-$TOP/build}
CACHE=${ENTRY_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/entry-sync}
TREE=$BUILD/linux
JOBS=${JOBS:-$(nproc)}

# The pinned base.
BASE_PKG=linux-source-7.3
BASE_VERSION=7.3.4-1~bpo13+1
BASE_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
BASE_SUITES="trixie-backports sid experimental"

# The base commit is made with a fixed identity and date so that its hash,
# and so every exported patch's "base-commit:", is reproducible.
BASE_AUTHOR="Linux 7.3 base <base@invalid>"
BASE_DATE="2026-01-01T00:00:00Z"

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
# ccache's depend mode: on a miss it compiles once, where the default mode
# runs the preprocessor over the file's headers first to hash them, and it
# finds a hit from the compiler's -MD file (kbuild passes -Wp,-MMD).  A cold
# run is almost all misses: 13 objects of drivers/iommu/ took 48 CPU
# seconds through ccache's default mode, 37 in depend mode, 35 without
# ccache (2026-12-06, this machine, beside another build: rough figures).
# Hits are found as before, across build directories with the same
# relative paths.
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Results.  Every stage of "make check" writes TAP to
# build/results/STAGE.tap: tap_start STAGE, then one "ok"/"nok" per case
# (and tap_import for the cases of a (K)TAP log), then tap_end, which adds
# the plan and fails if a case failed.  check.sh judges the file with
# tap.py, the one parser: no file, no result, or no plan (a stage that
# died half-way) is a failure whatever the stage's exit status.  Without
# tap_start, ok/nok only print.
TAP_FILE="" TAP_N=0 TAP_FAILED=0
tap_start() {
	mkdir -p "$BUILD/results"
	TAP_FILE=$BUILD/results/$1.tap TAP_N=0 TAP_FAILED=0
	echo "TAP version 13" > "$TAP_FILE"
}
tap_line() {	# "ok"|"not ok" TEXT
	TAP_N=$((TAP_N + 1))
	[ -z "$TAP_FILE" ] || printf '%s %d - %s\n' "$1" "$TAP_N" "$2" >> "$TAP_FILE"
}
ok() { tap_line ok "$*"; printf 'ok %s\n' "$*" >&2; }
nok() { TAP_FAILED=$((TAP_FAILED + 1)); tap_line "not ok" "$*"; printf 'not ok %s\n' "$*" >&2; }
# tap_import LOG PREFIX: each leaf case of the (K)TAP log LOG as a case of
# this stage, named PREFIX + its name; prints the failures.  Known
# failures ("not ok ... # TODO") and skips do not fail the stage.
tap_import() {
	local line
	while IFS= read -r line; do
		case $line in
		"not ok - "*)
			tap_line "not ok" "${line#not ok - }"
			if ! grep -qiE ' # (TODO|SKIP)' <<<"$line"; then
				TAP_FAILED=$((TAP_FAILED + 1))
				printf '%s\n' "$line" >&2
			fi
			;;
		"ok - "*)
			tap_line ok "${line#ok - }" ;;
		esac
	done < <(python3 "$TESTBED/tap.py" leaves "$1" "$2")
}
tap_end() {
	if [ -n "$TAP_FILE" ]; then
		echo "1..$TAP_N" >> "$TAP_FILE"
		log "$(basename "$TAP_FILE" .tap): $((TAP_N - TAP_FAILED)) cases passed or skipped, $TAP_FAILED failed ($TAP_FILE)"
	fi
	((TAP_FAILED == 0))
}

# series_patches: the patch files of the series, in order (paths): every
# name patches/series lists, which must exist; no series file or one that
# names no patch is an error, not an empty series.  SERIES overrides the
# file (selftest.sh).
series_patches() {
	local series=${SERIES:-$TOP/patches/series} p n=0
	[ -f "$series" ] || die "no $series"
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		[ -f "$(dirname "$series")/$p" ] || die "$series names $p, which does not exist"
		echo "$(dirname "$series")/$p"
		n=$((n + 1))
	done < "$series"
	((n > 0)) || die "$series names no patch"
}

# Apply the patch file $2 to the git tree $1 with "git am", committer ==
# author and committer date == author date, so that the same patches always
# give the same commit hashes (tree.sh, lint.sh bisect).
am_patch() {
	local info
	info=$(git mailinfo /dev/null /dev/null < "$2")
	GIT_COMMITTER_NAME=$(sed -n 's/^Author: //p' <<<"$info") \
	GIT_COMMITTER_EMAIL=$(sed -n 's/^Email: //p' <<<"$info") \
		git -C "$1" am -q --committer-date-is-author-date "$2"
}

# The Debian mirror for the private apt lists: $DEBIAN_MIRROR, else the
# Debian archive the system already uses.
debian_mirror() {
	local m=${DEBIAN_MIRROR:-}
	if [ -z "$m" ]; then
		m=$(grep -rhoE '(https?|file)://[^ ]+/debian/?( |$)' \
			/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
			head -n1 | tr -d ' ' || true)
	fi
	[ -n "$m" ] || die "no Debian mirror found; set DEBIAN_MIRROR"
	echo "$m"
}

# private_apt DIR SUITE...: set APTOPTS to use a sources list and package
# lists of their own in DIR, for SUITE... of the Debian mirror, so that the
# system's apt configuration is neither read for packages nor changed, and
# update those lists.
private_apt() {
	local dir=$1 s mirror
	shift
	mirror=$(debian_mirror)
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	: > "$dir/sources.list"
	for s in "$@"; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $s main" >> "$dir/sources.list"
	done
	APTOPTS=(-o Dir::Etc::sourcelist="$dir/sources.list"
		 -o Dir::Etc::sourceparts=-
		 -o Dir::State::Lists="$dir/lists"
		 -o Dir::Cache::Archives="$dir/archives"
		 -o Dir::Cache::pkgcache="$dir/pkgcache.bin"
		 -o Dir::Cache::srcpkgcache="$dir/srcpkgcache.bin"
		 -o APT::Get::List-Cleanup=0
		 -o APT::Sandbox::User=root)
	log "updating private package lists ($*)"
	# An unreachable mirror is only a warning to apt-get update without
	# --error-on=any, and the pinned package then "not found" in it.
	apt-get "${APTOPTS[@]}" -qq --error-on=any update || die "apt-get update on the private list failed"
}

# cache_lock DIR: hold DIR.lock until the script exits, so that one
# process at a time fills the cache directory DIR (two testbed commands
# run at once, a make check beside a make demo, may both need it; the
# second waits, then finds it filled).
cache_lock() {
	mkdir -p "$(dirname "$1")"
	exec 7> "$1.lock"
	flock 7
}

# fetch_debs DEST SUITE SPEC...: the pinned .debs SPEC, each
# PACKAGE[:ARCH]=VERSION=SHA256 (ARCH for a foreign architecture), from
# SUITE of the Debian mirror through a private apt list (private_apt) into
# DEST/debs (those already there are not fetched again), each checked for
# its version and checksum and unpacked into DEST/root.tmp, made anew.
# fetch-qemu.sh, fetch-arm64.sh.
fetch_debs() {
	local dest=$1 suite=$2 spec pkg ver sum deb missing=() foreign=0
	shift 2
	deb_glob() {	# PACKAGE[:ARCH]
		case $1 in
		*:*) echo "$dest/debs/${1%%:*}_*_${1#*:}.deb" ;;
		*) echo "$dest/debs/${1}_*.deb" ;;
		esac
	}
	mkdir -p "$dest/debs"
	for spec in "$@"; do
		IFS='=' read -r pkg ver sum <<<"$spec"
		[[ $pkg == *:* ]] && foreign=1
		# shellcheck disable=SC2046
		ls $(deb_glob "$pkg") >/dev/null 2>&1 || missing+=("$pkg=$ver")
	done
	if ((${#missing[@]})); then
		private_apt "$dest/apt" "$suite" >&2
		if ((foreign)); then
			APTOPTS+=(-o APT::Architectures::=amd64 -o APT::Architectures::=arm64)
			apt-get "${APTOPTS[@]}" -qq --error-on=any update >&2 ||
				die "apt-get update (arm64) on the private list failed"
		fi
		log "downloading ${missing[*]}"
		(cd "$dest/debs" && apt-get "${APTOPTS[@]}" -qq download "${missing[@]}") >&2 ||
			die "${missing[*]}: not all in $suite any more; update the pins"
	fi
	rm -rf "$dest/root.tmp"
	mkdir -p "$dest/root.tmp"
	for spec in "$@"; do
		IFS='=' read -r pkg ver sum <<<"$spec"
		# shellcheck disable=SC2046
		deb=$(ls $(deb_glob "$pkg") | head -n1)
		[ "$(dpkg-deb -f "$deb" Version)" = "$ver" ] || die "$deb is not version $ver"
		[ "$(sha256sum "$deb" | cut -d' ' -f1)" = "$sum" ] ||
			die "checksum mismatch for $deb: got $(sha256sum "$deb" | cut -d' ' -f1)"
		dpkg-deb -x "$deb" "$dest/root.tmp"
	done
}

# stage NAME CMD...: run CMD, print its wall time.
stage() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	log "[$name] start"
	"$@" || rc=$?
	log "[$name] $( ((rc)) && echo FAILED || echo done) in $(($(date +%s) - t0))s"
	return $rc
}

# kernel_frags ARCH SIDE: the configs/ fragments of the testbed's kernel for
# ARCH, SIDE "base" (the unpatched 7.3) or "series"; the same for both but
# the series' own options.  x86_64 is the x86_64 guest kernel (guest-test.sh,
# lint.sh warnings and bisect; demo.sh adds x86_64-demo.config to the
# base's), arm64-guest the arm64 one (guest-test.sh arm64, lint.sh
# warnings and bisect; demo.sh adds arm64-demo.config).
kernel_frags() {
	case $1-$2 in
	x86_64-base)	echo x86_64-guest.config ;;
	x86_64-series)	echo x86_64-guest.config,x86_64-series.config ;;
	arm64-guest-base)	echo arm64-guest.config ;;
	arm64-guest-series)	echo arm64-guest.config,arm64-guest-series.config ;;
	*)		die "kernel_frags: no kernel for $1 $2" ;;
	esac
}

# guest_prepare NAME SRC FRAGS TESTS_SRC [ARCH]: what a guest boots, in one
# place (guest-test.sh, demo.sh): the kernel for ARCH (x86_64, the
# default, or arm64) built from SRC with FRAGS in build/out/NAME, the test
# programs built from TESTS_SRC (userspace does not depend on the kernel
# it runs on: the stock kernel runs the series' tests) and the initramfs
# of guest/init and the programs.  Sets GUEST_KERNEL and GUEST_INITRD.
guest_prepare() {
	local name=$1 src=$2 frags=$3 tests_src=$4 arch=${5:-x86_64}
	local kout=$BUILD/out/$1 hout image
	case $arch in
	x86_64)	image=bzImage ;;
	arm64)	image=Image ;;
	*)	die "guest_prepare: no guest for $arch" ;;
	esac
	stage "build the $name kernel ($frags) from $src" \
		"$TESTBED/kbuild.sh" "$arch" "$src" "$kout" "$frags" "$image" -s || return
	# A build directory belongs to one source tree: the uapi headers of
	# another tree go elsewhere.
	hout=$kout
	[ "$tests_src" = "$src" ] || hout=$BUILD/out/uapi-$name
	stage "build the $arch test programs from $tests_src" "$TESTBED/selftests.sh" \
		"$tests_src" "$hout" "$BUILD/guest/$name/tests" "$arch" || return
	stage "pack the initramfs" "$TESTBED/initramfs.sh" "$BUILD/guest/$name/tests" \
		"$BUILD/guest/$name/initramfs.cpio.gz" "$arch" || return
	GUEST_KERNEL=$kout/arch/${arch/x86_64/x86}/boot/$image
	GUEST_INITRD=$BUILD/guest/$name/initramfs.cpio.gz
}

# guest_mode_env NAME: the testbed's name for a guest configuration,
# BASE[-OPTION...], as qemu.sh's environment.  BASE is the IOMMU and its
# mode: a VT-d mode (ss, fs or legacy: VTD_MODE, GUEST_IOMMU=vtd),
# smmuv3 (GUEST_IOMMU=smmuv3, an arm64 guest whose SMMU offers stage 1 and
# stage 2) or amd (GUEST_IOMMU=amd, QEMU's amd-iommu, which has one
# mode: v1 page tables).  VT-d's options are nocm (caching mode off: VTD_CM), nocx16
# (a vCPU without CMPXCHG16B: VTD_CPU) and ats (an ATS device and the
# IOMMU's device-TLB support: VTD_ATS).  SMMUv3's are s1 and s2, which
# only name the domains the demo replaces (REPLACE_VARIANT: the replace
# test's default variant, iommufd's default paging domain, which is stage
# 1; or its nest_parent variant, whose domains are stage 2).
guest_mode_env() {
	local opt
	VTD_MODE=${1%%-*} VTD_CM=on VTD_CPU= VTD_ATS=off GUEST_IOMMU=vtd REPLACE_VARIANT=default
	if [ "$1" = amd ]; then
		GUEST_IOMMU=amd
		export VTD_MODE GUEST_IOMMU REPLACE_VARIANT
		return
	fi
	if [ "$VTD_MODE" = smmuv3 ]; then
		GUEST_IOMMU=smmuv3
		for opt in $(tr '-' ' ' <<<"${1#smmuv3}"); do
			case $opt in
			s1)	REPLACE_VARIANT=default ;;
			s2)	REPLACE_VARIANT=nest_parent ;;
			*)	die "SMMUv3 mode '$1': unknown option '-$opt' (s1, s2)" ;;
			esac
		done
		export VTD_MODE GUEST_IOMMU REPLACE_VARIANT
		return
	fi
	for opt in $(tr '-' ' ' <<<"${1#"$VTD_MODE"}"); do
		case $opt in
		nocm)	VTD_CM=off ;;
		nocx16)	VTD_CPU=max,-cx16 ;;
		ats)	VTD_ATS=on ;;
		*)	die "VT-d mode '$1': unknown option '-$opt' (nocm, nocx16, ats)" ;;
		esac
	done
	export VTD_MODE VTD_CM VTD_CPU VTD_ATS GUEST_IOMMU REPLACE_VARIANT
}

# tcg_idle_stall LOG: whether a guest's console LOG shows a vCPU that the
# emulator left halted and never woke again: the hard-lockup detector
# names a CPU whose NMI backtrace is the idle task's, in task context, its
# instruction pointer right after a HLT.  Neither its timer interrupt nor
# an IPI reached it for 40 s: both are local APIC interrupts, which no
# IOMMU remaps, and the CPU waits with interrupts on.  Seen under QEMU
# 10.0's TCG (-smp 2) in an ss-nocx16 boot (this signature) and, with the
# same symptoms, an amd one: 2 of about 40 x86_64 boots.  guest-test.sh
# and demo.sh boot such a guest once more.
tcg_idle_stall() {
	awk '
	{ sub(/\r$/, "") }
	match($0, /hard LOCKUP on cpu [0-9]+/) {
		cpu = substr($0, RSTART + 19, RLENGTH - 19); blk = 0; next
	}
	cpu != "" && $0 ~ ("NMI backtrace for cpu " cpu "$") { blk = 1; next }
	blk && /NMI backtrace for cpu|Kernel panic/ { blk = 0 }
	blk && $0 ~ ("PID: 0 Comm: swapper/" cpu " ") { idle = 1 }
	blk && /Code: .* f4 <[0-9a-f][0-9a-f]>/ { hlt = 1 }
	blk && /<IRQ>/ { irq = 1 }
	END { exit !(idle && hlt && !irq) }' "$1"
}

# guest_arch NAME: the architecture of the guest that a guest configuration
# boots (x86_64 for VT-d, arm64 for SMMUv3).
guest_arch() {
	case $1 in
	smmuv3|smmuv3-*) echo arm64 ;;
	*) echo x86_64 ;;
	esac
}

# bisect_reaches ARCH FILE...: whether a change to FILE... can change what
# the ARCH build of drivers/iommu/ compiles (lint.sh bisect).  The VT-d,
# AMD and SMMU sources are built on one architecture each (no other file
# includes them).  So are their Kconfig files' symbols (all depend on
# X86_64, or on ARM64 without COMPILE_TEST) and the VT-d and AMD
# Makefiles (read only with their driver on): every architecture parses
# the Kconfig files, but one whose syntax is broken fails the build of
# their own architecture at the same patch too.  drivers/iommu/arm/'s
# Makefile is read on x86_64 as well (obj-y).
bisect_reaches() {
	local arch=$1 f
	shift
	for f in "$@"; do
		case $f in
		tools/*|Documentation/*|MAINTAINERS|*/.kunitconfig) ;;
		drivers/iommu/intel/*.[ch]|drivers/iommu/amd/*.[ch]|\
		drivers/iommu/intel/Kconfig|drivers/iommu/amd/Kconfig|\
		drivers/iommu/intel/Makefile|drivers/iommu/amd/Makefile)
			[ "$arch" = x86_64 ] && return 0 ;;
		drivers/iommu/arm/*.[ch]|drivers/iommu/arm/Kconfig)
			[ "$arch" = arm64 ] && return 0 ;;
		*) return 0 ;;
		esac
	done
	return 1
}

# SMMUv3's KUnit suite and its test file (kunit.sh arm64, guest-test.sh
# arm64), and kunit_cases FILE: the case names a KUnit test file lists,
# sorted.
SMMU_KUNIT_SUITE=arm-smmu-v3-kunit-test
SMMU_KUNIT_FILE=drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c
kunit_cases() {
	grep -oE '^[[:space:]]*KUNIT_CASE[A-Z_]*\([a-z0-9_]+' "$1" | sed 's/.*(//' | sort
}
# kunit_ran SUITE OUTPUT: the number of cases kunit.py's parsed OUTPUT says
# SUITE ran, and kunit_passed SUITE OUTPUT: whether it says SUITE passed.
kunit_ran() { sed -n "s/.*=* $1 (\([0-9]*\) subtests) =*/\1/p" "$2" | head -n1; }
kunit_passed() { [ "$(grep -c "\[PASSED\] $1" "$2")" = 1 ]; }

# kunit_required SRC ARCH: the series' own KUnit suites that its ARCH guest
# kernel runs at boot (SMMUv3's aside), SUITE:CASES each, the cases counted
# in their test files in SRC: guest-check.sh's REQUIRED_KUNIT.
kunit_required() {
	local src=$1 out=""
	case $2 in
	x86_64)	set -- intel-iommu-entry drivers/iommu/intel/entry_kunit.c \
		       amd-iommu-dte drivers/iommu/amd/dte_kunit.c ;;
	*)	set -- ;;
	esac
	set -- "$@" iommu-entry-sync drivers/iommu/entry_sync_kunit.c
	while (($#)); do
		out+=" $1:$(kunit_cases "$src/$2" | wc -l)"
		shift 2
	done
	echo "${out# }"
}
