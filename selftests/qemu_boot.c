// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "qemu_boot": a real VMM nobody here wrote, on minivisor. Debian's
 * QEMU (qemu-system-x86_64 7.2, unmodified) with -accel kvm boots a Linux
 * guest with QEMU's own interrupt controllers and one vCPU, first on KVM
 * (kvm_intel, the reference), then on minivisor, in the same boot of the
 * host: once with kernel_irqchip=off, once with QEMU's default machine,
 * which falls back to them because KVM_CAP_IRQCHIP reads 0 on minivisor.
 * One vCPU only: with its own local APICs, Debian's QEMU 7.2.22 leaves a
 * second vCPU's startup IPI pending for good under any KVM, and that
 * vCPU's first HLT then spins in QEMU holding its global lock (README,
 * "QEMU on minivisor"). QEMU opens /dev/kvm: for the minivisor runs it
 * starts in a mount namespace of its own where /dev/minivisor is bound
 * over /dev/kvm, so nothing else on the host changes.
 *
 * The guest (selftests/qemu_guest/init, booted from the host's initramfs
 * where selftests/runner/qemu-payload.sh put QEMU and it) prints its CPU
 * count and its clock source (the TSC, unless it found its vCPUs' TSCs
 * out of step: it must be the same as on KVM), reads a line from its
 * serial console and says it back, then powers off; QEMU must then exit 0. Each test reports the time from
 * QEMU's start to its exit on both hypervisors (in Bochs, whose clock
 * counts instructions, a repeatable figure).
 *
 * While QEMU runs on minivisor, mvctl list shows its VM (QEMU's pid, its
 * vCPUs) and mvctl stat its exits. Afterwards the module unloads, and the
 * kernel logged no warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define QEMU		"/usr/bin/qemu-system-x86_64"
#define GUEST_KERNEL	"/qemu-guest/vmlinuz"
#define GUEST_INITRD	"/qemu-guest/initrd.gz"
#define LOG_MAX		65536
/*
 * Time in Bochs is emulated time: 200 million instructions a second,
 * some five times faster than the real time they take to run. QEMU's
 * boots take a few of these seconds.
 */
#define BOOT_SECONDS	60

/* One QEMU run: its pipes, what it printed, how it ended. */
struct qemu {
	pid_t pid;
	int in, out;		/* its stdin; its stdout and stderr */
	char log[LOG_MAX];
	size_t len;
	struct timespec start;
	double seconds;		/* from start to exit */
	int status;		/* exit status, -1 if killed */
};

/* In QEMU's child: /dev/kvm is minivisor's device, for this process only. */
static void use_minivisor_as_kvm(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/dev/minivisor", "/dev/kvm", NULL, MS_BIND, NULL)) {
		perror("qemu_boot: /dev/kvm as /dev/minivisor");
		_exit(126);
	}
}

/*
 * machine: "pc,kernel_irqchip=off" (QEMU emulates the interrupt
 * controllers), or "pc", QEMU's default, which does the same when
 * KVM_CAP_IRQCHIP reads 0, as on minivisor (on KVM it would not).
 */
static int qemu_start(struct qemu *q, bool minivisor, const char *machine,
		      int vcpus)
{
	char smp[16];
	const char *argv[] = {
		QEMU, "-accel", "kvm", "-machine", machine,
		"-m", "128", "-smp", smp, "-display", "none", "-vga", "none",
		"-nic", "none", "-monitor", "none", "-serial", "stdio",
		"-no-reboot", "-kernel", GUEST_KERNEL, "-initrd", GUEST_INITRD,
		"-append", "console=ttyS0 quiet panic=-1", NULL
	};
	int in[2], out[2];

	snprintf(smp, sizeof(smp), "%d", vcpus);
	memset(q, 0, sizeof(*q));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &q->start);
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (!q->pid) {
		if (minivisor)
			use_minivisor_as_kvm();
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execv(QEMU, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	q->in = in[1];
	q->out = out[0];
	return 0;
}

/*
 * Read QEMU's output until want shows up (want NULL: until it closes its
 * end), for at most timeout seconds. Returns whether it did.
 */
static bool qemu_read(struct qemu *q, const char *want, double timeout)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = q->out, .events = POLLIN };
		double left = timeout - mv_seconds_since(&start);
		ssize_t got;

		if (want && strstr(q->log, want))
			return true;
		if (q->out < 0)
			return !want;
		if (left <= 0)
			return false;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		got = read(q->out, q->log + q->len, LOG_MAX - 1 - q->len);
		if (got <= 0) {
			close(q->out);
			q->out = -1;
			continue;
		}
		q->len += got;
		q->log[q->len] = '\0';
	}
}

/*
 * Wait for QEMU's exit, killing it after timeout seconds. A QEMU that a
 * SIGKILL does not end within 10 s more is stuck in the kernel: status -2.
 */
static void qemu_finish(struct qemu *q, double timeout)
{
	struct timespec killed;
	int wstatus = 0;

	if (!qemu_read(q, NULL, timeout))
		kill(q->pid, SIGKILL);
	if (q->out >= 0)
		close(q->out);
	close(q->in);
	clock_gettime(CLOCK_MONOTONIC, &killed);
	while (!waitpid(q->pid, &wstatus, WNOHANG)) {
		if (mv_seconds_since(&killed) > 10) {
			q->status = -2;
			return;
		}
		usleep(100000);
	}
	q->seconds = mv_seconds_since(&q->start);
	q->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/*
 * While QEMU runs on minivisor: mvctl list has a VM of QEMU's pid with
 * its vCPUs, and mvctl stat shows exits to userspace for it. (EXPECTs
 * only: QEMU is still running, and the caller ends it.)
 */
static void check_mvctl(struct __test_metadata *_metadata, pid_t pid,
			int vcpus)
{
	static const char *const list[] = { "list", NULL };
	char out[4096], vm_id[16] = "", line_pid[16], *line;
	const char *const stat[] = { "stat", vm_id, NULL };
	unsigned long long user_exits = 0;
	unsigned int shown_vcpus = 0;

	EXPECT_EQ(0, mv_mvctl_output(out, sizeof(out), list));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%15s %15s", vm_id, line_pid) == 2 &&
		    atoi(line_pid) == pid)
			break;
	}
	if (!line) {
		EXPECT_TRUE(false) TH_LOG("mvctl list has no VM of QEMU (pid %d)",
					  pid);
		return;
	}
	EXPECT_EQ(0, mv_mvctl_output(out, sizeof(out), stat));
	EXPECT_EQ(2, sscanf(out, "VM %*u: %u vCPU%*s %llu returns",
			    &shown_vcpus, &user_exits)) TH_LOG("%s", out);
	EXPECT_EQ(vcpus, shown_vcpus);
	EXPECT_LT(0, user_exits);
	TH_LOG("mvctl stat, QEMU running: %s", out);
}

/*
 * What a boot showed: the seconds from QEMU's start to its exit, and the
 * guest's clock source.
 */
struct boot_result {
	double seconds;
	char clocksource[32];
};

/*
 * Boot the guest under QEMU (machine as for qemu_start) with vcpus on one
 * hypervisor and talk to it.
 */
static void boot(struct __test_metadata *_metadata, bool minivisor,
		 const char *machine, int vcpus, struct boot_result *result)
{
	const char *name = minivisor ? "minivisor" : "kvm_intel";
	const char *clocksource;
	char want[64];
	struct qemu *q;

	q = calloc(1, sizeof(*q));
	ASSERT_NE(NULL, q);
	TH_LOG("QEMU on %s, %d vCPU(s), -machine %s", name, vcpus, machine);
	ASSERT_EQ(0, qemu_start(q, minivisor, machine, vcpus));
	/* EXPECTs from here on: QEMU runs until qemu_finish() ends it. */
	if (!qemu_read(q, "mv-guest: ready", BOOT_SECONDS)) {
		qemu_finish(q, 0);
		EXPECT_TRUE(false)
			TH_LOG("%s: the guest did not come up; QEMU's exit status %d, output:\n%s",
			       name, q->status, q->log);
		free(q);
		return;
	}
	snprintf(want, sizeof(want), "mv-guest: cpus %d\r\n", vcpus);
	EXPECT_NE(NULL, strstr(q->log, want)) TH_LOG("%s:\n%s", name, q->log);
	clocksource = strstr(q->log, "mv-guest: clocksource ");
	if (clocksource)
		sscanf(clocksource, "mv-guest: clocksource %31s",
		       result->clocksource);
	if (minivisor)
		check_mvctl(_metadata, q->pid, vcpus);

	EXPECT_EQ(6, write(q->in, "hello\n", 6));
	EXPECT_TRUE(qemu_read(q, "mv-guest: heard hello", 30))
		TH_LOG("%s:\n%s", name, q->log);
	qemu_finish(q, 30);
	EXPECT_EQ(0, q->status) TH_LOG("%s:\n%s", name, q->log);
	EXPECT_NE(NULL, strstr(q->log, "mv-guest: done"));
	result->seconds = q->seconds;
	free(q);
}

/*
 * The same boot on KVM and on minivisor, with QEMU's interrupt
 * controllers on both: KVM's always with kernel_irqchip=off, minivisor's
 * with machine.
 */
static void boot_both(struct __test_metadata *_metadata, const char *machine,
		      int vcpus)
{
	struct boot_result kvm = { 0 }, minivisor = { 0 };

	ASSERT_EQ(0, mv_kvm_load());
	ASSERT_EQ(0, mv_module_load());
	boot(_metadata, false, "pc,kernel_irqchip=off", vcpus, &kvm);
	boot(_metadata, true, machine, vcpus, &minivisor);
	ASSERT_EQ(0, mv_module_unload());
	EXPECT_EQ(0, mv_kernel_warnings());
	EXPECT_STREQ(kvm.clocksource, minivisor.clocksource);
	TH_LOG("QEMU, %d vCPU(s), start to power-off: kvm_intel %.1f s, minivisor %.1f s; clock source %s",
	       vcpus, kvm.seconds, minivisor.seconds, minivisor.clocksource);
}

TEST(one_vcpu_kernel_irqchip_off)
{
	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	boot_both(_metadata, "pc,kernel_irqchip=off", 1);
}

TEST(one_vcpu_default_machine)
{
	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	boot_both(_metadata, "pc", 1);
}

TEST_HARNESS_MAIN
