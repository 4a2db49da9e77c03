// SPDX-License-Identifier: GPL-2.0
/*
 * Extended page tables: the second translation, guest-physical to
 * host-physical (Intel SDM Vol. 3C, 29.3, "The Extended Page Table
 * Mechanism").
 *
 * With EPT on, the guest's own page tables turn its linear addresses into
 * guest-physical ones, and the CPU then walks the EPT paging structures,
 * four levels of 512 eight-byte entries each, like the host's own page
 * tables, to find the host page. An access the EPT does not allow ends
 * in an EPT violation exit with the guest-physical address. minivisor
 * maps nothing in advance: the first touch of each guest page exits, and
 * the page is looked up in the process's memory and mapped then: 2 MiB at
 * once (a large entry at level 2) where the process backs the guest with a
 * transparent or hugetlbfs huge page, 4 KiB otherwise.
 *
 * The BARs of a PCI function assigned to the VM are mapped too, at once
 * and uncacheable, so that the guest reaches the device's registers with
 * no exit (sriov/assign.c). Their pages are the device's, not memory: an
 * entry for one carries EPT_MMIO, a bit the CPU ignores.
 *
 * The tables of the EPT are allocated before ept->lock is taken, as spares
 * the mapping then uses up (struct mv_ept_spares): an allocation may have
 * to reclaim memory, reclaim may unmap the guest's pages, and the MMU
 * notifier that sees it happen takes ept->lock (notifier.c).
 *
 * A mapped page holds a reference (get_user_pages) until it is unmapped.
 * Unmapping must also flush the translations CPUs cache for the EPT: an
 * INVEPT on every CPU, sent by IPI, which also pulls running vCPUs out of
 * the guest.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/vmx.h>

#include "../vm.h"
#include "../vmx/insn.h"
#include "../vmx/vmxon.h"
#include "ept.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXECUTE		BIT_ULL(2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_MEMTYPE_UC		(0ull << 3)
#define EPT_MEMTYPE_WB		(6ull << 3)
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)
#define EPT_LARGE		BIT_ULL(7)
#define EPT_MMIO		BIT_ULL(11)	/* ignored by the CPU: ours */

/* Index of gfn in the table at level (4: PML4 ... 1: page table). */
static unsigned int ept_index(u64 gfn, int level)
{
	return (gfn >> (9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return __va(entry & EPT_ADDR_MASK);
}

/* A present entry at level 2 maps 2 MiB itself if its bit 7 is set. */
static bool ept_leaf(u64 entry, int level)
{
	return level == 1 || (entry & EPT_LARGE);
}

int mv_ept_init(struct mv_ept *ept)
{
	mutex_init(&ept->slots_lock);
	mutex_init(&ept->lock);
	ept->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ept->root)
		return -ENOMEM;
	ept->eptp = __pa(ept->root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	return 0;
}

void mv_ept_spares_init(struct mv_ept_spares *spares)
{
	INIT_LIST_HEAD(&spares->pages);
	spares->count = 0;
}

/*
 * The most tables a mapping of npages from gfn can need: at each level
 * below the root, one for every part of the guest-physical space one
 * table there covers (2 MiB, 1 GiB, 512 GiB) that the range touches.
 */
static unsigned int tables_to_map(u64 gfn, u64 npages)
{
	u64 last = gfn + npages - 1;
	unsigned int count = 0;
	int level;

	for (level = 1; level < EPT_LEVELS; level++)
		count += (last >> (9 * level)) - (gfn >> (9 * level)) + 1;
	return count;
}

int mv_ept_spares_fill(struct mv_ept_spares *spares, u64 gfn, u64 npages)
{
	unsigned int needed = tables_to_map(gfn, npages);
	struct page *page;

	while (spares->count < needed) {
		page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
		list_add(&page->lru, &spares->pages);
		spares->count++;
	}
	return 0;
}

void mv_ept_spares_free(struct mv_ept_spares *spares)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &spares->pages, lru)
		__free_page(page);
	mv_ept_spares_init(spares);
}

/* A zeroed table from the spares, or NULL if they ran out. */
static u64 *spare_table(struct mv_ept_spares *spares)
{
	struct page *page = list_first_entry_or_null(&spares->pages,
						     struct page, lru);

	if (!page)
		return NULL;
	list_del(&page->lru);
	spares->count--;
	return page_address(page);
}

/* Free a table and everything below it, dropping mapped pages. */
static void ept_free_table(u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		if (!(table[i] & EPT_RWX))
			continue;
		if (!ept_leaf(table[i], level))
			ept_free_table(ept_table(table[i]), level - 1);
		else if (!(table[i] & EPT_MMIO))
			put_page(pfn_to_page(table[i] >> PAGE_SHIFT));
	}
	free_page((unsigned long)table);
}

void mv_ept_destroy(struct mv_ept *ept)
{
	ept_free_table(ept->root, EPT_LEVELS);
}

/*
 * The entry that maps gfn: the 4 KiB entry, or a 2 MiB one above it
 * (*level says which). With spares, tables down to stop_level are
 * created from them on the way; without, the walk ends at the first
 * empty entry.
 */
static u64 *ept_walk(struct mv_ept *ept, u64 gfn, int stop_level,
		     struct mv_ept_spares *spares, int *level)
{
	u64 *table = ept->root;
	u64 *entry;
	u64 *next;

	for (*level = EPT_LEVELS; ; (*level)--) {
		entry = &table[ept_index(gfn, *level)];
		if (*level == stop_level ||
		    ((*entry & EPT_RWX) && ept_leaf(*entry, *level)))
			return entry;
		if (!(*entry & EPT_RWX)) {
			if (!spares)
				return entry;
			next = spare_table(spares);
			if (!next)
				return NULL;
			*entry = __pa(next) | EPT_RWX;
		}
		table = ept_table(*entry);
	}
}

/*
 * Map a guest page, taking over the caller's page reference; with huge,
 * map the whole 2 MiB that page starts (the caller checked that the host
 * backs it with one 2 MiB page). A page that is already mapped (another
 * vCPU was first, or a write to a page mapped read-only for dirty logging)
 * keeps its one reference and gains write permission if asked: adding a
 * permission needs no TLB flush. (The MMU notifier unmaps a page before
 * the process's memory can change, so the page found is the one mapped.)
 * A 2 MiB mapping is not made where 4 KiB ones already are: the caller
 * then maps 4 KiB.
 */
int mv_ept_map(struct mv_ept *ept, struct mv_ept_spares *spares, u64 gfn,
	       struct page *page, bool writable, bool huge)
{
	u64 permissions = EPT_READ | EPT_EXECUTE | (writable ? EPT_WRITE : 0);
	int level;
	u64 *entry = ept_walk(ept, gfn, huge ? 2 : 1, spares, &level);

	if (!entry) {
		put_page(page);
		return -ENOMEM;
	}
	if ((*entry & EPT_RWX) && ept_leaf(*entry, level)) {
		put_page(page);
		*entry |= permissions;
		return 0;
	}
	if (*entry & EPT_RWX)
		return -EEXIST;	/* 4 KiB mappings below: no 2 MiB here */
	*entry = page_to_phys(page) | EPT_MEMTYPE_WB | permissions |
		 (huge ? EPT_LARGE : 0);
	if (huge)
		ept->mapped_2m++;
	else
		ept->mapped_4k++;
	return 0;
}

static void invept_here(void *data)
{
	const struct mv_ept *ept = data;

	if (mv_vmx_on_this_cpu())
		execute_invept(VMX_EPT_EXTENT_CONTEXT, ept->eptp);
}

/*
 * Make every CPU forget the translations it caches for this EPT. A CPU
 * that comes online after the IPIs went out needs none: a vCPU that moves
 * onto a CPU flushes there first (vmx/vmcs.c). So no CPU hotplug lock,
 * which the MMU notifier could not take under ept->lock anyway: memory
 * reclaim, which invalidates guest memory, runs inside CPU hotplug.
 */
static void ept_flush_all_cpus(struct mv_ept *ept)
{
	on_each_cpu(invept_here, ept, 1);
}

/* Take write permission away from mapped pages (dirty logging). */
void mv_ept_write_protect(struct mv_ept *ept, u64 gfn, u64 npages,
			  const unsigned long *which)
{
	u64 i, *entry;
	int level;

	for (i = 0; i < npages; i++) {
		if (which && !test_bit(i, which))
			continue;
		entry = ept_walk(ept, gfn + i, 1, NULL, &level);
		if (entry)
			*entry &= ~EPT_WRITE;
	}
	ept_flush_all_cpus(ept);
}

void mv_ept_unmap(struct mv_vm *vm, u64 gfn, u64 npages)
{
	struct mv_ept *ept = &vm->ept;
	u64 end = gfn + npages;
	u64 *entry;
	int level;

	for (; gfn < end; gfn++) {
		entry = ept_walk(ept, gfn, 1, NULL, &level);
		if (!entry || !(*entry & EPT_RWX) || (*entry & EPT_MMIO))
			continue;
		put_page(pfn_to_page(*entry >> PAGE_SHIFT));
		*entry = 0;
		/* A 2 MiB mapping goes whole; its pages fault back in. */
		if (level == 2) {
			gfn |= EPT_ENTRIES - 1;
			ept->mapped_2m--;
		} else {
			ept->mapped_4k--;
		}
	}
	ept_flush_all_cpus(ept);
}

/*
 * Map npages of device memory from pfn at gfn, readable and writable but
 * not executable, uncacheable: the CPU must neither cache nor combine
 * accesses to device registers (SDM Vol. 3C, 29.3.7, "EPT and Memory
 * Typing"; with the EPT type UC the guest's PAT cannot make them
 * cacheable). The caller made sure no memslot covers the range.
 */
int mv_ept_map_mmio(struct mv_ept *ept, struct mv_ept_spares *spares,
		    u64 gfn, u64 pfn, u64 npages)
{
	u64 i, *entry;
	int level;

	for (i = 0; i < npages; i++) {
		entry = ept_walk(ept, gfn + i, 1, spares, &level);
		if (!entry || level != 1 || (*entry & EPT_RWX)) {
			mv_ept_unmap_mmio(ept, gfn, i);
			return entry ? -EEXIST : -ENOMEM;
		}
		*entry = ((pfn + i) << PAGE_SHIFT) | EPT_MEMTYPE_UC |
			 EPT_READ | EPT_WRITE | EPT_MMIO;
	}
	return 0;
}

void mv_ept_unmap_mmio(struct mv_ept *ept, u64 gfn, u64 npages)
{
	u64 i, *entry;
	int level;

	for (i = 0; i < npages; i++) {
		entry = ept_walk(ept, gfn + i, 1, NULL, &level);
		if (entry && (*entry & EPT_MMIO))
			*entry = 0;
	}
	ept_flush_all_cpus(ept);
}
