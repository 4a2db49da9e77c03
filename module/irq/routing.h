/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's interrupt routing (routing.c): global system interrupts (GSIs),
 * the numbers userspace raises interrupts by, and where each one goes; and
 * the eventfds that raise them (irqfd.c).
 *
 * With the local APICs in the kernel and the IOAPIC in userspace
 * (KVM_CAP_SPLIT_IRQCHIP), a route is an MSI: userspace's IOAPIC turns
 * each of its pins into the message its redirection entry says, and sets
 * that as the pin's route, so that an irqfd or KVM_IRQ_LINE reaches the
 * APICs without a trip through userspace. The first ioapic_pins GSIs are
 * the IOAPIC's pins; a level-triggered one's EOI goes back to userspace
 * (KVM_EXIT_IOAPIC_EOI), which then re-checks the line.
 *
 * Concurrency: the table is replaced whole under lock and read under the
 * VM's own SRCU, from any context (an irqfd raises its GSI from the
 * eventfd's wake-up, with interrupts off); a new table waits for this
 * VM's readers only. Locks, outermost first: lock (a mutex: one
 * KVM_IRQFD or KVM_SET_GSI_ROUTING at a time), an eventfd's wait-queue
 * lock, irqfds_lock (a spinlock, taken with interrupts off).
 */
#ifndef MV_IRQ_ROUTING_H
#define MV_IRQ_ROUTING_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>

struct mv_lapic;
struct mv_vm;

/* KVM_CAP_IRQ_ROUTING's answer, KVM's KVM_MAX_IRQ_ROUTES. */
#define MV_MAX_IRQ_ROUTES 4096

struct mv_irq_routing;

/* The interrupt routing part of every VM (struct mv_vm's member irq). */
struct mv_vm_irq {
	struct mutex lock;		/* KVM_SET_GSI_ROUTING, KVM_IRQFD */
	u32 ioapic_pins;		/* KVM_CAP_SPLIT_IRQCHIP's args[0] */
	struct srcu_struct srcu;	/* readers of routing */
	struct mv_irq_routing __rcu *routing;	/* NULL: no routes */
	spinlock_t irqfds_lock;		/* irqfds */
	struct list_head irqfds;	/* struct mv_irqfd, irqfd.c */
};

/* 0, or -ENOMEM. */
int mv_vm_irq_init(struct mv_vm_irq *irq);

/* The VM goes: its irqfds and routes with it. Process context. */
void mv_vm_irq_destroy(struct mv_vm_irq *irq);

/* KVM_SET_GSI_ROUTING (api.rst 4.52): 0 or -errno, as KVM says it. */
int mv_irq_set_routing(struct mv_vm *vm,
		       const struct kvm_irq_routing_entry *entries, u32 nr);

/*
 * Raise (level 1) or lower (level 0) a GSI, from any context: as KVM's
 * KVM_IRQ_LINE_STATUS says it, how many APICs took the interrupt, or -1
 * if it went nowhere (no route, or a message-signalled one lowered).
 */
int mv_irq_set_gsi(struct mv_vm *vm, u32 gsi, int level);

/*
 * The vCPU thread, at the EOI of vector: whether userspace's IOAPIC wants
 * to hear of it (KVM_EXIT_IOAPIC_EOI), as KVM decides it: some pin routes
 * that vector, level-triggered, to this APIC.
 */
bool mv_irq_ioapic_wants_eoi(struct mv_lapic *lapic, u8 vector);

/*
 * irqfd.c: KVM_IRQFD (api.rst 4.75), 0 or -errno; and the VM's irqfds,
 * all gone, when the VM goes.
 */
int mv_irqfd(struct mv_vm *vm, const struct kvm_irqfd *args);
void mv_irqfd_release_all(struct mv_vm_irq *irq);

#endif /* MV_IRQ_ROUTING_H */
