// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "vm": VMs and vCPUs come and go as api.rst says, on every host.
 *
 * A VM is an address space and needs no VT-x; a vCPU does. On a host
 * without VT-x (QEMU TCG) vCPU creation fails with EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"

FIXTURE(vm) {
	int dev, vm;
};

FIXTURE_SETUP(vm)
{
	ASSERT_EQ(0, mv_module_load());
	self->dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->vm = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
}

FIXTURE_TEARDOWN(vm)
{
	close(self->vm);
	close(self->dev);
	ASSERT_EQ(0, mv_module_unload());
}

TEST_F(vm, vm_types_other_than_0_are_einval)
{
	EXPECT_EQ(-1, ioctl(self->dev, KVM_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vm, module_stays_while_a_vm_is_open)
{
	EXPECT_EQ(-EWOULDBLOCK, mv_module_unload());
}

TEST_F(vm, unknown_vm_ioctls_are_enotty)
{
	EXPECT_EQ(-1, ioctl(self->vm, _IO(KVMIO, 0xff), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(vm, vcpu_creation_needs_vtx)
{
	int vcpu = ioctl(self->vm, KVM_CREATE_VCPU, 0);

	if (mv_host_has_vtx()) {
		EXPECT_LE(0, vcpu);
		close(vcpu);
	} else {
		EXPECT_EQ(-1, vcpu);
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
}

TEST_F(vm, forked_child_cannot_use_the_parents_vm)
{
	int status;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child)
		_exit(ioctl(self->vm, KVM_CREATE_VCPU, 0) == -1 &&
		      errno == EIO ? 0 : 1);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* KVM_SET_USER_MEMORY_REGION on a fresh anonymous mapping of size bytes. */
static int set_region(int vm, __u32 slot, __u64 gpa, __u64 size, void *hva,
		      __u32 flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) ? errno : 0;
}

FIXTURE(memslot) {
	int dev, vm;
	unsigned char *mem;
};

#define MEMSLOT_BYTES (64 * 4096)

FIXTURE_SETUP(memslot)
{
	ASSERT_EQ(0, mv_module_load());
	self->dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->vm = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	self->mem = mmap(NULL, MEMSLOT_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(memslot)
{
	munmap(self->mem, MEMSLOT_BYTES);
	close(self->vm);
	close(self->dev);
	ASSERT_EQ(0, mv_module_unload());
}

TEST_F(memslot, slots_are_added_moved_and_deleted)
{
	EXPECT_EQ(0, set_region(self->vm, 0, 0x100000, MEMSLOT_BYTES,
				self->mem, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0x200000, MEMSLOT_BYTES,
				self->mem, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0x200000, 0, self->mem, 0));
	EXPECT_EQ(0, set_region(self->vm, 0, 0x300000, MEMSLOT_BYTES,
				self->mem, 0));
}

TEST_F(memslot, unaligned_address_or_size_is_einval)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0x100800, MEMSLOT_BYTES,
				     self->mem, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0x100000, 4096 + 512,
				     self->mem, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0x100000, 4096,
				     self->mem + 8, 0));
}

TEST_F(memslot, slot_numbers_beyond_nr_memslots_are_einval)
{
	int slots = ioctl(self->dev, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

	ASSERT_LT(0, slots);
	EXPECT_EQ(0, set_region(self->vm, slots - 1, 0, 4096, self->mem, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, slots, 0x100000, 4096,
				     self->mem, 0));
}

TEST_F(memslot, overlapping_slots_are_eexist)
{
	EXPECT_EQ(0, set_region(self->vm, 0, 0x100000, MEMSLOT_BYTES,
				self->mem, 0));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0x100000 + 4096, 4096,
				     self->mem, 0));
	EXPECT_EQ(0, set_region(self->vm, 1, 0x100000 + MEMSLOT_BYTES, 4096,
				self->mem, 0));
}

TEST_F(memslot, resizing_or_deleting_an_empty_slot_is_einval)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 2, 0x100000, 0, self->mem, 0));
	EXPECT_EQ(0, set_region(self->vm, 2, 0x100000, MEMSLOT_BYTES,
				self->mem, 0));
	EXPECT_EQ(EINVAL, set_region(self->vm, 2, 0x100000, 4096, self->mem, 0));
}

TEST_F(memslot, unknown_flags_are_einval)
{
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0x100000, 4096, self->mem,
				     1u << 7));
}

TEST_HARNESS_MAIN
