// SPDX-License-Identifier: GPL-2.0
/*
 * The MSI and MSI-X capabilities of an assigned function, as its guest
 * programs them.
 *
 * An MSI message is a memory write the function makes into the interrupt
 * address range: the address names the destination local APIC, the data
 * word the vector and delivery mode (SDM Vol. 3A, 11.11 "Message
 * Signalled Interrupts"; PCI Local Bus 3.0, 6.8.1). The guest writes the
 * message it wants into the MSI capability, but the function must go on
 * sending the host's message, or the guest could raise any host
 * interrupt. So the guest's message registers live here and never reach
 * the device: the guest reads back what it wrote. When the guest turns
 * MSI on, minivisor takes the function's MSI on the host and routes each
 * vector to the vCPU whose id is the message's destination APIC id, at
 * the vector its data names (irq.c): the vectors arrive as the guest
 * asked. A message no interrupt controller of this VM would accept (not in
 * the interrupt range, logical destination, a delivery mode other than
 * fixed or lowest priority, a vector below 32, no such vCPU) is dropped,
 * as hardware drops it.
 *
 * MSI-X keeps its messages in a table in a BAR, which stays unmapped
 * (assign.c): the VMM sees the guest write it and routes the vectors
 * with MINIVISOR_SET_PCI_IRQS. Of the MSI-X capability only the enable
 * and function mask bits are the guest's: it reads back what it wrote,
 * while the function keeps the host's.
 */
#include <linux/pci.h>
#include <asm/unaligned.h>

#include "assign.h"

/* Message Control's high byte: MSI-X enable and function mask. */
#define MSIX_GUEST_BITS	((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8)

static bool msi_is_64bit(const struct mv_msi *msi)
{
	return msi->regs[PCI_MSI_FLAGS] & PCI_MSI_FLAGS_64BIT;
}

static unsigned int msi_data_at(const struct mv_msi *msi)
{
	return msi_is_64bit(msi) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

/*
 * The bits of the register byte at offset at (from the capability) that
 * are the guest's: enable and multiple message enable, the address (dword
 * aligned), the data word. The rest reads as the device has it.
 */
static u8 msi_guest_bits(const struct mv_msi *msi, unsigned int at)
{
	unsigned int data = msi_data_at(msi);

	if (at == PCI_MSI_FLAGS)
		return PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
	if (at == PCI_MSI_ADDRESS_LO)
		return 0xfc;
	if ((at > PCI_MSI_ADDRESS_LO && at < data) || at == data ||
	    at == data + 1)
		return 0xff;
	return 0;
}

void mv_msi_init(struct mv_assigned *assigned)
{
	struct pci_dev *pdev = assigned->pdev;
	struct mv_msi *msi = &assigned->msi;
	unsigned int at;

	msi->cap = pdev->msi_cap;
	if (!msi->cap)
		return;
	pci_read_config_byte(pdev, msi->cap + PCI_MSI_FLAGS,
			     &msi->regs[PCI_MSI_FLAGS]);
	msi->size = msi_data_at(msi) + 4;
	for (at = 0; at < msi->size; at++) {
		pci_read_config_byte(pdev, msi->cap + at, &msi->regs[at]);
		msi->regs[at] &= ~msi_guest_bits(msi, at);
	}
}

/* The guest's byte at offset over the device's, if it has one there. */
static u8 guest_byte(const struct mv_assigned *assigned, unsigned int offset,
		     u8 device)
{
	const struct mv_msi *msi = &assigned->msi;
	unsigned int msix_control = assigned->pdev->msix_cap +
				    PCI_MSIX_FLAGS + 1;

	if (msi->cap && offset >= msi->cap && offset < msi->cap + msi->size)
		return msi->regs[offset - msi->cap];
	if (assigned->pdev->msix_cap && offset == msix_control)
		return (device & ~MSIX_GUEST_BITS) | msi->msix_control;
	return device;
}

u32 mv_msi_read(const struct mv_assigned *assigned, unsigned int at,
		u32 device)
{
	u32 value = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		value |= (u32)guest_byte(assigned, at + i, device >> (8 * i)) <<
			 (8 * i);
	return value;
}

/* The guest wrote byte value at offset: keep its bits; true if MSI's. */
static bool guest_write_byte(struct mv_assigned *assigned,
			     unsigned int offset, u8 value)
{
	struct mv_msi *msi = &assigned->msi;
	unsigned int msix_control = assigned->pdev->msix_cap +
				    PCI_MSIX_FLAGS + 1;
	u8 *reg, bits;

	if (msi->cap && offset >= msi->cap && offset < msi->cap + msi->size) {
		reg = &msi->regs[offset - msi->cap];
		bits = msi_guest_bits(msi, offset - msi->cap);
		*reg = (*reg & ~bits) | (value & bits);
		return true;
	}
	if (assigned->pdev->msix_cap && offset == msix_control)
		msi->msix_control = value & MSIX_GUEST_BITS;
	return false;
}

static u32 msi_reg32(const struct mv_msi *msi, unsigned int at)
{
	return get_unaligned_le32(&msi->regs[at]);
}

/*
 * Route the function's MSI as the guest's registers now say, unless they
 * say what the routes already are.
 */
static int follow_guest_msi(struct mv_assigned *assigned)
{
	struct mv_msi *msi = &assigned->msi;
	u16 control = get_unaligned_le16(&msi->regs[PCI_MSI_FLAGS]);
	unsigned int capable = 1 << ((control & PCI_MSI_FLAGS_QMASK) >> 1);
	unsigned int count = 0;
	u64 address = msi_reg32(msi, PCI_MSI_ADDRESS_LO);
	u16 data = get_unaligned_le16(&msi->regs[msi_data_at(msi)]);
	int ret;

	if (control & PCI_MSI_FLAGS_ENABLE)
		count = min(1U << ((control & PCI_MSI_FLAGS_QSIZE) >> 4),
			    capable);
	if (msi_is_64bit(msi))
		address |= (u64)msi_reg32(msi, PCI_MSI_ADDRESS_HI) << 32;
	if (count == msi->routed_count &&
	    (!count || (address == msi->routed_address &&
			data == msi->routed_data)))
		return 0;
	ret = mv_irqs_route_msi(assigned, count, address, data);
	msi->routed_count = ret ? 0 : count;
	msi->routed_address = address;
	msi->routed_data = data;
	return ret;
}

int mv_msi_write(struct mv_assigned *assigned, unsigned int offset,
		 unsigned int size, u32 value)
{
	bool msi_written = false;
	unsigned int i;

	for (i = 0; i < size; i++)
		msi_written |= guest_write_byte(assigned, offset + i,
						value >> (8 * i));
	return msi_written ? follow_guest_msi(assigned) : 0;
}

void mv_msi_forget_routes(struct mv_assigned *assigned)
{
	assigned->msi.routed_count = 0;
}
