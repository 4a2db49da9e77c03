/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny VMM on the plain KVM API, for tests that run guests on /dev/kvm
 * and /dev/minivisor alike: one VM with VMM_MEM_SIZE bytes of memory at
 * guest physical 0 and one vCPU, set up to run a guest program (guests.h)
 * in real mode, 32-bit protected mode or 64-bit long mode.
 *
 * Guest physical memory, as vmm_load() lays it out:
 *
 *   0x00000  the real-mode interrupt vector table
 *   0x01000  the guest program (VMM_CODE_ADDR)
 *   0x10000  the GDT of the protected and long modes (VMM_GDT_ADDR)
 *   0x11000  the long mode's page tables: PML4, PDPT, PD (VMM_PML4_ADDR)
 *   0x80000  top of the stack of the protected and long modes
 *
 * In real mode CS, DS, ES, FS, GS and SS all hold VMM_CODE_ADDR >> 4, IP
 * is 0 and SP is VMM_REAL_MODE_SP, so the stack ends below 0x10000. The
 * other two modes use flat 4 GiB segments; long mode identity-maps the
 * first GiB with 2 MiB pages.
 */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VMM_MEM_SIZE		(4UL << 20)
#define VMM_CODE_ADDR		0x1000UL
#define VMM_CODE_MAX		0x8000UL
#define VMM_REAL_MODE_SP	0xf000UL
#define VMM_GDT_ADDR		0x10000UL
#define VMM_PML4_ADDR		0x11000UL
#define VMM_STACK_TOP		0x80000UL

/* The GDT's selectors. */
#define VMM_SEL_CODE32		0x08
#define VMM_SEL_DATA		0x10
#define VMM_SEL_CODE64		0x18

/* Bits of the control registers and EFER the modes are made of. */
#define VMM_CR0_PE		(1UL << 0)
#define VMM_CR0_MP		(1UL << 1)
#define VMM_CR0_ET		(1UL << 4)
#define VMM_CR0_NE		(1UL << 5)
#define VMM_CR0_PG		(1UL << 31)
#define VMM_CR4_PAE		(1UL << 5)
#define VMM_CR4_OSFXSR		(1UL << 9)
#define VMM_CR4_OSXMMEXCPT	(1UL << 10)
#define VMM_EFER_LME		(1UL << 8)
#define VMM_EFER_LMA		(1UL << 10)

#define VMM_RFLAGS_FIXED	(1UL << 1)
#define VMM_RFLAGS_IF		(1UL << 9)

/*
 * A device offering the KVM API: how to load its modules, and how to give
 * them back, failing if something still holds them (a leak).
 */
struct vmm_device {
	const char *path;
	int (*load)(void);
	int (*release)(void);
};

/* Debian's kvm_intel on /dev/kvm: the reference. */
extern const struct vmm_device vmm_kvm;
/* minivisor on /dev/minivisor: the one under test. */
extern const struct vmm_device vmm_minivisor;

enum vmm_mode {
	VMM_REAL_MODE,
	VMM_PROTECTED_MODE,
	VMM_LONG_MODE,
};

struct vmm {
	const struct vmm_device *device;
	int dev, vm, vcpu;	/* file descriptors, -1 when not open */
	struct kvm_run *run;	/* the vCPU's mmap()ed kvm_run */
	size_t run_size;
	uint8_t *mem;		/* guest physical 0 .. VMM_MEM_SIZE */
};

/*
 * Load the device's modules, open it, and create the VM, its memory and
 * vCPU 0 with its kvm_run mapped. Returns 0, or -errno with everything
 * undone, modules released included.
 */
int vmm_create(struct vmm *vmm, const struct vmm_device *device);

/*
 * vmm_create() for a VM with its local APICs in the kernel: KVM_ENABLE_CAP
 * of KVM_CAP_SPLIT_IRQCHIP, for an IOAPIC of VMM_IOAPIC_PINS pins in
 * userspace, before vCPU 0 (api.rst 7.11).
 */
#define VMM_IOAPIC_PINS 24
int vmm_create_split_irqchip(struct vmm *vmm, const struct vmm_device *device);

/*
 * Close what vmm_create() opened and release the device's modules.
 * Returns 0 or the -errno of the release.
 */
int vmm_destroy(struct vmm *vmm);

/*
 * vmm_create() and vmm_destroy() without the modules: for a caller that
 * loads the device once and creates many VMs on it. vmm_open() returns 0,
 * or -errno with everything undone.
 */
int vmm_open(struct vmm *vmm, const struct vmm_device *device);
void vmm_close(struct vmm *vmm);

/*
 * Copy the guest program [start, end) to VMM_CODE_ADDR and set the vCPU's
 * registers (KVM_SET_SREGS, KVM_SET_REGS) to run it from its first byte in
 * the given mode, with RFLAGS = 2 (interrupts off) and every other general
 * register 0. Returns 0 or -errno.
 */
int vmm_load(struct vmm *vmm, enum vmm_mode mode,
	     const unsigned char *start, const unsigned char *end);

/* KVM_RUN: returns run->exit_reason, or -errno if the ioctl failed. */
int vmm_run(struct vmm *vmm);

/* The data of an I/O exit: io.count items of io.size bytes. */
void *vmm_io_data(struct vmm *vmm);

/* The first item of an I/O exit's data, of io.size bytes. */
uint32_t vmm_io_value(struct vmm *vmm);

/* Set the first item of an IN exit's data (io.size bytes of value). */
void vmm_io_set_value(struct vmm *vmm, uint32_t value);

/* KVM_GET_REGS and KVM_SET_REGS; 0 or -errno. */
int vmm_get_regs(struct vmm *vmm, struct kvm_regs *regs);
int vmm_set_regs(struct vmm *vmm, const struct kvm_regs *regs);

/* KVM_GET_SREGS and KVM_SET_SREGS; 0 or -errno. */
int vmm_get_sregs(struct vmm *vmm, struct kvm_sregs *sregs);
int vmm_set_sregs(struct vmm *vmm, const struct kvm_sregs *sregs);

/*
 * For tests written with kselftest_harness.h: run the vCPU and require
 * that it stopped for one OUT of size_ bytes of value_ to port_ (or an IN
 * from port_), as KVM_EXIT_IO reports it.
 */
#define ASSERT_RUN_OUT(vmm, port_, size_, value_) do {			\
	ASSERT_EQ(KVM_EXIT_IO, vmm_run(vmm));				\
	ASSERT_EQ(KVM_EXIT_IO_OUT, (vmm)->run->io.direction);		\
	ASSERT_EQ((uint16_t)(port_), (vmm)->run->io.port);		\
	ASSERT_EQ((uint8_t)(size_), (vmm)->run->io.size);		\
	ASSERT_EQ(1U, (vmm)->run->io.count);				\
	ASSERT_EQ((uint32_t)(value_), vmm_io_value(vmm));		\
} while (0)

#define ASSERT_RUN_IN(vmm, port_, size_) do {				\
	ASSERT_EQ(KVM_EXIT_IO, vmm_run(vmm));				\
	ASSERT_EQ(KVM_EXIT_IO_IN, (vmm)->run->io.direction);		\
	ASSERT_EQ((uint16_t)(port_), (vmm)->run->io.port);		\
	ASSERT_EQ((uint8_t)(size_), (vmm)->run->io.size);		\
	ASSERT_EQ(1U, (vmm)->run->io.count);				\
} while (0)

#endif /* VMM_H */
