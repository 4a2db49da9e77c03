// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits on VT-x: an EPT violation at an address no memslot holds,
 * handed to x86/mmio.c.
 *
 * The exit gives the guest-physical address and, in the qualification,
 * what kind of access it was (Intel SDM Vol. 3C, 28.2.1, table 28-7). An
 * instruction fetch from MMIO cannot be emulated, and neither can an
 * access made while delivering an event (the IDT in MMIO, say): the
 * IDT-vectoring information says so (28.2.4). Otherwise x86/mmio.c
 * fetches the instruction at CS:RIP, decodes it and builds KVM_EXIT_MMIO.
 * The decoded length, not the VMCS, says how far RIP steps: an EPT
 * violation has no instruction length. A read completes when userspace
 * re-enters (run.c), or at once when the local APIC in the kernel
 * answered it, maybe into RSP.
 */
#include <linux/kvm.h>

#include "../vcpu.h"
#include "../x86/x86.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"

/* EPT violation qualification: the access was an instruction fetch. */
#define EPT_VIOLATION_FETCH BIT(2)

int mv_vmx_handle_mmio(struct mv_vcpu *vcpu, u64 gpa)
{
	u32 vectoring = vmcs_read(IDT_VECTORING_INFO_FIELD);
	struct mv_insn_site *site = &vcpu->x86.site;
	struct kvm_run *run = vcpu->run;
	u32 cs_ar;
	int ret;

	if (to_vmx(vcpu)->exit_qualification & EPT_VIOLATION_FETCH)
		return mv_x86_emulation_failure(vcpu);
	if (vectoring & VECTORING_INFO_VALID_MASK) {
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
		run->internal.ndata = 1;
		run->internal.data[0] = vectoring;
		return 0;
	}

	cs_ar = vmcs_read(SEGMENT_AR(MV_CS));
	site->linear = vmcs_read(SEGMENT_BASE(MV_CS)) + vmcs_read(GUEST_RIP);
	site->def_size = cs_ar & SEGMENT_AR_DB ? 4 : 2;
	site->long_mode = (vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) &&
			  (cs_ar & SEGMENT_AR_L);
	site->df = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF;
	mv_vmx_guest_paging(&vcpu->x86.paging);
	/* A write may store RSP: x86/ finds it with the other GPRs. */
	vcpu->x86.regs[MV_RSP] = vmcs_read(GUEST_RSP);

	ret = mv_x86_mmio(vcpu, gpa);
	mv_vmx_end_instruction(vcpu->x86.insn_end, vcpu->x86.mmio.insn_len);
	if (ret > 0)
		vmcs_write(GUEST_RSP, vcpu->x86.regs[MV_RSP]);
	return ret;
}
