/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl run's emulated devices, reached from the vCPU threads on
 * KVM_EXIT_IO and KVM_EXIT_MMIO. Each device models a range of I/O ports
 * in a file of its own; the table in devices.c maps ports to them. The
 * VM's devices_lock is held around every call, so a device needs no lock of its
 * own.
 */
#ifndef MVCTL_DEVICES_H
#define MVCTL_DEVICES_H

#include <stdint.h>

#include "vmm.h"

struct port_device {
	const char *name;
	uint16_t base;
	uint16_t count;		/* ports base .. base + count - 1 */
	/* An IN of size bytes from port base + offset. */
	uint32_t (*in)(struct vmm *vmm, uint16_t offset, unsigned int size);
	/* An OUT of size bytes of value to port base + offset. */
	void (*out)(struct vmm *vmm, uint16_t offset, unsigned int size,
		    uint32_t value);
};

extern const struct port_device uart_device;
extern const struct port_device debugcon_device;
extern const struct port_device exitport_device;
extern const struct port_device lab_data_port_device;
extern const struct port_device lab_pv_device;

/* Serve a KVM_EXIT_IO: every item of a string I/O, in order. */
void devices_io(struct vmm *vmm, struct kvm_run *run);

/* Serve a KVM_EXIT_MMIO. */
void devices_mmio(struct vmm *vmm, struct kvm_run *run);

/* Serve a KVM_EXIT_HYPERCALL: set run->hypercall.ret. */
void devices_hypercall(struct vmm *vmm, struct kvm_run *run);

/* What a read of size bytes from nothing gives: all ones. */
uint32_t devices_all_ones(unsigned int size);

/* Write guest output to mvctl's standard output, unbuffered. */
void devices_output(const void *bytes, size_t size);

#endif /* MVCTL_DEVICES_H */
