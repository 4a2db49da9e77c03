#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs (gzip'd newc cpio) every emulated host boots: busybox
# and its applets, /init, the module, mvctl and its example guests, the
# demo and `make lab`'s script, the test binaries, and the booted kernel's own KVM modules
# (kvm_intel is the reference the tests compare minivisor with) and NVMe
# driver (the sriov suite's PF driver with a sriov_configure of its own).
#
#   initramfs.sh --out FILE --module minivisor.ko --mvctl FILE \
#                [--delay-module FILE] [--kernel-modules /lib/modules/VERSION]
#                [--tests DIR] [SUITE...]
#
# --delay-module is a test build of minivisor with delay points
# (module/delay.h); it lands beside the module as minivisor-delay.ko.
#
# Each SUITE is taken from DIR/SUITE and lands in /tests/SUITE; the KVM
# modules land in /lib/kvm; nvme.ko and every module it needs, by
# modules.dep, land in /lib/nvme, whose file "order" names them in load
# order (nvme.ko last). Nothing loads them at boot: until a test does, the
# QEMU host's NVMe PF has no driver. irqbypass.ko comes along where it is a
# module of its own. The guests built beside mvctl (guests/*.bin and
# guests/*.elf in mvctl's directory) land in /guests, the teaching lab's
# pages (docs/labs/*.md) in /docs/labs.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
busybox=/bin/busybox

usage() {
	echo "usage: $0 --out FILE --module FILE --mvctl FILE [--delay-module FILE] [--kernel-modules DIR] [--tests DIR] [SUITE...]" >&2
	exit 2
}

out='' module='' mvctl='' tests='' kernel_modules='' delay_module=''
while (($#)); do
	case "$1" in
	--out)		out=${2:?}; shift 2 ;;
	--module)	module=${2:?}; shift 2 ;;
	--delay-module)	delay_module=${2:?}; shift 2 ;;
	--mvctl)	mvctl=${2:?}; shift 2 ;;
	--tests)	tests=${2:?}; shift 2 ;;
	--kernel-modules) kernel_modules=${2:?}; shift 2 ;;
	-*)		usage ;;
	*)		break ;;
	esac
done
[[ -n $out && -n $module && -n $mvctl ]] || usage
if (($#)) && [[ -z $tests ]]; then
	echo "$0: suites given without --tests DIR" >&2
	exit 2
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp makes it 0700: the guest's / must let tests that drop root in.
chmod 755 "$root"

mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,guests} \
	"$root"/lib/{minivisor,kvm,nvme}

install -m 755 "$busybox" "$root/bin/busybox"
# The list names busybox itself: a bin/busybox -> busybox link would loop.
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done

install -m 755 "$here/init" "$root/init"
install -m 755 "$here/demo.sh" "$root/bin/mv-demo"
install -m 755 "$here/lab-host.sh" "$root/bin/mv-lab"
install -m 755 "$mvctl" "$root/bin/mvctl"
guests=("$(dirname "$mvctl")"/guests/*.{bin,elf})
[[ -f ${guests[0]} ]] || {
	echo "$0: no guests beside $mvctl (make userspace builds them)" >&2
	exit 2
}
install -m 644 "${guests[@]}" "$root/guests/"
# The teaching lab's pages, whose commands the docs suite runs.
install -D -m 644 -t "$root/docs/labs" "$here/../../docs/labs/"*.md
install -m 644 "$module" "$root/lib/minivisor/minivisor.ko"
[[ -z $delay_module ]] ||
	install -m 644 "$delay_module" "$root/lib/minivisor/minivisor-delay.ko"
if [[ -n $kernel_modules ]]; then
	# irqbypass is built in, or left out, where KVM is not a module.
	for ko in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-intel.ko; do
		[[ $ko == */irqbypass.ko && ! -f $kernel_modules/kernel/$ko ]] ||
			install -m 644 "$kernel_modules/kernel/$ko" "$root/lib/kvm/"
	done
	# modules.dep lists what a module needs so that the last loads first.
	nvme=kernel/drivers/nvme/host/nvme.ko
	grep -q "^$nvme:" "$kernel_modules/modules.dep" || {
		echo "$0: no $nvme in $kernel_modules/modules.dep" >&2
		exit 2
	}
	read -ra deps <<<"$(sed -n "s|^$nvme: *||p" "$kernel_modules/modules.dep")"
	for ko in $(printf '%s\n' "${deps[@]}" | tac) "$nvme"; do
		install -m 644 "$kernel_modules/$ko" "$root/lib/nvme/"
		basename "$ko" >>"$root/lib/nvme/order"
	done
fi
for suite in "$@"; do
	install -m 755 "$tests/$suite" "$root/tests/$suite"
done

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) |
	gzip -9 >"$out"
