/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: one guest's address space and the vCPUs that run in it.
 */
#ifndef MV_VM_H
#define MV_VM_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <asm/barrier.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "irq/routing.h"
#include "memory/memory.h"
#include "sriov/assign.h"
#include "x86/x86.h"

/* vCPU ids run from 0 to MV_MAX_VCPUS - 1 (KVM_CAP_MAX_VCPU_ID). */
#define MV_MAX_VCPUS 16

struct mv_vcpu;

struct mv_vm {
	struct kref kref;		/* the VM fd and each vCPU fd */
	u32 id;				/* its name in the netlink family */
	pid_t pid;			/* the creator's process id ... */
	kuid_t owner;			/* ... and user */
	u64 created_ns;			/* ktime_get_ns() at KVM_CREATE_VM */
	struct mm_struct *mm;		/* the creator's; only it may use the VM */
	struct mutex lock;		/* vcpus[], holds_virtualization */
	/*
	 * Indexed by vCPU id. A vCPU appears here once it is whole and stays
	 * until the VM goes: interrupt delivery reads it without the lock
	 * (mv_vm_vcpu()).
	 */
	struct mv_vcpu *vcpus[MV_MAX_VCPUS];
	/*
	 * KVM_CAP_SPLIT_IRQCHIP: every vCPU has its local APIC in the kernel
	 * (irq/lapic.h); the IOAPIC and the PIC are userspace's. Set before
	 * the first vCPU, and for good.
	 */
	bool lapic_in_kernel;
	struct mv_vm_irq irq;		/* GSI routes and irqfds */
	bool holds_virtualization;	/* had the backend enable it */
	struct mv_memory memory;	/* guest memory */
	void *tables;			/* the backend's page tables, or NULL */
	struct mv_vm_devices devices;	/* assigned PCI functions */
	struct mv_x86_vm x86;		/* its vCPUs' TSCs in step */
};

/* KVM_CREATE_VM: returns a new VM file descriptor or -errno. */
int mv_vm_create(unsigned long type);

void mv_vm_put(struct mv_vm *vm);

/*
 * Look VMs up by id for management (netlink.c): the VM with this id, or
 * the first one with an id of at least *id (which is then set to it).
 * Each returns the VM with a reference taken, or NULL.
 */
struct mv_vm *mv_vm_find(u32 id);
struct mv_vm *mv_vm_find_next(u32 *id);

/* The vCPU with this id, or NULL: from any context, while the VM lives. */
static inline struct mv_vcpu *mv_vm_vcpu(struct mv_vm *vm, unsigned int id)
{
	/* Pairs with the release that publishes it (vm.c). */
	return smp_load_acquire(&vm->vcpus[id]);
}

/*
 * Whether KVM_CAP_SPLIT_IRQCHIP is on, and so its IOAPIC's pins set
 * (vm->irq): from any ioctl, without vm->lock.
 */
static inline bool mv_vm_lapic_in_kernel(struct mv_vm *vm)
{
	/* Pairs with the release that turns it on (vm.c). */
	return smp_load_acquire(&vm->lapic_in_kernel);
}

/* How many vCPUs the VM has. */
unsigned int mv_vm_nr_vcpus(struct mv_vm *vm);

#endif /* MV_VM_H */
