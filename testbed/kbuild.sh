#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a kernel out of tree, with ccache.
#
#   kbuild.sh ARCH SRC OUT FRAGMENTS [MAKE TARGETS...]
#
# ARCH is x86_64, arm64, i386 or riscv64; FRAGMENTS a comma-separated list of files in
# testbed/configs/ applied on top of tinyconfig, or "-" to build with the
# .config already in OUT, or "rand:SEED:FILE" for "make randconfig" with
# KCONFIG_SEED=SEED and the symbols of testbed/configs/FILE forced
# (KCONFIG_ALLCONFIG), as the kernel's build bots make theirs.  The .config
# is only regenerated when the fragments or the source's Kconfig files
# change.
. "$(dirname "$0")/lib.sh"

arch=$1 src=$2 out=$3 frags=$4
shift 4

mkargs=(-C "$src" O="$out" -j"$JOBS")
case $arch in
x86_64)	mkargs+=(ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc") ;;
arm64)	mkargs+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
		 CC="ccache aarch64-linux-gnu-gcc" HOSTCC="ccache gcc") ;;
i386)	mkargs+=(ARCH=i386 CROSS_COMPILE=i686-linux-gnu-
		 CC="ccache i686-linux-gnu-gcc" HOSTCC="ccache gcc") ;;
riscv64) mkargs+=(ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-
		 CC="ccache riscv64-linux-gnu-gcc" HOSTCC="ccache gcc") ;;
*)	die "unknown arch $arch" ;;
esac
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 KBUILD_BUILD_TIMESTAMP="2026-01-01"
export KBUILD_BUILD_USER=testbed KBUILD_BUILD_HOST=testbed

mkdir -p "$out"
# One build at a time in a build directory: check.sh starts the arm64
# guest's kernel in the background and its guest stage builds (finishes)
# it again later; the second waits for the first.  The lock is held to
# the end, across the exec of make below.
exec 9> "$out.lock"
flock 9
if [ "$frags" = - ]; then
	[ -f "$out/.config" ] || die "no .config in $out"
	[ $# -eq 0 ] && exit 0
	exec make "${mkargs[@]}" "$@"
fi
files=() seed=""
case $frags in
rand:*:*)
	seed=${frags#rand:} seed=${seed%%:*}
	files=("$TESTBED/configs/${frags##*:}")
	;;
*)
	IFS=, read -ra names <<<"$frags"
	for n in "${names[@]}"; do files+=("$TESTBED/configs/$n"); done
	;;
esac
# Regenerate when a fragment or any Kconfig file of the source changes.
stamp=$( (echo "$seed"; cat "${files[@]}"; find "$src" -name 'Kconfig*' -not -path '*/.git/*' |
	  LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragstamp" 2>/dev/null)" != "$stamp" ]; then
	if [ -n "$seed" ]; then
		KCONFIG_SEED=$seed KCONFIG_ALLCONFIG=${files[0]} \
			make -s "${mkargs[@]}" randconfig >/dev/null
	else
		make -s "${mkargs[@]}" tinyconfig >/dev/null
		KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" \
			-m -O "$out" "$out/.config" "${files[@]}" >/dev/null
	fi
	make -s "${mkargs[@]}" olddefconfig >/dev/null
	# Every fragment line must survive olddefconfig, or the fragment lies.
	# ALLOW_MISSING=1 (bisect builds) tolerates symbols of later patches.
	# A later fragment may override an earlier one: check each symbol's
	# last setting.
	missing=0
	while read -r line; do
		case "$line" in
		CONFIG_*=n) grep -qx "# ${line%=n} is not set" "$out/.config" ||
			    ! grep -q "^${line%=n}=" "$out/.config" || { echo "  $line"; missing=1; } ;;
		CONFIG_*) grep -qxF "$line" "$out/.config" || { echo "  $line"; missing=1; } ;;
		esac
	done < <(grep -h '^CONFIG_' "${files[@]}" | tac | awk -F= '!seen[$1]++' | tac) >&2
	((missing == 0)) || [ "${ALLOW_MISSING:-0}" = 1 ] || die "the lines above of $frags did not make it into $out/.config"
	echo "$stamp" > "$out/.fragstamp"
fi
[ $# -eq 0 ] && exit 0
make "${mkargs[@]}" "$@"
