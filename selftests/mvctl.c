// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mvctl": mvctl run, the command-line VMM, driven as a user drives
 * it: /bin/mvctl started with a guest from /guests (MV_MVCTL and
 * MV_GUESTS override both), its standard output, standard error and exit
 * status checked.
 *
 *  - Every example guest, on /dev/minivisor and on /dev/kvm (mvctl
 *    --device): what it prints, how the run ends and its exit status are
 *    the same on both.
 *  - The devices: UART output and input, the debug console, the exit
 *    port, unhandled ports and MMIO reported once per address.
 *  - Ending a run: every vCPU halted, the exit port, a triple fault,
 *    Ctrl-C (SIGINT to mvctl), --timeout; the summary on stderr.
 *  - Assigning a PCI function (--assign, root only): Bochs' e1000, claimed
 *    with mvctl sriov claim, found by the guest on mvctl's PCI bus and
 *    driven through its BAR without MMIO exits; the refusals explained.
 *  - Bad input: a one-line message and a non-zero status, never a crash.
 *
 * After each run on minivisor the module must unload: mvctl left no VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define OUTPUT_MAX	16384

/* What one mvctl run did. */
struct mvctl_result {
	int status;		/* exit status, or -1 if it did not exit */
	int signal;		/* the signal that killed it, or 0 */
	char out[OUTPUT_MAX];	/* standard output */
	char err[OUTPUT_MAX];	/* standard error */
	double seconds;
};

/* A started mvctl whose output is still to be collected. */
struct mvctl_child {
	pid_t pid;
	int out, err;		/* read ends of its stdout and stderr */
	size_t out_len, err_len;
	struct timespec start;
};

static const char *mvctl_path(void)
{
	const char *path = getenv("MV_MVCTL");

	return path ? path : "/bin/mvctl";
}

/* The path of the example guest named name, in a static buffer. */
static const char *guest(const char *name)
{
	static char path[256];
	const char *dir = getenv("MV_GUESTS");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/guests", name);
	return path;
}

/*
 * Start mvctl with args (NULL-terminated, without argv[0]), input on its
 * standard input (NULL: /dev/null). Returns 0 or -errno.
 */
static int mvctl_start(struct mvctl_child *child, const char *const *args,
		       const char *input)
{
	int out[2], err[2], in[2];
	const char *argv[32] = { "mvctl" };
	size_t n = 1;

	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
	    pipe2(in, O_CLOEXEC))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &child->start);
	child->pid = fork();
	if (child->pid < 0)
		return -errno;
	if (!child->pid) {
		if (input) {
			dup2(in[0], STDIN_FILENO);
		} else {
			int null = open("/dev/null", O_RDONLY);

			dup2(null, STDIN_FILENO);
		}
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv(mvctl_path(), (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(in[0]);
	if (input && write(in[1], input, strlen(input)) < 0)
		return -errno;
	close(in[1]);
	child->out = out[0];
	child->err = err[0];
	child->out_len = child->err_len = 0;
	return 0;
}

/*
 * Read what the child wrote, until both pipes close or until want shows
 * up in its stdout (want NULL: until they close), for at most
 * timeout_seconds. Returns whether the condition was met.
 */
static bool mvctl_read(struct mvctl_child *child, struct mvctl_result *res,
		       const char *want, double timeout_seconds)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = child->out, .events = POLLIN },
			{ .fd = child->err, .events = POLLIN },
		};
		double left = timeout_seconds - mv_seconds_since(&start);

		if (want && strstr(res->out, want))
			return true;
		if (child->out < 0 && child->err < 0)
			return !want;
		if (left <= 0)
			return false;
		if (poll(pfd, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			return false;
		for (int i = 0; i < 2; i++) {
			int *fd = i ? &child->err : &child->out;
			size_t *len = i ? &child->err_len : &child->out_len;
			char *buf = i ? res->err : res->out;
			ssize_t got;

			if (*fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(*fd, buf + *len, OUTPUT_MAX - 1 - *len);
			if (got <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			*len += got;
			buf[*len] = '\0';
		}
	}
}

/* Collect everything and the exit status; kill it after timeout_seconds. */
static void mvctl_finish(struct mvctl_child *child, struct mvctl_result *res,
			 double timeout_seconds)
{
	int wstatus;

	if (!mvctl_read(child, res, NULL, timeout_seconds))
		kill(child->pid, SIGKILL);
	waitpid(child->pid, &wstatus, 0);
	if (child->out >= 0)
		close(child->out);
	if (child->err >= 0)
		close(child->err);
	res->seconds = mv_seconds_since(&child->start);
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	res->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

/* Run mvctl to its end (at most 60 s). Returns 0 or -errno. */
static int mvctl(struct mvctl_result *res, const char *input,
		 const char *const *args)
{
	struct mvctl_child child;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = mvctl_start(&child, args, input);
	if (ret)
		return ret;
	mvctl_finish(&child, res, 60);
	return 0;
}

#define MVCTL(res, input, ...)						\
	ASSERT_EQ(0, mvctl(res, input, (const char *const[]){ __VA_ARGS__, NULL }))

/* How many lines of text contain needle. */
static int count_lines(const char *text, const char *needle)
{
	int count = 0;

	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		char copy[1024];
		size_t n = end - line < (long)sizeof(copy) - 1 ?
			   (size_t)(end - line) : sizeof(copy) - 1;

		memcpy(copy, line, n);
		copy[n] = '\0';
		if (strstr(copy, needle))
			count++;
		line = *end ? end + 1 : end;
	}
	return count;
}

/* The count after "name " in the exit summary line, or -1. */
static long exit_count(const char *err, const char *name)
{
	const char *line = strstr(err, "mvctl run: exits:");
	char key[64];
	const char *at;

	if (!line)
		return -1;
	snprintf(key, sizeof(key), " %s ", name);
	at = strstr(line, key);
	if (!at || at > strchrnul(line, '\n'))
		return -1;
	return strtol(at + strlen(key), NULL, 10);
}

/* ---------------------------------------------------------------------- */
/* The example guests, on minivisor and on KVM */

FIXTURE(mvctl) {
	const char *device;
};

FIXTURE_VARIANT(mvctl) {
	const char *device;
	int (*load)(void);
	/* 0 once the device's modules have no user left: no VM leaked. */
	int (*release)(void);
};

FIXTURE_VARIANT_ADD(mvctl, minivisor) {
	.device = "/dev/minivisor",
	.load = mv_module_load,
	.release = mv_module_unload,
};

FIXTURE_VARIANT_ADD(mvctl, kvm) {
	.device = "/dev/kvm",
	.load = mv_kvm_load,
	.release = mv_kvm_check_idle,
};

FIXTURE_SETUP(mvctl)
{
	self->device = variant->device;
	ASSERT_EQ(0, variant->load());
}

FIXTURE_TEARDOWN(mvctl)
{
	EXPECT_EQ(0, variant->release());
}

/* mvctl's own lines on stderr when the run ended with every vCPU halted. */
#define ASSERT_HALTED(res) do {						\
	ASSERT_EQ(0, (res)->status) TH_LOG("stderr: %s", (res)->err);	\
	ASSERT_EQ(1, count_lines((res)->err, ": halted after "));	\
} while (0)

TEST_F(mvctl, real_mode_hello_greets_through_the_uart)
{
	const char *greeting = "Hello from real mode, through the UART!\n";
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run", guest("hello.bin"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ(greeting, res.out);
	/* Per byte: an IN of LSR and an OUT to THR; then one HLT. */
	EXPECT_EQ(2 * (long)strlen(greeting), exit_count(res.err, "IO"));
	EXPECT_EQ(1, exit_count(res.err, "HLT"));
}

TEST_F(mvctl, real_mode_elf_is_loaded_by_its_program_headers)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run", "--mode", "real",
	      guest("hello.elf"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("Hello from real mode, through the UART!\n", res.out);
}

TEST_F(mvctl, protected_mode_hello_from_a_32_bit_elf)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run",
	      guest("hello-pm.elf"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("Hello from protected mode!\n", res.out);
}

TEST_F(mvctl, long_mode_hello_from_a_64_bit_elf_through_the_debug_console)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run",
	      guest("hello-long.elf"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("Hello from long mode, through the debug console!\n",
		     res.out);
}

TEST_F(mvctl, long_mode_hello_from_a_flat_binary)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run", "--mode", "long",
	      "--mem", "8M", guest("hello-long.bin"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("Hello from long mode, through the debug console!\n",
		     res.out);
}

TEST_F(mvctl, unknown_hypercall_returns_minus_kvm_enosys)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run",
	      guest("hypercall.elf"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("VMCALL of unknown hypercall 100 returned -1000\n",
		     res.out);
}

TEST_F(mvctl, unbacked_mmio_reads_all_ones_and_is_reported_once)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run", guest("mmio.elf"));
	ASSERT_HALTED(&res);
	ASSERT_STREQ("MMIO read of 0xd0000000 gave 0xffffffff\n", res.out);
	/* Three accesses, three exits, one report. */
	EXPECT_EQ(3, exit_count(res.err, "MMIO"));
	EXPECT_EQ(1, count_lines(res.err, "unhandled MMIO"));
	EXPECT_EQ(1, count_lines(res.err, "unhandled MMIO write to 0xd0000000"));
	/* Two writes to port 0x80, one report. */
	EXPECT_EQ(1, count_lines(res.err, "unhandled I/O"));
	EXPECT_EQ(1, count_lines(res.err, "unhandled I/O write to port 0x80"));
}

TEST_F(mvctl, triple_fault_is_reported_with_status_3)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run",
	      guest("triple-fault.elf"));
	ASSERT_EQ(3, res.status) TH_LOG("stderr: %s", res.err);
	ASSERT_STREQ("About to triple fault.\n", res.out);
	EXPECT_EQ(1, count_lines(res.err, "triple fault (KVM_EXIT_SHUTDOWN) on vcpu 0"));
	EXPECT_EQ(1, exit_count(res.err, "SHUTDOWN"));
}

TEST_F(mvctl, exit_port_value_is_the_exit_status)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run",
	      guest("exit-status.bin"));
	ASSERT_EQ(42, res.status) TH_LOG("stderr: %s", res.err);
	EXPECT_EQ(1, count_lines(res.err, "wrote 42 to the exit port"));
	/* The run ended at the OUT: the HLT after it never ran. */
	EXPECT_EQ(-1, exit_count(res.err, "HLT"));
}

TEST_F(mvctl, uart_input_comes_from_stdin)
{
	struct mvctl_result res;

	MVCTL(&res, "Hello, minivisor\nnot read\n", "--device", self->device,
	      "run", guest("echo.bin"));
	ASSERT_EQ(0, res.status) TH_LOG("stderr: %s", res.err);
	ASSERT_STREQ("HELLO, MINIVISOR\n", res.out);
	EXPECT_EQ(1, count_lines(res.err, "wrote 0 to the exit port"));
}

TEST_F(mvctl, every_vcpu_starts_at_the_entry_with_its_id_in_rdi)
{
	struct mvctl_result res;
	char seen[5] = "....";

	MVCTL(&res, NULL, "--device", self->device, "run", "--vcpus", "4",
	      guest("vcpus.bin"));
	ASSERT_HALTED(&res);
	ASSERT_EQ(4, strlen(res.out)) TH_LOG("stdout: %s", res.out);
	for (int i = 0; i < 4; i++) {
		int id = res.out[i] - '0';

		ASSERT_TRUE(id >= 0 && id < 4);
		seen[id] = res.out[i];
	}
	EXPECT_STREQ("0123", seen);
	EXPECT_EQ(4, exit_count(res.err, "HLT"));
}

TEST_F(mvctl, trace_prints_every_exit)
{
	struct mvctl_result res;
	long io;

	MVCTL(&res, NULL, "--device", self->device, "run", "--trace",
	      guest("hello.bin"));
	ASSERT_HALTED(&res);
	io = exit_count(res.err, "IO");
	ASSERT_LT(0, io);
	EXPECT_EQ(io, count_lines(res.err, "mvctl trace: vcpu 0: IO rip "));
	EXPECT_EQ(1, count_lines(res.err, "mvctl trace: vcpu 0: HLT rip "));
	/* The first byte out, 'H', to the UART's THR. */
	EXPECT_EQ(1, count_lines(res.err, "out port 0x3f8 size 1 count 1 data 0x48"));
}

TEST_F(mvctl, ctrl_c_stops_a_spinning_guest)
{
	const char *const args[] = {
		"--device", self->device, "run", guest("spin.bin"), NULL,
	};
	struct mvctl_child child;
	struct mvctl_result res = { 0 };

	ASSERT_EQ(0, mvctl_start(&child, args, NULL));
	ASSERT_TRUE(mvctl_read(&child, &res, "spinning\n", 30));
	/* Let it spin in the guest for a while. */
	usleep(300 * 1000);
	ASSERT_EQ(0, kill(child.pid, SIGINT));
	mvctl_finish(&child, &res, 30);
	ASSERT_EQ(128 + SIGINT, res.status) TH_LOG("stderr: %s", res.err);
	EXPECT_EQ(1, count_lines(res.err, "stopped by SIGINT after"));
}

TEST_F(mvctl, timeout_stops_a_runaway_guest)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "--device", self->device, "run", "--timeout", "1",
	      guest("spin.bin"));
	ASSERT_EQ(124, res.status) TH_LOG("stderr: %s", res.err);
	EXPECT_STREQ("spinning\n", res.out);
	EXPECT_EQ(1, count_lines(res.err, "stopped by --timeout after"));
	EXPECT_LE(1.0, res.seconds);
	EXPECT_GT(20.0, res.seconds);
}

/* ---------------------------------------------------------------------- */
/* Assigned PCI functions: the Bochs host's e1000, on minivisor */

#define UNSAFE_NOIOMMU	"/sys/module/minivisor/parameters/allow_unsafe_noiommu"
/* Intel 82540EM */
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e

FIXTURE(assign) {
	char e1000[32];		/* its host address, 0000:00:02.0 */
	bool claimed;
};

FIXTURE_SETUP(assign)
{
	ASSERT_EQ(0, mv_module_load());
	mv_pci_find_function(E1000_VENDOR, E1000_DEVICE, self->e1000,
			     sizeof(self->e1000));
	ASSERT_NE(0, self->e1000[0])
		TH_LOG("no e1000 on the host's PCI bus (boot-bochs.sh adds one)");
}

FIXTURE_TEARDOWN(assign)
{
	struct mvctl_result res;

	if (self->claimed) {
		EXPECT_EQ(0, mvctl(&res, NULL, (const char *const[]){
			"sriov", "release", self->e1000, NULL }));
		EXPECT_EQ(0, res.status) TH_LOG("stderr: %s", res.err);
	}
	/* Closing the VM gave the function back: the module unloads. */
	EXPECT_EQ(0, mv_module_unload());
}

/* Claim the e1000 for minivisor with mvctl, as a user would. */
#define CLAIM_E1000(self) do {						\
	struct mvctl_result claim;					\
									\
	MVCTL(&claim, NULL, "sriov", "claim", (self)->e1000);		\
	ASSERT_EQ(0, claim.status) TH_LOG("stderr: %s", claim.err);	\
	(self)->claimed = true;						\
} while (0)

/* Bochs has no IOMMU: assigning needs the module's unsafe permission. */
#define ALLOW_UNSAFE_NOIOMMU() ASSERT_EQ(0, mv_write_file(UNSAFE_NOIOMMU, "Y"))

TEST_F(assign, guest_finds_the_e1000_and_drives_its_registers_without_exits)
{
	struct mvctl_result res;

	ALLOW_UNSAFE_NOIOMMU();
	CLAIM_E1000(self);
	MVCTL(&res, NULL, "run", "--assign", self->e1000, guest("pci.elf"));
	ASSERT_EQ(0, res.status)
		TH_LOG("stdout: %s\nstderr: %s", res.out, res.err);
	/*
	 * The only function on the guest's bus, at device 1 whatever its
	 * host address, its BAR0 where mvctl put it: the window's start.
	 */
	EXPECT_EQ(1, count_lines(res.out, " BAR0 "));
	EXPECT_EQ(1, count_lines(res.out, "00:01.0 8086:100e BAR0 0xc0000000"))
		TH_LOG("stdout: %s", res.out);
	/* STATUS came from the device: a missing one reads all ones. */
	EXPECT_EQ(1, count_lines(res.out, "STATUS 0x"));
	EXPECT_EQ(0, count_lines(res.out, "STATUS 0xffffffff"));
	EXPECT_EQ(1, count_lines(res.out, "RAL0 0x12345678"));
	EXPECT_EQ(1, count_lines(res.err, "wrote 0 to the exit port"));
	EXPECT_EQ(1, count_lines(res.err, "BAR0 at 0xc0000000 (128 KiB)"))
		TH_LOG("stderr: %s", res.err);
	/* The BAR is in the EPT: its loads and stores took no exit. */
	EXPECT_EQ(-1, exit_count(res.err, "MMIO"))
		TH_LOG("stderr: %s", res.err);
	EXPECT_EQ(0, count_lines(res.err, "unhandled"));
}

TEST_F(assign, bar_goes_where_assign_says)
{
	struct mvctl_result res;
	char assign[64];

	ALLOW_UNSAFE_NOIOMMU();
	CLAIM_E1000(self);
	snprintf(assign, sizeof(assign), "%s,bar0=0xd0020000", self->e1000);
	MVCTL(&res, NULL, "run", "--assign", assign, guest("pci.elf"));
	ASSERT_EQ(0, res.status)
		TH_LOG("stdout: %s\nstderr: %s", res.out, res.err);
	EXPECT_EQ(1, count_lines(res.out, "00:01.0 8086:100e BAR0 0xd0020000"))
		TH_LOG("stdout: %s", res.out);
	EXPECT_EQ(1, count_lines(res.out, "RAL0 0x12345678"));
	EXPECT_EQ(-1, exit_count(res.err, "MMIO"));
}

TEST_F(assign, unclaimed_function_is_refused_with_a_hint)
{
	struct mvctl_result res;

	ALLOW_UNSAFE_NOIOMMU();
	MVCTL(&res, NULL, "run", "--assign", self->e1000, guest("pci.elf"));
	ASSERT_EQ(1, res.status) TH_LOG("stderr: %s", res.err);
	ASSERT_STREQ("", res.out);
	EXPECT_EQ(1, count_lines(res.err, "not claimed by minivisor"))
		TH_LOG("stderr: %s", res.err);
	EXPECT_EQ(1, count_lines(res.err, "mvctl sriov claim"));
}

TEST_F(assign, no_iommu_is_refused_unless_allowed)
{
	struct mvctl_result res;
	char value[8];

	ASSERT_EQ(0, mv_read_line(UNSAFE_NOIOMMU, value, sizeof(value)));
	ASSERT_STREQ("N", value);
	CLAIM_E1000(self);
	MVCTL(&res, NULL, "run", "--assign", self->e1000, guest("pci.elf"));
	ASSERT_EQ(1, res.status) TH_LOG("stderr: %s", res.err);
	ASSERT_STREQ("", res.out);
	EXPECT_EQ(1, count_lines(res.err, "allow_unsafe_noiommu"))
		TH_LOG("stderr: %s", res.err);
	EXPECT_EQ(1, count_lines(res.err, "(Operation not supported)"));
}

/* ---------------------------------------------------------------------- */
/* Bad input: checked before any device is opened */

/* One line on stderr, nothing on stdout, status status, no crash. */
#define ASSERT_FAILS_WITH_ONE_LINE(res, status_, text) do {		\
	ASSERT_EQ(0, (res)->signal);					\
	ASSERT_EQ(status_, (res)->status) TH_LOG("stderr: %s", (res)->err); \
	ASSERT_STREQ("", (res)->out);					\
	ASSERT_EQ(1, count_lines((res)->err, ""));			\
	ASSERT_NE(NULL, strstr((res)->err, text)) TH_LOG("stderr: %s", (res)->err); \
} while (0)

TEST(missing_guest_file_fails)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "run", guest("no-such-guest.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "No such file or directory");
}

TEST(empty_guest_file_fails)
{
	const char *path = "/tmp/mvctl-empty.bin";
	struct mvctl_result res;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ASSERT_LE(0, fd);
	close(fd);
	MVCTL(&res, NULL, "run", path);
	unlink(path);
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "empty file");
}

/* The first size bytes of the guest name, as /tmp/mvctl-cut.elf. */
static int cut_guest(const char *name, size_t size, const char *path)
{
	char buf[4096];
	int in = open(guest(name), O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	n = read(in, buf, size < sizeof(buf) ? size : sizeof(buf));
	close(in);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (n < 0 || out < 0)
		return -EIO;
	if (write(out, buf, n) != n)
		n = -1;
	close(out);
	return n < 0 ? -EIO : 0;
}

TEST(truncated_elf_fails)
{
	const char *path = "/tmp/mvctl-cut.elf";
	struct mvctl_result res;

	ASSERT_EQ(0, cut_guest("hypercall.elf", 40, path));
	MVCTL(&res, NULL, "run", path);
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "malformed ELF");

	/* The header whole, the program headers cut off. */
	ASSERT_EQ(0, cut_guest("hypercall.elf", 70, path));
	MVCTL(&res, NULL, "run", path);
	unlink(path);
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "malformed ELF");
}

TEST(memory_larger_than_the_host_fails)
{
	long long host = (long long)sysconf(_SC_PHYS_PAGES) *
			 sysconf(_SC_PAGESIZE);
	struct mvctl_result res;

	if (host >= (4LL << 30))
		SKIP(return, "this host has 4 GiB or more: --mem 4G fits");
	MVCTL(&res, NULL, "run", "--mem", "4G", guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "more than this host's");
}

TEST(guest_that_does_not_fit_fails)
{
	struct mvctl_result res;

	/* hello.bin is 68 bytes: from 32 bytes below 1 MiB it ends past it. */
	MVCTL(&res, NULL, "run", "--mem", "1M", "--entry", "0xfffe0",
	      guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "does not fit");

	/* Loaded over the real-mode stacks, below 0x7c00. */
	MVCTL(&res, NULL, "run", "--entry", "0x7bf0", guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "does not fit");
}

TEST(unknown_option_fails)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "run", "--frobnicate", guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 2, "unknown option '--frobnicate'");

	MVCTL(&res, NULL, "run", "--mode", "unreal", guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 2, "--mode");

	MVCTL(&res, NULL, "--frobnicate", "run", guest("hello.bin"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 2, "unknown option '--frobnicate'");
}

TEST(bad_assign_fails)
{
	struct mvctl_result res;

	MVCTL(&res, NULL, "run", "--assign", "e1000", guest("pci.elf"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 2, "not a PCI address");

	MVCTL(&res, NULL, "run", "--assign", "0000:7f:1f.7", guest("pci.elf"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 1, "no such PCI function on this host");

	MVCTL(&res, NULL, "run", "--assign", "00:00.0,rom=0xd0000000",
	      guest("pci.elf"));
	ASSERT_FAILS_WITH_ONE_LINE(&res, 2, "bar0= to bar5=");
}

TEST_HARNESS_MAIN
