// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "lifecycle": VMs and vCPUs over their whole life, on /dev/kvm and
 * on /dev/minivisor alike, with KVM (kvm_intel) the reference for every
 * errno and exit reason checked.
 *
 *  - Concurrency: two vCPUs of one VM, and two VMs, running at once in
 *    threads of their own; a vCPU thread moved to another CPU before every
 *    KVM_RUN (api.rst 4.10). The vCPUs are made on the test's main thread
 *    and run on others: api.rst section 1 only warns that the first ioctl
 *    after switching threads may be slower.
 *  - Stopping: a guest spinning with interrupts off still yields KVM_RUN
 *    to a signal (EINTR, KVM_EXIT_INTR), and SIGKILL during KVM_RUN ends
 *    the process and frees its VM.
 *  - Teardown: the VM, vCPU and kvm_run mapping go in any order, the
 *    module stays pinned while any of them lives (delete_module(2) fails
 *    with EWOULDBLOCK) and is free as soon as none does: minivisor
 *    unloads, kvm_intel (which the suites keep loaded) has no user left.
 *  - Bad arguments: pointers that fault give EFAULT and change nothing,
 *    out-of-range values give EINVAL or EEXIST as KVM gives them.
 *  - Hypercalls: VMCALL of a number nobody knows returns -KVM_ENOSYS,
 *    64 bits wide in long mode and 32 bits zero-extended in real mode
 *    (Documentation/virt/kvm/x86/hypercalls.rst); from user mode any
 *    number returns -KVM_EPERM. The numbers KVM_CAP_EXIT_HYPERCALL
 *    offers (KVM's KVM_HC_MAP_GPA_RANGE, minivisor's own) go to the VMM
 *    as KVM_EXIT_HYPERCALL once it enables them, and its result comes
 *    back in RAX (api.rst, 8.34).
 *
 * The guests are small enough to live here, as a few lines of assembly
 * below; like those of guests.S they are data copied to VMM_CODE_ADDR.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "mv_test.h"
#include "vmm.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)

/*
 * lc_guest_marker reads guest physical MARKER_GPA through DS (whose base
 * is VMM_CODE_ADDR) at MARKER_OFFSET: past the code, below the stack.
 */
#define MARKER_OFFSET	0x8000
#define MARKER_GPA	(VMM_CODE_ADDR + MARKER_OFFSET)

/*
 * Where the protected-mode guest of kill_9 counts: in a memslot of its
 * own, just above the VMM's memory (a plain number, for the assembler).
 */
#define COUNTER_GPA	0x400000
_Static_assert(COUNTER_GPA == VMM_MEM_SIZE, "COUNTER_GPA follows the VMM's memory");

/* Documentation/virt/kvm/x86/hypercalls.rst */
#define KVM_ENOSYS		1000
#define KVM_EPERM		1
#define UNKNOWN_HYPERCALL	0x1234

/* ---------------------------------------------------------------------- */
/* The guests */

#define GUEST(name) extern const unsigned char name[], name##_end[]

/*
 * Real mode, RBX and RCX set by the test: OUT of EBX (4 bytes) to
 * PORT_REPORT, EBX += 1, CX times; then HLT.
 */
GUEST(lc_guest_count);

/*
 * Real mode, RCX set by the test: OUT of the 4 bytes at MARKER_GPA to
 * PORT_REPORT, CX times; then HLT.
 */
GUEST(lc_guest_marker);

/* Real mode: CLI, then a jump to itself (at offset 1) for ever. */
GUEST(lc_guest_cli_spin);

/*
 * 32-bit protected mode: STI, then adds 1 to the 4 bytes at COUNTER_GPA
 * for ever.
 */
GUEST(lc_guest_count_forever);

/*
 * Real mode, RAX set by the test: VMCALL; OUT of EAX to PORT_REPORT; HLT.
 */
GUEST(lc_guest_vmcall16);

/*
 * 64-bit long mode, RAX set by the test: VMCALL; OUT of EAX, then of the
 * high half of RAX, to PORT_REPORT; HLT.
 */
GUEST(lc_guest_vmcall64);

/*
 * 32-bit protected mode, RAX set by the test, run at CPL 3 with IOPL 3:
 * VMCALL; OUT of EAX to PORT_REPORT; then HLT, which faults at CPL 3.
 */
GUEST(lc_guest_vmcall32);

#undef GUEST

asm(
"	.pushsection .rodata.lifecycle_guests, \"a\"\n"
"	.code16\n"
"lc_guest_count:\n"
"1:	mov	%ebx, %eax\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	inc	%ebx\n"
"	loop	1b\n"
"	hlt\n"
"lc_guest_count_end:\n"
"\n"
"lc_guest_marker:\n"
"1:	mov	" XSTR(MARKER_OFFSET) ", %eax\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	loop	1b\n"
"	hlt\n"
"lc_guest_marker_end:\n"
"\n"
"lc_guest_cli_spin:\n"
"	cli\n"
"1:	jmp	1b\n"
"lc_guest_cli_spin_end:\n"
"\n"
"lc_guest_vmcall16:\n"
"	vmcall\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	hlt\n"
"lc_guest_vmcall16_end:\n"
"\n"
"	.code32\n"
"lc_guest_vmcall32:\n"
"	vmcall\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	hlt\n"
"lc_guest_vmcall32_end:\n"
"\n"
"lc_guest_count_forever:\n"
"	sti\n"
"1:	incl	" XSTR(COUNTER_GPA) "\n"
"	jmp	1b\n"
"lc_guest_count_forever_end:\n"
"\n"
"	.code64\n"
"lc_guest_vmcall64:\n"
"	vmcall\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	shr	$32, %rax\n"
"	out	%eax, $" XSTR(PORT_REPORT) "\n"
"	hlt\n"
"lc_guest_vmcall64_end:\n"
"	.popsection\n"
);

/* ---------------------------------------------------------------------- */
/* The fixture */

/* For VMs beyond the fixture's: the modules are loaded and stay. */
static int modules_stay(void)
{
	return 0;
}

FIXTURE(lifecycle) {
	/* VM and vCPU 0 on the variant's device, its modules loaded. */
	struct vmm vmm;
	/* The variant's device, with modules_stay() to load and release. */
	struct vmm_device device_only;
	/* A second VM on device_only, when a test makes one. */
	struct vmm other_vm;
	/*
	 * vCPU 1 of vmm's VM, when a test makes one: its own vcpu and run,
	 * everything else vmm's.
	 */
	struct vmm other_vcpu;
};

FIXTURE_VARIANT(lifecycle) {
	const struct vmm_device *device;
	/* The module its VMs pin: delete_module(2) fails while one exists. */
	const char *module;
};

FIXTURE_VARIANT_ADD(lifecycle, kvm) {
	.device = &vmm_kvm,
	.module = "kvm_intel",
};

FIXTURE_VARIANT_ADD(lifecycle, minivisor) {
	.device = &vmm_minivisor,
	.module = "minivisor",
};

FIXTURE_SETUP(lifecycle)
{
	self->device_only = (struct vmm_device){
		.path = variant->device->path,
		.load = modules_stay,
		.release = modules_stay,
	};
	self->other_vm = (struct vmm){ .dev = -1, .vm = -1, .vcpu = -1 };
	self->other_vcpu = (struct vmm){ .dev = -1, .vm = -1, .vcpu = -1 };
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

/* Close a vCPU made by add_vcpu(), leaving its VM alone. */
static void put_vcpu(struct vmm *view)
{
	if (view->run)
		munmap(view->run, view->run_size);
	if (view->vcpu >= 0)
		close(view->vcpu);
	view->run = NULL;
	view->vcpu = -1;
}

/*
 * Releasing the modules at the end of every test (minivisor unloads,
 * kvm_intel must have no user left) also checks that the test left
 * nothing behind that holds them.
 */
FIXTURE_TEARDOWN(lifecycle)
{
	put_vcpu(&self->other_vcpu);
	if (self->other_vm.device)
		vmm_destroy(&self->other_vm);
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/*
 * A second vCPU of vmm's VM, with the given id, as a struct vmm of its own
 * that shares vmm's device, VM and memory. Returns 0 or -errno.
 */
static int add_vcpu(struct vmm *vmm, unsigned long id, struct vmm *view)
{
	*view = *vmm;
	view->run = NULL;
	view->vcpu = ioctl(vmm->vm, KVM_CREATE_VCPU, id);
	if (view->vcpu < 0)
		return -errno;
	view->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, view->vcpu, 0);
	if (view->run == MAP_FAILED) {
		view->run = NULL;
		return -errno;
	}
	return 0;
}

/* Load a real-mode guest and set RBX and RCX for it. */
static int load_real_mode(struct vmm *vmm, const unsigned char *start,
			  const unsigned char *end, uint64_t rbx, uint64_t rcx)
{
	struct kvm_regs regs;
	int ret;

	ret = vmm_load(vmm, VMM_REAL_MODE, start, end);
	if (!ret)
		ret = vmm_get_regs(vmm, &regs);
	if (ret)
		return ret;
	regs.rbx = rbx;
	regs.rcx = rcx;
	return vmm_set_regs(vmm, &regs);
}

/* ---------------------------------------------------------------------- */
/* Runs checked without the harness, for threads */

/*
 * One vCPU running lc_guest_count or lc_guest_marker: count OUTs of
 * first, first + 1, ... to PORT_REPORT, then a HLT. The harness's
 * assertions cannot be used off the test's main thread, so the run
 * records how far it got as expected and what went wrong first.
 */
struct out_run {
	struct vmm *vmm;
	uint32_t first;
	int count;
	/* If set, each value is written here before the run that OUTs it. */
	volatile uint32_t *marker;
	/* Move to CPU i % 2 before the i-th KVM_RUN, and check it ran there. */
	bool hop;

	int good;		/* exits as expected, the HLT included */
	char why[160];		/* the first one that was not, or "" */
};

/* Whether the last KVM_RUN stopped at an OUT of value to PORT_REPORT. */
static bool exited_at_out(struct out_run *r, int reason, uint32_t value)
{
	struct kvm_run *run = r->vmm->run;

	if (reason != KVM_EXIT_IO) {
		snprintf(r->why, sizeof(r->why),
			 "exit %d: KVM_RUN gave %d, not KVM_EXIT_IO",
			 r->good, reason);
		return false;
	}
	if (run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != PORT_REPORT || run->io.size != 4 ||
	    run->io.count != 1 || vmm_io_value(r->vmm) != value) {
		snprintf(r->why, sizeof(r->why),
			 "exit %d: I/O direction %u port %#x size %u count %u value %#x, not an OUT of %#x to %#x",
			 r->good, run->io.direction, run->io.port,
			 run->io.size, run->io.count, vmm_io_value(r->vmm),
			 value, PORT_REPORT);
		return false;
	}
	return true;
}

static bool move_to_cpu(struct out_run *r, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(r->why, sizeof(r->why),
			 "exit %d: sched_setaffinity to CPU %d: %s",
			 r->good, cpu, strerror(errno));
		return false;
	}
	return true;
}

static void *run_outs(void *arg)
{
	struct out_run *r = arg;
	int reason;

	r->good = 0;
	r->why[0] = '\0';
	for (int i = 0; i < r->count; i++) {
		uint32_t value = r->first + i;

		if (r->hop && !move_to_cpu(r, i % 2))
			return NULL;
		if (r->marker)
			*r->marker = value;
		reason = vmm_run(r->vmm);
		if (!exited_at_out(r, reason, value))
			return NULL;
		if (r->hop && sched_getcpu() != i % 2) {
			snprintf(r->why, sizeof(r->why),
				 "exit %d: back from KVM_RUN on CPU %d, not %d",
				 r->good, sched_getcpu(), i % 2);
			return NULL;
		}
		r->good++;
	}
	reason = vmm_run(r->vmm);
	if (reason != KVM_EXIT_HLT) {
		snprintf(r->why, sizeof(r->why),
			 "last exit: KVM_RUN gave %d, not KVM_EXIT_HLT", reason);
		return NULL;
	}
	r->good++;
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Concurrency */

#define OUTS_PER_VCPU 200

/*
 * Two vCPUs of one VM, each on a thread of its own, run the same code at
 * once (on 2 CPUs, truly in parallel); each sees only its own registers:
 * its OUTs carry its own count, in order.
 */
TEST_F(lifecycle, two_vcpus_run_at_once)
{
	struct out_run runs[2] = {
		{ .vmm = &self->vmm, .first = 0x10000, .count = OUTS_PER_VCPU },
		{ .vmm = &self->other_vcpu, .first = 0x20000,
		  .count = OUTS_PER_VCPU },
	};
	pthread_t threads[2];

	ASSERT_EQ(0, add_vcpu(&self->vmm, 1, &self->other_vcpu));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, load_real_mode(runs[i].vmm, lc_guest_count,
					    lc_guest_count_end, runs[i].first,
					    runs[i].count));
	}

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, run_outs,
					    &runs[i]));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(OUTS_PER_VCPU + 1, runs[i].good) {
			TH_LOG("vCPU %d: %s", i, runs[i].why);
		}
	}
}

/*
 * Two VMs, each on a thread of its own, run the same code at once; each
 * reads its own memory: before every run the thread writes a new value
 * to MARKER_GPA in its VM's memory, and its guest OUTs what it finds
 * there.
 */
TEST_F(lifecycle, two_vms_run_at_once)
{
	struct vmm *vms[2] = { &self->vmm, &self->other_vm };
	struct out_run runs[2];
	pthread_t threads[2];

	ASSERT_EQ(0, vmm_create(&self->other_vm, &self->device_only));
	for (int i = 0; i < 2; i++) {
		runs[i] = (struct out_run){
			.vmm = vms[i],
			.first = (i + 1) << 24,
			.count = OUTS_PER_VCPU,
			.marker = (volatile uint32_t *)(vms[i]->mem +
							 MARKER_GPA),
		};
		ASSERT_EQ(0, load_real_mode(vms[i], lc_guest_marker,
					    lc_guest_marker_end, 0,
					    runs[i].count));
	}

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, run_outs,
					    &runs[i]));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(OUTS_PER_VCPU + 1, runs[i].good) {
			TH_LOG("VM %d: %s", i, runs[i].why);
		}
	}
}

/*
 * A vCPU follows its thread from CPU to CPU: the thread moves between
 * CPUs 0 and 1 before every KVM_RUN (so the vCPU's state must move with
 * it, a VMCS cleared on one CPU and loaded on the other) and every exit
 * is still the next one the guest makes.
 */
TEST_F(lifecycle, vcpu_thread_hopping_between_cpus)
{
	struct out_run run = {
		.vmm = &self->vmm, .first = 0x30000, .count = 300, .hop = true,
	};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU online: no other CPU to move the vCPU thread to");

	ASSERT_EQ(0, load_real_mode(&self->vmm, lc_guest_count,
				    lc_guest_count_end, run.first, run.count));
	run_outs(&run);
	EXPECT_EQ(run.count + 1, run.good) {
		TH_LOG("%s", run.why);
	}
}

/* ---------------------------------------------------------------------- */
/* Stopping a running guest */

/* Bochs's BIOS names itself in the DMI tables the kernel exports. */
static bool host_is_bochs(void)
{
	static const char *const files[] = {
		"/sys/class/dmi/id/bios_vendor",
		"/sys/class/dmi/id/bios_version",
	};
	char text[128];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		FILE *file = fopen(files[i], "r");
		bool bochs;

		if (!file)
			continue;
		bochs = fgets(text, sizeof(text), file) && strstr(text, "Bochs");
		fclose(file);
		if (bochs)
			return true;
	}
	return false;
}

static volatile sig_atomic_t sigusr1_count;

static void on_sigusr1(int sig)
{
	(void)sig;
	sigusr1_count++;
}

static long ms_between(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000 +
	       (to->tv_nsec - from->tv_nsec) / 1000000;
}

/*
 * A guest that spins with interrupts off never exits on its own, yet a
 * signal to its thread (here a timer's, 200 ms after KVM_RUN begins)
 * still ends KVM_RUN with EINTR and KVM_EXIT_INTR, soon after: the guest
 * must not be able to keep its thread from its signals. The guest did
 * spin: RIP is on its jump and RFLAGS.IF is clear.
 *
 * On hardware the host's timer interrupt forces an exit whatever the
 * guest's RFLAGS.IF. Bochs 2.7 has a bug here: host interrupts cause no
 * external-interrupt exit while the guest runs with IF=0. kvm_intel arms
 * its VMX preemption timer only for an in-kernel LAPIC timer, which this
 * VM has not, so on Bochs KVM would hold the CPU for ever (checked: the
 * emulated CPU stops taking interrupts), and the kvm variant is skipped
 * there. minivisor bounds every stay in the guest with the preemption
 * timer, and is checked everywhere.
 */
#define SIGNAL_AFTER_MS	200L
#define SIGNAL_BOUND_MS	5000L

TEST_F(lifecycle, spinning_guest_with_interrupts_off_is_stopped_by_a_signal)
{
	struct sigaction action = { .sa_handler = on_sigusr1 };
	struct sigevent event = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGUSR1,
	};
	struct itimerspec once = {
		.it_value = { .tv_nsec = SIGNAL_AFTER_MS * 1000 * 1000 },
	};
	struct vmm *vmm = &self->vmm;
	struct timespec start, end;
	struct kvm_regs regs;
	timer_t timer;
	int reason;

	if (variant->device == &vmm_kvm && host_is_bochs())
		SKIP(return, "Bochs gives KVM no exit from a guest spinning with IF=0: it would hang this CPU");

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, lc_guest_cli_spin,
			      lc_guest_cli_spin_end));
	ASSERT_EQ(0, sigaction(SIGUSR1, &action, NULL));
	ASSERT_EQ(0, timer_create(CLOCK_MONOTONIC, &event, &timer));

	sigusr1_count = 0;
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &start));
	ASSERT_EQ(0, timer_settime(timer, 0, &once, NULL));
	reason = vmm_run(vmm);
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &end));
	timer_delete(timer);

	EXPECT_EQ(-EINTR, reason);
	EXPECT_EQ(KVM_EXIT_INTR, vmm->run->exit_reason);
	EXPECT_EQ(1, sigusr1_count);
	EXPECT_LE(SIGNAL_AFTER_MS, ms_between(&start, &end));
	EXPECT_GT(SIGNAL_BOUND_MS, ms_between(&start, &end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(1U, regs.rip);
	EXPECT_EQ(0U, regs.rflags & VMM_RFLAGS_IF);
}

/*
 * What the child of kill_9_during_run_frees_everything does: make a VM of
 * its own whose guest counts in the shared page at COUNTER_GPA, say so on
 * the pipe, and run it. It never returns: SIGKILL ends it in KVM_RUN.
 */
static void __attribute__((noreturn))
run_counting_child(const struct vmm_device *device, void *shared, int pipe_fd)
{
	struct kvm_userspace_memory_region counter = {
		.slot = 1,
		.guest_phys_addr = COUNTER_GPA,
		.memory_size = getpagesize(),
		.userspace_addr = (uintptr_t)shared,
	};
	struct vmm vmm;
	char status = 'E';

	if (!vmm_create(&vmm, device) &&
	    !ioctl(vmm.vm, KVM_SET_USER_MEMORY_REGION, &counter) &&
	    !vmm_load(&vmm, VMM_PROTECTED_MODE, lc_guest_count_forever,
		      lc_guest_count_forever_end))
		status = 'R';
	if (write(pipe_fd, &status, 1) != 1 || status != 'R')
		_exit(1);
	vmm_run(&vmm);
	_exit(2);
}

#define CHILD_WAIT_MS 20000

/*
 * A process killed by SIGKILL while its vCPU runs frees its VM with it:
 * the child's guest is seen counting (so the child is in KVM_RUN), the
 * child is killed, and once it is reaped and the fixture's own VM is
 * closed, the module is free (minivisor unloads, kvm_intel's reference
 * count is 0), so nothing of the child's VM holds it.
 * The guest runs with interrupts on, so that the host's timer interrupt
 * gives the parent its CPU on a 1-CPU host, on Bochs too.
 */
TEST_F_TIMEOUT(lifecycle, kill_9_during_run_frees_everything, 120)
{
	volatile uint32_t *count;
	struct pollfd from_child;
	int pipe_fds[2], status;
	char child_status = 0;
	uint32_t before;
	void *shared;
	pid_t child;

	shared = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	count = shared;
	ASSERT_EQ(0, pipe(pipe_fds));

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(pipe_fds[0]);
		run_counting_child(&self->device_only, shared, pipe_fds[1]);
	}
	close(pipe_fds[1]);

	from_child = (struct pollfd){ .fd = pipe_fds[0], .events = POLLIN };
	EXPECT_EQ(1, poll(&from_child, 1, CHILD_WAIT_MS));
	EXPECT_EQ(1, read(pipe_fds[0], &child_status, 1));
	EXPECT_EQ('R', child_status) {
		TH_LOG("the child could not set up its VM");
	}
	close(pipe_fds[0]);

	/* The guest counts: the child is in KVM_RUN, its guest running. */
	before = *count;
	for (int ms = 0; ms < CHILD_WAIT_MS && *count == before; ms++)
		usleep(1000);
	EXPECT_NE(before, *count) {
		TH_LOG("the child's guest never counted");
	}

	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	/* Its guest stopped when it died. */
	before = *count;
	usleep(100 * 1000);
	EXPECT_EQ(before, *count);
	munmap(shared, getpagesize());

	ASSERT_EQ(0, vmm_destroy(&self->vmm));
	/* For the teardown, which releases the modules once more. */
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

/* ---------------------------------------------------------------------- */
/* Teardown in any order */

/* What guest_out_sizes OUTs, in order, as the OUT leaves it in RAX. */
static const struct {
	uint16_t port;
	uint8_t size;
	uint32_t value;
} out_sizes[] = {
	{ PORT_OUT_BYTE, 1, OUT_BYTE },
	{ PORT_OUT_WORD, 2, OUT_WORD },
	{ PORT_OUT_DWORD, 4, OUT_DWORD },
};

enum held { HELD_VM, HELD_VCPU, HELD_MAPPING, NR_HELD };

static const char *const held_names[] = {
	[HELD_VM] = "VM fd", [HELD_VCPU] = "vCPU fd",
	[HELD_MAPPING] = "kvm_run mapping",
};

static void release(struct vmm *vmm, enum held what)
{
	switch (what) {
	case HELD_VM:
		close(vmm->vm);
		vmm->vm = -1;
		break;
	case HELD_VCPU:
		close(vmm->vcpu);
		vmm->vcpu = -1;
		break;
	default:
		munmap(vmm->run, vmm->run_size);
		vmm->run = NULL;
		break;
	}
}

/*
 * The VM, its vCPU and the vCPU's kvm_run mapping hold one another and
 * the module: they may go in any order (all six are tried), and until
 * the last goes the module stays (EWOULDBLOCK), a vCPU whose file is open
 * still runs, and a mapping still shows the last exit. Once the last goes
 * the module is free. The device's own fd is closed first: the VM does
 * not need it.
 */
TEST_F_TIMEOUT(lifecycle, closing_fds_in_any_order_frees_the_vm, 600)
{
	static const enum held orders[][NR_HELD] = {
		{ HELD_VM, HELD_VCPU, HELD_MAPPING },
		{ HELD_VM, HELD_MAPPING, HELD_VCPU },
		{ HELD_VCPU, HELD_VM, HELD_MAPPING },
		{ HELD_VCPU, HELD_MAPPING, HELD_VM },
		{ HELD_MAPPING, HELD_VM, HELD_VCPU },
		{ HELD_MAPPING, HELD_VCPU, HELD_VM },
	};
	struct vmm *vmm = &self->vmm;

	for (size_t o = 0; o < ARRAY_SIZE(orders); o++) {
		size_t outs = 0;

		TH_LOG("order %zu: %s, %s, %s", o, held_names[orders[o][0]],
		       held_names[orders[o][1]], held_names[orders[o][2]]);
		ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
				      guest_out_sizes_end));
		ASSERT_RUN_OUT(vmm, out_sizes[0].port, out_sizes[0].size,
			       out_sizes[0].value);
		outs++;
		close(vmm->dev);
		vmm->dev = -1;

		for (int step = 0; step < NR_HELD; step++) {
			struct kvm_regs regs;

			release(vmm, orders[o][step]);
			if (step == NR_HELD - 1)
				break;
			EXPECT_EQ(-EWOULDBLOCK, mv_module_remove(variant->module));

			if (vmm->vcpu >= 0) {
				/* The vCPU runs on, to the guest's next OUT. */
				ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_RUN, 0));
				ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
				EXPECT_EQ(out_sizes[outs].value,
					  regs.rax & (0xffffffffULL >>
						      (32 - 8 * out_sizes[outs].size)));
				outs++;
			}
			if (vmm->run) {
				/* The mapping shows the last exit. */
				EXPECT_EQ(KVM_EXIT_IO, vmm->run->exit_reason);
				EXPECT_EQ(KVM_EXIT_IO_OUT, vmm->run->io.direction);
				EXPECT_EQ(out_sizes[outs - 1].port,
					  vmm->run->io.port);
				EXPECT_EQ(out_sizes[outs - 1].size,
					  vmm->run->io.size);
				EXPECT_EQ(out_sizes[outs - 1].value,
					  vmm_io_value(vmm));
			}
		}

		ASSERT_EQ(0, vmm_destroy(vmm));
		ASSERT_EQ(0, vmm_create(vmm, variant->device));
	}
}

/*
 * A VM pins the module: delete_module(2) fails with EWOULDBLOCK (the
 * module's reference count is not zero; Linux 6.1 gives EWOULDBLOCK with
 * or without O_NONBLOCK, EBUSY only for a module already on its way out)
 * while the VM's fd is open, even when it is the last thing open, and
 * succeeds once it is closed. For KVM the module is kvm_intel, whose
 * VMs hold it (kvm.ko stays).
 */
TEST_F_TIMEOUT(lifecycle, module_unload_is_refused_while_a_vm_exists, 300)
{
	struct vmm *vmm = &self->vmm;

	EXPECT_EQ(-EWOULDBLOCK, mv_module_remove(variant->module));

	release(vmm, HELD_MAPPING);
	release(vmm, HELD_VCPU);
	close(vmm->dev);
	vmm->dev = -1;
	EXPECT_EQ(-EWOULDBLOCK, mv_module_remove(variant->module));

	/* What is left, the guest's memory, is no kernel object. */
	release(vmm, HELD_VM);
	EXPECT_EQ(0, mv_module_remove(variant->module));

	/* Load the module again, for the teardown and the tests after. */
	munmap(vmm->mem, VMM_MEM_SIZE);
	vmm->mem = NULL;
	ASSERT_EQ(0, vmm_create(vmm, variant->device));
}

/* ---------------------------------------------------------------------- */
/* Bad arguments */

/*
 * Where to put an object in two pages whose second is PROT_NONE so that
 * its first readable bytes can be read and the rest faults.
 */
static void *straddling(void *pages, size_t readable)
{
	return (uint8_t *)pages + getpagesize() - readable;
}

#define BAD_POINTER ((void *)8)

struct msrs_2 {
	struct kvm_msrs head;
	struct kvm_msr_entry entries[2];
};

struct cpuid2_4 {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[4];
};

/* KVM_GET_MSRS of one MSR: its value, or ~0 if it could not be read. */
static uint64_t get_msr(struct vmm *vmm, uint32_t index)
{
	struct msrs_2 msrs = {
		.head.nmsrs = 1,
		.entries[0].index = index,
	};

	if (ioctl(vmm->vcpu, KVM_GET_MSRS, &msrs) != 1)
		return ~0ULL;
	return msrs.entries[0].data;
}

/*
 * The state-setting ioctls read their whole argument before they change
 * anything (KVM: memdup_user), so one that faults, at its start or
 * part-way, fails with EFAULT and leaves the vCPU as it was: registers,
 * special registers, MSRs and the CPUID table all read back unchanged.
 * A read into memory that faults fails with EFAULT too.
 */
TEST_F(lifecycle, bad_pointers_give_efault_and_leave_the_vcpu_unchanged)
{
	static const struct kvm_cpuid_entry2 leaf0 = {
		.function = 0, .eax = 0xd,
		.ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e,
	};
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs, regs_before;
	struct kvm_sregs sregs, sregs_before;
	struct cpuid2_4 cpuid = { .head.nent = 1, .entries[0] = leaf0 };
	struct msrs_2 msrs = {
		.head.nmsrs = 1,
		.entries[0] = { .index = 0x174, .data = 0x8 },	/* SYSENTER_CS */
	};
	struct kvm_cpuid2 *bad_cpuid;
	struct kvm_msrs *bad_msrs;
	__u64 *words;
	void *pages;

	pages = mmap(NULL, 2 * getpagesize(), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect((uint8_t *)pages + getpagesize(), getpagesize(),
			      PROT_NONE));

	/* A known state to compare with. */
	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	words = (__u64 *)&regs;
	for (int i = 0; i < 16; i++)	/* RAX to R15 */
		words[i] = 0x1111111111111111ULL * (i + 1);
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs_before));
	ASSERT_EQ(0, vmm_get_sregs(vmm, &sregs_before));
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_SET_CPUID2, &cpuid));
	ASSERT_EQ(1, ioctl(vmm->vcpu, KVM_SET_MSRS, &msrs));
	ASSERT_EQ(0x8U, get_msr(vmm, 0x174));

	/* KVM_SET_REGS */
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_REGS, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);
	memcpy(straddling(pages, sizeof(regs) / 2), &regs, sizeof(regs) / 2);
	((struct kvm_regs *)straddling(pages, sizeof(regs) / 2))->rax = 0x5a5a;
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_REGS,
			    straddling(pages, sizeof(regs) / 2)));
	EXPECT_EQ(EFAULT, errno);

	/* KVM_GET_REGS */
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_GET_REGS, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_GET_REGS,
			    straddling(pages, sizeof(regs) / 2)));
	EXPECT_EQ(EFAULT, errno);

	/* KVM_SET_SREGS and KVM_GET_SREGS */
	sregs = sregs_before;
	sregs.gdt.base = 0x5a5a000;
	memcpy(straddling(pages, offsetof(struct kvm_sregs, cr0)), &sregs,
	       offsetof(struct kvm_sregs, cr0));
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_SREGS, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_SREGS,
			    straddling(pages, offsetof(struct kvm_sregs, cr0))));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_GET_SREGS, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);

	/*
	 * KVM_SET_MSRS: the header unreadable, then the header and the
	 * first entry (SYSENTER_CS = 0x10) readable but not the second.
	 */
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_MSRS, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);
	bad_msrs = straddling(pages, sizeof(struct kvm_msrs) +
				     sizeof(struct kvm_msr_entry));
	bad_msrs->nmsrs = 2;
	bad_msrs->pad = 0;
	bad_msrs->entries[0] = (struct kvm_msr_entry){
		.index = 0x174, .data = 0x10,
	};
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_MSRS, bad_msrs));
	EXPECT_EQ(EFAULT, errno);

	/* KVM_SET_CPUID2: the same two ways. */
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_CPUID2, BAD_POINTER));
	EXPECT_EQ(EFAULT, errno);
	bad_cpuid = straddling(pages, sizeof(struct kvm_cpuid2) +
				      sizeof(struct kvm_cpuid_entry2));
	bad_cpuid->nent = 2;
	bad_cpuid->padding = 0;
	bad_cpuid->entries[0] = leaf0;
	bad_cpuid->entries[0].eax = 0x1f;
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_SET_CPUID2, bad_cpuid));
	EXPECT_EQ(EFAULT, errno);

	/* Nothing changed. */
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0, memcmp(&regs_before, &regs, sizeof(regs))) {
		TH_LOG("KVM_GET_REGS: rax %#llx rip %#llx, was rax %#llx rip %#llx",
		       regs.rax, regs.rip, regs_before.rax, regs_before.rip);
	}
	ASSERT_EQ(0, vmm_get_sregs(vmm, &sregs));
	EXPECT_EQ(0, memcmp(&sregs_before, &sregs, sizeof(sregs))) {
		TH_LOG("KVM_GET_SREGS: GDT base %#llx, was %#llx",
		       sregs.gdt.base, sregs_before.gdt.base);
	}
	EXPECT_EQ(0x8U, get_msr(vmm, 0x174));
	memset(&cpuid, 0, sizeof(cpuid));
	cpuid.head.nent = ARRAY_SIZE(cpuid.entries);
	/*
	 * The table still holds leaf 0 alone: KVM 6.1 leaves nent as given
	 * when KVM_GET_CPUID2 succeeds, so what is checked is that the first
	 * entry is leaf 0 as set and the second was not written.
	 */
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_GET_CPUID2, &cpuid));
	EXPECT_EQ(leaf0.function, cpuid.entries[0].function);
	EXPECT_EQ(leaf0.eax, cpuid.entries[0].eax);
	EXPECT_EQ(leaf0.ebx, cpuid.entries[0].ebx);
	EXPECT_EQ(leaf0.ecx, cpuid.entries[0].ecx);
	EXPECT_EQ(leaf0.edx, cpuid.entries[0].edx);
	EXPECT_EQ(0U, cpuid.entries[1].function | cpuid.entries[1].eax);

	munmap(pages, 2 * getpagesize());
}

#define CR0_ET		(1ULL << 4)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)
#define CR4_VMXE	(1ULL << 13)
#define CR4_BIT_15	(1ULL << 15)	/* reserved on every CPU */

/*
 * KVM_SET_SREGS of sregs: returns 0 or -errno, and requires that a
 * refused one left the special registers as baseline. One taken is
 * undone, so that the next case starts from baseline too.
 */
static int set_sregs_or_nothing(struct __test_metadata *_metadata,
				struct vmm *vmm, const struct kvm_sregs *sregs,
				const struct kvm_sregs *baseline,
				const char *what)
{
	struct kvm_sregs now;
	int ret = vmm_set_sregs(vmm, sregs);

	if (ret) {
		EXPECT_EQ(0, vmm_get_sregs(vmm, &now));
		EXPECT_EQ(0, memcmp(baseline, &now, sizeof(now))) {
			TH_LOG("%s: refused, yet the special registers changed",
			       what);
		}
	} else {
		EXPECT_EQ(0, vmm_set_sregs(vmm, baseline));
	}
	return ret;
}

/*
 * What KVM refuses with EINVAL in KVM_SET_SREGS (kvm_is_valid_sregs: what
 * no CPU could be in), each checked from a valid real-mode state changed
 * in that one way; a refused call changes nothing.
 *
 * CR4.VMXE is reserved when the guest's CPUID has no VMX, as here after
 * KVM_SET_CPUID2 of an empty table. (Before any KVM_SET_CPUID2, KVM takes
 * CR4 bits against its own capabilities, VMX among them with nested=1:
 * an internal detail, not checked.)
 *
 * KVM does not refuse a CR8 above 15: it drops kvm_set_cr8()'s error and
 * leaves CR8 alone. That is a detail of its code, not an API promise;
 * what is checked is what both readings share: CR8 does not change.
 */
TEST_F(lifecycle, bad_values_give_einval)
{
	static const struct kvm_cpuid2 no_cpuid = { .nent = 0 };
	struct vmm *vmm = &self->vmm;
	struct kvm_sregs baseline, sregs;
	struct kvm_userspace_memory_region region, bad;
	struct kvm_interrupt irq;
	uint8_t *memory;
	int max_vcpu_id, nr_memslots, ret;

	/* KVM_SET_SREGS */
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_SET_CPUID2, &no_cpuid));
	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));
	ASSERT_EQ(0, vmm_get_sregs(vmm, &baseline));

#define EXPECT_SREGS_EINVAL(what, change) do {				\
		sregs = baseline;					\
		change;							\
		EXPECT_EQ(-EINVAL, set_sregs_or_nothing(_metadata, vmm,	\
				&sregs, &baseline, what)) {		\
			TH_LOG("KVM_SET_SREGS with %s", what);		\
		}							\
	} while (0)

	EXPECT_SREGS_EINVAL("CR4.VMXE, VMX not in CPUID",
			    sregs.cr4 |= CR4_VMXE);
	EXPECT_SREGS_EINVAL("reserved CR4 bit 15", sregs.cr4 |= CR4_BIT_15);
	EXPECT_SREGS_EINVAL("CR0 bit 32", sregs.cr0 |= 1ULL << 32);
	EXPECT_SREGS_EINVAL("CR0.PG without CR0.PE",
			    sregs.cr0 = CR0_ET | VMM_CR0_PG);
	EXPECT_SREGS_EINVAL("CR0.NW without CR0.CD",
			    sregs.cr0 = CR0_ET | CR0_NW);
	EXPECT_SREGS_EINVAL("EFER.LME and CR0.PG without CR4.PAE", {
		sregs.cr0 = CR0_ET | VMM_CR0_PE | VMM_CR0_PG;
		sregs.cr4 = 0;
		sregs.efer = VMM_EFER_LME | VMM_EFER_LMA;
	});
	EXPECT_SREGS_EINVAL("EFER.LMA outside long mode",
			    sregs.efer = VMM_EFER_LMA);
	EXPECT_SREGS_EINVAL("a 64-bit CS outside long mode", sregs.cs.l = 1);

	sregs = baseline;
	sregs.cr8 = 16;
	ret = vmm_set_sregs(vmm, &sregs);
	EXPECT_TRUE(ret == 0 || ret == -EINVAL) {
		TH_LOG("KVM_SET_SREGS with CR8 16: %d", ret);
	}
	ASSERT_EQ(0, vmm_get_sregs(vmm, &sregs));
	EXPECT_EQ(baseline.cr8, sregs.cr8);

	/* KVM_INTERRUPT: vectors run from 0 to 255. */
	irq.irq = 256;
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.irq = ~0U;
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);

	/* KVM_CREATE_VCPU: ids are unique and below KVM_CAP_MAX_VCPU_ID. */
	EXPECT_EQ(-1, ioctl(vmm->vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	max_vcpu_id = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	ASSERT_LT(0, max_vcpu_id);
	EXPECT_EQ(-1, ioctl(vmm->vm, KVM_CREATE_VCPU, max_vcpu_id));
	EXPECT_EQ(EINVAL, errno);

	/* KVM_RUN takes no argument. */
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_RUN, 1));
	EXPECT_EQ(EINVAL, errno);

	/*
	 * KVM_SET_USER_MEMORY_REGION: each call differs in one way from
	 * region, which is accepted at the end.
	 */
	memory = mmap(NULL, 3 * getpagesize(), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, memory);
	region = (struct kvm_userspace_memory_region){
		.slot = 1,
		.guest_phys_addr = 2 * VMM_MEM_SIZE,
		.memory_size = 2 * getpagesize(),
		.userspace_addr = (uintptr_t)memory,
	};

#define EXPECT_REGION_ERRNO(errno_, what, change) do {			\
		bad = region;						\
		change;							\
		EXPECT_EQ(-1, ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION,\
				    &bad)) {				\
			TH_LOG("KVM_SET_USER_MEMORY_REGION with %s", what);\
		}							\
		EXPECT_EQ(errno_, errno) {				\
			TH_LOG("KVM_SET_USER_MEMORY_REGION with %s", what);\
		}							\
	} while (0)

	EXPECT_REGION_ERRNO(EINVAL, "an unaligned guest address",
			    bad.guest_phys_addr += 0x800);
	EXPECT_REGION_ERRNO(EINVAL, "an unaligned size",
			    bad.memory_size += 0x800);
	EXPECT_REGION_ERRNO(EINVAL, "an unaligned host address",
			    bad.userspace_addr += 0x800);
	EXPECT_REGION_ERRNO(EINVAL, "an unknown flag", bad.flags = 1U << 31);
	EXPECT_REGION_ERRNO(EINVAL, "slot 0x7fff", bad.slot = 0x7fff);
	EXPECT_REGION_ERRNO(EINVAL, "address space 2 (slot 0x20001)",
			    bad.slot = 0x20001);
	nr_memslots = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	EXPECT_LT(1, nr_memslots) {
		TH_LOG("KVM_CAP_NR_MEMSLOTS gives %d", nr_memslots);
	}
	if (nr_memslots > 1)
		EXPECT_REGION_ERRNO(EINVAL, "slot KVM_CAP_NR_MEMSLOTS",
				    bad.slot = nr_memslots);
	EXPECT_REGION_ERRNO(EEXIST, "a range overlapping slot 0",
			    bad.guest_phys_addr = VMM_MEM_SIZE - getpagesize());
	EXPECT_EQ(0, ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region));

#undef EXPECT_REGION_ERRNO
#undef EXPECT_SREGS_EINVAL
	munmap(memory, 3 * getpagesize());
}

/* ---------------------------------------------------------------------- */
/* Hypercalls */

/*
 * VMCALL of a hypercall number KVM does not know, at CPL 0, returns
 * -KVM_ENOSYS in RAX and goes on after the VMCALL. In 64-bit mode the
 * result is 64 bits wide: 0xfffffffffffffc18. Outside it KVM takes only
 * EAX as the number and writes the result as a 32-bit value, zero-
 * extended: RAX reads 0x00000000fffffc18 even where its high half held
 * something before (real mode, CPL 0, on vCPU 1 here).
 */
TEST_F(lifecycle, unknown_hypercall_returns_minus_kvm_enosys)
{
	struct vmm *vmm = &self->vmm, *real = &self->other_vcpu;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_LONG_MODE, lc_guest_vmcall64,
			      lc_guest_vmcall64_end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rax = UNKNOWN_HYPERCALL;
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, (uint32_t)-KVM_ENOSYS);
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, 0xffffffff);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0xffffffffULL, regs.rax);	/* after the SHR */

	ASSERT_EQ(0, add_vcpu(vmm, 1, real));
	ASSERT_EQ(0, vmm_load(real, VMM_REAL_MODE, lc_guest_vmcall16,
			      lc_guest_vmcall16_end));
	ASSERT_EQ(0, vmm_get_regs(real, &regs));
	regs.rax = 0xdeadbeef00000000ULL | UNKNOWN_HYPERCALL;
	ASSERT_EQ(0, vmm_set_regs(real, &regs));
	ASSERT_RUN_OUT(real, PORT_REPORT, 4, (uint32_t)-KVM_ENOSYS);
	ASSERT_EQ(0, vmm_get_regs(real, &regs));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_ENOSYS, regs.rax);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(real));
}

/*
 * VMCALL from user mode returns -KVM_EPERM whatever the number, even one
 * the VMM asked to serve: only the guest kernel may call the hypervisor.
 * The guest runs flat 32-bit code with CS, SS and DS at DPL 3, and IOPL 3
 * so that it may report with OUT.
 */
TEST_F(lifecycle, hypercall_from_user_mode_returns_minus_kvm_eperm)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int offered;

	offered = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL);
	ASSERT_LT(0, offered);
	struct kvm_enable_cap enable = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = offered,
	};
	ASSERT_EQ(0, ioctl(vmm->vm, KVM_ENABLE_CAP, &enable));

	ASSERT_EQ(0, vmm_load(vmm, VMM_PROTECTED_MODE, lc_guest_vmcall32,
			      lc_guest_vmcall32_end));
	ASSERT_EQ(0, vmm_get_sregs(vmm, &sregs));
	sregs.cs.dpl = sregs.ss.dpl = sregs.ds.dpl = 3;
	sregs.cs.selector |= 3;
	sregs.ss.selector |= 3;
	sregs.ds.selector |= 3;
	ASSERT_EQ(0, vmm_set_sregs(vmm, &sregs));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rax = __builtin_ctz(offered);
	regs.rflags |= 3 << 12;		/* IOPL 3 */
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, (uint32_t)-KVM_EPERM);
}

/*
 * KVM_CAP_EXIT_HYPERCALL (api.rst, 8.34). KVM_CHECK_EXTENSION answers a
 * mask of hypercall numbers the VMM may serve: KVM_HC_MAP_GPA_RANGE on
 * KVM, MINIVISOR_HC_PV_NOTIFY on minivisor. KVM_ENABLE_CAP takes a subset
 * of it, and anything else is EINVAL. Until enabled the number returns
 * -KVM_ENOSYS; once enabled VMCALL ends the run with KVM_EXIT_HYPERCALL:
 * the number, the arguments from RBX, RCX and RDX, and whether the guest
 * runs 64-bit code. What the VMM leaves in hypercall.ret becomes RAX when
 * it re-enters, and the guest goes on after the VMCALL: all 64 bits of it
 * in long mode, 32 bits zero-extended in real mode (on vCPU 1), where
 * only EAX names the number. The arguments are ones KVM's
 * KVM_HC_MAP_GPA_RANGE accepts (a page-aligned address, one page).
 */
TEST_F(lifecycle, hypercall_exits_to_the_vmm_once_enabled)
{
	struct vmm *vmm = &self->vmm, *real = &self->other_vcpu;
	struct kvm_enable_cap enable = { .cap = KVM_CAP_EXIT_HYPERCALL };
	struct kvm_regs regs;
	int offered, nr;

	offered = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL);
	ASSERT_LT(0, offered);
	nr = __builtin_ctz(offered);
	ASSERT_EQ(1 << nr, offered);
	enable.args[0] = offered | 1;
	EXPECT_EQ(-1, ioctl(vmm->vm, KVM_ENABLE_CAP, &enable));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, vmm_load(vmm, VMM_LONG_MODE, lc_guest_vmcall64,
			      lc_guest_vmcall64_end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rax = nr;
	regs.rbx = 0x10000;
	regs.rcx = 1;
	regs.rdx = 0;
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, (uint32_t)-KVM_ENOSYS);

	enable.args[0] = offered;
	ASSERT_EQ(0, ioctl(vmm->vm, KVM_ENABLE_CAP, &enable));
	ASSERT_EQ(0, vmm_load(vmm, VMM_LONG_MODE, lc_guest_vmcall64,
			      lc_guest_vmcall64_end));
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_EQ(KVM_EXIT_HYPERCALL, vmm_run(vmm));
	EXPECT_EQ((uint64_t)nr, vmm->run->hypercall.nr);
	EXPECT_EQ(0x10000ULL, vmm->run->hypercall.args[0]);
	EXPECT_EQ(1ULL, vmm->run->hypercall.args[1]);
	EXPECT_EQ(0ULL, vmm->run->hypercall.args[2]);
	EXPECT_EQ(1U, vmm->run->hypercall.longmode);
	vmm->run->hypercall.ret = 0x1122334455667788ULL;
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, 0x55667788);
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, 0x11223344);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));

	ASSERT_EQ(0, add_vcpu(vmm, 1, real));
	ASSERT_EQ(0, vmm_load(real, VMM_REAL_MODE, lc_guest_vmcall16,
			      lc_guest_vmcall16_end));
	ASSERT_EQ(0, vmm_get_regs(real, &regs));
	regs.rax = 0xdeadbeef00000000ULL | nr;
	regs.rbx = 0xfeed000000010000ULL;
	regs.rcx = 1;
	regs.rdx = 0;
	ASSERT_EQ(0, vmm_set_regs(real, &regs));
	ASSERT_EQ(KVM_EXIT_HYPERCALL, vmm_run(real));
	EXPECT_EQ((uint64_t)nr, real->run->hypercall.nr);
	EXPECT_EQ(0x10000ULL, real->run->hypercall.args[0]);
	EXPECT_EQ(0U, real->run->hypercall.longmode);
	real->run->hypercall.ret = 0xffffffff00000005ULL;
	ASSERT_RUN_OUT(real, PORT_REPORT, 4, 5);
	ASSERT_EQ(0, vmm_get_regs(real, &regs));
	EXPECT_EQ(5ULL, regs.rax);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(real));
}

TEST_HARNESS_MAIN
