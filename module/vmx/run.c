// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on VT-x: the generic loop (../run.h) around one stay in the
 * guest.
 *
 * Each stay enters the guest once (Intel SDM Vol. 3C, chapter 27, "VM
 * Entries") and handles the exit that ends the stay (chapter 28, "VM
 * Exits"; exits.c). Just before the entry, with interrupts off, it checks
 * for signals and rescheduling once more, so that a guest never keeps its
 * thread from being killed or the CPU from being shared, and injects the
 * interrupt that goes next (../irq/pending.h). The VMX preemption timer
 * bounds each stay, even if the guest keeps interrupts off (and works
 * around the Bochs bug described in the README).
 *
 * Some host state is not switched by VM entry and exit but only matters
 * once the thread leaves the kernel or the CPU: the segment selectors and
 * LDT, the TSS limit, the GDT limit, and the syscall MSRs (msr.c). That
 * state is switched to the guest's before the first entry and back when
 * the vCPU is put: at the end of the ioctl, or when the scheduler takes
 * the CPU away (a preempt notifier). The same notifier reloads the VMCS
 * when the thread resumes, on whatever CPU it resumes on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kvm.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../ept/ept.h"
#include "../irq/pending.h"
#include "../run.h"
#include "../vm.h"
#include "../x86/hypercall.h"
#include "caps.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"
#include "vmxon.h"

/* Longest stay in the guest, in TSC ticks, before the host checks in. */
#define MV_GUEST_SLICE_TSC 1000000u

static struct preempt_ops mv_preempt_ops;

static inline struct mv_vcpu *notifier_vcpu(struct preempt_notifier *pn)
{
	return &container_of(pn, struct mv_vmx_vcpu, preempt_notifier)->vcpu;
}

static u16 read_ldt(void)
{
	u16 ldt;

	asm volatile("sldt %0" : "=g"(ldt));
	return ldt;
}

static void switch_to_guest_state(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 fs_base;

	if (vmx->guest_state_loaded)
		return;

	savesegment(ds, vmx->host.ds);
	savesegment(es, vmx->host.es);
	savesegment(fs, vmx->host.fs);
	savesegment(gs, vmx->host.gs);
	vmx->host.ldt = read_ldt();
	rdmsrl(MSR_FS_BASE, fs_base);
	vmcs_write(HOST_FS_BASE, fs_base);

	mv_vmx_load_guest_msrs(vcpu);
	vmx->guest_state_loaded = true;
}

/* Undo switch_to_guest_state() and what VM exits did to the host. */
static void switch_to_host_state(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx->guest_state_loaded)
		return;

	mv_vmx_load_host_msrs(vcpu);
	if (vmx->host.ldt || (vmx->host.gs & 7)) {
		asm volatile("lldt %0" : : "rm"(vmx->host.ldt));
		load_gs_index(vmx->host.gs);
	}
	if (vmx->host.fs & 7)
		loadsegment(fs, vmx->host.fs);
	if (vmx->host.ds | vmx->host.es) {
		loadsegment(ds, vmx->host.ds);
		loadsegment(es, vmx->host.es);
	}
	/* VM exits set the TSS limit to 0x67 and the GDT limit to 0xffff. */
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
	vmx->guest_state_loaded = false;
}

static void mv_vmx_sched_in(struct preempt_notifier *pn, int cpu)
{
	mv_vmcs_load(notifier_vcpu(pn));
}

static void mv_vmx_sched_out(struct preempt_notifier *pn,
			     struct task_struct *next)
{
	switch_to_host_state(notifier_vcpu(pn));
}

void mv_vmx_vcpu_load(struct mv_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_register(&to_vmx(vcpu)->preempt_notifier);
	mv_vmcs_load(vcpu);
	preempt_enable();
}

void mv_vmx_vcpu_put(struct mv_vcpu *vcpu)
{
	preempt_disable();
	switch_to_host_state(vcpu);
	preempt_notifier_unregister(&to_vmx(vcpu)->preempt_notifier);
	preempt_enable();
}

static bool guest_interruptible(void)
{
	return (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/*
 * Whether userspace could inject an interrupt (KVM_INTERRUPT) now, were
 * the guest able to take it: none of its own waits, and with the local
 * APIC in the kernel, LVT0 lets userspace's PIC in.
 */
static bool userspace_may_inject(struct mv_vcpu *vcpu)
{
	return !mv_irq_user_waiting(&vcpu->irqs) &&
	       (!vcpu->irqs.lapic || mv_lapic_accepts_extint(vcpu->irqs.lapic));
}

/*
 * Inject a waiting interrupt once the guest can take it, or ask for an
 * exit when it can (interrupt-window exiting, SDM 26.7.5): for the
 * interrupt, or for userspace if it asked and may inject one.
 */
static void inject_events(struct mv_vcpu *vcpu)
{
	u32 cpu_controls = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	bool want_window = vcpu->run->request_interrupt_window &&
			   userspace_may_inject(vcpu);
	int vector = mv_irq_next(&vcpu->irqs);

	if (vector >= 0 &&
	    !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)) {
		if (guest_interruptible()) {
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK |
				   INTR_TYPE_EXT_INTR | vector);
			mv_irq_ack(vcpu, vector);
		} else {
			want_window = true;
		}
	}
	if (want_window != !!(cpu_controls & CPU_BASED_INTR_WINDOW_EXITING))
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
			   cpu_controls ^ CPU_BASED_INTR_WINDOW_EXITING);
}

/*
 * An exit in the middle of delivering an event (say, an EPT violation on
 * the guest's IDT) loses the event: deliver it again (SDM 28.2.4, 29.2.4).
 * Without protected mode there is no error code to deliver, and VM entry
 * refuses one (SDM 27.2.1.3), whatever the vectoring information says.
 */
static void reinject_interrupted_event(void)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	if (!(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		info &= ~VECTORING_INFO_DELIVER_CODE_MASK;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESVD_BITS_MASK);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read(IDT_VECTORING_ERROR_CODE));
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
		   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* Host CR3 and CR4 may change between entries (PCID, mm switches). */
static void update_host_control_registers(struct mv_vmx_vcpu *vmx)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (unlikely(cr3 != vmx->host_cr3)) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (unlikely(cr4 != vmx->host_cr4)) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/* Drop translations this CPU may cache for the guest (SDM 29.4.3). */
static void flush_guest_tlb(struct mv_vmx_vcpu *vmx)
{
	execute_invept(VMX_EPT_EXTENT_CONTEXT, mv_vm_ept(vmx->vcpu.vm)->eptp);
	execute_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vmx->vpid);
	vmx->flush_tlb = false;
}

/* The host's XCR0: the kernel sets it once, at boot. */
static u64 mv_host_xcr0 __ro_after_init;

/* The guest's XCR0 is live only while the guest may use XSAVE. */
static bool guest_xcr0_differs(struct mv_vmx_vcpu *vmx)
{
	/*
	 * Usually the guest's XCR0 is the host's, and no VMREAD is needed.
	 * OSXSAVE is not host-owned (cr.h): GUEST_CR4 holds the guest's bit.
	 */
	return vmx->xcr0 != mv_host_xcr0 &&
	       (vmcs_read(GUEST_CR4) & X86_CR4_OSXSAVE);
}

/*
 * One stay in the guest. Returns 1 to go around the loop again, 0 to
 * return to userspace, or -errno.
 */
static int enter_guest(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	bool switch_xcr0;
	int failed;

	preempt_disable();
	if (unlikely(!mv_vmx_on_this_cpu())) {
		/* This CPU is going offline: let the scheduler move us. */
		preempt_enable();
		usleep_range(100, 200);
		return 1;
	}
	switch_to_guest_state(vcpu);

	/*
	 * With interrupts off from here to VM entry, an assigned function's
	 * interrupt that comes after inject_events() finds the vCPU about to
	 * enter: its IPI makes the guest exit at once, and the next pass
	 * injects it.
	 */
	local_irq_disable();
	mv_irq_entering_guest(&vcpu->irqs);
	if (signal_pending(current) || need_resched()) {
		mv_irq_left_guest(&vcpu->irqs);
		local_irq_enable();
		preempt_enable();
		return 1;
	}
	inject_events(vcpu);
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	update_host_control_registers(vmx);
	if (vmx->flush_tlb)
		flush_guest_tlb(vmx);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
		   MV_GUEST_SLICE_TSC >> mv_vmx_caps.preemption_timer_shift);

	switch_xcr0 = guest_xcr0_differs(vmx);
	if (switch_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	failed = mv_vmx_enter(vcpu->x86.regs, vmx->launched);
	vmx->exit_tsc = rdtsc();

	vmx->cr2 = native_read_cr2();
	if (switch_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, mv_host_xcr0);
	if (failed) {
		vmx->exit_reason = VMX_EXIT_REASONS_FAILED_VMENTRY;
		vmx->exit_qualification = vmcs_read(VM_INSTRUCTION_ERROR);
	} else {
		vmx->exit_reason = vmcs_read(VM_EXIT_REASON);
		/* A VM entry that fails on guest state leaves it unlaunched. */
		if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			vmx->launched = true;
		vmx->exit_qualification = vmcs_read(EXIT_QUALIFICATION);
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		reinject_interrupted_event();
	}
	mv_irq_left_guest(&vcpu->irqs);
	local_irq_enable();
	preempt_enable();

	if (unlikely(failed)) {
		pr_err_ratelimited("vCPU %u: VM entry failed, VM-instruction error %lu\n",
				   vcpu->id, vmx->exit_qualification);
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason =
			vmx->exit_qualification;
		vcpu->run->fail_entry.cpu = vmx->vcpu.cpu;
		return 0;
	}
	return mv_vmx_handle_exit(vcpu);
}

/* What KVM reports in struct kvm_run on every return to userspace. */
static void report_vcpu_state(struct mv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = guest_interruptible() &&
					     userspace_may_inject(vcpu);
	run->cr8 = mv_vmx_cr8(vcpu);
	run->apic_base = mv_vmx_apic_base(vcpu);
}

/*
 * Whether userspace moved the IN or OUT the last exit left open, writing
 * RIP or CS (regs.c noted where it was). KVM then drops the instruction:
 * QEMU, resetting a vCPU whose OUT asked for the reset, relies on it.
 */
static bool io_moved(struct mv_vmx_vcpu *vmx)
{
	if (!vmx->io_rip_noted)
		return false;
	vmx->io_rip_noted = false;
	return mv_vmx_linear_rip() != vmx->io_linear_rip;
}

/*
 * Userspace has done its part of the instruction the last exit left open
 * (an IN's data, an MMIO read's, a hypercall's result): x86/ finishes it,
 * and RIP moves on. No exit came in between, so the VMCS still has an I/O
 * instruction's or VMCALL's length; an MMIO access's is the decoder's.
 * VT-x keeps RSP in the VMCS: a read into it goes there.
 */
static void complete_emulation(struct mv_vcpu *vcpu)
{
	struct mv_x86_vcpu *x86 = &vcpu->x86;
	bool into_rsp = false;
	enum mv_insn_end end;
	unsigned int len = 0;

	switch (x86->waiting) {
	case MV_WAITING_IO:
		if (unlikely(io_moved(to_vmx(vcpu)))) {
			x86->waiting = MV_WAITING_NONE;
			return;
		}
		end = mv_x86_complete_io(vcpu);
		break;
	case MV_WAITING_STRING_IN:
		mv_vmx_guest_paging(&x86->paging);
		end = mv_x86_complete_string_in(vcpu);
		break;
	case MV_WAITING_HYPERCALL:
		end = mv_x86_complete_hypercall(vcpu, mv_vmx_long_mode());
		break;
	default:
		into_rsp = x86->mmio.reg == MV_RSP;
		if (into_rsp)
			x86->regs[MV_RSP] = vmcs_read(GUEST_RSP);
		end = mv_x86_complete_mmio(vcpu);
		if (into_rsp)
			vmcs_write(GUEST_RSP, x86->regs[MV_RSP]);
		len = x86->mmio.insn_len;
		break;
	}
	mv_vmx_end_instruction(end, len);
}

/*
 * KVM_RUN, called with the vCPU loaded: first what userspace wrote in
 * struct kvm_run, and the emulation the last exit left open; then the
 * stays in the guest, with the guest's FPU state in the CPU.
 */
int mv_vmx_run(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	int ret;

	run->flags = 0;
	/* With the APIC in the kernel, CR8 is its TPR, not userspace's. */
	if (!vcpu->irqs.lapic) {
		if (run->cr8 > 15) {
			ret = -EINVAL;
			goto out;
		}
		vmx->cr8 = run->cr8;
	}
	if (unlikely(vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED)) {
		ret = run->immediate_exit ? -EINTR : mv_irq_wait_for_start(vcpu);
		goto out;
	}
	if (unlikely(vcpu->x86.waiting))
		complete_emulation(vcpu);
	if (run->immediate_exit) {
		ret = -EINTR;
		goto out;
	}

	fpu_swap_kvm_fpstate(&vcpu->x86.fpu, true);
	ret = mv_run_loop(vcpu, enter_guest);
	fpu_swap_kvm_fpstate(&vcpu->x86.fpu, false);
out:
	/*
	 * Whatever the return, as KVM: QEMU reads the APIC base after every
	 * KVM_RUN, and one without the enable bit turns its APIC off for good.
	 */
	report_vcpu_state(vcpu);
	return ret;
}

int mv_vmx_vcpu_create(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);

	preempt_notifier_init(&vmx->preempt_notifier, &mv_preempt_ops);
	vmx->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			 (vcpu->id ? 0 : MSR_IA32_APICBASE_BSP);
	return mv_vmcs_create(vcpu);
}

void mv_vmx_vcpu_destroy(struct mv_vcpu *vcpu)
{
	mv_vmcs_destroy(vcpu);
}

int mv_vmx_setup(void)
{
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		mv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	mv_preempt_ops.sched_in = mv_vmx_sched_in;
	mv_preempt_ops.sched_out = mv_vmx_sched_out;
	preempt_notifier_inc();
	return mv_vmcs_setup();
}

void mv_vmx_teardown(void)
{
	mv_vmcs_teardown();
	preempt_notifier_dec();
}
