/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compute part of mvctl lab's workload, one copy of the machine code
 * for every place it runs: the lab guest includes this file, and mvctl
 * links it to run the same instructions natively, as a host process.
 * Both functions follow the SysV AMD64 calling convention, touch only
 * caller-saved registers and memory through their arguments, and use no
 * absolute address, so that they run anywhere.
 *
 *   void lab_fill(void *buffer, size_t bytes);
 *	Byte i of the buffer becomes (7 * i + 3) mod 256.
 *   uint32_t lab_checksum(const void *buffer, size_t bytes);
 *	sum = sum * 31 + byte, over the bytes in order, from 0.
 */
	.code64
	.text

	.globl	lab_fill
	.type	lab_fill, @function
lab_fill:
	xor	%eax, %eax		/* i */
	mov	$3, %edx		/* the byte for i */
1:	cmp	%rsi, %rax
	jae	2f
	mov	%dl, (%rdi,%rax)
	add	$7, %edx
	inc	%rax
	jmp	1b
2:	ret
	.size	lab_fill, . - lab_fill

	.globl	lab_checksum
	.type	lab_checksum, @function
lab_checksum:
	xor	%eax, %eax		/* sum */
	xor	%ecx, %ecx		/* i */
1:	cmp	%rsi, %rcx
	jae	2f
	imul	$31, %eax, %eax
	movzbl	(%rdi,%rcx), %edx
	add	%edx, %eax
	inc	%rcx
	jmp	1b
2:	ret
	.size	lab_checksum, . - lab_checksum

	.section .note.GNU-stack, "", @progbits
