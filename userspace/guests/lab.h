/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mvctl lab and its guest (lab.S) agree on: where the guest finds
 * its orders and leaves its results (the mailbox, in guest memory), where
 * its buffers are, and the emulated devices it moves data through. The
 * paravirtual device is minivisor's ABI: <linux/minivisor_pv.h>.
 *
 * The guest runs in long mode with the first 4 GiB identity-mapped (mvctl
 * run --mode long), so these guest-physical addresses are its addresses.
 */
#ifndef GUEST_LAB_H
#define GUEST_LAB_H

/* The I/O models: how the guest moves its data out and back. */
#define LAB_IO_NONE		0	/* none: compute only */
#define LAB_IO_PORT		1	/* an IN or OUT per byte */
#define LAB_IO_MMIO		2	/* a MOV per 32-bit register access */
#define LAB_IO_PV_RING		3	/* minivisor's PV ring, a doorbell a page */
#define LAB_IO_ASSIGNED		4	/* an assigned function's registers */
#define LAB_IO_PV_HYPERCALL	5	/* the PV ring, a hypercall a page */

/* The mailbox: mvctl writes the orders, the guest the results. */
#define LAB_MAILBOX		0x8000
#define LAB_MB_MODEL		0	/* u32: LAB_IO_* */
#define LAB_MB_IO_BYTES		4	/* u32: bytes to send and take back */
#define LAB_MB_COMPUTE_TICKS	8	/* u64: TSC ticks of the checksum */
#define LAB_MB_IO_TICKS		16	/* u64: TSC ticks of the I/O's fastest round */
#define LAB_MB_COMPUTE_SUM	24	/* u32: checksum of the source */
#define LAB_MB_IO_SUM		28	/* u32: checksum of what came back */
#define LAB_MB_DONE		32	/* u32: 1 once the results are in */
#define LAB_MB_REPORT		36	/* u32: 1: print them on the debug console */
#define LAB_MB_BAR		40	/* u32: the assigned function's BAR0 */

/* The guest's buffers, and the bytes the compute part checksums. */
#define LAB_SOURCE		0x400000
#define LAB_RETURN		0x600000
#define LAB_PV_RING_ADDR	0x800000
#define LAB_COMPUTE_BYTES	(256 * 1024)
#define LAB_COMPUTE_ROUNDS	5	/* the fastest counts: least disturbed */
#define LAB_IO_ROUNDS		5	/* the same for the I/O part */
#define LAB_IO_BYTES_MAX	(1024 * 1024)
#define LAB_PV_BATCH_BYTES	4096

/*
 * Under QEMU (the emulation model), the guest starts from its multiboot
 * header in 32-bit protected mode and sets up long mode itself: these
 * page tables identity-map 4 GiB with 2 MiB pages, below its stack.
 */
#define LAB_BOOT_TABLES		0x10000	/* PML4, PDPT, four PDs */
#define LAB_BOOT_STACK		0x80000
/* Its last write to the exit port: QEMU then exits with 2 * 0x10 + 1. */
#define LAB_QEMU_EXIT_VALUE	0x10

/* The emulated devices: a data port, a 32-bit data register. */
#define LAB_DATA_PORT		0x5d0
#define LAB_MMIO_DATA		0xd1000000

/*
 * The assigned function: an Intel 8254x (e1000). Its BAR0 holds the
 * receive address table, whose low halves RAL0-RAL15 are plain read-write
 * 32-bit registers, one every 8 bytes (Intel's PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual, "Receive
 * Address Low"). The lab uses the first four: Bochs' e1000 reads back
 * only the table's first 32 bytes (it compares a byte offset with a
 * register count).
 */
#define LAB_ASSIGNED_REGS	0x5400
#define LAB_ASSIGNED_NR_REGS	4
#define LAB_ASSIGNED_STRIDE	8

#endif /* GUEST_LAB_H */
