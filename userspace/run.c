// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl run: a small VMM on the plain KVM API, run on /dev/minivisor (or
 * any device speaking that API, /dev/kvm included).
 *
 * This file reads the command line; machine.c builds the VM from it,
 * with the host PCI functions --assign names (pci.c), and runs it until
 * every vCPU halted, the guest wrote to the exit port, a triple fault or
 * error, Ctrl-C (SIGINT) or SIGTERM, or --timeout. Then it prints a
 * summary on stderr: why the run ended, how long it took and the exits
 * by KVM exit reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "mvctl.h"

#define MEM_DEFAULT	(16ULL << 20)
#define MEM_MIN		(1ULL << 20)
#define MEM_MAX		(4ULL << 30)
#define VCPUS_MAX	1024

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
static int parse_assign(struct machine_config *opts, const char *value)
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

static int parse_options(int argc, char **argv, struct machine_config *opts)
{
	*opts = (struct machine_config){
		.command = "run",
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

int mvctl_run(const char *device, int argc, char **argv)
{
	struct machine_config config;
	struct vmm vmm;
	double seconds;
	int ret;

	ret = parse_options(argc, argv, &config);
	if (ret)
		return ret;
	machine_init(&vmm, &config);
	ret = machine_build(&vmm, device, &config);
	if (!ret) {
		seconds = machine_run(&vmm, &config);
		ret = report_end(&vmm, config.guest, seconds);
		report_exits(&vmm);
	}
	machine_destroy(&vmm);
	return ret;
}
