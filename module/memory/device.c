// SPDX-License-Identifier: GPL-2.0
/*
 * Device memory in the guest's address space: an assigned function's
 * BARs.
 *
 * Device assignment (sriov/assign.c) places each memory BAR of a function
 * where the guest's configuration space says, and asks for it here to be
 * mapped straight to the device, so that the guest's loads and stores
 * reach the device's registers with no exit. A BAR's range is guest-
 * physical address space like a memslot's, and the two may not overlap:
 * the VMM gets EEXIST for a BAR placed over RAM here, and for a memslot
 * over a BAR from KVM_SET_USER_MEMORY_REGION (vm.c). Pages of the BAR
 * that must not be the guest's alone (its MSI-X table) stay out, as a
 * hole, and accesses there exit as MMIO.
 */
#include <linux/minmax.h>

#include "../vm.h"
#include "memory.h"
#include "tables.h"

/* Map pages [first, end) of the range, if any. */
static int map_pages(struct mv_vm *vm, struct mv_table_spares *spares,
		     u64 gfn, u64 pfn, u64 first, u64 end)
{
	if (first >= end)
		return 0;
	return tables_map_device(vm, spares, gfn + first, pfn + first,
				 end - first);
}

int mv_memory_map_device(struct mv_vm *vm, u64 gfn, u64 pfn, u64 npages,
			 u64 hole_first, u64 hole_end)
{
	struct mv_table_spares spares;
	int ret;

	if (!mv_memory_range_valid(gfn, npages))
		return -EINVAL;
	hole_first = min(hole_first, npages);
	hole_end = max(hole_end, hole_first);

	mv_table_spares_init(&spares);
	ret = mv_table_spares_fill(vm, &spares, gfn, npages);
	if (ret)
		goto free_spares;
	spin_lock(&vm->memory.lock);
	if (mv_memslots_overlap(&vm->memory, NULL, gfn, npages)) {
		ret = -EEXIST;
	} else {
		ret = map_pages(vm, &spares, gfn, pfn, 0, hole_first);
		if (!ret) {
			ret = map_pages(vm, &spares, gfn, pfn, hole_end, npages);
			if (ret)
				tables_unmap_device(vm, gfn, hole_first);
		}
	}
	spin_unlock(&vm->memory.lock);
free_spares:
	mv_table_spares_free(&spares);
	return ret;
}

void mv_memory_unmap_device(struct mv_vm *vm, u64 gfn, u64 npages)
{
	spin_lock(&vm->memory.lock);
	tables_unmap_device(vm, gfn, npages);
	spin_unlock(&vm->memory.lock);
}
