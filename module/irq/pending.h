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
 * With a local APIC in the kernel (lapic.h), the APIC's interrupts come
 * between the two: KVM_INTERRUPT's vector is then the ExtINT of
 * userspace's PIC, which the APIC lets in only through LVT0, and the
 * APIC's own go next, by its priorities. A vCPU whose guest halts then
 * waits in the kernel (mp_state.c) until one of them can be taken.
 *
 * This folder is where the VM's IOAPIC, PIC and PIT will live too.
 */
#ifndef MV_IRQ_PENDING_H
#define MV_IRQ_PENDING_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/rcuwait.h>
#include <linux/types.h>
#include <asm/irq_vectors.h>

#include "lapic.h"

struct mv_vcpu;

/* Told after a device vector was injected (an INTx line may rise again). */
typedef void (*mv_irq_acked_fn)(struct mv_vcpu *vcpu, u8 vector);

/* Where the vector mv_irq_next() gave comes from. */
enum mv_irq_source {
	MV_IRQ_FROM_USER,
	MV_IRQ_FROM_LAPIC,
	MV_IRQ_FROM_DEVICE,
};

struct mv_vcpu_irqs {
	int user_vector;	/* KVM_INTERRUPT's, or -1 */
	enum mv_irq_source next_source;
	unsigned long device[BITS_TO_LONGS(NR_VECTORS)];
	mv_irq_acked_fn device_acked;
	struct mv_lapic *lapic;	/* the in-kernel local APIC, or NULL */
	struct rcuwait wait;	/* the vCPU thread, not running (mp_state.c) */
	/*
	 * From just before the backend's last look at what waits, with
	 * interrupts off, to the VM exit: only then does a new interrupt
	 * need an IPI to be seen (mv_irq_wake).
	 */
	bool in_guest;
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

/* KVM_INTERRUPT's vector, if it waits and the APIC lets it in. */
static inline bool mv_irq_user_next(const struct mv_vcpu_irqs *irqs)
{
	return irqs->user_vector >= 0 &&
	       (!irqs->lapic || mv_lapic_accepts_extint(irqs->lapic));
}

/* The vector to inject next, or -1: inline, for every VM entry asks. */
static inline int mv_irq_next(struct mv_vcpu_irqs *irqs)
{
	unsigned long vector;
	int apic_vector;

	if (mv_irq_user_next(irqs)) {
		irqs->next_source = MV_IRQ_FROM_USER;
		return irqs->user_vector;
	}
	if (irqs->lapic) {
		mv_lapic_timer_sync(irqs->lapic);
		apic_vector = mv_lapic_next(irqs->lapic);
		if (apic_vector >= 0) {
			irqs->next_source = MV_IRQ_FROM_LAPIC;
			return apic_vector;
		}
	}
	if (!mv_irq_device_waiting(irqs))
		return -1;
	irqs->next_source = MV_IRQ_FROM_DEVICE;
	vector = find_last_bit(irqs->device, NR_VECTORS);
	return vector < NR_VECTORS ? vector : -1;
}

/* The backend injected vector, the one mv_irq_next() gave. */
void mv_irq_ack(struct mv_vcpu *vcpu, u8 vector);

/*
 * Something for the vCPU came in: wake its thread if it waits (mp_state.c),
 * and make it leave the guest if it is in it. From any context, after
 * what came in is visible.
 */
void mv_irq_wake(struct mv_vcpu *vcpu);

/*
 * The backend, with interrupts off, before it looks at what waits for the
 * last time and enters; and after the exit. A sender either sees the vCPU
 * in the guest and interrupts its CPU, or the vCPU sees what it sent.
 */
static inline void mv_irq_entering_guest(struct mv_vcpu_irqs *irqs)
{
	WRITE_ONCE(irqs->in_guest, true);
	smp_mb();	/* pairs with the one in mv_irq_wake() */
}

static inline void mv_irq_left_guest(struct mv_vcpu_irqs *irqs)
{
	WRITE_ONCE(irqs->in_guest, false);
}

/*
 * An INIT, a start-up IPI or an EOI for userspace's IOAPIC waits for the
 * vCPU thread (mp_state.c).
 */
static inline bool mv_irq_events_pending(const struct mv_vcpu_irqs *irqs)
{
	return irqs->lapic && READ_ONCE(irqs->lapic->pending_events);
}

/*
 * mp_state.c, with the local APIC in the kernel: the vCPU's multiprocessor
 * state (vcpu->mp_state) at creation, and as KVM_SET_MP_STATE sets it (0
 * or -EINVAL; interrupts_on is the guest's RFLAGS.IF, for a halt).
 */
void mv_irq_init_mp_state(struct mv_vcpu *vcpu);
int mv_irq_set_mp_state(struct mv_vcpu *vcpu, u32 mp_state,
			bool interrupts_on);

/*
 * An INIT or start-up IPI came: the vCPU, loaded, takes it (before it
 * runs, and before KVM_GET_MP_STATE says its state, as on KVM).
 */
void mv_irq_accept_events(struct mv_vcpu *vcpu);

/*
 * Before entering the guest: take the INIT or start-up IPI that came, and
 * wait while the vCPU is halted or not started. 1 once it runs, 0 for an
 * exit to userspace (KVM_EXIT_IOAPIC_EOI, in vcpu->run), or -EINTR for a
 * signal (the state stays, for the next KVM_RUN). The backend sets
 * vcpu->mp_state to KVM_MP_STATE_HALTED at HLT, and whether RFLAGS.IF was
 * set.
 */
int mv_irq_until_runnable(struct mv_vcpu *vcpu);

/*
 * KVM_RUN of an AP never started (KVM_MP_STATE_UNINITIALIZED): wait for
 * its INIT (and start-up IPI), take them, and return -EAGAIN, or -EINTR
 * with KVM_EXIT_INTR for a signal.
 */
int mv_irq_wait_for_start(struct mv_vcpu *vcpu);

#endif /* MV_IRQ_PENDING_H */
