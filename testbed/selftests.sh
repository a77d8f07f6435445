#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's test programs, statically linked, from a kernel tree:
#
#   selftests.sh TREE KOUT DEST
#
# KOUT is the kernel build directory (for the uapi headers); DEST receives
# the programs.
. "$(dirname "$0")/lib.sh"

src=$1 kout=$2 dest=$3
# The selftest makefiles do not track the headers their objects include,
# so a program could link objects built against an older tree: always
# build from scratch (ccache makes that cheap).
rm -rf "$dest"
mkdir -p "$dest"
make -s -C "$src" O="$kout" ARCH=x86_64 headers >/dev/null
hdr="-isystem $kout/usr/include"
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1

build() {
	local dir=$1
	shift
	mkdir -p "$dest/.build/$dir"
	make -s -C "$src/tools/testing/selftests/$dir" OUTPUT="$dest/.build/$dir" \
		CC="ccache gcc" KHDR_INCLUDES="$hdr" USERLDFLAGS=-static "$@" >&2
}

build iommu
# iommufd only: iommufd_fail_nth (the mock driver's fault injection) does
# not reach the VT-d code this project changes, and takes long under TCG.
cp "$dest/.build/iommu/iommufd" "$dest/"
# The VFIO selftests that drive the guest's edu device.  The replace test
# and the edu driver are added by the series: a tree without them (the
# stock base) just does not provide the program.
build vfio
for t in vfio_pci_driver_test vfio_iommufd_replace_test; do
	if [ -f "$src/tools/testing/selftests/vfio/$t.c" ]; then
		cp "$dest/.build/vfio/$t" "$dest/"
	fi
done
cp "$TESTBED/guest/dmar-info" "$dest/"
log "test programs in $dest: $(cd "$dest" && ls | tr '\n' ' ')"
