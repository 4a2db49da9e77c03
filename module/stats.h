/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statistics: what each vCPU's exits cost.
 *
 * Every VM exit is counted by the backend's exit reason (on VT-x, the
 * basic exit reason: Intel SDM Vol. 3C, appendix C), together with the TSC
 * cycles from the exit to the end of its handler: the time the host spent
 * on the guest's behalf. The backend names its reasons (backend.h) for the
 * netlink family. The counters belong to one vCPU and only its own thread
 * writes them, so counting is two additions on the exit path, with no
 * atomics and no shared cache lines. Readers (netlink.c) may see a count a
 * moment old, never a torn one: each counter is one aligned 64-bit word.
 */
#ifndef MV_STATS_H
#define MV_STATS_H

#include <linux/compiler.h>
#include <linux/types.h>

/* Room for every backend's reasons: VT-x has 76 (0 to EXIT_REASON_NOTIFY). */
#define MV_MAX_EXIT_REASONS	96

struct mv_vcpu_stats {
	u64 exits[MV_MAX_EXIT_REASONS];
	u64 exit_cycles[MV_MAX_EXIT_REASONS];
	u64 user_exits;			/* returns from KVM_RUN */
};

static inline void mv_stats_count_exit(struct mv_vcpu_stats *stats,
				       u32 reason, u64 cycles)
{
	if (likely(reason < MV_MAX_EXIT_REASONS)) {
		WRITE_ONCE(stats->exits[reason], stats->exits[reason] + 1);
		WRITE_ONCE(stats->exit_cycles[reason],
			   stats->exit_cycles[reason] + cycles);
	}
}

#endif /* MV_STATS_H */
