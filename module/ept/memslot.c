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
 *
 * Two flags change how a slot's pages are mapped:
 *   KVM_MEM_READONLY: pages are mapped without write permission, and a
 *     guest write exits to userspace as an MMIO write (ROM, flash).
 *   KVM_MEM_LOG_DIRTY_PAGES: the VMM wants to know which pages the guest
 *     writes (live migration): see dirty_log.c. The write fault that
 *     grants write permission marks the page in the slot's dirty bitmap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../delay.h"
#include "../vcpu.h"
#include "../vm.h"
#include "ept.h"

/* Flags a slot may carry. */
#define MV_MEMSLOT_FLAGS (KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

/* 4 KiB pages in a 2 MiB one. */
#define HUGE_PAGES 512

struct mv_memslot *mv_memslot_find(struct mv_ept *ept, u64 gfn)
{
	struct mv_memslot *slot;

	for (slot = ept->slots; slot < ept->slots + MV_NR_MEMSLOTS; slot++)
		if (slot->npages && !slot->deleting && gfn >= slot->base_gfn &&
		    gfn < slot->base_gfn + slot->npages)
			return slot;
	return NULL;
}

bool mv_memslots_overlap(struct mv_ept *ept, struct mv_memslot *self,
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
	/* Beyond what the EPT can map, or more than KVM takes in a slot. */
	if (!mv_ept_range_valid(region->guest_phys_addr >> PAGE_SHIFT,
				region->memory_size >> PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

/*
 * While its pages are unmapped (which may drop ept->lock to reschedule),
 * the slot is hidden from faults but not from the MMU notifier, which
 * must still unmap what the process changes there. Its dirty bitmap is
 * handed back in *old_bitmap.
 */
static void memslot_delete(struct mv_vm *vm, struct mv_memslot *slot,
			   unsigned long **old_bitmap)
{
	slot->deleting = true;
	mv_dirty_log_set(vm, slot, false, old_bitmap);
	mv_ept_unmap(&vm->ept, slot->base_gfn, slot->npages, true);
	slot->deleting = false;
	slot->npages = 0;
}

/*
 * Make the slot what region says, with both EPT locks held; a slot that
 * starts logging takes *bitmap, one that stops hands its own back in
 * *old_bitmap.
 */
static int memslot_update(struct mv_vm *vm,
			  const struct kvm_userspace_memory_region *region,
			  unsigned long **bitmap, unsigned long **old_bitmap)
{
	struct mv_ept *ept = &vm->ept;
	struct mv_memslot *slot = &ept->slots[region->slot];
	u64 base_gfn = region->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = region->memory_size >> PAGE_SHIFT;
	bool log = region->flags & KVM_MEM_LOG_DIRTY_PAGES;

	/* A fault in flight must not map through the old slots. */
	ept->invalidate_seq++;
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
	if (mv_memslots_overlap(ept, slot, base_gfn, npages))
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

void mv_memslots_free(struct mv_ept *ept)
{
	struct mv_memslot *slot;

	for (slot = ept->slots; slot < ept->slots + MV_NR_MEMSLOTS; slot++)
		kvfree(slot->dirty_bitmap);
}

int mv_ept_set_memory_region(struct mv_vm *vm,
			     const struct kvm_userspace_memory_region *region)
{
	unsigned long *bitmap = NULL, *old_bitmap = NULL;
	int ret;

	if (region->flags & KVM_MEM_LOG_DIRTY_PAGES && region->memory_size) {
		bitmap = mv_dirty_bitmap_alloc(region->memory_size >> PAGE_SHIFT);
		if (!bitmap)
			return -ENOMEM;
	}
	mutex_lock(&vm->ept.slots_lock);
	spin_lock(&vm->ept.lock);
	ret = memslot_update(vm, region, &bitmap, &old_bitmap);
	spin_unlock(&vm->ept.lock);
	mutex_unlock(&vm->ept.slots_lock);
	kvfree(bitmap);		/* not taken: the slot logs already, or no slot */
	kvfree(old_bitmap);
	return ret;
}

/*
 * How the process maps hva now: the page frame (0 for none) and the size
 * of the page-table entry that maps it. The tables are read locklessly, as
 * get_user_pages_fast does: with interrupts off, they cannot be freed
 * under us; a change after the read is an invalidation, which the fault's
 * sequence check catches.
 */
static unsigned long host_pfn(struct mm_struct *mm, unsigned long hva,
			      unsigned long *entry_size)
{
	unsigned long flags, pfn = 0;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;
	pte_t pte;

	*entry_size = 0;
	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_large(pud)) {
		*entry_size = PUD_SIZE;
		pfn = pud_pfn(pud) + ((hva & ~PUD_MASK) >> PAGE_SHIFT);
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (!pmd_present(pmd))
		goto out;
	if (pmd_large(pmd)) {
		*entry_size = PMD_SIZE;
		pfn = pmd_pfn(pmd) + ((hva & ~PMD_MASK) >> PAGE_SHIFT);
		goto out;
	}
	pte = ptep_get_lockless(pte_offset_kernel(&pmd, hva));
	if (pte_present(pte)) {
		*entry_size = PAGE_SIZE;
		pfn = pte_pfn(pte);
	}
out:
	local_irq_restore(flags);
	return pfn;
}

/*
 * Whether the process maps hva with one 2 MiB page-table entry (a huge
 * page it has not split). A huge page may outlive its 2 MiB mapping (after
 * a partial munmap, say), so the page itself does not tell.
 */
static bool host_maps_2m(struct mm_struct *mm, unsigned long hva)
{
	unsigned long entry_size;

	host_pfn(mm, hva, &entry_size);
	return entry_size == PMD_SIZE;
}

/*
 * The stale-mapping detector of test builds: with ept->lock held and no
 * invalidation since the fault's lookup, the process must still map the
 * page the fault just mapped for the guest (an invalidation that starts
 * now waits for the lock before the process's page table changes). A
 * page it no longer maps is memory the guest keeps and the process lost.
 */
#ifdef MV_CHECK_MAPPINGS
static void check_still_mapped(struct mm_struct *mm, unsigned long hva,
			       struct page *page)
{
	unsigned long entry_size;

	WARN_ONCE(host_pfn(mm, hva, &entry_size) != page_to_pfn(page),
		  "minivisor: EPT maps a page the process no longer maps at %#lx\n",
		  hva);
}
#else
static void check_still_mapped(struct mm_struct *mm, unsigned long hva,
			       struct page *page)
{
}
#endif

/*
 * Whether the 2 MiB of guest memory around gfn can be one EPT mapping: the
 * slot holds all of it, at the same offset within 2 MiB as the process
 * address, and the process maps it with one 2 MiB page, a compound one
 * (the EPT's one reference, taken on page, is dropped through its first
 * page: the same compound page). Logged slots are mapped 4 KiB at a time.
 */
static bool maps_huge(struct mm_struct *mm, const struct mv_memslot *slot,
		      u64 gfn, unsigned long hva, struct page *page)
{
	u64 first = ALIGN_DOWN(gfn, HUGE_PAGES);

	if (!PageCompound(page) || slot->dirty_bitmap ||
	    first < slot->base_gfn ||
	    first + HUGE_PAGES > slot->base_gfn + slot->npages ||
	    ((hva >> PAGE_SHIFT) ^ gfn) & (HUGE_PAGES - 1))
		return false;
	return host_maps_2m(mm, hva);
}

/*
 * The process's page at hva, for a guest access (a write, or not): a read
 * takes the page writable if the process may write it without a fault,
 * as KVM does, else as it is (a shared zero page, a page shared for copy
 * on write, memory the process made read-only), so that the guest's first
 * write faults again and asks for write access then. Returns the page
 * with a reference, or NULL; *host_writable says whether it may be written.
 */
static struct page *process_page(unsigned long hva, bool write,
				 bool readonly_slot, bool *host_writable)
{
	struct page *page;

	*host_writable = true;
	if (!write && !readonly_slot &&
	    get_user_page_fast_only(hva, FOLL_WRITE, &page))
		return page;
	*host_writable = write;
	if (get_user_pages_unlocked(hva, 1, &page, write ? FOLL_WRITE : 0) != 1)
		return NULL;
	return page;
}

/*
 * A guest access the EPT does not allow (an EPT violation). Inside a
 * memslot this is the first touch of the page (fault it in from the
 * process and map it), or a write to a page mapped read-only (for dirty
 * logging, or because the process had it read-only: fault it in for
 * writing). Outside every memslot, or a write to a read-only slot, it is
 * MMIO: the exit handler's to emulate, with the VMM's help.
 */
int mv_ept_fault(struct mv_vcpu *vcpu, u64 gpa, bool write)
{
	struct mv_ept *ept = &vcpu->vm->ept;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mv_memslot *slot;
	bool readonly, logged, host_writable;
	unsigned long hva, seq;
	struct page *page;
	bool writable;
	int ret;

	spin_lock(&ept->lock);
	slot = mv_memslot_find(ept, gfn);
	readonly = slot && slot->flags & KVM_MEM_READONLY;
	if (!slot || (readonly && write)) {
		spin_unlock(&ept->lock);
		return MV_EPT_FAULT_MMIO;
	}
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
	logged = slot->dirty_bitmap;
	/* Before the lookup: an invalidation that ends after it moves it. */
	seq = ept->invalidate_seq;
	spin_unlock(&ept->lock);

	page = process_page(hva, write, readonly, &host_writable);
	mv_delay_fault(gfn);
	if (!page) {
		pr_warn_ratelimited("guest page %#llx: no %s process memory at %#lx\n",
				    gpa, write ? "writable" : "readable", hva);
		return -EFAULT;
	}
	/* A logged page stays read-only until the guest writes to it. */
	writable = host_writable && !readonly && (write || !logged);
	if (mv_ept_spares_fill(&vcpu->ept_spares, gfn, 1)) {
		put_page(page);
		return -ENOMEM;
	}

	spin_lock(&ept->lock);
	if (mv_ept_fault_must_retry(ept, seq, hva)) {
		/* The page may be stale: the guest faults again. */
		spin_unlock(&ept->lock);
		put_page(page);
		return 1;
	}
	mv_delay_fault_locked(gfn, false);
	ret = -EEXIST;
	if (maps_huge(vcpu->vm->mm, slot, gfn, hva, page))
		ret = mv_ept_map(ept, &vcpu->ept_spares,
				 ALIGN_DOWN(gfn, HUGE_PAGES),
				 pfn_to_page(page_to_pfn(page) -
					     (gfn & (HUGE_PAGES - 1))),
				 writable, true);
	if (ret) {
		if (writable && slot->dirty_bitmap)
			set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
		ret = mv_ept_map(ept, &vcpu->ept_spares, gfn, page, writable,
				 false);
	}
	if (!ret)
		check_still_mapped(vcpu->vm->mm, hva, page);
	spin_unlock(&ept->lock);
	if (ret)
		put_page(page);
	return ret ?: 1;
}

void mv_ept_usage(struct mv_ept *ept, struct mv_ept_usage *usage)
{
	unsigned int i;

	spin_lock(&ept->lock);
	usage->slot_bytes = 0;
	for (i = 0; i < MV_NR_MEMSLOTS; i++)
		usage->slot_bytes += ept->slots[i].npages << PAGE_SHIFT;
	usage->mapped_4k = ept->mapped_4k;
	usage->mapped_2m = ept->mapped_2m;
	usage->dirty_log_passes = ept->dirty_log_passes;
	spin_unlock(&ept->lock);
}
