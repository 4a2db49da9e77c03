/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lapic suite's guests (lapic_guests.h says what they do): a command
 * loop with an entry point for each of the 256 vectors, and what a second
 * vCPU runs once started. Data to the test binary, never run by it.
 */
#include "lapic_guests.h"

	.section .rodata.guests, "a"
	.code32

	.globl lapic_guest
lapic_guest:
	call	command_loop
1:	hlt
	jmp	1b

/* Read the next word of the test's commands into EAX. */
next_word:
	mov	$LAPIC_PORT_COMMAND, %dx
	in	(%dx), %eax
	ret

command_loop:
	call	next_word
	cmp	$LAPIC_RETURN, %eax
	je	.Lreturn
	cmp	$LAPIC_WRITE, %eax
	je	.Lwrite
	cmp	$LAPIC_READ, %eax
	je	.Lread
	cmp	$LAPIC_WRMSR, %eax
	je	.Lwrmsr
	cmp	$LAPIC_RDMSR, %eax
	je	.Lrdmsr
	cmp	$LAPIC_RDTSC, %eax
	je	.Lrdtsc
	cmp	$LAPIC_STI, %eax
	je	.Lsti
	cmp	$LAPIC_CLI, %eax
	je	.Lcli
	cmp	$LAPIC_HLT, %eax
	je	.Lhlt
	cmp	$LAPIC_STI_HLT, %eax
	je	.Lsti_hlt
	cmp	$LAPIC_SPIN, %eax
	je	.Lspin
	cmp	$LAPIC_QUIET, %eax
	je	.Lquiet
	cmp	$LAPIC_AWAIT, %eax
	je	.Lawait
	jmp	command_loop
.Lreturn:
	ret
.Lwrite:
	call	next_word
	mov	%eax, %ebx
	call	next_word
	mov	%eax, LAPIC_XAPIC_BASE(%ebx)
	jmp	command_loop
.Lread:
	call	next_word
	mov	LAPIC_XAPIC_BASE(%eax), %eax
	call	report
	jmp	command_loop
.Lwrmsr:
	call	next_word
	mov	%eax, %ecx
	call	next_word
	mov	%eax, %ebx
	call	next_word
	mov	%eax, %edx
	mov	%ebx, %eax
	wrmsr
	jmp	command_loop
.Lrdmsr:
	call	next_word
	mov	%eax, %ecx
	rdmsr
	jmp	.Lreport_edx_eax
.Lrdtsc:
	rdtsc
.Lreport_edx_eax:
	mov	%edx, %ebx
	call	report
	mov	%ebx, %eax
	call	report
	jmp	command_loop
.Lsti:
	sti
	jmp	command_loop
.Lcli:
	cli
	jmp	command_loop
.Lhlt:
	hlt
	jmp	command_loop
.Lsti_hlt:
	sti
	hlt
	jmp	command_loop
.Lspin:
	call	next_word
	mov	%eax, %ecx
1:	pause
	loop	1b
	jmp	command_loop
.Lquiet:
	call	next_word
	mov	%eax, LAPIC_QUIET_MODE
	jmp	command_loop
.Lawait:
	call	next_word
	sti
1:	pause
	cmp	LAPIC_QUIET_COUNT, %eax
	ja	1b
	cli
	jmp	command_loop

/* OUT of EAX to the report port. */
report:
	mov	$LAPIC_PORT_REPORT, %dx
	out	%eax, (%dx)
	ret

/* Every vector: push its number, and go to the common handler. */
	.balign	LAPIC_VECTOR_STUB_SIZE
	.globl lapic_guest_vectors
lapic_guest_vectors:
	vector = 0
	.rept	256
	.balign	LAPIC_VECTOR_STUB_SIZE
	pushl	$vector
	jmp	interrupt
	vector = vector + 1
	.endr

interrupt:
	push	%eax
	push	%ebx
	push	%ecx
	push	%edx
	mov	16(%esp), %eax
	cmpl	$LAPIC_QUIET_OFF, LAPIC_QUIET_MODE
	jne	.Lcount
	mov	$LAPIC_PORT_IRQ, %dx
	out	%eax, (%dx)
	call	command_loop
	jmp	.Lleave
.Lcount:
	incl	LAPIC_QUIET_COUNT
	movl	$0, LAPIC_XAPIC_BASE + 0xb0		/* EOI */
	cmpl	$LAPIC_QUIET_STORM, LAPIC_QUIET_MODE
	jne	.Lleave
	or	$0x40000, %eax				/* to itself */
	mov	%eax, LAPIC_XAPIC_BASE + 0x300		/* ICR */
.Lleave:
	pop	%edx
	pop	%ecx
	pop	%ebx
	pop	%eax
	add	$4, %esp
	iret

	.globl lapic_guest_end
lapic_guest_end:

	.code16
	.globl lapic_ap_guest
lapic_ap_guest:
	mov	$LAPIC_AP_STARTED, %al
	out	%al, $LAPIC_PORT_AP
	sti
1:	hlt
	jmp	1b

	.globl lapic_ap_handler
lapic_ap_handler:
	mov	$LAPIC_AP_IPI, %al
	out	%al, $LAPIC_PORT_AP
	iret

	.globl lapic_ap_guest_end
lapic_ap_guest_end:

	.section .note.GNU-stack, "", @progbits
