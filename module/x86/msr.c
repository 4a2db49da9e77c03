// SPDX-License-Identifier: GPL-2.0
/*
 * The model-specific registers that are plain state, the same whoever runs
 * the guest: the memory-type range registers (mtrr.c), the machine-check
 * registers (mce.c), two that Linux uses without checking for a #GP, and
 * KVM's paravirtual clock registers.
 *
 * A backend handles the MSRs that live in its control structure or that
 * it switches in the CPU, and hands every other index to this file, for a
 * guest's RDMSR and WRMSR and for KVM_GET/SET_MSRS alike.
 *
 * KVM's clock registers (MSR_KVM_WALL_CLOCK 0x11, MSR_KVM_SYSTEM_TIME
 * 0x12; Documentation/virt/kvm/x86/msr.rst) belong to kvmclock, which
 * minivisor does not offer: CPUID 0x40000001 does not exist, so a guest
 * that uses them anyway gets #GP. QEMU reads and writes them at every
 * reset whatever the guest's CPUID says; userspace may read them as 0 and
 * write 0 (clock off), and nothing else.
 *
 * IA32_MISC_ENABLE (0x1a0; Intel SDM Vol. 4, table 2-2): Linux's
 * verify_cpu reads and writes it on every Intel CPU past family 6, before
 * it has an IDT, so a #GP there is a triple fault. As in KVM, the guest
 * sees a processor with no debug store (BTS and PEBS unavailable, bits it
 * may not change) and may set the rest, which change nothing.
 *
 * IA32_BIOS_SIGN_ID (0x8b), the microcode revision: Linux writes 0 to it
 * and reads it back on Intel CPUs. The guest's write is ignored, as the
 * CPU does with a write of 0 that no microcode update follows, and the
 * revision is what userspace set (KVM's default: 0x100000000).
 *
 * The x2APIC's registers (0x800 to 0x8ff) are the in-kernel local APIC's
 * (../irq/x2apic.c); without one they do not exist.
 */
#include <linux/kernel.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>

#include "../irq/lapic.h"
#include "../vcpu.h"
#include "x86.h"

/* In KVM_GET_MSR_INDEX_LIST, after the backend's own (as KVM lists them). */
const u32 mv_x86_msr_indices[MV_X86_NR_MSR_INDICES] = {
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL, MSR_IA32_MISC_ENABLE,
	MSR_IA32_UCODE_REV,
};

#define MISC_ENABLE_READ_ONLY (MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
			       MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MICROCODE_RESET 0x100000000ull

/* At vCPU creation: the values of a processor after reset. */
void mv_x86_msrs_init(struct mv_vcpu *vcpu)
{
	vcpu->x86.misc_enable = MISC_ENABLE_READ_ONLY;
	vcpu->x86.microcode = MICROCODE_RESET;
}

static bool kvm_clock_msr(u32 index)
{
	return index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_SYSTEM_TIME;
}

static bool x2apic_msr(struct mv_vcpu *vcpu, u32 index)
{
	return vcpu->irqs.lapic && index >= MV_X2APIC_MSR_FIRST &&
	       index <= MV_X2APIC_MSR_LAST;
}

int mv_x86_get_msr(struct mv_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int ret;

	if (kvm_clock_msr(index)) {
		*data = 0;
		return host ? 0 : -EINVAL;
	}
	if (index == MSR_IA32_MISC_ENABLE) {
		*data = vcpu->x86.misc_enable;
		return 0;
	}
	if (index == MSR_IA32_UCODE_REV) {
		*data = vcpu->x86.microcode;
		return 0;
	}
	if (x2apic_msr(vcpu, index))
		return mv_x2apic_read(vcpu->irqs.lapic, index, data);
	ret = mv_x86_get_mtrr(vcpu, index, data);
	if (ret == -ENOENT)
		ret = mv_x86_get_mce(vcpu, index, data);
	return ret ? -EINVAL : 0;
}

int mv_x86_set_msr(struct mv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int ret;

	if (kvm_clock_msr(index))
		return host && !data ? 0 : -EINVAL;
	if (index == MSR_IA32_MISC_ENABLE) {
		if (!host && (data ^ vcpu->x86.misc_enable) &
			     MISC_ENABLE_READ_ONLY)
			return -EINVAL;
		vcpu->x86.misc_enable = data;
		return 0;
	}
	if (index == MSR_IA32_UCODE_REV) {
		if (host)
			vcpu->x86.microcode = data;
		return 0;
	}
	if (x2apic_msr(vcpu, index))
		return mv_x2apic_write(vcpu->irqs.lapic, index, data);
	ret = mv_x86_set_mtrr(vcpu, index, data);
	if (ret == -ENOENT)
		ret = mv_x86_set_mce(vcpu, index, data, host);
	return ret ? -EINVAL : 0;
}
