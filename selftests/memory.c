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
 */
#include <errno.h>
#include <string.h>
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

TEST_HARNESS_MAIN
