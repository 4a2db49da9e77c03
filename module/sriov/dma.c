// SPDX-License-Identifier: GPL-2.0
/*
 * DMA of assigned functions: the VM's own IOMMU domain.
 *
 * A device that does DMA knows nothing of guests: it reads and writes the
 * addresses the guest's driver gave it, which are guest-physical. The
 * IOMMU (Intel VT-d; the VT-d specification, chapter 3, "DMA Remapping")
 * translates each DMA address through the tables of the domain its
 * function is attached to, much as the second-level page tables
 * translate the CPU's guest accesses. So a VM with assigned functions gets a domain of its own in
 * which every memslot is mapped guest-physical to host-physical, and the
 * functions' IOMMU groups are attached to it: the device reaches the
 * guest's memory at the guest's addresses and nothing else. A DMA to any
 * other address faults in the IOMMU.
 *
 * Unlike those tables, which fault pages in on first touch and let the
 * process's memory move under them (the MMU notifier), an IOMMU mapping
 * cannot be faulted: the device does not retry. The memslots' pages are
 * therefore pinned (pin_user_pages, FOLL_LONGTERM) and mapped in full for
 * as long as the VM has a function with an IOMMU, and the mapping follows
 * every memslot change (the VM's ioctl, vm.c, calls in under the VM's
 * devices lock). Pinned pages are locked memory: they count in the process's locked_vm
 * and against its RLIMIT_MEMLOCK, as mlock()ed pages do (CAP_IPC_LOCK
 * lifts the limit, not the count).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../vm.h"
#include "assign.h"

static void dma_unpin(struct mv_vm *vm, struct mv_dma_slot *dma)
{
	if (!dma->pages)
		return;
	/* The device may have written any writable page. */
	unpin_user_pages_dirty_lock(dma->pages, dma->npages, dma->writable);
	account_locked_vm(vm->mm, dma->npages, false);
	kvfree(dma->pages);
	dma->pages = NULL;
}

/* Pin the pages of the process's range a slot covers (the caller's mm). */
static int dma_pin(struct mv_vm *vm, struct mv_dma_slot *dma)
{
	unsigned int gup_flags = FOLL_LONGTERM | (dma->writable ? FOLL_WRITE : 0);
	u64 done = 0;
	long pinned;
	int ret;

	ret = account_locked_vm(vm->mm, dma->npages, true);
	if (ret)
		return ret;
	dma->pages = kvcalloc(dma->npages, sizeof(*dma->pages),
			      GFP_KERNEL_ACCOUNT);
	if (!dma->pages) {
		account_locked_vm(vm->mm, dma->npages, false);
		return -ENOMEM;
	}
	while (done < dma->npages) {
		pinned = pin_user_pages_fast(dma->userspace_addr +
					     (done << PAGE_SHIFT),
					     min_t(u64, dma->npages - done, INT_MAX),
					     gup_flags, dma->pages + done);
		if (pinned <= 0) {
			unpin_user_pages(dma->pages, done);
			account_locked_vm(vm->mm, dma->npages, false);
			kvfree(dma->pages);
			dma->pages = NULL;
			return pinned ? pinned : -EFAULT;
		}
		done += pinned;
	}
	return 0;
}

/* Map a pinned slot into the domain, physically contiguous runs at once. */
static int dma_map(struct iommu_domain *domain, struct mv_dma_slot *dma)
{
	int prot = IOMMU_READ | (dma->writable ? IOMMU_WRITE : 0);
	u64 first, next;
	int ret;

	for (first = 0; first < dma->npages; first = next) {
		for (next = first + 1; next < dma->npages; next++)
			if (page_to_pfn(dma->pages[next]) !=
			    page_to_pfn(dma->pages[first]) + (next - first))
				break;
		ret = iommu_map(domain, (dma->base_gfn + first) << PAGE_SHIFT,
				page_to_phys(dma->pages[first]),
				(next - first) << PAGE_SHIFT, prot);
		if (ret) {
			iommu_unmap(domain, dma->base_gfn << PAGE_SHIFT,
				    first << PAGE_SHIFT);
			return ret;
		}
	}
	return 0;
}

static void dma_unmap_slot(struct mv_vm *vm, struct mv_dma_slot *dma)
{
	if (!dma->pages)
		return;
	iommu_unmap(vm->devices.domain, dma->base_gfn << PAGE_SHIFT,
		    dma->npages << PAGE_SHIFT);
	dma_unpin(vm, dma);
}

int mv_dma_slot_prepare(struct mv_vm *vm,
			const struct kvm_userspace_memory_region *region,
			struct mv_dma_slot *prepared)
{
	struct mv_dma_slot *now = &vm->devices.dma_slots[region->slot];

	*prepared = (struct mv_dma_slot) {
		.base_gfn = region->guest_phys_addr >> PAGE_SHIFT,
		.npages = region->memory_size >> PAGE_SHIFT,
		.userspace_addr = region->userspace_addr,
		.writable = !(region->flags & KVM_MEM_READONLY),
	};
	if (!vm->devices.domain) {
		prepared->unchanged = true;
		return 0;
	}
	/* A change of flags alone (dirty logging) keeps the mapping. */
	if (now->pages && now->base_gfn == prepared->base_gfn &&
	    now->npages == prepared->npages &&
	    now->userspace_addr == prepared->userspace_addr) {
		prepared->unchanged = true;
		return 0;
	}
	return prepared->npages ? dma_pin(vm, prepared) : 0;
}

void mv_dma_slot_unprepare(struct mv_vm *vm, struct mv_dma_slot *prepared)
{
	dma_unpin(vm, prepared);
}

int mv_dma_slot_commit(struct mv_vm *vm, unsigned int slot,
		       struct mv_dma_slot *prepared)
{
	struct mv_dma_slot *now = &vm->devices.dma_slots[slot];
	int ret;

	if (prepared->unchanged)
		return 0;
	dma_unmap_slot(vm, now);
	if (!prepared->pages)
		return 0;
	ret = dma_map(vm->devices.domain, prepared);
	if (ret) {
		pr_warn_ratelimited("VM %u: memslot %u not mapped for DMA (%d)\n",
				    vm->id, slot, ret);
		dma_unpin(vm, prepared);
		return ret;
	}
	*now = *prepared;
	return 0;
}

static void dma_unmap_all(struct mv_vm *vm)
{
	unsigned int i;

	for (i = 0; i < MV_NR_MEMSLOTS; i++)
		dma_unmap_slot(vm, &vm->devices.dma_slots[i]);
}

/* A domain for the VM with every memslot mapped. */
static int dma_domain_create(struct mv_vm *vm)
{
	struct mv_memslot *slot;
	struct mv_dma_slot *dma;
	unsigned int i;
	int ret;

	vm->devices.domain = iommu_domain_alloc(&pci_bus_type);
	if (!vm->devices.domain)
		return -ENOMEM;
	for (i = 0; i < MV_NR_MEMSLOTS; i++) {
		slot = &vm->memory.slots[i];
		dma = &vm->devices.dma_slots[i];
		if (!slot->npages)
			continue;
		*dma = (struct mv_dma_slot) {
			.base_gfn = slot->base_gfn,
			.npages = slot->npages,
			.userspace_addr = slot->userspace_addr,
			.writable = !(slot->flags & KVM_MEM_READONLY),
		};
		ret = dma_pin(vm, dma);
		if (!ret) {
			ret = dma_map(vm->devices.domain, dma);
			if (ret)
				dma_unpin(vm, dma);
		}
		if (ret) {
			dma_unmap_all(vm);
			iommu_domain_free(vm->devices.domain);
			vm->devices.domain = NULL;
			return ret;
		}
	}
	return 0;
}

static void dma_domain_destroy(struct mv_vm *vm)
{
	dma_unmap_all(vm);
	iommu_domain_free(vm->devices.domain);
	vm->devices.domain = NULL;
}

/* Another function of the VM, not this one, in the same IOMMU group. */
static bool group_shared(struct mv_vm *vm, struct mv_assigned *self)
{
	struct mv_assigned *other;

	list_for_each_entry(other, &vm->devices.assigned, node)
		if (other != self && other->group == self->group)
			return true;
	return false;
}

/* With mv_vm_devices.lock held, before assigned joins the VM's list. */
int mv_dma_attach(struct mv_vm *vm, struct mv_assigned *assigned)
{
	bool created = false;
	int ret;

	if (!assigned->group || group_shared(vm, assigned))
		return 0;
	if (!vm->devices.domain) {
		ret = dma_domain_create(vm);
		if (ret)
			return ret;
		created = true;
	}
	ret = iommu_attach_group(vm->devices.domain, assigned->group);
	if (ret) {
		pci_info_ratelimited(assigned->pdev, "minivisor: IOMMU group %d not attached to VM %u (%d)\n",
				     iommu_group_id(assigned->group), vm->id,
				     ret);
		if (created)
			dma_domain_destroy(vm);
	}
	return ret;
}

/* With mv_vm_devices.lock held, while assigned is still on the list. */
void mv_dma_detach(struct mv_vm *vm, struct mv_assigned *assigned)
{
	struct mv_assigned *other;

	if (!assigned->group || group_shared(vm, assigned))
		return;
	iommu_detach_group(vm->devices.domain, assigned->group);
	list_for_each_entry(other, &vm->devices.assigned, node)
		if (other != assigned && other->group)
			return;
	dma_domain_destroy(vm);
}
