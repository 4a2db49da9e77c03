/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivisor's own userspace interface, beside the KVM API it shares.
 *
 * /dev/minivisor answers the ioctls of <linux/kvm.h> (magic KVMIO, 0xAE)
 * exactly as KVM does. What KVM has no ioctl for, such as assigning an
 * SR-IOV virtual function to a VM, gets an ioctl here under minivisor's own
 * magic, so that the two sets can never collide. 0xAF numbers 0x00-0x1f
 * belong to the Freescale hypervisor (Documentation/userspace-api/ioctl/
 * ioctl-number.rst); minivisor numbers its ioctls from 0x80.
 */
#ifndef _UAPI_LINUX_MINIVISOR_H
#define _UAPI_LINUX_MINIVISOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MINIVISOR_DEVICE_PATH	"/dev/minivisor"
#define MINIVISOR_IOCTL_MAGIC	0xAF

/*
 * Management and monitoring: the generic netlink family "minivisor".
 *
 * MINIVISOR_CMD_GET_VM answers with one message per VM: a dump lists every
 * VM the caller may see, a request with MINIVISOR_ATTR_VM_ID names one.
 * MINIVISOR_CMD_GET_STATS is a dump of one message per vCPU, of the VM
 * named by MINIVISOR_ATTR_VM_ID or of every VM the caller may see. A VM is
 * seen by the user who created it and by CAP_SYS_ADMIN; asking for another
 * user's VM fails with EPERM, for a VM that does not exist with ENOENT.
 *
 * The multicast group "events" (CAP_SYS_ADMIN only) carries a
 * MINIVISOR_CMD_EVENT message when a VM is created or destroyed and when
 * a vCPU stops for good: a triple fault (shutdown) or an internal error.
 *
 * SR-IOV and the PCI functions minivisor claims for assignment, all for
 * CAP_SYS_ADMIN alone (EPERM otherwise). A PCI function is named by its
 * address, MINIVISOR_ATTR_PCI_ADDRESS, as the kernel writes it
 * ("0000:01:00.0"); an address where no function is fails with ENODEV.
 *
 * MINIVISOR_CMD_SRIOV_LIST is a dump of one message per SR-IOV physical
 * function (PF), virtual function (VF) and claimed function: its address,
 * kind, state, vendor and device ids and driver; a PF's enabled and total
 * VFs, a VF's PF. MINIVISOR_CMD_SRIOV_ENABLE enables MINIVISOR_ATTR_NUM_VFS
 * VFs on a PF, through its driver's sriov_configure (as writing its sysfs
 * file sriov_numvfs does), or, for a PF without a driver, through
 * minivisor's PF driver "minivisor-pf". MINIVISOR_CMD_SRIOV_DISABLE removes
 * them. Either fails with EINVAL for a function that is not a PF or a count
 * of 0 or above the PF's TotalVFs, with EBUSY while any of its VFs is
 * claimed or while other VFs than those asked for are enabled, with
 * EOPNOTSUPP when the PF's driver cannot configure VFs.
 *
 * MINIVISOR_CMD_PCI_CLAIM unbinds a function (a VF or any other endpoint)
 * from its driver and binds minivisor's driver "minivisor" to it, which
 * takes over its DMA (its IOMMU group is blocked until a VM's own domain is
 * attached); MINIVISOR_CMD_PCI_RELEASE hands it back to whichever driver
 * binds to it then. Claiming fails with EINVAL for a bridge, EBUSY for a
 * function already claimed, a PF with VFs enabled, or a function sharing
 * its IOMMU group with one in use by a host driver; releasing a function
 * that is not claimed fails with EINVAL.
 */
#define MINIVISOR_GENL_NAME		"minivisor"
#define MINIVISOR_GENL_VERSION		1
#define MINIVISOR_GENL_EVENTS_GROUP	"events"

enum minivisor_cmd {
	MINIVISOR_CMD_UNSPEC,
	MINIVISOR_CMD_GET_VM,
	MINIVISOR_CMD_GET_STATS,
	MINIVISOR_CMD_EVENT,
	MINIVISOR_CMD_SRIOV_LIST,
	MINIVISOR_CMD_SRIOV_ENABLE,
	MINIVISOR_CMD_SRIOV_DISABLE,
	MINIVISOR_CMD_PCI_CLAIM,
	MINIVISOR_CMD_PCI_RELEASE,
	__MINIVISOR_CMD_MAX,
};

#define MINIVISOR_CMD_MAX (__MINIVISOR_CMD_MAX - 1)

enum minivisor_attr {
	MINIVISOR_ATTR_UNSPEC,
	MINIVISOR_ATTR_PAD,
	MINIVISOR_ATTR_VM_ID,		/* u32: the VM, as the family names it */
	MINIVISOR_ATTR_PID,		/* u32: the process that created it */
	MINIVISOR_ATTR_UID,		/* u32: that process's effective user */
	MINIVISOR_ATTR_VCPUS,		/* u32: how many vCPUs it has */
	MINIVISOR_ATTR_MEMORY,		/* u64: bytes of guest memory (memslots) */
	MINIVISOR_ATTR_UPTIME_NS,	/* u64: since KVM_CREATE_VM */
	MINIVISOR_ATTR_MAPPED_4K,	/* u64: 4 KiB EPT mappings now */
	MINIVISOR_ATTR_MAPPED_2M,	/* u64: 2 MiB EPT mappings now */
	MINIVISOR_ATTR_DIRTY_LOG_PASSES, /* u64: KVM_GET_DIRTY_LOG calls */
	MINIVISOR_ATTR_VCPU_ID,		/* u32 */
	MINIVISOR_ATTR_USER_EXITS,	/* u64: KVM_RUN returns to userspace */
	MINIVISOR_ATTR_EXIT,		/* nested, repeated: one exit reason */
	MINIVISOR_ATTR_EXIT_REASON,	/* u32: VMX basic exit reason */
	MINIVISOR_ATTR_EXIT_NAME,	/* string: its name in the SDM */
	MINIVISOR_ATTR_EXIT_COUNT,	/* u64: exits for that reason */
	MINIVISOR_ATTR_EXIT_CYCLES,	/* u64: TSC cycles spent on them in the kernel */
	MINIVISOR_ATTR_EVENT,		/* u32: enum minivisor_event */
	MINIVISOR_ATTR_EVENT_REASON,	/* string: why, for vCPU events */
	MINIVISOR_ATTR_SUBERROR,	/* u32: kvm_run's internal.suberror */
	MINIVISOR_ATTR_PCI_ADDRESS,	/* string: "0000:01:00.0" */
	MINIVISOR_ATTR_PCI_KIND,	/* u32: enum minivisor_pci_kind */
	MINIVISOR_ATTR_PCI_STATE,	/* u32: enum minivisor_pci_state */
	MINIVISOR_ATTR_PCI_VENDOR,	/* u16: vendor id */
	MINIVISOR_ATTR_PCI_DEVICE,	/* u16: device id */
	MINIVISOR_ATTR_PCI_DRIVER,	/* string: bound driver, absent if none */
	MINIVISOR_ATTR_NUM_VFS,		/* u32: a PF's enabled VFs */
	MINIVISOR_ATTR_TOTAL_VFS,	/* u32: a PF's TotalVFs */
	MINIVISOR_ATTR_PCI_PF,		/* string: a VF's PF address */
	MINIVISOR_ATTR_PCI_VM_ID,	/* u32: the VM an assigned function is in */
	__MINIVISOR_ATTR_MAX,
};

#define MINIVISOR_ATTR_MAX (__MINIVISOR_ATTR_MAX - 1)

enum minivisor_event {
	MINIVISOR_EVENT_VM_CREATED = 1,
	MINIVISOR_EVENT_VM_DESTROYED,
	MINIVISOR_EVENT_VCPU_SHUTDOWN,		/* KVM_EXIT_SHUTDOWN */
	MINIVISOR_EVENT_VCPU_INTERNAL_ERROR,	/* KVM_EXIT_INTERNAL_ERROR */
};

enum minivisor_pci_kind {
	MINIVISOR_PCI_PF = 1,		/* SR-IOV physical function */
	MINIVISOR_PCI_VF,		/* SR-IOV virtual function */
	MINIVISOR_PCI_FUNCTION,		/* any other PCI function */
};

enum minivisor_pci_state {
	MINIVISOR_PCI_FREE = 1,		/* the host's: any driver or none */
	MINIVISOR_PCI_CLAIMED,		/* bound to minivisor, DMA blocked */
	MINIVISOR_PCI_ASSIGNED,		/* claimed and assigned to a VM */
};

/*
 * Assigning a claimed PCI function to a VM: ioctls on the VM fd, for
 * CAP_SYS_ADMIN alone (EPERM otherwise). They work without VT-x: a VM is
 * an address space, and its devices and their DMA need no vCPU.
 *
 * A function is named by its address: minivisor_pci_address(segment, bus,
 * device, function), as PCI_DEVID does with the segment above it.
 *
 * MINIVISOR_ASSIGN_PCI gives a claimed function (MINIVISOR_CMD_PCI_CLAIM)
 * to the VM. Each memory BAR i with bar_gpa[i] != 0 appears at that
 * guest-physical address (aligned to the BAR's size), mapped straight into
 * the VM's EPT as uncacheable memory, so guest accesses take no VM exit;
 * the pages holding an MSI-X table or PBA are left out and exit to
 * userspace as MMIO, as do I/O BARs. The function's DMA goes through an
 * IOMMU domain of the VM's own, in which every memslot is mapped
 * guest-physical to host-physical, its pages pinned while a function is
 * assigned; memslot changes are reflected in it. Without an IOMMU the
 * assignment fails with EOPNOTSUPP unless the module was loaded with
 * allow_unsafe_noiommu=1 (which taints the kernel: the function can then
 * DMA anywhere); with an IOMMU but no interrupt remapping, unless
 * allow_unsafe_interrupts=1 (its DMA could raise host interrupts). Errors:
 * ENODEV, no function at that address; EINVAL, not claimed, a bar_gpa that
 * is unaligned, given for a BAR that is not memory or smaller than a page,
 * flags other than 0, or an MSI-X table outside the function's memory
 * BARs; EEXIST, a BAR would overlap a memslot or another BAR; EBUSY, the
 * function is assigned already or its IOMMU group is another VM's.
 *
 * MINIVISOR_DEASSIGN_PCI takes it back: its BARs leave the EPT, it is
 * reset (a function level reset where it has one), and its DMA is blocked
 * again. Closing the VM does the same for every function it has.
 *
 * MINIVISOR_PCI_CONFIG_READ and _WRITE reach an assigned function's
 * configuration space, size 1, 2 or 4 bytes at a naturally aligned offset
 * below 4096, for the VMM to show the guest. The BARs read as the guest
 * addresses given at assignment, and size the way hardware does (write all
 * ones, read the size mask); a BAR write moves the BAR in the guest. The
 * expansion ROM BAR reads 0. The MSI capability's message address,
 * data, enable and multiple message enable are the guest's: they read
 * back as written and never reach the function, which keeps the host's.
 * While the guest has MSI enabled, the function's MSI vectors go to the
 * vCPU whose id is the message's destination APIC id (physical mode), at
 * the vector its data names (fixed or lowest priority delivery); a
 * message to no such vCPU, or any other message, is dropped. Of MSI-X,
 * only the enable and function mask bits are the guest's (they read back
 * as written); its table is the VMM's to emulate. Besides these, only
 * the command register's memory, I/O and bus master enables and the
 * status register's write-1-to-clear bits take writes (INTx disable is
 * the host's: see MINIVISOR_SET_PCI_IRQS); every other write is dropped,
 * so the other capabilities (power management, PCI Express, ACS, SR-IOV)
 * are the VMM's to emulate. EINVAL for a bad size or offset, ENODEV for a
 * function the VM does not have; a write that turns MSI on fails with the
 * errno of taking the host interrupt (ENOSPC, say).
 */
#define MINIVISOR_PCI_BARS	6

/*
 * MINIVISOR_SET_PCI_IRQS routes an assigned function's interrupts into
 * the guest: vector routes[i].vector on vCPU routes[i].vcpu for the
 * function's INTx (count 1), its MSI vectors or its MSI-X vectors (count
 * 1 to MINIVISOR_PCI_MAX_IRQS, the first count of them), as the VMM saw
 * the guest program them in its emulation of those capabilities. Type
 * MINIVISOR_PCI_IRQ_NONE (count 0) removes the routes. Each call replaces
 * what the previous one set, or what the guest's MSI programming set
 * (see MINIVISOR_PCI_CONFIG_WRITE); the guest's next write to its MSI
 * capability routes MSI as it says again. The interrupt arrives in the
 * guest as an external interrupt, as from KVM_INTERRUPT, as soon as the
 * guest can take it; a vCPU running in the guest is made to exit for it.
 * INTx is masked at the function when it fires and unmasked when the
 * guest has taken the vector: if the function still asserts it then, the
 * guest takes it again. Errors: EINVAL, a bad type or count, a vector below 32, a vCPU that
 * does not exist, or a function without that kind of interrupt; ENODEV,
 * a function the VM does not have.
 */
#define MINIVISOR_PCI_IRQ_NONE	0
#define MINIVISOR_PCI_IRQ_INTX	1
#define MINIVISOR_PCI_IRQ_MSI	2
#define MINIVISOR_PCI_IRQ_MSIX	3
#define MINIVISOR_PCI_MAX_IRQS	32

static inline unsigned int minivisor_pci_address(unsigned int segment,
						 unsigned int bus,
						 unsigned int device,
						 unsigned int function)
{
	return segment << 16 | bus << 8 | device << 3 | function;
}

struct minivisor_assign_pci {
	__u32 address;			/* minivisor_pci_address() */
	__u32 flags;			/* 0 */
	__u64 bar_gpa[MINIVISOR_PCI_BARS];	/* 0: the BAR is not mapped */
};

struct minivisor_pci_config {
	__u32 address;			/* minivisor_pci_address() */
	__u16 offset;			/* in configuration space */
	__u8 size;			/* 1, 2 or 4 */
	__u8 pad;			/* 0 */
	__u32 value;			/* in the low size bytes */
};

struct minivisor_pci_irq_route {
	__u32 vcpu;			/* vCPU id */
	__u32 vector;			/* 32 to 255 */
};

struct minivisor_pci_irqs {
	__u32 address;			/* minivisor_pci_address() */
	__u32 type;			/* MINIVISOR_PCI_IRQ_* */
	__u32 count;			/* routes used */
	__u32 pad;			/* 0 */
	struct minivisor_pci_irq_route routes[MINIVISOR_PCI_MAX_IRQS];
};

#define MINIVISOR_ASSIGN_PCI \
	_IOW(MINIVISOR_IOCTL_MAGIC, 0x80, struct minivisor_assign_pci)
#define MINIVISOR_DEASSIGN_PCI \
	_IOW(MINIVISOR_IOCTL_MAGIC, 0x81, __u32)
#define MINIVISOR_PCI_CONFIG_READ \
	_IOWR(MINIVISOR_IOCTL_MAGIC, 0x82, struct minivisor_pci_config)
#define MINIVISOR_PCI_CONFIG_WRITE \
	_IOW(MINIVISOR_IOCTL_MAGIC, 0x83, struct minivisor_pci_config)
#define MINIVISOR_SET_PCI_IRQS \
	_IOW(MINIVISOR_IOCTL_MAGIC, 0x84, struct minivisor_pci_irqs)

#endif /* _UAPI_LINUX_MINIVISOR_H */
