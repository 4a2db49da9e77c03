/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the parts of the benchmark library: bench_lib.c turns samples
 * into statistics and sends each operation to the part that measures it,
 * bench_guest.c (operations timed by the guest) or bench_host.c (timed by
 * the host).
 */
#ifndef BENCH_INTERNAL_H
#define BENCH_INTERNAL_H

#include "bench.h"

/*
 * Fill samples[0 .. count) for a guest operation, the frame subtracted,
 * and records, if not NULL; stats->huge_kib and touched_kib for
 * BENCH_TOUCH_2M. Returns 0 or -errno.
 */
int bench_guest_measure(const struct vmm_device *device, enum bench_op op,
			unsigned int count, int64_t *samples,
			struct bench_record *records, struct bench_stats *stats);

/* The same for an operation of the host side. */
int bench_host_measure(const struct vmm_device *device, enum bench_op op,
		       unsigned int count, int64_t *samples);

/* The median of samples[0 .. count); count > 0. Sorts samples. */
int64_t bench_median(int64_t *samples, unsigned int count);

#endif /* BENCH_INTERNAL_H */
