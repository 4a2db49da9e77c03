// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check architecture registers (Intel SDM Vol. 3B, chapter 16;
 * AMD APM Vol. 2, chapter 9): IA32_MCG_CAP, MCG_STATUS, MCG_CTL and, for
 * each of MV_MCE_BANKS banks, MCi_CTL, MCi_STATUS, MCi_ADDR and MCi_MISC
 * (MSRs 0x400 up, four a bank).
 *
 * A guest whose CPUID shows MCE and MCA (QEMU shows them to every guest)
 * sets up its banks at boot, and userspace saves and restores them with
 * KVM_GET/SET_MSRS. minivisor keeps them as state, checked as KVM checks
 * them; it never raises a machine check in a guest, so the banks only
 * ever hold what was written to them.
 */
#include <linux/bits.h>
#include <asm/mce.h>
#include <asm/msr-index.h>

#include "../vcpu.h"
#include "x86.h"

/* MCG_CAP: the bank count and MCG_CTL_P (MCG_CTL is present). */
#define MCG_CAP (MV_MCE_BANKS | MCG_CTL_P)

#define MCE_BANK_MSRS (4 * MV_MCE_BANKS)

/*
 * MCG_CTL and MCi_CTL take all ones (report every error) or zero. Like
 * KVM, bit 10 may be clear, which Linux does in bank 4 of AMD family 15
 * processors (the GART TLB erratum), and bit 0, which UnixWare clears in
 * bank 1.
 */
static bool valid_bank_ctl(u64 value)
{
	return !value || (value | BIT_ULL(10) | BIT_ULL(0)) == ~0ull;
}

int mv_x86_get_mce(struct mv_vcpu *vcpu, u32 index, u64 *data)
{
	struct mv_mce *mce = &vcpu->x86.mce;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*data = MCG_CAP;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = mce->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		*data = mce->mcg_ctl;
		return 0;
	}
	if (index < MSR_IA32_MC0_CTL ||
	    index >= MSR_IA32_MC0_CTL + MCE_BANK_MSRS)
		return -ENOENT;
	*data = mce->bank[index - MSR_IA32_MC0_CTL];
	return 0;
}

/*
 * host: userspace writes (KVM_SET_MSRS), which may set a bank's status to
 * restore it; the guest may only clear it.
 */
int mv_x86_set_mce(struct mv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct mv_mce *mce = &vcpu->x86.mce;
	unsigned int offset;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		return -EINVAL;
	case MSR_IA32_MCG_STATUS:
		mce->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (data && data != ~0ull)
			return -EINVAL;
		mce->mcg_ctl = data;
		return 0;
	}
	if (index < MSR_IA32_MC0_CTL ||
	    index >= MSR_IA32_MC0_CTL + MCE_BANK_MSRS)
		return -ENOENT;
	offset = index - MSR_IA32_MC0_CTL;
	if (offset % 4 == 0 && !valid_bank_ctl(data))
		return -EINVAL;
	if (offset % 4 == 1 && !host && data)
		return -EINVAL;
	mce->bank[offset] = data;
	return 0;
}
