#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel and initramfs in QEMU TCG: fast, no VT-x, but with an
# IOMMU (intel-iommu) and an SR-IOV capable NVMe function (a PF with two
# VFs behind a PCIe root port) for the SR-IOV and IOMMU paths, and QEMU's
# "edu" teaching device, whose interrupt is an MSI.
# Sourced by selftests/runner/run.sh, after lib/timed.sh.

# no_timer_check: on a loaded machine TCG's timer can miss the kernel's
# boot-time check through the interrupt-remapped IO-APIC, which panics.
#
# boot_qemu HOSTDIR CPUS TIMEOUT KERNEL INITRD CMDLINE
# Writes HOSTDIR/{qemu.cmdline,qemu.log,serial.log} and returns run_timed's
# status.
boot_qemu() {
	local dir=$1 cpus=$2 secs=$3 kernel=$4 initrd=$5 cmdline=$6
	# shellcheck disable=SC2054 # the commas are QEMU's, inside arguments
	local -a qemu=(
		qemu-system-x86_64 -M q35 -accel tcg -m 1024 -smp "$cpus"
		-display none -monitor none -serial file:serial.log
		-no-reboot
		-device intel-iommu
		-device pcie-root-port,id=rp1,chassis=1
		-device nvme-subsys,id=subsys0
		-device nvme,serial=deadbeef,subsys=subsys0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,bus=rp1
		-device edu
		-kernel "$kernel" -initrd "$initrd"
		-append "$cmdline intel_iommu=on no_timer_check"
	)

	printf '%q ' "${qemu[@]}" >"$dir/qemu.cmdline"
	echo >>"$dir/qemu.cmdline"
	run_timed "$dir" "$secs" qemu.log "${qemu[@]}"
}
