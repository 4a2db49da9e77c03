/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello: the smallest real guest. 16-bit real mode, loaded at 0x7c00 like
 * a boot sector; prints its greeting on the UART the way a BIOS-era
 * program polls a 16550 (wait for LSR.THRE, write the byte), then halts.
 * Every IN and OUT is an I/O exit served by mvctl.
 */
#include "devices.h"

	.code16
	.text
	.globl	_start
_start:
	mov	$greeting, %si
	uart_print
	hlt

greeting:
	.asciz	"Hello from real mode, through the UART!\n"
