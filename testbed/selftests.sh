#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's test programs, statically linked, from a kernel tree:
#
#   selftests.sh TREE KOUT DEST [ARCH]
#
# KOUT is the kernel build directory (for the uapi headers); DEST receives
# the programs; ARCH is the guest's, x86_64 (the default) or arm64
# (cross-built, against fetch-arm64.sh's libuuid; no iommufd program: its
# mock driver is not in the arm64 guest kernel).
. "$(dirname "$0")/lib.sh"

src=$1 kout=$2 dest=$3 arch=${4:-x86_64}
# The selftest makefiles do not track the headers their objects include,
# so a program could link objects built against an older tree: always
# build from scratch (ccache makes that cheap).
rm -rf "$dest"
mkdir -p "$dest"
make -s -C "$src" O="$kout" ARCH="$arch" headers >/dev/null
hdr="-isystem $kout/usr/include"
ldflags=-static
case $arch in
x86_64)	cc=gcc mkarch=() ;;
arm64)	cc=aarch64-linux-gnu-gcc
	mkarch=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	sysroot=$("$TESTBED/fetch-arm64.sh") || die "no arm64 libuuid"
	hdr+=" -isystem $sysroot/usr/include"
	ldflags+=" -L$sysroot/usr/lib/aarch64-linux-gnu"
	;;
*)	die "selftests.sh: no guest for $arch" ;;
esac
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1

build() {
	local dir=$1
	shift
	mkdir -p "$dest/.build/$dir"
	make -s -C "$src/tools/testing/selftests/$dir" OUTPUT="$dest/.build/$dir" \
		"${mkarch[@]}" CC="ccache $cc" KHDR_INCLUDES="$hdr" \
		USERLDFLAGS="$ldflags" "$@" >&2
}

# SELFTESTS_PROGRAMS (comma-separated): build only these of the programs
# below (guest-test.sh names the ones its boots run); unset: all of them.
wanted() {
	[ -z "${SELFTESTS_PROGRAMS+set}" ] || [[ ",$SELFTESTS_PROGRAMS," == *",$1,"* ]]
}

if [ "$arch" = x86_64 ] && wanted iommufd; then
	# iommufd only, and only it is built: iommufd_fail_nth (the mock
	# driver's fault injection) does not reach the IOMMU drivers this
	# project changes, and takes long under TCG.
	build iommu "$dest/.build/iommu/iommufd"
	cp "$dest/.build/iommu/iommufd" "$dest/"
fi
# The VFIO selftests that drive the guest's edu device, and only they are
# built.  The replace test and the edu driver are added by the series: a
# tree without them (the stock base) just does not provide the program.
vfio=()
for t in vfio_pci_driver_test vfio_iommufd_replace_test; do
	wanted "$t" && [ -f "$src/tools/testing/selftests/vfio/$t.c" ] && vfio+=("$t")
done
((${#vfio[@]} == 0)) || build vfio "${vfio[@]/#/$dest/.build/vfio/}"
for t in "${vfio[@]}"; do cp "$dest/.build/vfio/$t" "$dest/"; done
if [ "$arch" = x86_64 ]; then cp "$TESTBED/guest/dmar-info" "$dest/"; fi
log "test programs in $dest: $(cd "$dest" && ls | tr '\n' ' ')"
