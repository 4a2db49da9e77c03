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

TEST_HARNESS_MAIN
