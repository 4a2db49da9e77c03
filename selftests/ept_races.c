// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "ept_races": the races between the EPT and the process's memory,
 * held open on purpose so that each happens every time, even on one CPU.
 *
 * They need minivisor's test build ($MV_DELAY_MODULE, module/delay.h):
 * its delay points stop a guest fault, an MMU notifier invalidation or a
 * CPU going offline for as long as a module parameter says, at exactly the
 * place where the race window is. Each test opens its windows, makes the
 * other side of the race happen inside them, and checks what the guest or
 * the kernel shows afterwards:
 *
 * - A fault that looked its page up while an invalidation was under way
 *   must not map that page once the invalidation has ended: the process
 *   no longer has it, and the guest would read and write memory nobody
 *   else sees (module/ept/notifier.c, the invalidation protocol).
 * - A CPU going offline leaves VMX operation; a flush IPI that reaches it
 *   in its last moments must not execute INVEPT there (module/vmx/vmxon.c).
 *   This one needs two CPUs.
 * - The OOM reaper takes a killed VMM's memory with an invalidation that
 *   must not sleep: it must neither fail (the core would still call its
 *   end) nor wait on a sleeping lock, even while a fault holds the EPT
 *   lock (on two CPUs); and all the VMM's memory comes back.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"
#include "vmm.h"

#define PORT_VALUE	0x10
#define SLOT_GPA	0x800000UL	/* beyond the test VMM's slot 0 */
#define SLOT_BYTES	(4 * 4096UL)
#define TARGET_GPA	(SLOT_GPA + 4096)
#define WARMUP_GPA	(SLOT_GPA + 2 * 4096)
#define OLD_VALUE	0x01d01d01U
#define NEW_VALUE	0x0e70e70eU

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

/*
 * A protected-mode guest that reports the dword at EBX, halts, and does
 * it again when run again.
 */
static const unsigned char guest_report[] = {
	0x8b, 0x03,			/* 1: mov eax, [ebx] */
	0xe7, PORT_VALUE,		/*    out PORT_VALUE, eax */
	0xf4,				/*    hlt */
	0xeb, 0xf9,			/*    jmp 1b */
};

/* Point the guest's read (EBX) at gpa. */
static int aim_at(struct vmm *vmm, unsigned long gpa)
{
	struct kvm_regs regs;
	int ret = vmm_get_regs(vmm, &regs);

	regs.rbx = gpa;
	return ret ?: vmm_set_regs(vmm, &regs);
}

/* minivisor's test build, loaded and released like the ordinary one. */
static const struct vmm_device vmm_minivisor_delay = {
	.path = MINIVISOR_DEVICE_PATH,
	.load = mv_delay_module_load,
	.release = mv_module_unload,
};

FIXTURE(ept_races) {
	struct vmm vmm;
	uint32_t *target;		/* TARGET_GPA in the process */
	unsigned char *backing;		/* the slot's memory */
};

/*
 * Give an open VM the slot of SLOT_BYTES at SLOT_GPA, with OLD_VALUE at
 * TARGET_GPA, and the guest_report guest aimed at it. Returns the slot's
 * memory, or NULL.
 */
static unsigned char *set_up_guest(struct vmm *vmm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = SLOT_GPA,
		.memory_size = SLOT_BYTES,
	};
	unsigned char *backing = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (backing == MAP_FAILED)
		return NULL;
	region.userspace_addr = (unsigned long)backing;
	*(uint32_t *)(backing + TARGET_GPA - SLOT_GPA) = OLD_VALUE;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) ||
	    vmm_load(vmm, VMM_PROTECTED_MODE, guest_report,
		     guest_report + sizeof(guest_report)) ||
	    aim_at(vmm, TARGET_GPA)) {
		munmap(backing, SLOT_BYTES);
		return NULL;
	}
	return backing;
}

FIXTURE_SETUP(ept_races)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, &vmm_minivisor_delay));
	self->backing = set_up_guest(&self->vmm);
	ASSERT_NE(NULL, self->backing);
	self->target = (uint32_t *)(self->backing + TARGET_GPA - SLOT_GPA);
}

FIXTURE_TEARDOWN(ept_races)
{
	mv_delay_set("delay_fault_ms", 0);
	mv_delay_set("delay_locked_ms", 0);
	mv_delay_set("delay_invalidate_ms", 0);
	mv_delay_set("delay_vmxoff_ms", 0);
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
	munmap(self->backing, SLOT_BYTES);
}

/* Run the guest once around its loop: it reports the dword, then halts. */
static void expect_guest_reads(struct __test_metadata *_metadata,
			       struct vmm *vmm, uint32_t value)
{
	ASSERT_RUN_OUT(vmm, PORT_VALUE, 4, value);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/*
 * The page to drop, when the drop began and ended, and when the dropping
 * thread may end.
 */
struct drop {
	void *page;
	const struct timespec *start;
	double began, ended;
	int error;
	bool started, done;
};

/*
 * Drop the page, then wait to be told to end: a thread that ends
 * (glibc's MADV_DONTNEED of its stack) is an invalidation of its own,
 * which would make the fault under test look again whatever the fix.
 */
static void *drop_page(void *arg)
{
	struct drop *drop = arg;

	drop->began = mv_seconds_since(drop->start);
	__atomic_store_n(&drop->started, true, __ATOMIC_RELEASE);
	if (madvise(drop->page, 4096, MADV_DONTNEED))
		drop->error = -errno;
	drop->ended = mv_seconds_since(drop->start);
	while (!__atomic_load_n(&drop->done, __ATOMIC_ACQUIRE))
		usleep(1000);
	return NULL;
}

/*
 * The process drops the page (MADV_DONTNEED) while the guest's first read
 * of it faults. The guest ran before, reading another page, so that the
 * only fault left is that one: a fault during an invalidation gives up
 * and comes again, and one on the guest's code would hold the guest back
 * until the invalidation is over. The windows, in order:
 *   0 ms    the drop begins: the notifier unmaps the EPT and then waits
 *           300 ms before the process's own page table is cleared;
 *   100 ms  the guest touches the page: the fault finds the old page,
 *           still in the process's page table, then waits 600 ms;
 *   300 ms  the process's page table is cleared, the invalidation ends;
 *   700 ms  the fault goes on to map what it found.
 * The fault overlapped an invalidation, so it must not map the old page:
 * the guest reads what the process now reads there, zeros.
 */
TEST_F(ept_races, a_fault_that_overlapped_an_invalidation_maps_nothing_stale)
{
	struct timespec start;
	struct drop drop = {
		.page = (void *)((unsigned long)self->target & ~4095UL),
		.start = &start,
	};
	pthread_t thread;
	double faulted;

	ASSERT_EQ(0, aim_at(&self->vmm, WARMUP_GPA));
	expect_guest_reads(_metadata, &self->vmm, 0);
	ASSERT_EQ(0, aim_at(&self->vmm, TARGET_GPA));
	ASSERT_EQ(0, mv_delay_set("delay_gfn", TARGET_GPA >> 12));
	ASSERT_EQ(0, mv_delay_set("delay_fault_ms", 600));
	ASSERT_EQ(0, mv_delay_set("delay_invalidate_ms", 300));

	clock_gettime(CLOCK_MONOTONIC, &start);
	ASSERT_EQ(0, pthread_create(&thread, NULL, drop_page, &drop));
	while (!__atomic_load_n(&drop.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(100 * 1000);
	faulted = mv_seconds_since(&start);
	EXPECT_EQ(KVM_EXIT_IO, vmm_run(&self->vmm));
	__atomic_store_n(&drop.done, true, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(KVM_EXIT_IO, self->vmm.run->exit_reason);
	ASSERT_EQ(0, drop.error);
	TH_LOG("drop from %.3f s to %.3f s, fault from %.3f s to %.3f s",
	       drop.began, drop.ended, faulted, mv_seconds_since(&start));
	/* Both windows were open: the race ran as the comment says. */
	EXPECT_GT(faulted, drop.began);
	EXPECT_LE(0.3, drop.ended - drop.began);
	EXPECT_LE(0.7, mv_seconds_since(&start));

	EXPECT_EQ(0U, *self->target);
	EXPECT_EQ(0U, vmm_io_value(&self->vmm)) {
		TH_LOG("the guest read %#x through a stale mapping",
		       vmm_io_value(&self->vmm));
	}
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));

	ASSERT_EQ(0, mv_delay_set("delay_fault_ms", 0));
	ASSERT_EQ(0, mv_delay_set("delay_invalidate_ms", 0));
	*self->target = NEW_VALUE;
	expect_guest_reads(_metadata, &self->vmm, NEW_VALUE);
}

/* What the flushing thread does, and what it tells the test. */
struct flusher {
	struct vmm *vmm;
	void *page;
	bool stop;
	int rounds;
	int error;
};

/*
 * Drop the page and let the guest read it back, again and again: each
 * drop unmaps a mapped page, which flushes the EPT on every CPU by IPI.
 */
static void *flush_loop(void *arg)
{
	struct flusher *flusher = arg;

	while (!__atomic_load_n(&flusher->stop, __ATOMIC_ACQUIRE)) {
		if (madvise(flusher->page, 4096, MADV_DONTNEED)) {
			flusher->error = -errno;
			break;
		}
		if (vmm_run(flusher->vmm) != KVM_EXIT_IO ||
		    vmm_run(flusher->vmm) != KVM_EXIT_HLT) {
			flusher->error = -EIO;
			break;
		}
		__atomic_add_fetch(&flusher->rounds, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * CPU 1 goes offline while another thread keeps flushing the EPT: the
 * offline CPU's last 500 ms in VMX operation are held open after VMXOFF,
 * so flush IPIs reach it there. None may execute INVEPT outside VMX
 * operation (an invalid-opcode oops), and the flushes go on.
 */
TEST_F(ept_races, a_cpu_going_offline_takes_no_flush_outside_vmx)
{
	struct flusher flusher = {
		.vmm = &self->vmm,
		.page = (void *)((unsigned long)self->target & ~4095UL),
	};
	int warnings = mv_kernel_warnings();
	pthread_t thread;
	int before;

	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "needs a second CPU");
	expect_guest_reads(_metadata, &self->vmm, OLD_VALUE);
	ASSERT_EQ(0, mv_delay_set("delay_vmxoff_ms", 500));
	ASSERT_EQ(0, pthread_create(&thread, NULL, flush_loop, &flusher));
	usleep(200 * 1000);
	before = __atomic_load_n(&flusher.rounds, __ATOMIC_ACQUIRE);
	EXPECT_EQ(0, mv_set_cpu_online(1, false));
	EXPECT_EQ(0, mv_set_cpu_online(1, true));
	usleep(200 * 1000);
	__atomic_store_n(&flusher.stop, true, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(0, flusher.error);
	EXPECT_LT(before, __atomic_load_n(&flusher.rounds, __ATOMIC_ACQUIRE));
	EXPECT_EQ(warnings, mv_kernel_warnings());
	*self->target = NEW_VALUE;
	expect_guest_reads(_metadata, &self->vmm, NEW_VALUE);
}

#define OOM_CGROUP	MV_MEMCG_MOUNT "/mv-oom"
#define OOM_LIMIT	(48UL << 20)
#define HOG_CHUNK	(1UL << 20)
#define HOLD_MS		12000	/* at most: the kill ends it 3 s later */

/* A memory cgroup of OOM_LIMIT with no task in it yet. */
static int make_oom_cgroup(void)
{
	char limit[32];

	snprintf(limit, sizeof(limit), "%lu", OOM_LIMIT);
	return mv_memcg_create("mv-oom") ?:
	       mv_write_file(OOM_CGROUP "/memory.limit_in_bytes", limit);
}

/* A number from a file: on the line led by key, or the first; else -1. */
static long file_value(const char *path, const char *key)
{
	char line[128];
	long value = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (value < 0 && fgets(line, sizeof(line), f)) {
		if (!key)
			value = atol(line);
		else if (!strncmp(line, key, strlen(key)))
			value = atol(line + strlen(key));
	}
	fclose(f);
	return value;
}

/*
 * Take memory until the OOM killer ends the process: fresh mappings,
 * faulted in, which no MMU notifier hears of (malloc could mprotect a
 * new arena, and that invalidation would wait for the EPT lock).
 */
static void *hog(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	for (;;)
		mmap(NULL, HOG_CHUNK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return NULL;
}

/*
 * The VMM in the cgroup: its guest's read of TARGET_GPA faults, and the
 * fault holds the EPT lock for LOCK_HOLD_MS, while another thread eats
 * memory until the OOM killer kills the process. Exits with the step that
 * failed, if one does.
 */
static void oom_victim(void)
{
	struct vmm vmm = { .dev = -1, .vm = -1, .vcpu = -1 };
	char pid[16];
	pthread_t thread;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mv_write_file(OOM_CGROUP "/cgroup.procs", pid))
		_exit(1);
	if (vmm_open(&vmm, &vmm_minivisor_delay) || !set_up_guest(&vmm))
		_exit(2);
	if (aim_at(&vmm, WARMUP_GPA) || vmm_run(&vmm) != KVM_EXIT_IO ||
	    aim_at(&vmm, TARGET_GPA))
		_exit(3);
	if (pthread_create(&thread, NULL, hog, NULL))
		_exit(4);
	for (;;)
		vmm_run(&vmm);
}

/*
 * The OOM killer kills a VMM whose vCPU is held in a fault: the process
 * cannot exit until the fault is over (3 s after the kill, module/delay.c),
 * so the OOM reaper takes its memory meanwhile (2 s after the kill),
 * through the MMU notifier, in a call that must not sleep. On two CPUs the fault holds the EPT lock, which
 * the reaper's call must wait for without sleeping and without failing;
 * on one, a fault holding that spinlock would keep everything else off
 * the CPU, so it waits before taking the lock. No warning, the reaper
 * reaped, the process died of SIGKILL, and once it is gone the cgroup
 * holds next to nothing: the guest's pages went back.
 */
TEST_F_TIMEOUT(ept_races, a_vmm_killed_by_the_oom_killer_gives_all_its_memory_back,
	       120)
{
	const char *hold = access(CPU1_ONLINE, F_OK) ? "delay_fault_ms" :
						       "delay_locked_ms";
	long kills = file_value("/proc/vmstat", "oom_kill ");
	int warnings = mv_kernel_warnings();
	char needle[64], line[256];
	int status;
	pid_t pid;

	ASSERT_EQ(0, make_oom_cgroup());
	ASSERT_EQ(0, mv_delay_set("delay_gfn", TARGET_GPA >> 12));
	ASSERT_EQ(0, mv_delay_set(hold, HOLD_MS));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		oom_victim();
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, mv_delay_set(hold, 0));
	TH_LOG("the fault was held by %s", hold);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		TH_LOG("the VMM ended with status %#x", status);
	}
	EXPECT_LT(kills, file_value("/proc/vmstat", "oom_kill "));
	EXPECT_EQ(warnings, mv_kernel_warnings());
	snprintf(needle, sizeof(needle), "oom_reaper: reaped process %d ", pid);
	EXPECT_EQ(1, mv_kernel_log_last(needle, line, sizeof(line)));
	usleep(500 * 1000);
	EXPECT_GT(1L << 20, file_value(OOM_CGROUP "/memory.usage_in_bytes",
				       NULL)) {
		TH_LOG("%ld bytes still charged to the VMM's cgroup",
		       file_value(OOM_CGROUP "/memory.usage_in_bytes", NULL));
	}
	EXPECT_EQ(0, rmdir(OOM_CGROUP));
}

TEST_HARNESS_MAIN
