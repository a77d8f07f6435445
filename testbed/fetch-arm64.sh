#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the arm64 guest's userspace is built from: Debian bookworm's static
# busybox for arm64 (the initramfs's shell and tools) and libuuid's
# static library and header for arm64 (the VFIO selftests link it), as
# pinned .debs fetched with a private apt list (arm64 added to its
# architectures only), checked and unpacked, never installed.
#
# Prints the directory: DIR/bin/busybox, DIR/usr/include,
# DIR/usr/lib/aarch64-linux-gnu.
. "$(dirname "$0")/lib.sh"

declare -A PKG_VERSION=(
	[busybox-static]=1:1.35.0-4+deb12u1+b1
	[uuid-dev]=2.38.1-5+deb12u3
)
declare -A PKG_SHA256=(
	[busybox-static]=732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5
	[uuid-dev]=681d5cb85435b9c9e5b7798d86b508ba930e3cbc599bd550446ba12780e4f3e6
)

key=$(for p in "${!PKG_SHA256[@]}"; do echo "$p ${PKG_VERSION[$p]} ${PKG_SHA256[$p]}"; done |
	LC_ALL=C sort | sha256sum | cut -c1-12)
dest=$CACHE/arm64-$key
have() { [ -x "$dest/root/bin/busybox" ] && [ -f "$dest/root/usr/lib/aarch64-linux-gnu/libuuid.a" ]; }
have && { echo "$dest/root"; exit 0; }
cache_lock "$dest"
have && { echo "$dest/root"; exit 0; }

specs=()
for p in "${!PKG_SHA256[@]}"; do specs+=("$p:arm64=${PKG_VERSION[$p]}=${PKG_SHA256[$p]}"); done
fetch_debs "$dest" bookworm "${specs[@]}"
file -L "$dest/root.tmp/bin/busybox" | grep -q 'ARM aarch64.*statically linked' ||
	die "$dest/root.tmp/bin/busybox is no static arm64 program"
mv "$dest/root.tmp" "$dest/root"
log "arm64 busybox and libuuid unpacked in $dest/root"
echo "$dest/root"
