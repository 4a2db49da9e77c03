// SPDX-License-Identifier: GPL-2.0
/*
 * The fault: a guest access the second-level page tables do not allow
 * (an EPT violation on VT-x, a nested page fault on AMD-V).
 *
 * minivisor maps nothing in advance. The first touch of each guest page
 * exits, and the page is looked up in the VMM process's memory and mapped
 * then, through the backend's page tables: 2 MiB at once where the
 * process backs the guest with a transparent or hugetlbfs huge page and
 * the slot allows it, 4 KiB otherwise. A write to a page mapped read-only
 * (for dirty logging, or because the process had it read-only) faults it
 * in for writing. An access outside every memslot, or a write to a
 * read-only slot, is MMIO: the exit handler's to emulate, with the VMM's
 * help.
 *
 * The lookup runs without the memory lock (it may sleep), so the MMU
 * notifier may change the process's memory meanwhile: the fault reads
 * the notifier's sequence number first and checks it again under the
 * lock before it maps (notifier.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "../backend.h"
#include "../delay.h"
#include "../vcpu.h"
#include "../vm.h"
#include "memory.h"

/* 4 KiB pages in a 2 MiB one. */
#define HUGE_PAGES 512

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
 * The stale-mapping detector of test builds: with the memory lock held and no
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
		  "minivisor: the guest maps a page the process no longer maps at %#lx\n",
		  hva);
}
#else
static void check_still_mapped(struct mm_struct *mm, unsigned long hva,
			       struct page *page)
{
}
#endif

/*
 * Whether the 2 MiB of guest memory around gfn can be one mapping: the
 * slot holds all of it, at the same offset within 2 MiB as the process
 * address, and the process maps it with one 2 MiB page, a compound one
 * (the tables' one reference, taken on page, is dropped through its
 * first page: the same compound page). Logged slots are mapped 4 KiB at a time.
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
 * Inside a memslot: the first touch of the page, or a write to a page
 * mapped read-only. Outside, or a write to a read-only slot: MMIO.
 */
int mv_memory_fault(struct mv_vcpu *vcpu, u64 gpa, bool write)
{
	struct mv_vm *vm = vcpu->vm;
	struct mv_memory *memory = &vm->memory;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mv_memslot *slot;
	bool readonly, logged, host_writable;
	unsigned long hva, seq;
	struct page *page;
	bool writable;
	int ret;

	spin_lock(&memory->lock);
	slot = mv_memslot_find(memory, gfn);
	readonly = slot && slot->flags & KVM_MEM_READONLY;
	if (!slot || (readonly && write)) {
		spin_unlock(&memory->lock);
		return MV_MEMORY_FAULT_MMIO;
	}
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
	logged = slot->dirty_bitmap;
	/* Before the lookup: an invalidation that ends after it moves it. */
	seq = memory->invalidate_seq;
	spin_unlock(&memory->lock);

	page = process_page(hva, write, readonly, &host_writable);
	mv_delay_fault(gfn);
	if (!page) {
		pr_warn_ratelimited("guest page %#llx: no %s process memory at %#lx\n",
				    gpa, write ? "writable" : "readable", hva);
		return -EFAULT;
	}
	/* A logged page stays read-only until the guest writes to it. */
	writable = host_writable && !readonly && (write || !logged);
	if (mv_table_spares_fill(vm, &vcpu->table_spares, gfn, 1)) {
		put_page(page);
		return -ENOMEM;
	}

	spin_lock(&memory->lock);
	if (mv_memory_fault_must_retry(memory, seq, hva)) {
		/* The page may be stale: the guest faults again. */
		spin_unlock(&memory->lock);
		put_page(page);
		return 1;
	}
	mv_delay_fault_locked(gfn, false);
	ret = -EEXIST;
	if (maps_huge(vm->mm, slot, gfn, hva, page))
		ret = mv_backend->map(vm, &vcpu->table_spares,
				      ALIGN_DOWN(gfn, HUGE_PAGES),
				      pfn_to_page(page_to_pfn(page) -
						  (gfn & (HUGE_PAGES - 1))),
				      writable, true);
	if (ret) {
		if (writable && slot->dirty_bitmap)
			set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
		ret = mv_backend->map(vm, &vcpu->table_spares, gfn, page,
				      writable, false);
	}
	if (!ret)
		check_still_mapped(vm->mm, hva, page);
	spin_unlock(&memory->lock);
	if (ret)
		put_page(page);
	return ret ?: 1;
}
