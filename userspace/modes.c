// SPDX-License-Identifier: GPL-2.0
/*
 * Starting a vCPU in real, 32-bit protected or 64-bit long mode, the way
 * a boot loader would leave it (modes.h has the layout). A KVM vCPU starts
 * as an x86 CPU comes out of reset; KVM_SET_SREGS then loads segment
 * registers, control registers and EFER directly, so no mode switch code
 * runs in the guest. The descriptors are also written to a GDT in guest
 * memory so that the guest can reload its segments. Formats: SDM volume
 * 3A, 3.4.5 (segment descriptors) and 4.5 (4-level paging).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "modes.h"
#include "x86_segments.h"

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define RFLAGS_FIXED	(1ULL << 1)

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)

/* The GDT's selectors: null, 32-bit code, data, 64-bit code. */
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18
#define GDT_ENTRIES	4

/* Offsets in the tables area at the top of guest memory. */
#define GDT_OFFSET	0x0000ULL
#define PML4_OFFSET	0x1000ULL
#define PDPT_OFFSET	0x2000ULL
#define PD_OFFSET	0x3000ULL	/* four of them, one per GiB */

#define FOUR_GIB	(4ULL << 30)

uint64_t modes_default_entry(enum vmm_mode mode)
{
	/* A boot sector's address; a kernel's, above the first MiB. */
	return mode == VMM_MODE_REAL ? 0x7c00 : 0x100000;
}

static uint64_t tables_base(uint64_t mem_size)
{
	return mem_size - MODES_TABLES_SIZE;
}

void modes_reserved(enum vmm_mode mode, uint64_t mem_size, int nr_vcpus,
		    uint64_t *start, uint64_t *end)
{
	if (mode == VMM_MODE_REAL) {
		*end = MODES_REAL_STACK_TOP;
		*start = *end - nr_vcpus * MODES_REAL_STACK_SIZE;
	} else {
		*end = mem_size;
		*start = tables_base(mem_size) - nr_vcpus * MODES_STACK_SIZE;
	}
}

const char *modes_check_entry(enum vmm_mode mode, uint64_t entry,
			      uint64_t mem_size)
{
	if (entry >= mem_size)
		return "the entry point is past the end of guest memory";
	if (mode == VMM_MODE_REAL && entry >= 0x100000)
		return "a real-mode entry point must be below 1 MiB";
	if (mode == VMM_MODE_PROTECTED && entry >= FOUR_GIB)
		return "a protected-mode entry point must be below 4 GiB";
	return NULL;
}

static struct kvm_segment gdt_segment(uint16_t selector)
{
	switch (selector) {
	case SEL_CODE32:
		return x86_flat_segment(SEL_CODE32, X86_SEGMENT_CODE_EXEC_READ, false);
	case SEL_DATA:
		return x86_flat_segment(SEL_DATA, X86_SEGMENT_DATA_READ_WRITE, false);
	default:
		return x86_flat_segment(SEL_CODE64, X86_SEGMENT_CODE_EXEC_READ, true);
	}
}

void modes_write_tables(struct vmm *vmm, enum vmm_mode mode)
{
	uint64_t base = tables_base(vmm->mem_size);
	uint64_t *gdt = (uint64_t *)(vmm->mem + base + GDT_OFFSET);
	uint64_t *pml4 = (uint64_t *)(vmm->mem + base + PML4_OFFSET);
	uint64_t *pdpt = (uint64_t *)(vmm->mem + base + PDPT_OFFSET);
	uint64_t *pd = (uint64_t *)(vmm->mem + base + PD_OFFSET);

	if (mode == VMM_MODE_REAL)
		return;
	memset(vmm->mem + base, 0, MODES_TABLES_SIZE);
	for (uint16_t i = 1; i < GDT_ENTRIES; i++) {
		struct kvm_segment seg = gdt_segment(i * 8);

		gdt[i] = x86_descriptor(&seg);
	}
	if (mode != VMM_MODE_LONG)
		return;
	pml4[0] = (base + PDPT_OFFSET) | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t gib = 0; gib < 4; gib++)
		pdpt[gib] = (base + PD_OFFSET + gib * 0x1000) | PTE_PRESENT |
			    PTE_WRITABLE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
}

static struct kvm_segment real_segment(uint16_t selector, uint8_t type)
{
	return (struct kvm_segment){
		.base = (uint64_t)selector << 4,
		.limit = 0xffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

int modes_start_vcpu(struct vmm_vcpu *vcpu, enum vmm_mode mode,
		     uint64_t entry)
{
	uint64_t tables = tables_base(vcpu->vmm->mem_size);
	struct kvm_regs regs = {
		.rflags = RFLAGS_FIXED,
		.rdi = vcpu->id,
	};
	struct kvm_sregs sregs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	if (mode == VMM_MODE_REAL) {
		uint16_t selector = (entry & 0xf0000) >> 4;

		sregs.cs = real_segment(selector, X86_SEGMENT_CODE_EXEC_READ);
		sregs.ds = sregs.es = sregs.fs = sregs.gs =
			real_segment(selector, X86_SEGMENT_DATA_READ_WRITE);
		sregs.ss = real_segment(0, X86_SEGMENT_DATA_READ_WRITE);
		sregs.cr0 &= ~(CR0_PE | CR0_PG);
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rip = entry & 0xffff;
		regs.rsp = MODES_REAL_STACK_TOP -
			   vcpu->id * MODES_REAL_STACK_SIZE;
	} else {
		sregs.gdt.base = tables + GDT_OFFSET;
		sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
		sregs.cs = gdt_segment(SEL_CODE32);
		sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
			gdt_segment(SEL_DATA);
		sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rip = entry;
		regs.rsp = tables - vcpu->id * MODES_STACK_SIZE;
	}
	if (mode == VMM_MODE_LONG) {
		sregs.cs = gdt_segment(SEL_CODE64);
		sregs.cr3 = tables + PML4_OFFSET;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(vcpu->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}
