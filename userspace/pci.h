/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl run --assign: host PCI functions given to the guest, and the
 * emulated PCI configuration bus on which the guest finds them.
 *
 * A function must have been claimed (mvctl sriov claim) first. mvctl reads
 * the sizes of its BARs from the host's sysfs, places each memory BAR at a
 * guest-physical address above guest memory and below 4 GiB (or where
 * --assign says), and asks minivisor to assign the function to the VM
 * (MINIVISOR_ASSIGN_PCI, uapi/linux/minivisor.h): the BARs go straight
 * into the VM's EPT, so the guest reaches the device's registers without
 * a VM exit. Only configuration space goes through mvctl: the bus in
 * pci.c, configuration mechanism #1 at ports 0xcf8 and 0xcfc.
 */
#ifndef MVCTL_PCI_H
#define MVCTL_PCI_H

#include <stdint.h>
#include <linux/minivisor.h>

#include "devices.h"
#include "vmm.h"

/* One --assign: the host function and where its memory BARs go. */
struct pci_assignment {
	char name[16];		/* as in /sys/bus/pci/devices: 0000:00:02.0 */
	uint32_t address;	/* minivisor_pci_address() */
	uint64_t bar_size[MINIVISOR_PCI_BARS];	/* 0: not a memory BAR */
	uint64_t bar_gpa[MINIVISOR_PCI_BARS];	/* 0: for mvctl to choose */
};

/*
 * Parse the value of --assign, "BDF[,barN=GPA...]", and read the
 * function's BARs from sysfs. On error print why and return non-zero
 * (an mvctl exit status).
 */
int pci_parse_assign(const char *text, struct pci_assignment *assignment);

/*
 * Give every memory BAR of a page or more without an address one: from
 * 3 GiB or the end of guest memory, whichever is higher, aligned to its
 * size and clear of the BARs placed by --assign. Smaller BARs stay at 0,
 * unmapped: the EPT maps whole pages. Print why and return non-zero if
 * they do not fit below 4 GiB.
 */
int pci_place_bars(struct pci_assignment *assignments, int count,
		   uint64_t mem_size);

/*
 * Assign the functions to vmm's VM and put them on its PCI bus, in order,
 * as devices 1, 2, ... Print why and return non-zero if one fails.
 */
int pci_assign(struct vmm *vmm, const struct pci_assignment *assignments,
	       int count);

/*
 * Turn on the memory space of an assigned function, through the same
 * configuration access its guest would make: what firmware does before
 * a guest that does not do it itself. Returns 0 or -errno.
 */
int pci_enable_memory(struct vmm *vmm, const struct pci_assignment *assignment);

extern const struct port_device pci_device;

#endif /* MVCTL_PCI_H */
