/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab: mvctl lab's guest, one workload with a compute part and an I/O
 * part, in 64-bit long mode. It reads its orders from the mailbox
 * (lab.h), then:
 *  1. fills the source buffer and checksums LAB_COMPUTE_BYTES of it,
 *     timed with RDTSC, the fastest of LAB_COMPUTE_ROUNDS rounds: no exit
 *     on the way, the model-independent part;
 *  2. moves the mailbox's byte count out to a device and back into the
 *     return buffer through the I/O model it was given, timed with RDTSC:
 *     a byte per OUT and IN on the data port, 32 bits per MOV on the MMIO
 *     data register, or a page per doorbell through minivisor's PV ring;
 *  3. checksums what came back, writes the results to the mailbox and
 *     ends the run through the exit port.
 * RDTSC does not exit (mvctl's VMs do not trap it), so the ticks include
 * the exits an I/O model takes and the hypervisor's and mvctl's work on
 * them, and nothing else.
 */
#include <linux/minivisor_pv.h>

#include "devices.h"
#include "lab.h"

	.code64
	.text
	.globl	_start
_start:
	mov	$LAB_MAILBOX, %rbx
	movl	$0, LAB_MB_DONE(%rbx)

	mov	$LAB_SOURCE, %rdi
	mov	$LAB_IO_BYTES_MAX, %rsi
	call	lab_fill

	mov	$-1, %r14			/* the fastest round's ticks */
	mov	$LAB_COMPUTE_ROUNDS, %r15d
5:	call	read_tsc
	mov	%rax, %r12
	mov	$LAB_SOURCE, %rdi
	mov	$LAB_COMPUTE_BYTES, %rsi
	call	lab_checksum
	mov	%eax, LAB_MB_COMPUTE_SUM(%rbx)
	call	read_tsc
	sub	%r12, %rax
	cmp	%r14, %rax
	cmovb	%rax, %r14
	dec	%r15d
	jnz	5b
	mov	%r14, LAB_MB_COMPUTE_TICKS(%rbx)

	call	read_tsc
	mov	%rax, %r12
	mov	LAB_MB_IO_BYTES(%rbx), %r13d
	mov	LAB_MB_MODEL(%rbx), %eax
	cmp	$LAB_IO_PORT, %eax
	je	1f
	cmp	$LAB_IO_MMIO, %eax
	je	2f
	cmp	$LAB_IO_PV_RING, %eax
	je	3f
	jmp	4f
1:	call	io_port
	jmp	4f
2:	call	io_mmio
	jmp	4f
3:	call	io_pv_ring
4:	call	read_tsc
	sub	%r12, %rax
	mov	%rax, LAB_MB_IO_TICKS(%rbx)

	mov	$LAB_RETURN, %rdi
	mov	%r13, %rsi
	call	lab_checksum
	mov	%eax, LAB_MB_IO_SUM(%rbx)
	movl	$1, LAB_MB_DONE(%rbx)
	xor	%eax, %eax
	out	%al, $EXIT_PORT
	hlt

/* The TSC in RAX. Clobbers RDX. */
read_tsc:
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	ret

/* R13 bytes out through the data port, one OUT each, then back by IN. */
io_port:
	mov	$LAB_DATA_PORT, %dx
	mov	$LAB_SOURCE, %rsi
	mov	%r13, %rcx
	jrcxz	2f
1:	mov	(%rsi), %al
	out	%al, %dx
	inc	%rsi
	loop	1b
2:	mov	$LAB_RETURN, %rdi
	mov	%r13, %rcx
	jrcxz	4f
3:	in	%dx, %al
	mov	%al, (%rdi)
	inc	%rdi
	loop	3b
4:	ret

/* R13 bytes (a multiple of 4) out through the MMIO register, and back. */
io_mmio:
	mov	$LAB_MMIO_DATA, %rdx
	mov	$LAB_SOURCE, %rsi
	mov	%r13, %rcx
	shr	$2, %rcx
	jrcxz	2f
1:	mov	(%rsi), %eax
	mov	%eax, (%rdx)
	add	$4, %rsi
	loop	1b
2:	mov	$LAB_RETURN, %rdi
	mov	%r13, %rcx
	shr	$2, %rcx
	jrcxz	4f
3:	mov	(%rdx), %eax
	mov	%eax, (%rdi)
	add	$4, %rdi
	loop	3b
4:	ret

/*
 * R13 bytes out and back through the PV ring, a page at a time: two
 * descriptors (the page to send, the page to fill) and one doorbell.
 */
io_pv_ring:
	mov	$LAB_PV_RING_ADDR, %r8
	movl	$0, MINIVISOR_PV_RING_PRODUCED(%r8)
	movl	$0, MINIVISOR_PV_RING_CONSUMED(%r8)
	mov	$MINIVISOR_PV_RING_PORT, %dx
	mov	%r8d, %eax
	out	%eax, %dx
	xor	%r9, %r9			/* bytes done */
1:	cmp	%r13, %r9
	jae	2f
	mov	%r13, %r10			/* this batch: a page or less */
	sub	%r9, %r10
	mov	$LAB_PV_BATCH_BYTES, %eax
	cmp	%rax, %r10
	cmova	%rax, %r10
	lea	LAB_SOURCE(%r9), %rsi
	xor	%ecx, %ecx
	call	put_descriptor
	lea	LAB_RETURN(%r9), %rsi
	mov	$MINIVISOR_PV_DESC_WRITE, %ecx
	call	put_descriptor
	mov	$MINIVISOR_PV_DOORBELL_PORT, %dx
	out	%eax, %dx
	add	%r10, %r9
	jmp	1b
2:	mov	$MINIVISOR_PV_RING_PORT, %dx
	xor	%eax, %eax
	out	%eax, %dx
	ret

/*
 * The next descriptor of the ring at R8: address RSI, length R10, flags
 * ECX; then produced moves past it. Clobbers RAX and R11.
 */
put_descriptor:
	mov	MINIVISOR_PV_RING_PRODUCED(%r8), %eax
	mov	%eax, %r11d
	and	$MINIVISOR_PV_RING_SIZE - 1, %eax
	shl	$4, %eax			/* MINIVISOR_PV_DESC_SIZE */
	lea	MINIVISOR_PV_RING_DESC(%r8,%rax), %rax
	mov	%rsi, MINIVISOR_PV_DESC_ADDR(%rax)
	mov	%r10d, MINIVISOR_PV_DESC_LEN(%rax)
	mov	%ecx, MINIVISOR_PV_DESC_FLAGS(%rax)
	inc	%r11d
	mov	%r11d, MINIVISOR_PV_RING_PRODUCED(%r8)
	ret

#include "lab_workload.S"
