#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the testbed needs (only those missing).
# Results: build/results/setup.tap.
. "$(dirname "$0")/lib.sh"

tap_start setup

pkgs=(build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
      rsync kmod dwarves ccache python3 python3-ply python3-git
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-i686-linux-gnu gcc-riscv64-linux-gnu qemu-system-x86 qemu-system-arm ipxe-qemu
      busybox-static libcap-dev uuid-dev file debian-archive-keyring)
# The packages of the list that are not installed.
missing_pkgs() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			echo "$p"
	done
}
mapfile -t missing < <(missing_pkgs)
if ((${#missing[@]})); then
	log "installing: ${missing[*]}"
	[ "$(id -u)" = 0 ] || die "run as root, or install: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
mapfile -t still < <(missing_pkgs)
if ((${#still[@]})); then
	nok "Debian packages not installed: ${still[*]}"
else
	ok "${#pkgs[@]} Debian packages installed (${#missing[@]} of them now)"
fi
log "tools ready ($(gcc --version | head -n1); $(qemu-system-x86_64 --version | head -n1))"
tap_end
