// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl lab's devices: a loopback store of bytes, first in first out,
 * and three ways for the guest to reach it. They are what the lab
 * compares: how many times the guest must stop for the same bytes.
 *
 * - The data port (LAB_DATA_PORT): an OUT gives the store a byte, an IN
 *   takes the oldest back. Each is a KVM_EXIT_IO, a byte at a time.
 * - The MMIO data register (LAB_MMIO_DATA), outside every memslot: a
 *   32-bit write gives four bytes, a read takes four. Each is a
 *   KVM_EXIT_MMIO, after the hypervisor decoded the instruction.
 * - minivisor's PV ring (<linux/minivisor_pv.h> says how it works): the
 *   guest queues buffer descriptors in its own memory; on the doorbell, a
 *   single KVM_EXIT_IO, mvctl copies every queued buffer at once. The
 *   doorbell may also be the hypercall MINIVISOR_HC_PV_NOTIFY, a single
 *   KVM_EXIT_HYPERCALL, which mvctl lab asks the module to send it.
 *
 * They exist only in mvctl lab's VMs (vmm->lab); for mvctl run the ports
 * and the address are unclaimed (devices.c). The VM's devices_lock is
 * held around every call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm_para.h>
#include <linux/minivisor_pv.h>

#include "devices.h"
#include "guests/lab.h"
#include "lab_devices.h"

int lab_devices_init(struct vmm_lab *lab, size_t size)
{
	*lab = (struct vmm_lab){ .size = size };
	lab->bytes = malloc(size);
	return lab->bytes ? 0 : -ENOMEM;
}

void lab_devices_free(struct vmm_lab *lab)
{
	free(lab->bytes);
	lab->bytes = NULL;
}

/* Keep count bytes; what does not fit is dropped, as by a full device. */
static void give(struct vmm_lab *lab, const uint8_t *from, size_t count)
{
	for (size_t i = 0; i < count && lab->held < lab->size; i++) {
		lab->bytes[(lab->oldest + lab->held) % lab->size] = from[i];
		lab->held++;
	}
}

/* Up to count of the oldest bytes; returns how many there were. */
static size_t take(struct vmm_lab *lab, uint8_t *to, size_t count)
{
	size_t i;

	for (i = 0; i < count && lab->held; i++) {
		to[i] = lab->bytes[lab->oldest];
		lab->oldest = (lab->oldest + 1) % lab->size;
		lab->held--;
	}
	return i;
}

static uint32_t data_port_in(struct vmm *vmm, uint16_t offset,
			     unsigned int size)
{
	uint32_t value = 0xffffffff;

	(void)offset;
	if (vmm->lab)
		take(vmm->lab, (uint8_t *)&value, size);
	return value;
}

static void data_port_out(struct vmm *vmm, uint16_t offset,
			  unsigned int size, uint32_t value)
{
	(void)offset;
	if (vmm->lab)
		give(vmm->lab, (const uint8_t *)&value, size);
}

const struct port_device lab_data_port_device = {
	.name = "lab data port",
	.base = LAB_DATA_PORT,
	.count = 1,
	.in = data_port_in,
	.out = data_port_out,
};

bool lab_devices_mmio(struct vmm *vmm, struct kvm_run *run)
{
	uint64_t addr = run->mmio.phys_addr;

	if (!vmm->lab || addr < LAB_MMIO_DATA || addr - LAB_MMIO_DATA >= 4 ||
	    run->mmio.len > 4 - (addr - LAB_MMIO_DATA))
		return false;
	if (run->mmio.is_write) {
		give(vmm->lab, run->mmio.data, run->mmio.len);
	} else {
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		take(vmm->lab, run->mmio.data, run->mmio.len);
	}
	return true;
}

/* The guest memory of a buffer, or NULL if it is not all guest memory. */
static uint8_t *guest_buffer(struct vmm *vmm, uint64_t addr, uint64_t len)
{
	if (addr > vmm->mem_size || len > vmm->mem_size - addr)
		return NULL;
	return vmm->mem + addr;
}

/* Serve the descriptors the guest queued since the last doorbell. */
static void serve_ring(struct vmm *vmm, struct minivisor_pv_ring *ring)
{
	uint32_t produced = __atomic_load_n(&ring->produced, __ATOMIC_ACQUIRE);
	uint32_t consumed = ring->consumed;

	if (produced - consumed > MINIVISOR_PV_RING_SIZE)
		produced = consumed + MINIVISOR_PV_RING_SIZE;
	for (; consumed != produced; consumed++) {
		struct minivisor_pv_desc *desc =
			&ring->desc[consumed % MINIVISOR_PV_RING_SIZE];
		uint8_t *buffer = NULL;

		if (desc->len <= MINIVISOR_PV_MAX_LEN)
			buffer = guest_buffer(vmm, desc->addr, desc->len);
		if (!buffer)
			desc->len = 0;
		else if (desc->flags & MINIVISOR_PV_DESC_WRITE)
			desc->len = take(vmm->lab, buffer, desc->len);
		else
			give(vmm->lab, buffer, desc->len);
	}
	__atomic_store_n(&ring->consumed, consumed, __ATOMIC_RELEASE);
}

static uint32_t pv_in(struct vmm *vmm, uint16_t offset, unsigned int size)
{
	(void)vmm;
	(void)offset;
	return devices_all_ones(size);
}

/*
 * The ring's guest-physical address, 0 to detach it. A ring that is not
 * page-aligned guest memory leaves it detached; returns whether it is
 * attached.
 */
static bool attach_ring(struct vmm *vmm, uint64_t addr)
{
	if (addr % 4096 ||
	    !guest_buffer(vmm, addr, sizeof(struct minivisor_pv_ring)))
		addr = 0;
	vmm->lab->pv_ring = addr;
	return addr;
}

static void ring_doorbell(struct vmm *vmm)
{
	if (vmm->lab->pv_ring)
		serve_ring(vmm, (struct minivisor_pv_ring *)
				(vmm->mem + vmm->lab->pv_ring));
}

static void pv_out(struct vmm *vmm, uint16_t offset, unsigned int size,
		   uint32_t value)
{
	if (!vmm->lab || size != 4)
		return;
	switch (MINIVISOR_PV_RING_PORT + offset) {
	case MINIVISOR_PV_RING_PORT:
		attach_ring(vmm, value);
		break;
	case MINIVISOR_PV_DOORBELL_PORT:
		ring_doorbell(vmm);
		break;
	}
}

bool lab_devices_hypercall(struct vmm *vmm, struct kvm_run *run)
{
	if (!vmm->lab || run->hypercall.nr != MINIVISOR_HC_PV_NOTIFY)
		return false;
	if (attach_ring(vmm, run->hypercall.args[0])) {
		ring_doorbell(vmm);
		run->hypercall.ret = 0;
	} else {
		run->hypercall.ret = -KVM_EINVAL;
	}
	return true;
}

const struct port_device lab_pv_device = {
	.name = "minivisor PV ring",
	.base = MINIVISOR_PV_RING_PORT,
	.count = 8,
	.in = pv_in,
	.out = pv_out,
};
