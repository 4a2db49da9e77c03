// SPDX-License-Identifier: GPL-2.0
/*
 * Delay points of a test build (delay.h says why). Each point waits for
 * its module parameter's milliseconds, 0 by default, so that a test can
 * open the window it needs and close it again:
 *
 *   /sys/module/minivisor/parameters/delay_fault_ms       and delay_gfn
 *   /sys/module/minivisor/parameters/delay_locked_ms      and delay_gfn
 *   /sys/module/minivisor/parameters/delay_invalidate_ms
 *   /sys/module/minivisor/parameters/delay_vmxoff_ms
 *
 * A point where the code may sleep sleeps; one under a spinlock or with
 * interrupts off spins. A fault held while its thread is killed (the OOM
 * killer's SIGKILL) is let go AFTER_KILL_MS later, if its time has not
 * run out before: long enough for the OOM reaper, which starts 2 s after
 * the kill, to meet the held fault.
 */
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>

#include "delay.h"

static unsigned int delay_fault_ms;
module_param(delay_fault_ms, uint, 0644);
MODULE_PARM_DESC(delay_fault_ms, "test build: delay a fault at delay_gfn");

static unsigned long delay_gfn;
module_param(delay_gfn, ulong, 0644);
MODULE_PARM_DESC(delay_gfn, "test build: the guest frame delay_fault_ms delays");

static unsigned int delay_locked_ms;
module_param(delay_locked_ms, uint, 0644);
MODULE_PARM_DESC(delay_locked_ms, "test build: hold the EPT lock in a fault at delay_gfn");

static unsigned int delay_invalidate_ms;
module_param(delay_invalidate_ms, uint, 0644);
MODULE_PARM_DESC(delay_invalidate_ms, "test build: delay each MMU notifier invalidation");

static unsigned int delay_vmxoff_ms;
module_param(delay_vmxoff_ms, uint, 0644);
MODULE_PARM_DESC(delay_vmxoff_ms, "test build: delay a CPU leaving VMX operation");

#define AFTER_KILL_MS	3000
#define STEP_MS		10

/* Hold a fault ms, or until AFTER_KILL_MS after its thread is killed. */
static void hold_fault(unsigned int ms, bool may_sleep)
{
	u64 start = ktime_get_ns(), killed = 0, now;

	for (now = start; now - start < ms * NSEC_PER_MSEC;
	     now = ktime_get_ns()) {
		if (!killed && fatal_signal_pending(current))
			killed = now;
		if (killed && now - killed >= AFTER_KILL_MS * NSEC_PER_MSEC)
			return;
		if (may_sleep)
			msleep(STEP_MS);
		else
			mdelay(STEP_MS);
	}
}

void mv_delay_fault(u64 gfn)
{
	unsigned int ms = READ_ONCE(delay_fault_ms);

	if (ms && gfn == READ_ONCE(delay_gfn))
		hold_fault(ms, true);
}

void mv_delay_fault_locked(u64 gfn, bool may_sleep)
{
	unsigned int ms = READ_ONCE(delay_locked_ms);

	if (ms && gfn == READ_ONCE(delay_gfn))
		hold_fault(ms, may_sleep);
}

void mv_delay_invalidate(void)
{
	unsigned int ms = READ_ONCE(delay_invalidate_ms);

	if (ms)
		msleep(ms);
}

void mv_delay_vmxoff(void)
{
	unsigned int ms = READ_ONCE(delay_vmxoff_ms);

	if (!ms)
		return;
	if (irqs_disabled())
		mdelay(ms);
	else
		msleep(ms);
}
