/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_RUN: the loop that runs a vCPU until userspace must act.
 *
 * Each trip around the loop is one stay in the guest and the exit that
 * ends it, which the backend handles (its run_once). Before each trip the
 * loop checks for signals and rescheduling, so that a guest never keeps
 * its thread from being killed or the CPU from being shared; the backend
 * checks again with interrupts off, just before it enters. The loop ends
 * when an exit needs userspace (KVM_EXIT_IO, KVM_EXIT_HLT, ...), when a
 * signal is pending (KVM_EXIT_INTR, -EINTR), or on an error. With the
 * local APIC in the kernel, a vCPU the guest halted first waits for an
 * interrupt, and one that was sent INIT for its start-up IPI; and the
 * EOI of a level-triggered interrupt from userspace's IOAPIC ends the run
 * with KVM_EXIT_IOAPIC_EOI (irq/mp_state.c).
 *
 * The loop is written once, here, and each backend compiles it around its
 * own run_once (backend.h: run), which the compiler then inlines. It runs
 * once per exit, and a call per exit would cost what a call costs in the
 * kernel: the entry's padding, saving and restoring five registers, the
 * stack canary and the return thunk, some twenty instructions of the 368
 * ticks a CPUID exit takes in all (README, "What an exit costs").
 */
#ifndef MV_RUN_H
#define MV_RUN_H

#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "vcpu.h"

/*
 * run_once enters the guest once and handles the exit: 1 to enter again,
 * 0 to return to userspace with vcpu->run filled in, or -errno.
 */
static __always_inline int mv_run_loop(struct mv_vcpu *vcpu,
				       int (*run_once)(struct mv_vcpu *vcpu))
{
	int ret;

	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();
		if (unlikely(vcpu->mp_state != KVM_MP_STATE_RUNNABLE ||
			     mv_irq_events_pending(&vcpu->irqs))) {
			ret = mv_irq_until_runnable(vcpu);
			if (ret == 0)
				return 0;
			if (ret < 0)	/* a signal, which the top of the loop takes */
				continue;
		}
		ret = run_once(vcpu);
		if (ret <= 0)
			return ret;
	}
}

#endif /* MV_RUN_H */
