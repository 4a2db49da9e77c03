// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC in x2APIC mode (Intel SDM Vol. 3A, 11.12): the same
 * registers as the xAPIC page, reached as MSRs. Register offset R is MSR
 * 0x800 + R / 16 (11.12.1.2); the ICR is one 64-bit MSR, 0x830, with the
 * destination in its high half, and a register that is not there, or a
 * write to one that cannot be written, faults (#GP) instead of being
 * ignored. The ID and the logical destination follow from the vCPU's
 * number, and DFR is gone (11.12.5).
 */
#include <linux/bits.h>
#include <linux/errno.h>

#include "lapic.h"

/* ICR bits with no meaning in x2APIC mode, which fault (11.12.9). */
#define X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))

static unsigned int msr_register(u32 msr)
{
	return (msr - MV_X2APIC_MSR_FIRST) << 4;
}

int mv_x2apic_read(struct mv_lapic *lapic, u32 msr, u64 *data)
{
	unsigned int reg = msr_register(msr);
	u32 value;

	if (!mv_lapic_x2apic_mode(lapic) || reg == APIC_DFR)
		return -EINVAL;
	if (reg == APIC_ICR) {
		*data = mv_lapic_reg(lapic, APIC_ICR) |
			(u64)mv_lapic_reg(lapic, APIC_ICR2) << 32;
		return 0;
	}
	if (!mv_lapic_read(lapic, reg, &value))
		return -EINVAL;
	*data = value;
	return 0;
}

int mv_x2apic_write(struct mv_lapic *lapic, u32 msr, u64 data)
{
	unsigned int reg = msr_register(msr);

	if (!mv_lapic_x2apic_mode(lapic))
		return -EINVAL;
	if (reg == APIC_ICR) {
		if (data & X2APIC_ICR_RESERVED)
			return -EINVAL;
		data &= ~(u64)APIC_ICR_BUSY;
		mv_lapic_set_reg(lapic, APIC_ICR, data);
		mv_lapic_set_reg(lapic, APIC_ICR2, data >> 32);
		mv_lapic_send_ipi(lapic, data, data >> 32);
		return 0;
	}
	if (data >> 32 || !mv_lapic_write(lapic, reg, data))
		return -EINVAL;
	return 0;
}
