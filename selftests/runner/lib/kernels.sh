#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels the emulated hosts boot, by flavour: "debian", Debian's
# linux-image (by default the newest in /boot), and "debug", the debug
# kernel (selftests/debug-kernel/: KASAN, lockdep, kmemleak). For each
# flavour, the tables below give the kernel image, the directory its
# modules come from into the initramfs, and where that initramfs goes.
# Sourced by selftests/runner/run.sh and selftests/runner/soak.sh, which provide die.
# shellcheck disable=SC2034 # the tables are the callers'

declare -A vmlinuz=() kernel_modules=() initrds=()

# newest_debian_kernel: the newest Debian kernel image in /boot.
newest_debian_kernel() {
	printf '%s\n' /boot/vmlinuz-*-amd64 | sort -V | tail -n 1
}

# use_debian_kernel VMLINUZ OUT: the debian flavour boots VMLINUZ, with
# its modules from /lib/modules, from OUT/initramfs.gz.
use_debian_kernel() {
	vmlinuz[debian]=$(readlink -f "$1")
	kernel_modules[debian]=/lib/modules/${vmlinuz[debian]##*/vmlinuz-}
	[[ -d ${kernel_modules[debian]} ]] || die "no ${kernel_modules[debian]} for $1"
	initrds[debian]=$2/initramfs.gz
}

# use_debug_kernel DIR OUT: the debug flavour boots the kernel built in
# DIR (DIR/vmlinuz, DIR/lib/modules/), from OUT/initramfs-debug.gz.
use_debug_kernel() {
	local dir

	dir=$(readlink -f "$1")
	vmlinuz[debug]=$dir/vmlinuz
	kernel_modules[debug]=$(printf '%s\n' "$dir"/lib/modules/* | head -n 1)
	[[ -f ${kernel_modules[debug]}/modules.dep ]] ||
		die "no modules in $dir/lib/modules/"
	initrds[debug]=$2/initramfs-debug.gz
}
