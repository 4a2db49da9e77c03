/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ports of mvctl run's emulated devices, for the example guests
 * (included by the assembler's preprocessor), and the output loops they
 * share.
 */
#ifndef GUEST_DEVICES_H
#define GUEST_DEVICES_H

/* 16550 UART, COM1: transmit/receive register and line status. */
#define UART_DATA	0x3f8
#define UART_LSR	0x3fd
#define UART_LSR_DR	0x01	/* a received byte is waiting */
#define UART_LSR_THRE	0x20	/* the transmitter takes a byte */

/* Debug console: every byte written appears on mvctl's stdout. */
#define DEBUGCON	0xe9

/* Exit port: the value written ends the run as mvctl's exit status. */
#define EXIT_PORT	0xf4

/*
 * Send BL to the UART the way a BIOS-era program polls a 16550: wait for
 * LSR.THRE, write the byte. Clobbers AL and DX.
 */
.macro uart_put_bl
	mov	$UART_LSR, %dx
.Luart_wait\@:
	in	%dx, %al
	test	$UART_LSR_THRE, %al
	jz	.Luart_wait\@
	mov	%bl, %al
	mov	$UART_DATA, %dx
	out	%al, %dx
.endm

/*
 * Send the NUL-terminated string at SI (ESI in 32-bit code) to the UART,
 * byte by byte with uart_put_bl. Clobbers AL, BL, DX and the string
 * pointer.
 */
.macro uart_print
.Luart_next\@:
	lodsb
	test	%al, %al
	jz	.Luart_done\@
	mov	%al, %bl
	uart_put_bl
	jmp	.Luart_next\@
.Luart_done\@:
.endm

/*
 * Print ECX hex digits of the 32-bit register reg, from its top: rotate
 * each digit to the bottom in turn and print it through the including
 * guest's put_byte and its table hex_digits ("0123456789abcdef").
 * Clobbers EAX and ECX, and leaves reg rotated by 4 * ECX bits.
 */
.macro put_hex_digits reg
.Lhex_next\@:
	rol	$4, \reg
	mov	\reg, %eax
	and	$0xf, %eax
	mov	hex_digits(%eax), %al
	call	put_byte
	loop	.Lhex_next\@
.endm

#endif /* GUEST_DEVICES_H */
