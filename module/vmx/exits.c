// SPDX-License-Identifier: GPL-2.0
/*
 * Why did the guest stop? The exit dispatcher.
 *
 * Every VM exit leaves a basic exit reason in the VMCS (Intel SDM Vol. 3C,
 * appendix C, "VMX Basic Exit Reasons") and, for many reasons, an exit
 * qualification with the details (28.2.1). The table below maps each
 * reason minivisor expects to one handler. A handler either deals with the
 * exit in the kernel and returns 1 (re-enter the guest), or fills in
 * vcpu->run and returns 0 (KVM_RUN returns to userspace). A reason with no
 * handler ends the run with KVM_EXIT_INTERNAL_ERROR, as KVM does. The
 * statistics count exits by these reasons, under the SDM's names.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/printk.h>
#include <asm/traps.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "../memory/memory.h"
#include "../irq/pending.h"
#include "../x86/hypercall.h"
#include "../x86/x86.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"

unsigned long mv_vmx_read_gpr(struct mv_vcpu *vcpu, unsigned int reg)
{
	return reg == MV_RSP ? vmcs_read(GUEST_RSP) : vcpu->x86.regs[reg];
}

void mv_vmx_write_gpr(struct mv_vcpu *vcpu, unsigned int reg,
		      unsigned long value)
{
	if (reg == MV_RSP)
		vmcs_write(GUEST_RSP, value);
	else
		vcpu->x86.regs[reg] = value;
}

/* Step over an instruction len bytes long, as the CPU would have done. */
void mv_vmx_advance_rip(unsigned int len)
{
	u32 interruptibility = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + len);
	vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) & ~X86_EFLAGS_RF);
	/* Blocking by STI or MOV SS lasts one instruction only. */
	if (interruptibility & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, interruptibility &
			   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/* Step over the instruction that exited. */
void mv_vmx_skip_instruction(void)
{
	mv_vmx_advance_rip(vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* Deliver a fault with no error code at the next VM entry. */
void mv_vmx_inject_exception(u8 vector)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK |
		   INTR_TYPE_HARD_EXCEPTION | vector);
}

/* #GP(0); real mode has no error codes, and VM entry checks that. */
void mv_vmx_inject_gp(struct mv_vcpu *vcpu)
{
	if (!(mv_vmx_guest_cr0() & X86_CR0_PE)) {
		mv_vmx_inject_exception(GP_VECTOR);
		return;
	}
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK |
		   INTR_INFO_DELIVER_CODE_MASK | INTR_TYPE_HARD_EXCEPTION |
		   GP_VECTOR);
}

int mv_vmx_unexpected_exit(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;

	pr_warn_ratelimited("vCPU %u: unexpected exit reason %u, qualification %#lx\n",
			    vcpu->id, vmx->exit_reason,
			    vmx->exit_qualification);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = vmx->exit_reason;
	run->internal.data[1] = vcpu->cpu;
	return 0;
}

/* NMIs exit (so that the guest never gets the host's): hand them back. */
static int handle_exception_nmi(struct mv_vcpu *vcpu)
{
	u32 info = vmcs_read(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR)
		return mv_vmx_unexpected_exit(vcpu);
	asm volatile("int $2");
	return 1;
}

/* The interrupt stays pending and the host takes it once IRQs are on. */
static int handle_external_interrupt(struct mv_vcpu *vcpu)
{
	return 1;
}

/* The slice bound (run.c) ran out: back to the loop's checks. */
static int handle_preemption_timer(struct mv_vcpu *vcpu)
{
	return 1;
}

static int handle_triple_fault(struct mv_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/*
 * HLT waits for an interrupt. With the local APIC in the kernel the vCPU
 * waits in the kernel (the run loop, ../irq/mp_state.c). Without it, one an
 * assigned function raised is injected at the next entry; otherwise the
 * interrupt would come from userspace (KVM_INTERRUPT), and HLT hands the
 * vCPU to it.
 */
static int handle_hlt(struct mv_vcpu *vcpu)
{
	bool interrupts_on = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	mv_vmx_skip_instruction();
	if (vcpu->irqs.lapic) {
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		vcpu->halted_interrupts_on = interrupts_on;
		return 1;
	}
	if (interrupts_on && mv_irq_device_waiting(&vcpu->irqs))
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/*
 * The guest can take an interrupt now: tell userspace if it asked;
 * otherwise an interrupt waited in the kernel (KVM_INTERRUPT's, or an
 * assigned function's), and the next entry injects it.
 */
static int handle_interrupt_window(struct mv_vcpu *vcpu)
{
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmcs_read(CPU_BASED_VM_EXEC_CONTROL) &
		   ~CPU_BASED_INTR_WINDOW_EXITING);
	if (!vcpu->run->request_interrupt_window)
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	return 0;
}

static int handle_cpuid(struct mv_vcpu *vcpu)
{
	mv_x86_cpuid(vcpu);
	mv_vmx_skip_instruction();
	return 1;
}

/*
 * VMCALL, at the guest's privilege level: SS.DPL once in protected mode.
 * PE is not host-owned (cr.h), so GUEST_CR0 holds the guest's bit.
 */
static int handle_vmcall(struct mv_vcpu *vcpu)
{
	unsigned int cpl = vmcs_read(GUEST_CR0) & X86_CR0_PE ?
			   (vmcs_read(SEGMENT_AR(MV_SS)) >> 5) & 3 : 0;
	int ret = mv_x86_hypercall(vcpu, cpl, mv_vmx_long_mode());

	mv_vmx_end_instruction(vcpu->x86.insn_end, 0);
	return ret;
}

/* VMX, SMX and the other instructions a guest of minivisor may not use. */
static int handle_undefined_instruction(struct mv_vcpu *vcpu)
{
	mv_vmx_inject_exception(UD_VECTOR);
	return 1;
}

/* INVD would throw away the host's dirty cache lines: make it a no-op. */
static int handle_invd(struct mv_vcpu *vcpu)
{
	mv_vmx_skip_instruction();
	return 1;
}

/* EPT violation qualification: the access was a write (SDM table 28-7). */
#define EPT_VIOLATION_WRITE BIT(1)

/* A guest page not mapped yet, or not for writing; or MMIO. */
static int handle_ept_violation(struct mv_vcpu *vcpu)
{
	bool write = to_vmx(vcpu)->exit_qualification & EPT_VIOLATION_WRITE;
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int ret = mv_memory_fault(vcpu, gpa, write);

	return ret == MV_MEMORY_FAULT_MMIO ? mv_vmx_handle_mmio(vcpu, gpa) : ret;
}

typedef int (*exit_handler)(struct mv_vcpu *vcpu);

static const exit_handler exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]	= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]	= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]	= handle_interrupt_window,
	[EXIT_REASON_CPUID]		= handle_cpuid,
	[EXIT_REASON_HLT]		= handle_hlt,
	[EXIT_REASON_INVD]		= handle_invd,
	[EXIT_REASON_RDPMC]		= handle_undefined_instruction,
	[EXIT_REASON_VMCALL]		= handle_vmcall,
	[EXIT_REASON_VMCLEAR]		= handle_undefined_instruction,
	[EXIT_REASON_VMLAUNCH]		= handle_undefined_instruction,
	[EXIT_REASON_VMPTRLD]		= handle_undefined_instruction,
	[EXIT_REASON_VMPTRST]		= handle_undefined_instruction,
	[EXIT_REASON_VMREAD]		= handle_undefined_instruction,
	[EXIT_REASON_VMRESUME]		= handle_undefined_instruction,
	[EXIT_REASON_VMWRITE]		= handle_undefined_instruction,
	[EXIT_REASON_VMOFF]		= handle_undefined_instruction,
	[EXIT_REASON_VMON]		= handle_undefined_instruction,
	[EXIT_REASON_CR_ACCESS]		= mv_vmx_handle_cr,
	[EXIT_REASON_DR_ACCESS]		= mv_vmx_handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]	= mv_vmx_handle_io,
	[EXIT_REASON_MSR_READ]		= mv_vmx_handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]		= mv_vmx_handle_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]	= handle_undefined_instruction,
	[EXIT_REASON_MONITOR_INSTRUCTION] = handle_undefined_instruction,
	[EXIT_REASON_EPT_VIOLATION]	= handle_ept_violation,
	[EXIT_REASON_INVEPT]		= handle_undefined_instruction,
	[EXIT_REASON_PREEMPTION_TIMER]	= handle_preemption_timer,
	[EXIT_REASON_INVVPID]		= handle_undefined_instruction,
	[EXIT_REASON_XSETBV]		= mv_vmx_handle_xsetbv,
};

int mv_vmx_handle_exit(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 reason = vmx->exit_reason;
	struct kvm_run *run = vcpu->run;
	int ret;

	if (unlikely(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = reason;
		run->fail_entry.cpu = vcpu->cpu;
		return 0;
	}
	if (reason >= ARRAY_SIZE(exit_handlers) || !exit_handlers[reason])
		ret = mv_vmx_unexpected_exit(vcpu);
	else
		ret = exit_handlers[reason](vcpu);
	mv_stats_count_exit(&vcpu->stats, reason,
			    rdtsc() - vmx->exit_tsc);
	return ret;
}

/* The kernel's <asm/vmx.h> lists the reasons' names for its trace points. */
static const struct {
	u32 reason;
	const char *name;
} exit_reason_names[] = {
	VMX_EXIT_REASONS
};

const char *mv_vmx_exit_name(u32 reason)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exit_reason_names); i++)
		if (exit_reason_names[i].reason == reason)
			return exit_reason_names[i].name;
	return NULL;
}
