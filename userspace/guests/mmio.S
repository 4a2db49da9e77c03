/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmio: memory-mapped I/O as a hypervisor sees it. In 32-bit protected
 * mode the guest writes to and reads from 0xd0000000, a guest physical
 * address outside its memory (no memslot): each access exits as
 * KVM_EXIT_MMIO, which minivisor produces by decoding the MOV. mvctl has
 * no device there, reports the address once and reads all ones. Then it
 * writes a POST code to port 0x80, twice, where nothing listens either.
 * It prints what it read, in hex on the UART, and halts.
 */
#include "devices.h"

#define UNBACKED_ADDR	0xd0000000
#define POST_PORT	0x80

	.code32
	.text
	.globl	_start
_start:
	movl	$0x12345678, UNBACKED_ADDR
	mov	UNBACKED_ADDR, %eax
	mov	UNBACKED_ADDR, %edi
	mov	$0x01, %al
	out	%al, $POST_PORT
	mov	$0x02, %al
	out	%al, $POST_PORT

	mov	$before, %esi
	call	print
	mov	$8, %ecx
	put_hex_digits %edi
	mov	$newline, %esi
	call	print
	hlt

/* Print the NUL-terminated string at ESI. */
print:
	lodsb
	test	%al, %al
	jz	1f
	call	put_byte
	jmp	print
1:	ret

/* Send AL to the UART once it takes a byte. */
put_byte:
	push	%edx
	push	%eax
	mov	$UART_LSR, %dx
1:	in	%dx, %al
	test	$UART_LSR_THRE, %al
	jz	1b
	pop	%eax
	mov	$UART_DATA, %dx
	out	%al, %dx
	pop	%edx
	ret

before:
	.asciz	"MMIO read of 0xd0000000 gave 0x"
newline:
	.asciz	"\n"
hex_digits:
	.ascii	"0123456789abcdef"
