// SPDX-License-Identifier: GPL-2.0
/*
 * An assigned function's configuration space, as its VM sees it.
 *
 * The guest's driver finds and sets up a PCI function through its
 * configuration space (PCI Local Bus Specification 3.0, chapter 6), which
 * the VMM presents on an emulated bus and reaches through the ioctls
 * MINIVISOR_PCI_CONFIG_READ and _WRITE. Most of it can be the device's
 * own, but not all: the host decides where the function's resources live.
 *
 * - The BARs hold host-physical addresses. The guest sees the addresses
 *   its VMM chose at assignment instead, and sizes BARs as on hardware:
 *   after a write of all ones, a BAR reads back the mask of its size. A
 *   write that moves a memory BAR moves its mapping (assign.c).
 * - The expansion ROM is not offered: it reads 0.
 * - The MSI capability's message and enables, and MSI-X's enable and
 *   function mask, are the guest's own, kept apart from the host's
 *   (msi.c).
 * - Only the command register's decode and bus master enables and the
 *   status register's write-1-to-clear bits are the guest's to write.
 *   Every other write is dropped: the capabilities past the standard
 *   header hold host business (ACS keeps functions apart, SR-IOV and
 *   resizable BARs place memory, a function level reset or power state
 *   change would wipe what the host set up). The VMM emulates what the
 *   guest needs of them.
 */
#include <linux/pci.h>
#include <linux/spinlock.h>

#include "../vm.h"
#include "assign.h"

/*
 * The command bits a guest may set: decode and bus master. INTx disable is
 * the host's, which masks INTx with it (irq.c).
 */
#define GUEST_COMMAND_BITS (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | \
			    PCI_COMMAND_MASTER)
/* The status bits a guest may clear by writing 1. */
#define GUEST_STATUS_BITS (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			   PCI_STATUS_REC_TARGET_ABORT | \
			   PCI_STATUS_REC_MASTER_ABORT | \
			   PCI_STATUS_SIG_SYSTEM_ERROR | \
			   PCI_STATUS_DETECTED_PARITY)
#define CONFIG_END	4096

/*
 * What the guest sees of the BARs before it writes them: sizes and kinds
 * from the device, addresses none yet (assign.c sets them).
 */
void mv_config_init(struct mv_assigned *assigned)
{
	struct pci_dev *pdev = assigned->pdev;
	struct mv_bar *bar;
	struct resource *res;
	u32 reg;
	int i;

	for (i = 0; i < MINIVISOR_PCI_BARS; i++) {
		res = &pdev->resource[i];
		bar = &assigned->bars[i];
		if (!resource_size(res) ||
		    !(res->flags & (IORESOURCE_MEM | IORESOURCE_IO)))
			continue;
		pci_read_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * i, &reg);
		bar->host_start = res->start;
		bar->size = resource_size(res);
		if (res->flags & IORESOURCE_IO) {
			bar->flags = reg & ~PCI_BASE_ADDRESS_IO_MASK;
			continue;
		}
		bar->flags = reg & ~PCI_BASE_ADDRESS_MEM_MASK;
		bar->is_64bit = reg & PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (bar->is_64bit)
			i++;	/* the next register is this BAR's top half */
	}
	mv_msi_init(assigned);
}

/*
 * The BAR whose register (low or, for a 64-bit BAR, high half) is BAR
 * register index, or NULL; *high says which half.
 */
static struct mv_bar *bar_of_register(struct mv_assigned *assigned,
				      int index, bool *high)
{
	*high = index > 0 && assigned->bars[index - 1].is_64bit;
	if (*high)
		return &assigned->bars[index - 1];
	return assigned->bars[index].size ? &assigned->bars[index] : NULL;
}

static u32 bar_read(struct mv_assigned *assigned, int index)
{
	bool high;
	struct mv_bar *bar = bar_of_register(assigned, index, &high);
	u64 value;

	if (!bar)
		return 0;
	value = (bar->guest_value & ~(bar->size - 1)) | bar->flags;
	return high ? upper_32_bits(value) : lower_32_bits(value);
}

static void bar_write(struct mv_assigned *assigned, int index, u32 value)
{
	bool high;
	struct mv_bar *bar = bar_of_register(assigned, index, &high);

	if (!bar)
		return;
	if (high)
		bar->guest_value = (u64)value << 32 |
				   lower_32_bits(bar->guest_value);
	else
		bar->guest_value = (bar->guest_value & GENMASK_ULL(63, 32)) |
				   value;
	bar->guest_value &= ~(bar->size - 1);
	if (bar->flags & PCI_BASE_ADDRESS_SPACE_IO)
		return;		/* I/O BARs are the VMM's to emulate */
	if (bar->mapped_gpa != bar->guest_value) {
		mv_bar_unmap(assigned, bar);
		mv_bar_map(assigned, bar);
	}
}

static int check_access(const struct minivisor_pci_config *access)
{
	if ((access->size != 1 && access->size != 2 && access->size != 4) ||
	    access->offset & (access->size - 1) ||
	    access->offset >= CONFIG_END || access->pad)
		return -EINVAL;
	return 0;
}

/* The dword at a 4-byte aligned offset, as the guest sees it. */
static u32 guest_dword(struct mv_assigned *assigned, unsigned int at)
{
	u32 value;

	if (at >= PCI_BASE_ADDRESS_0 && at <= PCI_BASE_ADDRESS_5)
		return bar_read(assigned, (at - PCI_BASE_ADDRESS_0) / 4);
	if (at == PCI_ROM_ADDRESS)
		return 0;
	if (pci_user_read_config_dword(assigned->pdev, at, &value))
		return ~0u;
	return mv_msi_read(assigned, at, value);
}

int mv_config_read(struct mv_assigned *assigned,
		   struct minivisor_pci_config *access)
{
	unsigned int shift = (access->offset & 3) * 8;
	int ret = check_access(access);

	if (ret)
		return ret;
	access->value = guest_dword(assigned, access->offset & ~3) >> shift;
	if (access->size < 4)
		access->value &= BIT(access->size * 8) - 1;
	return 0;
}

/*
 * A write to the command or status register, each its own bits. The
 * command register also holds the host's INTx disable bit, which the
 * interrupt handler sets and clears under irq_lock (irq.c): the guest's
 * read-modify-write holds it too.
 */
static void command_status_write(struct mv_assigned *assigned,
				 unsigned int offset, unsigned int size,
				 u32 value)
{
	spinlock_t *irq_lock = &assigned->vm->devices.irq_lock;
	struct pci_dev *pdev = assigned->pdev;
	u32 bytes = GENMASK(offset % 4 * 8 + size * 8 - 1, offset % 4 * 8);
	u32 data = value << (offset % 4 * 8);
	unsigned long flags;
	u16 command;

	if (bytes & 0xffff) {
		spin_lock_irqsave(irq_lock, flags);
		pci_read_config_word(pdev, PCI_COMMAND, &command);
		command &= ~(GUEST_COMMAND_BITS & bytes);
		command |= data & GUEST_COMMAND_BITS & bytes;
		pci_write_config_word(pdev, PCI_COMMAND, command);
		spin_unlock_irqrestore(irq_lock, flags);
	}
	if (data & bytes & (GUEST_STATUS_BITS << 16))
		pci_user_write_config_word(pdev, PCI_STATUS,
					   (data >> 16) & GUEST_STATUS_BITS);
}

int mv_config_write(struct mv_assigned *assigned,
		    const struct minivisor_pci_config *access)
{
	unsigned int at = access->offset & ~3;
	unsigned int shift = (access->offset & 3) * 8;
	u32 bytes, value;
	int ret = check_access(access);

	if (ret)
		return ret;
	if (at >= PCI_BASE_ADDRESS_0 && at <= PCI_BASE_ADDRESS_5) {
		/* A narrow write changes its bytes of the register. */
		bytes = GENMASK(shift + access->size * 8 - 1, shift);
		value = (guest_dword(assigned, at) & ~bytes) |
			((access->value << shift) & bytes);
		bar_write(assigned, (at - PCI_BASE_ADDRESS_0) / 4, value);
	} else if (at == PCI_COMMAND) {
		command_status_write(assigned, access->offset,
				     access->size, access->value);
	} else {
		return mv_msi_write(assigned, access->offset, access->size,
				    access->value);
	}
	return 0;
}
