/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which interrupt goes next: the external interrupts waiting for a vCPU.
 *
 * Two sources raise them today. Userspace raises one at a time with
 * KVM_INTERRUPT, playing the interrupt controller as a VMM does for KVM
 * without an in-kernel one (api.rst 4.16); an assigned PCI function raises
 * a vector from its host interrupt handler (sriov/irq.c). Each waits here
 * until the backend can inject it at a VM entry (vmx/run.c): KVM_INTERRUPT's
 * first, then the highest vector of the devices', the order of a local
 * APIC's priorities (Intel SDM Vol. 3A, 11.8.3). The backend asks
 * mv_irq_next() before each entry, and mv_irq_ack() once it injected.
 *
 * Concurrency: KVM_INTERRUPT's vector is the vCPU thread's alone (under
 * the vCPU's mutex). Device vectors are set by interrupt handlers on any
 * CPU and taken by the vCPU thread, with atomic bit operations; a handler
 * then kicks the vCPU out of the guest so that it looks again.
 *
 * This folder is where the vCPU's local APIC and the VM's IOAPIC, PIC and
 * PIT will live.
 */
#ifndef MV_IRQ_PENDING_H
#define MV_IRQ_PENDING_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <asm/irq_vectors.h>

struct mv_vcpu;

/* Told after a device vector was injected (an INTx line may rise again). */
typedef void (*mv_irq_acked_fn)(struct mv_vcpu *vcpu, u8 vector);

struct mv_vcpu_irqs {
	int user_vector;	/* KVM_INTERRUPT's, or -1 */
	unsigned long device[BITS_TO_LONGS(NR_VECTORS)];
	mv_irq_acked_fn device_acked;
};

void mv_irqs_init(struct mv_vcpu_irqs *irqs, mv_irq_acked_fn device_acked);

/* KVM_INTERRUPT: -EEXIST while an earlier one still waits. */
int mv_irq_queue_user(struct mv_vcpu_irqs *irqs, u8 vector);

/*
 * KVM_SET_SREGS and KVM_GET_SREGS carry KVM_INTERRUPT's vector as a bit in
 * interrupt_bitmap (words of 64 vectors).
 */
void mv_irq_set_user_bitmap(struct mv_vcpu_irqs *irqs, const u64 *bitmap,
			    unsigned int words);
void mv_irq_get_user_bitmap(const struct mv_vcpu_irqs *irqs, u64 *bitmap);

/* Whether KVM_INTERRUPT's vector waits (ready_for_interrupt_injection). */
static inline bool mv_irq_user_waiting(const struct mv_vcpu_irqs *irqs)
{
	return irqs->user_vector >= 0;
}

/*
 * A device raises vector on the vCPU: from any context, interrupt handlers
 * included. The vCPU leaves the guest if it is in it, to inject it.
 */
void mv_irq_raise_device(struct mv_vcpu *vcpu, u8 vector);

/* Take back a device vector that has not been injected yet. */
void mv_irq_withdraw_device(struct mv_vcpu_irqs *irqs, u8 vector);

/*
 * Whether a device's interrupt waits. Every VM entry asks, so the few words
 * are ORed inline: a bitmap search would be a call.
 */
static inline bool mv_irq_device_waiting(const struct mv_vcpu_irqs *irqs)
{
	unsigned long any = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(irqs->device); i++)
		any |= READ_ONCE(irqs->device[i]);
	return any;
}

/* The vector to inject next, or -1: inline, for every VM entry asks. */
static inline int mv_irq_next(const struct mv_vcpu_irqs *irqs)
{
	unsigned long vector;

	if (irqs->user_vector >= 0)
		return irqs->user_vector;
	if (!mv_irq_device_waiting(irqs))
		return -1;
	vector = find_last_bit(irqs->device, NR_VECTORS);
	return vector < NR_VECTORS ? vector : -1;
}

/* The backend injected vector, the one mv_irq_next() gave. */
void mv_irq_ack(struct mv_vcpu *vcpu, u8 vector);

#endif /* MV_IRQ_PENDING_H */
