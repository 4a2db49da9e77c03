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
 * (Documentation/virt/kvm/x86/hypercalls.rst). Outside 64-bit mode each
 * of them is 32 bits. Only the guest kernel (CPL 0) may call; a number
 * minivisor does not serve returns -KVM_ENOSYS, as on KVM.
 *
 * minivisor serves no hypercall itself. Its own paravirtual ABI
 * (<linux/minivisor_pv.h>) has hypercalls that the VMM serves, once it
 * asks for them with KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) and their
 * bits: each then ends the run with KVM_EXIT_HYPERCALL, and when the VMM
 * re-enters, the value it left in run->hypercall.ret is the result. This
 * is KVM's mechanism (api.rst, 8.34), which KVM offers for one number of
 * its own, KVM_HC_MAP_GPA_RANGE; minivisor offers it for its own numbers.
 *
 * All of it is inline in the backend's exit handler: a VMCALL exit costs
 * no call.
 */
#ifndef MV_X86_HYPERCALL_H
#define MV_X86_HYPERCALL_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <linux/minivisor_pv.h>
#include <linux/types.h>

#include "../vcpu.h"
#include "../vm.h"
#include "x86.h"

/* The hypercalls a VMM may have sent to it: KVM_CAP_EXIT_HYPERCALL's answer. */
#define MV_HYPERCALL_EXITS	BIT(MINIVISOR_HC_PV_NOTIFY)

/* KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL): the numbers the VMM serves. */
static inline int mv_x86_enable_hypercall_exits(struct mv_x86_vm *vm, u64 mask)
{
	if (mask & ~(u64)MV_HYPERCALL_EXITS)
		return -EINVAL;
	WRITE_ONCE(vm->hypercall_exits, mask);
	return 0;
}

/*
 * The backend tells the guest's privilege level and whether it runs
 * 64-bit code. Returns 1 with the result in RAX, or 0 with
 * KVM_EXIT_HYPERCALL for the VMM; vcpu->x86.insn_end says how VMCALL ends.
 */
static inline int mv_x86_hypercall(struct mv_vcpu *vcpu, unsigned int cpl,
				   bool long_mode)
{
	unsigned long *regs = vcpu->x86.regs;
	u64 mask = long_mode ? U64_MAX : U32_MAX;
	u64 nr = regs[MV_RAX] & mask;
	struct kvm_run *run = vcpu->run;
	long result = -KVM_ENOSYS;

	if (cpl) {
		result = -KVM_EPERM;
	} else if (nr < BITS_PER_LONG &&
		   (READ_ONCE(vcpu->vm->x86.hypercall_exits) & BIT_ULL(nr))) {
		run->exit_reason = KVM_EXIT_HYPERCALL;
		run->hypercall.nr = nr;
		run->hypercall.args[0] = regs[MV_RBX] & mask;
		run->hypercall.args[1] = regs[MV_RCX] & mask;
		run->hypercall.args[2] = regs[MV_RDX] & mask;
		run->hypercall.args[3] = regs[MV_RSI] & mask;
		run->hypercall.ret = 0;
		run->hypercall.longmode = long_mode;
		vcpu->x86.waiting = MV_WAITING_HYPERCALL;
		vcpu->x86.insn_end = MV_INSN_OPEN;
		return 0;
	}
	regs[MV_RAX] = result & mask;
	vcpu->x86.insn_end = MV_INSN_DONE;
	return 1;
}

/*
 * The VMM has served the hypercall: its result goes to RAX, 32 bits of it
 * unless the guest runs 64-bit code, which the backend tells again.
 */
static inline enum mv_insn_end mv_x86_complete_hypercall(struct mv_vcpu *vcpu,
							 bool long_mode)
{
	u64 mask = long_mode ? U64_MAX : U32_MAX;

	vcpu->x86.waiting = MV_WAITING_NONE;
	vcpu->x86.regs[MV_RAX] = vcpu->run->hypercall.ret & mask;
	return MV_INSN_DONE;
}

#endif /* MV_X86_HYPERCALL_H */
