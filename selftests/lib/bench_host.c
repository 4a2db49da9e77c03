// SPDX-License-Identifier: GPL-2.0
/*
 * The operations the host times: KVM_RUN that returns at once, a VM's
 * whole life, and the kernel memory a VM and a vCPU take.
 *
 * Time is RDTSC around the system calls, less the median of RDTSC around
 * nothing. A VM's life is counted as work instead: what every CPU spent
 * on it, idle time left out and deferred work (RCU callbacks, workers)
 * let in, so that a teardown that waits or defers costs what it does.
 * Memory is the kernel's free pages before and after creating
 * many objects at once, divided by their number: every page the kernel
 * takes for them counts (slab, vmalloc, page tables, the kvm_run page,
 * a kernel thread's stack), whoever allocates it. Free pages are counted
 * as /proc/zoneinfo has them once vm.stat_refresh has folded the per-CPU
 * counters: each zone's nr_free_pages plus the pages its per-CPU lists
 * hold ("count:"), which the kernel hands out and takes back without
 * touching nr_free_pages (MemFree alone hides up to megabytes there).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <x86intrin.h>

#include "bench_internal.h"

/* The memory of the VM a life creates. */
#define LIFE_MEM_SIZE	(2UL << 20)

/* How long a life's deferred work gets to run before it is counted. */
#define LIFE_SETTLE_NS	(20 * 1000 * 1000)

/* Objects per round of the memory measurements. */
#define MEMORY_VMS		16
#define MEMORY_VCPU_VMS		4
#define MEMORY_VCPUS_PER_VM	16

/* RDTSC around nothing, the frame every host sample carries. */
static int64_t frame_ticks(unsigned int count, int64_t *samples)
{
	for (unsigned int i = 0; i < count; i++) {
		uint64_t start = __rdtsc();

		samples[i] = __rdtsc() - start;
	}
	return bench_median(samples, count);
}

/* KVM_RUN with immediate_exit set: -EINTR before any guest code runs. */
static int measure_run_immediate(const struct vmm_device *device,
				 unsigned int count, int64_t *samples)
{
	int64_t frame = frame_ticks(count, samples);
	struct vmm vmm;
	int ret;

	ret = vmm_open(&vmm, device);
	if (ret)
		return ret;
	ret = vmm_load(&vmm, VMM_LONG_MODE, bench_guest, bench_guest_end);
	vmm.run->immediate_exit = 1;
	for (unsigned int i = 0; !ret && i < count; i++) {
		uint64_t start = __rdtsc();

		ret = ioctl(vmm.vcpu, KVM_RUN, 0) ? -errno : -EPROTO;
		samples[i] = __rdtsc() - start - frame;
		if (ret == -EINTR)
			ret = 0;
	}
	vmm_close(&vmm);
	return ret;
}

/* A VM with one memslot of mem and one vCPU: 0, or -errno. */
static int create_vm(int dev, void *mem, int *vm, int *vcpu)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = LIFE_MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};

	*vcpu = -1;
	*vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (*vm < 0)
		return -errno;
	if (ioctl(*vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	*vcpu = ioctl(*vm, KVM_CREATE_VCPU, 0);
	return *vcpu < 0 ? -errno : 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * The time tasks ran on all CPUs, in nanoseconds: the sum of each CPU's
 * rq_cpu_time, the seventh number of its line in /proc/schedstat
 * (Documentation/scheduler/sched-stats.rst), which leaves out the idle
 * task. A task's time is added when it leaves the CPU.
 */
static int64_t busy_ns(void)
{
	unsigned long long rq_cpu_time;
	int64_t sum = 0;
	char line[256];
	FILE *file;

	file = fopen("/proc/schedstat", "re");
	if (!file)
		return -errno;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "cpu%*u %*u %*u %*u %*u %*u %*u %llu",
			   &rq_cpu_time) == 1)
			sum += rq_cpu_time;
	fclose(file);
	return sum;
}

static int64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec;
}

/*
 * The work of one round, in nanoseconds: what all CPUs ran from before
 * the life to once its deferred work had time to finish (the sleep also
 * makes this thread leave the CPU, which adds its own time). With
 * life false, the same round without the VM: the frame.
 */
static int work_round(int dev, void *mem, bool life, int64_t *ns)
{
	const struct timespec settle = { .tv_nsec = LIFE_SETTLE_NS };
	int64_t before = busy_ns(), after;
	int ret = 0, vm = -1, vcpu = -1;

	if (life) {
		ret = create_vm(dev, mem, &vm, &vcpu);
		close_fd(vcpu);
		close_fd(vm);
	}
	nanosleep(&settle, NULL);
	after = busy_ns();
	if (!ret && (before < 0 || after < 0))
		ret = -EIO;
	*ns = after - before;
	return ret;
}

/*
 * Create a VM, its memslot and vCPU, close them all: count times, each
 * counted as the CPUs' work less the median frame, in TSC ticks (the
 * kernel's clock runs on the TSC, at the rate measured over the run).
 */
static int measure_vm_life(int dev, unsigned int count, int64_t *samples)
{
	int64_t frame, ns, start_ns = monotonic_ns();
	uint64_t start_ticks = __rdtsc();
	double ticks_per_ns;
	int ret = 0;
	void *mem;

	mem = mmap(NULL, LIFE_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	for (unsigned int i = 0; !ret && i < count; i++)
		ret = work_round(dev, mem, false, &samples[i]);
	frame = ret ? 0 : bench_median(samples, count);
	for (unsigned int i = 0; !ret && i < count; i++) {
		ret = work_round(dev, mem, true, &ns);
		samples[i] = ns - frame;
	}
	ticks_per_ns = (double)(__rdtsc() - start_ticks) /
		       (monotonic_ns() - start_ns);
	for (unsigned int i = 0; !ret && i < count; i++)
		samples[i] *= ticks_per_ns;
	munmap(mem, LIFE_MEM_SIZE);
	return ret;
}

/*
 * The free memory, in bytes, once what the last round freed has had time
 * to go back (some of it only after an RCU grace period).
 */
static int64_t mem_free(void)
{
	const struct timespec settle = { .tv_nsec = 200 * 1000 * 1000 };
	int64_t pages = 0;
	char line[256];
	FILE *file;
	long n;

	nanosleep(&settle, NULL);
	file = fopen("/proc/sys/vm/stat_refresh", "we");
	if (!file)
		return -errno;
	fputs("1", file);
	fclose(file);

	file = fopen("/proc/zoneinfo", "re");
	if (!file)
		return -errno;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, " nr_free_pages %ld", &n) == 1 ||
		    sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	fclose(file);
	return pages * sysconf(_SC_PAGESIZE);
}

/* Create nr VMs on dev, fds into vms[]; 0 or -errno. */
static int create_vms(int dev, int *vms, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		vms[i] = ioctl(dev, KVM_CREATE_VM, 0);
		if (vms[i] < 0)
			return -errno;
	}
	return 0;
}

/* Create per_vm vCPUs in each of the nr VMs, fds into vcpus[]. */
static int create_vcpus(const int *vms, unsigned int nr, unsigned int per_vm,
			int *vcpus)
{
	for (unsigned int i = 0; i < nr * per_vm; i++) {
		vcpus[i] = ioctl(vms[i / per_vm], KVM_CREATE_VCPU, i % per_vm);
		if (vcpus[i] < 0)
			return -errno;
	}
	return 0;
}

static void close_fds(const int *fds, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		close_fd(fds[i]);
}

/*
 * One round of the memory measurement: MEMORY_VMS VMs (per_vm 0), or
 * per_vm vCPUs in each of MEMORY_VCPU_VMS VMs, counting only the vCPUs.
 * *sample is the bytes per object.
 */
static int memory_round(int dev, unsigned int per_vm, int64_t *sample)
{
	unsigned int nr_vms = per_vm ? MEMORY_VCPU_VMS : MEMORY_VMS;
	unsigned int nr = per_vm ? nr_vms * per_vm : nr_vms;
	int vms[MEMORY_VMS], vcpus[MEMORY_VCPU_VMS * MEMORY_VCPUS_PER_VM];
	int64_t before, after;
	int ret;

	memset(vms, -1, sizeof(vms));
	memset(vcpus, -1, sizeof(vcpus));
	ret = per_vm ? create_vms(dev, vms, nr_vms) : 0;
	before = mem_free();
	if (!ret)
		ret = per_vm ? create_vcpus(vms, nr_vms, per_vm, vcpus) :
			       create_vms(dev, vms, nr_vms);
	after = mem_free();
	close_fds(vcpus, sizeof(vcpus) / sizeof(vcpus[0]));
	close_fds(vms, sizeof(vms) / sizeof(vms[0]));
	if (!ret && (before < 0 || after < 0))
		ret = -EIO;
	*sample = (before - after) / (int64_t)nr;
	return ret;
}

/* vCPUs per VM: MEMORY_VCPUS_PER_VM, or fewer if the device allows fewer. */
static unsigned int vcpus_per_vm(int dev)
{
	int max = ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	return max > 0 && max < MEMORY_VCPUS_PER_VM ? max : MEMORY_VCPUS_PER_VM;
}

int bench_host_measure(const struct vmm_device *device, enum bench_op op,
		       unsigned int count, int64_t *samples)
{
	int dev, ret = 0;

	if (op == BENCH_RUN_IMMEDIATE)
		return measure_run_immediate(device, count, samples);

	dev = open(device->path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	if (op == BENCH_VM_LIFE)
		ret = measure_vm_life(dev, count, samples);
	for (unsigned int i = 0; op == BENCH_VM_MEMORY && !ret && i < count; i++)
		ret = memory_round(dev, 0, &samples[i]);
	for (unsigned int i = 0; op == BENCH_VCPU_MEMORY && !ret && i < count; i++)
		ret = memory_round(dev, vcpus_per_vm(dev), &samples[i]);
	close(dev);
	return ret;
}
