/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spin: a runaway guest. Real mode: says so on the debug console, then
 * jumps to itself for ever, with interrupts enabled. Only a signal
 * (Ctrl-C) or --timeout ends it.
 */
#include "devices.h"

	.code16
	.text
	.globl	_start
_start:
	mov	$message, %si
	mov	$message_end - message, %cx
	mov	$DEBUGCON, %dx
	rep outsb
	sti
forever:
	jmp	forever

message:
	.ascii	"spinning\n"
message_end:
