// SPDX-License-Identifier: GPL-2.0
/*
 * The operations the guest times (bench_guests.S): a fresh VM for each,
 * with the vmm.c memory at 0, the guest program loaded in long mode, a
 * small CPUID table (the same on both devices, so that CPUID answers the
 * same), and for the first touches a second memslot of untouched memory.
 * The host answers every exit to userspace and checks it is the one the
 * loop makes; the empty loop, run first with as many iterations, gives
 * the frame's cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "bench_internal.h"

#define PAGE_4K		0x1000UL
#define PAGE_2M		0x200000UL
#define TOUCH_SLOT	1
#define RECORDS_MAX	((VMM_MEM_SIZE - BENCH_RECORDS_ADDR) / BENCH_RECORD_SIZE)

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* "GenuineIntel" in EBX, EDX, ECX; a 64-bit processor with long mode. */
static const struct kvm_cpuid_entry2 cpuid_table[] = {
	{ .function = 0, .eax = 1,
	  .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e },
	{ .function = 1, .eax = 0x000506e3, .edx = 0x0789ab71 },
	{ .function = 0x80000000, .eax = 0x80000001 },
	{ .function = 0x80000001, .edx = 0x20100800 },
};

static int set_cpuid(struct vmm *vmm)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + sizeof(cpuid_table));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = sizeof(cpuid_table) / sizeof(cpuid_table[0]);
	memcpy(cpuid->entries, cpuid_table, sizeof(cpuid_table));
	ret = ioctl(vmm->vcpu, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return ret;
}

/* What a loop needs: where it starts, its target and how it steps. */
struct loop {
	const unsigned char *entry;
	uint64_t target, stride;
	bool exits;		/* to userspace, once per iteration */
};

static struct loop loop_of(enum bench_op op)
{
	switch (op) {
	case BENCH_CPUID:
		return (struct loop){ .entry = bench_guest_cpuid };
	case BENCH_VMCALL:
		return (struct loop){ .entry = bench_guest_vmcall };
	case BENCH_OUT:
		return (struct loop){ .entry = bench_guest_out, .exits = true };
	case BENCH_MMIO_WRITE:
		return (struct loop){ .entry = bench_guest_mmio_write,
				      .target = BENCH_MMIO_ADDR, .exits = true };
	case BENCH_MMIO_READ:
		return (struct loop){ .entry = bench_guest_mmio_read,
				      .target = BENCH_MMIO_ADDR, .exits = true };
	case BENCH_TOUCH_4K:
		return (struct loop){ .entry = bench_guest_touch,
				      .target = BENCH_TOUCH_ADDR,
				      .stride = PAGE_4K };
	case BENCH_TOUCH_2M:
		return (struct loop){ .entry = bench_guest_touch,
				      .target = BENCH_TOUCH_ADDR,
				      .stride = PAGE_2M };
	default:
		return (struct loop){ .entry = bench_guest_empty };
	}
}

/* Check an exit to userspace is the loop's, and answer a read. */
static int answer_exit(struct vmm *vmm, unsigned int n)
{
	struct kvm_run *run = vmm->run;
	uint64_t value = 0;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == BENCH_PORT && run->io.size == 4 &&
		    run->io.count == 1 && vmm_io_value(vmm) == BENCH_OUT_VALUE)
			return 0;
		break;
	case KVM_EXIT_MMIO:
		if (run->mmio.phys_addr != BENCH_MMIO_ADDR ||
		    run->mmio.len != sizeof(value))
			break;
		if (!run->mmio.is_write) {
			value = bench_mmio_answer(n);
			memcpy(run->mmio.data, &value, sizeof(value));
			return 0;
		}
		memcpy(&value, run->mmio.data, sizeof(value));
		if (value == BENCH_MMIO_ADDR)
			return 0;
		break;
	}
	fprintf(stderr, "bench: unexpected exit %u (exit %u of the loop)\n",
		run->exit_reason, n);
	return -EPROTO;
}

/*
 * Run a loop count times and answer its exits to userspace; the records
 * are then in guest memory at BENCH_RECORDS_ADDR.
 */
static int run_loop(struct vmm *vmm, const struct loop *loop,
		    unsigned int count)
{
	struct kvm_regs regs = {
		.rflags = VMM_RFLAGS_FIXED,
		.rip = VMM_CODE_ADDR + (loop->entry - bench_guest),
		.rsp = VMM_STACK_TOP,
		.rdi = BENCH_RECORDS_ADDR,
		.rsi = loop->target,
		.r9 = count,
		.r10 = loop->stride,
	};
	unsigned int exits = 0;
	int ret;

	ret = vmm_set_regs(vmm, &regs);
	if (ret)
		return ret;
	for (;;) {
		ret = vmm_run(vmm);
		if (ret < 0)
			return ret;
		if (ret == KVM_EXIT_HLT)
			break;
		ret = answer_exit(vmm, exits);
		if (ret)
			return ret;
		exits++;
	}
	if (exits != (loop->exits ? count : 0)) {
		fprintf(stderr, "bench: %u exits to userspace for %u iterations\n",
			exits, count);
		return -EPROTO;
	}
	return 0;
}

static const struct bench_record *records_of(struct vmm *vmm)
{
	return (const struct bench_record *)(vmm->mem + BENCH_RECORDS_ADDR);
}

/*
 * Transparent huge pages must be on for madvise()d memory at least;
 * Debian's kernel has them on for that by default.
 */
static int enable_thp(void)
{
	char mode[128] = "";
	FILE *file;

	file = fopen(THP_ENABLED, "r+e");
	if (!file)
		return -errno;
	if (!fgets(mode, sizeof(mode), file) || strstr(mode, "[never]")) {
		rewind(file);
		fputs("madvise", file);
	}
	return fclose(file) ? -errno : 0;
}

/*
 * Fresh anonymous memory of size bytes at a 2 MiB-aligned address, with
 * transparent huge pages asked for (huge) or refused: exactly one mapping,
 * the unaligned ends given back.
 */
static void *map_touch_memory(size_t size, bool huge)
{
	size_t span = size + PAGE_2M;
	uint8_t *base, *mem;

	base = mmap(NULL, span, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	mem = (uint8_t *)(((uintptr_t)base + PAGE_2M - 1) & ~(PAGE_2M - 1));
	if (mem > base)
		munmap(base, mem - base);
	munmap(mem + size, base + span - (mem + size));
	if (madvise(mem, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		munmap(mem, size);
		return NULL;
	}
	return mem;
}

/*
 * The AnonHugePages of the mapping at mem, in KiB, from smaps; or -1. A
 * mapping's lines start with its address range, its fields' with "Name:".
 */
static long anon_huge_kib(const void *mem)
{
	char line[256], word[64], start[32];
	bool in_mapping = false;
	long kib = -1;
	FILE *file;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)mem);
	file = fopen("/proc/self/smaps", "re");
	if (!file)
		return -1;
	while (kib < 0 && fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%63s", word) != 1)
			continue;
		if (word[strlen(word) - 1] != ':')
			in_mapping = !strncmp(word, start, strlen(start));
		else if (in_mapping)
			sscanf(line, "AnonHugePages: %ld kB", &kib);
	}
	fclose(file);
	return kib;
}

/* Give the VM the memslot the first touches write to. */
static int add_touch_slot(struct vmm *vmm, void *mem, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = TOUCH_SLOT,
		.guest_phys_addr = BENCH_TOUCH_ADDR,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

/* The loops, once the VM is ready: the frame, then the operation. */
static int measure_loops(struct vmm *vmm, const struct loop *loop,
			 unsigned int count, int64_t *samples,
			 struct bench_record *records)
{
	const struct loop empty = loop_of(BENCH_NR_OPS);
	int64_t frame;
	int ret;

	ret = run_loop(vmm, &empty, count);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < count; i++)
		samples[i] = records_of(vmm)[i].ticks;
	frame = bench_median(samples, count);

	ret = run_loop(vmm, loop, count);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < count; i++)
		samples[i] = records_of(vmm)[i].ticks - frame;
	if (records)
		memcpy(records, records_of(vmm), count * sizeof(*records));
	return 0;
}

int bench_guest_measure(const struct vmm_device *device, enum bench_op op,
			unsigned int count, int64_t *samples,
			struct bench_record *records, struct bench_stats *stats)
{
	const struct loop loop = loop_of(op);
	size_t touch_size = count * loop.stride;
	void *touch = NULL;
	struct vmm vmm;
	int ret;

	if (count > RECORDS_MAX || touch_size > BENCH_TOUCH_MAX)
		return -E2BIG;
	if (op == BENCH_TOUCH_2M) {
		ret = enable_thp();
		if (ret)
			return ret;
	}
	if (touch_size) {
		touch = map_touch_memory(touch_size, op == BENCH_TOUCH_2M);
		if (!touch)
			return -errno;
	}

	ret = vmm_open(&vmm, device);
	if (ret)
		goto out;
	ret = set_cpuid(&vmm);
	if (!ret)
		ret = vmm_load(&vmm, VMM_LONG_MODE, bench_guest, bench_guest_end);
	if (!ret && touch)
		ret = add_touch_slot(&vmm, touch, touch_size);
	if (!ret)
		ret = measure_loops(&vmm, &loop, count, samples, records);
	if (!ret && op == BENCH_TOUCH_2M) {
		stats->huge_kib = anon_huge_kib(touch);
		stats->touched_kib = touch_size >> 10;
	}
	vmm_close(&vmm);
out:
	if (touch)
		munmap(touch, touch_size);
	return ret;
}
