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

/* ---------------------------------------------------------------------- */
/*
 * The MMIO guests (suite "mmio") and the compare guests (suite "compare").
 *
 * An MMIO guest starts with mmio_guest, and each of its instructions that
 * accesses MMIO is written with mmio_insn, which also records where the
 * instruction starts and ends (two 16-bit offsets from the guest's start,
 * struct guest_insn) in the guest's table NAME_insns, in the order of the
 * guest's exits: a test can then say where RIP is at each exit, whatever
 * the encoding's length.
 */
.macro mmio_insn insn:vararg
.Lmmio_start\@:
	\insn
.Lmmio_end\@:
	.pushsection .rodata.guests.insns, "a"
	.short	.Lmmio_start\@ - .Lmmio_guest, .Lmmio_end\@ - .Lmmio_guest
	.popsection
.endm

/*
 * The start of guest's table of instructions: before the guest itself.
 * .Lmmio_guest, the start mmio_insn counts from, is the guest's until the
 * next mmio_guest.
 */
.macro mmio_guest guest:req
	.pushsection .rodata.guests.insns, "a"
	.balign	2
	.globl	\guest\()_insns
\guest\()_insns:
	.popsection
	.globl	\guest
\guest:
	.set	.Lmmio_guest, \guest
.endm

	.section .rodata.guests, "a"
	.code64

mmio_guest guest_mmio_write_regs
	mov	$MMIO_ADDR, %edi
	movabs	$MMIO_VALUE, %rax
	mmio_insn mov %al, (%rdi)
	mmio_insn mov %ax, 0x10(%rdi)
	mmio_insn mov %eax, 0x20(%rdi)
	mmio_insn mov %rax, 0x30(%rdi)
	mmio_insn mov %ah, 0x40(%rdi)
	hlt
END(guest_mmio_write_regs)

mmio_guest guest_mmio_write_imms
	mov	$MMIO_ADDR, %edi
	mmio_insn movb $MMIO_IMM8, (%rdi)
	mmio_insn movw $MMIO_IMM16, 0x10(%rdi)
	mmio_insn movl $MMIO_IMM32, 0x20(%rdi)
	mmio_insn movq $MMIO_IMM32_NEGATIVE, 0x30(%rdi)
	hlt
END(guest_mmio_write_imms)

mmio_guest guest_mmio_moffs
	movabs	$MMIO_VALUE, %rax
	mmio_insn movabs %al, MMIO_ADDR
	mmio_insn movabs %ax, MMIO_ADDR + 0x10
	mmio_insn movabs %eax, MMIO_ADDR + 0x20
	mmio_insn movabs %rax, MMIO_ADDR + 0x30
	mmio_insn addr32 mov %eax, MMIO_ADDR + 0x40
	mmio_insn movabs MMIO_ADDR + 0x50, %al
	mmio_insn movabs MMIO_ADDR + 0x60, %rax
	hlt
END(guest_mmio_moffs)

mmio_guest guest_mmio_read_sizes
	mov	$MMIO_ADDR, %edi
	mmio_insn mov (%rdi), %al
	mmio_insn mov 0x10(%rdi), %cx
	mmio_insn mov 0x20(%rdi), %edx
	mmio_insn mov 0x30(%rdi), %rbx
	hlt
END(guest_mmio_read_sizes)

mmio_guest guest_mmio_high_bytes
	mov	$MMIO_ADDR, %edi
	mmio_insn mov (%rdi), %ah
	mmio_insn mov 0x10(%rdi), %ch
	mmio_insn mov 0x20(%rdi), %dh
	mmio_insn mov 0x30(%rdi), %bh
	mmio_insn mov %dh, 0x40(%rdi)
	hlt
END(guest_mmio_high_bytes)

mmio_guest guest_mmio_movzx
	mov	$MMIO_ADDR, %edi
	mmio_insn movzbl (%rdi), %eax
	mmio_insn movzwl 0x10(%rdi), %ecx
	mmio_insn movzbw 0x20(%rdi), %dx
	mmio_insn movzwq 0x30(%rdi), %rbx
	hlt
END(guest_mmio_movzx)

mmio_guest guest_mmio_movsx
	mov	$MMIO_ADDR, %edi
	mmio_insn movsbl (%rdi), %eax
	mmio_insn movswl 0x10(%rdi), %ecx
	mmio_insn movsbw 0x20(%rdi), %dx
	mmio_insn movsbq 0x30(%rdi), %rbx
	mmio_insn movswq 0x40(%rdi), %rbp
	hlt
END(guest_mmio_movsx)

mmio_guest guest_mmio_rex
	mov	$MMIO_ADDR, %edi
	mmio_insn mov %r8b, (%rdi)
	mmio_insn mov %r9w, 0x10(%rdi)
	mmio_insn mov %r10d, 0x20(%rdi)
	mmio_insn mov %r11, 0x30(%rdi)
	mmio_insn mov %sil, 0x40(%rdi)
	mmio_insn mov 0x50(%rdi), %r12b
	mmio_insn mov 0x60(%rdi), %r13w
	mmio_insn mov 0x70(%rdi), %r14d
	mmio_insn mov 0x80(%rdi), %r15
	mmio_insn mov 0x90(%rdi), %bpl
	mmio_insn movsbq 0xa0(%rdi), %r8
	hlt
END(guest_mmio_rex)

mmio_guest guest_mmio_addressing
	mov	$MMIO_ADDR, %edi
	mov	%rdi, %r12
	mov	%rdi, %r13
	mov	$2, %ecx
	mmio_insn mov %eax, (%r12)
	mmio_insn mov %eax, 0x10(%r13)
	mmio_insn mov %eax, 0x1000(%rdi)
	mmio_insn mov %eax, 0x20(%rdi,%rcx,4)
	mmio_insn mov %eax, 0x40(,%rdi,1)
	mmio_insn mov %eax, 0x50(%edi)
	mmio_insn mov %eax, %fs:0x60(%rdi)
	mmio_insn mov %eax, %es:0x70(%rdi)
	mmio_insn mov %eax, 0x2000(%r12,%rcx,8)
	hlt
END(guest_mmio_addressing)

mmio_guest guest_mmio_prefixes
	mov	$MMIO_ADDR, %edi
	movabs	$MMIO_VALUE, %rax
	/* mov %rax, 0x10(%rdi) with an operand-size prefix REX.W overrides */
	mmio_insn .byte 0x66, 0x48, 0x89, 0x47, 0x10
	/* mov %ax, 0x20(%rdi) with its operand-size prefix twice */
	mmio_insn .byte 0x66, 0x66, 0x89, 0x47, 0x20
	/* mov %eax, %ds:0x30(%rdi) with an extra CS override before it */
	mmio_insn .byte 0x2e, 0x3e, 0x89, 0x47, 0x30
	hlt
END(guest_mmio_prefixes)

mmio_guest guest_mmio_stos
	mov	$MMIO_ADDR, %edi
	movabs	$MMIO_VALUE, %rax
	cld
	mmio_insn stosb
	mmio_insn stosw
	mmio_insn stosl
	mmio_insn stosq
	hlt
END(guest_mmio_stos)

mmio_guest guest_mmio_rep_stosb
	mov	$MMIO_ADDR, %edi
	mov	$MMIO_REP_COUNT, %ecx
	movabs	$MMIO_VALUE, %rax
	cld
	mmio_insn rep stosb
	hlt
END(guest_mmio_rep_stosb)

mmio_guest guest_mmio_rep_stosw
	mov	$MMIO_ADDR, %edi
	mov	$MMIO_REP_COUNT, %ecx
	movabs	$MMIO_VALUE, %rax
	cld
	mmio_insn rep stosw
	hlt
END(guest_mmio_rep_stosw)

/* A read whose instruction starts 4 bytes before a page boundary. */
mmio_guest guest_mmio_straddle
	mov	$MMIO_ADDR, %edi
	.fill	MMIO_STRADDLE_OFFSET - (. - guest_mmio_straddle), 1, 0x90
	mmio_insn mov 0x1238(%rdi), %rbx
	mmio_insn mov %rbx, 0x10(%rdi)
	hlt
END(guest_mmio_straddle)

/* Writes MMIO_MARKER + n, then reads 4 bytes after it, then HLT; n++. */
mmio_guest guest_mmio_marker
	mov	$MMIO_ADDR, %edi
	mov	$MMIO_MARKER, %eax
1:	mmio_insn mov %eax, (%rdi)
	mmio_insn mov 4(%rdi), %ebx
	hlt
	inc	%eax
	jmp	1b
END(guest_mmio_marker)

	.code16

mmio_guest guest_mmio_real
	mov	$(MMIO_REAL_ADDR >> 4), %ax
	mov	%ax, %es
	xor	%di, %di
	mov	$0x20, %esi
	mov	$MMIO_VALUE & 0xffffffff, %eax
	mov	$IN_SENTINEL, %ebx
	mov	$IN_SENTINEL, %ecx
	mmio_insn movw $MMIO_IMM16, %es:(%di)
	mmio_insn movl $MMIO_IMM32, %es:4
	mmio_insn mov %al, %es:0x10
	mmio_insn mov %ax, %es:(%esi)
	mmio_insn mov %es:0x30, %bx
	mmio_insn mov %es:0x40, %ch
	mmio_insn movzbl %es:0x50, %edx
	mmio_insn movsbw %es:0x60, %bp
	mmio_insn stosw
	hlt
END(guest_mmio_real)

mmio_guest guest_mmio_real_rep_stosb
	mov	$(MMIO_REAL_ADDR >> 4), %ax
	mov	%ax, %es
	xor	%di, %di
	mov	$MMIO_REAL_ECX_HIGH, %ecx
	mov	$MMIO_REP_COUNT, %cx
	mov	$MMIO_IMM8, %al
	cld
	mmio_insn rep stosb
	hlt
END(guest_mmio_real_rep_stosb)

/* ---------------------------------------------------------------------- */
	.code64

GUEST(guest_compare)
	/* CPUID: three leaves of the table, and one beyond its range */
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	out	%al, $PORT_REPORT
	mov	$1, %eax
	cpuid
	out	%al, $PORT_REPORT
	mov	$0x80000001, %eax
	cpuid
	out	%al, $PORT_REPORT
	mov	$0x80000008, %eax
	cpuid
	out	%al, $PORT_REPORT
	/* Port I/O, the host answering the INs */
	mov	$OUT_DWORD, %eax
	out	%eax, $PORT_OUT_DWORD
	mov	$PORT_WIDE, %dx
	out	%ax, (%dx)
	mov	$IN_SENTINEL, %eax
	in	$PORT_IN, %al
	in	$PORT_IN, %ax
	in	(%dx), %eax
	out	%eax, $PORT_ECHO
	cld
	lea	.Lcompare_text(%rip), %rsi
	mov	$(.Lcompare_text_end - .Lcompare_text), %ecx
	mov	$PORT_STRING, %dx
	rep outsb
	/* MSRs: KERNEL_GS_BASE and SYSENTER_ESP, read back */
	mov	$GUEST_MSR_KERNEL_GS_BASE, %ecx
	mov	$0x12345000, %eax
	mov	$0xffff8880, %edx
	wrmsr
	xor	%eax, %eax
	xor	%edx, %edx
	rdmsr
	out	%eax, $PORT_REPORT
	mov	$GUEST_MSR_SYSENTER_ESP, %ecx
	mov	$0x12346000, %eax
	mov	$0xffff8880, %edx
	wrmsr
	xor	%eax, %eax
	xor	%edx, %edx
	rdmsr
	out	%eax, $PORT_REPORT
	/* MMIO writes and reads */
	mov	$MMIO_ADDR, %edi
	movabs	$MMIO_VALUE, %rax
	mov	%rax, (%rdi)
	movw	$MMIO_IMM16, 0x10(%rdi)
	mov	0x20(%rdi), %rbx
	movsbl	0x30(%rdi), %ecx
	/* A hypercall nobody knows: -KVM_ENOSYS in RAX */
	mov	$0x1234, %eax
	vmcall
	out	%eax, $PORT_REPORT
	hlt
.Lcompare_text:
	.ascii	OUTSB_TEXT
.Lcompare_text_end:
END(guest_compare)

/*
 * Intel CPUs refuse a non-canonical SYSENTER_ESP with #GP; KVM passes the
 * guest's WRMSR of it through to the CPU.
 */
GUEST(guest_wrmsr_noncanonical)
	mov	$GUEST_MSR_SYSENTER_ESP, %ecx
	mov	$0x1000, %eax
	mov	$0x8000, %edx
	wrmsr
	xor	%eax, %eax
	xor	%edx, %edx
	rdmsr
	out	%eax, $PORT_REPORT
	mov	%edx, %eax
	out	%eax, $PORT_REPORT
	hlt
END(guest_wrmsr_noncanonical)

	.section .note.GNU-stack, "", @progbits
