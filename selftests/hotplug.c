// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "hotplug": VMX operation follows CPUs as they go offline and come
 * back while a VM holds it (hosts with VT-x and at least two CPUs).
 *
 * minivisor runs VMXON on a CPU that comes online and VMXOFF on one that
 * goes, for as long as a VM has vCPUs. kvm_intel is the witness again: it
 * can create a VM only once no CPU is left in VMX operation, so a CPU that
 * came back without minivisor's VMXOFF bookkeeping would show up as EBUSY.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

FIXTURE(hotplug) {
	int mv, kvm;
};

FIXTURE_SETUP(hotplug)
{
	ASSERT_EQ(0, access(CPU1_ONLINE, W_OK)) TH_LOG("needs a second CPU");
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, mv_kvm_load());
	self->mv = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->mv);
	self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->kvm);
}

FIXTURE_TEARDOWN(hotplug)
{
	mv_set_cpu_online(1, true);
	close(self->kvm);
	close(self->mv);
	EXPECT_EQ(0, mv_kvm_check_idle());
	EXPECT_EQ(0, mv_module_unload());
}

TEST_F(hotplug, a_cpu_that_comes_back_rejoins_and_leaves_vmx)
{
	int vm = ioctl(self->mv, KVM_CREATE_VM, 0);
	int vcpu;

	ASSERT_LE(0, vm);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);

	ASSERT_EQ(0, mv_set_cpu_online(1, false));
	/* CPU 0 still holds VMX for minivisor. */
	EXPECT_FALSE(mv_kvm_can_enter_vmx(self->kvm));
	ASSERT_EQ(0, mv_set_cpu_online(1, true));
	EXPECT_FALSE(mv_kvm_can_enter_vmx(self->kvm));

	close(vcpu);
	close(vm);
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
}

TEST_F(hotplug, a_cpu_offline_when_vmx_is_left_is_clean_when_it_returns)
{
	int vm = ioctl(self->mv, KVM_CREATE_VM, 0);
	int vcpu;

	ASSERT_LE(0, vm);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, mv_set_cpu_online(1, false));
	close(vcpu);
	close(vm);
	ASSERT_EQ(0, mv_set_cpu_online(1, true));
	EXPECT_TRUE(mv_kvm_can_enter_vmx(self->kvm));
}

TEST_HARNESS_MAIN
