// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl lab: the teaching lab's measurements. One workload (guests/lab.S):
 * checksum a buffer, then move bytes out to a device and back. It runs
 * natively, as this process, under a binary translator, and then in a VM
 * once per way of doing its I/O, and the table shows what each way costs:
 * TSC ticks for the compute part and for the I/O part, and how many times
 * the guest had to exit to mvctl for its I/O (KVM_RUN's returns, but for
 * the signals that kick it and the guest's last exit, to end the run).
 *
 * What the models stand for:
 *  - native: the compute part's machine code (guests/lab_workload.S) run
 *    by this process, the yardstick;
 *  - emul: emulation, a binary translator: QEMU's TCG (Debian's
 *    qemu-system-x86) runs the same guest file, compute part only: every
 *    guest instruction goes through code QEMU generated for it;
 *  - compute: hardware-assisted virtualization (VT-x with EPT) and no
 *    I/O: the same code in the guest, which runs it without an exit;
 *  - port, mmio: the same, with an emulated device: every access to it is
 *    a VM exit, through to mvctl, a byte per port access or four bytes
 *    per MMIO access (which the hypervisor decodes first);
 *  - pv-ring: paravirtualization: the guest knows it is a guest and uses
 *    minivisor's PV ring (<linux/minivisor_pv.h>), an exit per page, at
 *    an OUT to its doorbell port;
 *  - pv-hcall: the same, but the doorbell is a hypercall (VMCALL), which
 *    mvctl asks the hypervisor to hand it (KVM_CAP_EXIT_HYPERCALL);
 *  - assigned: direct assignment (--assign, as mvctl run's): a host PCI
 *    function's BAR mapped into the guest, whose registers the guest
 *    writes and reads back without an exit. It must be an e1000 (lab.h).
 *
 * The TSC is read by the guest itself (RDTSC does not exit): a model's
 * ticks are what its guest saw, exits included. Each part runs in
 * rounds (LAB_COMPUTE_ROUNDS, LAB_IO_ROUNDS), natively and in the guest,
 * and the fastest round counts: the one that other work on the host (its
 * interrupts, other tasks on the CPU) disturbed least.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor_pv.h>

#include "guests/lab.h"
#include "json.h"
#include "lab_devices.h"
#include "machine.h"
#include "mvctl.h"
#include "pci.h"

#define LAB_MEM		(16ULL << 20)
#define LAB_TIMEOUT	600.0	/* seconds, for one model's run */
#define LAB_KIB_DEFAULT	16
#define LAB_QEMU	"/usr/bin/qemu-system-x86_64"

/* The models that are no I/O model of the guest's (struct lab_model.io). */
#define LAB_NATIVE	(-1)
#define LAB_EMULATION	(-2)

/* The compute part, linked from guests/lab_workload.S. */
void lab_fill(void *buffer, size_t bytes);
uint32_t lab_checksum(const void *buffer, size_t bytes);

struct lab_model {
	const char *name;
	const char *what;
	int io;			/* LAB_IO_*, LAB_NATIVE or LAB_EMULATION */
};

static const struct lab_model lab_models[] = {
	{ "native", "this process, no VM", LAB_NATIVE },
	{ "emul", "emulation: QEMU's TCG translates the guest, no I/O",
	  LAB_EMULATION },
	{ "compute", "VT-x and EPT, no I/O", LAB_IO_NONE },
	{ "port", "emulated device: an OUT or IN per byte", LAB_IO_PORT },
	{ "mmio", "emulated device: a MOV per 32-bit register", LAB_IO_MMIO },
	{ "pv-ring", "paravirtual: minivisor's PV ring, a doorbell per 4 KiB",
	  LAB_IO_PV_RING },
	{ "pv-hcall", "paravirtual: the same ring, a hypercall per 4 KiB",
	  LAB_IO_PV_HYPERCALL },
	{ "assigned", "direct assignment: an e1000's registers (--assign BDF)",
	  LAB_IO_ASSIGNED },
};

#define LAB_MODELS	(sizeof(lab_models) / sizeof(lab_models[0]))

struct lab_result {
	bool ran;
	bool skipped;		/* not in --models, or assigned without --assign */
	uint64_t compute_ticks;
	uint64_t io_ticks;
	uint64_t io_exits;
	uint32_t compute_sum;
	uint32_t io_sum;
};

struct lab_options {
	const char *guest;
	const char *qemu;
	const char *chart;	/* a PNG to draw, or a gnuplot script (.gp) */
	unsigned int io_kib;
	bool json;
	bool trace;		/* every exit of the VM models, on stderr */
	uint32_t models;	/* bit i: lab_models[i] runs; 0: all do */
	bool assign;
	struct pci_assignment assigned;
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "mvctl lab: %s '%s' (see mvctl --help)\n", what, arg);
	return MVCTL_EXIT_USAGE;
}

/* guests/lab.elf beside the mvctl executable. */
static char *default_guest(void)
{
	static char path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (len <= 0)
		return NULL;
	path[len] = '\0';
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof("/guests/lab.elf") >
		      sizeof(path))
		return NULL;
	strcpy(slash, "/guests/lab.elf");
	return path;
}

/*
 * --models NAME,NAME...: the models to run, as bits of lab_models[].
 * native always runs: the others are measured against it.
 */
static int parse_models(const char *list, uint32_t *models)
{
	char names[256], *name, *rest;

	if (strlen(list) >= sizeof(names))
		return usage_error("--models takes model names, not", list);
	strcpy(names, list);
	*models = 1U << 0;
	for (name = strtok_r(names, ",", &rest); name;
	     name = strtok_r(NULL, ",", &rest)) {
		size_t i = 0;

		while (i < LAB_MODELS && strcmp(name, lab_models[i].name))
			i++;
		if (i == LAB_MODELS)
			return usage_error("no such model", name);
		*models |= 1U << i;
	}
	return MVCTL_EXIT_OK;
}

static int parse_options(int argc, char **argv, struct lab_options *opts)
{
	*opts = (struct lab_options){
		.io_kib = LAB_KIB_DEFAULT,
		.qemu = LAB_QEMU,
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = argv[i + 1];
		unsigned long number;
		char *end;

		if (!strcmp(arg, "--json")) {
			opts->json = true;
			continue;
		}
		if (!strcmp(arg, "--trace")) {
			opts->trace = true;
			continue;
		}
		if (strcmp(arg, "--kib") && strcmp(arg, "--guest") &&
		    strcmp(arg, "--qemu") && strcmp(arg, "--assign") &&
		    strcmp(arg, "--chart") && strcmp(arg, "--models"))
			return usage_error("unknown option", arg);
		if (!value)
			return usage_error("missing value for", arg);
		i++;
		if (!strcmp(arg, "--models")) {
			int ret = parse_models(value, &opts->models);

			if (ret)
				return ret;
			continue;
		}
		if (!strcmp(arg, "--chart")) {
			/* gnuplot's script quotes it with '' */
			if (strchr(value, '\'') || strchr(value, '\n'))
				return usage_error("--chart takes a file name without quotes, not",
						   value);
			opts->chart = value;
			continue;
		}
		if (!strcmp(arg, "--assign")) {
			int ret = pci_parse_assign(value, &opts->assigned);

			if (ret)
				return ret;
			opts->assign = true;
			continue;
		}
		if (!strcmp(arg, "--guest")) {
			opts->guest = value;
			continue;
		}
		if (!strcmp(arg, "--qemu")) {
			opts->qemu = value;
			continue;
		}
		errno = 0;
		number = strtoul(value, &end, 10);
		if (errno || *end || end == value || number < 1 ||
		    number > LAB_IO_BYTES_MAX / 1024)
			return usage_error("--kib takes 1 to 1024, not", value);
		opts->io_kib = number;
	}
	if (!opts->guest)
		opts->guest = default_guest();
	if (!opts->guest) {
		fprintf(stderr,
			"mvctl lab: no guests/lab.elf beside mvctl; give --guest\n");
		return MVCTL_EXIT_USAGE;
	}
	return MVCTL_EXIT_OK;
}

/* The compute part as a host process: the fastest of as many rounds. */
static int run_native(struct lab_result *result)
{
	uint8_t *buffer = malloc(LAB_IO_BYTES_MAX);
	uint64_t start;

	if (!buffer) {
		fprintf(stderr, "mvctl lab: %s\n", strerror(ENOMEM));
		return MVCTL_EXIT_FAILURE;
	}
	lab_fill(buffer, LAB_IO_BYTES_MAX);
	result->compute_ticks = UINT64_MAX;
	for (int round = 0; round < LAB_COMPUTE_ROUNDS; round++) {
		uint64_t ticks;

		start = __rdtsc();
		result->compute_sum = lab_checksum(buffer, LAB_COMPUTE_BYTES);
		ticks = __rdtsc() - start;
		if (ticks < result->compute_ticks)
			result->compute_ticks = ticks;
	}
	free(buffer);
	result->ran = true;
	return MVCTL_EXIT_OK;
}

/*
 * QEMU's output until it closes it or LAB_TIMEOUT seconds have passed;
 * then QEMU's exit status (-1 if it had to be killed).
 */
static int collect_qemu(pid_t pid, int out, char *text, size_t size)
{
	struct timespec start, now;
	size_t len = 0;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = out, .events = POLLIN };
		double left;
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = LAB_TIMEOUT - (now.tv_sec - start.tv_sec) -
		       (now.tv_nsec - start.tv_nsec) / 1e9;
		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) < 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (!pfd.revents)
			continue;
		got = read(out, text + len, size - 1 - len);
		if (got <= 0)
			break;
		len += got;
	}
	text[len] = '\0';
	close(out);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The compute part under emulation: QEMU's TCG runs the lab's guest from
 * its multiboot entry (lab.S), which prints its results on QEMU's debug
 * console and ends through isa-debug-exit with LAB_QEMU_EXIT_VALUE; QEMU's
 * own errors, on the same pipe, end it with 1. Its translation buffer is
 * 32 MiB, not its default 1 GiB, which small machines cannot map.
 */
static int run_emulation(const struct lab_options *opts,
			 struct lab_result *result)
{
	const char *const argv[] = {
		opts->qemu, "-accel", "tcg,tb-size=32", "-M", "pc", "-m", "64",
		"-display", "none", "-vga", "none", "-nic", "none",
		"-monitor", "none", "-serial", "none", "-no-reboot",
		"-debugcon", "stdio",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=1",
		"-kernel", opts->guest, NULL
	};
	char text[1024];
	const char *line;
	int out[2], status;
	pid_t pid;

	if (access(opts->qemu, X_OK)) {
		fprintf(stderr, "mvctl lab: emul: no %s (apt-get install qemu-system-x86, or --qemu)\n",
			opts->qemu);
		return MVCTL_EXIT_FAILURE;
	}
	if (pipe(out))
		return MVCTL_EXIT_FAILURE;
	pid = fork();
	if (pid < 0) {
		close(out[0]);
		close(out[1]);
		return MVCTL_EXIT_FAILURE;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		close(out[0]);
		dup2(null, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execv(opts->qemu, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	status = collect_qemu(pid, out[0], text, sizeof(text));
	line = strstr(text, "lab: compute_ticks=");
	if (status != 2 * LAB_QEMU_EXIT_VALUE + 1 || !line ||
	    sscanf(line, "lab: compute_ticks=%" SCNx64 " compute_sum=%" SCNx32,
		   &result->compute_ticks, &result->compute_sum) != 2) {
		fprintf(stderr,
			"mvctl lab: emul: %s did not run the guest to its end (exit status %d); it said:\n%s\n",
			opts->qemu, status, text);
		return MVCTL_EXIT_FAILURE;
	}
	result->ran = true;
	return MVCTL_EXIT_OK;
}

static uint32_t mailbox_u32(const struct vmm *vmm, unsigned int offset)
{
	uint32_t value;

	memcpy(&value, vmm->mem + LAB_MAILBOX + offset, sizeof(value));
	return value;
}

static uint64_t mailbox_u64(const struct vmm *vmm, unsigned int offset)
{
	uint64_t value;

	memcpy(&value, vmm->mem + LAB_MAILBOX + offset, sizeof(value));
	return value;
}

static void mailbox_set(struct vmm *vmm, unsigned int offset, uint32_t value)
{
	memcpy(vmm->mem + LAB_MAILBOX + offset, &value, sizeof(value));
}

/*
 * The guest's exits to mvctl in one round of its I/O: every return from
 * KVM_RUN, but for those a signal caused and the guest's write to the
 * exit port that ended it, shared by the rounds.
 */
static uint64_t io_exits_per_round(const struct vmm *vmm)
{
	uint64_t exits = 0;

	for (int reason = 0; reason <= VMM_EXIT_REASONS; reason++)
		if (reason != KVM_EXIT_INTR)
			exits += vmm->vcpus[0].exits[reason];
	return (exits ? exits - 1 : 0) / LAB_IO_ROUNDS;
}

/*
 * Have the hypervisor hand mvctl the PV ring's hypercall, as
 * KVM_EXIT_HYPERCALL (api.rst, KVM_CAP_EXIT_HYPERCALL): minivisor offers
 * it; KVM offers only a hypercall of its own, and refuses.
 */
static int serve_pv_hypercall(struct vmm *vmm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = 1ULL << MINIVISOR_HC_PV_NOTIFY,
	};

	if (!ioctl(vmm->vm, KVM_ENABLE_CAP, &cap))
		return MVCTL_EXIT_OK;
	fprintf(stderr,
		"mvctl lab: pv-hcall: KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) of hypercall %d: %s\n",
		MINIVISOR_HC_PV_NOTIFY, strerror(errno));
	return MVCTL_EXIT_FAILURE;
}

/* The workload in a VM on device, doing its I/O the model's way. */
static int run_guest(const char *device, const struct lab_options *opts,
		     const struct lab_model *model, struct lab_result *result)
{
	struct machine_config config = {
		.command = "lab",
		.guest = opts->guest,
		.mem_size = LAB_MEM,
		.nr_vcpus = 1,
		.timeout = LAB_TIMEOUT,
		.trace = opts->trace,
	};
	struct vmm_lab lab;
	struct vmm vmm;
	int ret;

	if (model->io == LAB_IO_ASSIGNED) {
		if (!opts->assign) {
			result->skipped = true;
			return MVCTL_EXIT_OK;
		}
		config.assigned[0] = opts->assigned;
		config.nr_assigned = 1;
	}
	if (lab_devices_init(&lab, LAB_IO_BYTES_MAX)) {
		fprintf(stderr, "mvctl lab: %s\n", strerror(ENOMEM));
		return MVCTL_EXIT_FAILURE;
	}
	machine_init(&vmm, &config);
	vmm.lab = &lab;
	ret = machine_build(&vmm, device, &config);
	if (!ret) {
		mailbox_set(&vmm, LAB_MB_MODEL, model->io);
		mailbox_set(&vmm, LAB_MB_IO_BYTES, opts->io_kib * 1024);
		mailbox_set(&vmm, LAB_MB_BAR, config.assigned[0].bar_gpa[0]);
		ret = config.nr_assigned ?
		      pci_enable_memory(&vmm, &config.assigned[0]) : 0;
		if (ret) {
			fprintf(stderr, "mvctl lab: %s: memory space on: %s\n",
				config.assigned[0].name, strerror(-ret));
			ret = MVCTL_EXIT_FAILURE;
		}
	}
	if (!ret && model->io == LAB_IO_PV_HYPERCALL)
		ret = serve_pv_hypercall(&vmm);
	if (!ret) {
		machine_run(&vmm, &config);
		if (vmm.stop != VMM_STOP_EXIT_PORT || vmm.stop_value ||
		    mailbox_u32(&vmm, LAB_MB_DONE) != 1) {
			fprintf(stderr,
				"mvctl lab: %s: the guest did not finish (stop reason %d)\n",
				model->name, vmm.stop);
			ret = MVCTL_EXIT_GUEST_CRASHED;
		}
	}
	if (!ret) {
		result->compute_ticks = mailbox_u64(&vmm, LAB_MB_COMPUTE_TICKS);
		result->io_ticks = mailbox_u64(&vmm, LAB_MB_IO_TICKS);
		result->compute_sum = mailbox_u32(&vmm, LAB_MB_COMPUTE_SUM);
		result->io_sum = mailbox_u32(&vmm, LAB_MB_IO_SUM);
		result->io_exits = io_exits_per_round(&vmm);
		result->ran = true;
	}
	machine_destroy(&vmm);
	lab_devices_free(&lab);
	return ret;
}

/*
 * Whether a model's checksums are right: its compute part's is native's,
 * and the bytes that came back are the ones sent.
 */
static bool checksums_match(const struct lab_model *model,
			    const struct lab_result *result,
			    const struct lab_result *native,
			    uint32_t sent_sum)
{
	if (result->compute_sum != native->compute_sum)
		return false;
	return model->io <= LAB_IO_NONE || result->io_sum == sent_sum;
}

static void print_table(const char *device, const struct lab_options *opts,
			const struct lab_result *results, const bool *match)
{
	double native = (double)results[0].compute_ticks;

	printf("mvctl lab on %s: checksum %u KiB, then move %u KiB out and back\n\n",
	       device, LAB_COMPUTE_BYTES / 1024, opts->io_kib);
	printf("%-8s %14s %10s %14s %10s %10s  %s\n", "model", "compute ticks",
	       "vs native", "I/O ticks", "I/O exits", "exits/KiB", "checksums");
	for (size_t i = 0; i < LAB_MODELS; i++) {
		const struct lab_result *r = &results[i];
		char io_ticks[24] = "-", exits[24] = "-", per_kib[24] = "-";

		if (!r->ran) {
			printf("%-8s %14s\n", lab_models[i].name,
			       r->skipped ? "not run" : "failed");
			continue;
		}
		if (lab_models[i].io > LAB_IO_NONE) {
			snprintf(io_ticks, sizeof(io_ticks), "%" PRIu64,
				 r->io_ticks);
			snprintf(exits, sizeof(exits), "%" PRIu64, r->io_exits);
			snprintf(per_kib, sizeof(per_kib), "%.2f",
				 (double)r->io_exits / opts->io_kib);
		}
		printf("%-8s %14" PRIu64 " %9.2fx %14s %10s %10s  %s\n",
		       lab_models[i].name, r->compute_ticks,
		       r->compute_ticks / native, io_ticks, exits, per_kib,
		       match[i] ? "ok" : "WRONG");
	}
	printf("\n");
	for (size_t i = 0; i < LAB_MODELS; i++)
		printf("%-8s %s\n", lab_models[i].name, lab_models[i].what);
}

static void print_json(const char *device, const struct lab_options *opts,
		       const struct lab_result *results, const bool *match)
{
	printf("{\"device\": ");
	json_print_string(stdout, device);
	printf(", \"compute_bytes\": %u, \"io_bytes\": %u, \"models\": [",
	       LAB_COMPUTE_BYTES, opts->io_kib * 1024);
	for (size_t i = 0; i < LAB_MODELS; i++) {
		const struct lab_result *r = &results[i];

		printf("%s\n  {\"model\": \"%s\", \"ran\": %s", i ? "," : "",
		       lab_models[i].name, r->ran ? "true" : "false");
		if (r->skipped)
			printf(", \"skipped\": true");
		if (r->ran)
			printf(", \"compute_ticks\": %" PRIu64 ", \"compute_vs_native\": %.4f",
			       r->compute_ticks,
			       (double)r->compute_ticks / results[0].compute_ticks);
		if (r->ran && lab_models[i].io > LAB_IO_NONE)
			printf(", \"io_ticks\": %" PRIu64
			       ", \"io_exits\": %" PRIu64
			       ", \"exits_per_kib\": %.4f",
			       r->io_ticks, r->io_exits,
			       (double)r->io_exits / opts->io_kib);
		printf(", \"checksums_match\": %s}", match[i] ? "true" : "false");
	}
	printf("\n]}\n");
}

/* Whether name ends with suffix. */
static bool ends_with(const char *name, const char *suffix)
{
	size_t len = strlen(name), suffix_len = strlen(suffix);

	return len >= suffix_len && !strcmp(name + len - suffix_len, suffix);
}

/*
 * gnuplot's script for the chart, its data inline: the compute part
 * against native, and the I/O's ticks per KiB moved on a log scale, a bar
 * per model that ran (the second chart only if an I/O model ran). It
 * draws into png.
 */
static void write_chart_script(FILE *out, const char *png, const char *device,
			       const struct lab_options *opts,
			       const struct lab_result *results)
{
	int io_models = 0;

	fprintf(out, "# mvctl lab's chart: gnuplot draws it into %s\n", png);
	fprintf(out, "$compute << EOD\n");
	for (size_t i = 0; i < LAB_MODELS; i++)
		if (results[i].ran)
			fprintf(out, "%s %.4f\n", lab_models[i].name,
				(double)results[i].compute_ticks /
				results[0].compute_ticks);
	fprintf(out, "EOD\n$io << EOD\n");
	for (size_t i = 0; i < LAB_MODELS; i++) {
		if (results[i].ran && lab_models[i].io > LAB_IO_NONE) {
			fprintf(out, "%s %.1f\n", lab_models[i].name,
				(double)results[i].io_ticks / opts->io_kib);
			io_models++;
		}
	}
	fprintf(out,
		"EOD\n"
		"set terminal png size %d,450\n"
		"set output '%s'\n"
		"set termoption noenhanced\n"
		"set multiplot layout 1,%d title 'mvctl lab on %s: TSC ticks'\n"
		"set style fill solid 0.6\n"
		"set boxwidth 0.6\n"
		"set grid ytics\n"
		"set key off\n"
		"set xtics rotate by -30\n"
		"set title 'compute part, times native (lower is better)'\n"
		"set yrange [0:*]\n"
		"plot $compute using 0:2:xtic(1) with boxes, 1 with lines dt 2 lc rgb 'black'\n",
		io_models ? 1000 : 500, png, io_models ? 2 : 1, device);
	if (io_models)
		fprintf(out,
			"set title 'I/O, ticks per KiB moved (log scale)'\n"
			"set logscale y\n"
			"set yrange [*:*]\n"
			"plot $io using 0:2:xtic(1) with boxes\n");
	fprintf(out, "unset multiplot\n");
}

/*
 * --chart FILE: FILE.gp gets gnuplot's script, which draws FILE.png in
 * the directory gnuplot runs in (for a machine without gnuplot, such as
 * make lab's emulated host); any other FILE is drawn by gnuplot now.
 */
static int write_chart(const char *file, const char *device,
		       const struct lab_options *opts,
		       const struct lab_result *results)
{
	bool script = ends_with(file, ".gp");
	char png[PATH_MAX];
	FILE *out;
	int ret;

	if (script) {
		const char *base = strrchr(file, '/');

		base = base ? base + 1 : file;
		snprintf(png, sizeof(png), "%.*s.png",
			 (int)(strlen(base) - strlen(".gp")), base);
		out = fopen(file, "w");
	} else {
		snprintf(png, sizeof(png), "%s", file);
		out = popen("gnuplot", "w");
	}
	if (!out) {
		fprintf(stderr, "mvctl lab: --chart %s: %s\n", file,
			strerror(errno));
		return MVCTL_EXIT_FAILURE;
	}
	write_chart_script(out, png, device, opts, results);
	ret = script ? fclose(out) : pclose(out);
	if (ret) {
		fprintf(stderr,
			"mvctl lab: --chart %s: %s\n", file, ret < 0 ?
			strerror(errno) : "gnuplot failed (is it installed?)");
		return MVCTL_EXIT_FAILURE;
	}
	return MVCTL_EXIT_OK;
}

int mvctl_lab(const char *device, int argc, char **argv)
{
	struct lab_result results[LAB_MODELS] = { 0 };
	bool match[LAB_MODELS] = { false };
	struct lab_options opts;
	uint32_t sent_sum;
	uint8_t *sent;
	int ret, status = MVCTL_EXIT_OK;

	ret = parse_options(argc, argv, &opts);
	if (ret)
		return ret;
	sent = malloc(LAB_IO_BYTES_MAX);
	if (!sent) {
		fprintf(stderr, "mvctl lab: %s\n", strerror(ENOMEM));
		return MVCTL_EXIT_FAILURE;
	}
	lab_fill(sent, LAB_IO_BYTES_MAX);
	sent_sum = lab_checksum(sent, opts.io_kib * 1024);
	free(sent);

	for (size_t i = 0; i < LAB_MODELS; i++) {
		ret = MVCTL_EXIT_OK;
		if (opts.models && !(opts.models & (1U << i)))
			results[i].skipped = true;
		else if (lab_models[i].io == LAB_NATIVE)
			ret = run_native(&results[i]);
		else if (lab_models[i].io == LAB_EMULATION)
			ret = run_emulation(&opts, &results[i]);
		else
			ret = run_guest(device, &opts, &lab_models[i],
					&results[i]);
		if (ret)
			status = ret;
	}
	for (size_t i = 0; i < LAB_MODELS; i++) {
		match[i] = results[i].ran &&
			   checksums_match(&lab_models[i], &results[i],
					   &results[0], sent_sum);
		if (!match[i] && !results[i].skipped &&
		    status == MVCTL_EXIT_OK)
			status = MVCTL_EXIT_FAILURE;
	}
	if (opts.json)
		print_json(device, &opts, results, match);
	else
		print_table(device, &opts, results, match);
	if (opts.chart) {
		fflush(stdout);
		ret = write_chart(opts.chart, device, &opts, results);
		if (ret && status == MVCTL_EXIT_OK)
			status = ret;
	}
	return status;
}
