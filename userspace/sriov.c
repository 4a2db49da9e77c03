// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl sriov: SR-IOV virtual functions and the PCI functions minivisor
 * claims for assignment, over the netlink family (root only).
 *
 *   mvctl sriov list [--json]     PFs, VFs, claimed and assigned functions
 *   mvctl sriov enable PF N       N VFs on the PF at address PF
 *   mvctl sriov disable PF        none
 *   mvctl sriov claim BDF         unbind BDF from its driver, bind minivisor
 *   mvctl sriov release BDF       hand BDF back to the host
 *
 * Functions are named by their PCI address, as in /sys/bus/pci/devices:
 * domain:bus:device.function, "0000:01:00.0".
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/minivisor.h>

#include "genl.h"
#include "json.h"
#include "mvctl.h"

#define SRIOV_USAGE \
	"usage: mvctl sriov list [--json] | enable PF N | disable PF | claim BDF | release BDF\n"

static void print_table(const struct mvctl_pci_function *functions,
			size_t count)
{
	printf("%-13s %-8s %-9s %-8s %-4s %-14s %-13s %s\n", "FUNCTION",
	       "KIND", "ID", "STATE", "VM", "DRIVER", "PF", "VFS");
	for (size_t i = 0; i < count; i++) {
		const struct mvctl_pci_function *f = &functions[i];
		char vfs[32] = "-", vm[16] = "-";

		if (f->kind == MINIVISOR_PCI_PF)
			snprintf(vfs, sizeof(vfs), "%" PRIu32 "/%" PRIu32,
				 f->nr_vfs, f->total_vfs);
		if (f->vm_id)
			snprintf(vm, sizeof(vm), "%" PRIu32, f->vm_id);
		printf("%-13s %-8s %04" PRIx16 ":%04" PRIx16 " %-8s %-4s %-14s %-13s %s\n",
		       f->address, mvctl_pci_kind_name(f->kind), f->vendor,
		       f->device, mvctl_pci_state_name(f->state), vm,
		       f->driver[0] ? f->driver : "-", f->pf[0] ? f->pf : "-",
		       vfs);
	}
}

static void print_json(const struct mvctl_pci_function *functions,
		       size_t count)
{
	printf("[");
	for (size_t i = 0; i < count; i++) {
		const struct mvctl_pci_function *f = &functions[i];

		printf("%s{\"address\":", i ? "," : "");
		json_print_string(stdout, f->address);
		printf(",\"kind\":\"%s\",\"state\":\"%s\",\"vendor\":%" PRIu16
		       ",\"device\":%" PRIu16 ",\"driver\":",
		       mvctl_pci_kind_name(f->kind),
		       mvctl_pci_state_name(f->state), f->vendor, f->device);
		if (f->driver[0])
			json_print_string(stdout, f->driver);
		else
			printf("null");
		if (f->kind == MINIVISOR_PCI_PF)
			printf(",\"vfs\":%" PRIu32 ",\"total_vfs\":%" PRIu32,
			       f->nr_vfs, f->total_vfs);
		if (f->kind == MINIVISOR_PCI_VF) {
			printf(",\"pf\":");
			json_print_string(stdout, f->pf);
		}
		if (f->vm_id)
			printf(",\"vm\":%" PRIu32, f->vm_id);
		printf("}");
	}
	printf("]\n");
}

static int list(struct mvctl_genl *genl, bool json)
{
	struct mvctl_pci_function *functions;
	size_t count;
	int ret = mvctl_genl_sriov_list(genl, &functions, &count);

	if (!ret) {
		if (json)
			print_json(functions, count);
		else
			print_table(functions, count);
	}
	free(functions);
	return ret;
}

/* What an errno means for the subcommand that got it. */
static const char *explain(const char *subcommand, int error)
{
	switch (error) {
	case EPERM:
		return "only root (CAP_SYS_ADMIN) may";
	case ENODEV:
		return "no PCI function at that address";
	case EOPNOTSUPP:
		return "the PF's driver cannot configure VFs";
	case EBUSY:
		if (!strcmp(subcommand, "claim"))
			return "already claimed, a PF with VFs enabled, or its IOMMU group is in use";
		return "VFs are claimed, or other VFs are enabled; see mvctl sriov list";
	case EINVAL:
		if (!strcmp(subcommand, "release"))
			return "not claimed by minivisor, or a malformed address";
		if (!strcmp(subcommand, "claim"))
			return "a bridge, or a malformed address";
		return "not an SR-IOV PF, a VF count out of range, or a malformed address";
	default:
		return strerror(error);
	}
}

/* The VF count of mvctl sriov enable: 1 or more, in decimal. */
static bool parse_count(const char *text, uint32_t *count)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || !value ||
	    value > UINT16_MAX)
		return false;
	*count = value;
	return true;
}

int mvctl_sriov(const char *device, int argc, char **argv)
{
	const char *subcommand = argc > 1 ? argv[1] : "";
	struct mvctl_genl genl;
	uint32_t count = 0;
	int ret;

	(void)device;
	if (!strcmp(subcommand, "list")) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json")))
			goto usage;
	} else if (!strcmp(subcommand, "enable")) {
		if (argc != 4 || !parse_count(argv[3], &count))
			goto usage;
	} else if (!strcmp(subcommand, "disable") ||
		   !strcmp(subcommand, "claim") ||
		   !strcmp(subcommand, "release")) {
		if (argc != 3)
			goto usage;
	} else {
		goto usage;
	}

	if (mvctl_genl_open(&genl, "sriov"))
		return MVCTL_EXIT_FAILURE;
	if (!strcmp(subcommand, "list"))
		ret = list(&genl, argc == 3);
	else if (!strcmp(subcommand, "enable"))
		ret = mvctl_genl_sriov_enable(&genl, argv[2], count);
	else if (!strcmp(subcommand, "disable"))
		ret = mvctl_genl_sriov_disable(&genl, argv[2]);
	else if (!strcmp(subcommand, "claim"))
		ret = mvctl_genl_pci_claim(&genl, argv[2]);
	else
		ret = mvctl_genl_pci_release(&genl, argv[2]);
	mvctl_genl_close(&genl);
	if (ret) {
		fprintf(stderr, "mvctl sriov %s%s%s: %s (%s)\n", subcommand,
			argc > 2 && strcmp(subcommand, "list") ? " " : "",
			argc > 2 && strcmp(subcommand, "list") ? argv[2] : "",
			explain(subcommand, -ret), strerror(-ret));
		return MVCTL_EXIT_FAILURE;
	}
	return MVCTL_EXIT_OK;

usage:
	fprintf(stderr, "mvctl sriov: " SRIOV_USAGE);
	return MVCTL_EXIT_USAGE;
}
