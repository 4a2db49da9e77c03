// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl stat and mvctl top: where the VMs' exits go, and what they cost.
 *
 * The module counts every VM exit by its basic exit reason (Intel SDM
 * Vol. 3C, appendix C) and the TSC cycles its handling took in the kernel,
 * per vCPU. stat prints those numbers, summed over each VM's vCPUs: count,
 * mean cycles per exit and total cycles, plus how often KVM_RUN returned
 * to the VMM. top does the same every few seconds, with the rate of each
 * reason since the last refresh, the way kvm_stat shows KVM.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genl.h"
#include "json.h"
#include "mvctl.h"

/* One VM's exits, summed over its vCPUs. */
struct vm_exits {
	uint32_t vm_id;
	unsigned int vcpus;
	uint64_t user_exits;
	struct mvctl_exit by_reason[MVCTL_MAX_EXITS];	/* indexed by reason */
};

/* Sum the vCPU statistics into one struct vm_exits per VM, by VM id. */
static struct vm_exits *sum_by_vm(const struct mvctl_vcpu_stats *stats,
				  size_t count, size_t *nr_vms)
{
	struct vm_exits *vms = calloc(count ? count : 1, sizeof(*vms));
	struct vm_exits *vm;

	*nr_vms = 0;
	for (size_t i = 0; vms && i < count; i++) {
		if (!*nr_vms || vms[*nr_vms - 1].vm_id != stats[i].vm_id)
			vms[(*nr_vms)++].vm_id = stats[i].vm_id;
		vm = &vms[*nr_vms - 1];
		vm->vcpus++;
		vm->user_exits += stats[i].user_exits;
		for (size_t e = 0; e < stats[i].nr_exits; e++) {
			const struct mvctl_exit *exit = &stats[i].exits[e];
			struct mvctl_exit *sum;

			if (exit->reason >= MVCTL_MAX_EXITS)
				continue;
			sum = &vm->by_reason[exit->reason];
			sum->reason = exit->reason;
			memcpy(sum->name, exit->name, sizeof(sum->name));
			sum->count += exit->count;
			sum->cycles += exit->cycles;
		}
	}
	return vms;
}

/* Read every visible VM's statistics (or vm_id's) and sum them by VM. */
static int read_vm_exits(struct mvctl_genl *genl, uint32_t vm_id,
			 struct vm_exits **vms, size_t *nr_vms)
{
	struct mvctl_vcpu_stats *stats;
	size_t count;
	int ret = mvctl_genl_get_stats(genl, vm_id, &stats, &count);

	*vms = ret ? NULL : sum_by_vm(stats, count, nr_vms);
	free(stats);
	if (!ret && !*vms)
		ret = -ENOMEM;
	return ret;
}

static uint64_t mean(uint64_t total, uint64_t count)
{
	return count ? total / count : 0;
}

static void print_vm_table(const struct vm_exits *vm,
			   const struct vm_exits *before, double seconds)
{
	printf("VM %" PRIu32 ": %u vCPU%s, %" PRIu64 " returns to userspace\n",
	       vm->vm_id, vm->vcpus, vm->vcpus == 1 ? "" : "s",
	       vm->user_exits);
	printf("  %-28s %12s %12s %14s", "EXIT REASON", "COUNT",
	       "MEAN CYCLES", "TOTAL CYCLES");
	printf(before ? " %10s\n" : "\n", "PER SECOND");
	for (unsigned int r = 0; r < MVCTL_MAX_EXITS; r++) {
		const struct mvctl_exit *exit = &vm->by_reason[r];

		if (!exit->count)
			continue;
		printf("  %-28s %12" PRIu64 " %12" PRIu64 " %14" PRIu64,
		       exit->name, exit->count, mean(exit->cycles, exit->count),
		       exit->cycles);
		if (before)
			printf(" %10.1f", (exit->count -
					   before->by_reason[r].count) / seconds);
		printf("\n");
	}
}

static void print_vm_json(const struct vm_exits *vm)
{
	bool first = true;

	printf("{\"vm\":%" PRIu32 ",\"vcpus\":%u,\"user_exits\":%" PRIu64
	       ",\"exits\":[", vm->vm_id, vm->vcpus, vm->user_exits);
	for (unsigned int r = 0; r < MVCTL_MAX_EXITS; r++) {
		const struct mvctl_exit *exit = &vm->by_reason[r];

		if (!exit->count)
			continue;
		printf("%s{\"reason\":%u,\"name\":", first ? "" : ",", r);
		json_print_string(stdout, exit->name);
		printf(",\"count\":%" PRIu64 ",\"cycles\":%" PRIu64
		       ",\"mean_cycles\":%" PRIu64 "}", exit->count,
		       exit->cycles, mean(exit->cycles, exit->count));
		first = false;
	}
	printf("]}");
}

static void print_json(const struct vm_exits *vms, size_t nr_vms)
{
	printf("[");
	for (size_t i = 0; i < nr_vms; i++) {
		printf(i ? "," : "");
		print_vm_json(&vms[i]);
	}
	printf("]\n");
}

/* The VM of the same id in an earlier reading, if it was there. */
static const struct vm_exits *find_vm(const struct vm_exits *vms,
				      size_t nr_vms, uint32_t vm_id)
{
	for (size_t i = 0; i < nr_vms; i++)
		if (vms[i].vm_id == vm_id)
			return &vms[i];
	return NULL;
}

/* A VM id on the command line: a positive decimal number. */
static int parse_vm_id(const char *command, const char *text, uint32_t *id)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || !value || value > UINT32_MAX || text[0] == '-') {
		fprintf(stderr, "mvctl %s: '%s' is not a VM id (see mvctl list)\n",
			command, text);
		return -1;
	}
	*id = value;
	return 0;
}

static int report_error(const char *command, uint32_t vm_id, int error)
{
	if (error == -ENOENT && vm_id)
		fprintf(stderr, "mvctl %s: no VM %" PRIu32 "\n", command, vm_id);
	else if (error == -EPERM)
		fprintf(stderr, "mvctl %s: VM %" PRIu32 " belongs to another user\n",
			command, vm_id);
	else
		fprintf(stderr, "mvctl %s: %s\n", command, strerror(-error));
	return MVCTL_EXIT_FAILURE;
}

int mvctl_stat(const char *device, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	struct mvctl_genl genl;
	struct vm_exits *vms;
	bool json = false;
	uint32_t vm_id = 0;
	size_t nr_vms;
	int ret;

	(void)device;
	opterr = 0;
	while ((ret = getopt_long(argc, argv, "", options, NULL)) == 'j')
		json = true;
	if (ret != -1 || argc - optind > 1) {
		fprintf(stderr, "mvctl stat: usage: mvctl stat [VM] [--json]\n");
		return MVCTL_EXIT_USAGE;
	}
	if (optind < argc && parse_vm_id("stat", argv[optind], &vm_id))
		return MVCTL_EXIT_USAGE;
	if (mvctl_genl_open(&genl, "stat"))
		return MVCTL_EXIT_FAILURE;
	ret = read_vm_exits(&genl, vm_id, &vms, &nr_vms);
	mvctl_genl_close(&genl);
	if (ret)
		return report_error("stat", vm_id, ret);
	if (json) {
		print_json(vms, nr_vms);
	} else {
		for (size_t i = 0; i < nr_vms; i++)
			print_vm_table(&vms[i], NULL, 0);
		if (!nr_vms)
			printf("no VMs\n");
	}
	free(vms);
	return MVCTL_EXIT_OK;
}

struct top_options {
	unsigned int interval;		/* seconds between refreshes */
	unsigned long iterations;	/* 0: until interrupted */
	bool json;
};

static int parse_top_options(int argc, char **argv, struct top_options *top)
{
	static const struct option options[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	char *end;
	int opt;

	*top = (struct top_options){ .interval = 1 };
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			top->interval = strtoul(optarg, &end, 10);
			if (*end || !top->interval || top->interval > 3600)
				return -1;
			break;
		case 'n':
			top->iterations = strtoul(optarg, &end, 10);
			if (*end || optarg[0] == '-')
				return -1;
			break;
		case 'j':
			top->json = true;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int mvctl_top(const char *device, int argc, char **argv)
{
	struct vm_exits *before = NULL, *now;
	size_t nr_before = 0, nr_now;
	struct top_options top;
	struct mvctl_genl genl;
	int ret = 0;

	(void)device;
	if (parse_top_options(argc, argv, &top)) {
		fprintf(stderr,
			"mvctl top: usage: mvctl top [--interval SECONDS] [--iterations N] [--json]\n");
		return MVCTL_EXIT_USAGE;
	}
	if (mvctl_genl_open(&genl, "top"))
		return MVCTL_EXIT_FAILURE;
	for (unsigned long n = 0; !top.iterations || n < top.iterations; n++) {
		if (n)
			sleep(top.interval);
		ret = read_vm_exits(&genl, 0, &now, &nr_now);
		if (ret)
			break;
		if (top.json) {
			print_json(now, nr_now);
		} else {
			printf("\033[H\033[2Jmvctl top: %zu VM%s, every %u s (Ctrl-C quits)\n\n",
			       nr_now, nr_now == 1 ? "" : "s", top.interval);
			for (size_t i = 0; i < nr_now; i++)
				print_vm_table(&now[i],
					       find_vm(before, nr_before,
						       now[i].vm_id),
					       top.interval);
		}
		fflush(stdout);
		free(before);
		before = now;
		nr_before = nr_now;
	}
	free(before);
	mvctl_genl_close(&genl);
	return ret ? report_error("top", 0, ret) : MVCTL_EXIT_OK;
}
