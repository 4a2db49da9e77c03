/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab: mvctl lab's guest, one workload with a compute part and an I/O
 * part, in 64-bit long mode. It reads its orders from the mailbox
 * (lab.h), then:
 *  1. fills the source buffer and checksums LAB_COMPUTE_BYTES of it,
 *     timed with RDTSC, the fastest of LAB_COMPUTE_ROUNDS rounds: no exit
 *     on the way, the model-independent part;
 *  2. moves the mailbox's byte count out to a device and back into the
 *     return buffer through the I/O model it was given, LAB_IO_ROUNDS
 *     times, the fastest round timed with RDTSC:
 *     a byte per OUT and IN on the data port, 32 bits per MOV on the MMIO
 *     data register, a page per doorbell through minivisor's PV ring
 *     (the doorbell a port or a hypercall), or 32 bits at a time through
 *     an assigned PCI function's registers;
 *  3. checksums what came back, writes the results to the mailbox and
 *     ends the run through the exit port.
 * RDTSC does not exit (mvctl's VMs do not trap it), so the ticks include
 * the exits an I/O model takes and the hypervisor's and mvctl's work on
 * them, and nothing else.
 *
 * mvctl starts it at _start in long mode. The same file also boots under
 * QEMU (-kernel, the emulation model): QEMU finds its multiboot header
 * (the Multiboot Specification 0.6.96, section 3.1, with the address
 * fields, since QEMU loads no 64-bit ELF), enters multiboot_entry in
 * 32-bit protected mode without paging, and the guest builds its own page
 * tables, enters long mode (Intel SDM Vol. 3A, 10.8.5), asks itself for
 * the compute part only and, at the end, prints the mailbox on the debug
 * console for mvctl to read. Its write to the exit port is then QEMU's
 * isa-debug-exit, of LAB_QEMU_EXIT_VALUE.
 */
#include <linux/minivisor_pv.h>

#include "devices.h"
#include "lab.h"

#define MULTIBOOT_MAGIC		0x1badb002
#define MULTIBOOT_ADDRESSES	0x00010000	/* the header says where to load */
#define BOOT_CODE64		0x08
#define BOOT_DATA		0x10

	.text
	.align	4
multiboot_header:
	.long	MULTIBOOT_MAGIC
	.long	MULTIBOOT_ADDRESSES
	.long	-(MULTIBOOT_MAGIC + MULTIBOOT_ADDRESSES)
	.long	multiboot_header	/* header_addr */
	.long	multiboot_header	/* load_addr: the file from here on */
	.long	0			/* load_end_addr: to its end */
	.long	0			/* bss_end_addr: no BSS */
	.long	multiboot_entry		/* entry_addr */

	.code64
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

	mov	$-1, %r14			/* the fastest round's ticks */
	mov	$LAB_IO_ROUNDS, %r15d
8:	call	read_tsc
	mov	%rax, %r12
	mov	LAB_MB_IO_BYTES(%rbx), %r13d
	mov	LAB_MB_MODEL(%rbx), %eax
	cmp	$LAB_IO_PORT, %eax
	je	1f
	cmp	$LAB_IO_MMIO, %eax
	je	2f
	cmp	$LAB_IO_PV_RING, %eax
	je	3f
	cmp	$LAB_IO_PV_HYPERCALL, %eax
	je	9f
	cmp	$LAB_IO_ASSIGNED, %eax
	je	7f
	jmp	4f
1:	call	io_port
	jmp	4f
2:	call	io_mmio
	jmp	4f
3:	xor	%edi, %edi
	call	io_pv
	jmp	4f
9:	mov	$1, %edi
	call	io_pv
	jmp	4f
7:	call	io_assigned
4:	call	read_tsc
	sub	%r12, %rax
	cmp	%r14, %rax
	cmovb	%rax, %r14
	dec	%r15d
	jnz	8b
	mov	%r14, LAB_MB_IO_TICKS(%rbx)

	mov	$LAB_RETURN, %rdi
	mov	%r13, %rsi
	call	lab_checksum
	mov	%eax, LAB_MB_IO_SUM(%rbx)
	movl	$1, LAB_MB_DONE(%rbx)
	xor	%eax, %eax
	cmpl	$0, LAB_MB_REPORT(%rbx)
	je	6f
	call	report
	mov	$LAB_QEMU_EXIT_VALUE, %eax
6:	out	%al, $EXIT_PORT
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
 * R13 bytes (a multiple of 4) out and back through the assigned
 * function's registers, mapped into the guest: each 32 bits written to
 * the next register of its table, then read back.
 */
io_assigned:
	mov	LAB_MB_BAR(%rbx), %edx
	add	$LAB_ASSIGNED_REGS, %rdx
	mov	$LAB_SOURCE, %rsi
	mov	$LAB_RETURN, %rdi
	mov	%r13, %rcx
	shr	$2, %rcx
	xor	%r8d, %r8d			/* the register */
	jrcxz	2f
1:	mov	(%rsi), %eax
	mov	%eax, (%rdx,%r8,LAB_ASSIGNED_STRIDE)
	mov	(%rdx,%r8,LAB_ASSIGNED_STRIDE), %eax
	mov	%eax, (%rdi)
	add	$4, %rsi
	add	$4, %rdi
	inc	%r8d
	and	$LAB_ASSIGNED_NR_REGS - 1, %r8d
	loop	1b
2:	ret

/*
 * R13 bytes out and back through the PV ring, a page at a time: two
 * descriptors (the page to send, the page to fill), then the doorbell:
 * with EDI 0 the ring and doorbell ports, with EDI 1 the hypercall
 * MINIVISOR_HC_PV_NOTIFY, which names the ring each time.
 */
io_pv:
	mov	$LAB_PV_RING_ADDR, %r8
	movl	$0, MINIVISOR_PV_RING_PRODUCED(%r8)
	movl	$0, MINIVISOR_PV_RING_CONSUMED(%r8)
	test	%edi, %edi
	jnz	5f
	mov	$MINIVISOR_PV_RING_PORT, %dx
	mov	%r8d, %eax
	out	%eax, %dx
5:	xor	%r9, %r9			/* bytes done */
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
	test	%edi, %edi
	jnz	3f
	mov	$MINIVISOR_PV_DOORBELL_PORT, %dx
	out	%eax, %dx
	jmp	4f
3:	push	%rbx				/* the mailbox */
	mov	$MINIVISOR_HC_PV_NOTIFY, %eax
	mov	%r8, %rbx
	vmcall
	pop	%rbx
4:	add	%r10, %r9
	jmp	1b
2:	test	%edi, %edi
	jnz	6f
	mov	$MINIVISOR_PV_RING_PORT, %dx
	xor	%eax, %eax
	out	%eax, %dx
6:	ret

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

/*
 * The mailbox's results on the debug console, in one line:
 * "lab: compute_ticks=<16 hex digits> compute_sum=<8 hex digits>".
 */
report:
	lea	report_ticks(%rip), %rsi
	call	print
	mov	LAB_MB_COMPUTE_TICKS(%rbx), %rdi
	mov	$16, %ecx
	call	print_hex
	lea	report_sum(%rip), %rsi
	call	print
	mov	LAB_MB_COMPUTE_SUM(%rbx), %edi
	shl	$32, %rdi
	mov	$8, %ecx
	call	print_hex
	mov	$'\n', %al
	out	%al, $DEBUGCON
	ret

/* The NUL-terminated string at RSI on the debug console. */
print:
	lodsb
	test	%al, %al
	jz	1f
	out	%al, $DEBUGCON
	jmp	print
1:	ret

/* The top ECX hex digits of RDI on the debug console. Clobbers RAX. */
print_hex:
	rol	$4, %rdi
	mov	%edi, %eax
	and	$0xf, %eax
	lea	hex_digits(%rip), %rdx
	mov	(%rdx,%rax), %al
	out	%al, $DEBUGCON
	loop	print_hex
	ret

report_ticks:
	.asciz	"lab: compute_ticks="
report_sum:
	.asciz	" compute_sum="
hex_digits:
	.ascii	"0123456789abcdef"

/*
 * Under QEMU: 32-bit protected mode, paging off, EAX the multiboot magic.
 * The orders: compute only, and report. Then long mode: PAE, the page
 * tables in CR3, EFER.LME, paging on, a far jump to 64-bit code.
 */
	.code32
multiboot_entry:
	cli
	mov	$LAB_BOOT_STACK, %esp
	movl	$LAB_IO_NONE, LAB_MAILBOX + LAB_MB_MODEL
	movl	$0, LAB_MAILBOX + LAB_MB_IO_BYTES
	movl	$1, LAB_MAILBOX + LAB_MB_REPORT

	mov	$LAB_BOOT_TABLES, %edi
	mov	$6 * 4096 / 4, %ecx
	xor	%eax, %eax
	rep stosl
	movl	$LAB_BOOT_TABLES + 0x1000 + 3, LAB_BOOT_TABLES	/* PML4[0] */
	mov	$LAB_BOOT_TABLES + 0x1000, %edi			/* PDPT[0..3] */
	mov	$LAB_BOOT_TABLES + 0x2000 + 3, %eax
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	1b
	mov	$LAB_BOOT_TABLES + 0x2000, %edi		/* 2048 2 MiB pages */
	mov	$0x83, %eax				/* present, writable, large */
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b

	mov	%cr4, %eax
	or	$0x20, %eax				/* PAE */
	mov	%eax, %cr4
	mov	$LAB_BOOT_TABLES, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx			/* EFER */
	rdmsr
	or	$0x100, %eax				/* LME */
	wrmsr
	lgdt	boot_gdt_pointer
	mov	%cr0, %eax
	or	$0x80000001, %eax			/* PG, PE */
	mov	%eax, %cr0
	ljmp	$BOOT_CODE64, $boot64

	.code64
boot64:
	mov	$BOOT_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	jmp	_start

	.align	8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff			/* 64-bit code */
	.quad	0x00cf92000000ffff			/* data */
boot_gdt_pointer:
	.word	3 * 8 - 1
	.long	boot_gdt

#include "lab_workload.S"
