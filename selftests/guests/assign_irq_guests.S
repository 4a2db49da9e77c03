/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of the assign_irq suite: a driver, reduced to its interrupt
 * handling, for an e1000 assigned to the VM and routed to its vector by
 * MINIVISOR_SET_PCI_IRQS. It runs in 32-bit protected mode without
 * paging, with ESI = the guest-physical address of the e1000's BAR 0,
 * EBP = a data area of its own and EDX = the port it talks to the host
 * through. The host builds the IDT, whose gate for the routed vector
 * leads to assign_irq_handler. Data to the test binary, never run by it.
 *
 * At the start it masks every interrupt cause of the e1000 (IMC), clears
 * those pending (reading ICR clears it) and unmasks "transmit descriptor
 * written back" (TXDW) alone. Then, round after round, it reads a command
 * with an IN from DX and follows it:
 *
 *   CMD_RAISE        set TXDW through ICS, which asserts INTx
 *   CMD_STI          take interrupts during the round
 *   CMD_CLEAR_AFTER  read ICR at the end of the round, after CLI, into
 *                    DATA_ICR_AFTER
 *   bits 8-15        the handler run from which on the handler reads
 *                    (and so clears) ICR; 0: it never does
 *
 * It spins for SPIN_LOOPS iterations of PAUSE, several of minivisor's
 * slices in the guest, with no exit of its own, then CLIs and writes the
 * count of handler runs (DATA_RUNS) to DX. Each run of the handler counts
 * itself and, once it reads ICR, logs the value in DATA_ICR_LOG (the
 * first DATA_LOG_ENTRIES runs).
 */
#define E1000_ICR		0xc0
#define E1000_ICS		0xc8
#define E1000_IMS		0xd0
#define E1000_IMC		0xd8
#define E1000_TXDW		0x1

#define CMD_RAISE		0x1
#define CMD_STI			0x2
#define CMD_CLEAR_AFTER		0x4
#define CMD_CLEAR_FROM_SHIFT	8

#define DATA_RUNS		0
#define DATA_ICR_AFTER		4
#define DATA_ICR_LOG		8
#define DATA_LOG_ENTRIES	8

#define SPIN_LOOPS		0x400000

	.section .rodata.guests, "a"
	.code32

	.globl assign_irq_guest
assign_irq_guest:
	movl	$0xffffffff, E1000_IMC(%esi)
	mov	E1000_ICR(%esi), %eax
	movl	$E1000_TXDW, E1000_IMS(%esi)
.Lround:
	in	(%dx), %eax
	mov	%eax, %edi
	test	$CMD_RAISE, %edi
	jz	1f
	movl	$E1000_TXDW, E1000_ICS(%esi)
1:	test	$CMD_STI, %edi
	jz	2f
	sti
2:	mov	$SPIN_LOOPS, %ecx
3:	pause
	loop	3b
	cli
	test	$CMD_CLEAR_AFTER, %edi
	jz	4f
	mov	E1000_ICR(%esi), %eax
	mov	%eax, DATA_ICR_AFTER(%ebp)
4:	mov	DATA_RUNS(%ebp), %eax
	out	%eax, (%dx)
	jmp	.Lround

	.globl assign_irq_handler
assign_irq_handler:
	push	%eax
	push	%ecx
	mov	DATA_RUNS(%ebp), %ecx
	incl	DATA_RUNS(%ebp)
	mov	%edi, %eax
	shr	$CMD_CLEAR_FROM_SHIFT, %eax
	and	$0xff, %eax
	jz	1f
	cmp	%eax, DATA_RUNS(%ebp)
	jb	1f
	mov	E1000_ICR(%esi), %eax
	cmp	$DATA_LOG_ENTRIES, %ecx
	jae	1f
	mov	%eax, DATA_ICR_LOG(%ebp, %ecx, 4)
1:	pop	%ecx
	pop	%eax
	iret

	.globl assign_irq_guest_end
assign_irq_guest_end:

	.section .note.GNU-stack, "", @progbits
