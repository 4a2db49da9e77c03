// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl info: what the device says about itself.
 *
 * Everything here comes from the system ioctls a KVM client starts with:
 * KVM_GET_API_VERSION, KVM_GET_VCPU_MMAP_SIZE and KVM_CHECK_EXTENSION for
 * the capabilities minivisor implements or plans to. A capability answers
 * 0 until it works end to end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "mvctl.h"

#define CAPABILITY(name) { name, #name }

static const struct {
	int cap;
	const char *name;
} capabilities[] = {
	CAPABILITY(KVM_CAP_USER_MEMORY),
	CAPABILITY(KVM_CAP_NR_MEMSLOTS),
	CAPABILITY(KVM_CAP_READONLY_MEM),
	CAPABILITY(KVM_CAP_SYNC_MMU),
	CAPABILITY(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2),
	CAPABILITY(KVM_CAP_NR_VCPUS),
	CAPABILITY(KVM_CAP_MAX_VCPUS),
	CAPABILITY(KVM_CAP_MAX_VCPU_ID),
	CAPABILITY(KVM_CAP_EXT_CPUID),
	CAPABILITY(KVM_CAP_IMMEDIATE_EXIT),
	CAPABILITY(KVM_CAP_MP_STATE),
	CAPABILITY(KVM_CAP_VCPU_EVENTS),
	CAPABILITY(KVM_CAP_EXIT_HYPERCALL),
};

int mvctl_info(const char *device, int argc, char **argv)
{
	int fd, version, mmap_size;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "mvctl info: takes no arguments\n");
		return MVCTL_EXIT_USAGE;
	}

	fd = mvctl_open_device(device);
	if (fd < 0)
		return MVCTL_EXIT_FAILURE;

	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	mmap_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (version < 0 || mmap_size < 0) {
		fprintf(stderr, "mvctl info: %s: %s\n", device,
			strerror(errno));
		close(fd);
		return MVCTL_EXIT_FAILURE;
	}

	printf("device             %s\n", device);
	printf("KVM API version    %d\n", version);
	printf("vCPU mmap size     %d bytes\n", mmap_size);
	printf("capabilities (KVM_CHECK_EXTENSION):\n");
	for (size_t i = 0; i < sizeof(capabilities) / sizeof(capabilities[0]);
	     i++)
		printf("  %-36s %d\n", capabilities[i].name,
		       ioctl(fd, KVM_CHECK_EXTENSION, capabilities[i].cap));

	close(fd);
	return MVCTL_EXIT_OK;
}
