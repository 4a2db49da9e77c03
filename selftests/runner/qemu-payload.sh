#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the extra initramfs (gzip'd newc cpio) for the hosts that run the
# qemu_boot or the lab suite: Debian's QEMU (qemu-system-x86_64, the shared
# libraries it loads, the firmware it needs for a pc machine booting a
# kernel given with -kernel) and, given --guest-kernel, the Linux guest
# qemu_boot boots: a kernel image and an initramfs of busybox and
# selftests/qemu_guest/init. The kernel unpacks an initramfs made of
# several cpio archives one after the other, so run.sh appends this one
# to a host's initramfs only where those suites run: QEMU and its
# libraries add megabytes that the other hosts need not load.
#
#   qemu-payload.sh --out FILE [--guest-kernel VMLINUZ]
#
# Everything lands at the path QEMU looks for it on Debian; the guest lands
# in /qemu-guest/ (vmlinuz, initrd.gz).
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
qemu=/usr/bin/qemu-system-x86_64
busybox=/bin/busybox
# Debian builds QEMU's TCG accelerator as a module: mvctl lab's emulation.
tcg_module=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
# What a pc machine reads at start with -kernel and no network or VGA:
# SeaBIOS, the option ROMs that boot the -kernel image (a Linux kernel;
# a multiboot one, mvctl lab's guest under TCG), and the one that patches
# TPR accesses (QEMU's kvmvapic).
firmware=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin
	/usr/share/qemu/multiboot_dma.bin /usr/share/qemu/kvmvapic.bin)

usage() {
	echo "usage: $0 --out FILE [--guest-kernel VMLINUZ]" >&2
	exit 2
}

out='' guest_kernel=''
while (($#)); do
	case "$1" in
	--out)		out=${2:?}; shift 2 ;;
	--guest-kernel)	guest_kernel=${2:?}; shift 2 ;;
	*)		usage ;;
	esac
done
[[ -n $out ]] || usage
for file in "$qemu" "$tcg_module" "$busybox" ${guest_kernel:+"$guest_kernel"} \
	"${firmware[@]}"; do
	[[ -f $file ]] || {
		echo "$0: no $file (apt-get install qemu-system-x86 busybox-static)" >&2
		exit 2
	}
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

# QEMU and every library the dynamic loader gives it, the loader too, and
# its TCG module (which needs only the C library).
install -D -m 755 "$qemu" "$root$qemu"
install -D -m 644 "$tcg_module" "$root$tcg_module"
while read -r lib; do
	install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
done < <(ldd "$qemu" | grep -o '/[^ ]*')
for file in "${firmware[@]}"; do
	install -D -m 644 "$(readlink -f "$file")" "$root$file"
done

# The guest's initramfs: busybox and its applets, and the guest's /init.
if [[ -n $guest_kernel ]]; then
	guest=$(mktemp -d)
	trap 'rm -rf "$root" "$guest"' EXIT
	mkdir -p "$guest"/{bin,dev,proc,sys}
	install -m 755 "$busybox" "$guest/bin/busybox"
	for applet in $("$busybox" --list); do
		[[ $applet == busybox ]] || ln -s busybox "$guest/bin/$applet"
	done
	install -m 755 "$here/../qemu_guest/init" "$guest/init"
	mkdir -p "$root/qemu-guest"
	install -m 644 "$guest_kernel" "$root/qemu-guest/vmlinuz"
	(cd "$guest" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) |
		gzip -9 >"$root/qemu-guest/initrd.gz"
fi

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) |
	gzip -9 >"$out"
