#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack a busybox initramfs with testbed/guest/init and the test programs:
#
#   initramfs.sh TESTS_DIR OUT.cpio.gz [ARCH]
#
# ARCH is the guest's: x86_64 (the default) takes the system's busybox,
# arm64 fetch-arm64.sh's.
. "$(dirname "$0")/lib.sh"

tests=$1 out=$2 arch=${3:-x86_64}
case $arch in
x86_64)	bb=$(command -v busybox || true) ;;
arm64)	bb=$("$TESTBED/fetch-arm64.sh")/bin/busybox || die "no arm64 busybox" ;;
*)	die "initramfs.sh: no guest for $arch" ;;
esac
[ -n "$bb" ] && file -L "$bb" | grep -q 'statically linked' ||
	die "need a static busybox (Debian package busybox-static)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests}
cp "$bb" "$root/bin/busybox"
cp "$TESTBED/guest/init" "$root/init"
find "$tests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/tests/" \;
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out"
log "initramfs $out: $(du -h "$out" | cut -f1)"
