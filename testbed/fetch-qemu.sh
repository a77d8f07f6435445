#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU 10.0 for the guests: its intel-iommu emulates first-stage
# translation (x-flts) and it has the igb device, which bookworm's QEMU 7.2
# lacks; its arm-smmuv3 has stage 2 (stage=2), 7.2's only stage 1.  bookworm-backports carries it built against bookworm's libraries,
# so it runs unpacked from the cache, without being installed: the three
# pinned .debs are fetched with a private apt list, checked and unpacked.
#
# Prints the directory to give fetch-qemu.sh's callers: DIR/usr/bin/
# qemu-system-x86_64 and qemu-system-aarch64, firmware in DIR/usr/share/qemu (-L), modules in
# DIR/usr/lib/x86_64-linux-gnu/qemu (QEMU_MODULE_DIR).  The BIOS comes from
# the system's seabios package (-L /usr/share/seabios), as for QEMU 7.2.
. "$(dirname "$0")/lib.sh"

QEMU_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
declare -A QEMU_SHA256=(
	[qemu-system-x86]=4a6b1856c8b0d7df4ff8e70249e12c473ccf8d516aadb4ae14d3d938faed0c65
	[qemu-system-arm]=edebbab09db3882c48ef9c00049c7c6a2d76d195cb88d830baadd1fb705bbc66
	[qemu-system-common]=23a4672a138832d7173855e981aa8282c73ef5e04e080fa7ada9f82c6b34f507
	[qemu-system-data]=2d831088187087013b3fcbd19bdfb955b182a2d5a08f6dafa0ad1c6d2007fb4e
)

# The cache is keyed by the pinned version and checksums.
key=$( (echo "$QEMU_VERSION"; for p in "${!QEMU_SHA256[@]}"; do echo "$p ${QEMU_SHA256[$p]}"; done) |
	LC_ALL=C sort | sha256sum | cut -c1-12)
dest=$CACHE/qemu-$key
have() { [ -x "$dest/root/usr/bin/qemu-system-x86_64" ] && [ -x "$dest/root/usr/bin/qemu-system-aarch64" ]; }
have && { echo "$dest/root"; exit 0; }
# One fetch at a time (lib.sh: cache_lock).
cache_lock "$dest"
have && { echo "$dest/root"; exit 0; }

specs=()
for p in "${!QEMU_SHA256[@]}"; do specs+=("$p=$QEMU_VERSION=${QEMU_SHA256[$p]}"); done
fetch_debs "$dest" bookworm-backports "${specs[@]}"
for q in x86_64 aarch64; do
	"$dest/root.tmp/usr/bin/qemu-system-$q" --version | head -n1 >&2 ||
		die "the unpacked qemu-system-$q does not run here"
done
mv "$dest/root.tmp" "$dest/root"
log "QEMU $QEMU_VERSION unpacked in $dest/root"
echo "$dest/root"
