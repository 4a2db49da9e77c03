// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "run_exits": why KVM_RUN returns, and what kvm_run says then
 * (api.rst 4.10, 4.21 and 5, "The kvm_run structure"), on /dev/kvm and on
 * /dev/minivisor alike: port I/O of every size, string I/O, HLT, a triple
 * fault, immediate_exit and signals. Each test runs one real-mode guest
 * of guests.S; KVM (kvm_intel) is the reference for every value checked.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "vmm.h"

FIXTURE(run_exits) {
	struct vmm vmm;
};

FIXTURE_VARIANT(run_exits) {
	const struct vmm_device *device;
};

FIXTURE_VARIANT_ADD(run_exits, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(run_exits, minivisor) {
	.device = &vmm_minivisor,
};

FIXTURE_SETUP(run_exits)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

FIXTURE_TEARDOWN(run_exits)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/* The guest's RIP, which in these real-mode guests is an offset into them. */
static uint64_t guest_rip(struct vmm *vmm)
{
	struct kvm_regs regs;

	return vmm_get_regs(vmm, &regs) ? ~0ULL : regs.rip;
}

#define OFFSET(label, guest) ((uint64_t)((label) - (guest)))

TEST_F(run_exits, out_of_1_2_and_4_bytes_exits_with_its_port_size_and_data)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));

	ASSERT_RUN_OUT(vmm, PORT_OUT_BYTE, 1, OUT_BYTE);
	/* KVM keeps the data in the page after kvm_run. */
	EXPECT_EQ((__u64)KVM_PIO_PAGE_OFFSET * getpagesize(),
		  vmm->run->io.data_offset);
	ASSERT_RUN_OUT(vmm, PORT_OUT_WORD, 2, OUT_WORD);
	ASSERT_RUN_OUT(vmm, PORT_OUT_DWORD, 4, OUT_DWORD);
	ASSERT_RUN_OUT(vmm, PORT_WIDE, 1, OUT_WIDE);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/*
 * KVM leaves RIP on an OUT that exited to userspace and steps over it only
 * when KVM_RUN is called again, so KVM_GET_REGS in between shows the OUT
 * itself. (Port 0x7e is the exception, for old userspace: KVM steps over
 * OUT 0x7e before exiting, KVM_X86_QUIRK_OUT_7E_INC_RIP. The guests here
 * never use it.)
 */
TEST_F(run_exits, out_leaves_rip_on_the_out_until_the_next_run)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));

	ASSERT_RUN_OUT(vmm, PORT_OUT_BYTE, 1, OUT_BYTE);
	EXPECT_EQ(OFFSET(guest_out_sizes_out8, guest_out_sizes),
		  guest_rip(vmm));
	ASSERT_RUN_OUT(vmm, PORT_OUT_WORD, 2, OUT_WORD);
	EXPECT_EQ(OFFSET(guest_out_sizes_out16, guest_out_sizes),
		  guest_rip(vmm));
}

/*
 * An IN of 1 or 2 bytes replaces only AL or AX, one of 4 bytes all of EAX.
 * KVM zeroes the data area before an IN exit.
 */
TEST_F(run_exits, in_of_1_2_and_4_bytes_gets_what_userspace_put_in_the_data)
{
	static const struct {
		int size;
		uint32_t value, eax;
	} ins[] = {
		{ 1, OUT_BYTE, (IN_SENTINEL & 0xffffff00) | OUT_BYTE },
		{ 2, OUT_WORD, (IN_SENTINEL & 0xffff0000) | OUT_WORD },
		{ 4, OUT_DWORD, OUT_DWORD },
	};
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_in_sizes,
			      guest_in_sizes_end));

	for (size_t i = 0; i < ARRAY_SIZE(ins); i++) {
		ASSERT_RUN_IN(vmm, PORT_IN, ins[i].size);
		EXPECT_EQ(0U, vmm_io_value(vmm));
		vmm_io_set_value(vmm, ins[i].value);
		ASSERT_RUN_OUT(vmm, PORT_ECHO, 4, ins[i].eax);
	}
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/*
 * An IN or OUT that exited to userspace completes on the next KVM_RUN only
 * if RIP is where the exit left it: KVM compares the linear RIP (CS.base +
 * RIP) then with the exit's and, if userspace moved it (as QEMU does when
 * it resets a vCPU whose OUT asked for the reset), drops the instruction:
 * an IN loads nothing, neither moves RIP, and the guest runs from where
 * userspace put it. Registers written back unchanged, as QEMU writes them
 * before every run, move nothing, and the instruction completes.
 */
TEST_F(run_exits, in_or_out_left_open_is_dropped_if_userspace_moves_rip)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_in_sizes,
			      guest_in_sizes_end));
	ASSERT_RUN_IN(vmm, PORT_IN, 1);
	vmm_io_set_value(vmm, OUT_BYTE);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_ECHO, 4, (IN_SENTINEL & 0xffffff00) | OUT_BYTE);

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_in_sizes,
			      guest_in_sizes_end));
	ASSERT_RUN_IN(vmm, PORT_IN, 1);
	vmm_io_set_value(vmm, OUT_BYTE);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rip = OFFSET(guest_in_sizes_after_in8, guest_in_sizes);
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_ECHO, 4, IN_SENTINEL);

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));
	ASSERT_RUN_OUT(vmm, PORT_OUT_BYTE, 1, OUT_BYTE);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	regs.rip = OFFSET(guest_out_sizes_out16, guest_out_sizes);
	regs.rax = OUT_WORD;
	ASSERT_EQ(0, vmm_set_regs(vmm, &regs));
	ASSERT_RUN_OUT(vmm, PORT_OUT_WORD, 2, OUT_WORD);
}

/*
 * KVM emulates string I/O and goes to userspace after every element OUTS
 * writes: REP OUTSB of N bytes is N exits of count 1, RIP staying on the
 * REP OUTSB with RSI and RCX stepping until RCX reaches 0.
 */
TEST_F(run_exits, rep_outsb_exits_once_per_byte)
{
	static const char text[] = OUTSB_TEXT;
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_rep_outsb,
			      guest_rep_outsb_end));

	for (size_t i = 0; i < strlen(text); i++) {
		ASSERT_RUN_OUT(vmm, PORT_STRING, 1, text[i]);
		ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
		EXPECT_EQ(strlen(text) - i - 1, regs.rcx & 0xffff);
	}
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
}

/*
 * For INS, KVM reads ahead: REP INSB asks userspace for all of its bytes
 * in one exit (io.count of them, up to 1024 bytes and to the end of the
 * destination page), then stores them in guest memory.
 */
TEST_F(run_exits, rep_insb_exits_once_for_all_its_bytes)
{
	struct vmm *vmm = &self->vmm;
	uint8_t *buffer = vmm->mem + VMM_CODE_ADDR +
			  OFFSET(guest_rep_insb_buffer, guest_rep_insb);
	uint8_t *data;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_rep_insb,
			      guest_rep_insb_end));

	ASSERT_EQ(KVM_EXIT_IO, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_IO_IN, vmm->run->io.direction);
	EXPECT_EQ(PORT_STRING, vmm->run->io.port);
	EXPECT_EQ(1, vmm->run->io.size);
	ASSERT_EQ((__u32)INSB_COUNT, vmm->run->io.count);
	data = vmm_io_data(vmm);
	for (int i = 0; i < INSB_COUNT; i++)
		data[i] = 0xc0 + i;

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	for (int i = 0; i < INSB_COUNT; i++) {
		EXPECT_EQ(0xc0 + i, buffer[i]) TH_LOG("byte %d", i);
	}
}

/* Without an in-kernel local APIC, HLT is userspace's to handle. */
TEST_F(run_exits, hlt_exits_past_the_hlt_and_run_resumes_after_it)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_hlt, guest_hlt_end));

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	EXPECT_EQ(OFFSET(guest_hlt_after, guest_hlt), guest_rip(vmm));
	ASSERT_RUN_OUT(vmm, PORT_REPORT, 1, 1);
}

TEST_F(run_exits, triple_fault_exits_with_shutdown)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_triple_fault,
			      guest_triple_fault_end));

	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vmm_run(vmm));
}

/*
 * Real mode: a word read at offset 0xffff crosses DS's limit, a #GP, which
 * the CPU delivers through the IVT to a handler that halts. Delivering it
 * pushes to a stack page the guest has not touched yet, so the delivery
 * itself exits (an EPT violation) and the hypervisor delivers the #GP
 * again, without an error code: real mode has none, and VM entry refuses
 * one there.
 */
static const unsigned char guest_gp_past_the_limit[] = {
	0xa1, 0xff, 0xff,	/* mov ax, [0xffff] */
	0xf4,			/* hlt: not reached */
	0xf4,			/* the #GP handler: hlt */
};
#define GP_HANDLER	4	/* its offset in the guest */
#define GP_VECTOR	13

TEST_F(run_exits, real_mode_gp_delivered_again_after_an_exit_reaches_its_handler)
{
	struct vmm *vmm = &self->vmm;
	uint16_t *ivt = (uint16_t *)vmm->mem;
	struct kvm_regs regs;
	uint16_t *stack;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_gp_past_the_limit,
			      guest_gp_past_the_limit +
			      sizeof(guest_gp_past_the_limit)));
	ivt[GP_VECTOR * 2] = GP_HANDLER;
	ivt[GP_VECTOR * 2 + 1] = VMM_CODE_ADDR >> 4;

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(GP_HANDLER + 1U, regs.rip);
	/* IP, CS and FLAGS of the faulting instruction, and no error code */
	EXPECT_EQ(VMM_REAL_MODE_SP - 6, regs.rsp);
	stack = (uint16_t *)(vmm->mem + VMM_CODE_ADDR + regs.rsp);
	EXPECT_EQ(0, stack[0]);
	EXPECT_EQ(VMM_CODE_ADDR >> 4, stack[1]);
}

/* KVM leaves exit_reason as it was: here the 0 of a fresh vCPU. */
TEST_F(run_exits, immediate_exit_fails_run_with_eintr_before_the_guest_runs)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));

	vmm->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_UNKNOWN, vmm->run->exit_reason);
	EXPECT_EQ(0U, guest_rip(vmm));

	vmm->run->immediate_exit = 0;
	ASSERT_RUN_OUT(vmm, PORT_OUT_BYTE, 1, OUT_BYTE);
}

/*
 * api.rst: a KVM_RUN with immediate_exit set still completes the I/O the
 * last exit asked for, so that the vCPU's state is whole (say, to migrate
 * it), without running any further guest instruction.
 */
TEST_F(run_exits, immediate_exit_still_completes_a_pending_in)
{
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_in_sizes,
			      guest_in_sizes_end));

	ASSERT_RUN_IN(vmm, PORT_IN, 1);
	vmm_io_set_value(vmm, OUT_BYTE);
	vmm->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_IO, vmm->run->exit_reason);

	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ((IN_SENTINEL & 0xffffff00) | OUT_BYTE, regs.rax);
	EXPECT_EQ(OFFSET(guest_in_sizes_after_in8, guest_in_sizes), regs.rip);

	vmm->run->immediate_exit = 0;
	ASSERT_RUN_OUT(vmm, PORT_ECHO, 4,
		       (IN_SENTINEL & 0xffffff00) | OUT_BYTE);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/*
 * A signal that arrives while the guest runs (here from a timer, every
 * 50 ms, while the guest spins with interrupts on) ends KVM_RUN with
 * EINTR and KVM_EXIT_INTR, once its handler has run.
 */
TEST_F(run_exits, signal_while_the_guest_spins_exits_with_kvm_exit_intr)
{
	struct sigaction action = { .sa_handler = on_sigusr1 };
	struct sigevent event = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGUSR1,
	};
	struct itimerspec every_50ms = {
		.it_value = { .tv_nsec = 50 * 1000 * 1000 },
		.it_interval = { .tv_nsec = 50 * 1000 * 1000 },
	};
	struct vmm *vmm = &self->vmm;
	timer_t timer;
	int exit_reason;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_spin, guest_spin_end));
	ASSERT_EQ(0, sigaction(SIGUSR1, &action, NULL));
	ASSERT_EQ(0, timer_create(CLOCK_MONOTONIC, &event, &timer));
	ASSERT_EQ(0, timer_settime(timer, 0, &every_50ms, NULL));

	exit_reason = vmm_run(vmm);
	timer_delete(timer);
	EXPECT_EQ(-EINTR, exit_reason);
	EXPECT_EQ(KVM_EXIT_INTR, vmm->run->exit_reason);
	/* The guest did run: it is in its loop, past the STI. */
	EXPECT_EQ(1U, guest_rip(vmm));
}

/*
 * KVM_SET_SIGNAL_MASK gives the mask in force during KVM_RUN. A signal
 * blocked and pending before the call, but not blocked by that mask,
 * stops KVM_RUN before the guest runs (EINTR, KVM_EXIT_INTR); KVM puts
 * the caller's mask back on the way out, so the signal is still pending
 * and undelivered afterwards.
 */
TEST_F(run_exits, pending_signal_the_run_mask_unblocks_stops_run_before_entry)
{
	struct {
		struct kvm_signal_mask head;
		uint64_t set;	/* the kernel's sigset_t: 64 bits */
	} run_mask = { .head.len = sizeof(uint64_t), .set = 0 };
	struct vmm *vmm = &self->vmm;
	sigset_t usr1, pending;

	ASSERT_EQ(0, vmm_load(vmm, VMM_REAL_MODE, guest_out_sizes,
			      guest_out_sizes_end));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &usr1, NULL));
	ASSERT_EQ(0, raise(SIGUSR1));
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_SET_SIGNAL_MASK, &run_mask));

	EXPECT_EQ(-EINTR, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_INTR, vmm->run->exit_reason);
	EXPECT_EQ(0U, guest_rip(vmm));
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_TRUE(sigismember(&pending, SIGUSR1));
}

TEST_HARNESS_MAIN
