/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest segment registers in the VMCS (Intel SDM Vol. 3C, 25.4.1).
 *
 * Each segment has a selector, base, limit and access-rights field, and
 * the VMCS encodes the eight segments in the same order in each group,
 * two apart: ES, CS, SS, DS, FS, GS, LDTR, TR.
 */
#ifndef MV_VMX_SEGMENTS_H
#define MV_VMX_SEGMENTS_H

#include <linux/bits.h>
#include <linux/types.h>
#include <asm/vmx.h>

#include "insn.h"

enum mv_segment {
	MV_ES, MV_CS, MV_SS, MV_DS, MV_FS, MV_GS, MV_LDTR, MV_TR,
	MV_NR_SEGMENTS
};

#define SEGMENT_SELECTOR(seg)	(GUEST_ES_SELECTOR + 2 * (seg))
#define SEGMENT_BASE(seg)	(GUEST_ES_BASE + 2 * (seg))
#define SEGMENT_LIMIT(seg)	(GUEST_ES_LIMIT + 2 * (seg))
#define SEGMENT_AR(seg)		(GUEST_ES_AR_BYTES + 2 * (seg))

/* Access rights: 64-bit code, default operand size, unusable (null). */
#define SEGMENT_AR_L		BIT(13)
#define SEGMENT_AR_DB		BIT(14)
#define SEGMENT_AR_UNUSABLE	BIT(16)

/* Whether the guest runs 64-bit code: IA-32e mode and CS.L. */
static inline bool mv_vmx_long_mode(void)
{
	return (vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) &&
	       (vmcs_read(SEGMENT_AR(MV_CS)) & SEGMENT_AR_L);
}

/*
 * The linear address of the guest's next instruction, as KVM compares it:
 * RIP in 64-bit code, else CS.base + EIP, in 32 bits.
 */
static inline unsigned long mv_vmx_linear_rip(void)
{
	unsigned long rip = vmcs_read(GUEST_RIP);

	if (mv_vmx_long_mode())
		return rip;
	return (u32)(vmcs_read(SEGMENT_BASE(MV_CS)) + rip);
}

#endif /* MV_VMX_SEGMENTS_H */
