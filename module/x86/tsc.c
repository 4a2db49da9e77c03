// SPDX-License-Identifier: GPL-2.0
/*
 * The time-stamp counter as userspace sets it (Intel SDM Vol. 3B, section
 * 18.17; the TSC offset of VM execution, Vol. 3C, section 26.6.5).
 *
 * A guest reads the host's TSC plus an offset. Userspace sets a vCPU's
 * TSC with KVM_SET_MSRS (QEMU writes 0 to each vCPU at reset), but it
 * writes one vCPU after the other: an offset taken from the host's TSC at
 * each write would leave the vCPUs apart by the time between the writes,
 * and a guest kernel that checks its CPUs' TSCs against each other would
 * find them out of step and stop trusting its TSC. So, as KVM does for
 * writes close in time, the VM remembers the last value written and its
 * offset: a vCPU given the same value gets the same offset, and the vCPUs
 * tick together. Only within a second of that write: a value written
 * later (at the next reset) starts the count again. The guest's own WRMSR
 * to the TSC is not synchronised.
 */
#include <asm/tsc.h>

#include "x86.h"

void mv_x86_vm_init(struct mv_x86_vm *vm)
{
	spin_lock_init(&vm->tsc_lock);
}

u64 mv_x86_tsc_offset(struct mv_x86_vm *vm, u64 value, u64 host_tsc)
{
	u64 offset;

	spin_lock(&vm->tsc_lock);
	if (!vm->tsc_written || vm->tsc_value != value ||
	    host_tsc - vm->tsc_host > (u64)tsc_khz * MSEC_PER_SEC) {
		vm->tsc_written = true;
		vm->tsc_value = value;
		vm->tsc_host = host_tsc;
		vm->tsc_offset = value - host_tsc;
	}
	offset = vm->tsc_offset;
	spin_unlock(&vm->tsc_lock);
	return offset;
}
