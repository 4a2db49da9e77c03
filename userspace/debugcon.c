// SPDX-License-Identifier: GPL-2.0
/*
 * The debug console at port 0xe9, as Bochs and QEMU's isa-debugcon offer
 * it: every byte written to it appears on mvctl's standard output, with
 * no status to poll first, which makes it the shortest way for a guest to
 * say something. Reading it gives 0xe9, the way a guest can tell it is
 * there.
 */
#include "devices.h"

#define DEBUGCON_PORT	0xe9

static uint32_t debugcon_in(struct vmm *vmm, uint16_t offset,
			    unsigned int size)
{
	(void)vmm;
	(void)offset;
	(void)size;
	return DEBUGCON_PORT;
}

static void debugcon_out(struct vmm *vmm, uint16_t offset, unsigned int size,
			 uint32_t value)
{
	uint8_t byte = value;

	(void)vmm;
	(void)offset;
	(void)size;
	devices_output(&byte, 1);
}

const struct port_device debugcon_device = {
	.name = "debug console",
	.base = DEBUGCON_PORT,
	.count = 1,
	.in = debugcon_in,
	.out = debugcon_out,
};
