/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: one guest's address space and the vCPUs that run in it.
 */
#ifndef MV_VM_H
#define MV_VM_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "ept/ept.h"

/* vCPU ids run from 0 to MV_MAX_VCPUS - 1 (KVM_CAP_MAX_VCPU_ID). */
#define MV_MAX_VCPUS 16

struct mv_vcpu;

struct mv_vm {
	struct kref kref;		/* the VM fd and each vCPU fd */
	struct mm_struct *mm;		/* the creator's; only it may use the VM */
	struct mutex lock;		/* vcpus[], holds_vmx */
	struct mv_vcpu *vcpus[MV_MAX_VCPUS];	/* indexed by vCPU id */
	bool holds_vmx;			/* took a VMX reference for its vCPUs */
	struct mv_ept ept;		/* guest memory */
};

/* KVM_CREATE_VM: returns a new VM file descriptor or -errno. */
int mv_vm_create(unsigned long type);

void mv_vm_put(struct mv_vm *vm);

#endif /* MV_VM_H */
