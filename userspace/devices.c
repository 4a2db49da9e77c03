// SPDX-License-Identifier: GPL-2.0
/*
 * Device dispatch for mvctl run: which emulated device answers a port,
 * and what happens where none does.
 *
 * KVM hands every port access it does not handle itself to userspace as
 * KVM_EXIT_IO (api.rst, "KVM_RUN"): the port, the direction, the size of
 * one item and their count, the data in the kvm_run page at data_offset.
 * A guest-physical address outside every memslot comes out as
 * KVM_EXIT_MMIO with the address, length and data; mvctl's one MMIO
 * device is mvctl lab's (lab_devices.c). An access nobody handles is
 * reported on stderr the first time its port or address is seen, then
 * behaves as on a PC bus with nothing there: reads give all ones, writes
 * go nowhere. A hypercall the VMM asked for (KVM_CAP_EXIT_HYPERCALL) comes
 * out as KVM_EXIT_HYPERCALL; the only ones mvctl asks for are mvctl lab's,
 * and any other returns -KVM_ENOSYS, as the hypervisor's own would.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "devices.h"
#include "lab_devices.h"
#include "pci.h"

static const struct port_device *const port_devices[] = {
	&uart_device,
	&debugcon_device,
	&exitport_device,
	&pci_device,
	&lab_data_port_device,
	&lab_pv_device,
};

/* The ports and addresses already reported; more are reported each time. */
#define REPORTED_MAX	256

struct reported_access {
	uint64_t addr;
	bool mmio;
};

static struct reported_access reported[REPORTED_MAX];
static unsigned int nr_reported;

static bool first_report(uint64_t addr, bool mmio)
{
	for (unsigned int i = 0; i < nr_reported; i++)
		if (reported[i].addr == addr && reported[i].mmio == mmio)
			return false;
	if (nr_reported < REPORTED_MAX)
		reported[nr_reported++] = (struct reported_access){ addr, mmio };
	return true;
}

void devices_output(const void *bytes, size_t size)
{
	const char *next = bytes;

	while (size) {
		ssize_t n = write(STDOUT_FILENO, next, size);

		if (n <= 0)
			return;
		next += n;
		size -= n;
	}
}

static const struct port_device *find_port_device(uint16_t port)
{
	for (size_t i = 0; i < sizeof(port_devices) / sizeof(port_devices[0]);
	     i++) {
		const struct port_device *dev = port_devices[i];

		if (port >= dev->base && port - dev->base < dev->count)
			return dev;
	}
	return NULL;
}

uint32_t devices_all_ones(unsigned int size)
{
	return size >= 4 ? 0xffffffff : (1U << (size * 8)) - 1;
}

void devices_io(struct vmm *vmm, struct kvm_run *run)
{
	const struct port_device *dev = find_port_device(run->io.port);
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	if (!dev && first_report(run->io.port, false))
		fprintf(stderr,
			"mvctl run: unhandled I/O %s port %#x (size %u); reads give all ones, writes are ignored\n",
			out ? "write to" : "read from", run->io.port, size);
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		uint32_t value = 0;

		if (out) {
			memcpy(&value, data, size);
			if (dev)
				dev->out(vmm, run->io.port - dev->base, size,
					 value);
		} else {
			value = dev ? dev->in(vmm, run->io.port - dev->base,
					      size) : devices_all_ones(size);
			memcpy(data, &value, size);
		}
	}
}

void devices_mmio(struct vmm *vmm, struct kvm_run *run)
{
	if (lab_devices_mmio(vmm, run))
		return;
	if (first_report(run->mmio.phys_addr, true))
		fprintf(stderr,
			"mvctl run: unhandled MMIO %s %#llx (%u bytes); reads give all ones, writes are ignored\n",
			run->mmio.is_write ? "write to" : "read from",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
}

void devices_hypercall(struct vmm *vmm, struct kvm_run *run)
{
	if (!lab_devices_hypercall(vmm, run))
		run->hypercall.ret = -KVM_ENOSYS;
}
