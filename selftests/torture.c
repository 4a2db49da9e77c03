// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "torture": VMs torn down the hard ways, each while its vCPUs run,
 * beyond what suite "lifecycle" does with one vCPU at a time. After every
 * test nothing may hold the module: its reference count is 0, rmmod
 * succeeds, and on a host with VT-x no CPU is left in VMX operation
 * (kvm_intel can then create a VM, which enters VMX on every CPU). The
 * runner also fails the host on any WARN, BUG or oops.
 *
 *  - SIGKILL of a process while four of its vCPUs, each on a thread of
 *    its own, are in KVM_RUN, a few times over.
 *  - The VM's, the device's and then the vCPUs' own descriptors closed
 *    while the vCPUs run: the guests run on (an ioctl in progress holds
 *    its file) until a signal ends KVM_RUN; the next call finds the
 *    descriptor closed (EBADF), and only then is the module free.
 *  - A process that exits, its threads in KVM_RUN, with VMs open.
 *  - 100 VMs of 4 vCPUs each, every vCPU run to a HLT, then all closed.
 *  - A forked child that holds the last descriptors of its parent's VM:
 *    its calls fail with EIO, and its exit frees the VM.
 *
 * The spinning guests count in a page of memory shared with the test, so
 * that the test sees each vCPU run, and keep interrupts on, so that the
 * host's timer takes the CPU back from them on a 1-CPU host too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "mv_test.h"
#include "vmm.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)

#define VCPUS		4
#define KILL_ROUNDS	3
#define MANY_VMS	100
#define WAIT_MS		60000

/* The counters: a page in a memslot of its own above the VMM's memory. */
#define COUNTER_GPA	0x400000
_Static_assert(COUNTER_GPA == VMM_MEM_SIZE, "COUNTER_GPA follows the VMM's memory");

/*
 * 32-bit protected mode, EBX set by the test: STI, then adds 1 to the 4
 * bytes at EBX for ever.
 */
extern const unsigned char torture_guest_count[], torture_guest_count_end[];
/* Real mode: HLT. */
extern const unsigned char torture_guest_hlt[], torture_guest_hlt_end[];

asm(
"	.pushsection .rodata.torture_guests, \"a\"\n"
"	.code32\n"
"torture_guest_count:\n"
"	sti\n"
"1:	incl	(%ebx)\n"
"	jmp	1b\n"
"torture_guest_count_end:\n"
"	.code16\n"
"torture_guest_hlt:\n"
"	hlt\n"
"torture_guest_hlt_end:\n"
"	.code64\n"
"	.popsection\n"
);

/* ---------------------------------------------------------------------- */
/* A VM of several vCPUs */

struct multi_vm {
	struct vmm vmm;			/* the VM and vCPU 0 */
	int vcpu[VCPUS];		/* vcpu[0] is vmm.vcpu */
	struct kvm_run *run[VCPUS];
};

/* vCPUs 1 .. VCPUS - 1 of m's VM, with kvm_run mapped. 0 or -errno. */
static int add_vcpus(struct multi_vm *m)
{
	m->vcpu[0] = m->vmm.vcpu;
	m->run[0] = m->vmm.run;
	for (int i = 1; i < VCPUS; i++) {
		m->vcpu[i] = ioctl(m->vmm.vm, KVM_CREATE_VCPU, i);
		if (m->vcpu[i] < 0)
			return -errno;
		m->run[i] = mmap(NULL, m->vmm.run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, m->vcpu[i], 0);
		if (m->run[i] == MAP_FAILED)
			return -errno;
	}
	return 0;
}

/* m's vCPU i as a struct vmm of its own, sharing the VM and memory. */
static struct vmm vcpu_view(struct multi_vm *m, int i)
{
	struct vmm view = m->vmm;

	view.vcpu = m->vcpu[i];
	view.run = m->run[i];
	return view;
}

/*
 * A VM of VCPUS vCPUs, each to run torture_guest_count on its own
 * counter in shared (a page of MAP_SHARED memory at COUNTER_GPA).
 * Returns 0 or -errno.
 */
static int counting_vm(struct multi_vm *m, volatile uint32_t *shared)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 1,
		.guest_phys_addr = COUNTER_GPA,
		.memory_size = getpagesize(),
		.userspace_addr = (uintptr_t)shared,
	};
	int ret = vmm_open(&m->vmm, &vmm_minivisor);

	if (ret)
		return ret;
	if (ioctl(m->vmm.vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return -errno;
	ret = add_vcpus(m);
	for (int i = 0; !ret && i < VCPUS; i++) {
		struct vmm view = vcpu_view(m, i);
		struct kvm_regs regs;

		ret = vmm_load(&view, VMM_PROTECTED_MODE, torture_guest_count,
			       torture_guest_count_end);
		if (!ret)
			ret = vmm_get_regs(&view, &regs);
		if (!ret) {
			regs.rbx = COUNTER_GPA + 4 * i;
			ret = vmm_set_regs(&view, &regs);
		}
	}
	return ret;
}

/* A vCPU thread: KVM_RUN until it fails; the errno of each failure. */
struct runner {
	int vcpu;
	pthread_t thread;
	int errors[2];		/* the first two errnos */
	int nr_errors;
};

static void *run_until_error(void *arg)
{
	struct runner *runner = arg;

	while (runner->nr_errors < 2) {
		if (ioctl(runner->vcpu, KVM_RUN, 0))
			runner->errors[runner->nr_errors++] = errno;
	}
	return NULL;
}

/* Whether every counter moved within WAIT_MS: every vCPU runs. */
static bool all_counting(volatile uint32_t *counters)
{
	uint32_t before[VCPUS];
	int moved = 0;

	for (int i = 0; i < VCPUS; i++)
		before[i] = counters[i];
	for (int ms = 0; ms < WAIT_MS && moved != (1 << VCPUS) - 1; ms++) {
		usleep(1000);
		for (int i = 0; i < VCPUS; i++)
			if (counters[i] != before[i])
				moved |= 1 << i;
	}
	return moved == (1 << VCPUS) - 1;
}

static volatile uint32_t *shared_page(void)
{
	void *page = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return page == MAP_FAILED ? NULL : page;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* ---------------------------------------------------------------------- */
/* The fixture */

FIXTURE(torture) {
};

FIXTURE_SETUP(torture)
{
	struct sigaction action = { .sa_handler = on_sigusr1 };
	int ret;

	ASSERT_EQ(0, sigaction(SIGUSR1, &action, NULL));
	/* A test that crashed left it loaded: that test failed, not this. */
	ret = mv_module_load();
	ASSERT_TRUE(ret == 0 || ret == -EEXIST);
}

/* Nothing the test made holds the module, or VMX on any CPU. */
FIXTURE_TEARDOWN(torture)
{
	int kvm;

	EXPECT_EQ(0, mv_module_refcount("minivisor"));
	EXPECT_EQ(0, mv_module_unload());
	if (!mv_host_has_vtx())
		return;
	ASSERT_EQ(0, mv_kvm_load());
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(kvm));
	close(kvm);
}

#define SKIP_WITHOUT_VTX() do {						\
	if (!mv_host_has_vtx())						\
		SKIP(return, "no VT-x on this host: no vCPUs");		\
} while (0)

/* ---------------------------------------------------------------------- */
/* The tests */

/*
 * What the child of kill_9_during_run_on_four_vcpus does: its VM's four
 * vCPUs run on four threads; it says so on the pipe and waits to die.
 */
static void __attribute__((noreturn))
run_four_and_wait(volatile uint32_t *counters, int pipe_fd)
{
	struct runner runners[VCPUS] = { 0 };
	struct multi_vm m;
	char status = 'R';

	if (counting_vm(&m, counters))
		status = 'E';
	for (int i = 0; status == 'R' && i < VCPUS; i++) {
		runners[i].vcpu = m.vcpu[i];
		if (pthread_create(&runners[i].thread, NULL, run_until_error,
				   &runners[i]))
			status = 'E';
	}
	if (write(pipe_fd, &status, 1) != 1 || status != 'R')
		_exit(1);
	for (;;)
		pause();
}

/*
 * SIGKILL while four vCPUs of the process, on four threads, are in
 * KVM_RUN (their guests seen counting), KILL_ROUNDS times: each time,
 * once the process is reaped, its VM is gone and the module is free.
 */
TEST_F_TIMEOUT(torture, kill_9_during_run_on_four_vcpus, 600)
{
	volatile uint32_t *counters;

	SKIP_WITHOUT_VTX();
	counters = shared_page();
	ASSERT_NE(NULL, counters);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		struct pollfd from_child;
		int pipe_fds[2], status;
		char child_status = 0;
		pid_t child;

		ASSERT_EQ(0, pipe(pipe_fds));
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0) {
			close(pipe_fds[0]);
			run_four_and_wait(counters, pipe_fds[1]);
		}
		close(pipe_fds[1]);
		from_child = (struct pollfd){ .fd = pipe_fds[0], .events = POLLIN };
		EXPECT_EQ(1, poll(&from_child, 1, WAIT_MS));
		EXPECT_EQ(1, read(pipe_fds[0], &child_status, 1));
		close(pipe_fds[0]);
		EXPECT_EQ('R', child_status);
		EXPECT_TRUE(all_counting(counters)) {
			TH_LOG("round %d: not every vCPU ran", round);
		}
		EXPECT_LT(0, mv_module_refcount("minivisor"));

		ASSERT_EQ(0, kill(child, SIGKILL));
		ASSERT_EQ(child, waitpid(child, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		EXPECT_EQ(0, mv_module_refcount("minivisor")) {
			TH_LOG("round %d: the killed process's VM still holds the module",
			       round);
		}
	}
	munmap((void *)counters, getpagesize());
}

/*
 * Four vCPUs run on four threads; the device's and the VM's descriptors
 * are closed, the vCPUs' too, and the kvm_run mappings unmapped: the
 * guests run on, and the module stays held, as long as the threads are
 * in KVM_RUN. A signal to each thread ends its KVM_RUN with EINTR; its
 * next KVM_RUN finds the descriptor closed, EBADF. Then the module is
 * free.
 */
TEST_F_TIMEOUT(torture, closing_every_fd_while_vcpus_run, 300)
{
	struct runner runners[VCPUS] = { 0 };
	volatile uint32_t *counters;
	struct multi_vm m;

	SKIP_WITHOUT_VTX();
	counters = shared_page();
	ASSERT_NE(NULL, counters);
	ASSERT_EQ(0, counting_vm(&m, counters));
	for (int i = 0; i < VCPUS; i++) {
		runners[i].vcpu = m.vcpu[i];
		ASSERT_EQ(0, pthread_create(&runners[i].thread, NULL,
					    run_until_error, &runners[i]));
	}
	ASSERT_TRUE(all_counting(counters));

	close(m.vmm.vm);
	close(m.vmm.dev);
	EXPECT_TRUE(all_counting(counters)) {
		TH_LOG("the vCPUs stopped when the VM's fd was closed");
	}
	for (int i = 0; i < VCPUS; i++) {
		munmap(m.run[i], m.vmm.run_size);
		close(m.vcpu[i]);
	}
	EXPECT_TRUE(all_counting(counters)) {
		TH_LOG("the vCPUs stopped when their fds were closed");
	}
	EXPECT_LT(0, mv_module_refcount("minivisor"));

	for (int i = 0; i < VCPUS; i++) {
		ASSERT_EQ(0, pthread_kill(runners[i].thread, SIGUSR1));
		ASSERT_EQ(0, pthread_join(runners[i].thread, NULL));
		EXPECT_EQ(EINTR, runners[i].errors[0]);
		EXPECT_EQ(EBADF, runners[i].errors[1]);
	}
	munmap(m.vmm.mem, VMM_MEM_SIZE);
	munmap((void *)counters, getpagesize());
}

/*
 * A process exits (exit_group from its main thread) with three VMs open,
 * the four vCPUs of one in KVM_RUN on their threads: its exit frees them.
 */
TEST_F_TIMEOUT(torture, exiting_with_vms_open_and_vcpus_running, 300)
{
	volatile uint32_t *counters;
	int status;
	pid_t child;

	SKIP_WITHOUT_VTX();
	counters = shared_page();
	ASSERT_NE(NULL, counters);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct runner runners[VCPUS] = { 0 };
		struct multi_vm m;
		struct vmm idle[2];

		if (vmm_open(&idle[0], &vmm_minivisor) ||
		    vmm_open(&idle[1], &vmm_minivisor) ||
		    counting_vm(&m, counters))
			_exit(1);
		for (int i = 0; i < VCPUS; i++) {
			runners[i].vcpu = m.vcpu[i];
			if (pthread_create(&runners[i].thread, NULL,
					   run_until_error, &runners[i]))
				_exit(2);
		}
		_exit(all_counting(counters) ? 0 : 3);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap((void *)counters, getpagesize());
}

/*
 * MANY_VMS VMs of VCPUS vCPUs each (on a host without VT-x, of none),
 * every vCPU run to its HLT, all alive at once; then all closed.
 */
TEST_F_TIMEOUT(torture, hundred_vms_of_four_vcpus_come_and_go, 900)
{
	static struct multi_vm vms[MANY_VMS];
	bool vtx = mv_host_has_vtx();
	int halted = 0;

	for (int v = 0; v < MANY_VMS; v++) {
		struct kvm_userspace_memory_region region = {
			.memory_size = VMM_MEM_SIZE,
		};

		if (vtx) {
			ASSERT_EQ(0, vmm_open(&vms[v].vmm, &vmm_minivisor)) {
				TH_LOG("VM %d", v);
			}
			ASSERT_EQ(0, add_vcpus(&vms[v])) {
				TH_LOG("VM %d", v);
			}
			continue;
		}
		/* vmm_open() makes a vCPU: here only the VM and its memory. */
		vms[v].vmm = (struct vmm){ .dev = -1, .vm = -1, .vcpu = -1 };
		vms[v].vmm.dev = open(vmm_minivisor.path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, vms[v].vmm.dev);
		vms[v].vmm.vm = ioctl(vms[v].vmm.dev, KVM_CREATE_VM, 0);
		ASSERT_LE(0, vms[v].vmm.vm);
		vms[v].vmm.mem = mmap(NULL, VMM_MEM_SIZE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				      -1, 0);
		ASSERT_NE(MAP_FAILED, vms[v].vmm.mem);
		region.userspace_addr = (uintptr_t)vms[v].vmm.mem;
		ASSERT_EQ(0, ioctl(vms[v].vmm.vm, KVM_SET_USER_MEMORY_REGION,
				   &region));
	}
	EXPECT_LT(0, mv_module_refcount("minivisor"));

	for (int v = 0; vtx && v < MANY_VMS; v++) {
		for (int i = 0; i < VCPUS; i++) {
			struct vmm view = vcpu_view(&vms[v], i);

			ASSERT_EQ(0, vmm_load(&view, VMM_REAL_MODE,
					      torture_guest_hlt,
					      torture_guest_hlt_end));
			EXPECT_EQ(KVM_EXIT_HLT, vmm_run(&view));
			halted += view.run->exit_reason == KVM_EXIT_HLT;
		}
	}
	TH_LOG("%d VMs, %d vCPUs halted", MANY_VMS, halted);

	/* Odd VMs lose their vCPUs first, even ones their VM fd first. */
	for (int v = 0; v < MANY_VMS; v++) {
		if (v % 2 == 0) {
			close(vms[v].vmm.vm);
			vms[v].vmm.vm = -1;
		}
		for (int i = 1; vtx && i < VCPUS; i++) {
			munmap(vms[v].run[i], vms[v].vmm.run_size);
			close(vms[v].vcpu[i]);
		}
		vmm_close(&vms[v].vmm);
	}
}

/*
 * A forked child holds the last descriptors of its parent's VM: the
 * parent closed its own. The child's calls on them fail with EIO, and
 * its exit frees the VM.
 */
TEST_F_TIMEOUT(torture, forked_child_holding_the_last_fds_frees_the_vm, 300)
{
	int go[2], status;
	struct vmm vmm;
	pid_t child;
	char byte = 'g';

	SKIP_WITHOUT_VTX();
	ASSERT_EQ(0, vmm_open(&vmm, &vmm_minivisor));
	ASSERT_EQ(0, vmm_load(&vmm, VMM_REAL_MODE, torture_guest_hlt,
			      torture_guest_hlt_end));
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&vmm));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct kvm_regs regs;
		int wrong = 0;

		close(go[1]);
		if (read(go[0], &byte, 1) != 1)
			_exit(100);
		wrong += ioctl(vmm.vcpu, KVM_RUN, 0) != -1 || errno != EIO;
		wrong += ioctl(vmm.vcpu, KVM_GET_REGS, &regs) != -1 || errno != EIO;
		wrong += ioctl(vmm.vm, KVM_CREATE_VCPU, 1) != -1 || errno != EIO;
		_exit(wrong);
	}
	close(go[0]);
	vmm_close(&vmm);
	EXPECT_LT(0, mv_module_refcount("minivisor")) {
		TH_LOG("the child's descriptors do not hold the VM");
	}
	ASSERT_EQ(1, write(go[1], &byte, 1));
	close(go[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("%d of the child's calls did not fail with EIO",
		       WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
