/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark library shared by the full benchmark (bench_full.c, for
 * `make bench`) and its short form, the kselftest suite "bench": one call
 * measures one operation on one device, any number of times, through the
 * KVM API only, so that /dev/kvm and /dev/minivisor run the very same code.
 *
 * The guest's operations are timed in the guest with RDTSC around each
 * one (bench_guests.h), the host's with RDTSC around the system calls.
 * Inside Bochs the TSC advances once per instruction, so a figure is a
 * path length in instructions, guest and host together, and repeats from
 * run to run. The cost of the measuring frame itself (measured on its
 * own, its median) is subtracted from every sample.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_guests.h"
#include "vmm.h"

enum bench_op {
	/* Exits the kernel handles. */
	BENCH_CPUID,
	BENCH_VMCALL,
	/* Exits to userspace and back. */
	BENCH_OUT,
	BENCH_MMIO_WRITE,
	BENCH_MMIO_READ,
	/* A guest write to a page nothing has touched yet. */
	BENCH_TOUCH_4K,
	BENCH_TOUCH_2M,
	/* The host side. */
	BENCH_RUN_IMMEDIATE,
	BENCH_VM_LIFE,
	BENCH_VM_MEMORY,
	BENCH_VCPU_MEMORY,
	BENCH_NR_OPS
};

struct bench_op_info {
	const char *name;	/* one word, for tables and file formats */
	const char *what;	/* a few words for people */
	const char *unit;	/* "ticks" or "bytes" */
	bool in_guest;		/* measured by the guest, with records */
};

extern const struct bench_op_info bench_ops[BENCH_NR_OPS];

/*
 * Guest physical addresses: the memory the first-touch loops write to (a
 * memslot of its own), and the MMIO address the MMIO loops use, in no
 * memslot. Both lie in the first GiB that vmm.c's long mode maps.
 */
#define BENCH_TOUCH_ADDR	0x10000000UL
#define BENCH_TOUCH_MAX		0x20000000UL
#define BENCH_MMIO_ADDR		0x38000000UL

/* What the host answers to the MMIO read of the n-th exit (from 0). */
uint64_t bench_mmio_answer(unsigned int n);

/* The statistics of one operation's samples, with the frame subtracted. */
struct bench_stats {
	int64_t median, min, max;
	unsigned int samples;
	/*
	 * BENCH_TOUCH_2M only: how many KiB of the touched memory the process
	 * had mapped with 2 MiB pages afterwards, of how many touched.
	 */
	long huge_kib, touched_kib;
};

/*
 * Measure op on the device, whose modules are loaded, samples times (for
 * the memory ops: rounds, each over many VMs or vCPUs). If records is not
 * NULL and op runs in the guest, the guest's records go there, samples of
 * them. Returns 0 or -errno; an exit the guest should not have made is
 * -EPROTO.
 */
int bench_measure(const struct vmm_device *device, enum bench_op op,
		  unsigned int samples, struct bench_stats *stats,
		  struct bench_record *records);

/*
 * Remove kvm_intel, kvm and irqbypass, so that what KVM left behind is out
 * of the way of minivisor's figures. Returns 0 or -errno.
 */
int bench_kvm_unload(void);

#endif /* BENCH_H */
