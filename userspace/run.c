// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl run: a small VMM on the plain KVM API, run on /dev/minivisor (or
 * any device speaking that API, /dev/kvm included).
 *
 * It does what every KVM client does (api.rst, "General description"):
 * open the device, KVM_CREATE_VM, give the VM memory with
 * KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU and mmap each vCPU's
 * kvm_run, set the registers, and call KVM_RUN in a loop, serving the
 * exits in userspace. This file reads the command line, builds the VM,
 * gives it the host PCI functions --assign names (pci.c), starts one
 * thread per vCPU (vcpu.c), then waits for the run to end:
 * every vCPU halted, the guest wrote to the exit port, a triple fault or
 * error, Ctrl-C (SIGINT) or SIGTERM, or --timeout. It then stops the
 * vCPUs (vmm.h says how) and prints a summary on stderr: why the run
 * ended, how long it took and the exits by KVM exit reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "loader.h"
#include "modes.h"
#include "mvctl.h"
#include "pci.h"
#include "vmm.h"

#define MEM_DEFAULT	(16ULL << 20)
#define MEM_MIN		(1ULL << 20)
#define MEM_MAX		(4ULL << 30)
#define VCPUS_MAX	1024

struct run_options {
	const char *guest;
	uint64_t mem_size;
	enum vmm_mode mode;
	bool mode_given;
	uint64_t entry;
	bool entry_given;
	int nr_vcpus;
	double timeout;		/* seconds; 0 for none */
	bool trace;
	int nr_assigned;
	struct pci_assignment assigned[VMM_PCI_FUNCTIONS];
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "mvctl run: %s '%s' (see mvctl --help)\n", what, arg);
	return MVCTL_EXIT_USAGE;
}

/* A size in bytes: digits, then optionally K, M or G (powers of 1024). */
static bool parse_size(const char *text, uint64_t *size)
{
	unsigned long long value;
	unsigned int shift = 0;
	char *end;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno)
		return false;
	if (*end && !end[1]) {
		switch (*end) {
		case 'k': case 'K':
			shift = 10;
			break;
		case 'm': case 'M':
			shift = 20;
			break;
		case 'g': case 'G':
			shift = 30;
			break;
		default:
			return false;
		}
	} else if (*end) {
		return false;
	}
	if (value > UINT64_MAX >> shift)
		return false;
	*size = (uint64_t)value << shift;
	return true;
}

static bool parse_u64(const char *text, uint64_t *value)
{
	char *end;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*value = strtoull(text, &end, 0);
	return !errno && !*end;
}

static bool parse_mode(const char *text, enum vmm_mode *mode)
{
	static const char *const names[] = {
		[VMM_MODE_REAL] = "real",
		[VMM_MODE_PROTECTED] = "protected",
		[VMM_MODE_LONG] = "long",
	};

	for (int i = 0; i < 3; i++) {
		if (!strcmp(text, names[i])) {
			*mode = i;
			return true;
		}
	}
	return false;
}

/* One more --assign: at most VMM_PCI_FUNCTIONS, each function once. */
static int parse_assign(struct run_options *opts, const char *value)
{
	struct pci_assignment *assignment = &opts->assigned[opts->nr_assigned];
	int ret;

	if (opts->nr_assigned == VMM_PCI_FUNCTIONS)
		return usage_error("at most 4 functions may be assigned, not",
				   value);
	ret = pci_parse_assign(value, assignment);
	if (ret)
		return ret;
	for (int i = 0; i < opts->nr_assigned; i++)
		if (opts->assigned[i].address == assignment->address)
			return usage_error("--assign twice:", value);
	opts->nr_assigned++;
	return MVCTL_EXIT_OK;
}

static int parse_options(int argc, char **argv, struct run_options *opts)
{
	*opts = (struct run_options){
		.mem_size = MEM_DEFAULT,
		.nr_vcpus = 1,
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = argv[i + 1];
		uint64_t number;
		char *end;

		if (arg[0] != '-') {
			if (opts->guest)
				return usage_error("more than one guest:", arg);
			opts->guest = arg;
			continue;
		}
		if (!strcmp(arg, "--trace")) {
			opts->trace = true;
			continue;
		}
		if (strcmp(arg, "--mem") && strcmp(arg, "--mode") &&
		    strcmp(arg, "--entry") && strcmp(arg, "--vcpus") &&
		    strcmp(arg, "--timeout") && strcmp(arg, "--assign"))
			return usage_error("unknown option", arg);
		if (!value)
			return usage_error("missing value for", arg);
		i++;
		if (!strcmp(arg, "--assign")) {
			int ret = parse_assign(opts, value);

			if (ret)
				return ret;
		} else if (!strcmp(arg, "--mem")) {
			if (!parse_size(value, &opts->mem_size))
				return usage_error("bad size for --mem:", value);
		} else if (!strcmp(arg, "--mode")) {
			if (!parse_mode(value, &opts->mode))
				return usage_error("--mode takes real, protected or long, not",
						   value);
			opts->mode_given = true;
		} else if (!strcmp(arg, "--entry")) {
			if (!parse_u64(value, &opts->entry))
				return usage_error("bad address for --entry:",
						   value);
			opts->entry_given = true;
		} else if (!strcmp(arg, "--vcpus")) {
			if (!parse_u64(value, &number) || number < 1 ||
			    number > VCPUS_MAX)
				return usage_error("--vcpus takes 1 to 1024, not",
						   value);
			opts->nr_vcpus = number;
		} else {
			errno = 0;
			opts->timeout = strtod(value, &end);
			if (errno || *end || end == value ||
			    !(opts->timeout > 0 && opts->timeout < 1e9))
				return usage_error("bad number of seconds for --timeout:",
						   value);
		}
	}
	if (!opts->guest) {
		fprintf(stderr, "mvctl run: no guest file given (see mvctl --help)\n");
		return MVCTL_EXIT_USAGE;
	}
	if (opts->mem_size < MEM_MIN || opts->mem_size > MEM_MAX ||
	    opts->mem_size % 4096) {
		fprintf(stderr,
			"mvctl run: --mem must be a multiple of 4K from 1M to 4G\n");
		return MVCTL_EXIT_USAGE;
	}
	return MVCTL_EXIT_OK;
}

void vmm_stop(struct vmm *vmm, enum vmm_stop reason, int value)
{
	pthread_mutex_lock(&vmm->stop_lock);
	if (vmm->stop == VMM_STOP_NONE) {
		vmm->stop = reason;
		vmm->stop_value = value;
	}
	pthread_mutex_unlock(&vmm->stop_lock);
	atomic_store(&vmm->stopping, true);
	pthread_kill(vmm->main_thread, VMM_WAKE_SIGNAL);
}

static int host_error(const char *what)
{
	fprintf(stderr, "mvctl run: %s: %s\n", what, strerror(errno));
	return MVCTL_EXIT_FAILURE;
}

/* Check --mem against the host's memory: the guest's is the VMM's. */
static int check_host_memory(uint64_t mem_size)
{
	uint64_t host = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			(uint64_t)sysconf(_SC_PAGESIZE);

	if (mem_size <= host)
		return MVCTL_EXIT_OK;
	fprintf(stderr,
		"mvctl run: --mem %" PRIu64 " MiB is more than this host's %" PRIu64 " MiB of memory\n",
		mem_size >> 20, host >> 20);
	return MVCTL_EXIT_FAILURE;
}

/* The guest's memory, in mvctl: anonymous, faulted in as it is used. */
static int map_memory(struct vmm *vmm, uint64_t mem_size)
{
	vmm->mem_size = mem_size;
	vmm->mem = mmap(NULL, vmm->mem_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->mem == MAP_FAILED) {
		vmm->mem = NULL;
		return host_error("guest memory");
	}
	return MVCTL_EXIT_OK;
}

/* The VM with the memory as its slot 0, its vCPUs with kvm_run mapped. */
static int create_vm(struct vmm *vmm, const char *device,
		     const struct run_options *opts)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = opts->mem_size,
	};
	int run_size, max_vcpus;

	vmm->dev = mvctl_open_device(device);
	if (vmm->dev < 0)
		return MVCTL_EXIT_FAILURE;
	max_vcpus = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && opts->nr_vcpus > max_vcpus) {
		fprintf(stderr, "mvctl run: --vcpus %d: %s takes at most %d\n",
			opts->nr_vcpus, device, max_vcpus);
		return MVCTL_EXIT_FAILURE;
	}
	vmm->vm = ioctl(vmm->dev, KVM_CREATE_VM, 0);
	if (vmm->vm < 0)
		return host_error("KVM_CREATE_VM");

	region.userspace_addr = (uintptr_t)vmm->mem;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return host_error("KVM_SET_USER_MEMORY_REGION");

	run_size = ioctl(vmm->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		return host_error("KVM_GET_VCPU_MMAP_SIZE");
	vmm->run_size = run_size;
	vmm->vcpus = calloc(opts->nr_vcpus, sizeof(*vmm->vcpus));
	if (!vmm->vcpus)
		return host_error("vCPUs");
	for (int id = 0; id < opts->nr_vcpus; id++) {
		struct vmm_vcpu *vcpu = &vmm->vcpus[id];

		*vcpu = (struct vmm_vcpu){ .vmm = vmm, .id = id, .fd = -1 };
		vmm->nr_vcpus++;
		vcpu->fd = ioctl(vmm->vm, KVM_CREATE_VCPU, id);
		if (vcpu->fd < 0)
			return host_error("KVM_CREATE_VCPU");
		vcpu->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			return host_error("mmap of kvm_run");
		}
	}
	return MVCTL_EXIT_OK;
}

static void destroy_vm(struct vmm *vmm)
{
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		if (vmm->vcpus[id].run)
			munmap(vmm->vcpus[id].run, vmm->run_size);
		if (vmm->vcpus[id].fd >= 0)
			close(vmm->vcpus[id].fd);
	}
	free(vmm->vcpus);
	if (vmm->mem)
		munmap(vmm->mem, vmm->mem_size);
	/* The last close of the VM deassigns its PCI functions. */
	if (vmm->vm >= 0)
		close(vmm->vm);
	if (vmm->dev >= 0)
		close(vmm->dev);
}

/* The mode from --mode, else what the file says it is written for. */
static enum vmm_mode guest_mode(const struct run_options *opts,
				const struct guest_image *image)
{
	if (opts->mode_given)
		return opts->mode;
	switch (image->format) {
	case GUEST_ELF64:
		return VMM_MODE_LONG;
	case GUEST_ELF32:
		return VMM_MODE_PROTECTED;
	default:
		return VMM_MODE_REAL;
	}
}

/*
 * Load the guest into memory, with the tables its mode needs, before
 * there is a VM: a guest that cannot run fails without a device. Gives
 * the mode and entry point to start the vCPUs with.
 */
static int place_guest(struct vmm *vmm, const struct run_options *opts,
		       const struct guest_image *image, enum vmm_mode *mode,
		       uint64_t *entry)
{
	uint64_t flat_addr, reserved_start, reserved_end;
	const char *why;

	*mode = guest_mode(opts, image);
	flat_addr = opts->entry_given ? opts->entry :
					modes_default_entry(*mode);
	*entry = image->format == GUEST_FLAT || opts->entry_given ?
		 flat_addr : image->entry;
	why = modes_check_entry(*mode, *entry, vmm->mem_size);
	if (why) {
		fprintf(stderr, "mvctl run: %s: %s (%#" PRIx64 ")\n",
			image->path, why, *entry);
		return MVCTL_EXIT_FAILURE;
	}
	modes_reserved(*mode, vmm->mem_size, opts->nr_vcpus, &reserved_start,
		       &reserved_end);
	if (guest_image_load(image, vmm->mem, vmm->mem_size, flat_addr,
			     reserved_start, reserved_end))
		return MVCTL_EXIT_FAILURE;
	modes_write_tables(vmm, *mode);
	return MVCTL_EXIT_OK;
}

static int start_vcpus(struct vmm *vmm, enum vmm_mode mode, uint64_t entry)
{
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		int ret = modes_start_vcpu(&vmm->vcpus[id], mode, entry);

		if (ret) {
			errno = -ret;
			return host_error("setting the vCPU registers");
		}
	}
	return MVCTL_EXIT_OK;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void on_kick(int signal)
{
	(void)signal;
}

/*
 * Block the signals the main thread waits for (the vCPU threads inherit
 * the mask) and give the kick a handler, so that it interrupts KVM_RUN
 * without killing the process.
 */
static void setup_signals(sigset_t *waited)
{
	struct sigaction kick = { .sa_handler = on_kick };
	sigset_t blocked;

	sigemptyset(waited);
	sigaddset(waited, SIGINT);
	sigaddset(waited, SIGTERM);
	sigaddset(waited, VMM_WAKE_SIGNAL);
	blocked = *waited;
	sigaddset(&blocked, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	sigaction(VMM_KICK_SIGNAL, &kick, NULL);
}

/* Wait for the run to end: every vCPU done, a stop, a signal, the timeout. */
static void wait_for_end(struct vmm *vmm, const sigset_t *waited,
			 double timeout, const struct timespec *start)
{
	while (atomic_load(&vmm->running) > 0 &&
	       !atomic_load(&vmm->stopping)) {
		struct timespec wait, *wait_for = NULL;
		siginfo_t info;
		int signal;

		if (timeout > 0) {
			double left = timeout - seconds_since(start);

			if (left <= 0) {
				vmm_stop(vmm, VMM_STOP_TIMEOUT, 0);
				break;
			}
			wait.tv_sec = (time_t)left;
			wait.tv_nsec = (long)((left - wait.tv_sec) * 1e9);
			wait_for = &wait;
		}
		signal = sigtimedwait(waited, &info, wait_for);
		if (signal == SIGINT || signal == SIGTERM)
			vmm_stop(vmm, VMM_STOP_SIGNAL, signal);
	}
	if (atomic_load(&vmm->running) == 0)
		vmm_stop(vmm, VMM_STOP_HALTED, 0);
}

/* Why the run ended, on stderr, and the exit status that says it. */
static int report_end(const struct vmm *vmm, const char *guest,
		      double seconds)
{
	int status;

	fprintf(stderr, "mvctl run: %s: ", guest);
	switch (vmm->stop) {
	case VMM_STOP_HALTED:
		fprintf(stderr, "halted");
		status = MVCTL_EXIT_OK;
		break;
	case VMM_STOP_EXIT_PORT:
		fprintf(stderr, "wrote %d to the exit port", vmm->stop_value);
		status = vmm->stop_value;
		break;
	case VMM_STOP_SHUTDOWN:
		fprintf(stderr, "triple fault (KVM_EXIT_SHUTDOWN) on vcpu %d",
			vmm->stop_value);
		status = MVCTL_EXIT_GUEST_CRASHED;
		break;
	case VMM_STOP_GUEST_ERROR:
		fprintf(stderr, "stopped by an error on vcpu %d",
			vmm->stop_value);
		status = MVCTL_EXIT_GUEST_CRASHED;
		break;
	case VMM_STOP_SIGNAL:
		fprintf(stderr, "stopped by %s",
			vmm->stop_value == SIGINT ? "SIGINT" : "SIGTERM");
		status = 128 + vmm->stop_value;
		break;
	case VMM_STOP_TIMEOUT:
		fprintf(stderr, "stopped by --timeout");
		status = MVCTL_EXIT_TIMEOUT;
		break;
	default:
		fprintf(stderr, "stopped by an error in mvctl");
		status = MVCTL_EXIT_FAILURE;
		break;
	}
	fprintf(stderr, " after %.3f s\n", seconds);
	return status;
}

/* The exits of all vCPUs by reason, on one line of stderr. */
static void report_exits(const struct vmm *vmm)
{
	uint64_t total[VMM_EXIT_REASONS + 1] = { 0 };
	const char *separator = "";

	for (int id = 0; id < vmm->nr_vcpus; id++)
		for (int reason = 0; reason <= VMM_EXIT_REASONS; reason++)
			total[reason] += vmm->vcpus[id].exits[reason];
	fprintf(stderr, "mvctl run: exits:");
	for (int reason = 0; reason <= VMM_EXIT_REASONS; reason++) {
		const char *name = vmm_exit_name(reason);

		if (!total[reason])
			continue;
		if (name)
			fprintf(stderr, "%s %s %" PRIu64, separator, name,
				total[reason]);
		else
			fprintf(stderr, "%s reason %d %" PRIu64, separator,
				reason, total[reason]);
		separator = ",";
	}
	fprintf(stderr, "%s\n", *separator ? "" : " none");
}

static int run_vm(struct vmm *vmm, const struct run_options *opts)
{
	struct timespec start;
	sigset_t waited;
	int ret;

	setup_signals(&waited);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		struct vmm_vcpu *vcpu = &vmm->vcpus[id];

		atomic_fetch_add(&vmm->running, 1);
		ret = pthread_create(&vcpu->thread, NULL, vmm_vcpu_thread, vcpu);
		if (ret) {
			atomic_fetch_sub(&vmm->running, 1);
			errno = ret;
			host_error("starting a vCPU thread");
			vmm_stop(vmm, VMM_STOP_HOST_ERROR, id);
			break;
		}
		vcpu->started = true;
	}
	wait_for_end(vmm, &waited, opts->timeout, &start);
	for (int id = 0; id < vmm->nr_vcpus; id++)
		if (vmm->vcpus[id].started)
			pthread_kill(vmm->vcpus[id].thread, VMM_KICK_SIGNAL);
	for (int id = 0; id < vmm->nr_vcpus; id++)
		if (vmm->vcpus[id].started)
			pthread_join(vmm->vcpus[id].thread, NULL);

	ret = report_end(vmm, opts->guest, seconds_since(&start));
	report_exits(vmm);
	return ret;
}

int mvctl_run(const char *device, int argc, char **argv)
{
	struct vmm vmm = {
		.dev = -1,
		.vm = -1,
		.main_thread = pthread_self(),
		.devices_lock = PTHREAD_MUTEX_INITIALIZER,
		.stop_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	struct run_options opts;
	struct guest_image image;
	enum vmm_mode mode;
	uint64_t entry;
	int ret;

	ret = parse_options(argc, argv, &opts);
	if (ret)
		return ret;
	vmm.trace = opts.trace;
	ret = check_host_memory(opts.mem_size);
	if (!ret)
		ret = pci_place_bars(opts.assigned, opts.nr_assigned,
				     opts.mem_size);
	if (ret)
		return ret;
	if (guest_image_read(&image, opts.guest))
		return MVCTL_EXIT_FAILURE;
	ret = map_memory(&vmm, opts.mem_size);
	if (!ret)
		ret = place_guest(&vmm, &opts, &image, &mode, &entry);
	guest_image_free(&image);
	if (!ret)
		ret = create_vm(&vmm, device, &opts);
	if (!ret)
		ret = pci_assign(&vmm, opts.assigned, opts.nr_assigned);
	if (!ret)
		ret = start_vcpus(&vmm, mode, entry);
	if (!ret)
		ret = run_vm(&vmm, &opts);
	destroy_vm(&vmm);
	return ret;
}
