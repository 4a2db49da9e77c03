// SPDX-License-Identifier: GPL-2.0
/*
 * Whether a vCPU runs: KVM's multiprocessor states (api.rst 4.38), kept
 * in vcpu->mp_state while the local APIC is in the kernel.
 *
 * A processor that is not running waits for something its APIC receives
 * (Intel SDM Vol. 3A, 9.4 and 11.6.1):
 *   - halted (HLT): for an interrupt it can take, or an INIT;
 *   - an application processor after RESET (KVM_MP_STATE_UNINITIALIZED)
 *     for an INIT, and after INIT (KVM_MP_STATE_INIT_RECEIVED) for a
 *     start-up IPI, which starts it in real mode at the vector's page.
 * The bootstrap processor (IA32_APIC_BASE.BSP) runs again after INIT at
 * the reset vector. As on KVM, a KVM_RUN of an AP that has not been
 * started returns EAGAIN once the INIT or SIPI it waited for came (or
 * EINTR for a signal), and the next KVM_RUN goes on.
 *
 * The thread sleeps on the vCPU's rcuwait, which mv_irq_wake() wakes: an
 * IPI, the APIC timer, an assigned function's interrupt. A signal ends
 * the wait and the run (KVM_EXIT_INTR) but not the state: a halted vCPU
 * is still halted, and the next KVM_RUN waits on, unless userspace made
 * it runnable with KVM_SET_MP_STATE. With RFLAGS.IF clear, a halted vCPU
 * waits for INIT or a signal only, as on KVM.
 */
#include <linux/kvm.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>

#include "../backend.h"
#include "../vcpu.h"
#include "lapic.h"
#include "pending.h"

static bool halt_over(struct mv_vcpu *vcpu)
{
	/* An interrupt the next VM entry would inject, were it now. */
	return vcpu->halted_interrupts_on && mv_irq_next(&vcpu->irqs) >= 0;
}

/*
 * An INIT or start-up IPI came, or the halt is over. An EOI for
 * userspace's IOAPIC is no reason to stop waiting: it is taken the next
 * time the vCPU runs.
 */
static bool wait_over(struct mv_vcpu *vcpu)
{
	struct mv_lapic *lapic = vcpu->irqs.lapic;

	return (READ_ONCE(lapic->pending_events) &
		(BIT(MV_LAPIC_INIT) | BIT(MV_LAPIC_SIPI))) ||
	       (vcpu->mp_state == KVM_MP_STATE_HALTED && halt_over(vcpu));
}

void mv_irq_accept_events(struct mv_vcpu *vcpu)
{
	struct mv_lapic *lapic = vcpu->irqs.lapic;

	if (!mv_irq_events_pending(&vcpu->irqs))
		return;
	if (test_and_clear_bit(MV_LAPIC_INIT, &lapic->pending_events)) {
		mv_backend->vcpu_init(vcpu);
		mv_lapic_init(lapic);
		vcpu->mp_state = lapic->base & MSR_IA32_APICBASE_BSP ?
				 KVM_MP_STATE_RUNNABLE :
				 KVM_MP_STATE_INIT_RECEIVED;
	}
	/* A start-up IPI means nothing to a processor not waiting for one. */
	if (test_and_clear_bit(MV_LAPIC_SIPI, &lapic->pending_events) &&
	    vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		/* The bit, then the vector: the sender wrote them the other way. */
		smp_mb__after_atomic();
		mv_backend->vcpu_sipi(vcpu, READ_ONCE(lapic->sipi_vector));
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

/* KVM_EXIT_IOAPIC_EOI (routing.c): userspace's IOAPIC hears of the EOI. */
static bool ioapic_eoi_exit(struct mv_vcpu *vcpu)
{
	struct mv_lapic *lapic = vcpu->irqs.lapic;

	if (!test_and_clear_bit(MV_LAPIC_IOAPIC_EOI, &lapic->pending_events))
		return false;
	vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu->run->eoi.vector = lapic->ioapic_eoi_vector;
	return true;
}

int mv_irq_until_runnable(struct mv_vcpu *vcpu)
{
	for (;;) {
		if (ioapic_eoi_exit(vcpu))
			return 0;
		mv_irq_accept_events(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_HALTED && halt_over(vcpu))
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			return 1;
		if (rcuwait_wait_event(&vcpu->irqs.wait, wait_over(vcpu),
				       TASK_INTERRUPTIBLE))
			return -EINTR;
	}
}

int mv_irq_wait_for_start(struct mv_vcpu *vcpu)
{
	int ret = rcuwait_wait_event(&vcpu->irqs.wait, wait_over(vcpu),
				     TASK_INTERRUPTIBLE);

	mv_irq_accept_events(vcpu);
	if (ret || signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	return -EAGAIN;
}

void mv_irq_init_mp_state(struct mv_vcpu *vcpu)
{
	vcpu->mp_state = vcpu->irqs.lapic && vcpu->id ?
			 KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
}

int mv_irq_set_mp_state(struct mv_vcpu *vcpu, u32 mp_state,
			bool interrupts_on)
{
	struct mv_lapic *lapic = vcpu->irqs.lapic;

	if (!lapic)
		return mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
	switch (mp_state) {
	case KVM_MP_STATE_SIPI_RECEIVED:
		/* INIT came, and the start-up IPI with the vector it had. */
		set_bit(MV_LAPIC_SIPI, &lapic->pending_events);
		mp_state = KVM_MP_STATE_INIT_RECEIVED;
		break;
	case KVM_MP_STATE_HALTED:
		vcpu->halted_interrupts_on = interrupts_on;
		break;
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		break;
	default:
		return -EINVAL;
	}
	vcpu->mp_state = mp_state;
	return 0;
}
