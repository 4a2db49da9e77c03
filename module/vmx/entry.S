/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and VM exit: the only place minivisor leaves C.
 *
 * int mv_vmx_enter(unsigned long *regs, bool launched)
 *
 * VM entry loads the guest's RIP, RSP, RFLAGS, control and segment
 * registers from the VMCS, but not its general-purpose registers: those
 * come from regs[], in the order of enum mv_reg. A VM exit loads the
 * host's RSP and RIP from the VMCS (HOST_RSP is written here, HOST_RIP
 * points at mv_vmx_exit) and leaves the guest's GPRs in the CPU, so the
 * exit path saves them back to regs[] (Intel SDM Vol. 3C, 27.3 and 28.5).
 *
 * The first entry on a VMCS uses VMLAUNCH, later ones VMRESUME. When the
 * instruction itself fails (VMfailValid/VMfailInvalid) execution falls
 * through and the function returns 1; after a VM exit it returns 0.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

/* The VMCS field encoding of the host RSP (SDM Vol. 3C, B.4.4). */
#define VMCS_HOST_RSP 0x6c14

/* Offsets into regs[], as enum mv_reg in vmx.h. */
#define REG(n)	((n) * 8)
#define RAX	REG(0)
#define RCX	REG(1)
#define RDX	REG(2)
#define RBX	REG(3)
#define RBP	REG(5)
#define RSI	REG(6)
#define RDI	REG(7)
#define R8	REG(8)
#define R9	REG(9)
#define R10	REG(10)
#define R11	REG(11)
#define R12	REG(12)
#define R13	REG(13)
#define R14	REG(14)
#define R15	REG(15)

.section .noinstr.text, "ax"

SYM_FUNC_START(mv_vmx_enter)
	/* The host's callee-saved registers, then @regs, on the stack. */
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi

	/* A VM exit lands with this stack pointer. */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax

	/* CF = @launched: VMRESUME, else VMLAUNCH. Loads keep the flags. */
	bt $0, %esi

	/* Guest GPRs; RAX last since it holds @regs. */
	mov %rdi, %rax
	mov RCX(%rax), %rcx
	mov RDX(%rax), %rdx
	mov RBX(%rax), %rbx
	mov RBP(%rax), %rbp
	mov RSI(%rax), %rsi
	mov RDI(%rax), %rdi
	mov R8(%rax), %r8
	mov R9(%rax), %r9
	mov R10(%rax), %r10
	mov R11(%rax), %r11
	mov R12(%rax), %r12
	mov R13(%rax), %r13
	mov R14(%rax), %r14
	mov R15(%rax), %r15
	mov RAX(%rax), %rax

	/* Flush CPU buffers the guest could sample (MDS); keeps CF. */
	CLEAR_CPU_BUFFERS

	/* Control reappears at mv_vmx_exit: tell objtool the stack then. */
	UNWIND_HINT_SAVE
	jnc .Lvmlaunch
	vmresume
	jmp .Lvmfail
.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

SYM_INNER_LABEL(mv_vmx_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Save the guest's GPRs to @regs, found on the stack. */
	push %rax
	mov 8(%rsp), %rax
	pop RAX(%rax)
	mov %rcx, RCX(%rax)
	mov %rdx, RDX(%rax)
	mov %rbx, RBX(%rax)
	mov %rbp, RBP(%rax)
	mov %rsi, RSI(%rax)
	mov %rdi, RDI(%rax)
	mov %r8, R8(%rax)
	mov %r9, R9(%rax)
	mov %r10, R10(%rax)
	mov %r11, R11(%rax)
	mov %r12, R12(%rax)
	mov %r13, R13(%rax)
	mov %r14, R14(%rax)
	mov %r15, R15(%rax)
	xor %ebx, %ebx

.Lreturn:
	/*
	 * No guest value may linger in a register for the host to use
	 * speculatively: clear them all (RBX holds the return value).
	 */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	/*
	 * The guest may have filled the return stack buffer with its own
	 * targets: overwrite it before the first unbalanced RET (Spectre v2),
	 * and clear branch history where the CPU needs it (BHI).
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	pop %rdi
	mov %rbx, %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	mov $1, %ebx
	jmp .Lreturn
SYM_FUNC_END(mv_vmx_enter)
