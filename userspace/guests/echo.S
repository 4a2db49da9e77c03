/* SPDX-License-Identifier: GPL-2.0 */
/*
 * echo: the UART's other direction. Real mode: reads a line from the UART
 * (LSR.DR says a byte waits; mvctl fills it from its standard input),
 * sends each byte back in upper case (mvctl's transmitter is always ready,
 * so it does not wait for LSR.THRE), and at the newline writes 0 to the
 * exit port, which ends the run with status 0.
 */
#include "devices.h"

	.code16
	.text
	.globl	_start
_start:
	mov	$UART_LSR, %dx
wait_for_input:
	in	%dx, %al
	test	$UART_LSR_DR, %al
	jz	wait_for_input
	mov	$UART_DATA, %dx
	in	%dx, %al
	mov	%al, %bl
	cmp	$'a', %al
	jb	send
	cmp	$'z', %al
	ja	send
	sub	$'a' - 'A', %al
send:
	out	%al, %dx
	cmp	$'\n', %bl
	jne	_start
	xor	%al, %al
	out	%al, $EXIT_PORT
	hlt
