/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypercall: paravirtualization in one instruction. In 64-bit long mode
 * the guest executes VMCALL with a hypercall number in RAX that no
 * hypervisor knows (KVM's convention, Documentation/virt/kvm/x86/
 * hypercalls.rst). VMCALL exits to the hypervisor, which answers in RAX:
 * -KVM_ENOSYS, -1000, from minivisor as from KVM. The guest prints the
 * answer in decimal on the UART and halts. Its digit buffer lives in .bss,
 * which mvctl's ELF loader zeroes.
 */
#include "devices.h"

#define UNKNOWN_HYPERCALL	100

	.code64
	.text
	.globl	_start
_start:
	lea	before(%rip), %rsi
	call	print
	mov	$UNKNOWN_HYPERCALL, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	vmcall
	mov	%rax, %rdi
	call	print_signed
	lea	newline(%rip), %rsi
	call	print
	hlt

/* Print the signed number in RDI in decimal. */
print_signed:
	mov	%rdi, %rax
	test	%rax, %rax
	jns	1f
	push	%rax
	mov	$'-', %al
	call	put_byte
	pop	%rax
	neg	%rax
1:	lea	digits_end(%rip), %rsi
	mov	$10, %ecx
2:	xor	%edx, %edx
	div	%rcx
	add	$'0', %dl
	dec	%rsi
	mov	%dl, (%rsi)
	test	%rax, %rax
	jnz	2b
	jmp	print

/* Print the NUL-terminated string at RSI. */
print:
	lodsb
	test	%al, %al
	jz	1f
	call	put_byte
	jmp	print
1:	ret

/* Send AL to the UART once it takes a byte. */
put_byte:
	push	%rdx
	push	%rax
	mov	$UART_LSR, %dx
1:	in	%dx, %al
	test	$UART_LSR_THRE, %al
	jz	1b
	pop	%rax
	mov	$UART_DATA, %dx
	out	%al, %dx
	pop	%rdx
	ret

before:
	.asciz	"VMCALL of unknown hypercall 100 returned "
newline:
	.asciz	"\n"

	.bss
digits:
	.skip	24
digits_end:
	.skip	1
