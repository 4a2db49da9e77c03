/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: one virtual processor of a VM, and its shared struct kvm_run.
 *
 * This is the generic vCPU, the part every layer knows. The backend's own
 * vCPU wraps it (backend.h), with the processor state its hardware keeps.
 */
#ifndef MV_VCPU_H
#define MV_VCPU_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/signal_types.h>

#include "irq/pending.h"
#include "memory/memory.h"
#include "stats.h"
#include "x86/x86.h"

struct mv_vm;

struct mv_vcpu {
	struct mv_vm *vm;
	unsigned int id;
	/*
	 * The CPU that holds the vCPU's processor state (on VT-x, where its
	 * VMCS is active), or -1; the backend keeps it, others read it to
	 * reach the vCPU with an IPI.
	 */
	int cpu;
	struct mutex mutex;	/* one ioctl at a time */
	struct kvm_run *run;	/* page 0 of the vCPU fd's mmap */
	void *pio_data;		/* page KVM_PIO_PAGE_OFFSET: KVM_EXIT_IO data */
	sigset_t sigmask;	/* KVM_SET_SIGNAL_MASK: blocked during KVM_RUN */
	bool sigmask_active;
	struct mv_vcpu_irqs irqs;	/* interrupts waiting to be injected */
	/*
	 * KVM_MP_STATE_*: with a local APIC in the kernel, a vCPU may be
	 * halted, and was then able to take interrupts or not, or waiting for
	 * INIT and a start-up IPI (irq/mp_state.c).
	 */
	u32 mp_state;
	bool halted_interrupts_on;
	struct mv_table_spares table_spares;	/* page tables for its faults */
	struct mv_vcpu_stats stats;
	struct mv_x86_vcpu x86;	/* registers, FPU, CPUID, emulation */
};

struct mv_vcpu *mv_vcpu_create(struct mv_vm *vm, unsigned int id);

/* Give userspace a file descriptor for the vCPU; returns it or -errno. */
int mv_vcpu_open(struct mv_vcpu *vcpu);

void mv_vcpu_free(struct mv_vcpu *vcpu);

#endif /* MV_VCPU_H */
