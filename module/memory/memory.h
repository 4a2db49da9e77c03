/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: the VM's guest-physical address space.
 *
 * The memslots say which guest-physical ranges are RAM and where that RAM
 * lives in the VMM process (memslot.c); a guest's first touch of a page
 * maps it (fault.c); the MMU notifier takes pages out when the process's
 * memory changes (notifier.c); dirty logging reports the pages the guest
 * wrote (dirty_log.c); an assigned function's BARs take ranges of their
 * own (device.c). The translation itself is the backend's second-level
 * page tables (on VT-x the EPT, ept/), which this layer reaches only
 * through the backend interface (tables.h). Everything else is the same
 * on every vendor.
 */
#ifndef MV_MEMORY_H
#define MV_MEMORY_H

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

/*
 * Locks, outermost first: slots_lock (a mutex), then lock (a spinlock).
 * lock is a spinlock because the MMU notifier takes it, and the notifier
 * may be called where it must not sleep (the OOM reaper): so nothing
 * under lock sleeps, allocates or touches user memory. Who must allocate
 * for what lock guards holds slots_lock, so that the slots stay as they
 * are, and allocates first. lock also guards the second-level page
 * tables; long walks of them drop it now and then to reschedule, where
 * their caller may block.
 */
struct mv_memory {
	struct mutex slots_lock;	/* changes to the slots */
	spinlock_t lock;		/* all of the below, and the tables */
	struct mv_memslot slots[MV_NR_MEMSLOTS];
	u64 dirty_log_passes;		/* KVM_GET_DIRTY_LOG calls */
	u64 manual_protect;		/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */

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
 * Page-table pages allocated ahead of a mapping, for the memory lock is
 * not held across an allocation: a vCPU keeps some for its next fault,
 * and a BAR's mapping fills enough for the whole BAR (spares.c).
 */
struct mv_table_spares {
	struct list_head pages;		/* zeroed, linked through page->lru */
	unsigned int count;
};

void mv_table_spares_init(struct mv_table_spares *spares);
/* Allocate what mapping npages from gfn may need in vm; 0 or -ENOMEM. */
int mv_table_spares_fill(struct mv_vm *vm, struct mv_table_spares *spares,
			 u64 gfn, u64 npages);
/* A zeroed page from the spares, or NULL if they ran out. */
void *mv_table_spares_take(struct mv_table_spares *spares);
void mv_table_spares_free(struct mv_table_spares *spares);

/* The VM's address space, and its page tables if the host has a backend. */
int mv_memory_init(struct mv_vm *vm);
void mv_memory_destroy(struct mv_vm *vm);

/* Follow the VM process's memory changes (notifier.c). */
int mv_memory_watch_mm(struct mv_vm *vm);
void mv_memory_unwatch_mm(struct mv_vm *vm);

/*
 * Whether a fault that read invalidate_seq as seq before looking up the
 * page at hva must look again: an invalidation of hva is under way, or
 * one ended since. Call with the memory lock held.
 */
bool mv_memory_fault_must_retry(struct mv_memory *memory, unsigned long seq,
				unsigned long hva);

/*
 * KVM_SET_USER_MEMORY_REGION: whether the region is one a slot may hold
 * (0 or -EINVAL), and making the slot so. The VM's ioctl (vm.c) checks,
 * then meets device assignment, then sets.
 */
int mv_memslot_check(const struct kvm_userspace_memory_region *region);
int mv_memslot_set(struct mv_vm *vm,
		   const struct kvm_userspace_memory_region *region);

/*
 * The guest's access to gpa (a write, or not) faulted: map the page and
 * return 1 (enter the guest again), or return MV_MEMORY_FAULT_MMIO when
 * gpa is no RAM the guest may access so, or -errno (fault.c).
 */
#define MV_MEMORY_FAULT_MMIO	2
int mv_memory_fault(struct mv_vcpu *vcpu, u64 gpa, bool write);

/*
 * Whether a range of guest frames lies below the CPU's physical-address
 * width and within KVM_MEM_MAX_NR_PAGES pages: the page tables cannot map
 * beyond the one, and the other is KVM's limit on a slot.
 */
bool mv_memory_range_valid(u64 gfn, u64 npages);

/* Find the slot holding gfn, or NULL. Call with the memory lock held. */
struct mv_memslot *mv_memslot_find(struct mv_memory *memory, u64 gfn);

/*
 * Whether a slot other than self (which may be NULL) covers part of a
 * range. Call with the memory lock held.
 */
bool mv_memslots_overlap(struct mv_memory *memory, struct mv_memslot *self,
			 u64 base_gfn, u64 npages);

/*
 * Map npages of device memory from pfn at gfn, all but the pages
 * [hole_first, hole_end) of the range, which stay out (and so exit as
 * MMIO); and unmap such a range. The range may overlap no memslot: else
 * -EEXIST. Device assignment's BARs (device.c).
 */
int mv_memory_map_device(struct mv_vm *vm, u64 gfn, u64 pfn, u64 npages,
			 u64 hole_first, u64 hole_end);
void mv_memory_unmap_device(struct mv_vm *vm, u64 gfn, u64 npages);

/*
 * Dirty logging (dirty_log.c): a bitmap for a slot of npages, allocated
 * before the memory lock is taken; with it held, start logging on a slot
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
void mv_dirty_log_mark(struct mv_memory *memory, u64 gfn);
int mv_dirty_log_enable_manual_protect(struct mv_vm *vm, u64 flags);
int mv_dirty_log_get(struct mv_vm *vm, const struct kvm_dirty_log *log);
int mv_dirty_log_clear(struct mv_vm *vm,
		       const struct kvm_clear_dirty_log *log);

/* What the VM's guest memory amounts to now, for its statistics. */
struct mv_memory_usage {
	u64 slot_bytes;			/* the memslots' sizes, summed */
	u64 mapped_4k, mapped_2m;
	u64 dirty_log_passes;
};

void mv_memory_usage(struct mv_vm *vm, struct mv_memory_usage *usage);

#endif /* MV_MEMORY_H */
