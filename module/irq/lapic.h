/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC: each vCPU's own interrupt controller (Intel SDM Vol. 3A,
 * chapter 11, "Advanced Programmable Interrupt Controller").
 *
 * KVM's model, which userspace turns on for a VM with KVM_ENABLE_CAP
 * (KVM_CAP_SPLIT_IRQCHIP) before its first vCPU: every vCPU then has a
 * local APIC in the kernel, and the IOAPIC and PIC stay in userspace. The
 * guest reaches its APIC's registers in two ways, both handled here
 * without a trip to userspace: the xAPIC's 4 KiB page of MMIO at the
 * address IA32_APIC_BASE gives (lapic.c), and in x2APIC mode the MSRs
 * 0x800 to 0x8ff (x2apic.c). Its timer (lapic_timer.c) counts down on an
 * hrtimer, or waits for a TSC deadline.
 *
 * The registers live where the xAPIC page has them (11.4.1, table 11-1),
 * 16 bytes apart, and KVM_GET_LAPIC and KVM_SET_LAPIC copy the first
 * 1 KiB of that page as it is (struct kvm_lapic_state). IRR, ISR and TMR
 * are 256-bit registers spread over eight of those 16-byte slots.
 *
 * An interrupt on its way in sets its vector's bit in IRR (11.8.3). Before
 * each VM entry the vCPU takes the highest vector in IRR whose priority
 * class is above the processor priority (PPR, from TPR and the highest
 * vector in service), moves it to ISR and injects it. The guest's EOI
 * takes the highest vector out of ISR again.
 *
 * Concurrency: other vCPUs (IPIs) and the timer's hrtimer set IRR and TMR
 * bits from any CPU, with atomic bit operations, and then wake or kick
 * the vCPU; senders also read the registers that say whether an IPI is
 * for this APIC (ID, LDR, DFR, and the base), each word once. Every
 * register is written by the vCPU thread alone, under the vCPU's mutex.
 * The timer tells the vCPU thread that it fired through an atomic flag
 * (lapic_timer.c), and the thread delivers the interrupt.
 */
#ifndef MV_IRQ_LAPIC_H
#define MV_IRQ_LAPIC_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/types.h>
#include <asm/apicdef.h>

struct mv_vcpu;
struct mv_vm;

/* What KVM_GET_LAPIC copies: the first 1 KiB of the register page. */
#define MV_LAPIC_REGS_SIZE KVM_APIC_REG_SIZE

/* The timer (lapic_timer.c). */
struct mv_lapic_timer {
	struct hrtimer hrtimer;
	u32 mode;		/* LVT timer bits 18:17, APIC_LVT_TIMER_* */
	u32 divide;		/* 1 to 128, from the divide configuration */
	u64 period_ns;		/* initial count times divide, at 1 ns a tick */
	ktime_t expires;	/* when the count reaches 0, if counting */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE, in TSC-deadline mode */
	atomic_t fired;		/* fired, not yet delivered: 0 or 1 */
};

/*
 * What waits for the vCPU thread before it enters again (pending_events):
 * an INIT or a start-up IPI, and the EOI of a vector userspace's IOAPIC
 * sent on a level-triggered pin, for KVM_EXIT_IOAPIC_EOI (routing.c).
 */
#define MV_LAPIC_INIT		0
#define MV_LAPIC_SIPI		1
#define MV_LAPIC_IOAPIC_EOI	2

struct mv_lapic {
	/* The registers, at their xAPIC offsets (one u32 per 4 bytes). */
	u32 regs[MV_LAPIC_REGS_SIZE / sizeof(u32)] __aligned(8);
	u64 base;		/* IA32_APIC_BASE */
	struct mv_vcpu *vcpu;
	/*
	 * What the guest's CPUID offers (mv_lapic_cpuid_changed): x2APIC,
	 * and the LVT timer's modes, APIC_LVT_TIMER_* bits. As on KVM, a
	 * vCPU whose CPUID was never set has only the one-shot mode.
	 */
	bool x2apic_offered;
	u32 timer_modes;
	struct mv_lapic_timer timer;
	/*
	 * Bits MV_LAPIC_*, set by the sender (the vCPU thread itself for
	 * an EOI) and taken by the vCPU thread (mp_state.c), which finds
	 * the start-up vector in sipi_vector (written first) and the EOI's
	 * in ioapic_eoi_vector.
	 */
	unsigned long pending_events;
	u8 sipi_vector;
	u8 ioapic_eoi_vector;
};

static inline u32 mv_lapic_reg(const struct mv_lapic *lapic, unsigned int reg)
{
	return lapic->regs[reg / sizeof(u32)];
}

/* Other CPUs may read a register (lapic.c's destinations): write it once. */
static inline void mv_lapic_set_reg(struct mv_lapic *lapic, unsigned int reg,
				    u32 value)
{
	WRITE_ONCE(lapic->regs[reg / sizeof(u32)], value);
}

static inline bool mv_lapic_x2apic_mode(const struct mv_lapic *lapic)
{
	return lapic->base & X2APIC_ENABLE;
}

/* Enabled in IA32_APIC_BASE (hardware) and in SVR (software, 11.4.7.2). */
static inline bool mv_lapic_enabled(const struct mv_lapic *lapic)
{
	return (lapic->base & MSR_IA32_APICBASE_ENABLE) &&
	       (mv_lapic_reg(lapic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED);
}

/* lapic.c: a vCPU's local APIC, after RESET; and its end. */
struct mv_lapic *mv_lapic_create(struct mv_vcpu *vcpu);
void mv_lapic_free(struct mv_lapic *lapic);

/* The APIC's part of INIT (SDM 11.4.7.3): RESET, but ID and base stay. */
void mv_lapic_init(struct mv_lapic *lapic);

/* KVM_SET_CPUID2 changed what the guest may use (x2APIC, TSC deadline). */
void mv_lapic_cpuid_changed(struct mv_lapic *lapic, bool x2apic,
			    bool tsc_deadline);

/*
 * IA32_APIC_BASE: host for KVM_SET_MSRS and KVM_SET_SREGS, which may go
 * where the guest may not. 0, or -EINVAL for a value the guest's WRMSR
 * must fault on.
 */
int mv_lapic_set_base(struct mv_lapic *lapic, u64 value, bool host);

/*
 * Whether gpa falls in the xAPIC page. As on KVM, the APIC keeps its page
 * even while disabled or in x2APIC mode: reads there see all ones, and
 * writes are dropped.
 */
static inline bool mv_lapic_mmio_hit(const struct mv_lapic *lapic, u64 gpa)
{
	return (gpa & PAGE_MASK) == (lapic->base & MSR_IA32_APICBASE_BASE);
}

/* An access of len bytes (1 to 8) to the xAPIC page, at offset in it. */
u64 mv_lapic_mmio_read(struct mv_lapic *lapic, unsigned int offset,
		       unsigned int len);
void mv_lapic_mmio_write(struct mv_lapic *lapic, unsigned int offset,
			 unsigned int len, u64 value);

/*
 * Register reads and writes by offset, as both interfaces make them:
 * false for a register that is not there (the MSR faults; MMIO ignores).
 */
bool mv_lapic_read(struct mv_lapic *lapic, unsigned int reg, u32 *value);
bool mv_lapic_write(struct mv_lapic *lapic, unsigned int reg, u32 value);

/* CR8 is TPR bits 7:4 (SDM 11.8.6.1). */
void mv_lapic_set_cr8(struct mv_lapic *lapic, unsigned long cr8);
unsigned long mv_lapic_cr8(const struct mv_lapic *lapic);

/*
 * An interrupt arrives, as the ICR, an LVT entry or an MSI describes it
 * (delivery mode APIC_DM_*, level-triggered or not): from any context.
 * Returns whether this APIC accepted it.
 */
bool mv_lapic_accept(struct mv_lapic *lapic, u32 delivery_mode, u8 vector,
		     bool level_triggered);

/*
 * An interrupt message on its way to the APICs it names (SDM 11.6.2 for
 * IPIs, 11.11 for MSIs): the destination, by a shorthand (APIC_DEST_SELF,
 * _ALLINC, _ALLBUT; 0: none), or an APIC ID, or a logical destination;
 * and what it delivers.
 */
struct mv_lapic_irq {
	u32 shorthand;
	bool logical;
	u32 dest;
	u32 delivery_mode;	/* APIC_DM_* */
	u8 vector;
	bool level_triggered;
};

/* Whether a message from no APIC (an MSI) names this APIC. */
bool mv_lapic_named_by_msi(const struct mv_lapic *lapic,
			   const struct mv_lapic_irq *irq);

/*
 * Deliver irq, from source (an IPI) or from no APIC (an MSI), to each
 * APIC of vm's vCPUs it names; a lowest-priority interrupt to the first.
 * Returns how many accepted it.
 */
int mv_lapic_deliver(struct mv_vm *vm, const struct mv_lapic *source,
		     const struct mv_lapic_irq *irq);

/*
 * Send an interrupt as the ICR describes it (icr_low, and the destination
 * in icr_high as the APIC's mode lays it out) to the APICs it names.
 */
void mv_lapic_send_ipi(struct mv_lapic *lapic, u32 icr_low, u32 icr_high);

/*
 * Before each VM entry, with the guest able to take an interrupt: the
 * vector to inject, or -1; mv_lapic_ack() once it is injected.
 */
int mv_lapic_next(struct mv_lapic *lapic);
void mv_lapic_ack(struct mv_lapic *lapic, u8 vector);

/* Whether the interrupt from userspace's PIC may come in (LVT0 ExtINT). */
bool mv_lapic_accepts_extint(const struct mv_lapic *lapic);

/* KVM_GET_LAPIC and KVM_SET_LAPIC. */
void mv_lapic_get_state(struct mv_lapic *lapic, struct kvm_lapic_state *state);
int mv_lapic_set_state(struct mv_lapic *lapic,
		       const struct kvm_lapic_state *state);

/*
 * x2apic.c: the x2APIC MSRs 0x800 to 0x8ff, for the guest's RDMSR and
 * WRMSR and for KVM_GET/SET_MSRS. 0, or -EINVAL: the guest gets #GP.
 */
#define MV_X2APIC_MSR_FIRST 0x800
#define MV_X2APIC_MSR_LAST 0x8ff
int mv_x2apic_read(struct mv_lapic *lapic, u32 msr, u64 *data);
int mv_x2apic_write(struct mv_lapic *lapic, u32 msr, u64 data);

/* lapic_timer.c: the APIC timer. */
void mv_lapic_timer_init(struct mv_lapic *lapic);
void mv_lapic_timer_stop(struct mv_lapic *lapic);
void mv_lapic_timer_lvt_written(struct mv_lapic *lapic);
void mv_lapic_timer_set_initial_count(struct mv_lapic *lapic, u32 count);
void mv_lapic_timer_set_divide(struct mv_lapic *lapic, u32 tdcr);
u32 mv_lapic_timer_current_count(struct mv_lapic *lapic);
/* Restart after KVM_SET_LAPIC, from its current count. */
void mv_lapic_timer_restore(struct mv_lapic *lapic, u32 current_count);

/*
 * IA32_TSC_DEADLINE, given the guest's TSC now: writing arms the timer
 * in TSC-deadline mode (and is ignored in the others, as reading gives 0).
 */
u64 mv_lapic_tsc_deadline(const struct mv_lapic *lapic);
void mv_lapic_set_tsc_deadline(struct mv_lapic *lapic, u64 deadline,
			       u64 guest_tsc);

/* The vCPU thread delivers a timer interrupt that fired: inline, per entry. */
void mv_lapic_timer_deliver(struct mv_lapic *lapic);
static inline void mv_lapic_timer_sync(struct mv_lapic *lapic)
{
	if (unlikely(atomic_read(&lapic->timer.fired)))
		mv_lapic_timer_deliver(lapic);
}

#endif /* MV_IRQ_LAPIC_H */
