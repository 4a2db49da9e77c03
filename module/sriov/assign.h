/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI functions assigned to a VM: what the VM and its memslots need to
 * know of them. The ioctls and their errors are described in
 * uapi/linux/minivisor.h.
 *
 *   assign.c  assigning and taking back a function; placing its BARs
 *   dma.c     the VM's IOMMU domain: memslots mapped for the device's DMA
 *   config.c  the function's configuration space as the VM sees it
 *   irq.c     the function's interrupts, injected into the guest
 *   msi.c     its MSI and MSI-X capabilities as the guest programs them
 */
#ifndef MV_SRIOV_ASSIGN_H
#define MV_SRIOV_ASSIGN_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/minivisor.h>
#include <linux/mutex.h>
#include <linux/pci_regs.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../memory/memory.h"

struct mv_vm;
struct mv_vcpu;
struct pci_dev;
struct iommu_domain;
struct iommu_group;
struct pci_saved_state;

/* A memslot's pages as the VM's IOMMU domain maps them, pinned. */
struct mv_dma_slot {
	struct page **pages;		/* NULL: not mapped */
	u64 base_gfn, npages;
	unsigned long userspace_addr;
	bool writable;
	bool unchanged;			/* prepared: the mapping stays as it is */
};

/* The functions a VM has, and the DMA translation they share. */
struct mv_vm_devices {
	/*
	 * Held over assignment changes and memslot changes (before the
	 * memory locks), so that the IOMMU domain follows the memslots.
	 */
	struct mutex lock;
	struct list_head assigned;	/* struct mv_assigned */
	struct iommu_domain *domain;	/* while a function with an IOMMU is here */
	struct mv_dma_slot dma_slots[MV_NR_MEMSLOTS];
	/* INTx routes, for the vCPUs to unmask on delivery (irq.c). */
	spinlock_t irq_lock;
	struct list_head intx_routes;	/* struct mv_irq_route */
};

/* One memory or I/O BAR of an assigned function. */
struct mv_bar {
	u64 host_start;			/* 0: no BAR here */
	u64 size;
	u32 flags;			/* the BAR register's low bits */
	bool is_64bit;			/* the next register holds its top half */
	u64 guest_value;		/* the BAR as the VM reads it */
	u64 mapped_gpa;			/* where it is mapped, or 0 */
	u64 hole_start, hole_end;	/* offsets left unmapped: MSI-X */
};

/* One interrupt of an assigned function, routed to a vCPU's vector. */
struct mv_irq_route {
	struct list_head node;		/* INTx: in mv_vm_devices.intx_routes */
	struct mv_assigned *assigned;
	struct mv_vcpu *vcpu;
	int host_irq;
	u8 vector;
	bool intx;
	bool intx_maskable;		/* by INTx disable, not at the host IRQ */
	bool masked;			/* INTx fired, not yet delivered */
};

/*
 * The guest's MSI capability registers, and its MSI-X enable and function
 * mask bits (msi.c); what the routes were made from.
 */
struct mv_msi {
	u8 cap;				/* the MSI capability; 0: none */
	u8 size;			/* of its registers kept here */
	u8 regs[PCI_MSI_DATA_64 + 4];	/* from the capability on */
	u8 msix_control;		/* Message Control's high byte */
	unsigned int routed_count;	/* vectors routed from them; 0: none */
	u64 routed_address;
	u16 routed_data;
};

/* A function assigned to a VM. */
struct mv_assigned {
	struct list_head node;		/* in mv_vm_devices.assigned */
	struct mv_vm *vm;
	struct pci_dev *pdev;		/* referenced */
	struct iommu_group *group;	/* NULL without an IOMMU */
	struct pci_saved_state *host_state;	/* from before assignment */
	struct mv_bar bars[MINIVISOR_PCI_BARS];
	struct mv_irq_route *irqs;	/* MINIVISOR_SET_PCI_IRQS, or MSI */
	unsigned int nr_irqs;
	struct mv_msi msi;
};

/* Lifetime, with the VM (vm.c). */
void mv_vm_devices_init(struct mv_vm *vm);
void mv_vm_devices_release(struct mv_vm *vm);

/* The VM fd's ioctls of <linux/minivisor.h>. */
long mv_vm_devices_ioctl(struct mv_vm *vm, unsigned int ioctl,
			 void __user *argp);

/*
 * For KVM_SET_USER_MEMORY_REGION (vm.c), with mv_vm_devices.lock held: whether a guest range
 * holds an assigned BAR; and the IOMMU domain following a slot change
 * (pin the new range first, then swap the mappings once the slot changed).
 */
bool mv_assigned_bars_overlap(struct mv_vm *vm, u64 gfn, u64 npages);
int mv_dma_slot_prepare(struct mv_vm *vm,
			const struct kvm_userspace_memory_region *region,
			struct mv_dma_slot *prepared);
int mv_dma_slot_commit(struct mv_vm *vm, unsigned int slot,
		       struct mv_dma_slot *prepared);
void mv_dma_slot_unprepare(struct mv_vm *vm, struct mv_dma_slot *prepared);

/* dma.c: attach a function's group to the VM's domain, and detach it. */
int mv_dma_attach(struct mv_vm *vm, struct mv_assigned *assigned);
void mv_dma_detach(struct mv_vm *vm, struct mv_assigned *assigned);

/*
 * irq.c: route the function's interrupts (with mv_vm_devices.lock held),
 * free the routes; and, from the vCPU, a device vector it delivered.
 */
int mv_irqs_set(struct mv_assigned *assigned,
		const struct minivisor_pci_irqs *request);
int mv_irqs_route_msi(struct mv_assigned *assigned, unsigned int count,
		      u64 address, u16 data);
void mv_irqs_free(struct mv_assigned *assigned);
void mv_device_irq_delivered(struct mv_vcpu *vcpu, u8 vector);

/*
 * msi.c, with mv_vm_devices.lock held: the guest's MSI and MSI-X
 * registers laid over a config dword as the device has it; a guest write
 * to them (its MSI routed as it now says); routes the VMM set instead.
 */
void mv_msi_init(struct mv_assigned *assigned);
u32 mv_msi_read(const struct mv_assigned *assigned, unsigned int at,
		u32 device);
int mv_msi_write(struct mv_assigned *assigned, unsigned int offset,
		 unsigned int size, u32 value);
void mv_msi_forget_routes(struct mv_assigned *assigned);

/* config.c */
void mv_config_init(struct mv_assigned *assigned);
int mv_config_read(struct mv_assigned *assigned,
		   struct minivisor_pci_config *access);
int mv_config_write(struct mv_assigned *assigned,
		    const struct minivisor_pci_config *access);

/*
 * assign.c, with mv_vm_devices.lock held: map a memory BAR where the guest
 * placed it (bar->guest_value), unless that is no place for it; and take
 * it away.
 */
int mv_bar_map(struct mv_assigned *assigned, struct mv_bar *bar);
void mv_bar_unmap(struct mv_assigned *assigned, struct mv_bar *bar);

#endif /* MV_SRIOV_ASSIGN_H */
