/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioeventfd suite's guests (ioeventfd_guests.h says what they do).
 * Data to the test binary, never run by it.
 */
#include "ioeventfd_guests.h"

	.section .rodata.guests, "a"
	.code32

	.globl guest_ioev_out, guest_ioev_out_end
	.globl guest_ioev_out_word, guest_ioev_out_done
guest_ioev_out:
	mov	$IOEV_VALUE, %eax
	outb	%al, $IOEV_PORT
guest_ioev_out_word:
	outw	%ax, $IOEV_PORT
	outl	%eax, $IOEV_PORT
guest_ioev_out_done:
	outb	%al, $IOEV_PORT_DONE
	hlt
guest_ioev_out_end:

	.globl guest_ioev_mmio, guest_ioev_mmio_end
guest_ioev_mmio:
	mov	$IOEV_VALUE, %eax
	mov	$IOEV_MMIO_ADDR, %edi
	movb	%al, (%edi)
	movw	%ax, (%edi)
	movl	%eax, (%edi)
	outb	%al, $IOEV_PORT_DONE
	movl	(%edi), %ebx
	hlt
guest_ioev_mmio_end:

	.globl guest_ioev_outsb, guest_ioev_outsb_end
guest_ioev_outsb:
	mov	$IOEV_VALUE, %eax
	cld
	call	1f			/* where it runs: the string follows */
1:	pop	%esi
	add	$(.Ltext - 1b), %esi
	mov	$(.Ltext_end - .Ltext), %ecx
	mov	$IOEV_PORT, %dx
	rep outsb
	outb	%al, $IOEV_PORT_DONE
	hlt
.Ltext:
	.ascii	IOEV_STRING
.Ltext_end:
guest_ioev_outsb_end:

	.section .note.GNU-stack, "", @progbits
