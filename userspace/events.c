// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl events: follow the hypervisor's "events" multicast group.
 *
 * The module announces each VM created and destroyed, and each vCPU that
 * stopped for good: a triple fault (KVM_EXIT_SHUTDOWN) or an internal
 * error, with the reason. The group covers every VM on the host, so only
 * CAP_SYS_ADMIN may join it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "json.h"
#include "mvctl.h"

struct follower {
	bool json;
	unsigned long left;	/* events still to print; 0: no limit */
};

static int print_event(const struct mvctl_event *event, void *arg)
{
	struct follower *follower = arg;

	if (follower->json) {
		printf("{\"event\":\"%s\",\"vm\":%" PRIu32 ",\"pid\":%" PRIu32
		       ",\"uid\":%" PRIu32, mvctl_event_name(event->type),
		       event->vm_id, event->pid, event->uid);
		if (event->vcpu_id >= 0) {
			printf(",\"vcpu\":%" PRId32 ",\"reason\":",
			       event->vcpu_id);
			json_print_string(stdout, event->reason);
		}
		if (event->suberror)
			printf(",\"suberror\":%" PRIu32, event->suberror);
		printf("}\n");
	} else {
		printf("%-20s vm=%" PRIu32 " pid=%" PRIu32 " uid=%" PRIu32,
		       mvctl_event_name(event->type), event->vm_id, event->pid,
		       event->uid);
		if (event->vcpu_id >= 0)
			printf(" vcpu=%" PRId32 " reason=\"%s\"", event->vcpu_id,
			       event->reason);
		if (event->suberror)
			printf(" suberror=%" PRIu32, event->suberror);
		printf("\n");
	}
	fflush(stdout);
	return follower->left && !--follower->left;
}

int mvctl_events(const char *device, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 }
	};
	struct follower follower = { 0 };
	struct mvctl_genl genl;
	char *end;
	int opt, ret;

	(void)device;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'j') {
			follower.json = true;
		} else if (opt == 'c') {
			follower.left = strtoul(optarg, &end, 10);
			if (*end || !follower.left || optarg[0] == '-')
				opt = '?';
		}
		if (opt == '?')
			break;
	}
	if (opt == '?' || optind != argc) {
		fprintf(stderr, "mvctl events: usage: mvctl events [--count N] [--json]\n");
		return MVCTL_EXIT_USAGE;
	}
	if (mvctl_genl_open(&genl, "events"))
		return MVCTL_EXIT_FAILURE;
	ret = mvctl_genl_join_events(&genl);
	if (!ret)
		ret = mvctl_genl_receive_events(&genl, print_event, &follower);
	mvctl_genl_close(&genl);
	if (ret) {
		fprintf(stderr, "mvctl events: %s%s\n", strerror(-ret),
			ret == -EPERM ? " (the events group is for root)" : "");
		return MVCTL_EXIT_FAILURE;
	}
	return MVCTL_EXIT_OK;
}
