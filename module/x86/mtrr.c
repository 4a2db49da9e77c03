// SPDX-License-Identifier: GPL-2.0
/*
 * Memory type range registers (Intel SDM Vol. 3A, section 12.11; AMD APM
 * Vol. 2, section 7.7): IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, the eleven
 * fixed-range registers and eight variable ranges.
 *
 * A guest's firmware and kernel read MTRRCAP and program the ranges at
 * boot (SeaBIOS does without checking CPUID first), and userspace saves
 * and restores them with KVM_GET/SET_MSRS. minivisor keeps them as state
 * and checks them as the CPU would (a valid memory type, no reserved bit
 * set, no address bit above the guest's MAXPHYADDR), but does not apply
 * them: guest memory is ordinary write-back host memory, and the EPT
 * entries say so whatever the guest programs here.
 */
#include <linux/bits.h>

#include "../vcpu.h"
#include "x86.h"

/* MTRRCAP: eight variable ranges, the fixed ranges, write-combining. */
#define MTRR_CAP (MV_MTRR_VARIABLE | BIT(8) | BIT(10))

/* MTRR_DEF_TYPE: the default type (7:0), FE (10) and E (11). */
#define MTRR_DEF_TYPE_BITS (GENMASK_ULL(7, 0) | BIT_ULL(10) | BIT_ULL(11))
/* IA32_MTRR_PHYSBASE0; PHYSBASEn and PHYSMASKn alternate from there. */
#define MTRR_PHYSBASE0 0x200
/*
 * PHYSBASEn: the type in 7:0, then 11:8 reserved. PHYSMASKn: 10:0
 * reserved, then the valid bit (11).
 */
#define MTRR_BASE_TYPE GENMASK_ULL(7, 0)

#define MTRR_CAP_MSR		0xfe
#define MTRR_DEF_TYPE_MSR	0x2ff

/* The fixed ranges: one of 64 KiB pieces, two of 16 KiB, eight of 4 KiB. */
static const u32 fixed_range_msr[MV_MTRR_FIXED] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e,
	0x26f,
};

/* UC, WC, WT, WP and WB; 2, 3 and 7 (UC-, a PAT type) are reserved. */
static bool valid_type(u8 type)
{
	return type < 8 && (BIT(type) & (BIT(0) | BIT(1) | BIT(4) | BIT(5) |
					 BIT(6)));
}

static int fixed_range(u32 index)
{
	int i;

	for (i = 0; i < MV_MTRR_FIXED; i++)
		if (fixed_range_msr[i] == index)
			return i;
	return -1;
}

/* The register at index, or NULL when it is no MTRR. */
static u64 *mtrr_register(struct mv_mtrr *mtrr, u32 index)
{
	int fixed = fixed_range(index);

	if (index == MTRR_DEF_TYPE_MSR)
		return &mtrr->def_type;
	if (fixed >= 0)
		return &mtrr->fixed[fixed];
	if (index >= MTRR_PHYSBASE0 &&
	    index < MTRR_PHYSBASE0 + 2 * MV_MTRR_VARIABLE)
		return &mtrr->variable[index - MTRR_PHYSBASE0];
	return NULL;
}

/* Whether value may go into the MTRR at index, as the CPU checks it. */
static bool valid_value(struct mv_vcpu *vcpu, u32 index, u64 value)
{
	u64 reserved_high = ~0ull << mv_x86_guest_maxphyaddr(vcpu);
	int i;

	if (index == MTRR_DEF_TYPE_MSR)
		return !(value & ~MTRR_DEF_TYPE_BITS) && valid_type(value);
	if (fixed_range(index) >= 0) {
		for (i = 0; i < 8; i++)
			if (!valid_type(value >> (8 * i)))
				return false;
		return true;
	}
	if ((index - MTRR_PHYSBASE0) % 2 == 0)
		return !(value & (reserved_high | GENMASK_ULL(11, 8))) &&
		       valid_type(value & MTRR_BASE_TYPE);
	return !(value & (reserved_high | GENMASK_ULL(10, 0)));
}

int mv_x86_get_mtrr(struct mv_vcpu *vcpu, u32 index, u64 *data)
{
	u64 *reg = mtrr_register(&vcpu->x86.mtrr, index);

	if (index == MTRR_CAP_MSR) {
		*data = MTRR_CAP;
		return 0;
	}
	if (!reg)
		return -ENOENT;
	*data = *reg;
	return 0;
}

int mv_x86_set_mtrr(struct mv_vcpu *vcpu, u32 index, u64 data)
{
	u64 *reg = mtrr_register(&vcpu->x86.mtrr, index);

	if (!reg)
		return index == MTRR_CAP_MSR ? -EINVAL : -ENOENT;
	if (!valid_value(vcpu, index, data))
		return -EINVAL;
	*reg = data;
	return 0;
}
