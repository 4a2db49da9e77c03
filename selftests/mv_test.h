/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every minivisor selftest needs from the emulated host: loading and
 * unloading the module, and reading the kernel log.
 *
 * The runner's /init tells the tests about their host in the environment:
 * MV_MODULE is the path of minivisor.ko, MV_EXPECT_VTX is 1 where the host
 * offers VT-x (Bochs) and 0 where it does not (QEMU TCG). MV_KVM_MODULES
 * is where Debian's KVM modules are, on hosts with VT-x.
 */
#ifndef MV_TEST_H
#define MV_TEST_H

#include <stdbool.h>
#include <stddef.h>

/* finit_module() of the module file at path; returns 0 or -errno. */
int mv_module_insert(const char *path);

/* delete_module() of the named module; returns 0 or -errno. */
int mv_module_remove(const char *name);

/* Insert $MV_MODULE (minivisor.ko); returns 0 or -errno. */
int mv_module_load(void);

/* Remove minivisor; returns 0 or -errno. */
int mv_module_unload(void);

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

/* Whether the host under test offers VT-x, from $MV_EXPECT_VTX. */
bool mv_host_has_vtx(void);

/*
 * Copy the text after the last kernel log line's "needle" into line (at
 * most size bytes, NUL-terminated, without the newline). Returns how many
 * lines of the log hold needle, or -errno.
 */
int mv_kernel_log_last(const char *needle, char *line, size_t size);

#endif /* MV_TEST_H */
