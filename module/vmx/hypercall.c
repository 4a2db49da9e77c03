// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercalls: the guest's deliberate calls into the hypervisor, the
 * paravirtualization model of the teaching lab.
 *
 * A guest that knows it runs on a hypervisor can ask it for a service
 * directly instead of poking emulated hardware: it executes VMCALL (which
 * always exits, Intel SDM Vol. 3C, 26.1.2) with the hypercall number in
 * RAX and arguments in RBX, RCX, RDX and RSI, and finds the result in RAX,
 * following KVM's calling convention (Documentation/virt/kvm/x86/
 * hypercalls.rst). Only the guest kernel (CPL 0) may call; a number
 * minivisor does not know returns -KVM_ENOSYS, as on KVM.
 */
#include <linux/kvm_para.h>

#include "../vcpu.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"

/* The guest's privilege level: SS.DPL once in protected mode. */
static unsigned int guest_cpl(void)
{
	/* PE is not host-owned (cr.h): GUEST_CR0 holds the guest's bit. */
	if (!(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		return 0;
	return (vmcs_read(SEGMENT_AR(MV_SS)) >> 5) & 3;
}

int mv_vmx_handle_vmcall(struct mv_vcpu *vcpu)
{
	unsigned long *rax = &to_vmx(vcpu)->regs[MV_RAX];
	long result = guest_cpl() ? -KVM_EPERM : -KVM_ENOSYS;

	/* Outside 64-bit mode the result is a 32-bit value. */
	if (vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE &&
	    vmcs_read(SEGMENT_AR(MV_CS)) & SEGMENT_AR_L)
		*rax = result;
	else
		*rax = (u32)result;
	mv_vmx_skip_instruction();
	return 1;
}
