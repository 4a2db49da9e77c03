// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access to a guest-physical address that no memslot holds.
 *
 * The EPT violation that reports it gives the address but neither the
 * size nor the data of the access (Intel SDM Vol. 3C, 28.2.1): only the
 * instruction says that, so turning the access into KVM_EXIT_MMIO means
 * decoding it. Until minivisor has that decoder, the run ends the way KVM
 * ends it for an instruction it cannot emulate: KVM_EXIT_INTERNAL_ERROR
 * with suberror KVM_INTERNAL_ERROR_EMULATION.
 */
#include "../vcpu.h"
#include "vmx.h"

int mv_vmx_handle_mmio(struct mv_vcpu *vcpu, u64 gpa)
{
	return mv_vmx_emulation_failure(vcpu);
}
