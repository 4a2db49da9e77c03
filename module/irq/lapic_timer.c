// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer (Intel SDM Vol. 3A, 11.5.4): one-shot, periodic and
 * TSC-deadline, each on a host hrtimer.
 *
 * In the two counting modes the guest writes an initial count (TMICT); the
 * current count (TMCCT) runs down from it at the bus clock divided by the
 * divide configuration (TDCR), and the timer fires at 0. minivisor's bus
 * clock runs at 1 GHz, as KVM's does, so a count is a nanosecond times the
 * divisor: nothing counts, the hrtimer is set for when the count would
 * reach 0, and a read of TMCCT works out where the count is now. A
 * periodic timer then starts again from the initial count; it may not
 * fire more often than every 200 us (KVM's lower bound too), so that no
 * guest can keep a host CPU busy in hrtimer interrupts. In TSC-deadline
 * mode (11.5.4.1) the guest writes IA32_TSC_DEADLINE instead, and the
 * timer fires once the guest's TSC reaches that value.
 *
 * The hrtimer's callback runs in hard interrupt context on any CPU. It
 * only notes that the timer fired and wakes or kicks the vCPU; the vCPU
 * thread delivers the interrupt through the LVT timer entry before its
 * next VM entry (mv_lapic_timer_sync). Everything else is the vCPU
 * thread's, which cancels the hrtimer (waiting for a running callback)
 * before it changes what the callback reads.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <asm/tsc.h>

#include "../vcpu.h"
#include "lapic.h"
#include "pending.h"

#define MIN_PERIOD_NS (200 * NSEC_PER_USEC)

static struct mv_lapic *timer_lapic(struct hrtimer *hrtimer)
{
	return container_of(hrtimer, struct mv_lapic, timer.hrtimer);
}

/* The timer fired: the vCPU thread delivers it (mv_lapic_timer_sync). */
static void fire(struct mv_lapic *lapic)
{
	atomic_set(&lapic->timer.fired, 1);
	mv_irq_wake(lapic->vcpu);
}

static enum hrtimer_restart timer_fired(struct hrtimer *hrtimer)
{
	struct mv_lapic *lapic = timer_lapic(hrtimer);
	struct mv_lapic_timer *timer = &lapic->timer;
	ktime_t now;

	fire(lapic);
	if (timer->mode != APIC_LVT_TIMER_PERIODIC)
		return HRTIMER_NORESTART;

	/* A period missed (the host was busy) is not made up for. */
	now = ktime_get();
	timer->expires = ktime_add_ns(timer->expires, timer->period_ns);
	if (ktime_before(timer->expires, now))
		timer->expires = now;
	hrtimer_set_expires(hrtimer, timer->expires);
	return HRTIMER_RESTART;
}

void mv_lapic_timer_init(struct mv_lapic *lapic)
{
	hrtimer_init(&lapic->timer.hrtimer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_HARD);
	lapic->timer.hrtimer.function = timer_fired;
}

/* Stop counting, and forget the count: nothing fires or counts down. */
void mv_lapic_timer_stop(struct mv_lapic *lapic)
{
	hrtimer_cancel(&lapic->timer.hrtimer);
	atomic_set(&lapic->timer.fired, 0);
	lapic->timer.period_ns = 0;
	lapic->timer.expires = 0;
}

static bool counting_mode(const struct mv_lapic_timer *timer)
{
	return timer->mode != APIC_LVT_TIMER_TSCDEADLINE;
}

/* Count from count_ns before 0, the initial count giving the period. */
static void start_counting(struct mv_lapic *lapic, u64 count_ns)
{
	struct mv_lapic_timer *timer = &lapic->timer;

	timer->period_ns = (u64)mv_lapic_reg(lapic, APIC_TMICT) * timer->divide;
	if (!timer->period_ns)
		return;
	if (timer->mode == APIC_LVT_TIMER_PERIODIC) {
		timer->period_ns = max_t(u64, timer->period_ns, MIN_PERIOD_NS);
		count_ns = max_t(u64, count_ns, MIN_PERIOD_NS);
	}
	timer->expires = ktime_add_ns(ktime_get(), count_ns);
	hrtimer_start(&timer->hrtimer, timer->expires, HRTIMER_MODE_ABS_HARD);
}

static u64 remaining_ns(const struct mv_lapic_timer *timer)
{
	s64 left = ktime_to_ns(ktime_sub(timer->expires, ktime_get()));

	return left > 0 ? left : 0;
}

/*
 * The hrtimer was cancelled to change the count's mode or rate; it goes on
 * with left_ns to go. A count that reached 0 meanwhile, its callback not
 * run yet, fires now, and a periodic one starts its next period.
 */
static void count_on(struct mv_lapic *lapic, bool was_armed, u64 left_ns)
{
	struct mv_lapic_timer *timer = &lapic->timer;

	if (!was_armed)
		return;
	if (!left_ns) {
		fire(lapic);
		if (timer->mode != APIC_LVT_TIMER_PERIODIC)
			return;
		left_ns = timer->period_ns;
	}
	start_counting(lapic, left_ns);
}

/*
 * The LVT timer entry was written: a new mode. Between the counting modes
 * the count goes on; into or out of TSC-deadline mode the timer stops, and
 * the initial count and deadline are cleared (11.5.4.1).
 */
void mv_lapic_timer_lvt_written(struct mv_lapic *lapic)
{
	struct mv_lapic_timer *timer = &lapic->timer;
	u32 mode = mv_lapic_reg(lapic, APIC_LVTT) & (3 << 17);
	bool was_counting = counting_mode(timer), was_armed;
	u64 left;

	if (mode == timer->mode)
		return;
	was_armed = hrtimer_cancel(&timer->hrtimer);
	left = remaining_ns(timer);
	timer->mode = mode;
	if (was_counting != counting_mode(timer)) {
		atomic_set(&timer->fired, 0);
		mv_lapic_set_reg(lapic, APIC_TMICT, 0);
		timer->period_ns = 0;
		timer->tsc_deadline = 0;
		return;
	}
	count_on(lapic, was_armed, left);
}

void mv_lapic_timer_set_initial_count(struct mv_lapic *lapic, u32 count)
{
	struct mv_lapic_timer *timer = &lapic->timer;

	if (!counting_mode(timer))
		return;
	mv_lapic_timer_stop(lapic);
	mv_lapic_set_reg(lapic, APIC_TMICT, count);
	start_counting(lapic, (u64)count * timer->divide);
}

/* TDCR: bits 0, 1 and 3 pick a divisor of 2, 4, ... 128, or 1 (11.5.4). */
void mv_lapic_timer_set_divide(struct mv_lapic *lapic, u32 tdcr)
{
	struct mv_lapic_timer *timer = &lapic->timer;
	u32 old = timer->divide;
	bool was_armed;
	u64 left;

	tdcr &= 0xb;
	mv_lapic_set_reg(lapic, APIC_TDCR, tdcr);
	timer->divide = 1 << ((((tdcr & 3) | (tdcr & 8) >> 1) + 1) & 7);
	if (!old || old == timer->divide || !timer->period_ns ||
	    !counting_mode(timer))
		return;
	/* A count under way goes on at the new rate. */
	was_armed = hrtimer_cancel(&timer->hrtimer);
	left = remaining_ns(timer);
	count_on(lapic, was_armed, div_u64(left * timer->divide, old));
}

u32 mv_lapic_timer_current_count(struct mv_lapic *lapic)
{
	const struct mv_lapic_timer *timer = &lapic->timer;
	u64 left;

	if (!counting_mode(timer) || !mv_lapic_reg(lapic, APIC_TMICT) ||
	    !timer->period_ns)
		return 0;
	left = remaining_ns(timer);
	if (timer->mode == APIC_LVT_TIMER_PERIODIC)
		div64_u64_rem(left, timer->period_ns, &left);
	return div_u64(left, timer->divide);
}

/* KVM_SET_LAPIC: count on from the current count it gave. */
void mv_lapic_timer_restore(struct mv_lapic *lapic, u32 current_count)
{
	struct mv_lapic_timer *timer = &lapic->timer;
	u32 initial = mv_lapic_reg(lapic, APIC_TMICT);

	if (!counting_mode(timer) || !initial)
		return;
	if (!current_count || current_count > initial) {
		if (timer->mode != APIC_LVT_TIMER_PERIODIC)
			return;
		current_count = initial;
	}
	start_counting(lapic, (u64)current_count * timer->divide);
}

u64 mv_lapic_tsc_deadline(const struct mv_lapic *lapic)
{
	return counting_mode(&lapic->timer) ? 0 : lapic->timer.tsc_deadline;
}

void mv_lapic_set_tsc_deadline(struct mv_lapic *lapic, u64 deadline,
			       u64 guest_tsc)
{
	struct mv_lapic_timer *timer = &lapic->timer;
	u64 ticks, ns;

	if (counting_mode(timer))
		return;
	mv_lapic_timer_stop(lapic);
	timer->tsc_deadline = deadline;
	if (!deadline)
		return;
	if (deadline <= guest_tsc || !tsc_khz) {
		fire(lapic);
		return;
	}
	/*
	 * TSC ticks to ns. The quotient may not pass 64 bits, or DIV faults:
	 * with a TSC under 1 GHz that bounds the ticks, and a deadline past
	 * the bound, centuries off, waits for KTIME_MAX ns.
	 */
	ticks = deadline - guest_tsc;
	if (tsc_khz < USEC_PER_SEC &&
	    ticks >= mul_u64_u32_div(U64_MAX, tsc_khz, USEC_PER_SEC))
		ns = KTIME_MAX;
	else
		ns = min_t(u64, mul_u64_u32_div(ticks, USEC_PER_SEC, tsc_khz),
			   KTIME_MAX);
	timer->expires = ktime_add_safe(ktime_get(), ns_to_ktime(ns));
	hrtimer_start(&timer->hrtimer, timer->expires, HRTIMER_MODE_ABS_HARD);
}

/* The vCPU thread: the timer fired; deliver through the LVT entry. */
void mv_lapic_timer_deliver(struct mv_lapic *lapic)
{
	u32 lvt = mv_lapic_reg(lapic, APIC_LVTT);

	if (!atomic_xchg(&lapic->timer.fired, 0))
		return;
	if (!counting_mode(&lapic->timer))
		lapic->timer.tsc_deadline = 0;
	if ((lapic->base & MSR_IA32_APICBASE_ENABLE) &&
	    !(lvt & APIC_LVT_MASKED))
		mv_lapic_accept(lapic, APIC_DM_FIXED, lvt & APIC_VECTOR_MASK,
				false);
}
