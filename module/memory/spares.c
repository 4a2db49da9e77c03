// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table pages allocated ahead of a mapping.
 *
 * The second-level page tables are changed with the memory lock held, a
 * spinlock under which nothing may allocate (memory.h says why). So
 * before taking it, whoever maps allocates the tables the mapping could
 * need, as spares the mapping then takes from; what is left over is kept
 * (a vCPU's, for its next fault) or freed.
 *
 * How many: the second-level tables of both vendors have the shape of
 * x86-64's own (Intel SDM Vol. 3C, 29.3; AMD APM Vol. 2, 15.25): four
 * levels of 512 entries. Below the root, a mapping needs at most one
 * table at each level for every part of the guest-physical space one
 * table there covers (2 MiB, 1 GiB, 512 GiB) that the range touches.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>

#include "../vm.h"
#include "memory.h"

#define TABLE_LEVELS	4
#define TABLE_INDEX_BITS 9	/* 512 entries */

void mv_table_spares_init(struct mv_table_spares *spares)
{
	INIT_LIST_HEAD(&spares->pages);
	spares->count = 0;
}

static unsigned int tables_to_map(u64 gfn, u64 npages)
{
	u64 last = gfn + npages - 1;
	unsigned int count = 0, shift;
	int level;

	for (level = 1; level < TABLE_LEVELS; level++) {
		shift = TABLE_INDEX_BITS * level;
		count += (last >> shift) - (gfn >> shift) + 1;
	}
	return count;
}

/* A VM without page tables (the host has no backend) needs none. */
int mv_table_spares_fill(struct mv_vm *vm, struct mv_table_spares *spares,
			 u64 gfn, u64 npages)
{
	unsigned int needed = vm->tables ? tables_to_map(gfn, npages) : 0;
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

void *mv_table_spares_take(struct mv_table_spares *spares)
{
	struct page *page = list_first_entry_or_null(&spares->pages,
						     struct page, lru);

	if (!page)
		return NULL;
	list_del(&page->lru);
	spares->count--;
	return page_address(page);
}

void mv_table_spares_free(struct mv_table_spares *spares)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &spares->pages, lru)
		__free_page(page);
	mv_table_spares_init(spares);
}
