// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark library's front: the list of operations, their
 * statistics, and taking KVM's modules out between the two devices.
 */
#include <errno.h>
#include <stdlib.h>

#include "bench_internal.h"
#include "mv_test.h"

const struct bench_op_info bench_ops[BENCH_NR_OPS] = {
	[BENCH_CPUID] = { "cpuid", "CPUID exit", "ticks", true },
	[BENCH_VMCALL] = { "vmcall", "VMCALL exit", "ticks", true },
	[BENCH_OUT] = { "out", "port OUT to userspace", "ticks", true },
	[BENCH_MMIO_WRITE] = { "mmio_write", "MMIO write to userspace",
			       "ticks", true },
	[BENCH_MMIO_READ] = { "mmio_read", "MMIO read to userspace",
			      "ticks", true },
	[BENCH_TOUCH_4K] = { "touch_4k", "first touch, 4 KiB page",
			     "ticks", true },
	[BENCH_TOUCH_2M] = { "touch_2m", "first touch, 2 MiB page",
			     "ticks", true },
	[BENCH_RUN_IMMEDIATE] = { "run_immediate", "KVM_RUN, immediate_exit",
				  "ticks", false },
	[BENCH_VM_LIFE] = { "vm_life", "VM life: create, slot, vCPU, close",
			    "ticks", false },
	[BENCH_VM_MEMORY] = { "vm_memory", "memory per VM", "bytes", false },
	[BENCH_VCPU_MEMORY] = { "vcpu_memory", "memory per vCPU", "bytes",
				false },
};

uint64_t bench_mmio_answer(unsigned int n)
{
	return 0x6d76000000000000ULL + 0x10001ULL * n;
}

static int compare_samples(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t bench_median(int64_t *samples, unsigned int count)
{
	qsort(samples, count, sizeof(*samples), compare_samples);
	return samples[(count - 1) / 2];
}

int bench_measure(const struct vmm_device *device, enum bench_op op,
		  unsigned int samples, struct bench_stats *stats,
		  struct bench_record *records)
{
	int64_t *sample;
	int ret;

	if (op >= BENCH_NR_OPS || !samples)
		return -EINVAL;
	sample = calloc(samples, sizeof(*sample));
	if (!sample)
		return -ENOMEM;
	*stats = (struct bench_stats){ .samples = samples };
	if (bench_ops[op].in_guest)
		ret = bench_guest_measure(device, op, samples, sample, records,
					  stats);
	else
		ret = bench_host_measure(device, op, samples, sample);
	if (!ret) {
		stats->median = bench_median(sample, samples);
		stats->min = sample[0];
		stats->max = sample[samples - 1];
	}
	free(sample);
	return ret;
}

int bench_kvm_unload(void)
{
	static const char *const modules[] = { "kvm_intel", "kvm", "irqbypass" };
	int ret;

	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		ret = mv_module_remove(modules[i]);
		if (ret && ret != -ENOENT)
			return ret;
	}
	return 0;
}
