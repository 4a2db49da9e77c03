#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel and initramfs in Bochs, the emulated host with VT-x (model
# corei7_skylake_x: EPT, VPID, unrestricted guest, preemption timer). Bochs
# boots from an isolinux CD image built here, with an e1000 in PCI slot 1
# to pass through, and its first serial port streams to HOSTDIR/serial.log.
# Sourced by selftests/runner/run.sh, after lib/timed.sh.

# boot_bochs HOSTDIR CPUS TIMEOUT KERNEL INITRD CMDLINE
# Writes HOSTDIR/{isolinux.cfg,boot.iso,bochsrc,bochs.rc,bochs.log,serial.log}
# and returns run_timed's status.
boot_bochs() {
	local dir=$1 cpus=$2 secs=$3 kernel=$4 initrd=$5 cmdline=$6
	local iso

	# reboot=t: a panic's reboot triple-faults, and reset_on_triple_fault=0
	# turns that into a Bochs panic that ends the run, instead of a reset
	# that would boot the guest and run the tests a second time.
	# clearcpuid=xsavec,xsaves: Bochs reports the standard XSAVE area size
	# (CPUID 0xd.1 EBX) where the compacted one belongs; the kernel would
	# WARN at boot and run without XSAVE at all. Without the compacting
	# instructions it keeps XSAVE in the standard format.
	cat >"$dir/isolinux.cfg" <<-EOF
		DEFAULT linux
		LABEL linux
		  KERNEL /vmlinuz
		  APPEND initrd=/initrd.gz $cmdline reboot=t clearcpuid=xsavec,xsaves
	EOF

	iso=$(mktemp -d "$dir/iso.XXXXXX")
	mkdir "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
		"$dir/isolinux.cfg" "$iso/isolinux/"
	cp "$kernel" "$iso/vmlinuz"
	cp "$initrd" "$iso/initrd.gz"
	xorriso -as mkisofs -quiet -o "$dir/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
		-boot-info-table "$iso" 2>"$dir/xorriso.log"
	rm -rf "$iso"

	# An Intel 82540EM (e1000) in PCI slot 1, with no network behind it
	# (ethmod=null): an ordinary PCI function with a memory BAR and real
	# registers, for the assign suite to pass through to a guest.
	#
	# No sound: Bochs starts its mixer thread whatever the speaker says,
	# and with ALSA's default driver that thread aborts Bochs ("buffer
	# overflow detected") on a machine with no sound card.
	#
	# Debian's Bochs has no "nogui" display; rfb needs no X and, with
	# timeout=0, no client. Each instance listens on the first free TCP
	# port from 5900 to 5949 (on all addresses), so parallel runs do not
	# collide.
	cat >"$dir/bochsrc" <<-EOF
		megs: 1024
		cpu: model=corei7_skylake_x, count=$cpus, ips=200000000, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
		ata0-master: type=cdrom, path=boot.iso, status=inserted
		pci: enabled=1, chipset=i440fx, slot1=e1000
		e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=null
		boot: cdrom
		com1: enabled=1, mode=file, dev=serial.log
		display_library: rfb, options="timeout=0"
		speaker: enabled=0
		sound: driver=dummy
		clock: sync=none, time0=local
		log: -
		panic: action=fatal
		error: action=report
		info: action=ignore
	EOF

	# Debian's Bochs has its debugger built in, stopped before the first
	# instruction: these commands start the machine and end Bochs after.
	printf 'continue\nquit\n' >"$dir/bochs.rc"

	run_timed "$dir" "$secs" bochs.log bochs-bin -q -f bochsrc -rc bochs.rc
}
