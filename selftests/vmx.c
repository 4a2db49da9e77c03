// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "vmx": minivisor holds VMX operation exactly while a VM with vCPUs
 * exists, and shares the machine politely with KVM (hosts with VT-x).
 *
 * VMX operation belongs to one hypervisor at a time. kvm_intel, loaded in
 * the same boot, is the witness: its KVM_CREATE_VM enters VMX on every CPU
 * and fails with EBUSY on a CPU where someone else already did. So while
 * minivisor holds VMX, KVM cannot create a VM; once minivisor has let go
 * everywhere, it can; and while KVM holds it, minivisor refuses too.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"

FIXTURE(vmx) {
	int mv, kvm;
};

FIXTURE_SETUP(vmx)
{
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, mv_kvm_load());
	self->mv = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->mv);
	self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->kvm);
}

FIXTURE_TEARDOWN(vmx)
{
	close(self->kvm);
	close(self->mv);
	EXPECT_EQ(0, mv_kvm_check_idle());
	EXPECT_EQ(0, mv_module_unload());
}

static int create_vm_with_vcpu(int dev, int *vcpu)
{
	int vm = ioctl(dev, KVM_CREATE_VM, 0);

	if (vm >= 0)
		*vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	return vm;
}

TEST_F(vmx, a_vm_without_vcpus_leaves_vmx_alone)
{
	int vm = ioctl(self->mv, KVM_CREATE_VM, 0);

	ASSERT_LE(0, vm);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
	close(vm);
}

TEST_F(vmx, the_first_vcpu_enters_vmx_and_the_vm_leaves_it)
{
	int vcpu, vm = create_vm_with_vcpu(self->mv, &vcpu);

	ASSERT_LE(0, vm);
	ASSERT_LE(0, vcpu);
	EXPECT_FALSE(mv_kvm_can_enter_vmx(self->kvm));
	EXPECT_EQ(EBUSY, errno);

	close(vcpu);
	close(vm);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
}

TEST_F(vmx, vmx_stays_until_the_last_vm_goes)
{
	int vcpu1, vcpu2;
	int vm1 = create_vm_with_vcpu(self->mv, &vcpu1);
	int vm2 = create_vm_with_vcpu(self->mv, &vcpu2);

	ASSERT_LE(0, vcpu1);
	ASSERT_LE(0, vcpu2);
	close(vcpu1);
	close(vm1);
	EXPECT_FALSE(mv_kvm_can_enter_vmx(self->kvm));

	close(vcpu2);
	close(vm2);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
}

TEST_F(vmx, an_open_vcpu_keeps_its_vm_and_vmx)
{
	int vcpu, vm = create_vm_with_vcpu(self->mv, &vcpu);

	ASSERT_LE(0, vcpu);
	close(vm);
	EXPECT_FALSE(mv_kvm_can_enter_vmx(self->kvm));
	close(vcpu);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
}

TEST_F(vmx, vcpu_creation_is_ebusy_while_kvm_holds_vmx)
{
	char line[256];
	int kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	int before, after, vcpu, vm = ioctl(self->mv, KVM_CREATE_VM, 0);

	ASSERT_LE(0, kvm_vm);
	ASSERT_LE(0, vm);
	before = mv_kernel_log_last("minivisor: CPU ", line, sizeof(line));
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EBUSY, errno);
	after = mv_kernel_log_last("minivisor: CPU ", line, sizeof(line));
	EXPECT_LT(before, after);
	EXPECT_NE(NULL, strstr(line, "VMX is held by another hypervisor"));

	close(kvm_vm);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	EXPECT_LE(0, vcpu);
	close(vcpu);
	close(vm);
}

TEST_F(vmx, vcpu_ids_are_bounded_and_unique)
{
	int vm = ioctl(self->mv, KVM_CREATE_VM, 0);
	int max = ioctl(self->mv, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int vcpu;

	ASSERT_LE(0, vm);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 3);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 3));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_LT(0, max);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, max));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, -1));
	EXPECT_EQ(EINVAL, errno);
	close(vcpu);
	close(vm);
}

TEST_F(vmx, vcpu_mmap_shows_kvm_run_and_the_pio_page)
{
	int size = ioctl(self->mv, KVM_GET_VCPU_MMAP_SIZE, 0);
	int vcpu, vm = create_vm_with_vcpu(self->mv, &vcpu);
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map;

	ASSERT_LE(0, vcpu);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(0, ((struct kvm_run *)map)->exit_reason);
	map[KVM_PIO_PAGE_OFFSET * page] = 0x5a;
	EXPECT_EQ(0x5a, map[KVM_PIO_PAGE_OFFSET * page]);
	munmap(map, size);
	close(vcpu);
	close(vm);
}

TEST_HARNESS_MAIN
