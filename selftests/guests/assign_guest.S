/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of the assign suite, copied into guest memory and run in
 * 32-bit protected mode without paging: it reaches an assigned e1000's
 * BAR 0 at the guest-physical address the host put in ESI.
 *
 * It first stops with an OUT to port DX, so that the host sees every page
 * it runs from in use before it touches the BAR. Then it writes EDI to the
 * receive descriptor base (RDBAL) and reads it back into EAX, reads the
 * device status (STATUS) into EBX, has the device read word 0 of its
 * EEPROM (the MAC's first two bytes) through EERD and reads the result
 * into ECX, and writes EAX to port DX: the host finds in its registers
 * what the device held. Data to the test binary, never run by it.
 */
#define E1000_STATUS	0x0008
#define E1000_RDBAL	0x2800
#define E1000_EERD	0x0014
#define EERD_START	0x1	/* word 0 */

	.section .rodata.guests, "a"
	.code32

	.globl assign_guest_bar
assign_guest_bar:
	out	%eax, (%dx)
	mov	%edi, E1000_RDBAL(%esi)
	mov	E1000_RDBAL(%esi), %eax
	mov	E1000_STATUS(%esi), %ebx
	movl	$EERD_START, E1000_EERD(%esi)
	mov	E1000_EERD(%esi), %ecx
	out	%eax, (%dx)
	hlt
	.globl assign_guest_bar_end
assign_guest_bar_end:

	.section .note.GNU-stack, "", @progbits
