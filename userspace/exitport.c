// SPDX-License-Identifier: GPL-2.0
/*
 * The exit port at 0xf4: a write of any size ends the run, and the value
 * written (its low 8 bits) becomes mvctl's exit status. Test guests use
 * it to report pass or fail; QEMU's isa-debug-exit sits at the same port,
 * though QEMU exits with (value << 1) | 1 where mvctl keeps the value.
 * Reading it gives all ones, like an empty port.
 */
#include "devices.h"

#define EXIT_PORT	0xf4

static uint32_t exitport_in(struct vmm *vmm, uint16_t offset,
			    unsigned int size)
{
	(void)vmm;
	(void)offset;
	return devices_all_ones(size);
}

static void exitport_out(struct vmm *vmm, uint16_t offset, unsigned int size,
			 uint32_t value)
{
	(void)offset;
	(void)size;
	vmm_stop(vmm, VMM_STOP_EXIT_PORT, value & 0xff);
}

const struct port_device exitport_device = {
	.name = "exit port",
	.base = EXIT_PORT,
	.count = 1,
	.in = exitport_in,
	.out = exitport_out,
};
