// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: which guest-physical ranges are memory, and where that memory
 * lives in the VMM process (KVM_SET_USER_MEMORY_REGION, api.rst 4.35).
 *
 * A memslot maps a page-aligned guest-physical range onto a range of the
 * process's address space. Guest accesses outside every slot are MMIO,
 * for the VMM to emulate. Slots may be added, deleted (size 0), moved to
 * another guest address, or have their flags changed; a change that takes
 * memory away from the guest first unmaps it from the EPT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "../vcpu.h"
#include "../vm.h"
#include "../vmx/vmx.h"
#include "ept.h"

/* Flags a slot may carry; each joins here when it works. */
#define MV_MEMSLOT_FLAGS 0

struct mv_memslot *mv_memslot_find(struct mv_ept *ept, u64 gfn)
{
	struct mv_memslot *slot;

	for (slot = ept->slots; slot < ept->slots + MV_NR_MEMSLOTS; slot++)
		if (slot->npages && gfn >= slot->base_gfn &&
		    gfn < slot->base_gfn + slot->npages)
			return slot;
	return NULL;
}

static bool memslot_overlaps(struct mv_ept *ept, struct mv_memslot *self,
			     u64 base_gfn, u64 npages)
{
	struct mv_memslot *slot;

	for (slot = ept->slots; slot < ept->slots + MV_NR_MEMSLOTS; slot++)
		if (slot != self && slot->npages &&
		    base_gfn < slot->base_gfn + slot->npages &&
		    slot->base_gfn < base_gfn + npages)
			return true;
	return false;
}

static int memslot_check(const struct kvm_userspace_memory_region *region)
{
	if (region->flags & ~MV_MEMSLOT_FLAGS)
		return -EINVAL;
	if (region->slot >= MV_NR_MEMSLOTS)
		return -EINVAL;
	if (!PAGE_ALIGNED(region->memory_size) ||
	    !PAGE_ALIGNED(region->guest_phys_addr) ||
	    !PAGE_ALIGNED(region->userspace_addr))
		return -EINVAL;
	if (region->guest_phys_addr + region->memory_size <
	    region->guest_phys_addr)
		return -EINVAL;
	if (region->memory_size &&
	    !access_ok((void __user *)(unsigned long)region->userspace_addr,
		       region->memory_size))
		return -EINVAL;
	return 0;
}

static int memslot_update(struct mv_vm *vm,
			  const struct kvm_userspace_memory_region *region)
{
	struct mv_ept *ept = &vm->ept;
	struct mv_memslot *slot = &ept->slots[region->slot];
	u64 base_gfn = region->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = region->memory_size >> PAGE_SHIFT;

	/* A fault in flight must not map through the old slots. */
	ept->invalidate_seq++;
	if (!npages) {
		if (!slot->npages)
			return -EINVAL;
		mv_ept_unmap(vm, slot->base_gfn, slot->npages);
		slot->npages = 0;
		return 0;
	}

	if (slot->npages) {
		/* An existing slot may move or change flags, nothing else. */
		if (region->userspace_addr != slot->userspace_addr ||
		    npages != slot->npages)
			return -EINVAL;
		if (base_gfn == slot->base_gfn && region->flags == slot->flags)
			return 0;
	}
	if (memslot_overlaps(ept, slot, base_gfn, npages))
		return -EEXIST;

	if (slot->npages)
		mv_ept_unmap(vm, slot->base_gfn, slot->npages);
	slot->base_gfn = base_gfn;
	slot->npages = npages;
	slot->userspace_addr = region->userspace_addr;
	slot->flags = region->flags;
	return 0;
}

int mv_ept_set_memory_region(struct mv_vm *vm,
			     const struct kvm_userspace_memory_region *region)
{
	int ret = memslot_check(region);

	if (ret)
		return ret;
	mutex_lock(&vm->ept.lock);
	ret = memslot_update(vm, region);
	mutex_unlock(&vm->ept.lock);
	return ret;
}

/*
 * EPT violation: a guest access the EPT does not allow. Inside a memslot
 * this is the first touch of the page: fault it in from the process and
 * map it. Outside every memslot it is MMIO, which the VMM handles.
 */
int mv_ept_handle_violation(struct mv_vcpu *vcpu, u64 gpa,
			    unsigned long qualification)
{
	struct mv_ept *ept = &vcpu->vm->ept;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mv_memslot *slot;
	unsigned long hva, seq;
	struct page *page;
	int ret;

	mutex_lock(&ept->lock);
	slot = mv_memslot_find(ept, gfn);
	if (!slot) {
		mutex_unlock(&ept->lock);
		return mv_vmx_handle_mmio(vcpu, gpa);
	}
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
	seq = ept->invalidate_seq;
	mutex_unlock(&ept->lock);

	if (get_user_pages_unlocked(hva, 1, &page, FOLL_WRITE) != 1) {
		pr_warn_ratelimited("guest page %#llx: process memory at %#lx is gone\n",
				    gpa, hva);
		return -EFAULT;
	}

	mutex_lock(&ept->lock);
	if (seq != ept->invalidate_seq || ept->invalidations_in_progress)
		ret = -EAGAIN;	/* the page may be stale: fault again */
	else
		ret = mv_ept_map(ept, gfn, page, true);
	mutex_unlock(&ept->lock);
	if (ret)
		put_page(page);
	return ret == -ENOMEM ? -ENOMEM : 1;
}
