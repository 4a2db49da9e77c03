/* SPDX-License-Identifier: GPL-2.0 */
/*
 * triple-fault: how a guest dies. In 32-bit protected mode it loads an
 * empty IDT and executes UD2. The #UD cannot be delivered (no IDT entry),
 * which raises #GP; that cannot be delivered either, which makes a double
 * fault; failing that too is a triple fault, and the CPU shuts down (SDM
 * 3A, 6.15, "Interrupt 8"). A hypervisor sees KVM_EXIT_SHUTDOWN; mvctl
 * reports it and exits with status 3.
 */
#include "devices.h"

	.code32
	.text
	.globl	_start
_start:
	mov	$message, %esi
	mov	$message_end - message, %ecx
	mov	$DEBUGCON, %dx
	rep outsb
	lidt	empty_idt
	ud2

message:
	.ascii	"About to triple fault.\n"
message_end:

	.p2align 3
empty_idt:
	.word	0
	.long	0
