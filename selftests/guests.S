/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest programs the run_* suites copy into guest memory, each between
 * a global start label and its "_end" label (guests.h says what each does).
 * They are data to the test binary, never run by it: they live in a
 * read-only data section, assembled for the mode the vCPU will be in.
 *
 * The code is position independent within a guest: in real mode CS, DS,
 * ES and SS all have the guest's load address as base, so a label's offset
 * from the guest's start is its address; the 64-bit guests use RIP-relative
 * addressing if they need data at all.
 */
#include "guests.h"

#define GUEST(name)	.globl name; name:
#define LABEL(name)	.globl name; name:
#define END(name)	.globl name##_end; name##_end:

/* The offset of label in the real-mode guest that starts at guest. */
#define OFFSET(label, guest)	((label) - (guest))

	.section .rodata.guests, "a"

/* ---------------------------------------------------------------------- */
	.code16

GUEST(guest_out_sizes)
	mov	$OUT_BYTE, %al
LABEL(guest_out_sizes_out8)
	out	%al, $PORT_OUT_BYTE
	mov	$OUT_WORD, %ax
LABEL(guest_out_sizes_out16)
	out	%ax, $PORT_OUT_WORD
	mov	$OUT_DWORD, %eax
	out	%eax, $PORT_OUT_DWORD
	mov	$PORT_WIDE, %dx
	mov	$OUT_WIDE, %al
	out	%al, (%dx)
	hlt
END(guest_out_sizes)

GUEST(guest_in_sizes)
	mov	$IN_SENTINEL, %eax
	in	$PORT_IN, %al
LABEL(guest_in_sizes_after_in8)
	out	%eax, $PORT_ECHO
	mov	$IN_SENTINEL, %eax
	in	$PORT_IN, %ax
	out	%eax, $PORT_ECHO
	mov	$IN_SENTINEL, %eax
	in	$PORT_IN, %eax
	out	%eax, $PORT_ECHO
	hlt
END(guest_in_sizes)

GUEST(guest_rep_outsb)
	cld
	mov	$OFFSET(.Loutsb_text, guest_rep_outsb), %si
	mov	$(.Loutsb_text_end - .Loutsb_text), %cx
	mov	$PORT_STRING, %dx
	rep outsb
	hlt
.Loutsb_text:
	.ascii	OUTSB_TEXT
.Loutsb_text_end:
END(guest_rep_outsb)

GUEST(guest_rep_insb)
	cld
	mov	$OFFSET(guest_rep_insb_buffer, guest_rep_insb), %di
	mov	$INSB_COUNT, %cx
	mov	$PORT_STRING, %dx
	rep insb
	hlt
LABEL(guest_rep_insb_buffer)
	.skip	INSB_COUNT
END(guest_rep_insb)

GUEST(guest_hlt)
	hlt
LABEL(guest_hlt_after)
	mov	$1, %al
	out	%al, $PORT_REPORT
	hlt
END(guest_hlt)

GUEST(guest_triple_fault)
	lidt	.Lempty_ivt - guest_triple_fault
	int3
.Lempty_ivt:
	.word	0		/* limit: not even vector 0 fits */
	.long	0		/* base */
END(guest_triple_fault)

GUEST(guest_spin)
	sti
1:	jmp	1b
END(guest_spin)

GUEST(guest_add)
	add	%ebx, %eax
	out	%eax, $PORT_REPORT
	hlt
END(guest_add)

GUEST(guest_cpuid)
	cpuid
	out	%eax, $PORT_REPORT
	mov	%ebx, %eax
	out	%eax, $PORT_REPORT
	mov	%ecx, %eax
	out	%eax, $PORT_REPORT
	mov	%edx, %eax
	out	%eax, $PORT_REPORT
	hlt
END(guest_cpuid)

GUEST(guest_rdmsr)
	rdmsr
	out	%eax, $PORT_REPORT
	mov	%edx, %eax
	out	%eax, $PORT_REPORT
	hlt
END(guest_rdmsr)

GUEST(guest_irq)
	xor	%ax, %ax
	mov	%ax, %es
	movw	$OFFSET(.Lirq_handler, guest_irq), %es:(IRQ_VECTOR * 4)
	mov	%cs, %es:(IRQ_VECTOR * 4 + 2)
	sti
	nop			/* keeps the OUT out of the STI shadow */
	out	%al, $PORT_READY
1:	hlt
	jmp	1b
.Lirq_handler:
	pushf
	pop	%ax
	out	%ax, $PORT_IRQ
	iret
END(guest_irq)

GUEST(guest_irq_window)
	out	%al, $PORT_READY
	sti
	nop			/* in the STI shadow: still blocked */
LABEL(guest_irq_window_open)
	hlt
END(guest_irq_window)

GUEST(guest_real_mode)
	mov	%cr0, %eax
	out	%ax, $PORT_REPORT
	hlt
END(guest_real_mode)

/* ---------------------------------------------------------------------- */
	.code32

GUEST(guest_protected_mode)
	mov	%cr0, %eax
	out	%eax, $PORT_REPORT
	hlt
END(guest_protected_mode)

/* ---------------------------------------------------------------------- */
	.code64

GUEST(guest_long_mode)
	mov	%cr0, %rax
	out	%eax, $PORT_REPORT
	movabs	$LONG_MODE_VALUE, %rax
	shr	$32, %rax
	out	%eax, $PORT_REPORT
	hlt
END(guest_long_mode)

GUEST(guest_sse)
1:	.rept	4
	movd	%xmm0, %eax
	out	%eax, $PORT_REPORT
	psrldq	$4, %xmm0
	.endr
	pcmpeqd	%xmm0, %xmm0
	xor	%eax, %eax
	out	%al, $PORT_READY
	jmp	1b
END(guest_sse)

	.section .note.GNU-stack, "", @progbits
