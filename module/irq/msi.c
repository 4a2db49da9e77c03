// SPDX-License-Identifier: GPL-2.0
/*
 * Message-signalled interrupts (Intel SDM Vol. 3A, 11.11): a device, or a
 * VMM's device model, writes a data word to an address in the
 * 0xfee00000 page, and the pair names the local APICs and the interrupt
 * they get. With the local APICs in the kernel, KVM_SIGNAL_MSI (api.rst
 * 4.71) hands such a write to them: how userspace's IOAPIC and devices
 * interrupt the guest.
 *
 * The address holds the destination APIC ID (bits 19:12), whether it is
 * logical (bit 2) and the redirection hint (bit 3; minivisor delivers to
 * every APIC named, as the delivery mode says, where KVM then picks one);
 * the data holds the vector (7:0), the delivery mode (10:8) and the
 * trigger mode (15).
 * As on KVM without KVM_CAP_X2APIC_API, the high address word is ignored.
 * The routes of GSIs (routing.c) are such messages too.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>

#include "lapic.h"
#include "msi.h"

#define MSI_ADDR_DEST_LOGICAL	BIT(2)
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_DATA_LEVEL		BIT(15)

void mv_msi_decode(u32 address_lo, u32 data, struct mv_lapic_irq *irq)
{
	*irq = (struct mv_lapic_irq) {
		.logical = address_lo & MSI_ADDR_DEST_LOGICAL,
		.dest = (address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff,
		.delivery_mode = data & APIC_MODE_MASK,
		.vector = data & APIC_VECTOR_MASK,
		.level_triggered = data & MSI_DATA_LEVEL,
	};
}

int mv_irq_signal_msi(struct mv_vm *vm, const struct kvm_msi *msi)
{
	struct mv_lapic_irq irq;

	if (msi->flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	mv_msi_decode(msi->address_lo, msi->data, &irq);
	return mv_lapic_deliver(vm, NULL, &irq);
}
