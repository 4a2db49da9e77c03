// SPDX-License-Identifier: GPL-2.0
/*
 * Can this CPU run minivisor's guests?
 *
 * Software learns what VT-x offers in three steps (Intel SDM Vol. 3C,
 * 24.6 and Appendix A):
 *   1. CPUID.1:ECX.VMX[bit 5] says the CPU implements VMX at all.
 *   2. IA32_FEATURE_CONTROL, written and locked by the firmware (or by
 *      Linux at boot), must allow VMXON outside SMX.
 *   3. The VMX capability MSRs say which VM-execution controls may be set.
 *      Each holds the allowed-0 settings in its low half and the allowed-1
 *      settings in its high half; a control is available when its bit is
 *      set in the high half.
 * minivisor needs the secondary processor-based controls and, among them,
 * EPT (guest memory), VPID (tagged TLBs) and unrestricted guest (real-mode
 * guests run directly). Without any of these the module still loads: VMs
 * as address spaces, netlink and the PCI helper work, only vCPUs do not.
 */
#include <linux/bits.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "caps.h"

struct mv_vmx_caps mv_vmx_caps;

/* The allowed-1 half of a VMX capability MSR, or 0 if it cannot be read. */
static u32 vmx_allowed1(u32 msr)
{
	u64 value;

	if (rdmsrl_safe(msr, &value))
		return 0;
	return upper_32_bits(value);
}

static const char *vmx_missing_feature(void)
{
	u32 secondary;
	u64 feature_control, basic;

	if (!(cpuid_ecx(1) & BIT(5)))
		return "CPU has no VMX (CPUID.1:ECX.VMX is 0)";

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feature_control))
		return "IA32_FEATURE_CONTROL is unreadable";
	if (!(feature_control & FEAT_CTL_LOCKED))
		return "IA32_FEATURE_CONTROL is not locked by the firmware";
	if (!(feature_control & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return "VMX is disabled in IA32_FEATURE_CONTROL (firmware setting)";

	/*
	 * VMXON and VMCS regions must be cacheable write-back memory of at
	 * most a page, and addresses must not be limited to 32 bits.
	 */
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic))
		return "IA32_VMX_BASIC is unreadable";
	if ((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT !=
	    VMX_BASIC_MEM_TYPE_WB)
		return "VMCS memory type is not write-back";
	if (((basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff) > PAGE_SIZE ||
	    basic & VMX_BASIC_64)
		return "unsupported VMCS region layout";
	mv_vmx_caps.revision_id = basic & 0x7fffffff;

	if (!(vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS) &
	      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return "no secondary processor-based controls";

	secondary = vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!(secondary & SECONDARY_EXEC_ENABLE_EPT))
		return "no EPT";
	if (!(secondary & SECONDARY_EXEC_ENABLE_VPID))
		return "no VPID";
	if (!(secondary & SECONDARY_EXEC_UNRESTRICTED_GUEST))
		return "no unrestricted guest";

	return NULL;
}

const char *mv_vmx_probe(void)
{
	const char *missing = vmx_missing_feature();

	mv_vmx_caps.usable = !missing;
	return missing;
}
