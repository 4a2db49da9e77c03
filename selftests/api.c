// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "api": the system ioctls on /dev/minivisor answer as KVM's do on
 * /dev/kvm (Documentation/virt/kvm/api.rst, section 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, mv_module_load());
	self->fd = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
	ASSERT_EQ(0, mv_module_unload());
}

TEST_F(dev, api_version_is_12)
{
	EXPECT_EQ(12, ioctl(self->fd, KVM_GET_API_VERSION, 0));
}

TEST_F(dev, api_version_with_an_argument_is_einval)
{
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, vcpu_mmap_size_covers_kvm_run_and_the_pio_page)
{
	long page = sysconf(_SC_PAGESIZE);
	int size = ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_LE((KVM_PIO_PAGE_OFFSET + 1) * page, size);
	EXPECT_EQ(0, size % page);
}

TEST_F(dev, capabilities_of_other_architectures_read_zero)
{
	static const long caps[] = {
		KVM_CAP_S390_PSW, KVM_CAP_PPC_SMT, KVM_CAP_ARM_PSCI,
		KVM_CAP_MIPS_VZ, KVM_CAP_ARM_PMU_V3, 0x7fffffff, -1,
	};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("capability %ld", caps[i]);
	}
}

TEST_F(dev, memory_capabilities_are_there_on_every_host)
{
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_MMU));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM));
	EXPECT_LE(32, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_DESTROY_MEMORY_REGION_WORKS));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_JOIN_MEMORY_REGIONS_WORKS));
}

TEST_F(dev, vcpu_capabilities_are_there_only_with_vtx)
{
	static const long flags[] = {
		KVM_CAP_EXT_CPUID, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_MP_STATE,
		KVM_CAP_SET_TSS_ADDR, KVM_CAP_IOEVENTFD,
		KVM_CAP_IOEVENTFD_NO_LENGTH, KVM_CAP_IOEVENTFD_ANY_LENGTH,
		KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_IRQFD, KVM_CAP_SIGNAL_MSI,
		KVM_CAP_IRQ_INJECT_STATUS, KVM_CAP_TSC_DEADLINE_TIMER,
	};
	int nr = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	int max = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int max_id = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int expected = mv_host_has_vtx() ? 1 : 0;

	if (mv_host_has_vtx()) {
		EXPECT_LT(0, nr);
		EXPECT_LE(nr, max);
		EXPECT_EQ(max, max_id);
	} else {
		EXPECT_EQ(0, nr);
		EXPECT_EQ(0, max);
		EXPECT_EQ(0, max_id);
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		EXPECT_EQ(expected, ioctl(self->fd, KVM_CHECK_EXTENSION, flags[i]))
			TH_LOG("capability %ld", flags[i]);
	}
}

/*
 * QEMU will not start without KVM_CAP_IRQ_ROUTING, even when it emulates
 * the interrupt controllers itself and never sets a route. Like KVM,
 * minivisor answers how many routes a table may have, and refuses the
 * table while the VM has no in-kernel controller; and it takes
 * KVM_SET_TSS_ADDR, which QEMU always calls, as KVM does with
 * unrestricted guest: nothing to do.
 */
TEST_F(dev, irq_routing_is_answered_and_refused_without_an_irqchip)
{
	struct kvm_irq_routing routing = { .nr = 0 };
	int vm;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	EXPECT_EQ(4096, ioctl(self->fd, KVM_CHECK_EXTENSION,
			      KVM_CAP_IRQ_ROUTING));
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(vm, KVM_SET_GSI_ROUTING, &routing));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000));
	close(vm);
}

TEST_F(dev, supported_cpuid_has_the_hypervisor_leaf_only_with_vtx)
{
	struct {
		struct kvm_cpuid2 header;
		struct kvm_cpuid_entry2 entries[64];
	} cpuid = { .header.nent = 64 };
	const struct kvm_cpuid_entry2 *leaf = NULL;
	char signature[13] = "";

	if (!mv_host_has_vtx()) {
		EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, &cpuid));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, &cpuid));
	for (__u32 i = 0; i < cpuid.header.nent; i++)
		if (cpuid.entries[i].function == 0x40000000)
			leaf = &cpuid.entries[i];
	ASSERT_NE(NULL, leaf);
	memcpy(signature, &leaf->ebx, 4);
	memcpy(signature + 4, &leaf->ecx, 4);
	memcpy(signature + 8, &leaf->edx, 4);
	EXPECT_STREQ("minivisor", signature);
}

TEST_F(dev, unknown_ioctls_fail_with_einval_or_enotty)
{
	static const unsigned long ioctls[] = {
		_IO(KVMIO, 0xff), _IOW('x', 1, int), KVM_RUN, KVM_CREATE_VCPU,
	};

	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, ioctls[i], 0));
		EXPECT_TRUE(errno == EINVAL || errno == ENOTTY)
			TH_LOG("ioctl %#lx: errno %d", ioctls[i], errno);
	}
}

TEST_HARNESS_MAIN
