// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "memory": guest memory is the VMM process's memory, and stays so
 * when the kernel changes that memory under the guest (variants kvm and
 * minivisor, the same assertions).
 *
 * The guest maps nothing itself: its first touch of a page faults it in
 * from the process. Afterwards the process may drop the page
 * (MADV_DONTNEED), unmap it, or fork and write to it (copy on write): in
 * each case the guest must see what the process sees now, never a page
 * the process no longer has.
 *
 * Two memslot flags change the rules: a KVM_MEM_READONLY slot is memory
 * for reads and MMIO for writes, and KVM_MEM_LOG_DIRTY_PAGES reports each
 * page the guest writes, once per KVM_GET_DIRTY_LOG.
 *
 * The later tests run 32-bit protected-mode guests (flat segments, no
 * paging), which reach any guest-physical address below 4 GiB: several
 * slots at once, a slot deleted and added again, the process changing the
 * backing memory from another thread while the vCPU runs, and 256 MiB of
 * memory that the guest, not the slot, brings in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmm.h"

#define PORT_VALUE	0x10
#define DATA_ADDR	0x3000		/* guest-physical, in slot 0 */

/*
 * A real-mode guest that reports the dword at DATA_ADDR, halts, and does
 * it again when run again. DS is VMM_CODE_ADDR >> 4, so the offset of
 * DATA_ADDR is DATA_ADDR - VMM_CODE_ADDR.
 */
static const unsigned char guest_report_data[] = {
	0x66, 0xa1, 0x00, 0x20,		/* 1: mov eax, [0x2000] */
	0x66, 0xe7, PORT_VALUE,		/*    out PORT_VALUE, eax */
	0xf4,				/*    hlt */
	0xeb, 0xf6,			/*    jmp 1b */
};

/*
 * A real-mode guest that writes EAX to the dword at DATA_ADDR, halts, and
 * does it again when run again.
 */
static const unsigned char guest_write_data[] = {
	0x66, 0xa3, 0x00, 0x20,		/* 1: mov [0x2000], eax */
	0xf4,				/*    hlt */
	0xeb, 0xf9,			/*    jmp 1b */
};

#define SLOT_BYTES	(64 * 4096)
#define EXTRA_GPA	0x800000	/* a second slot, beyond vmm's slot 0 */

FIXTURE(memory) {
	struct vmm vmm;
	uint32_t *data;			/* DATA_ADDR in the process */
};

FIXTURE_VARIANT(memory) {
	const struct vmm_device *device;
};

FIXTURE_VARIANT_ADD(memory, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(memory, minivisor) {
	.device = &vmm_minivisor,
};

FIXTURE_SETUP(memory)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_report_data,
			      guest_report_data + sizeof(guest_report_data)));
	self->data = (uint32_t *)(self->vmm.mem + DATA_ADDR);
}

FIXTURE_TEARDOWN(memory)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/* Run the guest once around its loop: it reports the dword, then halts. */
static void expect_guest_reads(struct __test_metadata *_metadata,
			       struct vmm *vmm, uint32_t value)
{
	ASSERT_RUN_OUT(vmm, PORT_VALUE, 4, value);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

TEST_F(memory, guest_sees_what_the_process_wrote)
{
	*self->data = 0x11111111;
	expect_guest_reads(_metadata, &self->vmm, 0x11111111);
	*self->data = 0x22222222;
	expect_guest_reads(_metadata, &self->vmm, 0x22222222);
}

TEST_F(memory, a_dropped_page_is_replaced_for_the_guest_too)
{
	void *page = self->vmm.mem + DATA_ADDR;

	*self->data = 0x11111111;
	expect_guest_reads(_metadata, &self->vmm, 0x11111111);

	ASSERT_EQ(0, madvise(page, getpagesize(), MADV_DONTNEED));
	expect_guest_reads(_metadata, &self->vmm, 0);
	*self->data = 0x33333333;
	expect_guest_reads(_metadata, &self->vmm, 0x33333333);
}

TEST_F(memory, after_fork_the_guest_follows_the_parents_copy)
{
	int status;
	pid_t child;

	*self->data = 0x11111111;
	expect_guest_reads(_metadata, &self->vmm, 0x11111111);

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* The child's copy changes; the guest must not see it. */
		*self->data = 0xdeadbeef;
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	*self->data = 0x44444444;
	expect_guest_reads(_metadata, &self->vmm, 0x44444444);
}

TEST_F(memory, an_unmapped_page_fails_the_run_with_efault)
{
	void *page = self->vmm.mem + DATA_ADDR;

	*self->data = 0x11111111;
	expect_guest_reads(_metadata, &self->vmm, 0x11111111);

	ASSERT_EQ(0, munmap(page, getpagesize()));
	EXPECT_EQ(-EFAULT, vmm_run(&self->vmm));
}

static int set_region(struct vmm *vmm, __u32 slot, __u64 gpa, __u64 size,
		      void *hva, __u32 flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

/* Point the guest's DS at gpa - (DATA_ADDR - VMM_CODE_ADDR): [0x2000] is gpa. */
static int aim_data_at(struct vmm *vmm, __u64 gpa)
{
	struct kvm_sregs sregs;
	int ret = vmm_get_sregs(vmm, &sregs);

	if (ret)
		return ret;
	sregs.ds.base = gpa - (DATA_ADDR - VMM_CODE_ADDR);
	return vmm_set_sregs(vmm, &sregs);
}

static int set_eax(struct vmm *vmm, uint32_t value)
{
	struct kvm_regs regs;
	int ret = vmm_get_regs(vmm, &regs);

	if (ret)
		return ret;
	regs.rax = value;
	return vmm_set_regs(vmm, &regs);
}

TEST_F(memory, a_readonly_slot_is_read_as_memory)
{
	uint32_t *rom = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, rom);
	rom[0] = 0x55aa55aa;
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, SLOT_BYTES, rom,
				KVM_MEM_READONLY));
	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA));
	expect_guest_reads(_metadata, &self->vmm, 0x55aa55aa);
	munmap(rom, SLOT_BYTES);
}

TEST_F(memory, a_write_to_a_readonly_slot_exits_as_mmio)
{
	uint32_t *rom = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_run *run = self->vmm.run;

	ASSERT_NE(MAP_FAILED, rom);
	rom[0] = 0x55aa55aa;
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, SLOT_BYTES, rom,
				KVM_MEM_READONLY));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_write_data,
			      guest_write_data + sizeof(guest_write_data)));
	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA));
	ASSERT_EQ(0, set_eax(&self->vmm, 0x12345678));

	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(&self->vmm));
	EXPECT_EQ(EXTRA_GPA, run->mmio.phys_addr);
	EXPECT_EQ(4U, run->mmio.len);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x12345678U, *(uint32_t *)run->mmio.data);
	EXPECT_EQ(0x55aa55aaU, rom[0]);
	EXPECT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	munmap(rom, SLOT_BYTES);
}

/* KVM_GET_DIRTY_LOG of slot 0 (VMM_MEM_SIZE of guest memory). */
static int get_dirty_log(struct vmm *vmm, unsigned long *bitmap)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	memset(bitmap, 0xff, VMM_MEM_SIZE / 4096 / 8);
	return ioctl(vmm->vm, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

/* The pages of slot 0 a dirty bitmap names, as a count and the first. */
static int dirty_pages(const unsigned long *bitmap, long *first)
{
	int count = 0;

	*first = -1;
	for (long page = 0; page < (long)(VMM_MEM_SIZE / 4096); page++) {
		if (!(bitmap[page / 64] & (1UL << (page % 64))))
			continue;
		if (!count++)
			*first = page;
	}
	return count;
}

TEST_F(memory, dirty_log_reports_each_written_page_once)
{
	unsigned long bitmap[VMM_MEM_SIZE / 4096 / 64];
	long first;

	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_write_data,
			      guest_write_data + sizeof(guest_write_data)));
	/* Written before logging starts: mapped writable already. */
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	EXPECT_EQ(-ENOENT, get_dirty_log(&self->vmm, bitmap));

	ASSERT_EQ(0, set_region(&self->vmm, 0, 0, VMM_MEM_SIZE, self->vmm.mem,
				KVM_MEM_LOG_DIRTY_PAGES));
	ASSERT_EQ(0, get_dirty_log(&self->vmm, bitmap));
	EXPECT_EQ(0, dirty_pages(bitmap, &first));

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	ASSERT_EQ(0, get_dirty_log(&self->vmm, bitmap));
	EXPECT_EQ(1, dirty_pages(bitmap, &first));
	EXPECT_EQ(DATA_ADDR / 4096, first);

	ASSERT_EQ(0, get_dirty_log(&self->vmm, bitmap));
	EXPECT_EQ(0, dirty_pages(bitmap, &first));

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	ASSERT_EQ(0, get_dirty_log(&self->vmm, bitmap));
	EXPECT_EQ(1, dirty_pages(bitmap, &first));
	EXPECT_EQ(DATA_ADDR / 4096, first);
}

/*
 * Guest memory in a transparent huge page: the guest reads what the
 * process wrote at both ends of the 2 MiB, and when the process unmaps one
 * 4 KiB page of it (splitting the huge page), the rest stays memory and
 * that page faults.
 */
TEST_F(memory, memory_in_a_huge_page_reads_right_before_and_after_a_split)
{
	const size_t huge = 2UL << 20;
	unsigned char *area = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *backing;

	ASSERT_NE(MAP_FAILED, area);
	backing = (unsigned char *)(((unsigned long)area + huge - 1) &
				    ~(huge - 1));
	ASSERT_EQ(0, madvise(backing, huge, MADV_HUGEPAGE));
	memset(backing, 0, huge);
	*(uint32_t *)backing = 0xa0a0a0a0;
	*(uint32_t *)(backing + huge - 4096) = 0xb1b1b1b1;
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, huge, backing, 0));

	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA));
	expect_guest_reads(_metadata, &self->vmm, 0xa0a0a0a0);
	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA + huge - 4096));
	expect_guest_reads(_metadata, &self->vmm, 0xb1b1b1b1);

	ASSERT_EQ(0, munmap(backing + huge / 2, 4096));
	*(uint32_t *)backing = 0xc2c2c2c2;
	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA));
	expect_guest_reads(_metadata, &self->vmm, 0xc2c2c2c2);
	ASSERT_EQ(0, aim_data_at(&self->vmm, EXTRA_GPA + huge / 2));
	EXPECT_EQ(-EFAULT, vmm_run(&self->vmm));
	munmap(area, 2 * huge);
}

/*
 * A protected-mode guest that reports the dword at EBX, writes ECX to the
 * dword at EDI, halts, and does it again when run again.
 */
static const unsigned char guest_read_then_write[] = {
	0x8b, 0x03,			/* 1: mov eax, [ebx] */
	0xe7, PORT_VALUE,		/*    out PORT_VALUE, eax */
	0x89, 0x0f,			/*    mov [edi], ecx */
	0xf4,				/*    hlt */
	0xeb, 0xf7,			/*    jmp 1b */
};

/* Point the guest_read_then_write guest at its next read and write. */
static int aim_read_then_write(struct vmm *vmm, uint32_t read_gpa,
			       uint32_t write_gpa, uint32_t value)
{
	struct kvm_regs regs;
	int ret = vmm_get_regs(vmm, &regs);

	if (ret)
		return ret;
	regs.rbx = read_gpa;
	regs.rdi = write_gpa;
	regs.rcx = value;
	return vmm_set_regs(vmm, &regs);
}

/*
 * One round of guest_read_then_write at gpa: the guest must read what the
 * process wrote there, and leave its own value there for the process.
 */
static void expect_guest_swaps(struct __test_metadata *_metadata,
			       struct vmm *vmm, uint32_t gpa, uint32_t *hva,
			       uint32_t from_process, uint32_t from_guest)
{
	*hva = from_process;
	ASSERT_EQ(0, aim_read_then_write(vmm, gpa, gpa, from_guest));
	ASSERT_RUN_OUT(vmm, PORT_VALUE, 4, from_process);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(from_guest, *hva);
}

/* Guest-physical ranges far apart, added as slots 1 to 4 beside slot 0. */
static const struct {
	uint32_t gpa;
	size_t pages;
} scattered[] = {
	{ 0x00400000, 1 },	/* right above slot 0 */
	{ 0x01234000, 3 },
	{ 0x10000000, 16 },
	{ 0xc0000000, 64 },	/* above 3 GiB */
};

/*
 * Each of several slots is its own piece of the process: at the first and
 * last page of every slot the guest reads what the process wrote and the
 * process reads what the guest wrote, twice, so neither side sees a copy.
 */
TEST_F(memory, guest_and_process_see_each_others_writes_in_every_slot)
{
	unsigned char *backing[ARRAY_SIZE(scattered)];
	size_t i, last;
	uint32_t gpa, *hva;

	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_read_then_write, guest_read_then_write +
			      sizeof(guest_read_then_write)));
	for (i = 0; i < ARRAY_SIZE(scattered); i++) {
		backing[i] = mmap(NULL, scattered[i].pages * 4096,
				  PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, backing[i]);
		ASSERT_EQ(0, set_region(&self->vmm, 1 + i, scattered[i].gpa,
					scattered[i].pages * 4096, backing[i],
					0));
	}

	for (uint32_t round = 0; round < 2; round++) {
		for (i = 0; i < ARRAY_SIZE(scattered); i++) {
			last = (scattered[i].pages - 1) * 4096;
			gpa = scattered[i].gpa + 0x10;
			hva = (uint32_t *)(backing[i] + 0x10);
			expect_guest_swaps(_metadata, &self->vmm, gpa, hva,
					   0x10 * round + 0x100 + i,
					   0x10 * round + 0x200 + i);
			gpa = scattered[i].gpa + last + 0xffc;
			hva = (uint32_t *)(backing[i] + last + 0xffc);
			expect_guest_swaps(_metadata, &self->vmm, gpa, hva,
					   0x10 * round + 0x300 + i,
					   0x10 * round + 0x400 + i);
		}
	}
	for (i = 0; i < ARRAY_SIZE(scattered); i++)
		munmap(backing[i], scattered[i].pages * 4096);
}

/*
 * A deleted slot is no longer memory: the guest's read and write of it
 * exit as MMIO at the very address, and the read completes with the data
 * the VMM gives. Added again with other backing memory, the same address
 * is memory again, the new memory, and the old backing is left alone.
 */
TEST_F(memory, a_deleted_slot_is_mmio_and_a_readded_one_is_the_new_memory)
{
	const uint32_t gpa = EXTRA_GPA + 0x1a4;
	struct kvm_run *run = self->vmm.run;
	uint32_t *old, *new;

	old = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, old);
	new = mmap(NULL, SLOT_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, new);
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_read_then_write, guest_read_then_write +
			      sizeof(guest_read_then_write)));
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, SLOT_BYTES, old, 0));
	expect_guest_swaps(_metadata, &self->vmm, gpa, old + 0x1a4 / 4,
			   0x01010101, 0x02020202);

	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, 0, old, 0));
	ASSERT_EQ(0, aim_read_then_write(&self->vmm, gpa, gpa, 0x03030303));
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(&self->vmm));
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(4U, run->mmio.len);
	EXPECT_EQ(0, run->mmio.is_write);
	memcpy(run->mmio.data, &(uint32_t){ 0x0badf00d }, 4);
	ASSERT_RUN_OUT(&self->vmm, PORT_VALUE, 4, 0x0badf00d);
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(&self->vmm));
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(4U, run->mmio.len);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x03030303U, *(uint32_t *)run->mmio.data);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));

	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, SLOT_BYTES, new, 0));
	expect_guest_swaps(_metadata, &self->vmm, gpa, new + 0x1a4 / 4,
			   0x04040404, 0x05050505);
	EXPECT_EQ(0x02020202U, old[0x1a4 / 4]);
	munmap(new, SLOT_BYTES);
	munmap(old, SLOT_BYTES);
}

#define LOG_PAGES	128		/* two longs of dirty bitmap */

/* KVM_GET_DIRTY_LOG of a LOG_PAGES slot, as a bitmap of pages. */
static int get_slot_dirty_log(struct vmm *vmm, __u32 slot,
			      unsigned long bitmap[LOG_PAGES / 64])
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	memset(bitmap, 0xff, LOG_PAGES / 8);
	return ioctl(vmm->vm, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

/*
 * The guest writes the first dword of each of the given pages of
 * EXTRA_GPA. (At the start of the page: Bochs logs the whole address of a
 * write in kvm_intel's page-modification log, where the SDM puts the page
 * address, and kvm_intel warns about any other.)
 */
static void guest_dirties(struct __test_metadata *_metadata, struct vmm *vmm,
			  const int *pages, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(0, aim_read_then_write(vmm, DATA_ADDR,
						 EXTRA_GPA + pages[i] * 4096,
						 pages[i]));
		ASSERT_RUN_OUT(vmm, PORT_VALUE, 4, 0);
		ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	}
}

/* Require that the dirty log names exactly the given pages. */
static void expect_dirty_log(struct __test_metadata *_metadata,
			     struct vmm *vmm, const int *pages, size_t n)
{
	unsigned long bitmap[LOG_PAGES / 64], expected[LOG_PAGES / 64] = { 0 };

	for (size_t i = 0; i < n; i++)
		expected[pages[i] / 64] |= 1UL << (pages[i] % 64);
	ASSERT_EQ(0, get_slot_dirty_log(vmm, 1, bitmap));
	for (int word = 0; word < LOG_PAGES / 64; word++) {
		EXPECT_EQ(expected[word], bitmap[word]) {
			TH_LOG("dirty bitmap word %d", word);
		}
	}
}

/*
 * Dirty logging turned on for a slot in use reports the guest's writes
 * from then on, no earlier ones, and in each round exactly the pages
 * written since the last KVM_GET_DIRTY_LOG, pages written again included;
 * the process's own writes are not the guest's and are not reported.
 */
TEST_F(memory, dirty_log_reports_exactly_the_pages_written_in_each_round)
{
	static const int before[] = { 9, 70 };
	static const int first[] = { 0, 3, 63, 64, 127 };
	static const int second[] = { 3, 9, 100 };
	unsigned char *backing = mmap(NULL, LOG_PAGES * 4096,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, backing);
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_read_then_write, guest_read_then_write +
			      sizeof(guest_read_then_write)));
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, LOG_PAGES * 4096,
				backing, 0));
	guest_dirties(_metadata, &self->vmm, before, 2);

	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, LOG_PAGES * 4096,
				backing, KVM_MEM_LOG_DIRTY_PAGES));
	expect_dirty_log(_metadata, &self->vmm, NULL, 0);

	guest_dirties(_metadata, &self->vmm, first, 5);
	expect_dirty_log(_metadata, &self->vmm, first, 5);
	expect_dirty_log(_metadata, &self->vmm, NULL, 0);

	backing[50 * 4096] = 1;
	guest_dirties(_metadata, &self->vmm, second, 3);
	expect_dirty_log(_metadata, &self->vmm, second, 3);
	EXPECT_EQ(100U, *(uint32_t *)(backing + 100 * 4096));
	munmap(backing, LOG_PAGES * 4096);
}

static int enable_manual_protect(struct vmm *vmm, __u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .args = { flags },
	};

	return ioctl(vmm->vm, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

/* KVM_CLEAR_DIRTY_LOG of num pages of slot 1 from first, as bitmap says. */
static int clear_dirty_log(struct vmm *vmm, __u32 slot, __u64 first,
			   __u32 num, const unsigned long *bitmap)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot, .first_page = first, .num_pages = num,
		.dirty_bitmap = (void *)bitmap,
	};

	return ioctl(vmm->vm, KVM_CLEAR_DIRTY_LOG, &log) ? -errno : 0;
}

/*
 * With KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_GET_DIRTY_LOG only reports:
 * a page stays dirty until KVM_CLEAR_DIRTY_LOG clears it, in whole 64-page
 * words, and only then is it write-protected again. With
 * KVM_DIRTY_LOG_INITIALLY_SET a newly logged slot starts all dirty.
 */
TEST_F(memory, manual_dirty_log_protect_reports_pages_until_cleared)
{
	static const int first[] = { 0, 3, 64 };
	static const int after_clear[] = { 0, 64 };
	static const int second[] = { 3, 5 };
	static const int both[] = { 0, 3, 5, 64 };
	static const int low_word[] = { 0, 3, 5 };
	static const unsigned long page_3[] = { 1UL << 3, 0 };
	static const unsigned long all[] = { ~0UL, ~0UL };
	unsigned long bitmap[LOG_PAGES / 64];
	unsigned char *backing = mmap(NULL, 2 * LOG_PAGES * 4096,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, backing);
	EXPECT_EQ(-EINVAL, enable_manual_protect(&self->vmm,
						 KVM_DIRTY_LOG_INITIALLY_SET));
	EXPECT_EQ(-EINVAL, enable_manual_protect(&self->vmm, 4));
	ASSERT_EQ(0, enable_manual_protect(&self->vmm,
					   KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_read_then_write, guest_read_then_write +
			      sizeof(guest_read_then_write)));
	ASSERT_EQ(0, set_region(&self->vmm, 1, EXTRA_GPA, LOG_PAGES * 4096,
				backing, KVM_MEM_LOG_DIRTY_PAGES));
	expect_dirty_log(_metadata, &self->vmm, NULL, 0);

	guest_dirties(_metadata, &self->vmm, first, 3);
	expect_dirty_log(_metadata, &self->vmm, first, 3);
	expect_dirty_log(_metadata, &self->vmm, first, 3);

	ASSERT_EQ(0, clear_dirty_log(&self->vmm, 1, 0, LOG_PAGES, page_3));
	expect_dirty_log(_metadata, &self->vmm, after_clear, 2);
	guest_dirties(_metadata, &self->vmm, second, 2);
	expect_dirty_log(_metadata, &self->vmm, both, 4);
	ASSERT_EQ(0, clear_dirty_log(&self->vmm, 1, 64, 64, all));
	expect_dirty_log(_metadata, &self->vmm, low_word, 3);

	EXPECT_EQ(-EINVAL, clear_dirty_log(&self->vmm, 1, 1, 63, all));
	EXPECT_EQ(-EINVAL, clear_dirty_log(&self->vmm, 1, 0, 65, all));
	EXPECT_EQ(-EINVAL, clear_dirty_log(&self->vmm, 1, 64, 128, all));
	EXPECT_EQ(-ENOENT, clear_dirty_log(&self->vmm, 2, 0, 64, all));

	ASSERT_EQ(0, enable_manual_protect(&self->vmm,
					   KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
					   KVM_DIRTY_LOG_INITIALLY_SET));
	ASSERT_EQ(0, set_region(&self->vmm, 2, EXTRA_GPA + LOG_PAGES * 4096,
				LOG_PAGES * 4096, backing + LOG_PAGES * 4096,
				KVM_MEM_LOG_DIRTY_PAGES));
	ASSERT_EQ(0, get_slot_dirty_log(&self->vmm, 2, bitmap));
	EXPECT_EQ(~0UL, bitmap[0]);
	EXPECT_EQ(~0UL, bitmap[1]);
	munmap(backing, 2 * LOG_PAGES * 4096);
}

/*
 * Changing the backing memory while the vCPU runs. The guest loops
 * reading the dword at EBX and writing a running count to the dword at
 * EDI, and reports the last value it read every LOOP_READS reads, so the
 * vCPU thread keeps coming back to the process (and a spinning guest
 * cannot keep the host's one CPU from the other thread).
 */
#define LOOP_READS	256

static const unsigned char guest_read_loop[] = {
	0xb9, LOOP_READS & 0xff, LOOP_READS >> 8, 0, 0,
					/* 1: mov ecx, LOOP_READS */
	0x8b, 0x03,			/* 2: mov eax, [ebx] */
	0x46,				/*    inc esi */
	0x89, 0x37,			/*    mov [edi], esi */
	0xe2, 0xf9,			/*    loop 2b */
	0xe7, PORT_VALUE,		/*    out PORT_VALUE, eax */
	0xeb, 0xf0,			/*    jmp 1b */
};

#define RACE_SLOT_BYTES	(4 * 4096)
#define RACE_TARGET	(EXTRA_GPA + 4096)	/* the dword the guest reads */
#define OLD_VALUE	0x01d01d01U
#define NEW_VALUE	0x0e70e70eU
#define WARMUP_RUNS	4
#define MAX_RUNS	20000

/*
 * What the other thread does to the memory, and what the two threads tell
 * each other: the vCPU thread counts its runs, the other thread counts the
 * steps of its change.
 */
struct change {
	int (*apply)(struct change *change);
	uint32_t *target;	/* RACE_TARGET in the process */
	int runs;		/* KVM_RUNs that have returned */
	int steps;		/* steps of apply() done */
	bool stop;		/* the vCPU thread has stopped running */
	int error;		/* 0, or what apply() failed with */
};

/* Wait until the vCPU thread has returned from its n-th run. */
static bool wait_for_runs(struct change *change, int n)
{
	while (__atomic_load_n(&change->runs, __ATOMIC_ACQUIRE) < n) {
		if (__atomic_load_n(&change->stop, __ATOMIC_ACQUIRE))
			return false;
		usleep(1000);
	}
	return true;
}

static void step_done(struct change *change)
{
	__atomic_add_fetch(&change->steps, 1, __ATOMIC_RELEASE);
}

static void *change_thread(void *arg)
{
	struct change *change = arg;

	if (wait_for_runs(change, WARMUP_RUNS))
		change->error = change->apply(change);
	return NULL;
}

static void *page_of(void *p)
{
	return (void *)((unsigned long)p & ~4095UL);
}

/*
 * Run the guest_read_loop guest while another thread applies the change,
 * until a run that started after the change's last step returns, or a run
 * ends any other way than with the guest's report. Returns that last run's
 * result; *value is its report, and *odd counts reports that were neither
 * OLD_VALUE nor NEW_VALUE.
 */
static int run_through_change(struct vmm *vmm, struct change *change,
			      int last_step, uint32_t *value, int *odd)
{
	pthread_t thread;
	int ret = -EAGAIN, steps;

	*odd = 0;
	if (pthread_create(&thread, NULL, change_thread, change))
		return -EAGAIN;
	for (int n = 1; n <= MAX_RUNS; n++) {
		steps = __atomic_load_n(&change->steps, __ATOMIC_ACQUIRE);
		ret = vmm_run(vmm);
		if (ret != KVM_EXIT_IO ||
		    vmm->run->io.direction != KVM_EXIT_IO_OUT ||
		    vmm->run->io.port != PORT_VALUE)
			break;
		*value = vmm_io_value(vmm);
		*odd += *value != OLD_VALUE && *value != NEW_VALUE;
		__atomic_store_n(&change->runs, n, __ATOMIC_RELEASE);
		if (steps == last_step)
			break;
	}
	__atomic_store_n(&change->stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	return ret;
}

/*
 * A slot of RACE_SLOT_BYTES at EXTRA_GPA whose RACE_TARGET holds
 * OLD_VALUE, and the guest_read_loop guest reading it and writing its
 * count to write_gpa.
 */
static void *set_up_race(struct __test_metadata *_metadata, struct vmm *vmm,
			 uint32_t write_gpa)
{
	unsigned char *backing = mmap(NULL, RACE_SLOT_BYTES,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_regs regs;

	if (backing == MAP_FAILED)
		return NULL;
	*(uint32_t *)(backing + RACE_TARGET - EXTRA_GPA) = OLD_VALUE;
	EXPECT_EQ(0, set_region(vmm, 1, EXTRA_GPA, RACE_SLOT_BYTES, backing,
				0));
	EXPECT_EQ(0, vmm_load(vmm, VMM_PROTECTED_MODE, guest_read_loop,
			      guest_read_loop + sizeof(guest_read_loop)));
	EXPECT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rbx = RACE_TARGET;
	regs.rdi = write_gpa;
	EXPECT_EQ(0, vmm_set_regs(vmm, &regs));
	return backing;
}

static int unmap_target(struct change *change)
{
	if (munmap(page_of(change->target), 4096))
		return -errno;
	step_done(change);
	return 0;
}

/*
 * The process unmaps the page under the running guest: the run fails with
 * EFAULT, at the latest the first run that starts after the munmap (a
 * stale mapping would let it go on reading the old page). Memory mapped
 * there afterwards is what the guest then reads and writes.
 */
TEST_F(memory, a_page_unmapped_while_the_guest_runs_fails_the_run_with_efault)
{
	unsigned char *backing = set_up_race(_metadata, &self->vmm,
					     RACE_TARGET + 4);
	struct change change = { .apply = unmap_target };
	uint32_t value;
	int odd;

	ASSERT_NE(NULL, backing);
	change.target = (uint32_t *)(backing + RACE_TARGET - EXTRA_GPA);
	EXPECT_EQ(-EFAULT, run_through_change(&self->vmm, &change, 1, &value,
					      &odd));
	ASSERT_EQ(0, change.error);
	ASSERT_EQ(1, change.steps);
	EXPECT_EQ(0, odd);

	ASSERT_EQ(page_of(change.target),
		  mmap(page_of(change.target), 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	change.target[0] = NEW_VALUE;
	ASSERT_RUN_OUT(&self->vmm, PORT_VALUE, 4, NEW_VALUE);
	EXPECT_NE(0U, change.target[1]);
	munmap(backing, RACE_SLOT_BYTES);
}

static int protect_then_unprotect_target(struct change *change)
{
	int runs;

	if (mprotect(page_of(change->target), 4096, PROT_READ))
		return -errno;
	runs = __atomic_load_n(&change->runs, __ATOMIC_ACQUIRE);
	step_done(change);
	if (!wait_for_runs(change, runs + 2 * WARMUP_RUNS))
		return -ECANCELED;
	if (mprotect(page_of(change->target), 4096, PROT_READ | PROT_WRITE))
		return -errno;
	*change->target = NEW_VALUE;
	step_done(change);
	return 0;
}

/*
 * The process makes the page the guest reads read-only, and writable
 * again, while the guest runs: reading read-only memory is no fault, so
 * every run goes on to the guest's report, and once the process has
 * written the page again the guest reads what it wrote.
 */
TEST_F(memory, a_page_made_readonly_while_the_guest_reads_it_stays_readable)
{
	unsigned char *backing = set_up_race(_metadata, &self->vmm, DATA_ADDR);
	struct change change = { .apply = protect_then_unprotect_target };
	uint32_t value = 0;
	int odd;

	ASSERT_NE(NULL, backing);
	change.target = (uint32_t *)(backing + RACE_TARGET - EXTRA_GPA);
	EXPECT_EQ(KVM_EXIT_IO, run_through_change(&self->vmm, &change, 2,
						  &value, &odd));
	ASSERT_EQ(0, change.error);
	ASSERT_EQ(2, change.steps);
	EXPECT_EQ(NEW_VALUE, value);
	EXPECT_EQ(0, odd);
	munmap(backing, RACE_SLOT_BYTES);
}

/*
 * The process makes the page read-only while the guest writes it: the
 * guest's write fails the run with EFAULT, as the process's own write
 * would fault, and once the page is writable again the same run goes on.
 */
TEST_F(memory, a_guest_write_to_a_page_made_readonly_fails_the_run_with_efault)
{
	unsigned char *backing = set_up_race(_metadata, &self->vmm,
					     RACE_TARGET + 4);
	uint32_t *target = (uint32_t *)(backing + RACE_TARGET - EXTRA_GPA);
	uint32_t count;

	ASSERT_NE(NULL, backing);
	ASSERT_RUN_OUT(&self->vmm, PORT_VALUE, 4, OLD_VALUE);
	ASSERT_EQ(0, mprotect(page_of(target), 4096, PROT_READ));
	count = target[1];
	EXPECT_EQ(-EFAULT, vmm_run(&self->vmm));
	EXPECT_EQ(count, target[1]);

	ASSERT_EQ(0, mprotect(page_of(target), 4096, PROT_READ | PROT_WRITE));
	target[0] = NEW_VALUE;
	ASSERT_RUN_OUT(&self->vmm, PORT_VALUE, 4, NEW_VALUE);
	EXPECT_LT(count, target[1]);
	munmap(backing, RACE_SLOT_BYTES);
}

#define CHILD_VALUE	0xdeadbeefU

static int fork_and_write_target(struct change *change)
{
	int status;
	pid_t child = fork();

	if (child < 0)
		return -errno;
	if (!child) {
		*change->target = CHILD_VALUE;
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	*change->target = NEW_VALUE;
	step_done(change);
	return 0;
}

/*
 * The process forks while the guest runs, the child writes its copy of the
 * page, the parent writes its own: the guest never sees the child's value,
 * reads the parent's from the next run on, and its writes land in the
 * parent's copy.
 */
TEST_F(memory, after_a_fork_while_the_guest_runs_it_follows_the_parents_copy)
{
	unsigned char *backing = set_up_race(_metadata, &self->vmm,
					     RACE_TARGET + 4);
	struct change change = { .apply = fork_and_write_target };
	uint32_t value = 0, count;
	int odd;

	ASSERT_NE(NULL, backing);
	change.target = (uint32_t *)(backing + RACE_TARGET - EXTRA_GPA);
	EXPECT_EQ(KVM_EXIT_IO, run_through_change(&self->vmm, &change, 1,
						  &value, &odd));
	ASSERT_EQ(0, change.error);
	ASSERT_EQ(1, change.steps);
	EXPECT_EQ(NEW_VALUE, value);
	EXPECT_EQ(0, odd);

	count = change.target[1];
	ASSERT_RUN_OUT(&self->vmm, PORT_VALUE, 4, NEW_VALUE);
	EXPECT_LT(count, change.target[1]);
	munmap(backing, RACE_SLOT_BYTES);
}

/*
 * 256 MiB of guest memory, brought in by the guest rather than by the
 * slot: adding the slot leaves the process's resident memory as it was,
 * then a guest writes each 4 KiB page's own address into its first dword,
 * and afterwards the process holds those values in every page, resident.
 * Transparent huge pages are off for the range, so each page is a fault
 * of its own.
 */
#define FILL_GPA	0x10000000U
#define FILL_BYTES	(256UL << 20)

static const unsigned char guest_fill[] = {
	0x89, 0x1b,			/* 1: mov [ebx], ebx */
	0x81, 0xc3, 0x00, 0x10, 0x00, 0x00,	/* add ebx, 0x1000 */
	0x39, 0xcb,			/*    cmp ebx, ecx */
	0x72, 0xf4,			/*    jb 1b */
	0xf4,				/*    hlt */
};

/* The process's resident memory in bytes, from /proc/self/statm. */
static long resident_bytes(void)
{
	FILE *statm = fopen("/proc/self/statm", "r");
	long size, resident = -1;

	if (!statm)
		return -1;
	if (fscanf(statm, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(statm);
	return resident < 0 ? -1 : resident * getpagesize();
}

TEST_F_TIMEOUT(memory, a_256_mib_slot_is_filled_by_the_guest_not_pinned_up_front,
	       600)
{
	unsigned char *backing = mmap(NULL, FILL_BYTES, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS |
				      MAP_NORESERVE, -1, 0);
	struct timespec start, end;
	struct kvm_regs regs;
	long before, added;

	ASSERT_NE(MAP_FAILED, backing);
	ASSERT_EQ(0, madvise(backing, FILL_BYTES, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE, guest_fill,
			      guest_fill + sizeof(guest_fill)));
	before = resident_bytes();
	ASSERT_LT(0, before);
	ASSERT_EQ(0, set_region(&self->vmm, 1, FILL_GPA, FILL_BYTES, backing,
				0));
	added = resident_bytes() - before;
	EXPECT_GT(FILL_BYTES / 64, added);

	ASSERT_EQ(0, vmm_get_regs(&self->vmm, &regs));
	regs.rbx = FILL_GPA;
	regs.rcx = FILL_GPA + FILL_BYTES;
	ASSERT_EQ(0, vmm_set_regs(&self->vmm, &regs));
	clock_gettime(CLOCK_MONOTONIC, &start);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	clock_gettime(CLOCK_MONOTONIC, &end);
	TH_LOG("filled %lu MiB in %ld ms", FILL_BYTES >> 20,
	       (end.tv_sec - start.tv_sec) * 1000 +
	       (end.tv_nsec - start.tv_nsec) / 1000000);

	EXPECT_LE(FILL_BYTES - FILL_BYTES / 64, resident_bytes() - before);
	for (unsigned long offset = 0; offset < FILL_BYTES; offset += 4096) {
		ASSERT_EQ(FILL_GPA + offset,
			  *(uint32_t *)(backing + offset)) {
			TH_LOG("page at offset %#lx", offset);
		}
	}
	munmap(backing, FILL_BYTES);
}

/*
 * The guest-physical address bits a slot may use: the CPU's
 * physical-address width, from /proc/cpuinfo, up to the 48 bits four
 * levels of EPT map. Neither KVM nor minivisor takes a slot beyond.
 */
static int physical_address_bits(void)
{
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
	char line[256];
	int bits = -1;

	if (!cpuinfo)
		return -1;
	while (bits < 0 && fgets(line, sizeof(line), cpuinfo))
		if (sscanf(line, "address sizes : %d bits physical", &bits) != 1)
			bits = -1;
	fclose(cpuinfo);
	return bits < 48 ? bits : 48;
}

/* The most pages one slot may hold, KVM_MEM_MAX_NR_PAGES. */
#define MAX_SLOT_PAGES	((1UL << 31) - 1)

TEST_F(memory, a_slot_beyond_the_physical_address_width_or_too_large_is_refused)
{
	int bits = physical_address_bits();
	unsigned long top;

	ASSERT_LT(32, bits);
	top = 1UL << bits;
	EXPECT_EQ(-EINVAL, set_region(&self->vmm, 1, top, 4096,
				      self->vmm.mem, 0));
	EXPECT_EQ(-EINVAL, set_region(&self->vmm, 1, top - 4096, 8192,
				      self->vmm.mem, 0));
	EXPECT_EQ(0, set_region(&self->vmm, 1, top - 4096, 4096,
				self->vmm.mem, 0));
	EXPECT_EQ(0, set_region(&self->vmm, 1, top - 4096, 0, self->vmm.mem,
				0));
	EXPECT_EQ(-EINVAL, set_region(&self->vmm, 1, 0,
				      (MAX_SLOT_PAGES + 1) * 4096,
				      self->vmm.mem, 0));
	/* The guest still reads what it did: nothing aliased its memory. */
	*self->data = 0x11111111;
	expect_guest_reads(_metadata, &self->vmm, 0x11111111);
}

static long milliseconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * The largest slot the CPU's address width allows, up to 4 TiB, in the
 * upper half of guest-physical space, never touched by the guest: added
 * with dirty logging, its log read, logging turned off, deleted; then the
 * same without logging. Each is work on the slot's few EPT tables, not on
 * its pages: it all takes well under two seconds, in Bochs on the debug
 * kernel too (KVM needs about 0.1 s there; minivisor needed 6 s when it
 * walked every page).
 */
TEST_F(memory, a_huge_untouched_slot_is_added_logged_and_deleted_at_once)
{
	int bits = physical_address_bits();
	unsigned long size, gpa;
	struct kvm_dirty_log log = { .slot = 1 };
	struct timespec start;
	unsigned char *backing;
	long ms;

	ASSERT_LT(32, bits);
	gpa = 1UL << (bits - 1);
	size = gpa < (4UL << 40) ? gpa : 4UL << 40;
	backing = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, backing);
	log.dirty_bitmap = calloc(size / 4096 / 8, 1);
	ASSERT_NE(NULL, log.dirty_bitmap);

	clock_gettime(CLOCK_MONOTONIC, &start);
	EXPECT_EQ(0, set_region(&self->vmm, 1, gpa, size, backing,
				KVM_MEM_LOG_DIRTY_PAGES));
	EXPECT_EQ(0, ioctl(self->vmm.vm, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(0, set_region(&self->vmm, 1, gpa, size, backing, 0));
	EXPECT_EQ(0, set_region(&self->vmm, 1, gpa, 0, backing, 0));
	EXPECT_EQ(0, set_region(&self->vmm, 1, gpa, size, backing, 0));
	EXPECT_EQ(0, set_region(&self->vmm, 1, gpa, 0, backing, 0));
	ms = milliseconds_since(&start);
	TH_LOG("%lu GiB slot: added, logged and deleted in %ld ms",
	       size >> 30, ms);
	EXPECT_GT(2000, ms);

	*self->data = 0x22222222;
	expect_guest_reads(_metadata, &self->vmm, 0x22222222);
	free(log.dirty_bitmap);
	munmap(backing, size);
}

/*
 * A protected-mode guest that reads INS_BYTES bytes from INS_PORT into
 * memory at EDI with REP INSB, then halts.
 */
#define INS_PORT	0x1234
#define INS_BYTES	4

static const unsigned char guest_rep_insb[] = {
	0xb9, INS_BYTES, 0, 0, 0,	/* mov ecx, INS_BYTES */
	0x66, 0xba, INS_PORT & 0xff, INS_PORT >> 8,	/* mov dx, INS_PORT */
	0xf3, 0x6c,			/* rep insb */
	0xf4,				/* hlt */
};

/*
 * Load guest_rep_insb aimed at gpa, in a slot of its own (slot 1, two
 * pages at EXTRA_GPA, with flags), run it to its IN exit and hand it
 * bytes of 0xab. Returns the slot's memory.
 */
static unsigned char *insb_into_slot(struct __test_metadata *_metadata,
				     struct vmm *vmm, __u32 flags, __u64 gpa)
{
	unsigned char *backing = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_regs regs;

	if (backing == MAP_FAILED)
		return NULL;
	memset(backing, 0x5a, 2 * 4096);
	EXPECT_EQ(0, set_region(vmm, 1, EXTRA_GPA, 2 * 4096, backing, flags));
	EXPECT_EQ(0, vmm_load(vmm, VMM_PROTECTED_MODE, guest_rep_insb,
			      guest_rep_insb + sizeof(guest_rep_insb)));
	EXPECT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rdi = gpa;
	EXPECT_EQ(0, vmm_set_regs(vmm, &regs));
	EXPECT_EQ(KVM_EXIT_IO, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_IO_IN, vmm->run->io.direction);
	EXPECT_EQ(INS_PORT, vmm->run->io.port);
	EXPECT_LE(1U, vmm->run->io.count);
	memset(vmm_io_data(vmm), 0xab, vmm->run->io.count);
	return backing;
}

/*
 * INS stores through the emulator, not through the EPT: it must obey the
 * slot as a guest store does. A read-only slot is not memory for a write
 * (KVM makes it an MMIO write; minivisor asks for the port again): its
 * memory stays as it was, whatever the next exit is.
 */
TEST_F(memory, string_in_to_a_readonly_slot_leaves_its_memory_unchanged)
{
	unsigned char *backing = insb_into_slot(_metadata, &self->vmm,
						KVM_MEM_READONLY,
						EXTRA_GPA + 4096);

	int next;

	ASSERT_NE(NULL, backing);
	next = vmm_run(&self->vmm);
	EXPECT_LE(0, next);
	EXPECT_NE(KVM_EXIT_HLT, next);
	for (int i = 0; i < INS_BYTES; i++)
		EXPECT_EQ(0x5a, backing[4096 + i]);
	munmap(backing, 2 * 4096);
}

/* What INS stores in a logged slot shows in the dirty log. */
TEST_F(memory, string_in_marks_the_page_it_writes_dirty)
{
	unsigned char *backing = insb_into_slot(_metadata, &self->vmm,
						KVM_MEM_LOG_DIRTY_PAGES,
						EXTRA_GPA + 4096);
	unsigned long bitmap[LOG_PAGES / 64];

	ASSERT_NE(NULL, backing);
	while (vmm_run(&self->vmm) == KVM_EXIT_IO)
		memset(vmm_io_data(&self->vmm), 0xab,
		       self->vmm.run->io.count);
	EXPECT_EQ(KVM_EXIT_HLT, self->vmm.run->exit_reason);
	for (int i = 0; i < INS_BYTES; i++)
		EXPECT_EQ(0xab, backing[4096 + i]);
	ASSERT_EQ(0, get_slot_dirty_log(&self->vmm, 1, bitmap));
	EXPECT_EQ(2UL, bitmap[0]);
	munmap(backing, 2 * 4096);
}

TEST_HARNESS_MAIN
