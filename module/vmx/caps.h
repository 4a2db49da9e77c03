/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this CPU's VT-x can do, read once at load time from CPUID,
 * IA32_FEATURE_CONTROL and the VMX capability MSRs (Intel SDM Vol. 3C,
 * 24.6 "Discovering Support for VMX" and Appendix A "VMX Capability
 * Reporting Facility"), and the VM-execution, VM-exit and VM-entry
 * controls every VMCS starts from.
 */
#ifndef MV_VMX_CAPS_H
#define MV_VMX_CAPS_H

#include <linux/types.h>

struct mv_vmx_caps {
	u32 revision_id;	/* IA32_VMX_BASIC[30:0], heads VMXON/VMCS regions */
	u32 pin_controls;	/* pin-based VM-execution controls */
	u32 cpu_controls;	/* primary processor-based controls */
	u32 secondary_controls;	/* secondary processor-based controls */
	u32 exit_controls;
	u32 entry_controls;
	u32 preemption_timer_shift;	/* timer ticks every 2^shift TSC ticks */
};

extern struct mv_vmx_caps mv_vmx_caps;

/*
 * Probe the boot CPU and fill mv_vmx_caps. Returns NULL when VT-x is usable
 * by minivisor, or a short phrase naming the first thing that is missing.
 */
const char *mv_vmx_probe(void);

#endif /* MV_VMX_CAPS_H */
