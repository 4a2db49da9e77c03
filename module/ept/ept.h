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
#include <linux/spinlock.h>
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
	bool deleting;			/* being unmapped: faults do not see it */
};

/* Pages unmapped and not yet flushed from every CPU's TLB: see ept.c. */
#define MV_EPT_PUT_BATCH 256

/*
 * Locks, outermost first: slots_lock (a mutex), then lock (a spinlock).
 * lock is a spinlock because the MMU notifier takes it, and the notifier
 * may be called where it must not sleep (the OOM reaper): so nothing
 * under lock sleeps, allocates or touches user memory. Who must allocate
 * for what lock guards holds slots_lock, so that the slots stay as they
 * are, and allocates first. Long walks under lock drop it now and then
 * to reschedule, where their caller may block.
 */
struct mv_ept {
	struct mutex slots_lock;	/* changes to the slots */
	spinlock_t lock;		/* all of the below */
	struct mv_memslot slots[MV_NR_MEMSLOTS];
	u64 *root;			/* the EPT PML4 table */
	u64 eptp;			/* EPT pointer for the VMCS */
	u64 mapped_4k, mapped_2m;	/* leaf entries of each size */
	u64 dirty_log_passes;		/* KVM_GET_DIRTY_LOG calls */
	u64 manual_protect;		/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */

	/*
	 * Pages taken out of the EPT whose references are dropped only once
	 * no CPU can translate to them any more (ept.c).
	 */
	struct page *unmapped[MV_EPT_PUT_BATCH];
	unsigned int nr_unmapped;

	/*
	 * The process's memory changing under the guest (notifier.c):
	 * invalidations under way and the process addresses they cover, and
	 * a count of those that ended, which a fault reads before looking its
	 * page up and checks before mapping it.
	 */
	struct mmu_notifier notifier;
	unsigned long invalidate_seq;
	unsigned int invalidations_in_progress;
	unsigned long invalidate_start, invalidate_end;
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

/*
 * Whether a fault that read invalidate_seq as seq before looking up the
 * page at hva must look again: an invalidation of hva is under way, or
 * one ended since. Call with ept->lock held.
 */
bool mv_ept_fault_must_retry(struct mv_ept *ept, unsigned long seq,
			     unsigned long hva);

/*
 * KVM_SET_USER_MEMORY_REGION: whether the region is one a slot may hold
 * (0 or -EINVAL), and making the slot so. The VM's ioctl (vm.c) checks,
 * then meets device assignment, then sets.
 */
int mv_memslot_check(const struct kvm_userspace_memory_region *region);
int mv_ept_set_memory_region(struct mv_vm *vm,
			     const struct kvm_userspace_memory_region *region);

/*
 * The guest's access to gpa (a write, or not) faulted: map the page and
 * return 1 (enter the guest again), or return MV_EPT_FAULT_MMIO when gpa
 * is no RAM the guest may access so, or -errno.
 */
#define MV_EPT_FAULT_MMIO	2
int mv_ept_fault(struct mv_vcpu *vcpu, u64 gpa, bool write);

/*
 * Whether a range of guest frames lies below the CPU's physical-address
 * width and within KVM_MEM_MAX_NR_PAGES pages: the EPT cannot map beyond
 * the one, and the other is KVM's limit on a slot.
 */
bool mv_ept_range_valid(u64 gfn, u64 npages);

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
 * before ept->lock is taken; with ept->lock held, start logging on a slot
 * with *bitmap (which it takes, setting *bitmap to NULL, unless the slot
 * logs already) or stop it (log false: the slot's bitmap is handed back
 * in *bitmap, for the caller to free once it has dropped the lock);
 * KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG.
 */
unsigned long *mv_dirty_bitmap_alloc(u64 npages);
void mv_dirty_log_set(struct mv_vm *vm, struct mv_memslot *slot, bool log,
		      unsigned long **bitmap);
/* A page written for the guest by the emulator: mark it if logged. */
void mv_dirty_log_mark(struct mv_ept *ept, u64 gfn);
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
 * Map one guest page, or the 2 MiB it starts (on success the reference on
 * page passes to the EPT; on failure it stays the caller's), with tables
 * from spares; unmap a range; write-protect a range, or its pages set in
 * which. Call with ept->lock held. Unmapping and write-protecting walk
 * only the tables that exist; with may_block, they drop the lock now and
 * then to reschedule (the MMU notifier may be called where it must not).
 */
int mv_ept_map(struct mv_ept *ept, struct mv_ept_spares *spares, u64 gfn,
	       struct page *page, bool writable, bool huge);
void mv_ept_unmap(struct mv_ept *ept, u64 gfn, u64 npages, bool may_block);
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
