/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's guest: one 64-bit program with a measuring loop per
 * operation (bench_guests.h says how the host drives them). Every loop is
 * the same frame around a different operation, so the frame's own cost is
 * what the empty loop measures, and the host subtracts it.
 *
 * Data only to the host binary: it sits in a read-only data section and
 * is copied into guest memory.
 */
#include "bench_guests.h"

/*
 * One loop: RBX and RCX zeroed outside the measurement (CPUID reads ECX);
 * then RDTSC, RAX and RDX zeroed, the operation, RAX and RDX saved, RDTSC;
 * the difference and the four registers go to the record at RDI.
 */
.macro bench_loop name:req, op:vararg
	.globl	\name
\name:
1:	xor	%ebx, %ebx
	xor	%ecx, %ecx
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r8
	xor	%eax, %eax
	xor	%edx, %edx
	\op
	mov	%rax, %r11
	mov	%rdx, %r12
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r8, %rax
	mov	%rax, (%rdi)
	mov	%r11, 8(%rdi)
	mov	%rbx, 16(%rdi)
	mov	%rcx, 24(%rdi)
	mov	%r12, 32(%rdi)
	add	$BENCH_RECORD_SIZE, %rdi
	add	%r10, %rsi
	dec	%r9
	jnz	1b
	hlt
.endm

	.section .rodata.bench_guest, "a"
	.code64

	.globl	bench_guest
bench_guest:

/* The operations of more than one instruction. */
.macro op_vmcall
	mov	$BENCH_HYPERCALL, %eax
	vmcall
.endm

.macro op_out
	mov	$BENCH_OUT_VALUE, %eax
	out	%eax, $BENCH_PORT
.endm

.macro op_touch
	mov	%rsi, (%rsi)
	mov	(%rsi), %rax
.endm

bench_loop bench_guest_empty
bench_loop bench_guest_cpuid, cpuid
bench_loop bench_guest_vmcall, op_vmcall
bench_loop bench_guest_out, op_out
bench_loop bench_guest_mmio_write, mov %rsi, (%rsi)
bench_loop bench_guest_mmio_read, mov (%rsi), %rax
bench_loop bench_guest_touch, op_touch

	.globl	bench_guest_end
bench_guest_end:

	.section .note.GNU-stack, "", @progbits
