// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's x87/SSE state as userspace sees it: KVM_GET/SET_FPU.
 *
 * The guest's FPU, SSE and AVX state lives in a guest fpstate that the
 * kernel's FPU code allocates and swaps with the VMM thread's own around
 * KVM_RUN (fpu_swap_kvm_fpstate), so the host never sees guest values in
 * its registers and vice versa. Between runs the state rests in memory,
 * in the legacy FXSAVE layout at the start of the XSAVE area (Intel SDM
 * Vol. 1, 10.5.1), which is what struct kvm_fpu mirrors. Like KVM 6.1,
 * MXCSR is neither reported nor set here. The backend's run swaps the
 * state in and out around its stays in the guest.
 */
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>
#include <asm/fpu/api.h>

#include "../vcpu.h"
#include "x86.h"

int mv_x86_fpu_alloc(struct mv_vcpu *vcpu)
{
	return fpu_alloc_guest_fpstate(&vcpu->x86.fpu) ? 0 : -ENOMEM;
}

void mv_x86_fpu_free(struct mv_vcpu *vcpu)
{
	fpu_free_guest_fpstate(&vcpu->x86.fpu);
}

void mv_x86_get_fpu(struct mv_vcpu *vcpu, struct kvm_fpu *fpu)
{
	const struct fxregs_state *fxsave = &vcpu->x86.fpu.fpstate->regs.fxsave;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fxsave->st_space, sizeof(fpu->fpr));
	fpu->fcw = fxsave->cwd;
	fpu->fsw = fxsave->swd;
	fpu->ftwx = fxsave->twd;
	fpu->last_opcode = fxsave->fop;
	fpu->last_ip = fxsave->rip;
	fpu->last_dp = fxsave->rdp;
	memcpy(fpu->xmm, fxsave->xmm_space, sizeof(fpu->xmm));
}

void mv_x86_set_fpu(struct mv_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	struct fxregs_state *fxsave = &vcpu->x86.fpu.fpstate->regs.fxsave;

	memcpy(fxsave->st_space, fpu->fpr, sizeof(fpu->fpr));
	fxsave->cwd = fpu->fcw;
	fxsave->swd = fpu->fsw;
	fxsave->twd = fpu->ftwx;
	fxsave->fop = fpu->last_opcode;
	fxsave->rip = fpu->last_ip;
	fxsave->rdp = fpu->last_dp;
	memcpy(fxsave->xmm_space, fpu->xmm, sizeof(fpu->xmm));
}
