/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX backend's vCPU: the generic vCPU, its VMCS, and the guest state
 * the VMCS does not hold; and what the files of vmx/ tell each other. The
 * generic layer reaches all of this only through the backend interface
 * (backend.h, filled in by backend.c).
 */
#ifndef MV_VMX_H
#define MV_VMX_H

#include <linux/kvm.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include "../vcpu.h"
#include "../x86/x86.h"
#include "insn.h"

struct mv_ept;

/* Host state that VM exits clobber and that goes back on vCPU put. */
struct mv_host_state {
	u16 ds, es, fs, gs, ldt;
	u64 kernel_gs_base;
};

/* The syscall MSRs, switched while the guest has EFER.SCE or EFER.LMA. */
enum mv_switched_msr {
	MV_MSR_STAR, MV_MSR_LSTAR, MV_MSR_CSTAR, MV_MSR_SYSCALL_MASK,
	MV_MSR_KERNEL_GS_BASE,
	MV_NR_SWITCHED_MSRS
};

struct mv_vmx_vcpu {
	/*
	 * The generic part: first, see backend.c. entry.S enters the guest
	 * with vcpu.x86.regs[] and saves them at exit, all but RSP: the
	 * VMCS holds that one (GUEST_RSP).
	 */
	struct mv_vcpu vcpu;

	unsigned long cr2;

	struct page *vmcs;		/* active on vcpu.cpu, if it is >= 0 */
	bool launched;			/* VMLAUNCH done since the last VMCLEAR */
	bool flush_tlb;			/* INVEPT/INVVPID before the next entry */
	struct list_head loaded_link;	/* on the CPU's list of active VMCSs */
	u16 vpid;

	/* Host fields that change under us, cached to skip the VMWRITE. */
	unsigned long host_cr3, host_cr4;

	/* Host state swapped out while the vCPU holds the CPU (run.c). */
	struct preempt_notifier preempt_notifier;
	bool guest_state_loaded;
	struct mv_host_state host;
	unsigned int loaded_msrs;	/* switched MSRs now in the CPU */
	u64 guest_msrs[MV_NR_SWITCHED_MSRS];
	u64 host_msrs[MV_NR_SWITCHED_MSRS];
	u64 apic_base;			/* without an in-kernel APIC */

	u64 xcr0;
	unsigned long cr8;		/* TPR without an in-kernel APIC */
	unsigned long dr[4], dr6;	/* private DR0-3, DR6 */

	u32 exit_reason;
	u64 exit_tsc;			/* TSC at the last VM exit */
	unsigned long exit_qualification;

	/*
	 * Where the IN or OUT left open for userspace was (its linear RIP),
	 * noted when userspace first writes RIP or CS before the next run
	 * (regs.c): if it moved them, the instruction is dropped (run.c).
	 */
	bool io_rip_noted;
	unsigned long io_linear_rip;
};

static inline struct mv_vmx_vcpu *to_vmx(struct mv_vcpu *vcpu)
{
	return container_of(vcpu, struct mv_vmx_vcpu, vcpu);
}

/*
 * IA32_APIC_BASE and CR8 (the TPR): the in-kernel local APIC's when the
 * vCPU has one (../irq/lapic.h), the vCPU's own otherwise.
 */
static inline u64 mv_vmx_apic_base(struct mv_vcpu *vcpu)
{
	return vcpu->irqs.lapic ? vcpu->irqs.lapic->base :
	       to_vmx(vcpu)->apic_base;
}

static inline unsigned long mv_vmx_cr8(struct mv_vcpu *vcpu)
{
	return vcpu->irqs.lapic ? mv_lapic_cr8(vcpu->irqs.lapic) :
	       to_vmx(vcpu)->cr8;
}

static inline void mv_vmx_set_cr8(struct mv_vcpu *vcpu, unsigned long cr8)
{
	if (vcpu->irqs.lapic)
		mv_lapic_set_cr8(vcpu->irqs.lapic, cr8);
	else
		to_vmx(vcpu)->cr8 = cr8;
}

/* entry.S: VM entry with the guest's GPRs; 0 after a VM exit, 1 on VMfail. */
int mv_vmx_enter(unsigned long *regs, bool launched);

/* vmcs.c */
int mv_vmcs_setup(void);
void mv_vmcs_teardown(void);
int mv_vmcs_create(struct mv_vcpu *vcpu);
void mv_vmcs_destroy(struct mv_vcpu *vcpu);
void mv_vmcs_load(struct mv_vcpu *vcpu);
void mv_vmcs_clear_cpu(void);
void mv_vmcs_reset_guest(struct mv_vcpu *vcpu);
void mv_vmx_vcpu_init(struct mv_vcpu *vcpu);
void mv_vmx_vcpu_sipi(struct mv_vcpu *vcpu, u8 vector);

/* run.c */
int mv_vmx_setup(void);
void mv_vmx_teardown(void);
int mv_vmx_vcpu_create(struct mv_vcpu *vcpu);
void mv_vmx_vcpu_destroy(struct mv_vcpu *vcpu);
void mv_vmx_vcpu_load(struct mv_vcpu *vcpu);
void mv_vmx_vcpu_put(struct mv_vcpu *vcpu);
int mv_vmx_run(struct mv_vcpu *vcpu);

/* tlb.c: INVEPT of an EPT on every CPU. */
void mv_vmx_flush_tlbs(const struct mv_ept *ept);

/*
 * exits.c: handle the exit in vcpu->vmx.exit_reason. Handlers return 1 to
 * re-enter the guest, 0 to return to userspace with vcpu->run filled in.
 */
int mv_vmx_handle_exit(struct mv_vcpu *vcpu);
const char *mv_vmx_exit_name(u32 reason);
int mv_vmx_unexpected_exit(struct mv_vcpu *vcpu);
void mv_vmx_inject_exception(u8 vector);
void mv_vmx_inject_gp(struct mv_vcpu *vcpu);
void mv_vmx_advance_rip(unsigned int len);
void mv_vmx_skip_instruction(void);
unsigned long mv_vmx_read_gpr(struct mv_vcpu *vcpu, unsigned int reg);
void mv_vmx_write_gpr(struct mv_vcpu *vcpu, unsigned int reg,
		      unsigned long value);

/*
 * End an instruction x86/ emulated, as it says (enum mv_insn_end). len is
 * its length, or 0 for the instruction that exited: the VMCS knows that
 * one's (an EPT violation has none). Inline: every port I/O and MMIO
 * exit ends here, most with nothing to do yet.
 */
static inline void mv_vmx_end_instruction(enum mv_insn_end end,
					  unsigned int len)
{
	if (end == MV_INSN_DONE)
		mv_vmx_advance_rip(len ?: vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	else if (end == MV_INSN_AGAIN)
		vmcs_write(GUEST_RFLAGS,
			   vmcs_read(GUEST_RFLAGS) | X86_EFLAGS_RF);
}

/* io.c: port I/O exits (run.c completes them). */
int mv_vmx_handle_io(struct mv_vcpu *vcpu);

/* mmio.c: an access outside every memslot (run.c completes a read). */
int mv_vmx_handle_mmio(struct mv_vcpu *vcpu, u64 gpa);

/* msr.c */
int mv_vmx_handle_rdmsr(struct mv_vcpu *vcpu);
int mv_vmx_handle_wrmsr(struct mv_vcpu *vcpu);
int mv_vmx_get_msr(struct mv_vcpu *vcpu, u32 index, u64 *data, bool host);
int mv_vmx_set_msr(struct mv_vcpu *vcpu, u32 index, u64 data, bool host);
void mv_vmx_load_guest_msrs(struct mv_vcpu *vcpu);
void mv_vmx_load_host_msrs(struct mv_vcpu *vcpu);
void mv_vmx_switch_efer(struct mv_vcpu *vcpu, u64 efer);
int mv_vmx_get_msr_index_list(struct kvm_msr_list __user *user);

/* cr.c */
int mv_vmx_handle_cr(struct mv_vcpu *vcpu);
int mv_vmx_handle_dr(struct mv_vcpu *vcpu);
int mv_vmx_handle_xsetbv(struct mv_vcpu *vcpu);
bool mv_vmx_cr4_valid(struct mv_vcpu *vcpu, unsigned long cr4);
unsigned long mv_vmx_guest_cr0(void);
unsigned long mv_vmx_guest_cr4(void);
void mv_vmx_guest_paging(struct mv_guest_paging *paging);
void mv_vmx_set_cr0(unsigned long cr0);
void mv_vmx_set_cr4(unsigned long cr4);
void mv_vmx_set_efer(u64 efer);

/* regs.c: KVM_GET/SET_REGS and KVM_GET/SET_SREGS */
void mv_vmx_get_regs(struct mv_vcpu *vcpu, struct kvm_regs *regs);
void mv_vmx_set_regs(struct mv_vcpu *vcpu, const struct kvm_regs *regs);
void mv_vmx_get_sregs(struct mv_vcpu *vcpu, struct kvm_sregs *sregs);
int mv_vmx_set_sregs(struct mv_vcpu *vcpu, const struct kvm_sregs *sregs);

#endif /* MV_VMX_H */
