// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "lapic": the local APIC in the kernel (KVM_CAP_SPLIT_IRQCHIP), on
 * /dev/kvm and /dev/minivisor alike, with the same assertions: its state
 * after RESET and through KVM_GET/SET_LAPIC (api.rst 4.57, 4.58), the
 * xAPIC page and the x2APIC MSRs, priorities, EOI and TPR, self-IPIs, the
 * timer in its three modes, HLT waiting in the kernel and the vCPU's
 * KVM_GET/SET_MP_STATE (4.38, 4.39), and KVM_INTERRUPT through LVT0;
 * that a guest storming itself with interrupts leaves the host its CPU;
 * and what reaches it from outside: GSI routes (4.52) raised by
 * KVM_IRQ_LINE_STATUS (4.25) and by irqfds (4.75), and the EOIs of
 * level-triggered pins that userspace's IOAPIC hears of
 * (KVM_EXIT_IOAPIC_EOI).
 *
 * The guest (guests/lapic_guests.S) does one thing at a time as the test
 * says, and its interrupt handler too, so each test reads as the APIC
 * accesses it checks, in order (Intel SDM Vol. 3A, chapter 11).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "lapic_guests.h"
#include "mv_test.h"
#include "vmm.h"

/* Register offsets in the xAPIC page (SDM table 11-1). */
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TPR	0x80
#define APIC_PPR	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SVR	0xf0
#define APIC_ISR	0x100
#define APIC_IRR	0x200
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define SVR_ENABLED		0x100
#define LVT_MASKED		(1u << 16)
#define LVT_PERIODIC		(1u << 17)
#define LVT_TSC_DEADLINE	(2u << 17)
#define ICR_SELF		(1u << 18)
#define ICR_INIT		0x500
#define ICR_STARTUP		0x600
#define ICR_ASSERT		(1u << 14)
#define ICR2_DEST(id)		((uint32_t)(id) << 24)
#define TDCR_DIVIDE_1		0xb

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC(reg)		(0x800 + ((reg) >> 4))
#define MSR_X2APIC_SELF_IPI	0x83f
#define APIC_BASE_ENABLE	(1u << 11)
#define APIC_BASE_X2APIC	(1u << 10)
#define APIC_BASE_BSP		(1u << 8)

/* CPUID leaf 1 ECX: x2APIC and the TSC-deadline timer. */
#define CPUID_X2APIC		(1u << 21)
#define CPUID_TSC_DEADLINE	(1u << 24)

/* Where the test builds the guest's IDT. */
#define IDT_ADDR		0x20000UL

FIXTURE(lapic) {
	struct vmm vmm;
};

FIXTURE_VARIANT(lapic) {
	const struct vmm_device *device;
};

FIXTURE_VARIANT_ADD(lapic, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(lapic, minivisor) {
	.device = &vmm_minivisor,
};

static int set_cpuid(struct vmm *vmm, uint32_t leaf1_ecx_bits);

/*
 * The guest, with an interrupt gate for every vector to its stub, and the
 * supported CPUID without x2APIC and TSC deadline: on KVM a vCPU without
 * KVM_SET_CPUID2 has no periodic timer either.
 */
static int load_guest(struct vmm *vmm)
{
	uint64_t *idt = (uint64_t *)(vmm->mem + IDT_ADDR);
	uint64_t stubs = VMM_CODE_ADDR + (lapic_guest_vectors - lapic_guest);
	struct kvm_sregs sregs;
	int ret;

	ret = vmm_load(vmm, VMM_PROTECTED_MODE, lapic_guest, lapic_guest_end);
	if (ret)
		return ret;
	for (int vector = 0; vector < 256; vector++) {
		uint64_t entry = stubs + vector * LAPIC_VECTOR_STUB_SIZE;

		idt[vector] = (entry & 0xffff) | (uint64_t)VMM_SEL_CODE32 << 16 |
			      0x8eULL << 40 | (entry >> 16) << 48;
	}
	ret = vmm_get_sregs(vmm, &sregs);
	if (ret)
		return ret;
	sregs.idt.base = IDT_ADDR;
	sregs.idt.limit = 256 * 8 - 1;
	return vmm_set_sregs(vmm, &sregs) ?: set_cpuid(vmm, 0);
}

FIXTURE_SETUP(lapic)
{
	ASSERT_EQ(0, vmm_create_split_irqchip(&self->vmm, variant->device));
	ASSERT_EQ(0, load_guest(&self->vmm));
}

FIXTURE_TEARDOWN(lapic)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/*
 * The guest does a command's last part once it has its last word, in the
 * KVM_RUN that gives it: that is, when the test gives the next command or
 * lets the guest run on to ask for it (settle()). The guest's IN then waits
 * here.
 */
static bool asking;

/* Whether the exit is an access of 4 bytes to port, IN or OUT. */
static bool exit_is(struct vmm *vmm, int exit_reason, uint16_t port,
		    uint8_t direction)
{
	struct kvm_run *run = vmm->run;

	return exit_reason == KVM_EXIT_IO && run->io.port == port &&
	       run->io.direction == direction && run->io.size == 4;
}

/* Say what the guest did instead of what the test wanted; -1. */
static int unexpected(struct vmm *vmm, int exit_reason, const char *wanted,
		      uint16_t port)
{
	struct kvm_run *run = vmm->run;

	fprintf(stderr, "# wanted the guest's %s port %#x, got exit %d",
		wanted, port, exit_reason);
	if (exit_reason == KVM_EXIT_IO)
		fprintf(stderr, " (%s port %#x, value %#x)",
			run->io.direction == KVM_EXIT_IO_IN ? "IN from" : "OUT to",
			run->io.port, vmm_io_value(vmm));
	fprintf(stderr, "\n");
	return -1;
}

/*
 * Run until the guest's next IN from the command port, unless it waits
 * already, and answer it. Returns 0, or -1 having said what the guest did
 * instead.
 */
static int give_word(struct vmm *vmm, uint32_t word)
{
	int exit_reason = asking ? KVM_EXIT_IO : vmm_run(vmm);

	asking = false;
	if (!exit_is(vmm, exit_reason, LAPIC_PORT_COMMAND, KVM_EXIT_IO_IN))
		return unexpected(vmm, exit_reason, "IN from", LAPIC_PORT_COMMAND);
	vmm_io_set_value(vmm, word);
	return 0;
}

/* The guest finishes its command, and asks for the next one. */
static int settle(struct vmm *vmm)
{
	int exit_reason = vmm_run(vmm);

	asking = exit_is(vmm, exit_reason, LAPIC_PORT_COMMAND, KVM_EXIT_IO_IN);
	return asking ? 0 : unexpected(vmm, exit_reason, "IN from",
				       LAPIC_PORT_COMMAND);
}

/* A command and its arguments. */
static int command(struct vmm *vmm, const uint32_t *words, size_t count)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < count; i++)
		ret = give_word(vmm, words[i]);
	return ret;
}

#define TELL_GUEST(vmm, ...)						\
	command(vmm, (const uint32_t[]){ __VA_ARGS__ },			\
		sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

/* Run until the guest's next OUT to port; its value goes to *value. */
static int take_out(struct vmm *vmm, uint16_t port, uint32_t *value)
{
	int exit_reason = vmm_run(vmm);

	if (!exit_is(vmm, exit_reason, port, KVM_EXIT_IO_OUT))
		return unexpected(vmm, exit_reason, "OUT to", port);
	*value = vmm_io_value(vmm);
	return 0;
}

/* The guest reads the register at reg of the xAPIC page. */
static int apic_read(struct vmm *vmm, uint32_t reg, uint32_t *value)
{
	return TELL_GUEST(vmm, LAPIC_READ, reg) ?: take_out(vmm, LAPIC_PORT_REPORT,
						       value);
}

static int apic_write(struct vmm *vmm, uint32_t reg, uint32_t value)
{
	return TELL_GUEST(vmm, LAPIC_WRITE, reg, value);
}

static int guest_rdmsr(struct vmm *vmm, uint32_t msr, uint64_t *value)
{
	uint32_t low = 0, high = 0;
	int ret = TELL_GUEST(vmm, LAPIC_RDMSR, msr) ?:
		  take_out(vmm, LAPIC_PORT_REPORT, &low) ?:
		  take_out(vmm, LAPIC_PORT_REPORT, &high);

	*value = (uint64_t)high << 32 | low;
	return ret;
}

static int guest_wrmsr(struct vmm *vmm, uint32_t msr, uint64_t value)
{
	return TELL_GUEST(vmm, LAPIC_WRMSR, msr, (uint32_t)value,
		     (uint32_t)(value >> 32));
}

static int guest_rdtsc(struct vmm *vmm, uint64_t *tsc)
{
	uint32_t low = 0, high = 0;
	int ret = TELL_GUEST(vmm, LAPIC_RDTSC) ?:
		  take_out(vmm, LAPIC_PORT_REPORT, &low) ?:
		  take_out(vmm, LAPIC_PORT_REPORT, &high);

	*tsc = (uint64_t)high << 32 | low;
	return ret;
}

/* The next thing the guest does is take this interrupt. */
static int interrupt_taken(struct vmm *vmm, uint32_t vector)
{
	uint32_t taken = 0;

	if (take_out(vmm, LAPIC_PORT_IRQ, &taken))
		return -1;
	if (taken == vector)
		return 0;
	fprintf(stderr, "# wanted vector %#x, the guest took %#x\n", vector,
		taken);
	return -1;
}

/* Software-enable the APIC (SVR), with 0xff for the spurious vector. */
static int apic_enable(struct vmm *vmm)
{
	return apic_write(vmm, APIC_SVR, SVR_ENABLED | 0xff);
}

/* Bit vector of a 256-bit register (IRR, ISR) at reg, as read by the guest. */
static int vector_bit(struct vmm *vmm, uint32_t reg, uint8_t vector,
		      bool *set)
{
	uint32_t bits;
	int ret = apic_read(vmm, reg + 0x10 * (vector / 32), &bits);

	*set = bits & (1u << (vector % 32));
	return ret;
}

static uint32_t state_reg(const struct kvm_lapic_state *state, uint32_t reg)
{
	uint32_t value;

	memcpy(&value, state->regs + reg, sizeof(value));
	return value;
}

static void set_state_reg(struct kvm_lapic_state *state, uint32_t reg,
			  uint32_t value)
{
	memcpy(state->regs + reg, &value, sizeof(value));
}

/*
 * KVM_SET_CPUID2 with the host's supported leaves, and leaf 1 offering
 * these of x2APIC and the TSC-deadline timer.
 */
static int set_cpuid(struct vmm *vmm, uint32_t leaf1_ecx_bits)
{
	struct {
		struct kvm_cpuid2 header;
		struct kvm_cpuid_entry2 entries[100];
	} cpuid = { .header.nent = 100 };
	int ret;

	if (ioctl(vmm->dev, KVM_GET_SUPPORTED_CPUID, &cpuid))
		return -errno;
	for (uint32_t i = 0; i < cpuid.header.nent; i++) {
		struct kvm_cpuid_entry2 *entry = &cpuid.entries[i];

		if (entry->function == 1)
			entry->ecx = (entry->ecx &
				      ~(CPUID_X2APIC | CPUID_TSC_DEADLINE)) |
				     leaf1_ecx_bits;
	}
	ret = ioctl(vmm->vcpu, KVM_SET_CPUID2, &cpuid);
	return ret ? -errno : 0;
}

/* ---------------------------------------------------------------------- */
/* Creating it, and its state */

/* api.rst 7.11: only before the first vCPU. */
TEST(split_irqchip_after_a_vcpu_is_eexist)
{
	const struct vmm_device *devices[] = { &vmm_kvm, &vmm_minivisor };

	for (size_t i = 0; i < 2; i++) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP,
			.args = { VMM_IOAPIC_PINS },
		};
		struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x66 };
		struct kvm_lapic_state state;
		struct vmm vmm;

		ASSERT_EQ(0, vmm_create(&vmm, devices[i]));
		EXPECT_EQ(-1, ioctl(vmm.vm, KVM_ENABLE_CAP, &cap));
		EXPECT_EQ(EEXIST, errno) TH_LOG("%s", devices[i]->path);
		/* Without it there is no APIC to get, or to send an MSI to. */
		EXPECT_EQ(-1, ioctl(vmm.vcpu, KVM_GET_LAPIC, &state));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", devices[i]->path);
		EXPECT_EQ(-1, ioctl(vmm.vm, KVM_SIGNAL_MSI, &msi));
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", devices[i]->path);
		EXPECT_EQ(0, vmm_destroy(&vmm));
	}
}

/*
 * After RESET (SDM 11.4.7.1, and KVM's choices): ID 0, version 0x14 with
 * six LVT entries, every LVT entry masked but LINT0 of the BSP in ExtINT
 * mode, DFR all ones, SVR 0xff (software-disabled), the xAPIC at its
 * default base with the BSP bit.
 */
TEST_F(lapic, state_after_reset_is_the_sdms)
{
	struct kvm_mp_state mp_state;
	struct kvm_lapic_state state;
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_GET_LAPIC, &state));
	EXPECT_EQ(0U, state_reg(&state, APIC_ID));
	EXPECT_EQ(0x50014U, state_reg(&state, APIC_LVR));
	EXPECT_EQ(0xffffffffU, state_reg(&state, APIC_DFR));
	EXPECT_EQ(0xffU, state_reg(&state, APIC_SVR));
	EXPECT_EQ(0U, state_reg(&state, APIC_TPR));
	EXPECT_EQ(LVT_MASKED, state_reg(&state, APIC_LVTT));
	EXPECT_EQ(0x700U, state_reg(&state, APIC_LVT0));
	EXPECT_EQ(LVT_MASKED, state_reg(&state, APIC_LVTERR));
	EXPECT_EQ(0U, state_reg(&state, APIC_TMICT));

	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	EXPECT_EQ(0xfee00000ULL | APIC_BASE_ENABLE | APIC_BASE_BSP,
		  sregs.apic_base);
	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_GET_MP_STATE, &mp_state));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state.mp_state);
}

/* The guest's reads of the xAPIC page see what KVM_GET_LAPIC sees. */
TEST_F(lapic, guest_reads_the_registers_userspace_sees)
{
	uint32_t id, version, svr, ldr;

	ASSERT_EQ(0, apic_read(&self->vmm, APIC_ID, &id));
	ASSERT_EQ(0, apic_read(&self->vmm, APIC_LVR, &version));
	ASSERT_EQ(0, apic_read(&self->vmm, APIC_SVR, &svr));
	EXPECT_EQ(0U, id);
	EXPECT_EQ(0x50014U, version);
	EXPECT_EQ(0xffU, svr);

	/* LDR keeps bits 31:24; the version register cannot be written. */
	ASSERT_EQ(0, apic_write(&self->vmm, APIC_LDR, 0x12345678));
	ASSERT_EQ(0, apic_write(&self->vmm, APIC_LVR, 0));
	ASSERT_EQ(0, apic_read(&self->vmm, APIC_LDR, &ldr));
	ASSERT_EQ(0, apic_read(&self->vmm, APIC_LVR, &version));
	EXPECT_EQ(0x12000000U, ldr);
	EXPECT_EQ(0x50014U, version);
}

/* KVM_SET_LAPIC with a vector in IRR: the guest takes it. */
TEST_F(lapic, set_lapic_with_a_requested_vector_delivers_it)
{
	struct kvm_lapic_state state;

	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_GET_LAPIC, &state));
	set_state_reg(&state, APIC_SVR, SVR_ENABLED | 0xff);
	set_state_reg(&state, APIC_IRR + 0x10 * (0x70 / 32), 1u << (0x70 % 32));
	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_SET_LAPIC, &state));

	ASSERT_EQ(0, TELL_GUEST(&self->vmm, LAPIC_STI));
	ASSERT_EQ(0, interrupt_taken(&self->vmm, 0x70));
	ASSERT_EQ(0, ioctl(self->vmm.vcpu, KVM_GET_LAPIC, &state));
	EXPECT_EQ(1u << (0x70 % 32),
		  state_reg(&state, APIC_ISR + 0x10 * (0x70 / 32)));
	EXPECT_EQ(0U, state_reg(&state, APIC_IRR + 0x10 * (0x70 / 32)));
}

/* ---------------------------------------------------------------------- */
/* Interrupts, priorities and EOI */

/*
 * A self-IPI waits in IRR while interrupts are off; taken, it moves to ISR
 * and raises PPR to its class; EOI clears it.
 */
TEST_F(lapic, self_ipi_waits_in_irr_and_eoi_ends_it)
{
	struct vmm *vmm = &self->vmm;
	uint32_t ppr;
	bool set;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_SELF | 0x40));
	ASSERT_EQ(0, vector_bit(vmm, APIC_IRR, 0x40, &set));
	EXPECT_TRUE(set);

	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x40));
	ASSERT_EQ(0, vector_bit(vmm, APIC_IRR, 0x40, &set));
	EXPECT_FALSE(set);
	ASSERT_EQ(0, vector_bit(vmm, APIC_ISR, 0x40, &set));
	EXPECT_TRUE(set);
	ASSERT_EQ(0, apic_read(vmm, APIC_PPR, &ppr));
	EXPECT_EQ(0x40U, ppr);

	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, vector_bit(vmm, APIC_ISR, 0x40, &set));
	EXPECT_FALSE(set);
	ASSERT_EQ(0, apic_read(vmm, APIC_PPR, &ppr));
	EXPECT_EQ(0U, ppr);
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/*
 * Two requests: the higher class first; the lower one waits, even with
 * interrupts on in the handler, until the EOI lowers PPR; then it nests.
 */
TEST_F(lapic, higher_class_goes_first_and_the_lower_waits_for_eoi)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_SELF | 0x41));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_SELF | 0x81));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x81));
	/* In 0x81's handler: interrupts on, and 0x41 still waits. */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI, LAPIC_SPIN, 1000));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x41));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));	/* from 0x41 */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));	/* from 0x81 */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_CLI));
}

/*
 * TPR holds back the classes at or below its own (SDM 11.8.3.1): 0x45
 * waits while TPR is 0x50 or 0x40, and comes once it is 0x30.
 */
TEST_F(lapic, tpr_holds_back_lower_classes_until_lowered)
{
	struct vmm *vmm = &self->vmm;
	uint32_t ppr;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_TPR, 0x50));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_SELF | 0x45));
	ASSERT_EQ(0, apic_read(vmm, APIC_PPR, &ppr));
	EXPECT_EQ(0x50U, ppr);
	ASSERT_EQ(0, apic_write(vmm, APIC_TPR, 0x40));
	ASSERT_EQ(0, apic_read(vmm, APIC_PPR, &ppr));
	EXPECT_EQ(0x40U, ppr);
	ASSERT_EQ(0, apic_write(vmm, APIC_TPR, 0x30));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x45));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/* KVM_INTERRUPT is userspace's PIC: it comes in through LVT0, ExtINT. */
TEST_F(lapic, kvm_interrupt_comes_in_through_lvt0)
{
	struct kvm_interrupt irq = { .irq = 0x30 };
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI));
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_INTERRUPT, &irq));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x30));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/*
 * KVM_SIGNAL_MSI: a message to APIC ID 0 interrupts the guest; one to an
 * APIC no vCPU has reaches nobody (0).
 */
TEST_F(lapic, signal_msi_interrupts_the_apic_it_names)
{
	struct kvm_msi to_0 = { .address_lo = 0xfee00000, .data = 0x66 };
	struct kvm_msi to_5 = { .address_lo = 0xfee05000, .data = 0x66 };
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI, LAPIC_SPIN, 10));
	EXPECT_EQ(0, ioctl(vmm->vm, KVM_SIGNAL_MSI, &to_5));
	EXPECT_EQ(1, ioctl(vmm->vm, KVM_SIGNAL_MSI, &to_0));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x66));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/* ---------------------------------------------------------------------- */
/* The timer */

/* One-shot: one interrupt, and the count stays at 0. */
TEST_F(lapic, oneshot_timer_fires_once)
{
	struct vmm *vmm = &self->vmm;
	uint32_t count;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_TDCR, TDCR_DIVIDE_1));
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, 0x50));
	ASSERT_EQ(0, apic_write(vmm, APIC_TMICT, 100000));	/* 100 us */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x50));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	ASSERT_EQ(0, apic_read(vmm, APIC_TMCCT, &count));
	EXPECT_EQ(0U, count);
	/* Spin for longer than the period: no second interrupt comes. */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_SPIN, 100000));
	ASSERT_EQ(0, apic_read(vmm, APIC_TMICT, &count));
	EXPECT_EQ(100000U, count);
}

/*
 * Periodic: it fires again and again, from the initial count, and on
 * after the divide configuration changes.
 */
TEST_F(lapic, periodic_timer_fires_again_and_again)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_TDCR, TDCR_DIVIDE_1));
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, LVT_PERIODIC | 0x51));
	ASSERT_EQ(0, apic_write(vmm, APIC_TMICT, 1000000));	/* 1 ms */
	for (int i = 0; i < 4; i++) {
		/* The count goes on at the new rate, and so do the ticks. */
		if (i == 3)
			ASSERT_EQ(0, apic_write(vmm, APIC_TDCR, 0));
		ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
		ASSERT_EQ(0, interrupt_taken(vmm, 0x51)) TH_LOG("tick %d", i);
		ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
		ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
		ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_CLI));
	}
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, LVT_MASKED));
}

/*
 * The current count runs down from the initial count at the divided bus
 * clock: a long count, read twice, is lower the second time.
 */
TEST_F(lapic, current_count_runs_down)
{
	struct vmm *vmm = &self->vmm;
	uint32_t first, second;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_TDCR, 0xa));	/* divide by 128 */
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, LVT_MASKED | 0x52));
	ASSERT_EQ(0, apic_write(vmm, APIC_TMICT, 0xffffffff));
	ASSERT_EQ(0, apic_read(vmm, APIC_TMCCT, &first));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_SPIN, 10000));
	ASSERT_EQ(0, apic_read(vmm, APIC_TMCCT, &second));
	EXPECT_GT(first, 0U);
	EXPECT_LT(second, first);
	/* Writing 0 stops it. */
	ASSERT_EQ(0, apic_write(vmm, APIC_TMICT, 0));
	ASSERT_EQ(0, apic_read(vmm, APIC_TMCCT, &second));
	EXPECT_EQ(0U, second);
}

/*
 * TSC-deadline mode, offered in CPUID: IA32_TSC_DEADLINE arms it; it fires
 * once the TSC passes the deadline, which then reads as 0 (SDM 11.5.4.1).
 * The deadline is far enough for the guest to read it back first, even
 * under the debug kernel, where each exit on the way takes longer: Bochs'
 * TSC counts instructions, the host's included.
 */
#define DEADLINE_TICKS	100000000ULL
TEST_F(lapic, tsc_deadline_timer_fires_past_the_deadline)
{
	struct vmm *vmm = &self->vmm;
	uint64_t tsc, deadline;

	ASSERT_EQ(0, set_cpuid(vmm, CPUID_TSC_DEADLINE));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, LVT_TSC_DEADLINE | 0x53));
	ASSERT_EQ(0, guest_rdtsc(vmm, &tsc));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_TSC_DEADLINE, tsc + DEADLINE_TICKS));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_TSC_DEADLINE, &deadline));
	EXPECT_EQ(tsc + DEADLINE_TICKS, deadline);
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x53));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_TSC_DEADLINE, &deadline));
	EXPECT_EQ(0U, deadline);
}

/* Without TSC-deadline in CPUID, LVT timer mode 2 does not stick. */
TEST_F(lapic, tsc_deadline_mode_needs_cpuid)
{
	uint32_t lvtt;

	ASSERT_EQ(0, apic_enable(&self->vmm));
	ASSERT_EQ(0, apic_write(&self->vmm, APIC_LVTT, LVT_TSC_DEADLINE | 0x53));
	ASSERT_EQ(0, apic_read(&self->vmm, APIC_LVTT, &lvtt));
	EXPECT_EQ(0x53U, lvtt);
}

/* ---------------------------------------------------------------------- */
/* x2APIC */

/*
 * Offered in CPUID, the guest turns x2APIC mode on: the registers are
 * MSRs, the ID is the vCPU's, the self-IPI register sends, and the xAPIC
 * page reads as all ones.
 */
TEST_F(lapic, x2apic_mode_moves_the_registers_to_msrs)
{
	struct vmm *vmm = &self->vmm;
	uint64_t base, id, version, ldr;
	uint32_t page;

	ASSERT_EQ(0, set_cpuid(vmm, CPUID_X2APIC));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_APIC_BASE, &base));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_APIC_BASE, base | APIC_BASE_X2APIC));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_X2APIC(APIC_ID), &id));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_X2APIC(APIC_LVR), &version));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_X2APIC(APIC_LDR), &ldr));
	EXPECT_EQ(0U, id);
	/* Directed EOI: the IOAPIC is userspace's. */
	EXPECT_EQ(0x1050014U, version);
	EXPECT_EQ(1U, ldr);

	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_X2APIC(APIC_SVR), SVR_ENABLED | 0xff));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_X2APIC_SELF_IPI, 0x60));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x60));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_X2APIC(APIC_EOI), 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	ASSERT_EQ(0, apic_read(vmm, APIC_SVR, &page));
	EXPECT_EQ(0xffffffffU, page);
}

/* In x2APIC mode the ICR's reserved bits fault (SDM 11.12.9). */
TEST_F(lapic, x2apic_icr_with_reserved_bits_faults)
{
	struct vmm *vmm = &self->vmm;
	uint64_t base;

	ASSERT_EQ(0, set_cpuid(vmm, CPUID_X2APIC));
	ASSERT_EQ(0, guest_rdmsr(vmm, MSR_APIC_BASE, &base));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_APIC_BASE, base | APIC_BASE_X2APIC));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_X2APIC(APIC_SVR), SVR_ENABLED | 0xff));
	ASSERT_EQ(0, guest_wrmsr(vmm, MSR_X2APIC(APIC_ICR),
				 ICR_SELF | (1u << 13) | 0x61));
	ASSERT_EQ(0, interrupt_taken(vmm, 13));	/* #GP */
}

/* ---------------------------------------------------------------------- */
/* HLT and the vCPU's state */

static void ignore_signal(int signal)
{
	(void)signal;
}

/*
 * With interrupts off, HLT waits in the kernel for good: a signal ends the
 * run (EINTR) but not the halt, which userspace can end.
 */
TEST_F(lapic, hlt_waits_in_the_kernel_until_userspace_ends_it)
{
	struct itimerval in_50ms = { .it_value.tv_usec = 50000 };
	struct kvm_mp_state mp_state;
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_CLI, LAPIC_HLT));
	ASSERT_NE(SIG_ERR, signal(SIGALRM, ignore_signal));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &in_50ms, NULL));
	EXPECT_EQ(-EINTR, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_INTR, vmm->run->exit_reason);
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_GET_MP_STATE, &mp_state));
	EXPECT_EQ(KVM_MP_STATE_HALTED, mp_state.mp_state);

	mp_state.mp_state = KVM_MP_STATE_RUNNABLE;
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_SET_MP_STATE, &mp_state));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/* A halted vCPU with interrupts on wakes for the timer, with no exit. */
TEST_F(lapic, hlt_wakes_for_the_timer_without_an_exit)
{
	struct kvm_mp_state mp_state;
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_TDCR, TDCR_DIVIDE_1));
	ASSERT_EQ(0, apic_write(vmm, APIC_LVTT, 0x54));
	ASSERT_EQ(0, apic_write(vmm, APIC_TMICT, 2000000));	/* 2 ms */
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x54));
	ASSERT_EQ(0, ioctl(vmm->vcpu, KVM_GET_MP_STATE, &mp_state));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state.mp_state);
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/* ---------------------------------------------------------------------- */
/* A second vCPU: INIT, start-up and fixed IPIs */

/* Where the test puts the AP's guest: the start-up IPI's vector's page. */
#define AP_VECTOR	0x08
#define AP_CODE_ADDR	(AP_VECTOR << 12)

struct ap {
	int vcpu;
	struct kvm_run *run;
	int exit_reason;	/* of its last KVM_RUN, or -errno */
	int runs;		/* KVM_RUNs in the thread */
	pthread_t thread;
};

/* KVM_RUN on the AP, again for as long as it says EAGAIN (not started). */
static void *run_ap(void *arg)
{
	struct ap *ap = arg;

	do {
		__atomic_add_fetch(&ap->runs, 1, __ATOMIC_RELAXED);
		ap->exit_reason = ioctl(ap->vcpu, KVM_RUN, 0) ? -errno :
				  (int)ap->run->exit_reason;
	} while (ap->exit_reason == -EAGAIN);
	return NULL;
}

/*
 * The AP's next exit, within AP_SECONDS, must be its OUT of value to
 * LAPIC_PORT_AP.
 */
#define AP_SECONDS	20

/* Long enough for the AP's thread to start and its guest to halt. */
#define AP_HALTS_US	200000

static int ap_out(struct ap *ap, uint8_t value)
{
	struct timespec deadline;
	void *ignored;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += AP_SECONDS;
	if (pthread_timedjoin_np(ap->thread, &ignored, &deadline)) {
		fprintf(stderr, "# the AP did not exit within %d s (%d runs, the last %d)\n",
			AP_SECONDS, __atomic_load_n(&ap->runs, __ATOMIC_RELAXED),
			ap->exit_reason);
		return -1;
	}
	if (ap->exit_reason == KVM_EXIT_IO &&
	    ap->run->io.direction == KVM_EXIT_IO_OUT &&
	    ap->run->io.port == LAPIC_PORT_AP &&
	    *((uint8_t *)ap->run + ap->run->io.data_offset) == value)
		return 0;
	fprintf(stderr, "# wanted the AP's OUT of %#x, got exit %d\n", value,
		ap->exit_reason);
	return -1;
}

/*
 * vCPU 1, its kvm_run mapped and its guest at AP_CODE_ADDR. Its APIC is
 * set as it is, as a VMM does at reset: KVM 6.1 finds a new vCPU's APIC
 * for IPIs only from its first change on. 0 or -errno.
 */
static int create_ap(struct vmm *vmm, struct ap *ap)
{
	struct kvm_lapic_state state;

	ap->vcpu = ioctl(vmm->vm, KVM_CREATE_VCPU, 1);
	if (ap->vcpu < 0)
		return -errno;
	ap->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, ap->vcpu, 0);
	if (ap->run == MAP_FAILED)
		return -errno;
	if (ioctl(ap->vcpu, KVM_GET_LAPIC, &state) ||
	    ioctl(ap->vcpu, KVM_SET_LAPIC, &state))
		return -errno;
	memcpy(vmm->mem + AP_CODE_ADDR, lapic_ap_guest,
	       lapic_ap_guest_end - lapic_ap_guest);
	return 0;
}

static int ap_mp_state(struct ap *ap)
{
	struct kvm_mp_state mp_state;

	if (ioctl(ap->vcpu, KVM_GET_MP_STATE, &mp_state))
		return -errno;
	return mp_state.mp_state;
}

/*
 * vCPU 1 is not started (KVM_MP_STATE_UNINITIALIZED) until the BSP sends
 * it INIT, which leaves it waiting for a start-up IPI, and the start-up
 * IPI: it then runs in real mode at the vector's page (SDM 9.4.4).
 * Halted with interrupts on, it wakes for a fixed IPI from the BSP to its
 * APIC ID.
 */
TEST_F(lapic, init_and_startup_start_a_vcpu_and_a_fixed_ipi_wakes_it)
{
	uint16_t *ivt = (uint16_t *)self->vmm.mem;
	struct vmm *vmm = &self->vmm;
	struct kvm_lapic_state state;
	struct ap ap = { 0 };

	ASSERT_EQ(0, create_ap(vmm, &ap));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, ap_mp_state(&ap));
	ivt[2 * LAPIC_AP_IPI] = lapic_ap_handler - lapic_ap_guest;
	ivt[2 * LAPIC_AP_IPI + 1] = AP_CODE_ADDR >> 4;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR2, ICR2_DEST(1)));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_INIT | ICR_ASSERT));
	ASSERT_EQ(0, settle(vmm));
	EXPECT_EQ(KVM_MP_STATE_INIT_RECEIVED, ap_mp_state(&ap));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_STARTUP | AP_VECTOR));
	ASSERT_EQ(0, settle(vmm));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, ap_mp_state(&ap));
	ASSERT_EQ(0, pthread_create(&ap.thread, NULL, run_ap, &ap));
	ASSERT_EQ(0, ap_out(&ap, LAPIC_AP_STARTED));

	/* The AP's APIC, software-enabled, takes a fixed IPI. */
	ASSERT_EQ(0, ioctl(ap.vcpu, KVM_GET_LAPIC, &state));
	EXPECT_EQ(ICR2_DEST(1), state_reg(&state, APIC_ID));
	set_state_reg(&state, APIC_SVR, SVR_ENABLED | 0xff);
	ASSERT_EQ(0, ioctl(ap.vcpu, KVM_SET_LAPIC, &state));
	ASSERT_EQ(0, pthread_create(&ap.thread, NULL, run_ap, &ap));
	usleep(AP_HALTS_US);	/* the IPI wakes it from HLT */
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, LAPIC_AP_IPI));
	ASSERT_EQ(0, settle(vmm));
	ASSERT_EQ(0, ap_out(&ap, LAPIC_AP_IPI));

	munmap(ap.run, vmm->run_size);
	close(ap.vcpu);
}

/*
 * The KVM_RUN of a vCPU never started waits for its INIT, then says
 * EAGAIN (as on KVM), and the next runs it once the start-up IPI came.
 */
TEST_F(lapic, run_of_a_vcpu_not_started_waits_for_init)
{
	struct vmm *vmm = &self->vmm;
	struct ap ap = { 0 };

	ASSERT_EQ(0, create_ap(vmm, &ap));
	ASSERT_EQ(0, pthread_create(&ap.thread, NULL, run_ap, &ap));
	usleep(AP_HALTS_US);
	EXPECT_EQ(1, __atomic_load_n(&ap.runs, __ATOMIC_RELAXED));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR2, ICR2_DEST(1)));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_INIT | ICR_ASSERT));
	ASSERT_EQ(0, apic_write(vmm, APIC_ICR, ICR_STARTUP | AP_VECTOR));
	ASSERT_EQ(0, settle(vmm));
	ASSERT_EQ(0, ap_out(&ap, LAPIC_AP_STARTED));
	EXPECT_EQ(2, ap.runs);

	munmap(ap.run, vmm->run_size);
	close(ap.vcpu);
}

/* ---------------------------------------------------------------------- */
/* A guest that asks too much */

static uint32_t quiet_count(struct vmm *vmm)
{
	uint32_t count;

	memcpy(&count, vmm->mem + LAPIC_QUIET_COUNT, sizeof(count));
	return count;
}

/*
 * A guest whose interrupt handler sends itself the next interrupt never
 * exits to userspace, but a signal still ends KVM_RUN at once, and the
 * storm went on in the kernel until then.
 */
TEST_F(lapic, a_self_ipi_storm_leaves_the_vcpu_thread_to_its_signals)
{
	struct kvm_msi first = { .address_lo = 0xfee00000, .data = 0x48 };
	struct itimerval in_100ms = { .it_value.tv_usec = 100000 };
	struct vmm *vmm = &self->vmm;
	struct timespec start;

	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_QUIET, LAPIC_QUIET_STORM,
				LAPIC_AWAIT, UINT32_MAX));
	ASSERT_EQ(1, ioctl(vmm->vm, KVM_SIGNAL_MSI, &first));
	ASSERT_NE(SIG_ERR, signal(SIGALRM, ignore_signal));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &in_100ms, NULL));
	clock_gettime(CLOCK_MONOTONIC, &start);
	EXPECT_EQ(-EINTR, vmm_run(vmm));
	EXPECT_EQ(KVM_EXIT_INTR, vmm->run->exit_reason);
	EXPECT_GT(2.0, mv_seconds_since(&start));
	EXPECT_LT(10, quiet_count(vmm));
}

/* ---------------------------------------------------------------------- */
/* GSI routes, irqfds, and the EOIs userspace's IOAPIC hears of */

/* A message to APIC ID dest with vector, as userspace's IOAPIC sets one. */
static struct kvm_irq_routing_entry msi_route(uint32_t gsi, uint8_t dest,
					      uint8_t vector, bool level)
{
	return (struct kvm_irq_routing_entry) {
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi.address_lo = 0xfee00000 | (uint32_t)dest << 12,
		.u.msi.data = vector | (level ? 1u << 15 : 0),
	};
}

#define MAX_TEST_ROUTES 4

/* KVM_SET_GSI_ROUTING with these entries: 0, or -errno. */
static int set_routes(struct vmm *vmm,
		      const struct kvm_irq_routing_entry *entries, uint32_t nr)
{
	struct {
		struct kvm_irq_routing header;
		struct kvm_irq_routing_entry entries[MAX_TEST_ROUTES];
	} table = { .header.nr = nr };

	if (nr)
		memcpy(table.entries, entries, nr * sizeof(*entries));
	return ioctl(vmm->vm, KVM_SET_GSI_ROUTING, &table) ? -errno : 0;
}

#define SET_ROUTES(vmm, ...)						\
	set_routes(vmm, (const struct kvm_irq_routing_entry[]){ __VA_ARGS__ }, \
		   sizeof((const struct kvm_irq_routing_entry[]){ __VA_ARGS__ }) / \
		   sizeof(struct kvm_irq_routing_entry))

/* KVM_IRQ_LINE_STATUS: the status, or INT32_MIN if the ioctl failed. */
static int32_t irq_line_status(struct vmm *vmm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };

	if (ioctl(vmm->vm, KVM_IRQ_LINE_STATUS, &line))
		return INT32_MIN;
	return line.status;
}

static int irqfd(struct vmm *vmm, int fd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd args = { .fd = fd, .gsi = gsi, .flags = flags };

	return ioctl(vmm->vm, KVM_IRQFD, &args) ? -errno : 0;
}

/*
 * The guest halts with interrupts on, KVM_IRQ_LINE_STATUS raises gsi, and
 * the guest takes vector. CLI first: after an earlier interrupt's IRET
 * the command loop runs with RFLAGS.IF set, and would take it too soon.
 */
static int raise_while_halted(struct vmm *vmm, uint32_t gsi, uint32_t vector)
{
	int32_t status;

	if (TELL_GUEST(vmm, LAPIC_CLI, LAPIC_STI_HLT))
		return -1;
	status = irq_line_status(vmm, gsi, 1);
	if (status != 1) {
		fprintf(stderr, "# GSI %u: status %d, not 1\n", gsi, status);
		return -1;
	}
	return interrupt_taken(vmm, vector);
}

/* Without the irqchip in the kernel there is nothing to route to. */
TEST(routes_irq_lines_and_irqfds_need_the_irqchip)
{
	const struct vmm_device *devices[] = { &vmm_kvm, &vmm_minivisor };

	for (size_t i = 0; i < 2; i++) {
		struct kvm_irq_routing_entry route = msi_route(1, 0, 0x40, false);
		struct vmm vmm;
		int efd = eventfd(0, EFD_CLOEXEC);

		ASSERT_LE(0, efd);
		ASSERT_EQ(0, vmm_create(&vmm, devices[i]));
		EXPECT_EQ(-EINVAL, set_routes(&vmm, &route, 1))
			TH_LOG("%s", devices[i]->path);
		EXPECT_EQ(INT32_MIN, irq_line_status(&vmm, 1, 1));
		EXPECT_EQ(ENXIO, errno) TH_LOG("%s", devices[i]->path);
		EXPECT_EQ(-EINVAL, irqfd(&vmm, efd, 1, 0))
			TH_LOG("%s", devices[i]->path);
		EXPECT_EQ(0, vmm_destroy(&vmm));
		close(efd);
	}
}

/* What the split irqchip needs, each offered. */
TEST(check_extension_offers_the_split_irqchip)
{
	const long caps[] = {
		KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQFD,
		KVM_CAP_SIGNAL_MSI, KVM_CAP_IRQ_INJECT_STATUS,
		KVM_CAP_TSC_DEADLINE_TIMER,
	};
	const struct vmm_device *devices[] = { &vmm_kvm, &vmm_minivisor };

	for (size_t i = 0; i < 2; i++) {
		int dev;

		ASSERT_EQ(0, devices[i]->load());
		dev = open(devices[i]->path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev) TH_LOG("%s", devices[i]->path);
		for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			EXPECT_LT(0, ioctl(dev, KVM_CHECK_EXTENSION, caps[c]))
				TH_LOG("%s: capability %ld", devices[i]->path,
				       caps[c]);
		}
		close(dev);
		EXPECT_EQ(0, devices[i]->release());
	}
}

/*
 * KVM_IRQ_LINE_STATUS raises a GSI through its route: the status counts
 * the APICs that took it, 0 if the message named none, and -1 for a GSI
 * without a route or a message lowered.
 */
TEST_F(lapic, irq_line_status_sends_the_routes_message)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(5, 0, 0x41, false),
				msi_route(6, 5, 0x42, false)));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	EXPECT_EQ(-1, irq_line_status(vmm, 7, 1));
	EXPECT_EQ(-1, irq_line_status(vmm, 5, 0));
	EXPECT_EQ(0, irq_line_status(vmm, 6, 1));
	EXPECT_EQ(1, irq_line_status(vmm, 5, 1));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x41));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/*
 * An irqfd: a write to the eventfd interrupts the halted guest, and the
 * count is the irqfd's; once deassigned, the count stays for the reader
 * and the guest hears nothing.
 */
TEST_F(lapic, irqfd_raises_its_gsi_until_deassigned)
{
	struct vmm *vmm = &self->vmm;
	uint64_t one = 1, count = 0;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	bool requested = true;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(9, 0, 0x52, false)));
	ASSERT_EQ(0, irqfd(vmm, efd, 9, 0));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(sizeof(one), write(efd, &one, sizeof(one)));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x52));
	EXPECT_EQ(-1, read(efd, &count, sizeof(count)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));

	ASSERT_EQ(0, irqfd(vmm, efd, 9, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(sizeof(one), write(efd, &one, sizeof(one)));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI, LAPIC_SPIN, 10));
	ASSERT_EQ(0, vector_bit(vmm, APIC_IRR, 0x52, &requested));
	EXPECT_FALSE(requested);
	EXPECT_EQ(sizeof(count), read(efd, &count, sizeof(count)));
	EXPECT_EQ(1, count);
	close(efd);
}

/*
 * An eventfd signalled before KVM_IRQFD raises the GSI at once. The VM
 * then outlives the eventfd's file, and another irqfd stays bound until
 * the VM goes: the irqfds leave with either.
 */
TEST_F(lapic, irqfd_signalled_before_it_is_bound_raises_at_once)
{
	struct vmm *vmm = &self->vmm;
	int efd = eventfd(1, EFD_CLOEXEC), kept = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_LE(0, kept);
	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(3, 0, 0x53, false)));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(0, irqfd(vmm, efd, 3, 0));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x53));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	ASSERT_EQ(0, irqfd(vmm, kept, 4, 0));
	close(efd);
	ASSERT_EQ(0, settle(vmm));
	/* kept closes when the test's process ends, after the VM is gone. */
}

/*
 * The EOI of a vector that a level-triggered route of an IOAPIC pin (a
 * GSI below the pins KVM_CAP_SPLIT_IRQCHIP named) sends to this APIC goes
 * to userspace once the EOI is done; edge-triggered routes and GSIs past
 * the pins do not.
 */
TEST_F(lapic, eoi_of_a_level_triggered_ioapic_pin_exits_to_userspace)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(2, 0, 0x61, true),
				msi_route(VMM_IOAPIC_PINS, 0, 0x62, true),
				msi_route(3, 0, 0x63, false)));
	ASSERT_EQ(0, apic_enable(vmm));

	ASSERT_EQ(0, raise_while_halted(vmm, 2, 0x61));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	EXPECT_EQ(KVM_EXIT_IOAPIC_EOI, vmm_run(vmm));
	EXPECT_EQ(0x61, vmm->run->eoi.vector);
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));

	/* The edge-triggered pin, and the level-triggered GSI past the pins. */
	for (int i = 0; i < 2; i++) {
		uint32_t gsi = i ? VMM_IOAPIC_PINS : 3;

		ASSERT_EQ(0, raise_while_halted(vmm, gsi, i ? 0x62 : 0x63));
		ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
		ASSERT_EQ(0, settle(vmm)) TH_LOG("GSI %u", gsi);
		ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	}
}

/*
 * Only routes that name this APIC count: a level-triggered pin sending
 * 0x64 to APIC 1 does not make 0x64's EOI on APIC 0 an exit. And a new
 * table counts at once: once pin 2 has no route, 0x61 ends in the kernel.
 */
TEST_F(lapic, eoi_exits_follow_the_routes_to_this_apic_as_they_are_now)
{
	struct kvm_msi to_0 = { .address_lo = 0xfee00000, .data = 0x64 };
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(2, 0, 0x61, true),
				msi_route(4, 1, 0x64, true)));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	ASSERT_EQ(1, ioctl(vmm->vm, KVM_SIGNAL_MSI, &to_0));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x64));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, settle(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));

	ASSERT_EQ(0, raise_while_halted(vmm, 2, 0x61));
	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(4, 1, 0x64, true)));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, settle(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
}

/* Writes to an eventfd from a thread of their own, until it is closed. */
static void *keep_signalling(void *arg)
{
	int fd = *(int *)arg;

	while (eventfd_write(fd, 1) == 0)
		;
	return NULL;
}

/*
 * An eventfd signalled without pause while KVM_IRQFD binds and unbinds it
 * again and again, and then closed while bound: the irqfd goes with it,
 * and a new one on the same GSI works. Under the debug kernel's checkers
 * (bochs-debug) this is the irqfd's races: wake-ups against deassign, and
 * the eventfd's end against its last wake-ups.
 */
TEST_F(lapic, irqfd_bound_and_unbound_while_signalled_then_closed)
{
	struct vmm *vmm = &self->vmm;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int next = eventfd(0, EFD_CLOEXEC);
	pthread_t writer;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, next);
	ASSERT_EQ(0, SET_ROUTES(vmm, msi_route(6, 0, 0x56, false)));
	ASSERT_EQ(0, apic_enable(vmm));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_STI_HLT));
	/* Signalled once before: the first binding raises the GSI. */
	ASSERT_EQ(0, eventfd_write(efd, 1));
	ASSERT_EQ(0, pthread_create(&writer, NULL, keep_signalling, &efd));
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(0, irqfd(vmm, efd, 6, 0));
		ASSERT_EQ(0, irqfd(vmm, efd, 6, KVM_IRQFD_FLAG_DEASSIGN));
	}
	ASSERT_EQ(0, irqfd(vmm, efd, 6, 0));
	close(efd);
	ASSERT_EQ(0, pthread_join(writer, NULL));

	/* 0x56 waits in IRR, once however often it was raised. */
	ASSERT_EQ(0, interrupt_taken(vmm, 0x56));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN, LAPIC_CLI, LAPIC_STI_HLT));
	ASSERT_EQ(0, irqfd(vmm, next, 6, 0));
	ASSERT_EQ(0, eventfd_write(next, 1));
	ASSERT_EQ(0, interrupt_taken(vmm, 0x56));
	ASSERT_EQ(0, apic_write(vmm, APIC_EOI, 0));
	ASSERT_EQ(0, TELL_GUEST(vmm, LAPIC_RETURN));
	close(next);
}

/* KVM_SET_GSI_ROUTING refuses what KVM refuses with the split irqchip. */
TEST_F(lapic, gsi_routing_refuses_what_kvm_refuses)
{
	struct kvm_irq_routing_entry pic = {
		.gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 1 },
	};
	struct kvm_irq_routing_entry unknown = { .gsi = 1, .type = 99 };
	struct kvm_irq_routing_entry flagged = msi_route(1, 0, 0x40, false);
	struct kvm_irq_routing_entry devid = msi_route(1, 0, 0x40, false);
	struct kvm_irq_routing header = { .nr = 4097 };
	struct vmm *vmm = &self->vmm;

	flagged.flags = 2;
	devid.flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(0, set_routes(vmm, NULL, 0));
	EXPECT_EQ(-EINVAL, set_routes(vmm, &pic, 1));
	EXPECT_EQ(-EINVAL, set_routes(vmm, &unknown, 1));
	EXPECT_EQ(-EINVAL, set_routes(vmm, &flagged, 1));
	EXPECT_EQ(0, set_routes(vmm, &devid, 1));
	EXPECT_EQ(-EINVAL, SET_ROUTES(vmm, msi_route(4096, 0, 0x40, false)));
	EXPECT_EQ(0, SET_ROUTES(vmm, msi_route(4095, 0, 0x40, false)));
	EXPECT_EQ(-EINVAL, SET_ROUTES(vmm, msi_route(8, 0, 0x40, false),
				      msi_route(8, 1, 0x41, false)));
	EXPECT_EQ(-1, ioctl(vmm->vm, KVM_SET_GSI_ROUTING, &header));
	EXPECT_EQ(EINVAL, errno);
	header = (struct kvm_irq_routing){ .flags = 1 };
	EXPECT_EQ(-1, ioctl(vmm->vm, KVM_SET_GSI_ROUTING, &header));
	EXPECT_EQ(EINVAL, errno);
}

/* KVM_IRQFD's errors, as KVM gives them. */
TEST_F(lapic, irqfd_refuses_what_kvm_refuses)
{
	struct vmm *vmm = &self->vmm;
	int efd = eventfd(0, EFD_CLOEXEC), other = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_LE(0, other);
	/* No in-kernel IOAPIC: nothing for a resampler to re-raise. */
	EXPECT_EQ(-EINVAL, irqfd(vmm, efd, 1, KVM_IRQFD_FLAG_RESAMPLE));
	EXPECT_EQ(-EINVAL, irqfd(vmm, efd, 1, 1u << 2));
	EXPECT_EQ(-EBADF, irqfd(vmm, -1, 1, 0));
	EXPECT_EQ(-EINVAL, irqfd(vmm, vmm->vm, 1, 0));
	EXPECT_EQ(0, irqfd(vmm, other, 1, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, irqfd(vmm, efd, 1, 0));
	EXPECT_EQ(-EBUSY, irqfd(vmm, efd, 2, 0));
	EXPECT_EQ(0, irqfd(vmm, other, 1, 0));
	EXPECT_EQ(0, irqfd(vmm, efd, 2, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, irqfd(vmm, efd, 1, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, irqfd(vmm, efd, 2, 0));
	close(efd);
	close(other);
}

TEST_HARNESS_MAIN
