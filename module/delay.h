/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delay points: test builds only (MV_DELAY_POINTS=1, delay.c).
 *
 * Some races need two things to happen in a window a few instructions
 * wide: a guest fault and an MMU notifier invalidation, a CPU going
 * offline and a flush IPI. A test build of minivisor can hold such a
 * window open for as many milliseconds as a module parameter says, so
 * that a test reproduces the race every time, on one CPU. In an ordinary
 * build each point compiles to nothing.
 */
#ifndef MV_DELAY_H
#define MV_DELAY_H

#include <linux/types.h>

#ifdef MV_DELAY_POINTS
/* A fault at delay_gfn, between looking its page up and mapping it. */
void mv_delay_fault(u64 gfn);
/*
 * A fault at delay_gfn, holding the memory lock just before it maps the
 * page;
 * where the lock is a spinlock (may_sleep false), it spins.
 */
void mv_delay_fault_locked(u64 gfn, bool may_sleep);
/* An invalidation, after the guest's unmapping, before the process's. */
void mv_delay_invalidate(void);
/* A CPU going offline, in its last moments of VMX operation. */
void mv_delay_vmxoff(void);
#else
static inline void mv_delay_fault(u64 gfn) { }
static inline void mv_delay_fault_locked(u64 gfn, bool may_sleep) { }
static inline void mv_delay_invalidate(void) { }
static inline void mv_delay_vmxoff(void) { }
#endif

#endif /* MV_DELAY_H */
