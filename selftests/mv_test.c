// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' view of the emulated host: the module as a file to load
 * with finit_module(2), and the kernel log as read by dmesg.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>

#include <linux/kvm.h>

#include "mv_test.h"

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* kvm_intel and what it needs, in load order. */
static const char *const kvm_modules[] = {
	"irqbypass.ko", "kvm.ko", "kvm-intel.ko",
};

int mv_module_insert(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

int mv_module_remove(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int mv_module_load(void)
{
	const char *path = getenv("MV_MODULE");

	return path ? mv_module_insert(path) : -ENOENT;
}

int mv_module_unload(void)
{
	return mv_module_remove("minivisor");
}

int mv_kvm_load(void)
{
	const char *dir = getenv("MV_KVM_MODULES");
	char path[PATH_MAX];
	int ret;

	if (!dir)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(kvm_modules); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kvm_modules[i]);
		ret = mv_module_insert(path);
		if (ret && ret != -EEXIST)
			return ret;
	}
	return 0;
}

bool mv_kvm_can_enter_vmx(int kvm)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0)
		return false;
	close(vm);
	return true;
}

int mv_kvm_check_idle(void)
{
	int users = mv_module_refcount("kvm_intel");

	if (users < 0)
		return users;
	return users ? -EBUSY : 0;
}

int mv_module_refcount(const char *name)
{
	char path[PATH_MAX];
	int count = -ENOENT;
	FILE *file;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	if (fscanf(file, "%d", &count) != 1)
		count = -EINVAL;
	fclose(file);
	return count;
}

bool mv_host_has_vtx(void)
{
	const char *vtx = getenv("MV_EXPECT_VTX");

	return vtx && !strcmp(vtx, "1");
}

int mv_kernel_log_last(const char *needle, char *line, size_t size)
{
	int log_size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *log, *found, *end;
	int matches = 0, len;

	if (log_size < 0)
		return -errno;
	log = malloc(log_size + 1);
	if (!log)
		return -ENOMEM;
	len = klogctl(SYSLOG_ACTION_READ_ALL, log, log_size);
	if (len < 0) {
		free(log);
		return -errno;
	}
	log[len] = '\0';

	line[0] = '\0';
	for (found = strstr(log, needle); found;
	     found = strstr(found + 1, needle)) {
		size_t n;

		matches++;
		end = strchrnul(found + strlen(needle), '\n');
		n = end - (found + strlen(needle));
		if (n >= size)
			n = size - 1;
		memcpy(line, found + strlen(needle), n);
		line[n] = '\0';
	}
	free(log);
	return matches;
}
