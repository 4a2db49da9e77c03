/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercalls: the guest's deliberate calls into the hypervisor, the
 * paravirtualization model of the teaching lab.
 *
 * A guest that knows it runs on a hypervisor can ask it for a service
 * directly instead of poking emulated hardware: it executes VMCALL (which
 * always exits, Intel SDM Vol. 3C, 26.1.2; VMMCALL on AMD) with the
 * hypercall number in RAX and arguments in RBX, RCX, RDX and RSI, and
 * finds the result in RAX, following KVM's calling convention
 * (Documentation/virt/kvm/x86/hypercalls.rst). Only the guest kernel
 * (CPL 0) may call; a number minivisor does not know returns
 * -KVM_ENOSYS, as on KVM.
 *
 * minivisor knows no number yet, so the whole of it is the answer below,
 * inline in the backend's exit handler: a VMCALL exit costs no call.
 */
#ifndef MV_X86_HYPERCALL_H
#define MV_X86_HYPERCALL_H

#include <linux/kvm_para.h>
#include <linux/types.h>

#include "../vcpu.h"
#include "x86.h"

/*
 * The backend tells the guest's privilege level and whether it runs
 * 64-bit code; the instruction is done once this returns.
 */
static inline void mv_x86_hypercall(struct mv_vcpu *vcpu, unsigned int cpl,
				    bool long_mode)
{
	long result = cpl ? -KVM_EPERM : -KVM_ENOSYS;

	/* Outside 64-bit mode the result is a 32-bit value. */
	vcpu->x86.regs[MV_RAX] = long_mode ? result : (u32)result;
}

#endif /* MV_X86_HYPERCALL_H */
