/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The EPT paging structures: VT-x's second-level page tables, which map
 * guest-physical to host-physical addresses (Intel SDM Vol. 3C, 29.3).
 * Guest memory (memory/) fills and empties them through the backend
 * interface; the VMX backend (vmx/backend.c) answers with these.
 */
#ifndef MV_EPT_H
#define MV_EPT_H

#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../memory/memory.h"
#include "../vm.h"

/* Pages unmapped and not yet flushed from every CPU's TLB: see ept.c. */
#define MV_EPT_PUT_BATCH 256

/* One VM's EPT; its entries are guarded by the VM's memory lock. */
struct mv_ept {
	spinlock_t *lock;		/* &vm->memory.lock */
	u64 *root;			/* the EPT PML4 table */
	u64 eptp;			/* EPT pointer for the VMCS */
	u64 mapped_4k, mapped_2m;	/* leaf entries of each size */

	/*
	 * Pages taken out of the EPT whose references are dropped only once
	 * no CPU can translate to them any more (ept.c).
	 */
	struct page *unmapped[MV_EPT_PUT_BATCH];
	unsigned int nr_unmapped;
};

/* The VM's EPT, once mv_ept_create() made it. */
static inline struct mv_ept *mv_vm_ept(struct mv_vm *vm)
{
	return vm->tables;
}

/*
 * The backend interface's page-table operations (backend.h), which the
 * VMX backend answers with these: a new, empty EPT for the VM, guarded
 * by its memory lock (0 or -ENOMEM), and its end.
 */
int mv_ept_create(struct mv_vm *vm);
void mv_ept_destroy(struct mv_vm *vm);

/*
 * Map one guest page, or the 2 MiB it starts (on success the reference on
 * page passes to the EPT; on failure it stays the caller's), with tables
 * from spares; unmap a range; write-protect a range, or its pages set in
 * which. Call with the lock held. Unmapping and write-protecting walk
 * only the tables that exist; with may_block, they drop the lock now and
 * then to reschedule (the MMU notifier may be called where it must not).
 */
int mv_ept_map(struct mv_vm *vm, struct mv_table_spares *spares, u64 gfn,
	       struct page *page, bool writable, bool huge);
void mv_ept_unmap(struct mv_vm *vm, u64 gfn, u64 npages, bool may_block);
void mv_ept_write_protect(struct mv_vm *vm, u64 gfn, u64 npages,
			  const unsigned long *which);
/*
 * Map device memory (an assigned function's BAR) at gfn, with tables from
 * spares, and unmap it. Call with the lock held.
 */
int mv_ept_map_device(struct mv_vm *vm, struct mv_table_spares *spares,
		      u64 gfn, u64 pfn, u64 npages);
void mv_ept_unmap_device(struct mv_vm *vm, u64 gfn, u64 npages);

/* How many 4 KiB and 2 MiB pages the EPT maps; with the lock held. */
void mv_ept_usage(struct mv_vm *vm, u64 *mapped_4k, u64 *mapped_2m);

#endif /* MV_EPT_H */
