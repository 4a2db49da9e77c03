#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest kernel of the qemu_boot suite from Debian's
# linux-source-6.1, allnoconfig plus the fragment beside this script,
# once: the bzImage is cached as
#
#   CACHE/qemu-guest-kernel/KEY/vmlinuz
#
# KEY hashes this script, the fragment, the linux-source-6.1 package
# version and the compiler version; a change to any of them builds anew,
# and older entries go. CACHE is $MV_CACHE, else /var/cache/minivisor.
# Why not Debian's kernel: booted nested in Bochs under QEMU it takes
# several times as many instructions to reach its init (it decompresses
# and initialises far more), and the suite runs four boots.
#
#   build.sh
#
# Prints the path of the cached vmlinuz.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
fragment=$here/config
source_tar=/usr/src/linux-source-6.1.tar.xz
cache=${MV_CACHE:-/var/cache/minivisor}/qemu-guest-kernel

die() {
	echo "$0: $*" >&2
	exit 1
}

[[ -f $source_tar ]] || die "no $source_tar (apt-get install linux-source-6.1)"
key=$({
	cat "$0" "$fragment"
	dpkg-query -W -f='${Version}\n' linux-source-6.1
	gcc --version | head -n 1
} | sha256sum | cut -c 1-16)
entry=$cache/$key

if [[ ! -f $entry/vmlinuz ]]; then
	mkdir -p "$cache"
	rm -rf "${cache:?}"/*
	tree=$(mktemp -d)
	trap 'rm -rf "$tree"' EXIT
	echo "guest kernel: building from $source_tar" >&2
	tar -C "$tree" -xJf "$source_tar"
	# Its stdout is this script's answer: make's, even "Entering
	# directory" under a make run with -w, goes to stderr.
	KCONFIG_ALLCONFIG=$fragment make -C "$tree/linux-source-6.1" -s allnoconfig >&2
	while IFS= read -r line; do
		grep -qxF -- "$line" "$tree/linux-source-6.1/.config" ||
			die "the .config lost $line of $fragment"
	done < <(grep -E '^CONFIG_' "$fragment")
	make -C "$tree/linux-source-6.1" -s -j"$(nproc)" bzImage >"$tree/build.log" 2>&1 || {
		tail -n 40 "$tree/build.log" >&2
		die "the build failed"
	}
	mkdir -p "$entry.new"
	cp "$tree/linux-source-6.1/arch/x86/boot/bzImage" "$entry.new/vmlinuz"
	mv "$entry.new" "$entry"
fi
echo "$entry/vmlinuz"
