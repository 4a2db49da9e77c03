// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "ioeventfd": KVM_IOEVENTFD (api.rst 4.59) on /dev/kvm and on
 * /dev/minivisor alike. A guest write to a registered port or unbacked
 * guest-physical address, of a matching length and value, adds 1 to the
 * eventfd and completes in the kernel: the next exit is a later
 * instruction's. Any other write, and every read, exits as before. The
 * ioctl's errors are KVM's (virt/kvm/eventfd.c): kvm_intel is the
 * reference for every value checked, but for one bound KVM does not have
 * (too_many_on_one_bus_is_enospc_on_minivisor).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "ioeventfd_guests.h"
#include "vmm.h"

#define PIO		KVM_IOEVENTFD_FLAG_PIO
#define DATAMATCH	KVM_IOEVENTFD_FLAG_DATAMATCH
#define DEASSIGN	KVM_IOEVENTFD_FLAG_DEASSIGN
#define CCW		KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY

/* minivisor's bound on one bus's ioeventfds: KVM's NR_IOBUS_DEVS. */
#define MINIVISOR_IOEVENTFD_MAX	1000

FIXTURE(ioeventfd) {
	struct vmm vmm;
	int efd;		/* an eventfd, non-blocking */
};

FIXTURE_VARIANT(ioeventfd) {
	const struct vmm_device *device;
	bool bounded;		/* at most MINIVISOR_IOEVENTFD_MAX a bus */
};

FIXTURE_VARIANT_ADD(ioeventfd, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(ioeventfd, minivisor) {
	.device = &vmm_minivisor,
	.bounded = true,
};

FIXTURE_SETUP(ioeventfd)
{
	self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

FIXTURE_TEARDOWN(ioeventfd)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
	close(self->efd);
}

/* KVM_IOEVENTFD: 0 or -errno. */
static int ioeventfd(struct vmm *vmm, int fd, uint64_t addr, uint32_t len,
		     uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd args = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = flags,
	};

	return ioctl(vmm->vm, KVM_IOEVENTFD, &args) ? -errno : 0;
}

/* The eventfd's count, which reading resets; 0 if never signalled. */
static uint64_t signals(int efd)
{
	uint64_t count;

	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

static uint64_t guest_rip(struct vmm *vmm)
{
	struct kvm_regs regs;

	return vmm_get_regs(vmm, &regs) ? ~0ULL : regs.rip;
}

/* Where a label of a guest is, in flat protected mode. */
#define GUEST_ADDR(label, guest) (VMM_CODE_ADDR + (uint64_t)((label) - (guest)))

#define LOAD(vmm, guest) \
	ASSERT_EQ(0, vmm_load(vmm, VMM_PROTECTED_MODE, guest, guest##_end))

/* The run stops for an MMIO write of len bytes at IOEV_MMIO_ADDR. */
#define ASSERT_RUN_MMIO_WRITE(vmm, len_, value_) do {			\
	uint64_t data_ = 0;						\
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));				\
	ASSERT_EQ(IOEV_MMIO_ADDR, (vmm)->run->mmio.phys_addr);		\
	ASSERT_EQ((uint32_t)(len_), (vmm)->run->mmio.len);		\
	ASSERT_EQ(1, (vmm)->run->mmio.is_write);			\
	memcpy(&data_, (vmm)->run->mmio.data, len_);			\
	ASSERT_EQ((uint64_t)(value_), data_);				\
} while (0)

#define ASSERT_RUN_DONE(vmm) \
	ASSERT_RUN_OUT(vmm, IOEV_PORT_DONE, 1, IOEV_VALUE & 0xff)

TEST_F(ioeventfd, both_advertise_ioeventfds_of_any_length)
{
	int dev = self->vmm.dev;

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION,
			   KVM_CAP_IOEVENTFD_NO_LENGTH));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION,
			   KVM_CAP_IOEVENTFD_ANY_LENGTH));
}

/*
 * A byte OUT to the port signals and completes in the kernel: the next
 * exit is the word OUT after it, which, being of another length, exits.
 */
TEST_F(ioeventfd, out_to_a_registered_port_signals_without_an_exit)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 1, PIO, 0));
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_OUT(vmm, IOEV_PORT, 2, IOEV_VALUE & 0xffff);
	EXPECT_EQ(GUEST_ADDR(guest_ioev_out_word, guest_ioev_out),
		  guest_rip(vmm));
	EXPECT_EQ(1, signals(self->efd));
	ASSERT_RUN_OUT(vmm, IOEV_PORT, 4, IOEV_VALUE);
	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(0, signals(self->efd));
}

TEST_F(ioeventfd, length_0_matches_writes_of_every_width)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 0, PIO, 0));
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(GUEST_ADDR(guest_ioev_out_done, guest_ioev_out),
		  guest_rip(vmm));
	EXPECT_EQ(3, signals(self->efd));
}

/* The value is compared at the write's length, all of datamatch's bits. */
TEST_F(ioeventfd, datamatch_matches_only_its_value)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 2, PIO | DATAMATCH,
			       IOEV_VALUE & 0xffff));
	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 1, PIO | DATAMATCH,
			       0x100 | (IOEV_VALUE & 0xff)));
	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 4, PIO | DATAMATCH,
			       IOEV_VALUE + 1));
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_OUT(vmm, IOEV_PORT, 1, IOEV_VALUE & 0xff);
	EXPECT_EQ(0, signals(self->efd));
	ASSERT_RUN_OUT(vmm, IOEV_PORT, 4, IOEV_VALUE);
	EXPECT_EQ(1, signals(self->efd));
	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(0, signals(self->efd));
}

/* Each byte of REP OUTSB is a write of its own. */
TEST_F(ioeventfd, rep_outsb_signals_once_a_byte)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 1, PIO, 0));
	LOAD(vmm, guest_ioev_outsb);

	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(strlen(IOEV_STRING), signals(self->efd));
}

/*
 * An MMIO write to guest-physical space no memslot holds, of the length
 * registered, signals; a read of the same address exits.
 */
TEST_F(ioeventfd, mmio_write_to_unbacked_memory_signals_and_reads_exit)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_MMIO_ADDR, 4, 0, 0));
	LOAD(vmm, guest_ioev_mmio);

	ASSERT_RUN_MMIO_WRITE(vmm, 1, IOEV_VALUE & 0xff);
	ASSERT_RUN_MMIO_WRITE(vmm, 2, IOEV_VALUE & 0xffff);
	EXPECT_EQ(0, signals(self->efd));
	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(1, signals(self->efd));
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	EXPECT_EQ(IOEV_MMIO_ADDR, vmm->run->mmio.phys_addr);
	EXPECT_EQ(4, vmm->run->mmio.len);
	EXPECT_EQ(0, vmm->run->mmio.is_write);
	EXPECT_EQ(0, signals(self->efd));
}

/*
 * Of length 0, on the memory bus too. (KVM may match reads there as well,
 * on its fast MMIO path: the guest stops before its read.)
 */
TEST_F(ioeventfd, mmio_length_0_matches_writes_of_every_width)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_MMIO_ADDR, 0, 0, 0));
	LOAD(vmm, guest_ioev_mmio);

	ASSERT_RUN_DONE(vmm);
	EXPECT_EQ(3, signals(self->efd));
}

/* A port is not memory: the buses are apart. */
TEST_F(ioeventfd, the_port_and_memory_buses_are_apart)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 0, 0, 0));
	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_MMIO_ADDR, 0, PIO, 0));
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_OUT(vmm, IOEV_PORT, 1, IOEV_VALUE & 0xff);
	EXPECT_EQ(0, signals(self->efd));
}

TEST_F(ioeventfd, a_deassigned_ioeventfd_exits_again)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 0, PIO, 0));
	ASSERT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 0, PIO | DEASSIGN,
			       0));
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_OUT(vmm, IOEV_PORT, 1, IOEV_VALUE & 0xff);
	EXPECT_EQ(0, signals(self->efd));
}

/*
 * The registration holds the eventfd, not the descriptor: closed by
 * userspace, it still completes the guest's writes, and one more
 * descriptor of the same eventfd reads the count and deassigns it. With
 * its only descriptor closed, nothing can name it: it goes with the VM.
 */
TEST_F(ioeventfd, a_closed_eventfd_works_until_deassigned)
{
	struct vmm *vmm = &self->vmm;
	int copy = dup(self->efd);
	int lone = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, copy);
	ASSERT_LE(0, lone);
	ASSERT_EQ(0, ioeventfd(vmm, copy, IOEV_PORT, 2, PIO, 0));
	ASSERT_EQ(0, ioeventfd(vmm, lone, IOEV_PORT, 1, PIO, 0));
	close(copy);
	close(lone);
	LOAD(vmm, guest_ioev_out);

	ASSERT_RUN_OUT(vmm, IOEV_PORT, 4, IOEV_VALUE);
	EXPECT_EQ(1, signals(self->efd));
	EXPECT_EQ(-EBADF, ioeventfd(vmm, lone, IOEV_PORT, 1, PIO | DEASSIGN,
				    0));
	EXPECT_EQ(0, ioeventfd(vmm, self->efd, IOEV_PORT, 2, PIO | DEASSIGN,
			       0));
	ASSERT_RUN_DONE(vmm);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));

	LOAD(vmm, guest_ioev_out);
	ASSERT_RUN_OUT(vmm, IOEV_PORT, 2, IOEV_VALUE & 0xffff);
	EXPECT_EQ(0, signals(self->efd));
}

TEST_F(ioeventfd, a_bad_registration_is_einval_or_the_fds_errno)
{
	struct vmm *vmm = &self->vmm;
	int efd = self->efd;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	static const uint32_t bad_lengths[] = { 3, 5, 6, 7, 16, 0x80000000 };

	ASSERT_LE(0, null);
	for (size_t i = 0; i < ARRAY_SIZE(bad_lengths); i++)
		EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, 0x100, bad_lengths[i],
					     PIO, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, 0x100, 1, 1u << 5, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, 0x100, 1, 1u << 31, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, 0x100, 0, PIO | DATAMATCH, 1));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, ~0ULL, 1, 0, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, ~0ULL - 3, 4, 0, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, efd, ~0ULL - 6, 8, PIO, 0));
	EXPECT_EQ(-EBADF, ioeventfd(vmm, -1, 0x100, 1, PIO, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, null, 0x100, 1, PIO, 0));
	/* The length and flags are checked before the descriptor. */
	EXPECT_EQ(-EINVAL, ioeventfd(vmm, -1, 0x100, 3, PIO, 0));

	/* Short of the wrap, and length 0 anywhere, are fine. */
	EXPECT_EQ(0, ioeventfd(vmm, efd, ~0ULL - 8, 8, 0, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, ~0ULL, 0, 0, 0));
	close(null);
}

/*
 * Two registrations on one bus and address collide when one has length 0,
 * or both have the same length and one has no datamatch or both the same.
 */
TEST_F(ioeventfd, a_colliding_registration_is_eexist)
{
	struct vmm *vmm = &self->vmm;
	int efd = self->efd;
	int other = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, PIO, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x100, 2, PIO, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x100, 2, PIO | DATAMATCH, 5));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x100, 0, PIO, 0));
	EXPECT_EQ(0, ioeventfd(vmm, other, 0x100, 4, PIO, 0));
	EXPECT_EQ(0, ioeventfd(vmm, other, 0x101, 2, PIO, 0));
	EXPECT_EQ(0, ioeventfd(vmm, other, 0x100, 2, 0, 0));

	ASSERT_EQ(0, ioeventfd(vmm, efd, 0x200, 1, PIO | DATAMATCH, 5));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x200, 1, PIO | DATAMATCH, 5));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x200, 1, PIO, 0));
	EXPECT_EQ(0, ioeventfd(vmm, other, 0x200, 1, PIO | DATAMATCH, 6));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, efd, 0x200, 0, PIO, 0));

	ASSERT_EQ(0, ioeventfd(vmm, efd, 0x300, 0, PIO, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, other, 0x300, 8, PIO | DATAMATCH, 1));
	close(other);
}

/* A deassignment names the eventfd, bus, address, length and datamatch. */
TEST_F(ioeventfd, deassigning_what_is_not_registered_is_enoent)
{
	struct vmm *vmm = &self->vmm;
	int efd = self->efd;
	int other = eventfd(0, EFD_CLOEXEC);
	uint32_t flags = PIO | DATAMATCH | DEASSIGN;

	ASSERT_LE(0, other);
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2, flags, 7));
	ASSERT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, PIO | DATAMATCH, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, other, 0x100, 2, flags, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x101, 2, flags, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 4, flags, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 0, flags, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2, flags, 8));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2, PIO | DEASSIGN, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2,
				     DATAMATCH | DEASSIGN, 7));
	EXPECT_EQ(-EBADF, ioeventfd(vmm, -1, 0x100, 2, flags, 7));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, flags, 7));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2, flags, 7));

	/* Without datamatch, the value given does not matter. */
	ASSERT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, PIO, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, PIO | DEASSIGN, 99));
	close(other);
}

/*
 * As KVM: a deassignment's flags are not checked, only which bus they
 * name; and s390's CCW flag names a bus of its own, which x86 accepts.
 */
TEST_F(ioeventfd, flags_are_kvms_for_ccw_and_deassignment)
{
	struct vmm *vmm = &self->vmm;
	int efd = self->efd;

	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, CCW, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vmm, efd, 0x100, 2, CCW, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, 0, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, PIO | CCW, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2, CCW | DEASSIGN, 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 2, CCW | DEASSIGN, 0));
	EXPECT_EQ(0, ioeventfd(vmm, efd, 0x100, 2,
			       PIO | DEASSIGN | (1u << 7), 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vmm, efd, 0x100, 3,
				     PIO | DEASSIGN | (1u << 7), 0));
}

/*
 * KVM bounds ioeventfds only by the open files; minivisor keeps its
 * buses to KVM's 1000 devices a bus, which QEMU never nears.
 */
TEST_F(ioeventfd, too_many_on_one_bus_is_enospc_on_minivisor)
{
	struct vmm *vmm = &self->vmm;
	uint64_t port;

	for (port = 0; port < MINIVISOR_IOEVENTFD_MAX; port++)
		ASSERT_EQ(0, ioeventfd(vmm, self->efd, port, 1, PIO, 0));
	EXPECT_EQ(variant->bounded ? -ENOSPC : 0,
		  ioeventfd(vmm, self->efd, port, 1, PIO, 0));
	/* The other bus has room, and so has this one after a deassign. */
	EXPECT_EQ(0, ioeventfd(vmm, self->efd, 0, 1, 0, 0));
	EXPECT_EQ(0, ioeventfd(vmm, self->efd, 0, 1, PIO | DEASSIGN, 0));
	EXPECT_EQ(0, ioeventfd(vmm, self->efd, 0, 2, PIO, 0));
}

TEST_HARNESS_MAIN
