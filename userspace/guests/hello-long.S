/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello-long: 64-bit long mode on mvctl's identity-mapped page tables,
 * linked at 1 MiB. Built both as a 64-bit ELF and as a flat binary (run
 * with --mode long). It writes its greeting to the debug console in one
 * string instruction, REP OUTSB: the hypervisor sees string I/O.
 */
#include "devices.h"

	.code64
	.text
	.globl	_start
_start:
	lea	greeting(%rip), %rsi
	mov	$greeting_end - greeting, %ecx
	mov	$DEBUGCON, %dx
	rep outsb
	hlt

greeting:
	.ascii	"Hello from long mode, through the debug console!\n"
greeting_end:
