/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this CPU's VT-x can do, read once at load time from CPUID,
 * IA32_FEATURE_CONTROL and the VMX capability MSRs (Intel SDM Vol. 3C,
 * 24.6 "Discovering Support for VMX" and Appendix A "VMX Capability
 * Reporting Facility").
 */
#ifndef MV_VMX_CAPS_H
#define MV_VMX_CAPS_H

/*
 * Probe the boot CPU. Returns NULL when VT-x is usable by minivisor, or a
 * short phrase naming the first thing that is missing.
 */
const char *mv_vmx_probe(void);

#endif /* MV_VMX_CAPS_H */
