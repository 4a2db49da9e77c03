// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_SUPPORTED_CPUID: the processor a VMM may show its guests.
 *
 * The host's own CPUID leaves, less what minivisor cannot give a guest:
 * features that need VMX controls the backend does not enable (RDTSCP, INVPCID,
 * XSAVES), devices it does not emulate in the kernel (x2APIC, the TSC
 * deadline timer, the PMU), instructions it makes #UD (VMX, SMX,
 * MONITOR/MWAIT), and MSRs it does not virtualize. It adds what KVM adds:
 * the "hypervisor" bit and the hypervisor leaf 0x40000000 with a vendor
 * signature, "minivisor". VMMs pass (a subset of) this table to
 * KVM_SET_CPUID2.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "x86.h"

/*
 * Leaf 1 ECX: SSE3..AVX, without DTES64, MONITOR, DS-CPL, VMX, SMX, EST,
 * TM2, xTPR, PDCM, PCID, DCA, x2APIC, TSC-deadline, OSXSAVE.
 */
#define LEAF1_ECX (BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(19) | \
		   BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(26) | BIT(28) | \
		   BIT(29) | BIT(30))
#define LEAF1_ECX_HYPERVISOR BIT(31)
/* Leaf 1 EDX: all but DS, ACPI, TM, PBE (debug store and thermal). */
#define LEAF1_EDX (~(BIT(21) | BIT(22) | BIT(29) | BIT(31)))
/*
 * Leaf 7 EBX: FSGSBASE, BMI1, AVX2, SMEP, BMI2, ERMS, AVX-512, ADX, SMAP,
 * CLFLUSHOPT, CLWB, SHA; not INVPCID, RTM, HLE, MPX, PT, TSC_ADJUST.
 */
#define LEAF7_EBX (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | \
		   BIT(16) | BIT(17) | BIT(18) | BIT(19) | BIT(20) | BIT(21) | \
		   BIT(23) | BIT(24) | BIT(28) | BIT(29) | BIT(30) | BIT(31))
/* Leaf 0x80000001 EDX: SYSCALL, NX, 1 GiB pages, LM; ECX: LAHF, ABM. */
#define EXT1_EDX (BIT(11) | BIT(20) | BIT(26) | BIT(29))
#define EXT1_ECX (BIT(0) | BIT(5))
/* Leaf 0xd subleaf 0: the XCR0 bits the guest may set (cr.c). */
#define XCR0_GUEST_MASK 0xe7

#define MV_SUPPORTED_LEAVES 9

static void host_leaf(struct kvm_cpuid_entry2 *entry, u32 function,
		      u32 index, bool indexed)
{
	entry->function = function;
	entry->index = index;
	entry->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(function, index, &entry->eax, &entry->ebx, &entry->ecx,
		    &entry->edx);
}

static void clear_ebx_ecx_edx(struct kvm_cpuid_entry2 *entry)
{
	entry->ebx = 0;
	entry->ecx = 0;
	entry->edx = 0;
}

static int fill_supported(struct kvm_cpuid_entry2 *e)
{
	u32 signature[3];
	int n = 0;

	host_leaf(&e[n], 0, 0, false);
	e[n].eax = min_t(u32, e[n].eax, 0xd);
	n++;

	host_leaf(&e[n], 1, 0, false);
	e[n].ecx = (e[n].ecx & LEAF1_ECX) | LEAF1_ECX_HYPERVISOR;
	e[n].edx &= LEAF1_EDX;
	n++;

	host_leaf(&e[n], 7, 0, true);
	e[n].eax = 0;
	e[n].ebx &= LEAF7_EBX;
	e[n].ecx = 0;
	e[n].edx = 0;
	n++;

	host_leaf(&e[n], 0xd, 0, true);
	e[n].eax &= XCR0_GUEST_MASK;
	e[n].edx = 0;
	n++;
	host_leaf(&e[n], 0xd, 1, true);
	e[n].eax &= BIT(0) | BIT(2);	/* XSAVEOPT, XGETBV with ECX = 1 */
	clear_ebx_ecx_edx(&e[n]);
	n++;

	memcpy(signature, "minivisor\0\0\0", sizeof(signature));
	e[n].function = 0x40000000;
	e[n].eax = 0x40000000;
	e[n].ebx = signature[0];
	e[n].ecx = signature[1];
	e[n].edx = signature[2];
	n++;

	host_leaf(&e[n], 0x80000000, 0, false);
	e[n].eax = min_t(u32, e[n].eax, 0x80000008);
	n++;
	host_leaf(&e[n], 0x80000001, 0, false);
	e[n].ecx &= EXT1_ECX;
	e[n].edx &= EXT1_EDX;
	n++;
	host_leaf(&e[n], 0x80000008, 0, false);	/* address sizes */
	clear_ebx_ecx_edx(&e[n]);
	n++;
	return n;
}

int mv_x86_supported_cpuid(struct kvm_cpuid2 __user *user)
{
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 header;
	int nent, ret = 0;

	if (copy_from_user(&header, user, sizeof(header)))
		return -EFAULT;
	if (header.nent < MV_SUPPORTED_LEAVES)
		return -E2BIG;

	entries = kcalloc(MV_SUPPORTED_LEAVES, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	nent = fill_supported(entries);
	header.nent = nent;
	if (copy_to_user(user, &header, sizeof(header)) ||
	    copy_to_user(user->entries, entries, nent * sizeof(*entries)))
		ret = -EFAULT;
	kfree(entries);
	return ret;
}
