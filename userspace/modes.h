/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU modes mvctl run starts a guest in, and the guest memory mvctl
 * itself uses for them.
 *
 * Real mode: CS, DS, ES, FS and GS hold the 64 KiB segment of the entry
 * point (selector (entry & 0xf0000) >> 4, so offset = entry & 0xffff), SS
 * is 0 and vCPU n's stack ends at MODES_REAL_STACK_TOP - n * 1 KiB.
 *
 * Protected and long mode: flat 4 GiB segments from a GDT mvctl writes at
 * the top of guest memory, beside the long mode's page tables (an
 * identity map of the first 4 GiB in 2 MiB pages); vCPU n's stack ends
 * 64 KiB * n below them. Paging is off in protected mode.
 *
 * Every vCPU starts at the entry point with its vCPU id in RDI (DI, EDI),
 * RFLAGS = 2 (interrupts off) and the other general registers 0.
 */
#ifndef MVCTL_MODES_H
#define MVCTL_MODES_H

#include <stdint.h>

#include "vmm.h"

#define MODES_REAL_STACK_TOP	0x7c00ULL
#define MODES_REAL_STACK_SIZE	0x400ULL
#define MODES_STACK_SIZE	0x10000ULL
/* The GDT and the page tables: GDT, PML4, PDPT, four page directories. */
#define MODES_TABLES_SIZE	0x7000ULL

/* Where a flat binary goes, and starts, unless --entry says otherwise. */
uint64_t modes_default_entry(enum vmm_mode mode);

/*
 * The guest memory [*start, *end) mvctl keeps for its tables and the
 * stacks of nr_vcpus vCPUs: the guest must not be loaded there.
 */
void modes_reserved(enum vmm_mode mode, uint64_t mem_size, int nr_vcpus,
		    uint64_t *start, uint64_t *end);

/*
 * Why entry cannot start a guest in mode with mem_size bytes of memory,
 * or NULL if it can.
 */
const char *modes_check_entry(enum vmm_mode mode, uint64_t entry,
			      uint64_t mem_size);

/* Write the GDT and page tables mode needs into guest memory. */
void modes_write_tables(struct vmm *vmm, enum vmm_mode mode);

/*
 * Set vcpu's registers (KVM_SET_SREGS, KVM_SET_REGS) to start at entry in
 * mode. Returns 0 or -errno.
 */
int modes_start_vcpu(struct vmm_vcpu *vcpu, enum vmm_mode mode,
		     uint64_t entry);

#endif /* MVCTL_MODES_H */
