// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "run_state": the vCPU state userspace reads and writes between
 * runs, and the guest's view of it, on /dev/kvm and on /dev/minivisor
 * alike (api.rst 4.11 to 4.14, 4.16, 4.18 to 4.20 with KVM_SET_CPUID2,
 * 4.22 and 4.23): general and segment registers, the three CPU modes,
 * CPUID, MSRs, injected interrupts and the interrupt window, FPU and SSE
 * state. KVM (kvm_intel with EPT and unrestricted guest, as in Bochs) is
 * the reference for every value checked, down to its quirks, each said
 * where it is checked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "vmm.h"

FIXTURE(run_state) {
	struct vmm vmm;
};

FIXTURE_VARIANT(run_state) {
	const struct vmm_device *device;
};

FIXTURE_VARIANT_ADD(run_state, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(run_state, minivisor) {
	.device = &vmm_minivisor,
};

FIXTURE_SETUP(run_state)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

FIXTURE_TEARDOWN(run_state)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

#define OFFSET(label, guest) ((uint64_t)((label) - (guest)))

/* ---------------------------------------------------------------------- */
/* General registers */

TEST_F(run_state, regs_read_back_as_set)
{
	struct kvm_regs set, got;
	__u64 *words = (__u64 *)&set;
	const __u64 *got_words = (const __u64 *)&got;
	const size_t nr_words = sizeof(set) / sizeof(__u64);

	for (size_t i = 0; i < nr_words; i++)
		words[i] = 0x0101010101010101ULL * (i + 1);
	set.rip = 0x1234;
	set.rflags = 0x2c7;	/* CF PF ZF SF IF and the fixed bit 1 */

	ASSERT_EQ(0, vmm_set_regs(&self->vmm, &set));
	ASSERT_EQ(0, vmm_get_regs(&self->vmm, &got));
	for (size_t i = 0; i < nr_words; i++) {
		EXPECT_EQ(words[i], got_words[i]) TH_LOG("word %zu", i);
	}
}

/* KVM_SET_REGS sets RFLAGS bit 1, which is always 1 on x86. */
TEST_F(run_state, rflags_reads_back_with_bit_1_set)
{
	struct kvm_regs regs = { .rflags = 0 };

	ASSERT_EQ(0, vmm_set_regs(&self->vmm, &regs));
	ASSERT_EQ(0, vmm_get_regs(&self->vmm, &regs));
	EXPECT_EQ(VMM_RFLAGS_FIXED, regs.rflags);
}

TEST_F(run_state, guest_computes_with_the_registers_userspace_set)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_add, guest_add_end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rax = 0x12345678;
	regs.rbx = 0x11111111;
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));

	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, 0x23456789);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0x23456789U, regs.rax);
	EXPECT_EQ(0x11111111U, regs.rbx);
}

/* ---------------------------------------------------------------------- */
/* Segment and control registers */

#define EXPECT_SEGMENT_EQ(want, got) do {				\
	EXPECT_EQ((want).base, (got).base);				\
	EXPECT_EQ((want).limit, (got).limit);				\
	EXPECT_EQ((want).selector, (got).selector);			\
	EXPECT_EQ((want).type, (got).type);				\
	EXPECT_EQ((want).present, (got).present);			\
	EXPECT_EQ((want).dpl, (got).dpl);				\
	EXPECT_EQ((want).db, (got).db);					\
	EXPECT_EQ((want).s, (got).s);					\
	EXPECT_EQ((want).l, (got).l);					\
	EXPECT_EQ((want).g, (got).g);					\
	EXPECT_EQ((want).avl, (got).avl);				\
	EXPECT_EQ((want).unusable, (got).unusable);			\
} while (0)

static struct kvm_segment segment(uint64_t base, uint32_t limit,
				  uint16_t selector, uint8_t type, bool s)
{
	return (struct kvm_segment){
		.base = base, .limit = limit, .selector = selector,
		.type = type, .s = s, .present = 1,
	};
}

/* A 64-bit kernel's state, with a value of its own in every field. */
TEST_F(run_state, sregs_of_a_long_mode_kernel_read_back_as_set)
{
	struct kvm_sregs set, got;

	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &set));
	set.cs = segment(0, 0xffffffff, 0x10, 0xb, true);
	set.cs.l = set.cs.g = 1;
	set.ds = segment(0x12345000, 0xfffff, 0x18, 0x3, true);
	set.ds.db = set.ds.avl = 1;
	set.es = segment(0, 0xffff, 0x18, 0x3, true);
	set.fs = segment(0x7f0012345000, 0xffffffff, 0x2b, 0x3, true);
	set.fs.dpl = 3;
	set.gs = segment(0xffff888012340000, 0xffffffff, 0, 0x3, true);
	set.ss = segment(0, 0xffffffff, 0x18, 0x3, true);
	set.ss.db = set.ss.g = 1;
	set.tr = segment(0xfffffe0000003000, 0x4087, 0x40, 0xb, false);
	set.ldt = segment(0x30000, 0xff, 0x50, 0x2, false);
	set.gdt.base = 0xfffffe0000001000;
	set.gdt.limit = 0x7f;
	set.idt.base = 0xfffffe0000000000;
	set.idt.limit = 0xfff;
	set.cr0 = VMM_CR0_PE | VMM_CR0_MP | VMM_CR0_ET | VMM_CR0_NE |
		  VMM_CR0_PG;
	set.cr2 = 0x7f0012346789;
	set.cr3 = 0x11000;
	set.cr4 = VMM_CR4_PAE | VMM_CR4_OSFXSR | VMM_CR4_OSXMMEXCPT;
	set.cr8 = 5;
	set.efer = VMM_EFER_LME | VMM_EFER_LMA | 1 /* SCE */;

	ASSERT_EQ(0, vmm_set_sregs(&self->vmm, &set));
	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &got));
	EXPECT_SEGMENT_EQ(set.cs, got.cs);
	EXPECT_SEGMENT_EQ(set.ds, got.ds);
	EXPECT_SEGMENT_EQ(set.es, got.es);
	EXPECT_SEGMENT_EQ(set.fs, got.fs);
	EXPECT_SEGMENT_EQ(set.gs, got.gs);
	EXPECT_SEGMENT_EQ(set.ss, got.ss);
	EXPECT_SEGMENT_EQ(set.tr, got.tr);
	EXPECT_SEGMENT_EQ(set.ldt, got.ldt);
	EXPECT_EQ(set.gdt.base, got.gdt.base);
	EXPECT_EQ(set.gdt.limit, got.gdt.limit);
	EXPECT_EQ(set.idt.base, got.idt.base);
	EXPECT_EQ(set.idt.limit, got.idt.limit);
	EXPECT_EQ(set.cr0, got.cr0);
	EXPECT_EQ(set.cr2, got.cr2);
	EXPECT_EQ(set.cr3, got.cr3);
	EXPECT_EQ(set.cr4, got.cr4);
	EXPECT_EQ(set.cr8, got.cr8);
	EXPECT_EQ(set.efer, got.efer);
	EXPECT_EQ(set.apic_base, got.apic_base);
	for (size_t i = 0; i < sizeof(set.interrupt_bitmap) / 8; i++)
		EXPECT_EQ(0U, got.interrupt_bitmap[i]);
}

/*
 * With unrestricted guest, KVM sets the accessed bit of every segment
 * type written with KVM_SET_SREGS but the LDT's: a VM entry would fail
 * on a usable code or data segment without it (a fix-up kept for old
 * QEMU, vmx.c __vmx_set_segment()).
 */
TEST_F(run_state, segment_types_gain_the_accessed_bit_but_the_ldts)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	sregs.cs.type = 0xa;	/* execute/read */
	sregs.ds.type = 0x2;	/* read/write */
	sregs.ldt.type = 0x2;	/* LDT */
	ASSERT_EQ(0, vmm_set_sregs(&self->vmm, &sregs));
	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	EXPECT_EQ(0xb, sregs.cs.type);
	EXPECT_EQ(0x3, sregs.ds.type);
	EXPECT_EQ(0x2, sregs.ldt.type);
}

/*
 * VMX has "unusable" where userspace has "present"; KVM marks a segment
 * unusable when either says so, and reads "present" back as "usable".
 * The other attributes are kept.
 */
TEST_F(run_state, not_present_segments_read_back_unusable_and_vice_versa)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	sregs.fs.present = 0;
	sregs.fs.unusable = 0;
	sregs.gs.present = 1;
	sregs.gs.unusable = 1;
	ASSERT_EQ(0, vmm_set_sregs(&self->vmm, &sregs));
	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	EXPECT_EQ(0, sregs.fs.present);
	EXPECT_EQ(1, sregs.fs.unusable);
	EXPECT_EQ(0x3, sregs.fs.type);
	EXPECT_EQ(0, sregs.gs.present);
	EXPECT_EQ(1, sregs.gs.unusable);
	EXPECT_EQ(0x3, sregs.gs.type);
}

/* ---------------------------------------------------------------------- */
/* The three modes, each seen by a guest reporting its CR0 */

/* The CR0 vmm_load() gave the vCPU. */
static uint64_t cr0_of(struct vmm *vmm)
{
	struct kvm_sregs sregs;

	return vmm_get_sregs(vmm, &sregs) ? ~0ULL : sregs.cr0;
}

TEST_F(run_state, real_mode_guest_runs_with_16_bit_operands)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_real_mode,
			      guest_real_mode_end));
	ASSERT_EQ(0U, cr0_of(vmm) & VMM_CR0_PE);

	ASSERT_RUN_OUT(vmm, PORT_REPORT, 2, cr0_of(vmm) & 0xffff);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

TEST_F(run_state, protected_mode_guest_runs_with_32_bit_operands)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_PROTECTED_MODE, guest_protected_mode,
			      guest_protected_mode_end));
	ASSERT_EQ(VMM_CR0_PE, cr0_of(vmm) & (VMM_CR0_PE | VMM_CR0_PG));

	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, cr0_of(vmm));
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

TEST_F(run_state, long_mode_guest_runs_with_64_bit_registers)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_LONG_MODE, guest_long_mode,
			      guest_long_mode_end));
	ASSERT_EQ(VMM_CR0_PE | VMM_CR0_PG,
		  cr0_of(vmm) & (VMM_CR0_PE | VMM_CR0_PG));

	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, cr0_of(vmm));
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, LONG_MODE_VALUE >> 32);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/* ---------------------------------------------------------------------- */
/* CPUID */

/* "GenuineIntel" in EBX, EDX, ECX order: KVM's Intel rules apply. */
#define VENDOR_EBX	0x756e6547
#define VENDOR_EDX	0x49656e69
#define VENDOR_ECX	0x6c65746e

/* The leaves the tests give the guest: 0 (highest basic leaf 2) and 2. */
static const struct kvm_cpuid_entry2 cpuid_table[] = {
	{ .function = 0, .eax = 2,
	  .ebx = VENDOR_EBX, .ecx = VENDOR_ECX, .edx = VENDOR_EDX },
	{ .function = 2, .eax = 0x600d0002, .ebx = 0x600d1002,
	  .ecx = 0x600d2002, .edx = 0x600d3002 },
};

static int set_cpuid_table(struct vmm *vmm)
{
	size_t nent = ARRAY_SIZE(cpuid_table);
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + sizeof(cpuid_table));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = nent;
	memcpy(cpuid->entries, cpuid_table, sizeof(cpuid_table));
	ret = ioctl(vmm->vcpu, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return ret;
}

/* Point guest_cpuid back at its CPUID, for leaf and subleaf. */
static int ask_cpuid(struct vmm *vmm, uint32_t leaf, uint32_t subleaf)
{
	struct kvm_regs regs;
	int ret = vmm_get_regs(vmm, &regs);

	if (ret)
		return ret;
	regs.rip = 0;
	regs.rax = leaf;
	regs.rcx = subleaf;
	return vmm_set_regs(vmm, &regs);
}

/* Run guest_cpuid for leaf and require the four registers it reports. */
#define ASSERT_GUEST_CPUID(vmm, leaf, a, b, c, d) do {			\
	ASSERT_EQ(0, ask_cpuid(vmm, leaf, 0));				\
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, a);				\
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, b);				\
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, c);				\
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, d);				\
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));				\
} while (0)

TEST_F(run_state, cpuid_answers_from_the_kvm_set_cpuid2_table)
{
	const struct kvm_cpuid_entry2 *leaf2 = &cpuid_table[1];
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_cpuid,
			      guest_cpuid_end));
	ASSERT_EQ(0, set_cpuid_table(vmm));

	ASSERT_GUEST_CPUID(vmm, 0, 2, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX);
	ASSERT_GUEST_CPUID(vmm, 2, leaf2->eax, leaf2->ebx, leaf2->ecx,
			   leaf2->edx);
}

TEST_F(run_state, cpuid_of_a_leaf_missing_below_the_highest_reads_zero)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_cpuid,
			      guest_cpuid_end));
	ASSERT_EQ(0, set_cpuid_table(vmm));

	ASSERT_GUEST_CPUID(vmm, 1, 0, 0, 0, 0);
}

/*
 * As on Intel CPUs (KVM does so unless the vendor is AMD or Hygon): a leaf
 * beyond the highest of its range, and a leaf of a range the table lacks
 * (0x80000000 here), answers as the highest basic leaf.
 */
TEST_F(run_state, cpuid_beyond_the_highest_leaf_answers_as_the_highest)
{
	const struct kvm_cpuid_entry2 *leaf2 = &cpuid_table[1];
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_cpuid,
			      guest_cpuid_end));
	ASSERT_EQ(0, set_cpuid_table(vmm));

	ASSERT_GUEST_CPUID(vmm, 3, leaf2->eax, leaf2->ebx, leaf2->ecx,
			   leaf2->edx);
	ASSERT_GUEST_CPUID(vmm, 0x80000000, leaf2->eax, leaf2->ebx,
			   leaf2->ecx, leaf2->edx);
}

/* ---------------------------------------------------------------------- */
/* MSRs */

#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_SYSENTER_CS	0x00000174
#define MSR_IA32_SYSENTER_ESP	0x00000175
#define MSR_IA32_SYSENTER_EIP	0x00000176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_KERNEL_GS_BASE	0xc0000102

#define MAX_MSRS 8

struct msr_list {
	struct kvm_msrs head;
	struct kvm_msr_entry entries[MAX_MSRS];
};

/*
 * KVM_SET_MSRS or KVM_GET_MSRS (request) of the n entries: returns how
 * many were done, or -errno.
 */
static int msrs_ioctl(struct vmm *vmm, unsigned long request,
		      struct kvm_msr_entry *entries, size_t n)
{
	struct msr_list *list = calloc(1, sizeof(*list));
	int ret;

	if (!list)
		return -ENOMEM;
	if (n > MAX_MSRS) {
		free(list);
		return -E2BIG;
	}
	list->head.nmsrs = n;
	memcpy(list->entries, entries, n * sizeof(*entries));
	ret = ioctl(vmm->vcpu, request, list);
	if (ret < 0)
		ret = -errno;
	memcpy(entries, list->entries, n * sizeof(*entries));
	free(list);
	return ret;
}

/* The value of one MSR, or ~0 if KVM_GET_MSRS failed. */
static uint64_t msr(struct vmm *vmm, uint32_t index)
{
	struct kvm_msr_entry entry = { .index = index };

	return msrs_ioctl(vmm, KVM_GET_MSRS, &entry, 1) == 1 ? entry.data :
							       ~0ULL;
}

static const struct kvm_msr_entry kernel_msrs[] = {
	{ .index = MSR_IA32_SYSENTER_CS, .data = 0x10 },
	{ .index = MSR_IA32_SYSENTER_ESP, .data = 0xffff888012345000 },
	{ .index = MSR_IA32_SYSENTER_EIP, .data = 0xffffffff81001000 },
	{ .index = MSR_STAR, .data = 0x0023001000000000 },
	{ .index = MSR_LSTAR, .data = 0xffffffff81a00000 },
	{ .index = MSR_KERNEL_GS_BASE, .data = 0xffff888077770000 },
};

#define NR_KERNEL_MSRS ((int)ARRAY_SIZE(kernel_msrs))

TEST_F(run_state, msrs_read_back_as_set)
{
	struct kvm_msr_entry entries[NR_KERNEL_MSRS];

	memcpy(entries, kernel_msrs, sizeof(entries));
	ASSERT_EQ(NR_KERNEL_MSRS, msrs_ioctl(&self->vmm, KVM_SET_MSRS,
					     entries, NR_KERNEL_MSRS));

	for (int i = 0; i < NR_KERNEL_MSRS; i++)
		entries[i].data = 0;
	ASSERT_EQ(NR_KERNEL_MSRS, msrs_ioctl(&self->vmm, KVM_GET_MSRS,
					     entries, NR_KERNEL_MSRS));
	for (int i = 0; i < NR_KERNEL_MSRS; i++) {
		EXPECT_EQ(kernel_msrs[i].index, entries[i].index);
		EXPECT_EQ(kernel_msrs[i].data, entries[i].data)
			TH_LOG("MSR %#x", entries[i].index);
	}
}

/*
 * The TSC runs on from the value written. (KVM takes a write within a
 * second's worth of ticks of the TSC it expects as a try to synchronise
 * vCPUs and keeps its offset instead: the value here is far from it.)
 */
TEST_F(run_state, tsc_reads_back_as_set_plus_the_ticks_since)
{
	const uint64_t value = 1ULL << 44;
	struct kvm_msr_entry tsc = { .index = MSR_IA32_TSC, .data = value };
	uint64_t read;

	ASSERT_EQ(1, msrs_ioctl(&self->vmm, KVM_SET_MSRS, &tsc, 1));
	read = msr(&self->vmm, MSR_IA32_TSC);
	EXPECT_LE(value, read);
	EXPECT_GT(value + (1ULL << 32), read);
}

/*
 * KVM makes SYSENTER_ESP and SYSENTER_EIP canonical (sign-extends bit 47)
 * instead of refusing a non-canonical value, as Intel CPUs would with #GP:
 * AMD ones take any value, and KVM keeps such guests migratable.
 */
TEST_F(run_state, sysenter_esp_and_eip_are_made_canonical)
{
	struct kvm_msr_entry entries[] = {
		{ .index = MSR_IA32_SYSENTER_ESP, .data = 0x0000800000001000 },
		{ .index = MSR_IA32_SYSENTER_EIP, .data = 0x1234000000002000 },
	};

	ASSERT_EQ(2, msrs_ioctl(&self->vmm, KVM_SET_MSRS, entries, 2));
	EXPECT_EQ(0xffff800000001000, msr(&self->vmm, MSR_IA32_SYSENTER_ESP));
	EXPECT_EQ(0x0000000000002000U, msr(&self->vmm, MSR_IA32_SYSENTER_EIP));
}

/*
 * KVM_SET_MSRS stops at the first MSR it refuses (LSTAR must be
 * canonical) and returns how many it set before it.
 */
TEST_F(run_state, set_msrs_stops_at_a_non_canonical_lstar)
{
	struct kvm_msr_entry entries[] = {
		{ .index = MSR_IA32_SYSENTER_CS, .data = 0x10 },
		{ .index = MSR_LSTAR, .data = 0x0000800000000000 },
		{ .index = MSR_STAR, .data = 0x0023001000000000 },
	};

	EXPECT_EQ(1, msrs_ioctl(&self->vmm, KVM_SET_MSRS, entries, 3));
	EXPECT_EQ(0x10U, msr(&self->vmm, MSR_IA32_SYSENTER_CS));
	EXPECT_EQ(0U, msr(&self->vmm, MSR_LSTAR));
	EXPECT_EQ(0U, msr(&self->vmm, MSR_STAR));
}

/* The guest's RDMSR of index reads value (guest_rdmsr reports it). */
static void guest_rdmsr_reads(struct __test_metadata *_metadata,
			      struct vmm *vmm, uint32_t index, uint64_t value)
{
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_rdmsr,
			      guest_rdmsr_end));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rcx = index;
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));

	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, (uint32_t)value);
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, (uint32_t)(value >> 32));
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/* KVM_SET_MSRS takes all n entries, and KVM_GET_MSRS reads them back. */
static void msrs_read_back(struct __test_metadata *_metadata, struct vmm *vmm,
			   struct kvm_msr_entry *entries, int n)
{
	ASSERT_EQ(n, msrs_ioctl(vmm, KVM_SET_MSRS, entries, n));
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(entries[i].data, msr(vmm, entries[i].index))
			TH_LOG("MSR %#x", entries[i].index);
	}
}

TEST_F(run_state, guest_rdmsr_reads_what_kvm_set_msrs_wrote)
{
	struct kvm_msr_entry esp = {
		.index = MSR_IA32_SYSENTER_ESP, .data = 0xffff888012345000,
	};

	ASSERT_EQ(1, msrs_ioctl(&self->vmm, KVM_SET_MSRS, &esp, 1));
	guest_rdmsr_reads(_metadata, &self->vmm, MSR_IA32_SYSENTER_ESP,
			  0xffff888012345000);
}

/*
 * The memory-type range registers, which QEMU writes at every reset and a
 * guest's firmware programs: they read back as set, and a reserved memory
 * type (2) is refused, as the CPU refuses it.
 */
TEST_F(run_state, mtrrs_read_back_as_set_and_refuse_reserved_types)
{
	struct kvm_msr_entry entries[] = {
		{ .index = 0x2ff, .data = 0xc06 },	/* DEF_TYPE: E, FE, WB */
		{ .index = 0x250, .data = 0x0606060606060606 },
		{ .index = 0x26f, .data = 0x0505050505050505 },
		{ .index = 0x200, .data = 0x80000000 },	/* PHYSBASE0: UC */
		{ .index = 0x201, .data = 0xfc0000800 },	/* PHYSMASK0 */
	};
	struct kvm_msr_entry reserved = { .index = 0x258, .data = 0x02 };

	msrs_read_back(_metadata, &self->vmm, entries, ARRAY_SIZE(entries));
	EXPECT_EQ(0, msrs_ioctl(&self->vmm, KVM_SET_MSRS, &reserved, 1));
	EXPECT_EQ(0U, msr(&self->vmm, 0x258));
}

/* SeaBIOS reads MTRRCAP without looking at CPUID: 8 ranges, fixed, WC. */
TEST_F(run_state, guest_rdmsr_of_mtrrcap_reads_eight_ranges_fixed_and_wc)
{
	guest_rdmsr_reads(_metadata, &self->vmm, 0xfe, 0x508);
}

/*
 * Machine-check banks (MCi_CTL, _STATUS, _ADDR, _MISC from 0x400): a
 * control takes all ones or zero, or all ones but bit 10, which Linux
 * clears in bank 4 of AMD family 15; userspace may restore a status.
 */
TEST_F(run_state, machine_check_banks_read_back_and_refuse_partial_controls)
{
	struct kvm_msr_entry entries[] = {
		{ .index = 0x17a, .data = 0 },		/* MCG_STATUS */
		{ .index = 0x400, .data = ~0ULL },	/* MC0_CTL */
		{ .index = 0x401, .data = 0xb200000000000000ULL },
		{ .index = 0x402, .data = 0x12345000 },
		{ .index = 0x410, .data = ~0ULL & ~(1ULL << 10) },
	};
	struct kvm_msr_entry partial = { .index = 0x404, .data = 0xff };

	msrs_read_back(_metadata, &self->vmm, entries, ARRAY_SIZE(entries));
	EXPECT_EQ(0, msrs_ioctl(&self->vmm, KVM_SET_MSRS, &partial, 1));
}

/*
 * Linux reads IA32_MISC_ENABLE before it has an IDT on every Intel CPU
 * past family 6 (QEMU shows the host's vendor): a processor without debug
 * store (BTS and PEBS unavailable, 0x1800), whose guest may not change
 * those bits. IA32_BIOS_SIGN_ID reads KVM's default microcode revision.
 */
TEST_F(run_state, misc_enable_and_microcode_revision_read_as_on_kvm)
{
	EXPECT_EQ(0x100000000ULL, msr(&self->vmm, 0x8b));
	guest_rdmsr_reads(_metadata, &self->vmm, 0x1a0, 0x1800);
}

/*
 * KVM's clock MSRs (0x11, 0x12), which QEMU reads and writes at every
 * reset: userspace reads 0 and may write 0. (KVM keeps any value;
 * minivisor, which has no kvmclock, only 0.)
 */
TEST_F(run_state, kvm_clock_msrs_read_zero_and_take_zero)
{
	struct kvm_msr_entry entries[] = {
		{ .index = 0x11, .data = 0 },
		{ .index = 0x12, .data = 0 },
	};

	EXPECT_EQ(0U, msr(&self->vmm, 0x11));
	EXPECT_EQ(0U, msr(&self->vmm, 0x12));
	EXPECT_EQ(2, msrs_ioctl(&self->vmm, KVM_SET_MSRS, entries, 2));
}

static uint64_t host_tsc(void)
{
	uint32_t low, high;

	__asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
	return (uint64_t)high << 32 | low;
}

/*
 * QEMU writes TSC 0 to each vCPU at reset, one after the other; the
 * vCPUs must still tick together, or a guest finds its CPUs' TSCs apart
 * and stops trusting them. Here the writes are 50 million ticks apart
 * (a quarter of a second in Bochs), and the TSCs read back within a few
 * million of each other.
 */
TEST_F(run_state, tsc_written_to_two_vcpus_at_reset_ticks_together)
{
	struct kvm_msr_entry zero = { .index = MSR_IA32_TSC, .data = 0 };
	struct vmm *vmm = &self->vmm;
	int first = vmm->vcpu, second;
	uint64_t start, tsc_first, tsc_second;

	second = ioctl(vmm->vm, KVM_CREATE_VCPU, 1);
	ASSERT_LE(0, second);
	ASSERT_EQ(1, msrs_ioctl(vmm, KVM_SET_MSRS, &zero, 1));
	for (start = host_tsc(); host_tsc() - start < 50000000;)
		;
	vmm->vcpu = second;
	zero.data = 0;
	EXPECT_EQ(1, msrs_ioctl(vmm, KVM_SET_MSRS, &zero, 1));
	tsc_second = msr(vmm, MSR_IA32_TSC);
	vmm->vcpu = first;
	tsc_first = msr(vmm, MSR_IA32_TSC);
	close(second);

	EXPECT_LE(tsc_second, tsc_first);
	EXPECT_GT(tsc_second + 10000000, tsc_first)
		TH_LOG("vCPU 0 at %llu, vCPU 1 at %llu",
		       (unsigned long long)tsc_first,
		       (unsigned long long)tsc_second);
}

/*
 * KVM fills in the vCPU's state in struct kvm_run on every return from
 * KVM_RUN, even one that immediate_exit ends before the guest runs.
 * QEMU reads the APIC base there after every KVM_RUN (its first one
 * included, which a signal may end at once), and an APIC base without
 * the enable bit turns its local APIC off for good.
 */
TEST_F(run_state, kvm_run_reports_the_apic_base_when_immediate_exit_ends_it)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_sregs sregs;

	ASSERT_EQ(0, vmm_get_sregs(vmm, &sregs));
	vmm->run->apic_base = 0;
	vmm->run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(vmm->vcpu, KVM_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	vmm->run->immediate_exit = 0;
	EXPECT_EQ(sregs.apic_base, vmm->run->apic_base);
	EXPECT_NE(0U, vmm->run->apic_base & (1u << 11));	/* enabled */
}

/* ---------------------------------------------------------------------- */
/* Interrupts from userspace */

/*
 * Without an in-kernel irqchip, KVM_INTERRUPT hands the vector straight to
 * the next VM entry, which delivers it through the real-mode IVT: the
 * handler runs with IF clear, and its IRET brings the guest back.
 * (KVM does not look at IF itself here: userspace is to wait for
 * ready_for_interrupt_injection, as it does below.) KVM reports
 * ready_for_interrupt_injection 0 on an exit whose instruction sits in
 * the shadow of an STI, even with IF set: the guest's NOP after its STI
 * keeps its OUT out of that shadow.
 */
TEST_F(run_state, kvm_interrupt_runs_the_real_mode_ivt_handler)
{
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_irq, guest_irq_end));
	ASSERT_RUN_OUT(vmm, PORT_READY, 1, 0);
	EXPECT_EQ(1, vmm->run->if_flag);
	EXPECT_EQ(1, vmm->run->ready_for_interrupt_injection);

	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_INTERRUPT, &irq));
	ASSERT_EQ(KVM_EXIT_IO, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_IO_OUT, vmm->run->io.direction);
	EXPECT_EQ(PORT_IRQ, vmm->run->io.port);
	EXPECT_EQ(2, vmm->run->io.size);
	EXPECT_EQ(0U, vmm_io_value(vmm) & VMM_RFLAGS_IF);

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	EXPECT_EQ(1, vmm->run->if_flag);
}

/*
 * With request_interrupt_window set, KVM_RUN returns with
 * KVM_EXIT_IRQ_WINDOW_OPEN as soon as the guest could take an interrupt:
 * not while IF is clear, and not in the shadow of the STI that sets it,
 * but before the instruction after that.
 */
TEST_F(run_state, interrupt_window_opens_after_sti_and_its_shadow)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_irq_window,
			      guest_irq_window_end));
	vmm->run->request_interrupt_window = 1;

	ASSERT_RUN_OUT(vmm, PORT_READY, 1, 0);
	EXPECT_EQ(0, vmm->run->if_flag);
	EXPECT_EQ(0, vmm->run->ready_for_interrupt_injection);

	ASSERT_EQ(KVM_EXIT_IRQ_WINDOW_OPEN, vmm_run(vmm));
	EXPECT_EQ(1, vmm->run->if_flag);
	EXPECT_EQ(1, vmm->run->ready_for_interrupt_injection);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(OFFSET(guest_irq_window_open, guest_irq_window), regs.rip);
}

/* ---------------------------------------------------------------------- */
/* FPU and SSE */

/*
 * KVM_SET_FPU and KVM_GET_FPU carry the x87 registers, their control,
 * status and tag words, the last instruction and data pointers and the
 * XMM registers, but not MXCSR: KVM ignores it on the way in and leaves
 * it 0 on the way out.
 */
TEST_F(run_state, fpu_reads_back_as_set_but_for_mxcsr)
{
	struct kvm_fpu set, got;

	memset(&set, 0, sizeof(set));
	for (size_t i = 0; i < sizeof(set.fpr); i++)
		set.fpr[i / 16][i % 16] = i % 16 < 10 ? 0x40 + i : 0;
	for (size_t i = 0; i < sizeof(set.xmm); i++)
		set.xmm[i / 16][i % 16] = 0x80 + i;
	set.fcw = 0x027f;
	set.fsw = 0x3800;
	set.ftwx = 0x80;
	set.last_opcode = 0x1d9;
	set.last_ip = 0x401234;
	set.last_dp = 0x605678;
	set.mxcsr = 0x1fa0;

	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_SET_FPU, &set));
	memset(&got, 0xff, sizeof(got));
	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_GET_FPU, &got));
	EXPECT_EQ(0, memcmp(set.fpr, got.fpr, sizeof(set.fpr)));
	EXPECT_EQ(0, memcmp(set.xmm, got.xmm, sizeof(set.xmm)));
	EXPECT_EQ(set.fcw, got.fcw);
	EXPECT_EQ(set.fsw, got.fsw);
	EXPECT_EQ(set.ftwx, got.ftwx);
	EXPECT_EQ(set.last_opcode, got.last_opcode);
	EXPECT_EQ(set.last_ip, got.last_ip);
	EXPECT_EQ(set.last_dp, got.last_dp);
	EXPECT_EQ(0U, got.mxcsr);
}

/* What the tests put in XMM0, low 32 bits first. */
static const uint32_t xmm0_value[4] = {
	0x89abcdef, 0x01234567, 0xfedcba98, 0x76543210,
};

/* KVM_SET_FPU of the vCPU's FPU state with xmm0_value in XMM0. */
static int set_xmm0(struct vmm *vmm)
{
	struct kvm_fpu fpu;

	if (ioctl(vmm->vcpu, KVM_GET_FPU, &fpu))
		return -errno;
	memcpy(fpu.xmm[0], xmm0_value, sizeof(xmm0_value));
	return ioctl(vmm->vcpu, KVM_SET_FPU, &fpu) ? -errno : 0;
}

/*
 * Once the guest's SSE state is in use (XMM0 not all zeros), what
 * KVM_SET_FPU writes is what the guest finds in its registers.
 */
TEST_F(run_state, guest_reads_the_xmm0_kvm_set_fpu_wrote)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_LONG_MODE, guest_sse, guest_sse_end));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(KVM_EXIT_IO, vmm_run(vmm));
	ASSERT_RUN_OUT(vmm, PORT_READY, 1, 0);

	ASSERT_EQ(0, set_xmm0(vmm));
	for (int i = 0; i < 4; i++)
		ASSERT_RUN_OUT(vmm, PORT_REPORT, 4, xmm0_value[i]);
	ASSERT_RUN_OUT(vmm, PORT_READY, 1, 0);
}

TEST_HARNESS_MAIN
