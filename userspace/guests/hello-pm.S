/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello-pm: 32-bit protected mode, flat segments, no paging. A 32-bit ELF
 * linked at 1 MiB: mvctl takes the load address and entry point from its
 * headers and starts it in protected mode. Prints on the UART, halts.
 */
#include "devices.h"

	.code32
	.text
	.globl	_start
_start:
	mov	$greeting, %esi
	uart_print
	hlt

greeting:
	.asciz	"Hello from protected mode!\n"
