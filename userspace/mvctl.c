// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl: drive minivisor from the command line.
 *
 * The front end parses the global options, picks the command and hands it
 * the rest of the arguments. Each command lives in its own file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/minivisor.h>

#include "mvctl.h"

#define MVCTL_VERSION "0.1.0"

struct mvctl_command {
	const char *name;
	const char *summary;
	int (*run)(const char *device, int argc, char **argv);
};

static const struct mvctl_command commands[] = {
	{ "info", "show the device, its KVM API version and capabilities",
	  mvctl_info },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mvctl [--device PATH] COMMAND [ARGS]\n"
		"       mvctl --help | --version\n\n"
		"Drive minivisor, the small VT-x hypervisor, through %s.\n\n"
		"Commands:\n", MINIVISOR_DEVICE_PATH);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out,
		"\nOptions:\n"
		"  --device PATH  the minivisor device (default %s)\n"
		"  --help         show this help\n"
		"  --version      show mvctl's version\n\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		MINIVISOR_DEVICE_PATH);
}

int mvctl_open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "mvctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is the minivisor module loaded?)" :
			"");
	return fd;
}

int main(int argc, char **argv)
{
	const char *device = MINIVISOR_DEVICE_PATH;
	int arg = 1;

	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		if (!strcmp(argv[arg], "--help")) {
			usage(stdout);
			return MVCTL_EXIT_OK;
		} else if (!strcmp(argv[arg], "--version")) {
			printf("mvctl %s\n", MVCTL_VERSION);
			return MVCTL_EXIT_OK;
		} else if (!strcmp(argv[arg], "--device") && arg + 1 < argc) {
			device = argv[++arg];
		} else {
			fprintf(stderr, "mvctl: unknown option '%s'\n",
				argv[arg]);
			usage(stderr);
			return MVCTL_EXIT_USAGE;
		}
	}

	if (arg == argc) {
		usage(stderr);
		return MVCTL_EXIT_USAGE;
	}

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[arg], commands[i].name))
			return commands[i].run(device, argc - arg, argv + arg);

	fprintf(stderr, "mvctl: unknown command '%s'\n", argv[arg]);
	usage(stderr);
	return MVCTL_EXIT_USAGE;
}
