#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module's layers depend one way (minivisor.h draws them): the front
# doors (dev.c, vm.c, vcpu.c, run.h, netlink.c, main.c) over the backend
# interface (backend.h); the vendor backend (vmx/, with its page tables
# in ept/) below it; and at the bottom device assignment (sriov/) over
# guest memory (memory/), the x86 architecture (x86/) and interrupt
# delivery (irq/), which call nothing above them. vm.h, vcpu.h and stats.h
# describe the objects all layers share, and backend.h is the interface
# every layer may call down through: guest memory reaches the page tables
# only that way.
#
# This check, part of `make lint`, fails on an #include that goes the
# wrong way. Each rule: the files it covers, the headers they may not
# include (an extended regular expression on the quoted path), and why.
#
#   module/layers.sh [MODULE_DIR]

dir=${1:-module}
status=0

# rule FILES_REGEX FORBIDDEN_REGEX WHY
rule() {
	for file in $(find "$dir" -name '*.[chS]' | sort | grep -E "$1"); do
		grep -nE "^#include \"([.][.]/)*($2)\"" "$file" |
			while IFS= read -r line; do
				echo "$file:$line: $3"
			done | grep . && status=1
	done
}

rule "^$dir/([^v]|v[^m]|vm[^x]|vmx[^/])" 'vmx/[^"]*' \
	'only the VMX backend (vmx/) includes its headers'
rule "^$dir/(vmx|ept|x86|memory|irq|sriov)/" 'minivisor\.h|netlink\.h' \
	'a lower layer calls no front door'
rule "^$dir/x86/" 'backend\.h' \
	'x86 emulation calls no backend: it says what the backend does next'
rule "^$dir/(x86|memory|irq)/" 'sriov/[^"]*' \
	'x86, memory and interrupt delivery call no device assignment'
rule "^$dir/(x86|memory|irq|sriov)/" 'ept/[^"]*' \
	'the EPT is the VMX backend'"'"'s: others reach page tables through backend.h'
rule "^$dir/irq/" '(memory|x86)/[^"]*' \
	'interrupt delivery calls no guest memory and no emulation'
exit $status
