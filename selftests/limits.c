// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "limits": a VM's memory is the VMM process's memory, and the
 * process's limits hold for it.
 *
 *  - A memslot far larger than the host's RAM (64 GiB of MAP_NORESERVE
 *    memory on a host of 1 GiB) is accepted and faulted in on demand: the
 *    guest writes a few pages spread across it, the process sees those
 *    writes and its resident size grows by little.
 *  - A guest that touches more memory than its process's memory cgroup
 *    allows ends in an error exit: KVM_RUN fails with EFAULT, as it does
 *    for any guest page the process cannot back. Nobody is OOM-killed.
 *  - What minivisor allocates for VMs and vCPUs is charged to the memory
 *    cgroup of the process that creates them (GFP_KERNEL_ACCOUNT): the
 *    cgroup's usage grows with them, and a small limit stops their
 *    creation with ENOMEM before they are charged past it. Without VT-x
 *    (the QEMU host) the same is checked with VMs alone.
 *
 * The cgroup tests run the VMM in a forked child moved into a memory
 * cgroup of its own, with the cgroup's OOM killer turned off.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"
#include "vmm.h"

#define SZ_4K		0x1000ULL
#define SZ_1M		0x100000ULL
#define SZ_1G		0x40000000ULL

/*
 * 32-bit protected mode: writes EDI to the 4 bytes at EDI, steps EDI by
 * EBX while it is below ESI, then HLT.
 */
extern const unsigned char limits_guest_touch[], limits_guest_touch_end[];

asm(
"	.pushsection .rodata.limits_guests, \"a\"\n"
"	.code32\n"
"limits_guest_touch:\n"
"1:	mov	%edi, (%edi)\n"
"	add	%ebx, %edi\n"
"	cmp	%esi, %edi\n"
"	jb	1b\n"
"	hlt\n"
"limits_guest_touch_end:\n"
"	.code64\n"
"	.popsection\n"
);

/* Add a memslot of size bytes at gpa; returns its memory or MAP_FAILED. */
static void *add_slot(struct vmm *vmm, unsigned int slot, uint64_t gpa,
		      uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
	};
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (mem == MAP_FAILED)
		return mem;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		munmap(mem, size);
		return MAP_FAILED;
	}
	return mem;
}

/* Load the touching guest: from first, every step bytes, up to end. */
static int load_touch(struct vmm *vmm, uint32_t first, uint32_t step,
		      uint32_t end)
{
	struct kvm_regs regs;
	int ret;

	ret = vmm_load(vmm, VMM_PROTECTED_MODE, limits_guest_touch,
		       limits_guest_touch_end);
	if (!ret)
		ret = vmm_get_regs(vmm, &regs);
	if (ret)
		return ret;
	regs.rdi = first;
	regs.rbx = step;
	regs.rsi = end;
	return vmm_set_regs(vmm, &regs);
}

/* A field of /proc/self/status, in kB, or -1. */
static long status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) &&
		    line[strlen(field)] == ':')
			kb = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return kb;
}

#define BIG_SLOT_GPA	0x10000000ULL		/* 256 MiB */
#define BIG_SLOT_SIZE	(64 * SZ_1G)
#define BIG_SLOT_STEP	0x10000000U		/* a page every 256 MiB */
#define BIG_SLOT_END	0xf0000000U		/* below 4 GiB: no paging */

TEST(memslot_beyond_ram)
{
	struct vmm vmm;
	long rss_before, rss_after, ram_kb;
	uint8_t *big;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	ram_kb = sysconf(_SC_PHYS_PAGES) * (sysconf(_SC_PAGESIZE) / 1024);
	ASSERT_LT((uint64_t)ram_kb * 1024, BIG_SLOT_SIZE)
		TH_LOG("the host has %ld kB: no bigger than the slot", ram_kb);

	ASSERT_EQ(0, vmm_create(&vmm, &vmm_minivisor));
	big = add_slot(&vmm, 1, BIG_SLOT_GPA, BIG_SLOT_SIZE);
	ASSERT_NE(MAP_FAILED, big);
	ASSERT_EQ(0, load_touch(&vmm, BIG_SLOT_GPA, BIG_SLOT_STEP,
				BIG_SLOT_END));
	rss_before = status_kb("VmRSS");
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&vmm));
	rss_after = status_kb("VmRSS");

	for (uint64_t gpa = BIG_SLOT_GPA; gpa < BIG_SLOT_END; gpa += BIG_SLOT_STEP) {
		uint32_t seen;

		memcpy(&seen, big + (gpa - BIG_SLOT_GPA), sizeof(seen));
		EXPECT_EQ((uint32_t)gpa, seen);
	}
	/* 14 pages, 2 MiB each at most: far below the slot, or the RAM. */
	EXPECT_LT(rss_after - rss_before, 64 * 1024)
		TH_LOG("VmRSS grew from %ld to %ld kB", rss_before, rss_after);
	/* The host reaches the slot's end, which the guest never touched. */
	EXPECT_EQ(0, big[BIG_SLOT_SIZE - 1]);

	ASSERT_EQ(0, munmap(big, BIG_SLOT_SIZE));
	EXPECT_EQ(0, vmm_destroy(&vmm));
}

/* ---------------------------------------------------------------------- */
/* Memory cgroups */

/*
 * The memory controller's v1 hierarchy, mounted by the test: only v1 can
 * turn the cgroup's OOM killer off (memory.oom_control), which makes a
 * charge over the limit fail with ENOMEM instead of killing the process
 * with a stack dump in the kernel log (which the runner rightly counts as
 * trouble). Charging and limits are the same as in v2.
 */
#define CGROUP		MV_MEMCG_MOUNT "/mv-limits"

/* How long a child in the cgroup may take. */
#define CHILD_SECONDS	300

/* Write text to the file at path; 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text), n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n != len) {
		n = n < 0 ? -errno : -EIO;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

/*
 * The number after "key " in the file dir/name, or the file's first
 * number if key is NULL; -1 if there is none.
 */
static long long file_value(const char *dir, const char *name,
			    const char *key)
{
	char path[256], line[256];
	long long value = -1;
	size_t len = key ? strlen(key) : 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			value = strtoll(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, len) && line[len] == ' ')
			value = strtoll(line + len + 1, NULL, 10);
	}
	fclose(f);
	return value;
}

/* The host's OOM kills so far (/proc/vmstat oom_kill), or -1. */
static long long oom_kills(void)
{
	return file_value("/proc", "vmstat", "oom_kill");
}

/*
 * A fresh memory cgroup CGROUP with its OOM killer off, the v1
 * hierarchy mounted first if it is not. 0 or -errno.
 */
static int cgroup_create(void)
{
	return mv_memcg_create("mv-limits") ?:
	       write_file(CGROUP "/memory.oom_control", "1");
}

/* Move the calling process into CGROUP. 0 or -errno. */
static int cgroup_enter(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(CGROUP "/cgroup.procs", pid);
}

/*
 * What a child in the cgroup tells its parent, in memory they share: the
 * parent's pages, charged before the child moved.
 */
struct report {
	long long units;	/* VMs created so far */
	long long result;	/* how it ended: one of REPORT_* */
	long long usage;	/* memory.usage_in_bytes growth */
};

#define REPORT_NONE	0
#define REPORT_STARTED	1	/* the VM is set up, the guest runs */
#define REPORT_HLT	2	/* the guest touched it all: wrong */
#define REPORT_DONE	3	/* every unit created */
#define REPORT_ERRNO	1000	/* + errno: a call failed */

/*
 * Wait for child, killing it if it takes more than CHILD_SECONDS (a
 * process stuck in its cgroup). Returns its wait status, or -1 if it had
 * to be killed.
 */
static int wait_child(pid_t child)
{
	int status;

	for (int i = 0; i < CHILD_SECONDS * 10; i++) {
		if (waitpid(child, &status, WNOHANG) == child)
			return status;
		usleep(100000);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return -1;
}

/*
 * The module and CGROUP, fresh for each test; the shared report; the
 * host's OOM kills before the test.
 */
FIXTURE(memcg) {
	struct report *report;
	long long kills_before;
};

FIXTURE_SETUP(memcg)
{
	self->report = mmap(NULL, sizeof(*self->report),
			    PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->report);
	memset(self->report, 0, sizeof(*self->report));
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, cgroup_create());
	self->kills_before = oom_kills();
	ASSERT_GE(self->kills_before, 0);
}

FIXTURE_TEARDOWN(memcg)
{
	EXPECT_EQ(0, rmdir(CGROUP));
	EXPECT_EQ(0, mv_module_unload());
	munmap(self->report, sizeof(*self->report));
}

/* What the cgroup saw: limit hits, OOM kills (inside, on the host). */
static void check_cgroup(struct __test_metadata *_metadata,
			 FIXTURE_DATA(memcg) *self, int status,
			 bool limited)
{
	long long failcnt = file_value(CGROUP, "memory.failcnt", NULL);
	long long kills = file_value(CGROUP, "memory.oom_control", "oom_kill");
	long long host_kills = oom_kills() - self->kills_before;

	TH_LOG("child: %lld units, result %lld, status %#x; limit hit %lld times",
	       self->report->units, self->report->result, status, failcnt);
	TH_LOG("OOM kills: %lld in the cgroup, %lld on the host", kills,
	       host_kills);
	ASSERT_NE(-1, status) TH_LOG("the child hung; killed");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (limited)
		EXPECT_GT(failcnt, 0);
	/* The OOM killer stayed off: nobody, in or out of the cgroup, died. */
	EXPECT_EQ(0, kills);
	EXPECT_EQ(0, host_kills);
}

#define OVERCOMMIT_MAX		"16M"
#define OVERCOMMIT_GPA		0x1000000U	/* 16 MiB */
#define OVERCOMMIT_SIZE		(256 * SZ_1M)

/*
 * With the cgroup's limit at 16 MiB, a guest writes to every page of a
 * 256 MiB slot: KVM_RUN fails once the process may have no more.
 */
TEST_F_TIMEOUT(memcg, overcommit, 600)
{
	struct report *report = self->report;
	pid_t child;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	ASSERT_EQ(0, write_file(CGROUP "/memory.limit_in_bytes",
				OVERCOMMIT_MAX));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct vmm vmm;
		int ret;

		if (cgroup_enter() || vmm_open(&vmm, &vmm_minivisor) ||
		    add_slot(&vmm, 1, OVERCOMMIT_GPA, OVERCOMMIT_SIZE) == MAP_FAILED ||
		    load_touch(&vmm, OVERCOMMIT_GPA, SZ_4K,
			       OVERCOMMIT_GPA + OVERCOMMIT_SIZE))
			_exit(1);
		report->result = REPORT_STARTED;
		ret = vmm_run(&vmm);
		report->result = ret == KVM_EXIT_HLT ? REPORT_HLT :
				 ret < 0 ? REPORT_ERRNO - ret : ret;
		_exit(0);
	}
	check_cgroup(_metadata, self, wait_child(child), true);
	EXPECT_NE(REPORT_HLT, report->result)
		TH_LOG("the guest used more than the limit");
	/* A fault the process's memory cannot back, as in KVM. */
	EXPECT_TRUE(report->result == REPORT_ERRNO + EFAULT ||
		    report->result == REPORT_ERRNO + ENOMEM);
}

/*
 * A unit of what minivisor allocates: a VM, with UNIT_VCPUS vCPUs where
 * the host has VT-x. The least each unit is charged: the VM's EPT root
 * page, and per vCPU its kvm_run page, its I/O page and its VMCS.
 */
#define UNIT_VCPUS		4
#define VM_MIN_BYTES		4096
#define VCPU_MIN_BYTES		(3 * 4096)

static int unit_vcpus(void)
{
	return mv_host_has_vtx() ? UNIT_VCPUS : 0;
}

static long long unit_min_bytes(void)
{
	return VM_MIN_BYTES + unit_vcpus() * VCPU_MIN_BYTES;
}

/*
 * Create one unit on the open device dev; 0 or -errno. Its descriptors
 * stay open until the process exits.
 */
static int create_unit(int dev)
{
	int vm = ioctl(dev, KVM_CREATE_VM, 0);

	if (vm < 0)
		return -errno;
	for (int i = 0; i < unit_vcpus(); i++)
		if (ioctl(vm, KVM_CREATE_VCPU, i) < 0)
			return -errno;
	return 0;
}

/*
 * In the child: open the device, create up to count units, reporting
 * each, and the errno that stopped them or REPORT_DONE.
 */
static void create_units(struct report *report, long long count)
{
	struct rlimit limit;
	long long before;
	int dev, ret = 0;

	limit.rlim_max = count * (1 + UNIT_VCPUS) + 64;
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) || cgroup_enter())
		_exit(1);
	dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		_exit(1);
	before = file_value(CGROUP, "memory.usage_in_bytes", NULL);
	while (report->units < count && !ret) {
		ret = create_unit(dev);
		report->units += !ret;
	}
	report->usage = file_value(CGROUP, "memory.usage_in_bytes", NULL) -
			before;
	report->result = ret ? REPORT_ERRNO - ret : REPORT_DONE;
	_exit(0);
}

/*
 * Enough units to be charged 4 MiB: far more than the charges the
 * cgroup keeps in advance (per CPU, 64 pages).
 */
#define CHARGE_BYTES	(4LL << 20)

/* memory.usage_in_bytes grows by what the units are made of. */
TEST_F_TIMEOUT(memcg, allocations_charged, 300)
{
	long long units = CHARGE_BYTES / unit_min_bytes();
	pid_t child;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child)
		create_units(self->report, units);
	check_cgroup(_metadata, self, wait_child(child), false);
	ASSERT_EQ(REPORT_DONE, self->report->result);
	TH_LOG("%lld VMs of %d vCPUs: the cgroup's usage grew by %lld bytes",
	       units, unit_vcpus(), self->report->usage);
	EXPECT_GE(self->report->usage, CHARGE_BYTES / 2);
}

#define LIMIT_MAX_TEXT	"4M"
#define LIMIT_MAX	(4LL << 20)

/*
 * Under a limit of 4 MiB, units charged as they should be stop with
 * ENOMEM before they are charged past it; there is room for four times
 * as many.
 */
TEST_F_TIMEOUT(memcg, allocations_limited, 600)
{
	long long units = 4 * LIMIT_MAX / unit_min_bytes();
	pid_t child;

	ASSERT_EQ(0, write_file(CGROUP "/memory.limit_in_bytes",
				LIMIT_MAX_TEXT));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child)
		create_units(self->report, units);
	check_cgroup(_metadata, self, wait_child(child), true);
	EXPECT_EQ(REPORT_ERRNO + ENOMEM, self->report->result)
		TH_LOG("%lld units of %lld created under %s", self->report->units,
		       units, LIMIT_MAX_TEXT);
	EXPECT_LE(self->report->units * unit_min_bytes(), LIMIT_MAX);
}

TEST_HARNESS_MAIN
