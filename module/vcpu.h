/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: one virtual processor of a VM, and its shared struct kvm_run.
 */
#ifndef MV_VCPU_H
#define MV_VCPU_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/signal_types.h>

#include "ept/ept.h"
#include "stats.h"
#include "vmx/vmx.h"

struct mv_vm;

struct mv_vcpu {
	struct mv_vm *vm;
	unsigned int id;
	struct mutex mutex;	/* one ioctl at a time */
	struct kvm_run *run;	/* page 0 of the vCPU fd's mmap */
	void *pio_data;		/* page KVM_PIO_PAGE_OFFSET: KVM_EXIT_IO data */
	sigset_t sigmask;	/* KVM_SET_SIGNAL_MASK: blocked during KVM_RUN */
	bool sigmask_active;
	struct mv_vmx_vcpu vmx;	/* the processor state, held by VT-x */
	struct mv_ept_spares ept_spares;	/* EPT tables for its faults */
	struct mv_vcpu_stats stats;
};

struct mv_vcpu *mv_vcpu_create(struct mv_vm *vm, unsigned int id);

/* Give userspace a file descriptor for the vCPU; returns it or -errno. */
int mv_vcpu_open(struct mv_vcpu *vcpu);

void mv_vcpu_free(struct mv_vcpu *vcpu);

#endif /* MV_VCPU_H */
