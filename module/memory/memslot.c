// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: which guest-physical ranges are memory, and where that memory
 * lives in the VMM process (KVM_SET_USER_MEMORY_REGION, api.rst 4.35).
 *
 * A memslot maps a page-aligned guest-physical range onto a range of the
 * process's address space. Guest accesses outside every slot are MMIO,
 * for the VMM to emulate. Slots may be added, deleted (size 0), moved to
 * another guest address, or have their flags changed; a change that takes
 * memory away from the guest first unmaps it from the page tables.
 *
 * Two flags change how a slot's pages are mapped:
 *   KVM_MEM_READONLY: pages are mapped without write permission, and a
 *     guest write exits to userspace as an MMIO write (ROM, flash).
 *   KVM_MEM_LOG_DIRTY_PAGES: the VMM wants to know which pages the guest
 *     writes (live migration): see dirty_log.c. The write fault that
 *     grants write permission marks the page in the slot's dirty bitmap.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "../backend.h"
#include "../vm.h"
#include "memory.h"
#include "tables.h"

/* Flags a slot may carry. */
#define MV_MEMSLOT_FLAGS (KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

/* The most KVM_SET_USER_MEMORY_REGION takes in one slot, as KVM. */
#define MV_MEM_MAX_NR_PAGES	((1ull << 31) - 1)

/* Four levels of page tables translate 48 bits of guest-physical address. */
#define MV_GPA_BITS		48

int mv_memory_init(struct mv_vm *vm)
{
	mutex_init(&vm->memory.slots_lock);
	spin_lock_init(&vm->memory.lock);
	return mv_backend ? mv_backend->tables_create(vm) : 0;
}

void mv_memory_destroy(struct mv_vm *vm)
{
	struct mv_memslot *slot;

	if (vm->tables)
		mv_backend->tables_destroy(vm);
	for (slot = vm->memory.slots;
	     slot < vm->memory.slots + MV_NR_MEMSLOTS; slot++)
		kvfree(slot->dirty_bitmap);
}

bool mv_memory_range_valid(u64 gfn, u64 npages)
{
	unsigned int bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits,
				  MV_GPA_BITS);
	u64 frames = 1ull << (bits - PAGE_SHIFT);

	return npages <= MV_MEM_MAX_NR_PAGES && gfn <= frames &&
	       npages <= frames - gfn;
}

struct mv_memslot *mv_memslot_find(struct mv_memory *memory, u64 gfn)
{
	struct mv_memslot *slot;

	for (slot = memory->slots; slot < memory->slots + MV_NR_MEMSLOTS;
	     slot++)
		if (slot->npages && !slot->deleting && gfn >= slot->base_gfn &&
		    gfn < slot->base_gfn + slot->npages)
			return slot;
	return NULL;
}

bool mv_memslots_overlap(struct mv_memory *memory, struct mv_memslot *self,
			 u64 base_gfn, u64 npages)
{
	struct mv_memslot *slot;

	for (slot = memory->slots; slot < memory->slots + MV_NR_MEMSLOTS;
	     slot++)
		if (slot != self && slot->npages &&
		    base_gfn < slot->base_gfn + slot->npages &&
		    slot->base_gfn < base_gfn + npages)
			return true;
	return false;
}

int mv_memslot_check(const struct kvm_userspace_memory_region *region)
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
	if (!region->memory_size)
		return 0;
	if (!access_ok((void __user *)(unsigned long)region->userspace_addr,
		       region->memory_size))
		return -EINVAL;
	/* Beyond what page tables can map, or more than KVM takes. */
	if (!mv_memory_range_valid(region->guest_phys_addr >> PAGE_SHIFT,
				   region->memory_size >> PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

/*
 * While its pages are unmapped (which may drop the lock to reschedule),
 * the slot is hidden from faults but not from the MMU notifier, which
 * must still unmap what the process changes there. Its dirty bitmap is
 * handed back in *old_bitmap.
 */
static void memslot_delete(struct mv_vm *vm, struct mv_memslot *slot,
			   unsigned long **old_bitmap)
{
	slot->deleting = true;
	mv_dirty_log_set(vm, slot, false, old_bitmap);
	tables_unmap(vm, slot->base_gfn, slot->npages, true);
	slot->deleting = false;
	slot->npages = 0;
}

/*
 * Make the slot what region says, with both memory locks held; a slot that
 * starts logging takes *bitmap, one that stops hands its own back in
 * *old_bitmap.
 */
static int memslot_update(struct mv_vm *vm,
			  const struct kvm_userspace_memory_region *region,
			  unsigned long **bitmap, unsigned long **old_bitmap)
{
	struct mv_memory *memory = &vm->memory;
	struct mv_memslot *slot = &memory->slots[region->slot];
	u64 base_gfn = region->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = region->memory_size >> PAGE_SHIFT;
	bool log = region->flags & KVM_MEM_LOG_DIRTY_PAGES;

	/* A fault in flight must not map through the old slots. */
	memory->invalidate_seq++;
	if (!npages) {
		if (!slot->npages)
			return -EINVAL;
		memslot_delete(vm, slot, old_bitmap);
		return 0;
	}

	if (slot->npages) {
		/* An existing slot may move or change flags, nothing else. */
		if (region->userspace_addr != slot->userspace_addr ||
		    npages != slot->npages ||
		    (region->flags ^ slot->flags) & KVM_MEM_READONLY)
			return -EINVAL;
		if (base_gfn == slot->base_gfn) {
			slot->flags = region->flags;
			mv_dirty_log_set(vm, slot, log,
					 log ? bitmap : old_bitmap);
			return 0;
		}
	}
	if (mv_memslots_overlap(memory, slot, base_gfn, npages))
		return -EEXIST;

	if (slot->npages)
		memslot_delete(vm, slot, old_bitmap);
	slot->base_gfn = base_gfn;
	slot->npages = npages;
	slot->userspace_addr = region->userspace_addr;
	slot->flags = region->flags;
	if (log)
		mv_dirty_log_set(vm, slot, true, bitmap);
	return 0;
}

int mv_memslot_set(struct mv_vm *vm,
		   const struct kvm_userspace_memory_region *region)
{
	unsigned long *bitmap = NULL, *old_bitmap = NULL;
	int ret;

	if (region->flags & KVM_MEM_LOG_DIRTY_PAGES && region->memory_size) {
		bitmap = mv_dirty_bitmap_alloc(region->memory_size >> PAGE_SHIFT);
		if (!bitmap)
			return -ENOMEM;
	}
	mutex_lock(&vm->memory.slots_lock);
	spin_lock(&vm->memory.lock);
	ret = memslot_update(vm, region, &bitmap, &old_bitmap);
	spin_unlock(&vm->memory.lock);
	mutex_unlock(&vm->memory.slots_lock);
	kvfree(bitmap);		/* not taken: the slot logs already, or no slot */
	kvfree(old_bitmap);
	return ret;
}

void mv_memory_usage(struct mv_vm *vm, struct mv_memory_usage *usage)
{
	struct mv_memory *memory = &vm->memory;
	unsigned int i;

	spin_lock(&memory->lock);
	usage->slot_bytes = 0;
	for (i = 0; i < MV_NR_MEMSLOTS; i++)
		usage->slot_bytes += memory->slots[i].npages << PAGE_SHIFT;
	usage->mapped_4k = 0;
	usage->mapped_2m = 0;
	if (vm->tables)
		mv_backend->tables_usage(vm, &usage->mapped_4k,
					 &usage->mapped_2m);
	usage->dirty_log_passes = memory->dirty_log_passes;
	spin_unlock(&memory->lock);
}
