// SPDX-License-Identifier: GPL-2.0
/*
 * Can this CPU run minivisor's guests, and with which controls?
 *
 * Software learns what VT-x offers in three steps (Intel SDM Vol. 3C,
 * 24.6 and Appendix A):
 *   1. CPUID.1:ECX.VMX[bit 5] says the CPU implements VMX at all.
 *   2. IA32_FEATURE_CONTROL, written and locked by the firmware (or by
 *      Linux at boot), must allow VMXON outside SMX.
 *   3. The VMX capability MSRs say which VM-execution, VM-exit and
 *      VM-entry controls may be set. Each holds the allowed-0 settings in
 *      its low half (bits that must be 1) and the allowed-1 settings in its
 *      high half (bits that may be 1). When IA32_VMX_BASIC[55] is set, the
 *      "true" MSRs give the same with fewer bits forced to 1.
 * minivisor needs EPT (guest memory), VPID (tagged TLBs), unrestricted
 * guest (real-mode guests run directly) and the preemption timer (a
 * bound on every stay in the guest). Without any of these the module still
 * loads: VMs as address spaces, netlink and the PCI helper work, only
 * vCPUs do not.
 */
#include <linux/bits.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "caps.h"

struct mv_vmx_caps mv_vmx_caps;

/*
 * What every guest runs with. Exits: external interrupts and NMIs (the
 * host keeps its interrupts), HLT, all port I/O, all MSR accesses, the
 * preemption timer, and whatever would let the guest touch host state the
 * VMCS does not switch: CR8 (the host's TPR), debug registers, performance
 * counters, MONITOR/MWAIT. Guest EFER and PAT are switched by the VMCS on
 * entry and exit.
 */
#define PIN_CONTROLS (PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING | \
		      PIN_BASED_VMX_PREEMPTION_TIMER)
#define CPU_CONTROLS (CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING | \
		      CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_CR8_LOAD_EXITING | \
		      CPU_BASED_CR8_STORE_EXITING | CPU_BASED_MOV_DR_EXITING | \
		      CPU_BASED_RDPMC_EXITING | CPU_BASED_MWAIT_EXITING | \
		      CPU_BASED_MONITOR_EXITING | CPU_BASED_USE_TSC_OFFSETTING | \
		      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
#define SECONDARY_CONTROLS (SECONDARY_EXEC_ENABLE_EPT | \
			    SECONDARY_EXEC_ENABLE_VPID | \
			    SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define EXIT_CONTROLS (VM_EXIT_HOST_ADDR_SPACE_SIZE | \
		       VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT | \
		       VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER)
#define ENTRY_CONTROLS (VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER)

/*
 * INVEPT and INVVPID of one context are how minivisor flushes guest TLBs;
 * an all-context INVEPT follows each VMXON (vmxon.c).
 */
#define EPT_VPID_NEEDS (VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT | \
			VMX_EPT_2MB_PAGE_BIT | VMX_EPT_INVEPT_BIT | \
			VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT | \
			(u64)VMX_VPID_INVVPID_BIT << 32 | \
			(u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)

/*
 * Settle one set of controls: the bits we want, plus those the CPU forces
 * to 1. Fails if a bit we want may not be 1.
 */
static bool vmx_controls(u32 msr, u32 wanted, u32 *controls)
{
	u64 allowed;

	if (rdmsrl_safe(msr, &allowed))
		return false;
	if (wanted & ~upper_32_bits(allowed))
		return false;
	*controls = wanted | lower_32_bits(allowed);
	return true;
}

const char *mv_vmx_probe(void)
{
	u64 feature_control, basic, ept_vpid, misc;
	bool true_msrs;

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
	if (!(basic & VMX_BASIC_INOUT))
		return "no instruction information for INS/OUTS exits";
	mv_vmx_caps.revision_id = basic & 0x7fffffff;
	true_msrs = basic & VMX_BASIC_TRUE_CTLS;

	if (!vmx_controls(true_msrs ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			  MSR_IA32_VMX_PROCBASED_CTLS, CPU_CONTROLS,
			  &mv_vmx_caps.cpu_controls))
		return "no secondary controls, MSR bitmaps or I/O exiting";
	if (!vmx_controls(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_ENABLE_EPT,
			  &mv_vmx_caps.secondary_controls))
		return "no EPT";
	if (!vmx_controls(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_ENABLE_VPID,
			  &mv_vmx_caps.secondary_controls))
		return "no VPID";
	if (!vmx_controls(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_CONTROLS,
			  &mv_vmx_caps.secondary_controls))
		return "no unrestricted guest";
	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept_vpid) ||
	    (ept_vpid & EPT_VPID_NEEDS) != EPT_VPID_NEEDS)
		return "no 4-level write-back EPT with context and global INVEPT, INVVPID";
	if (!vmx_controls(true_msrs ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS, PIN_CONTROLS,
			  &mv_vmx_caps.pin_controls))
		return "no VMX preemption timer";
	if (!vmx_controls(true_msrs ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			  MSR_IA32_VMX_EXIT_CTLS, EXIT_CONTROLS,
			  &mv_vmx_caps.exit_controls) ||
	    !vmx_controls(true_msrs ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			  MSR_IA32_VMX_ENTRY_CTLS, ENTRY_CONTROLS,
			  &mv_vmx_caps.entry_controls))
		return "VM exits and entries cannot switch EFER and PAT";

	rdmsrl(MSR_IA32_VMX_MISC, misc);
	mv_vmx_caps.preemption_timer_shift = misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	return NULL;
}
