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
 * guest memory (memory/fault.c) looks the page up in the process's memory
 * and maps it here: 2 MiB at once (a large entry at level 2) where the
 * process backs the guest with a transparent or hugetlbfs huge page, 4 KiB
 * otherwise.
 *
 * The BARs of a PCI function assigned to the VM are mapped too, at once
 * and uncacheable, so that the guest reaches the device's registers with
 * no exit (memory/device.c). Their pages are the device's, not memory: an
 * entry for one carries EPT_MMIO, a bit the CPU ignores.
 *
 * The entries are guarded by the VM's memory lock (ept->lock points to
 * it). The tables are allocated before it is taken, as spares the mapping
 * then uses up (struct mv_table_spares): an allocation may have to
 * reclaim memory, reclaim may unmap the guest's pages, and the MMU
 * notifier that sees it happen takes the lock (memory/notifier.c).
 *
 * A mapped page holds a reference (get_user_pages) until it is unmapped.
 * Unmapping must also flush the translations CPUs cache for the EPT: an
 * INVEPT on every CPU, sent by IPI, which also pulls running vCPUs out of
 * the guest (vmx/tlb.c). Only then may the reference go: a page whose
 * last reference was the EPT's would otherwise return to the allocator
 * while some CPU still translates guest accesses to it. So unmapping collects the pages
 * it takes out (ept->unmapped), flushes, and only then puts them, all
 * before it lets go of the lock.
 *
 * Unmapping and write-protecting a range walk only the tables that exist:
 * a slot of terabytes that the guest never touched costs a few entries,
 * not a walk per page.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/vmx.h>

#include "../backend.h"
#include "../vm.h"
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

/* Guest frames one entry at level maps: 1, 512, 512^2, 512^3. */
#define EPT_ENTRY_FRAMES(level)	(1ull << (9 * ((level) - 1)))

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

int mv_ept_create(struct mv_vm *vm)
{
	struct mv_ept *ept = kzalloc(sizeof(*ept), GFP_KERNEL_ACCOUNT);

	if (!ept)
		return -ENOMEM;
	ept->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ept->root) {
		kfree(ept);
		return -ENOMEM;
	}
	ept->lock = &vm->memory.lock;
	ept->eptp = __pa(ept->root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	vm->tables = ept;
	return 0;
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

/*
 * Make every CPU forget the translations it caches for this EPT, through
 * the backend (INVEPT, vmx/tlb.c).
 */
static void ept_flush_all_cpus(struct mv_ept *ept)
{
	mv_backend->flush_tlbs(ept);
}

/*
 * The VM is going: no vCPU runs, but CPUs may still cache translations
 * of this EPT. Flush them before the pages go.
 */
void mv_ept_destroy(struct mv_vm *vm)
{
	struct mv_ept *ept = mv_vm_ept(vm);

	ept_flush_all_cpus(ept);
	ept_free_table(ept->root, EPT_LEVELS);
	kfree(ept);
	vm->tables = NULL;
}

/*
 * The entry that maps gfn: the 4 KiB entry, or a 2 MiB one above it
 * (*level says which). With spares, tables down to stop_level are
 * created from them on the way; without, the walk ends at the first
 * empty entry.
 */
static u64 *ept_walk(struct mv_ept *ept, u64 gfn, int stop_level,
		     struct mv_table_spares *spares, int *level)
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
			next = mv_table_spares_take(spares);
			if (!next)
				return NULL;
			*entry = __pa(next) | EPT_RWX;
		}
		table = ept_table(*entry);
	}
}

/*
 * Map a guest page, taking over the caller's page reference (on failure,
 * the caller keeps it); with huge,
 * map the whole 2 MiB that page starts (the caller checked that the host
 * backs it with one 2 MiB page). A page that is already mapped (another
 * vCPU was first, or a write to a page mapped read-only for dirty logging)
 * keeps its one reference and gains write permission if asked: adding a
 * permission needs no TLB flush. (The MMU notifier unmaps a page before
 * the process's memory can change, so the page found is the one mapped.)
 * A 2 MiB mapping is not made where 4 KiB ones already are: the caller
 * then maps 4 KiB.
 */
int mv_ept_map(struct mv_vm *vm, struct mv_table_spares *spares, u64 gfn,
	       struct page *page, bool writable, bool huge)
{
	u64 permissions = EPT_READ | EPT_EXECUTE | (writable ? EPT_WRITE : 0);
	struct mv_ept *ept = mv_vm_ept(vm);
	int level;
	u64 *entry = ept_walk(ept, gfn, huge ? 2 : 1, spares, &level);

	if (!entry)
		return -ENOMEM;
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

/*
 * A walk over the leaf entries that map part of a range of guest frames,
 * through the tables that exist only. visit() sees each present leaf
 * (its level, and the first frame it maps) and says whether it changed
 * it, which makes a flush due at the end.
 */
struct ept_range_walk {
	struct mv_ept *ept;
	u64 gfn, end;			/* the range: [gfn, end) */
	bool may_block;			/* the lock may be dropped to resched */
	bool changed;
	bool (*visit)(struct ept_range_walk *walk, u64 *entry, int level,
		      u64 first);
	const unsigned long *which;	/* write-protect: the pages to take */
};

/*
 * Flush every CPU, then drop the references of the pages unmapped since
 * the last flush: no CPU translates to them any more. Done before
 * the lock is released, so that whoever takes it next finds no page
 * waiting for a flush it did not ask for.
 */
static void ept_flush_and_put(struct mv_ept *ept)
{
	ept_flush_all_cpus(ept);
	while (ept->nr_unmapped)
		put_page(ept->unmapped[--ept->nr_unmapped]);
}

/*
 * Keep the page of an entry just cleared until the flush; when there are
 * too many to keep, flush now.
 */
static void ept_unmapped(struct mv_ept *ept, struct page *page)
{
	if (ept->nr_unmapped == MV_EPT_PUT_BATCH)
		ept_flush_and_put(ept);
	ept->unmapped[ept->nr_unmapped++] = page;
}

/*
 * Let others have the lock and the CPU, if they want them and the walk
 * may block; what the walk changed is flushed first. (Tables are never
 * freed while the VM lives, so the walk goes on where it was.)
 */
static void ept_walk_yield(struct ept_range_walk *walk)
{
	spinlock_t *lock = walk->ept->lock;

	if (!walk->may_block || (!need_resched() && !spin_needbreak(lock)))
		return;
	if (walk->changed) {
		ept_flush_and_put(walk->ept);
		walk->changed = false;
	}
	cond_resched_lock(lock);
}

static void ept_walk_table(struct ept_range_walk *walk, u64 *table,
			   int level, u64 base)
{
	u64 frames = EPT_ENTRY_FRAMES(level), first;
	unsigned int i = 0;

	if (walk->gfn > base)
		i = (walk->gfn - base) / frames;
	for (; i < EPT_ENTRIES; i++) {
		first = base + i * frames;
		if (first >= walk->end)
			break;
		if (!(table[i] & EPT_RWX))
			continue;
		if (ept_leaf(table[i], level)) {
			walk->changed |= walk->visit(walk, &table[i], level,
						     first);
		} else {
			ept_walk_table(walk, ept_table(table[i]), level - 1,
				       first);
			ept_walk_yield(walk);
		}
	}
}

/* Walk the range; flush every CPU if an entry changed. */
static void ept_walk_range(struct ept_range_walk *walk)
{
	ept_walk_table(walk, walk->ept->root, EPT_LEVELS, 0);
	if (walk->changed)
		ept_flush_and_put(walk->ept);
}

static bool write_protect_leaf(struct ept_range_walk *walk, u64 *entry,
			       int level, u64 first)
{
	if (!(*entry & EPT_WRITE) || (*entry & EPT_MMIO) ||
	    (level == 1 && walk->which &&
	     !test_bit(first - walk->gfn, walk->which)))
		return false;
	*entry &= ~EPT_WRITE;
	return true;
}

/* Take write permission away from mapped pages (dirty logging). */
void mv_ept_write_protect(struct mv_vm *vm, u64 gfn, u64 npages,
			  const unsigned long *which)
{
	struct ept_range_walk walk = {
		.ept = mv_vm_ept(vm), .gfn = gfn, .end = gfn + npages, .may_block = true,
		.visit = write_protect_leaf, .which = which,
	};

	ept_walk_range(&walk);
}

/* A 2 MiB mapping goes whole, even if the range has part of it. */
static bool unmap_leaf(struct ept_range_walk *walk, u64 *entry, int level,
		       u64 first)
{
	if (*entry & EPT_MMIO)
		return false;
	ept_unmapped(walk->ept, pfn_to_page(*entry >> PAGE_SHIFT));
	*entry = 0;
	if (level == 2)
		walk->ept->mapped_2m--;
	else
		walk->ept->mapped_4k--;
	return true;
}

void mv_ept_unmap(struct mv_vm *vm, u64 gfn, u64 npages, bool may_block)
{
	struct ept_range_walk walk = {
		.ept = mv_vm_ept(vm), .gfn = gfn, .end = gfn + npages,
		.may_block = may_block, .visit = unmap_leaf,
	};

	ept_walk_range(&walk);
}

/*
 * Map npages of device memory from pfn at gfn, readable and writable but
 * not executable, uncacheable: the CPU must neither cache nor combine
 * accesses to device registers (SDM Vol. 3C, 29.3.7, "EPT and Memory
 * Typing"; with the EPT type UC the guest's PAT cannot make them
 * cacheable). The caller made sure no memslot covers the range.
 */
int mv_ept_map_device(struct mv_vm *vm, struct mv_table_spares *spares,
		      u64 gfn, u64 pfn, u64 npages)
{
	struct mv_ept *ept = mv_vm_ept(vm);
	u64 i, *entry;
	int level;

	for (i = 0; i < npages; i++) {
		entry = ept_walk(ept, gfn + i, 1, spares, &level);
		if (!entry || level != 1 || (*entry & EPT_RWX)) {
			mv_ept_unmap_device(vm, gfn, i);
			return entry ? -EEXIST : -ENOMEM;
		}
		*entry = ((pfn + i) << PAGE_SHIFT) | EPT_MEMTYPE_UC |
			 EPT_READ | EPT_WRITE | EPT_MMIO;
	}
	return 0;
}

static bool unmap_device_leaf(struct ept_range_walk *walk, u64 *entry,
			      int level, u64 first)
{
	if (!(*entry & EPT_MMIO))
		return false;
	*entry = 0;
	return true;
}

void mv_ept_unmap_device(struct mv_vm *vm, u64 gfn, u64 npages)
{
	struct ept_range_walk walk = {
		.ept = mv_vm_ept(vm), .gfn = gfn, .end = gfn + npages,
		.visit = unmap_device_leaf,
	};

	ept_walk_range(&walk);
}

void mv_ept_usage(struct mv_vm *vm, u64 *mapped_4k, u64 *mapped_2m)
{
	struct mv_ept *ept = mv_vm_ept(vm);

	*mapped_4k = ept->mapped_4k;
	*mapped_2m = ept->mapped_2m;
}
