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
	{ "run", "run a guest (a flat binary or an ELF) in a new VM",
	  mvctl_run },
	{ "list", "list the VMs: creator, vCPUs, memory, EPT mappings",
	  mvctl_list },
	{ "stat", "exits of each VM by reason: count and cycles",
	  mvctl_stat },
	{ "top", "the same, refreshed, with the rate of each reason",
	  mvctl_top },
	{ "events", "follow VMs created and destroyed, vCPUs that stopped",
	  mvctl_events },
	{ "lab", "one workload, natively and in VMs with each way of doing I/O",
	  mvctl_lab },
	{ "sriov", "SR-IOV VFs and PCI functions claimed for assignment",
	  mvctl_sriov },
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
		"  --device PATH  the KVM API device (default %s; /dev/kvm works too)\n"
		"  --help         show this help\n"
		"  --version      show mvctl's version\n"
		"\n"
		"mvctl run GUEST [--mem SIZE] [--mode real|protected|long] [--entry ADDR]\n"
		"          [--vcpus N] [--timeout SECONDS] [--trace]\n"
		"          [--assign BDF[,barN=ADDR...]]...\n"
		"  GUEST is an ELF executable (loaded by its program headers, started at\n"
		"  its entry) or a flat binary (loaded and started at --entry, by default\n"
		"  0x7c00 in real mode, 0x100000 otherwise).\n"
		"  --mem SIZE       guest memory, bytes or K/M/G (default 16M, 1M to 4G)\n"
		"  --mode MODE      real, protected (flat segments, no paging) or long\n"
		"                   (identity-mapped 4 GiB); default: long for a 64-bit\n"
		"                   ELF, protected for a 32-bit ELF, real for a flat binary\n"
		"  --entry ADDR     the guest physical entry point\n"
		"  --vcpus N        N vCPUs, one thread each, all starting at the entry\n"
		"                   with their vCPU id (0 to N-1) in RDI\n"
		"  --timeout SECS   stop the guest after SECS seconds\n"
		"  --trace          print every exit (reason, RIP, details) on stderr\n"
		"  --assign BDF     give the guest the host PCI function BDF (up to 4 times),\n"
		"                   claimed first with mvctl sriov claim; root only. Its\n"
		"                   memory BARs are mapped from 0xc0000000 up (above guest\n"
		"                   memory, below 4 GiB), aligned to their sizes, or at\n"
		"                   ADDR for barN=ADDR; the guest reaches them without\n"
		"                   VM exits. Without an IOMMU the module refuses unless\n"
		"                   its allow_unsafe_noiommu parameter is set\n"
		"  Devices: a 16550 UART at 0x3f8 (output to stdout, input from stdin),\n"
		"  a debug console at 0xe9 (output to stdout), an exit port at 0xf4 (the\n"
		"  value written ends the run and is the exit status), and a PCI bus\n"
		"  (configuration mechanism #1 at 0xcf8 and 0xcfc-0xcff) where the\n"
		"  --assign functions are devices 1, 2, ... of bus 0, function 0; the\n"
		"  other slots read as all ones. Any other port or MMIO address is\n"
		"  reported once per address on stderr, then reads as all ones and\n"
		"  ignores writes. Ctrl-C stops the guest. On the way out, mvctl prints\n"
		"  why the run ended, its time and the exits by KVM exit reason on\n"
		"  stderr.\n"
		"\n"
		"mvctl list [--json]\n"
		"mvctl stat [VM] [--json]\n"
		"mvctl top [--interval SECONDS] [--iterations N] [--json]\n"
		"mvctl events [--count N] [--json]\n"
		"  These ask the module over its generic netlink family \"minivisor\".\n"
		"  A user sees the VMs they created; root sees all, and only root may\n"
		"  follow events. VM is an id from mvctl list. --json prints JSON for\n"
		"  scripts (top: one array per refresh; events: one object per line).\n"
		"\n"
		"mvctl lab [--kib N] [--models M,M...] [--json] [--chart FILE] [--trace]\n"
		"          [--guest FILE] [--qemu PATH] [--assign BDF]\n"
		"  The teaching lab's measurement: a workload that checksums 256 KiB, then\n"
		"  moves N KiB (default 16, up to 1024) out to a device and back, run as\n"
		"  this process (native), under QEMU's binary translator (TCG, compute\n"
		"  only; QEMU from PATH, default /usr/bin/qemu-system-x86_64), then in a\n"
		"  VM once per I/O model: none, a port access per byte, an MMIO access\n"
		"  per 32 bits, minivisor's paravirtual ring with a doorbell port or a\n"
		"  hypercall and, with --assign (as for run; an e1000), the registers of\n"
		"  an assigned PCI function. For each: TSC ticks of both parts, the\n"
		"  compute part against native, the I/O's exits to mvctl and whether\n"
		"  every checksum is right. --models runs only those (native always runs).\n"
		"  --chart draws them with gnuplot into FILE (PNG), or writes gnuplot's\n"
		"  script if FILE ends in .gp. --trace prints the VMs' exits as run's\n"
		"  does. The guest is guests/lab.elf beside mvctl unless --guest says.\n"
		"\n"
		"mvctl sriov list [--json]\n"
		"mvctl sriov enable PF N | disable PF\n"
		"mvctl sriov claim BDF | release BDF\n"
		"  SR-IOV physical functions (PF), their virtual functions (VF) and the\n"
		"  functions minivisor has claimed, with their state and driver; N VFs on\n"
		"  a PF (through its driver, or minivisor's \"minivisor-pf\" when it has\n"
		"  none), or none; claim a function for assignment to a VM (its driver is\n"
		"  unbound, minivisor's driver \"minivisor\" bound, its DMA blocked) and\n"
		"  give it back. Functions are named by PCI address, as in\n"
		"  /sys/bus/pci/devices (0000:01:00.0). Root only.\n"
		"\n"
		"Exit status: 0 success (run: every vCPU halted), 1 failure, 2 usage\n"
		"error; run also: 3 the guest crashed (triple fault, internal error or\n"
		"failed VM entry), 124 --timeout expired, 128+N stopped by signal N\n"
		"(130 for Ctrl-C), or the value the guest wrote to the exit port.\n",
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
			fprintf(stderr, "mvctl: unknown option '%s' (see mvctl --help)\n",
				argv[arg]);
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

	fprintf(stderr, "mvctl: unknown command '%s' (see mvctl --help)\n",
		argv[arg]);
	return MVCTL_EXIT_USAGE;
}
