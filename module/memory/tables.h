/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory's way to the second-level page tables: the backend's
 * operations (backend.h), and nothing else of the backend.
 *
 * A host without a backend runs no guest, so its VMs have no page tables
 * (vm->tables is NULL): their address space is bookkeeping only, nothing
 * is ever mapped, and there is nothing to take out. The fault path runs
 * only for a vCPU, which such a host has none of.
 */
#ifndef MV_MEMORY_TABLES_H
#define MV_MEMORY_TABLES_H

#include "../backend.h"
#include "../vm.h"

static inline void tables_unmap(struct mv_vm *vm, u64 gfn, u64 npages,
				bool may_block)
{
	if (vm->tables)
		mv_backend->unmap(vm, gfn, npages, may_block);
}

static inline void tables_write_protect(struct mv_vm *vm, u64 gfn,
					u64 npages, const unsigned long *which)
{
	if (vm->tables)
		mv_backend->write_protect(vm, gfn, npages, which);
}

static inline int tables_map_device(struct mv_vm *vm,
				    struct mv_table_spares *spares, u64 gfn,
				    u64 pfn, u64 npages)
{
	return vm->tables ? mv_backend->map_device(vm, spares, gfn, pfn,
						   npages) : 0;
}

static inline void tables_unmap_device(struct mv_vm *vm, u64 gfn, u64 npages)
{
	if (vm->tables)
		mv_backend->unmap_device(vm, gfn, npages);
}

#endif /* MV_MEMORY_TABLES_H */
