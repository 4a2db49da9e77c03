// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what the guest learns about its processor.
 *
 * CPUID always exits (Intel SDM Vol. 3C, 26.1.2). The answers come from
 * the table userspace gave with KVM_SET_CPUID2, as in KVM: the VMM decides
 * what the guest sees. Before KVM_SET_CPUID2 every leaf reads as zeros.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../vcpu.h"
#include "x86.h"

/* The most entries KVM accepts in KVM_SET_CPUID2. */
#define MV_MAX_CPUID_ENTRIES 256

/* The entry for function (and index, where the entry says it counts). */
static const struct kvm_cpuid_entry2 *cpuid_find(struct mv_vcpu *vcpu,
						 u32 function, u32 index,
						 bool any_index)
{
	const struct kvm_cpuid_entry2 *entry;
	int i;

	for (i = 0; i < vcpu->x86.cpuid_nent; i++) {
		entry = &vcpu->x86.cpuid[i];
		if (entry->function == function &&
		    (any_index || entry->index == index ||
		     !(entry->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return entry;
	}
	return NULL;
}

/* Leaf 0 spells the vendor in EBX, EDX, ECX. */
static bool vendor_is(const struct kvm_cpuid_entry2 *basic, const char *name)
{
	u32 vendor[3];

	memcpy(vendor, name, sizeof(vendor));
	return basic->ebx == vendor[0] && basic->edx == vendor[1] &&
	       basic->ecx == vendor[2];
}

/*
 * A leaf missing from the table: Intel CPUs answer a leaf beyond the
 * highest of its range (basic, hypervisor 0x4000xxxx, extended 0x8000xxxx,
 * 0xc000xxxx) with the highest basic leaf, and so does KVM unless the
 * table names an AMD or Hygon CPU. Within the range, zeros.
 */
static const struct kvm_cpuid_entry2 *cpuid_out_of_range(struct mv_vcpu *vcpu,
							 u32 function,
							 u32 index)
{
	const struct kvm_cpuid_entry2 *basic, *range;
	u32 first;

	basic = cpuid_find(vcpu, 0, 0, true);
	if (!basic || vendor_is(basic, "AuthenticAMD") ||
	    vendor_is(basic, "HygonGenuine"))
		return NULL;

	if (function >= 0x40000000 && function <= 0x4fffffff)
		first = function & 0xffffff00;
	else if (function >= 0xc0000000)
		first = 0xc0000000;
	else
		first = function & 0x80000000;
	range = cpuid_find(vcpu, first, 0, true);
	if (range && function <= range->eax)
		return NULL;
	return cpuid_find(vcpu, basic->eax, index, false);
}

/* One register of the guest's CPUID leaf (0 EAX ... 3 EDX), 0 if absent. */
u32 mv_x86_guest_cpuid(struct mv_vcpu *vcpu, u32 function, u32 index,
		       unsigned int reg)
{
	const struct kvm_cpuid_entry2 *entry;

	entry = cpuid_find(vcpu, function, index, false);
	if (!entry)
		return 0;
	return (&entry->eax)[reg];
}

/*
 * The guest's physical-address width: CPUID 0x80000008 EAX[7:0], or 36
 * when its CPUID has no such leaf (Intel SDM Vol. 3A, section 4.1.4).
 */
unsigned int mv_x86_guest_maxphyaddr(struct mv_vcpu *vcpu)
{
	u32 width = mv_x86_guest_cpuid(vcpu, 0x80000008, 0, 0) & 0xff;

	return width >= 32 && width <= 52 ? width : 36;
}

/* The CPUID instruction, on the guest's registers; then it is done. */
void mv_x86_cpuid(struct mv_vcpu *vcpu)
{
	unsigned long *regs = vcpu->x86.regs;
	const struct kvm_cpuid_entry2 *entry;
	u32 function = regs[MV_RAX], index = regs[MV_RCX];

	entry = cpuid_find(vcpu, function, index, false);
	if (!entry)
		entry = cpuid_out_of_range(vcpu, function, index);
	regs[MV_RAX] = entry ? entry->eax : 0;
	regs[MV_RBX] = entry ? entry->ebx : 0;
	regs[MV_RCX] = entry ? entry->ecx : 0;
	regs[MV_RDX] = entry ? entry->edx : 0;
}

int mv_x86_set_cpuid(struct mv_vcpu *vcpu, struct kvm_cpuid2 __user *user)
{
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 header;

	if (copy_from_user(&header, user, sizeof(header)))
		return -EFAULT;
	if (header.nent > MV_MAX_CPUID_ENTRIES)
		return -E2BIG;

	/* Kept as long as the vCPU: charged to the caller's memory cgroup. */
	entries = kmalloc_array(header.nent, sizeof(*entries),
				GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	if (copy_from_user(entries, user->entries,
			   array_size(header.nent, sizeof(*entries)))) {
		kfree(entries);
		return -EFAULT;
	}

	kfree(vcpu->x86.cpuid);
	vcpu->x86.cpuid = entries;
	vcpu->x86.cpuid_nent = header.nent;
	return 0;
}

void mv_x86_cpuid_free(struct mv_vcpu *vcpu)
{
	kfree(vcpu->x86.cpuid);
}

int mv_x86_get_cpuid(struct mv_vcpu *vcpu, struct kvm_cpuid2 __user *user)
{
	struct kvm_cpuid2 header;
	int nent = vcpu->x86.cpuid_nent;

	if (copy_from_user(&header, user, sizeof(header)))
		return -EFAULT;
	if (header.nent < nent)
		return -E2BIG;	/* as in KVM 6.1: nent is not written back */
	header.nent = nent;
	if (copy_to_user(user, &header, sizeof(header)) ||
	    copy_to_user(user->entries, vcpu->x86.cpuid,
			 array_size(nent, sizeof(*vcpu->x86.cpuid))))
		return -EFAULT;
	return 0;
}
