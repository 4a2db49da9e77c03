// SPDX-License-Identifier: GPL-2.0
/*
 * Keeping the page tables true to the process's memory: the MMU notifier.
 *
 * Guest memory is the VMM process's memory, and the kernel changes that
 * mapping whenever it likes: munmap, swap-out, page migration, the
 * copy-on-write split after fork. Each change is announced to MMU
 * notifiers before it happens (invalidate_range_start) and after
 * (invalidate_range_end). minivisor drops the second-level mappings of
 * the guest pages in the range at the start, so the guest can never reach a page
 * the process no longer owns; the next guest access faults the new page
 * in (fault.c).
 *
 * A fault that raced with an invalidation must not map the page it found:
 * it might be the old one. The process's page table changes between start
 * and end, so a lookup anywhere in that window, or before it, may have
 * found the old page. The protocol is KVM's: start raises an in-progress
 * count and widens the range of process addresses under invalidation, end
 * lowers the count and only then bumps a sequence number. A fault reads
 * the sequence number before its lookup and, with the memory lock held
 * again to map, gives up if an invalidation of its address is in progress
 * or the number moved: either way one overlapped its lookup. The guest then
 * faults again and looks again. (Invalidations elsewhere in the process,
 * which come all the time, hold back no fault.)
 *
 * The notifier may be called where it must not sleep (the OOM reaper
 * reaping a killed VMM's memory): then it may not fail either, for the
 * core would still call its end. The memory lock is a spinlock for that
 * reason, and the walk does not stop to reschedule there.
 */
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

#include "../delay.h"
#include "../vm.h"
#include "memory.h"
#include "tables.h"

static struct mv_vm *notifier_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct mv_vm, memory.notifier);
}

/* Unmap every guest page whose host address lies in [start, end). */
static void unmap_host_range(struct mv_vm *vm, unsigned long start,
			     unsigned long end, bool may_block)
{
	struct mv_memslot *slot;
	unsigned long first, last;
	u64 first_page, end_page;

	for (slot = vm->memory.slots;
	     slot < vm->memory.slots + MV_NR_MEMSLOTS; slot++) {
		if (!slot->npages)
			continue;
		first = max(start, slot->userspace_addr);
		last = min(end, slot->userspace_addr +
			   (slot->npages << PAGE_SHIFT));
		if (first >= last)
			continue;
		first_page = (first - slot->userspace_addr) >> PAGE_SHIFT;
		end_page = DIV_ROUND_UP(last - slot->userspace_addr, PAGE_SIZE);
		tables_unmap(vm, slot->base_gfn + first_page,
			     end_page - first_page, may_block);
	}
}

static int mv_invalidate_range_start(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	bool may_block = mmu_notifier_range_blockable(range);
	struct mv_vm *vm = notifier_vm(mn);

	spin_lock(&vm->memory.lock);
	if (!vm->memory.invalidations_in_progress++) {
		vm->memory.invalidate_start = range->start;
		vm->memory.invalidate_end = range->end;
	} else {
		/* Several at once: one range that covers them all. */
		vm->memory.invalidate_start =
			min(vm->memory.invalidate_start, range->start);
		vm->memory.invalidate_end =
			max(vm->memory.invalidate_end, range->end);
	}
	unmap_host_range(vm, range->start, range->end, may_block);
	spin_unlock(&vm->memory.lock);
	if (may_block)
		mv_delay_invalidate();
	return 0;
}

static void mv_invalidate_range_end(struct mmu_notifier *mn,
				    const struct mmu_notifier_range *range)
{
	struct mv_vm *vm = notifier_vm(mn);

	spin_lock(&vm->memory.lock);
	vm->memory.invalidate_seq++;
	vm->memory.invalidations_in_progress--;
	spin_unlock(&vm->memory.lock);
}

bool mv_memory_fault_must_retry(struct mv_memory *memory, unsigned long seq,
				unsigned long hva)
{
	lockdep_assert_held(&memory->lock);
	if (memory->invalidations_in_progress &&
	    hva >= memory->invalidate_start && hva < memory->invalidate_end)
		return true;
	return memory->invalidate_seq != seq;
}

/* The process is going away: none of its memory stays mapped. */
static void mv_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mv_vm *vm = notifier_vm(mn);

	spin_lock(&vm->memory.lock);
	unmap_host_range(vm, 0, TASK_SIZE_MAX, true);
	vm->memory.invalidate_seq++;
	spin_unlock(&vm->memory.lock);
}

static const struct mmu_notifier_ops mv_mmu_notifier_ops = {
	.invalidate_range_start	= mv_invalidate_range_start,
	.invalidate_range_end	= mv_invalidate_range_end,
	.release		= mv_mm_release,
};

int mv_memory_watch_mm(struct mv_vm *vm)
{
	vm->memory.notifier.ops = &mv_mmu_notifier_ops;
	return mmu_notifier_register(&vm->memory.notifier, vm->mm);
}

void mv_memory_unwatch_mm(struct mv_vm *vm)
{
	mmu_notifier_unregister(&vm->memory.notifier, vm->mm);
}
