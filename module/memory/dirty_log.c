// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging: which guest pages were written since the VMM last asked
 * (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG,
 * api.rst 4.8 and 4.117), the base of live migration.
 *
 * minivisor uses write protection: a logged slot's pages are mapped
 * read-only, so the guest's first write to each exits (an EPT violation
 * on VT-x, fault.c), which marks the page in the slot's dirty bitmap and grants
 * write permission. Handing pages over write-protects them again, so that
 * the next write is seen too: each written page is reported exactly once
 * per round. (Bochs also offers EPT accessed/dirty bits and PML, which
 * save those faults; write protection needs nothing beyond EPT and is
 * what every VT-x CPU can do.)
 *
 * By default KVM_GET_DIRTY_LOG both reports and re-protects. With
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 enabled, it only reports, and the VMM
 * re-protects the pages it has dealt with by KVM_CLEAR_DIRTY_LOG, in
 * pieces of 64 pages; with KVM_DIRTY_LOG_INITIALLY_SET, logging starts
 * with every page marked dirty.
 */
#include <linux/bitmap.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../vm.h"
#include "memory.h"
#include "tables.h"

#define MV_MANUAL_PROTECT_FLAGS (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
				 KVM_DIRTY_LOG_INITIALLY_SET)

static size_t dirty_bitmap_bytes(u64 npages)
{
	return BITS_TO_LONGS(npages) * sizeof(long);
}

unsigned long *mv_dirty_bitmap_alloc(u64 npages)
{
	return kvzalloc(dirty_bitmap_bytes(npages), GFP_KERNEL_ACCOUNT);
}

void mv_dirty_log_set(struct mv_vm *vm, struct mv_memslot *slot, bool log,
		      unsigned long **bitmap)
{
	if (!log) {
		*bitmap = slot->dirty_bitmap;
		slot->dirty_bitmap = NULL;
		return;
	}
	if (slot->dirty_bitmap)
		return;
	slot->dirty_bitmap = *bitmap;
	*bitmap = NULL;
	if (vm->memory.manual_protect & KVM_DIRTY_LOG_INITIALLY_SET)
		bitmap_set(slot->dirty_bitmap, 0, slot->npages);
	/*
	 * Pages mapped writable before now must fault on their next write,
	 * and 2 MiB mappings give way to 4 KiB ones: unmap them all.
	 */
	tables_unmap(vm, slot->base_gfn, slot->npages, true);
}

void mv_dirty_log_mark(struct mv_memory *memory, u64 gfn)
{
	struct mv_memslot *slot;

	spin_lock(&memory->lock);
	slot = mv_memslot_find(memory, gfn);
	if (slot && slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
	spin_unlock(&memory->lock);
}

int mv_dirty_log_enable_manual_protect(struct mv_vm *vm, u64 flags)
{
	if (flags & ~MV_MANUAL_PROTECT_FLAGS ||
	    (flags && !(flags & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)))
		return -EINVAL;
	spin_lock(&vm->memory.lock);
	vm->memory.manual_protect = flags;
	spin_unlock(&vm->memory.lock);
	return 0;
}

/* The logged slot a request names (id in the low 16 bits), or an ERR_PTR. */
static struct mv_memslot *logged_slot(struct mv_memory *memory,
				      u32 slot_id)
{
	struct mv_memslot *slot;

	if (slot_id >= MV_NR_MEMSLOTS)
		return ERR_PTR(-EINVAL);
	slot = &memory->slots[slot_id];
	if (!slot->npages || !slot->dirty_bitmap)
		return ERR_PTR(-ENOENT);
	return slot;
}

int mv_dirty_log_get(struct mv_vm *vm, const struct kvm_dirty_log *log)
{
	struct mv_memory *memory = &vm->memory;
	struct mv_memslot *slot;
	unsigned long *dirty;
	size_t bytes;
	int ret = 0;

	mutex_lock(&memory->slots_lock);
	slot = logged_slot(memory, log->slot);
	if (IS_ERR(slot)) {
		mutex_unlock(&memory->slots_lock);
		return PTR_ERR(slot);
	}
	bytes = dirty_bitmap_bytes(slot->npages);
	dirty = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!dirty) {
		mutex_unlock(&memory->slots_lock);
		return -ENOMEM;
	}
	spin_lock(&memory->lock);
	memcpy(dirty, slot->dirty_bitmap, bytes);
	if (!(memory->manual_protect & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)) {
		memset(slot->dirty_bitmap, 0, bytes);
		tables_write_protect(vm, slot->base_gfn, slot->npages, dirty);
	}
	memory->dirty_log_passes++;
	spin_unlock(&memory->lock);
	mutex_unlock(&memory->slots_lock);

	if (copy_to_user(log->dirty_bitmap, dirty, bytes))
		ret = -EFAULT;
	kvfree(dirty);
	return ret;
}

/* The logged slot a KVM_CLEAR_DIRTY_LOG names, if its range is valid. */
static struct mv_memslot *clear_range_slot(struct mv_memory *memory,
					   const struct kvm_clear_dirty_log *log)
{
	struct mv_memslot *slot = logged_slot(memory, log->slot);

	if (IS_ERR(slot))
		return slot;
	if (log->first_page & 63 || log->first_page > slot->npages ||
	    log->num_pages > slot->npages - log->first_page ||
	    (log->num_pages & 63 &&
	     log->first_page + log->num_pages != slot->npages))
		return ERR_PTR(-EINVAL);
	return slot;
}

/*
 * KVM_CLEAR_DIRTY_LOG: the pages set in the VMM's bitmap are dealt with;
 * those still marked dirty are unmarked and write-protected again. The
 * range starts at a multiple of 64 pages and spans whole 64-page words,
 * except that it may end where the slot ends. The VMM's bitmap is read
 * with only the slots lock held: reading it may fault, and reclaim may
 * call the MMU notifier, which takes the memory lock.
 */
int mv_dirty_log_clear(struct mv_vm *vm,
		       const struct kvm_clear_dirty_log *log)
{
	size_t words = BITS_TO_LONGS(log->num_pages), i;
	struct mv_memory *memory = &vm->memory;
	unsigned long *clear, *dirty;
	struct mv_memslot *slot;

	mutex_lock(&memory->slots_lock);
	slot = clear_range_slot(memory, log);
	if (IS_ERR(slot))
		goto unlock;
	clear = vmemdup_user(log->dirty_bitmap, words * sizeof(long));
	if (IS_ERR(clear)) {
		slot = ERR_CAST(clear);
		goto unlock;
	}
	spin_lock(&memory->lock);
	dirty = slot->dirty_bitmap + log->first_page / BITS_PER_LONG;
	for (i = 0; i < words; i++) {
		clear[i] &= dirty[i];
		dirty[i] &= ~clear[i];
	}
	tables_write_protect(vm, slot->base_gfn + log->first_page,
			     log->num_pages, clear);
	spin_unlock(&memory->lock);
	kvfree(clear);
unlock:
	mutex_unlock(&memory->slots_lock);
	return PTR_ERR_OR_ZERO(slot);
}
