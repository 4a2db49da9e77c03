// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' view of the emulated host: the module as a file to load
 * with finit_module(2), the kernel log as read by dmesg, and the PCI
 * functions as sysfs shows them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "mv_test.h"

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define NVME_MODULES	"/lib/nvme"
/* Every WARN and BUG starts with this line. */
#define WARN_MARKER	"------------[ cut here ]------------"

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

int mv_memcg_create(const char *name)
{
	char path[PATH_MAX];

	if (mkdir(MV_MEMCG_MOUNT, 0755) && errno != EEXIST)
		return -errno;
	if (access(MV_MEMCG_MOUNT "/memory.limit_in_bytes", F_OK) &&
	    mount("cgroup", MV_MEMCG_MOUNT, "cgroup", 0, "memory"))
		return -errno;
	snprintf(path, sizeof(path), MV_MEMCG_MOUNT "/%s", name);
	rmdir(path);
	return mkdir(path, 0755) ? -errno : 0;
}

int mv_set_cpu_online(int cpu, bool online)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return mv_write_file(path, online ? "1" : "0");
}

int mv_delay_module_load(void)
{
	const char *path = getenv("MV_DELAY_MODULE");

	return path ? mv_module_insert(path) : -ENOENT;
}

int mv_delay_set(const char *param, unsigned long value)
{
	char path[PATH_MAX], text[32];

	snprintf(path, sizeof(path), "/sys/module/minivisor/parameters/%s",
		 param);
	snprintf(text, sizeof(text), "%lu", value);
	return mv_write_file(path, text);
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

double mv_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

int mv_mvctl_output(char *out, size_t size, const char *const *args)
{
	const char *path = getenv("MV_MVCTL");
	char command[512];
	size_t len;
	FILE *pipe;

	snprintf(command, sizeof(command), "%s", path ? path : "/bin/mvctl");
	for (; *args; args++) {
		len = strlen(command);
		snprintf(command + len, sizeof(command) - len, " %s", *args);
	}
	pipe = popen(command, "r");
	if (!pipe)
		return -1;
	len = fread(out, 1, size - 1, pipe);
	out[len] = '\0';
	return pclose(pipe);
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

int mv_kernel_warnings(void)
{
	char line[128];

	return mv_kernel_log_last(WARN_MARKER, line, sizeof(line));
}

int mv_nvme_load(void)
{
	FILE *order = fopen(NVME_MODULES "/order", "r");
	char name[NAME_MAX + 1], path[PATH_MAX];
	int ret = 0;

	if (!order)
		return -errno;
	while (!ret && fgets(name, sizeof(name), order)) {
		name[strcspn(name, "\n")] = '\0';
		snprintf(path, sizeof(path), NVME_MODULES "/%s", name);
		ret = mv_module_insert(path);
		if (ret == -EEXIST)
			ret = 0;
	}
	fclose(order);
	return ret;
}

int mv_read_line(const char *path, char *buf, size_t size)
{
	FILE *file = fopen(path, "r");
	int ret = 0;

	if (!file)
		return -errno;
	if (!fgets(buf, size, file))
		ret = -EIO;
	fclose(file);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

int mv_write_file(const char *path, const char *value)
{
	FILE *file = fopen(path, "w");
	int ret = 0;

	if (!file)
		return -errno;
	if (fputs(value, file) < 0 || fflush(file))
		ret = -errno;
	if (fclose(file) && !ret)
		ret = -errno;
	return ret;
}

int mv_pci_read_attr(const char *address, const char *name, char *buf,
		     size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", address, name);
	return mv_read_line(path, buf, size);
}

int mv_pci_write_attr(const char *address, const char *name,
		      const char *value)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", address, name);
	return mv_write_file(path, value);
}

long mv_pci_numeric_attr(const char *address, const char *name)
{
	char buf[32];

	return mv_pci_read_attr(address, name, buf, sizeof(buf)) ? -1 :
	       strtol(buf, NULL, 0);
}

void mv_pci_link_target(const char *address, const char *name, char *buf,
			size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", address, name);
	len = readlink(path, target, sizeof(target) - 1);
	buf[0] = '\0';
	if (len <= 0)
		return;
	target[len] = '\0';
	snprintf(buf, size, "%s", strrchr(target, '/') + 1);
}

/* The first function for which match() holds, or "". */
static void find_first(bool (*match)(const char *address, long vendor,
				     long device),
		       long vendor, long device, char *address, size_t size)
{
	DIR *dir = opendir(PCI_DEVICES);
	struct dirent *entry;

	address[0] = '\0';
	while (dir && (entry = readdir(dir))) {
		if (entry->d_name[0] != '.' &&
		    match(entry->d_name, vendor, device)) {
			snprintf(address, size, "%s", entry->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
}

static bool has_two_vfs(const char *address, long vendor, long device)
{
	(void)vendor;
	(void)device;
	return mv_pci_numeric_attr(address, "sriov_totalvfs") >= 2;
}

static bool has_ids(const char *address, long vendor, long device)
{
	return mv_pci_numeric_attr(address, "vendor") == vendor &&
	       mv_pci_numeric_attr(address, "device") == device;
}

void mv_pci_find_pf(char *address, size_t size)
{
	find_first(has_two_vfs, 0, 0, address, size);
}

void mv_pci_find_function(long vendor, long device, char *address,
			  size_t size)
{
	find_first(has_ids, vendor, device, address, size);
}

uint32_t mv_pci_address(const char *text)
{
	unsigned int segment, bus, device, function;

	if (sscanf(text, "%x:%x:%x.%x", &segment, &bus, &device,
		   &function) != 4)
		return 0;
	return minivisor_pci_address(segment, bus, device, function);
}
