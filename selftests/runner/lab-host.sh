#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /bin/mv-lab in the selftest initramfs, run by /init for `make lab`
# (mv.lab=1, selftests/runner/lab.sh): the teaching lab's measurement on
# an emulated VT-x host. It loads minivisor, claims the host's e1000 for
# assignment (Bochs has no IOMMU: the module is told to assign without
# one), runs `mvctl lab` with it assigned, gives the e1000 back and
# unloads the module. It prints mvctl's table between "[mv] lab table
# begin" and "[mv] lab table end", the gnuplot script of its chart (the
# emulated host has no gnuplot) between "[mv] lab chart begin" and
# "[mv] lab chart end", and "[mv] lab exit=N" with mvctl's status.

# The e1000's PCI address, from sysfs (Intel 82540EM, 8086:100e).
e1000=
for dev in /sys/bus/pci/devices/*; do
	if [ "$(cat "$dev/vendor")" = 0x8086 ] &&
	   [ "$(cat "$dev/device")" = 0x100e ]; then
		e1000=${dev##*/}
	fi
done

insmod /lib/minivisor/minivisor.ko
assign=
if [ -n "$e1000" ]; then
	echo Y >/sys/module/minivisor/parameters/allow_unsafe_noiommu
	mvctl sriov claim "$e1000" && assign="--assign $e1000"
fi
echo "[mv] lab table begin"
# shellcheck disable=SC2086 # $assign is two words or none
mvctl lab --guest /guests/lab.elf --chart /tmp/lab.gp $assign
status=$?
echo "[mv] lab table end"
echo "[mv] lab chart begin"
cat /tmp/lab.gp
echo "[mv] lab chart end"
[ -z "$assign" ] || mvctl sriov release "$e1000"
rmmod minivisor
echo "[mv] lab exit=$status"
