/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices mvctl lab's guest moves its data through (lab_devices.c):
 * one loopback store of bytes behind three doors, an emulated data port,
 * an emulated MMIO data register and minivisor's paravirtual ring
 * (<linux/minivisor_pv.h>), whose doorbell is a port or a hypercall.
 * Every byte given to any of them comes back, in order, from any of them.
 */
#ifndef MVCTL_LAB_DEVICES_H
#define MVCTL_LAB_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vmm.h"

struct vmm_lab {
	uint8_t *bytes;		/* a ring buffer of size bytes */
	size_t size, oldest, held;
	uint64_t pv_ring;	/* guest-physical; 0 while detached */
};

/* Empty devices that hold up to size bytes. Returns 0 or -ENOMEM. */
int lab_devices_init(struct vmm_lab *lab, size_t size);
void lab_devices_free(struct vmm_lab *lab);

/* Serve a KVM_EXIT_MMIO if it is the data register's; true if it was. */
bool lab_devices_mmio(struct vmm *vmm, struct kvm_run *run);

/* Serve a KVM_EXIT_HYPERCALL if it is the PV ring's; true if it was. */
bool lab_devices_hypercall(struct vmm *vmm, struct kvm_run *run);

#endif /* MVCTL_LAB_DEVICES_H */
