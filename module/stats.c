// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the VMX basic exit reasons (Intel SDM Vol. 3C, appendix C), for
 * the statistics userspace reads. The kernel's <asm/vmx.h> already lists
 * them, as pairs of number and name, for its trace points.
 */
#include <linux/kernel.h>

#include "stats.h"

struct exit_reason_name {
	u32 reason;
	const char *name;
};

static const struct exit_reason_name exit_reason_names[] = {
	VMX_EXIT_REASONS
};

const char *mv_stats_exit_name(u32 reason)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exit_reason_names); i++)
		if (exit_reason_names[i].reason == reason)
			return exit_reason_names[i].name;
	return NULL;
}
