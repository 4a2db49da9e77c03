// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX backend: VT-x's answers to the backend interface (../backend.h),
 * each one the entry point of a file of this folder.
 *
 * A VMX vCPU is a struct mv_vmx_vcpu (vmx.h) with the generic vCPU as its
 * first member, so the generic layer allocates it by this backend's size
 * and frees it as the generic vCPU, and to_vmx() finds the VMX part.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <asm/vmx.h>

#include "../backend.h"
#include "../ept/ept.h"
#include "../stats.h"
#include "caps.h"
#include "vmx.h"
#include "vmxon.h"

static_assert(offsetof(struct mv_vmx_vcpu, vcpu) == 0);
static_assert(EXIT_REASON_NOTIFY < MV_MAX_EXIT_REASONS);

/*
 * KVM_GET/SET_MSRS access MSRs as the host: no #GP is injected for a bad
 * one, and some that the guest may not touch are userspace's to save and
 * restore.
 */
static int vmx_get_msr(struct mv_vcpu *vcpu, u32 index, u64 *data)
{
	return mv_vmx_get_msr(vcpu, index, data, true);
}

static int vmx_set_msr(struct mv_vcpu *vcpu, u32 index, u64 data)
{
	return mv_vmx_set_msr(vcpu, index, data, true);
}

const struct mv_backend mv_vmx_backend = {
	.name			= "VT-x",
	.features		= "EPT, VPID, unrestricted guest",
	.vcpu_size		= sizeof(struct mv_vmx_vcpu),

	.probe			= mv_vmx_probe,
	.setup			= mv_vmx_setup,
	.teardown		= mv_vmx_teardown,
	.enable			= mv_vmx_get,
	.disable		= mv_vmx_put,

	.vcpu_create		= mv_vmx_vcpu_create,
	.vcpu_destroy		= mv_vmx_vcpu_destroy,
	.vcpu_load		= mv_vmx_vcpu_load,
	.vcpu_put		= mv_vmx_vcpu_put,
	.vcpu_init		= mv_vmx_vcpu_init,
	.vcpu_sipi		= mv_vmx_vcpu_sipi,

	.run			= mv_vmx_run,

	.get_regs		= mv_vmx_get_regs,
	.set_regs		= mv_vmx_set_regs,
	.get_sregs		= mv_vmx_get_sregs,
	.set_sregs		= mv_vmx_set_sregs,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
	.supported_cpuid	= mv_x86_supported_cpuid,
	.msr_index_list		= mv_vmx_get_msr_index_list,

	.tables_create		= mv_ept_create,
	.tables_destroy		= mv_ept_destroy,
	.map			= mv_ept_map,
	.unmap			= mv_ept_unmap,
	.write_protect		= mv_ept_write_protect,
	.map_device		= mv_ept_map_device,
	.unmap_device		= mv_ept_unmap_device,
	.tables_usage		= mv_ept_usage,
	.flush_tlbs		= mv_vmx_flush_tlbs,

	.nr_exit_reasons	= EXIT_REASON_NOTIFY + 1,
	.exit_name		= mv_vmx_exit_name,
};
