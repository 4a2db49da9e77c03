// SPDX-License-Identifier: GPL-2.0
/*
 * Translations that CPUs cache for guests, and forgetting them on every
 * CPU when guest memory is unmapped (Intel SDM Vol. 3C, 29.4.3.1,
 * "Operations that Invalidate Cached Mappings").
 *
 * With EPT, a CPU caches guest-physical and combined mappings tagged with
 * the EPT pointer, across VM exits and entries and on every CPU the guest
 * ran on. An INVEPT of that EPT pointer on each CPU drops them; the IPI
 * that carries it also pulls a running vCPU out of the guest. A CPU out of
 * VMX operation caches none, and may not execute INVEPT.
 */
#include <linux/smp.h>
#include <asm/vmx.h>

#include "../ept/ept.h"
#include "insn.h"
#include "vmx.h"
#include "vmxon.h"

static void invept_here(void *data)
{
	const struct mv_ept *ept = data;

	if (mv_vmx_on_this_cpu())
		execute_invept(VMX_EPT_EXTENT_CONTEXT, ept->eptp);
}

/*
 * A CPU that comes online after the IPIs went out needs no INVEPT: a vCPU
 * that moves onto a CPU flushes there first (vmcs.c). So no CPU hotplug
 * lock, which the MMU notifier could not take under the memory lock
 * anyway: memory reclaim, which invalidates guest memory, runs inside CPU
 * hotplug.
 */
void mv_vmx_flush_tlbs(const struct mv_ept *ept)
{
	on_each_cpu(invept_here, (void *)ept, 1);
}
