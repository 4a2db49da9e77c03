// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl list: the VMs on this host, as the netlink family reports them.
 *
 * One line per VM the caller may see (its own, or all of them for root):
 * the id other commands take, the process and user that created it, its
 * vCPUs and memory, how long it has existed, and how much of its memory
 * the EPT maps now, in 4 KiB and 2 MiB pages.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "mvctl.h"

static void print_table(const struct mvctl_vm *vms, size_t count)
{
	printf("%-5s %-7s %-6s %-5s %10s %10s %8s %8s\n", "VM", "PID", "UID",
	       "VCPUS", "MEMORY", "UPTIME", "EPT-4K", "EPT-2M");
	for (size_t i = 0; i < count; i++)
		printf("%-5" PRIu32 " %-7" PRIu32 " %-6" PRIu32 " %-5" PRIu32
		       " %9" PRIu64 "K %9.1fs %8" PRIu64 " %8" PRIu64 "\n",
		       vms[i].id, vms[i].pid, vms[i].uid, vms[i].vcpus,
		       vms[i].memory >> 10, vms[i].uptime_ns / 1e9,
		       vms[i].mapped_4k, vms[i].mapped_2m);
}

static void print_json(const struct mvctl_vm *vms, size_t count)
{
	printf("[");
	for (size_t i = 0; i < count; i++)
		printf("%s{\"vm\":%" PRIu32 ",\"pid\":%" PRIu32
		       ",\"uid\":%" PRIu32 ",\"vcpus\":%" PRIu32
		       ",\"memory_bytes\":%" PRIu64 ",\"uptime_ns\":%" PRIu64
		       ",\"mapped_4k\":%" PRIu64 ",\"mapped_2m\":%" PRIu64
		       ",\"dirty_log_passes\":%" PRIu64 "}",
		       i ? "," : "", vms[i].id, vms[i].pid, vms[i].uid,
		       vms[i].vcpus, vms[i].memory, vms[i].uptime_ns,
		       vms[i].mapped_4k, vms[i].mapped_2m,
		       vms[i].dirty_log_passes);
	printf("]\n");
}

int mvctl_list(const char *device, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	struct mvctl_genl genl;
	struct mvctl_vm *vms;
	bool json = false;
	size_t count;
	int ret;

	(void)device;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, "", options, NULL)) == 'j')
		json = true;
	if (ret != -1 || optind != argc) {
		fprintf(stderr, "mvctl list: usage: mvctl list [--json]\n");
		return MVCTL_EXIT_USAGE;
	}
	if (mvctl_genl_open(&genl, "list"))
		return MVCTL_EXIT_FAILURE;
	ret = mvctl_genl_get_vms(&genl, 0, &vms, &count);
	mvctl_genl_close(&genl);
	if (ret) {
		fprintf(stderr, "mvctl list: %s\n", strerror(-ret));
		free(vms);
		return MVCTL_EXIT_FAILURE;
	}
	if (json)
		print_json(vms, count);
	else
		print_table(vms, count);
	free(vms);
	return MVCTL_EXIT_OK;
}
