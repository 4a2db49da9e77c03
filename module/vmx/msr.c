// SPDX-License-Identifier: GPL-2.0
/*
 * Model-specific registers: RDMSR and WRMSR exits, KVM_GET/SET_MSRS.
 *
 * Every RDMSR and WRMSR of the guest exits (the MSR bitmap has all bits
 * set), and each MSR the guest may use has a home:
 *   - in the VMCS, switched by VM entry and exit: EFER, PAT, the SYSENTER
 *     MSRs, FS and GS base, DEBUGCTL;
 *   - in the CPU while the guest runs, switched by minivisor: the SYSCALL
 *     MSRs (STAR, LSTAR, CSTAR, SFMASK) and KERNEL_GS_BASE. They matter to
 *     the guest only once it can execute SYSCALL (EFER.SCE) or SWAPGS
 *     (EFER.LMA), so they are switched only then, once per vCPU load and
 *     not on every exit; the host's values return on vCPU put;
 *   - in the vCPU: the TSC (as an offset to the host's) and APIC base,
 *     which the in-kernel local APIC keeps when there is one, with the
 *     TSC deadline (../irq/lapic.h) that needs the guest's TSC;
 *   - in x86/: the MSRs that are the same whoever runs the guest (the
 *     MTRRs, the machine-check banks), which x86/msr.c handles.
 * Any other MSR gets #GP, as on KVM with ignore_msrs off.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "../vcpu.h"
#include "../vm.h"
#include "insn.h"
#include "vmx.h"

static const u32 switched_msr_index[MV_NR_SWITCHED_MSRS] = {
	[MV_MSR_STAR]		= MSR_STAR,
	[MV_MSR_LSTAR]		= MSR_LSTAR,
	[MV_MSR_CSTAR]		= MSR_CSTAR,
	[MV_MSR_SYSCALL_MASK]	= MSR_SYSCALL_MASK,
	[MV_MSR_KERNEL_GS_BASE]	= MSR_KERNEL_GS_BASE,
};

#define SYSCALL_MSRS (BIT(MV_MSR_STAR) | BIT(MV_MSR_LSTAR) | \
		      BIT(MV_MSR_CSTAR) | BIT(MV_MSR_SYSCALL_MASK))

/* EFER bits a guest may set: those of a 64-bit processor with NX. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

static const u32 vmcs_msr_field[][2] = {
	{ MSR_IA32_SYSENTER_CS,	GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, GUEST_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, GUEST_SYSENTER_EIP },
	{ MSR_FS_BASE,		GUEST_FS_BASE },
	{ MSR_GS_BASE,		GUEST_GS_BASE },
	{ MSR_IA32_CR_PAT,	GUEST_IA32_PAT },
};

static int switched_msr(u32 index)
{
	int i;

	for (i = 0; i < MV_NR_SWITCHED_MSRS; i++)
		if (switched_msr_index[i] == index)
			return i;
	return -1;
}

static long vmcs_msr(u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmcs_msr_field); i++)
		if (vmcs_msr_field[i][0] == index)
			return vmcs_msr_field[i][1];
	return -1;
}

/* Which switched MSRs the guest can observe with its current EFER. */
static unsigned int switched_msrs_in_use(void)
{
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	return (efer & EFER_SCE ? SYSCALL_MSRS : 0) |
	       (efer & EFER_LMA ? BIT(MV_MSR_KERNEL_GS_BASE) : 0);
}

/*
 * Called with preemption off: before VM entry, once per vCPU load, and
 * when EFER changes.
 */
void mv_vmx_load_guest_msrs(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	int i;

	vmx->loaded_msrs = switched_msrs_in_use();
	for (i = 0; i < MV_NR_SWITCHED_MSRS; i++) {
		if (!(vmx->loaded_msrs & BIT(i)))
			continue;
		rdmsrl(switched_msr_index[i], vmx->host_msrs[i]);
		wrmsrl(switched_msr_index[i], vmx->guest_msrs[i]);
	}
}

/* Called with preemption off: on vCPU put, and when EFER changes. */
void mv_vmx_load_host_msrs(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	int i;

	for (i = 0; i < MV_NR_SWITCHED_MSRS; i++) {
		if (!(vmx->loaded_msrs & BIT(i)))
			continue;
		/* SWAPGS changes KERNEL_GS_BASE without an exit. */
		if (i == MV_MSR_KERNEL_GS_BASE)
			rdmsrl(MSR_KERNEL_GS_BASE, vmx->guest_msrs[i]);
		wrmsrl(switched_msr_index[i], vmx->host_msrs[i]);
	}
	vmx->loaded_msrs = 0;
}

/*
 * A new guest EFER. Which MSRs are switched depends on it (SCE, LMA), so
 * while the guest's are in the CPU they are switched again.
 */
void mv_vmx_switch_efer(struct mv_vcpu *vcpu, u64 efer)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);

	preempt_disable();
	if (vmx->guest_state_loaded)
		mv_vmx_load_host_msrs(vcpu);
	mv_vmx_set_efer(efer);
	if (vmx->guest_state_loaded)
		mv_vmx_load_guest_msrs(vcpu);
	preempt_enable();
}

/* Read an MSR for the guest (host = false: RDMSR) or for userspace. */
int mv_vmx_get_msr(struct mv_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	long field = vmcs_msr(index);
	int switched = switched_msr(index);

	if (field >= 0) {
		*data = vmcs_read(field);
	} else if (switched >= 0) {
		preempt_disable();
		if (vmx->loaded_msrs & BIT(switched))
			rdmsrl(index, vmx->guest_msrs[switched]);
		*data = vmx->guest_msrs[switched];
		preempt_enable();
	} else if (index == MSR_EFER) {
		*data = vmcs_read(GUEST_IA32_EFER);
	} else if (index == MSR_IA32_TSC) {
		*data = rdtsc() + vmcs_read(TSC_OFFSET);
	} else if (index == MSR_IA32_APICBASE) {
		*data = mv_vmx_apic_base(vcpu);
	} else if (index == MSR_IA32_TSC_DEADLINE) {
		*data = vcpu->irqs.lapic ?
			mv_lapic_tsc_deadline(vcpu->irqs.lapic) : 0;
	} else {
		return mv_x86_get_msr(vcpu, index, data, host);
	}
	return 0;
}

/*
 * Write an MSR for the guest (host = false: a guest WRMSR, checked like the
 * CPU would) or for userspace (host = true: KVM_SET_MSRS).
 */
int mv_vmx_set_msr(struct mv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	long field = vmcs_msr(index);
	int switched = switched_msr(index);

	/*
	 * Addresses must be canonical, or VM entry (or SYSCALL, or SWAPGS)
	 * would fail: the guest's WRMSR gets #GP, as on the CPU. Like KVM,
	 * KVM_SET_MSRS makes SYSENTER_ESP/EIP canonical instead of failing
	 * (AMD CPUs accept any value there).
	 */
	if (host && (index == MSR_IA32_SYSENTER_ESP ||
		     index == MSR_IA32_SYSENTER_EIP))
		data = __canonical_address(data, 48);
	if ((index == MSR_FS_BASE || index == MSR_GS_BASE ||
	     index == MSR_KERNEL_GS_BASE || index == MSR_LSTAR ||
	     index == MSR_CSTAR || index == MSR_IA32_SYSENTER_ESP ||
	     index == MSR_IA32_SYSENTER_EIP) &&
	    !__is_canonical_address(data, 48))
		return -EINVAL;

	if (field >= 0) {
		vmcs_write(field, data);
	} else if (switched >= 0) {
		preempt_disable();
		vmx->guest_msrs[switched] = data;
		if (vmx->loaded_msrs & BIT(switched))
			wrmsrl(index, data);
		preempt_enable();
	} else if (index == MSR_EFER) {
		if (data & ~EFER_GUEST_BITS)
			return -EINVAL;
		/* The guest cannot set LMA; it follows CR0.PG (cr.c). */
		if (!host)
			data = (data & ~EFER_LMA) |
			       (vmcs_read(GUEST_IA32_EFER) & EFER_LMA);
		mv_vmx_switch_efer(vcpu, data);
	} else if (index == MSR_IA32_TSC && host) {
		vmcs_write(TSC_OFFSET,
			   mv_x86_tsc_offset(&vcpu->vm->x86, data, rdtsc()));
	} else if (index == MSR_IA32_TSC) {
		vmcs_write(TSC_OFFSET, data - rdtsc());
	} else if (index == MSR_IA32_APICBASE && vcpu->irqs.lapic) {
		return mv_lapic_set_base(vcpu->irqs.lapic, data, host);
	} else if (index == MSR_IA32_APICBASE && host) {
		vmx->apic_base = data;
	} else if (index == MSR_IA32_TSC_DEADLINE) {
		if (vcpu->irqs.lapic)
			mv_lapic_set_tsc_deadline(vcpu->irqs.lapic, data,
						  rdtsc() + vmcs_read(TSC_OFFSET));
	} else {
		return mv_x86_set_msr(vcpu, index, data, host);
	}
	return 0;
}

int mv_vmx_handle_rdmsr(struct mv_vcpu *vcpu)
{
	unsigned long *regs = vcpu->x86.regs;
	u64 data;

	if (mv_vmx_get_msr(vcpu, regs[MV_RCX], &data, false)) {
		mv_vmx_inject_gp(vcpu);
		return 1;
	}
	regs[MV_RAX] = lower_32_bits(data);
	regs[MV_RDX] = upper_32_bits(data);
	mv_vmx_skip_instruction();
	return 1;
}

int mv_vmx_handle_wrmsr(struct mv_vcpu *vcpu)
{
	unsigned long *regs = vcpu->x86.regs;
	u64 data = (u32)regs[MV_RAX] | (u64)(u32)regs[MV_RDX] << 32;

	if (mv_vmx_set_msr(vcpu, regs[MV_RCX], data, false)) {
		mv_vmx_inject_gp(vcpu);
		return 1;
	}
	mv_vmx_skip_instruction();
	return 1;
}

/* The MSRs KVM_GET/SET_MSRS handle here; x86/msr.c lists its own. */
static const u32 msr_index_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_CR_PAT, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE, MSR_EFER,
	MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_TSC_DEADLINE,
};

#define NR_MSR_INDICES (ARRAY_SIZE(msr_index_list) + MV_X86_NR_MSR_INDICES)

/* KVM_GET_MSR_INDEX_LIST: nmsrs says the room, and comes back as the need. */
int mv_vmx_get_msr_index_list(struct kvm_msr_list __user *user)
{
	struct kvm_msr_list header;
	u32 room;

	if (copy_from_user(&header, user, sizeof(header)))
		return -EFAULT;
	room = header.nmsrs;
	header.nmsrs = NR_MSR_INDICES;
	if (copy_to_user(user, &header, sizeof(header)))
		return -EFAULT;
	if (room < NR_MSR_INDICES)
		return -E2BIG;
	if (copy_to_user(user->indices, msr_index_list,
			 sizeof(msr_index_list)) ||
	    copy_to_user(user->indices + ARRAY_SIZE(msr_index_list),
			 mv_x86_msr_indices, sizeof(mv_x86_msr_indices)))
		return -EFAULT;
	return 0;
}
