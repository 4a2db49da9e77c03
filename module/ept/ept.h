/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: the memslots userspace declares and the EPT paging
 * structures that map guest-physical to host-physical addresses.
 */
#ifndef MV_EPT_H
#define MV_EPT_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* Slot ids run from 0 to MV_NR_MEMSLOTS - 1 (KVM_CAP_NR_MEMSLOTS). */
#define MV_NR_MEMSLOTS 32

struct mv_vm;
struct mv_vcpu;

struct mv_memslot {
	u64 base_gfn;
	u64 npages;			/* 0: the slot is empty */
	unsigned long userspace_addr;
	u32 flags;			/* KVM_MEM_READONLY, KVM_MEM_LOG_DIRTY_PAGES */
	unsigned long *dirty_bitmap;	/* pages written since the last read */
};

/*
 * Locks, outermost first: slots_lock, then lock. Nothing allocates
 * memory with lock held: the MMU notifier takes lock, and memory reclaim
 * calls the MMU notifier. Who must allocate for what lock guards holds
 * slots_lock, so that the slots stay as they are, and allocates first.
 */
struct mv_ept {
	struct mutex slots_lock;	/* changes to the slots */
	struct mutex lock;		/* all of the below */
	struct mv_memslot slots[MV_NR_MEMSLOTS];
	u64 *root;			/* the EPT PML4 table */
	u64 eptp;			/* EPT pointer for the VMCS */
	u64 mapped_4k, mapped_2m;	/* leaf entries of each size */
	u64 dirty_log_passes;		/* KVM_GET_DIRTY_LOG calls */
	u64 manual_protect;		/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */

	/* The process's memory changing under the guest (notifier.c). */
	struct mmu_notifier notifier;
	unsigned long invalidate_seq;
	unsigned int invalidations_in_progress;
};

/*
 * EPT tables allocated ahead of a mapping, for ept->lock is not held
 * across an allocation: a vCPU keeps some for its next EPT violation, and
 * a BAR's mapping fills enough for the whole BAR.
 */
struct mv_ept_spares {
	struct list_head pages;		/* zeroed, linked through page->lru */
	unsigned int count;
};

void mv_ept_spares_init(struct mv_ept_spares *spares);
/* Allocate what mapping npages from gfn may need; 0 or -ENOMEM. */
int mv_ept_spares_fill(struct mv_ept_spares *spares, u64 gfn, u64 npages);
void mv_ept_spares_free(struct mv_ept_spares *spares);

int mv_ept_init(struct mv_ept *ept);
void mv_ept_destroy(struct mv_ept *ept);

/* Follow the VM process's memory changes (notifier.c). */
int mv_ept_watch_mm(struct mv_vm *vm);
void mv_ept_unwatch_mm(struct mv_vm *vm);

/* KVM_SET_USER_MEMORY_REGION */
int mv_ept_set_memory_region(struct mv_vm *vm,
			     const struct kvm_userspace_memory_region *region);

/* EPT violation at gpa: fault the page in, or exit for MMIO. */
int mv_ept_handle_violation(struct mv_vcpu *vcpu, u64 gpa,
			    unsigned long qualification);

/* Find the slot holding gfn, or NULL. Call with ept->lock held. */
struct mv_memslot *mv_memslot_find(struct mv_ept *ept, u64 gfn);

/*
 * Whether a slot other than self (which may be NULL) covers part of a
 * range. Call with ept->lock or the VM's devices lock held.
 */
bool mv_memslots_overlap(struct mv_ept *ept, struct mv_memslot *self,
			 u64 base_gfn, u64 npages);

/*
 * Dirty logging (dirty_log.c): a bitmap for a slot of npages, allocated
 * before ept->lock is taken; start logging on a slot with *bitmap (which
 * it takes, setting *bitmap to NULL, unless the slot logs already) or
 * stop it (bitmap NULL), with ept->lock held;
 * KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG.
 */
unsigned long *mv_dirty_bitmap_alloc(u64 npages);
void mv_dirty_log_set(struct mv_vm *vm, struct mv_memslot *slot,
		      unsigned long **bitmap);
int mv_dirty_log_enable_manual_protect(struct mv_vm *vm, u64 flags);
int mv_ept_get_dirty_log(struct mv_vm *vm, const struct kvm_dirty_log *log);
int mv_ept_clear_dirty_log(struct mv_vm *vm,
			   const struct kvm_clear_dirty_log *log);

/* What the VM's guest memory amounts to now, for its statistics. */
struct mv_ept_usage {
	u64 slot_bytes;			/* the memslots' sizes, summed */
	u64 mapped_4k, mapped_2m;
	u64 dirty_log_passes;
};

void mv_ept_usage(struct mv_ept *ept, struct mv_ept_usage *usage);

/* Free what the slots hold (dirty bitmaps) when the VM goes. */
void mv_memslots_free(struct mv_ept *ept);

/*
 * Map one guest page, or the 2 MiB it starts (the reference on page passes
 * to the EPT), with tables from spares; unmap a range; write-protect a
 * range, or its pages set in which. Call with ept->lock held.
 */
int mv_ept_map(struct mv_ept *ept, struct mv_ept_spares *spares, u64 gfn,
	       struct page *page, bool writable, bool huge);
void mv_ept_unmap(struct mv_vm *vm, u64 gfn, u64 npages);
/*
 * Map device memory (an assigned function's BAR) at gfn, with tables from
 * spares, and unmap it. Call with ept->lock held.
 */
int mv_ept_map_mmio(struct mv_ept *ept, struct mv_ept_spares *spares,
		    u64 gfn, u64 pfn, u64 npages);
void mv_ept_unmap_mmio(struct mv_ept *ept, u64 gfn, u64 npages);
void mv_ept_write_protect(struct mv_ept *ept, u64 gfn, u64 npages,
			  const unsigned long *which);

#endif /* MV_EPT_H */
