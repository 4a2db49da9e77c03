// SPDX-License-Identifier: GPL-2.0
/*
 * The full benchmark of `make bench`, run by /init in the emulated VT-x
 * host (mv.bench=1): every operation of bench.h many times, first on
 * Debian's kvm_intel through /dev/kvm, then, KVM's modules removed, on
 * minivisor through /dev/minivisor. One line per operation and device on
 * stdout, for selftests/runner/bench.sh to turn into a table:
 *
 *   result OPERATION DEVICE MEDIAN MIN MAX SAMPLES UNIT DESCRIPTION...
 *
 * and, for the 2 MiB first touch, how much of the memory was huge:
 *
 *   huge OPERATION DEVICE HUGE_KIB TOUCHED_KIB
 *
 * Exits 0 if every measurement was made.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Samples per operation: each a separate operation, in its own state. */
static const unsigned int samples_of[BENCH_NR_OPS] = {
	[BENCH_CPUID] = 2000,
	[BENCH_VMCALL] = 2000,
	[BENCH_OUT] = 1000,
	[BENCH_MMIO_WRITE] = 1000,
	[BENCH_MMIO_READ] = 1000,
	[BENCH_TOUCH_4K] = 1000,
	[BENCH_TOUCH_2M] = 64,
	[BENCH_RUN_IMMEDIATE] = 2000,
	[BENCH_VM_LIFE] = 50,
	[BENCH_VM_MEMORY] = 5,
	[BENCH_VCPU_MEMORY] = 5,
};

struct device {
	const char *name;
	const struct vmm_device *vmm;
	int (*unload)(void);
};

static int no_unload(void)
{
	return 0;
}

static const struct device devices[] = {
	{ "kvm", &vmm_kvm, bench_kvm_unload },
	{ "minivisor", &vmm_minivisor, no_unload },
};

/* Measure and print every operation on one device; the number of failures. */
static int bench_device(const struct device *device)
{
	struct bench_stats stats;
	int ret, failures = 0;

	ret = device->vmm->load();
	if (ret) {
		printf("# %s: loading: %s\n", device->name, strerror(-ret));
		return BENCH_NR_OPS;
	}
	for (int op = 0; op < BENCH_NR_OPS; op++) {
		ret = bench_measure(device->vmm, op, samples_of[op], &stats,
				    NULL);
		if (ret) {
			printf("# %s %s: %s\n", bench_ops[op].name,
			       device->name, strerror(-ret));
			failures++;
			continue;
		}
		printf("result %s %s %lld %lld %lld %u %s %s\n",
		       bench_ops[op].name, device->name,
		       (long long)stats.median, (long long)stats.min,
		       (long long)stats.max, stats.samples, bench_ops[op].unit,
		       bench_ops[op].what);
		if (op == BENCH_TOUCH_2M)
			printf("huge %s %s %ld %ld\n", bench_ops[op].name,
			       device->name, stats.huge_kib, stats.touched_kib);
		fflush(stdout);
	}
	ret = device->vmm->release();
	if (!ret)
		ret = device->unload();
	if (ret) {
		printf("# %s: unloading: %s\n", device->name, strerror(-ret));
		failures++;
	}
	return failures;
}

int main(void)
{
	int failures = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		failures += bench_device(&devices[i]);
	return failures ? 1 : 0;
}
