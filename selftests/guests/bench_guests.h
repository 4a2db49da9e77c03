/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's guest program (bench_guests.S), as the host sees it: one
 * 64-bit guest with a measuring loop per operation. vmm_load() copies the
 * whole program to VMM_CODE_ADDR; the host then points RIP at a loop's
 * entry and hands it its arguments in registers:
 *
 *   R9   how many times to run the operation (at least 1)
 *   RDI  where the records go, in guest memory (BENCH_RECORDS_ADDR)
 *   RSI  the operation's target address (MMIO, or the page to touch)
 *   R10  added to RSI after each operation: the page size for first
 *        touches, 0 for the rest
 *
 * Each time round, the loop zeroes RAX, RBX, RCX and RDX, runs the
 * operation between two RDTSCs and stores one struct bench_record: the
 * TSC ticks the operation took and the four registers as it left them.
 * Inside Bochs the TSC advances once per instruction, host instructions
 * included, so the ticks are the length of the path the operation took.
 * After the last one the loop halts (KVM_EXIT_HLT).
 *
 * This header is included by bench_guests.S too.
 */
#ifndef BENCH_GUESTS_H
#define BENCH_GUESTS_H

/* Where the loops write their records. */
#define BENCH_RECORDS_ADDR	0x100000
#define BENCH_RECORD_SIZE	40

/* The port the OUT loop writes BENCH_OUT_VALUE (4 bytes) to. */
#define BENCH_PORT		0x60
#define BENCH_OUT_VALUE		0x0be4c4ed

/* The hypercall nobody implements: -KVM_ENOSYS comes back in RAX. */
#define BENCH_HYPERCALL		0x4d56

#ifndef __ASSEMBLER__

#include <stdint.h>

struct bench_record {
	uint64_t ticks;
	uint64_t rax, rbx, rcx, rdx;
};

_Static_assert(sizeof(struct bench_record) == BENCH_RECORD_SIZE,
	       "bench_guests.S stores records of BENCH_RECORD_SIZE bytes");

/* The whole program, to copy into guest memory. */
extern const unsigned char bench_guest[], bench_guest_end[];

/* The loops' entries, inside the program. */
extern const unsigned char bench_guest_empty[];		/* nothing: the frame */
extern const unsigned char bench_guest_cpuid[];		/* CPUID leaf 0 */
extern const unsigned char bench_guest_vmcall[];	/* VMCALL of BENCH_HYPERCALL */
extern const unsigned char bench_guest_out[];		/* OUT of EAX to BENCH_PORT */
extern const unsigned char bench_guest_mmio_write[];	/* MOV of RSI to [RSI] */
extern const unsigned char bench_guest_mmio_read[];	/* MOV of [RSI] to RAX */
extern const unsigned char bench_guest_touch[];		/* write RSI to [RSI], read it back */

#endif /* __ASSEMBLER__ */

#endif /* BENCH_GUESTS_H */
