/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every minivisor selftest needs from the emulated host: loading and
 * unloading the module, reading the kernel log, small files, and the PCI
 * functions the kernel shows in sysfs.
 *
 * The runner's /init tells the tests about their host in the environment:
 * MV_MODULE is the path of minivisor.ko, MV_DELAY_MODULE that of its test
 * build with delay points (module/delay.h), MV_EXPECT_VTX is 1 where the host
 * offers VT-x (Bochs) and 0 where it does not (QEMU TCG). MV_KVM_MODULES
 * is where Debian's KVM modules are, on hosts with VT-x.
 */
#ifndef MV_TEST_H
#define MV_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* finit_module() of the module file at path; returns 0 or -errno. */
int mv_module_insert(const char *path);

/* delete_module() of the named module; returns 0 or -errno. */
int mv_module_remove(const char *name);

/* Insert $MV_MODULE (minivisor.ko); returns 0 or -errno. */
int mv_module_load(void);

/* Remove minivisor; returns 0 or -errno. */
int mv_module_unload(void);

/* The cgroup v1 memory hierarchy, where the suites that need it mount it. */
#define MV_MEMCG_MOUNT "/tmp/mv-memcg"

/*
 * A fresh memory cgroup MV_MEMCG_MOUNT/name, the v1 hierarchy mounted
 * first if it is not (a controller lives in one hierarchy only, so every
 * suite uses v1). Returns 0 or -errno.
 */
int mv_memcg_create(const char *name);

/* Take CPU cpu offline or bring it back; returns 0 or -errno. */
int mv_set_cpu_online(int cpu, bool online);

/* Insert $MV_DELAY_MODULE, the test build; returns 0 or -errno. */
int mv_delay_module_load(void);

/*
 * Set a delay point of the test build, by its module parameter's name
 * (delay_fault_ms, ...); returns 0 or -errno.
 */
int mv_delay_set(const char *param, unsigned long value);

/*
 * Make sure kvm_intel and what it needs are loaded, from $MV_KVM_MODULES,
 * the directory holding Debian's irqbypass.ko, kvm.ko and kvm-intel.ko:
 * KVM is the reference minivisor is checked against, in the same boot.
 * They stay loaded (loading kvm.ko takes many seconds in Bochs); loaded,
 * kvm_intel holds VMX only while one of its VMs exists.
 */
int mv_kvm_load(void);

/*
 * Whether KVM can enter VMX operation now: it creates (and drops) a VM on
 * the /dev/kvm descriptor kvm. kvm_intel enters VMX on every CPU for its
 * first VM and fails with EBUSY where another hypervisor already did.
 */
bool mv_kvm_can_enter_vmx(int kvm);

/* 0 once kvm_intel has no user left (no VM, no open /dev/kvm), or -errno. */
int mv_kvm_check_idle(void);

/* The reference count of a loaded module, or -errno. */
int mv_module_refcount(const char *name);

struct timespec;

/*
 * Seconds on CLOCK_MONOTONIC since start (in the emulated hosts, the
 * emulator's clock).
 */
double mv_seconds_since(const struct timespec *start);

/*
 * Run mvctl ($MV_MVCTL, or /bin/mvctl) with args (NULL-terminated) and
 * collect its standard output in out (at most size bytes, NUL-terminated).
 * Returns its wait status (0: it exited with 0), or -1.
 */
int mv_mvctl_output(char *out, size_t size, const char *const *args);

/* Whether the host under test offers VT-x, from $MV_EXPECT_VTX. */
bool mv_host_has_vtx(void);

/*
 * Copy the text after the last kernel log line's "needle" into line (at
 * most size bytes, NUL-terminated, without the newline). Returns how many
 * lines of the log hold needle, or -errno.
 */
int mv_kernel_log_last(const char *needle, char *line, size_t size);

/* How many WARNs and BUGs the kernel log holds, or -errno. */
int mv_kernel_warnings(void);

/*
 * finit_module() each module that /lib/nvme/order names (Debian's nvme.ko
 * and what it needs, copied by initramfs.sh), in its order; one already
 * loaded is fine. 0, or -errno (-ENOENT: no such list).
 */
int mv_nvme_load(void);

/* The first line of the file at path, newline cut; 0 or -errno. */
int mv_read_line(const char *path, char *buf, size_t size);

/* Write value to the file at path, as one write; 0 or -errno. */
int mv_write_file(const char *path, const char *value);

/*
 * PCI functions, named by their address in sysfs ("0000:01:00.1"), and
 * their files in /sys/bus/pci/devices/ADDRESS/.
 */

/* The first line of the function's file name, newline cut; 0 or -errno. */
int mv_pci_read_attr(const char *address, const char *name, char *buf,
		     size_t size);

/* Write value to the function's file name; 0 or -errno. */
int mv_pci_write_attr(const char *address, const char *name,
		      const char *value);

/* The number in the function's file name, decimal or 0x hex; -1 if none. */
long mv_pci_numeric_attr(const char *address, const char *name);

/* The last path component of the function's link name; "" if none. */
void mv_pci_link_target(const char *address, const char *name, char *buf,
			size_t size);

/* The first function with a TotalVFs of at least two, or "". */
void mv_pci_find_pf(char *address, size_t size);

/* The first function with these vendor and device ids, or "". */
void mv_pci_find_function(long vendor, long device, char *address,
			  size_t size);

/* minivisor_pci_address() of "0000:01:00.1"; 0 if it does not parse. */
uint32_t mv_pci_address(const char *text);

#endif /* MV_TEST_H */
