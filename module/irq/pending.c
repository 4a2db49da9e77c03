// SPDX-License-Identifier: GPL-2.0
/*
 * The external interrupts waiting for a vCPU (pending.h tells the story):
 * raising, taking back and acknowledging them, and the kick that makes a
 * vCPU in the guest notice a new one.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/smp.h>

#include "../vcpu.h"
#include "pending.h"

void mv_irqs_init(struct mv_vcpu_irqs *irqs, mv_irq_acked_fn device_acked)
{
	irqs->user_vector = -1;
	bitmap_zero(irqs->device, NR_VECTORS);
	irqs->device_acked = device_acked;
	rcuwait_init(&irqs->wait);
}

int mv_irq_queue_user(struct mv_vcpu_irqs *irqs, u8 vector)
{
	if (mv_irq_user_waiting(irqs))
		return -EEXIST;
	irqs->user_vector = vector;
	return 0;
}

void mv_irq_set_user_bitmap(struct mv_vcpu_irqs *irqs, const u64 *bitmap,
			    unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		if (bitmap[i])
			irqs->user_vector = i * 64 + __ffs64(bitmap[i]);
}

void mv_irq_get_user_bitmap(const struct mv_vcpu_irqs *irqs, u64 *bitmap)
{
	if (mv_irq_user_waiting(irqs))
		bitmap[irqs->user_vector / 64] = 1ull << (irqs->user_vector % 64);
}

/*
 * A vCPU waiting in mp_state.c wakes up. One in the guest is pulled out by
 * an IPI: the CPU takes the interrupt as an external-interrupt exit
 * (vmx/exits.c), and the vCPU looks for vectors again before it
 * re-enters. A vCPU anywhere else looks anyway before it enters, and
 * needs no IPI: only a guest's own interrupts, however many, would
 * otherwise interrupt the host's other CPUs.
 */
void mv_irq_wake(struct mv_vcpu *vcpu)
{
	int cpu;

	/* What came in, then in_guest: pairs with mv_irq_entering_guest(). */
	smp_mb();
	if (rcuwait_wake_up(&vcpu->irqs.wait))
		return;
	cpu = READ_ONCE(vcpu->cpu);
	if (READ_ONCE(vcpu->irqs.in_guest) && cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

void mv_irq_raise_device(struct mv_vcpu *vcpu, u8 vector)
{
	set_bit(vector, vcpu->irqs.device);
	mv_irq_wake(vcpu);
}

void mv_irq_withdraw_device(struct mv_vcpu_irqs *irqs, u8 vector)
{
	clear_bit(vector, irqs->device);
}

void mv_irq_ack(struct mv_vcpu *vcpu, u8 vector)
{
	struct mv_vcpu_irqs *irqs = &vcpu->irqs;

	switch (irqs->next_source) {
	case MV_IRQ_FROM_USER:
		irqs->user_vector = -1;
		break;
	case MV_IRQ_FROM_LAPIC:
		mv_lapic_ack(irqs->lapic, vector);
		break;
	case MV_IRQ_FROM_DEVICE:
		if (test_and_clear_bit(vector, irqs->device) &&
		    irqs->device_acked)
			irqs->device_acked(vcpu, vector);
		break;
	}
}
