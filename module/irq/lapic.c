// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's registers, priorities and interrupts (lapic.h tells
 * the story; Intel SDM Vol. 3A, chapter 11).
 *
 * In order: the 256-bit registers IRR, ISR and TMR; the processor
 * priority (11.8.3.1); accepting an interrupt and handing it to the vCPU
 * (11.8.4); EOI (11.8.5); the destinations an IPI reaches (11.6.2); the
 * registers as the xAPIC page has them (11.4.1); IA32_APIC_BASE
 * (11.4.4); RESET, and KVM_GET/SET_LAPIC.
 *
 * KVM is the reference for what the SDM leaves open: the version register
 * (0x14, with six LVT entries, and directed EOI offered with x2APIC while
 * the IOAPIC is in userspace), the values after RESET (LVT0 of the BSP in
 * ExtINT mode, as KVM's LINT0 quirk has it), which writes are dropped, and
 * a lowest-priority interrupt going to the first APIC it names.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/msr-index.h>

#include "../vcpu.h"
#include "../vm.h"
#include "lapic.h"
#include "pending.h"
#include "routing.h"

#define LAPIC_VERSION		0x14
#define LAPIC_NR_LVT		6	/* timer, thermal, PMC, LINT0/1, error */
#define LAPIC_LVR_DIRECTED_EOI	BIT(24)

/*
 * Which bits of each LVT entry hold anything (11.5.1, figure 11-8); the
 * delivery status reads as written, as on KVM, for nothing is ever held.
 */
#define LVT_VECTOR_MASKED	(APIC_VECTOR_MASK | APIC_SEND_PENDING | \
				 APIC_LVT_MASKED)
#define LVT_WITH_MODE		(LVT_VECTOR_MASKED | APIC_MODE_MASK)
#define LVT_LINT		(LVT_WITH_MODE | APIC_INPUT_POLARITY | \
				 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)

/* The ICR's destination shorthand, and the IDs that mean every APIC. */
#define ICR_SHORTHAND		(3 << 18)
#define XAPIC_BROADCAST		0xff
#define X2APIC_BROADCAST	0xffffffff

/* ------------------------------------------------------------------ */
/* IRR, ISR, TMR: bit v is bit v % 32 of the slot 0x10 * (v / 32) on. */

static unsigned long *vector_word(struct mv_lapic *lapic, unsigned int reg,
				  u8 vector)
{
	return (unsigned long *)&lapic->regs[(reg + 0x10 * (vector / 32)) /
					     sizeof(u32)];
}

/* The highest vector set in a 256-bit register, or -1. */
static int highest_vector(const struct mv_lapic *lapic, unsigned int reg)
{
	int slot;
	u32 bits;

	for (slot = 7; slot >= 0; slot--) {
		bits = READ_ONCE(lapic->regs[(reg + 0x10 * slot) / sizeof(u32)]);
		if (bits)
			return slot * 32 + __fls(bits);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Priorities (11.8.3.1): PPR is TPR, or the class of the highest ISR. */

static u32 update_ppr(struct mv_lapic *lapic)
{
	u32 tpr = mv_lapic_reg(lapic, APIC_TASKPRI);
	int isr = highest_vector(lapic, APIC_ISR);
	u32 isr_class = isr < 0 ? 0 : isr & 0xf0;
	u32 ppr = (tpr & 0xf0) >= isr_class ? tpr & 0xff : isr_class;

	mv_lapic_set_reg(lapic, APIC_PROCPRI, ppr);
	return ppr;
}

static void set_tpr(struct mv_lapic *lapic, u32 tpr)
{
	mv_lapic_set_reg(lapic, APIC_TASKPRI, tpr & 0xff);
	update_ppr(lapic);
}

void mv_lapic_set_cr8(struct mv_lapic *lapic, unsigned long cr8)
{
	set_tpr(lapic, (cr8 & 15) << 4);
}

unsigned long mv_lapic_cr8(const struct mv_lapic *lapic)
{
	return (mv_lapic_reg(lapic, APIC_TASKPRI) >> 4) & 15;
}

int mv_lapic_next(struct mv_lapic *lapic)
{
	int irr;

	if (!(lapic->base & MSR_IA32_APICBASE_ENABLE))
		return -1;
	irr = highest_vector(lapic, APIC_IRR);
	if (irr < 0 || (irr & 0xf0) <= update_ppr(lapic))
		return -1;
	return irr;
}

/* Injected: the vector goes from IRR to ISR, and PPR rises with it. */
void mv_lapic_ack(struct mv_lapic *lapic, u8 vector)
{
	clear_bit(vector % 32, vector_word(lapic, APIC_IRR, vector));
	set_bit(vector % 32, vector_word(lapic, APIC_ISR, vector));
	update_ppr(lapic);
}

bool mv_lapic_accepts_extint(const struct mv_lapic *lapic)
{
	u32 lvt0 = mv_lapic_reg(lapic, APIC_LVT0);

	if (!(lapic->base & MSR_IA32_APICBASE_ENABLE))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) &&
	       GET_APIC_DELIVERY_MODE(lvt0) == APIC_MODE_EXTINT;
}

/* ------------------------------------------------------------------ */
/* Accepting an interrupt (11.8.4), from any context. */

bool mv_lapic_accept(struct mv_lapic *lapic, u32 delivery_mode, u8 vector,
		     bool level_triggered)
{
	switch (delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (!mv_lapic_enabled(lapic))
			return false;
		if (level_triggered)
			set_bit(vector % 32, vector_word(lapic, APIC_TMR, vector));
		else
			clear_bit(vector % 32,
				  vector_word(lapic, APIC_TMR, vector));
		set_bit(vector % 32, vector_word(lapic, APIC_IRR, vector));
		mv_irq_wake(lapic->vcpu);
		return true;
	case APIC_DM_INIT:
		set_bit(MV_LAPIC_INIT, &lapic->pending_events);
		mv_irq_wake(lapic->vcpu);
		return true;
	case APIC_DM_STARTUP:
		WRITE_ONCE(lapic->sipi_vector, vector);
		/* The vector, then the bit: the vCPU reads them the other way. */
		smp_mb__before_atomic();
		set_bit(MV_LAPIC_SIPI, &lapic->pending_events);
		mv_irq_wake(lapic->vcpu);
		return true;
	default:
		pr_notice_ratelimited("vCPU %u: APIC delivery mode %#x not emulated\n",
				      lapic->vcpu->id, delivery_mode);
		return false;
	}
}

/* EOI (11.8.5): the highest vector in service is done. */
static void eoi(struct mv_lapic *lapic)
{
	int isr = highest_vector(lapic, APIC_ISR);

	if (isr < 0)
		return;
	clear_bit(isr % 32, vector_word(lapic, APIC_ISR, isr));
	update_ppr(lapic);
	if (mv_irq_ioapic_wants_eoi(lapic, isr)) {
		lapic->ioapic_eoi_vector = isr;
		set_bit(MV_LAPIC_IOAPIC_EOI, &lapic->pending_events);
	}
}

/* ------------------------------------------------------------------ */
/*
 * Destinations (11.6.2): physical and logical, flat and cluster. The
 * sender reads the target's registers, each word once: its vCPU may be
 * changing them.
 */

static u32 target_reg(const struct mv_lapic *target, unsigned int reg)
{
	return READ_ONCE(target->regs[reg / sizeof(u32)]);
}

static bool target_x2apic_mode(const struct mv_lapic *target)
{
	return READ_ONCE(target->base) & X2APIC_ENABLE;
}

static bool matches_physical(const struct mv_lapic *target, u32 dest)
{
	bool x2apic = target_x2apic_mode(target);
	u32 id = target_reg(target, APIC_ID);

	if (x2apic)
		return dest == X2APIC_BROADCAST || dest == id;
	return dest == XAPIC_BROADCAST || dest == id >> 24;
}

static bool matches_logical(const struct mv_lapic *target, u32 dest)
{
	u32 ldr = target_reg(target, APIC_LDR);

	if (target_x2apic_mode(target))
		return dest == X2APIC_BROADCAST ||
		       ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff));
	if (dest == XAPIC_BROADCAST)
		return true;
	ldr = GET_APIC_LOGICAL_ID(ldr);
	switch (target_reg(target, APIC_DFR)) {
	case APIC_DFR_FLAT:
		return ldr & dest;
	case APIC_DFR_CLUSTER:
		return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
	default:
		return false;
	}
}

static bool is_destination(const struct mv_lapic *source,
			   const struct mv_lapic *target,
			   const struct mv_lapic_irq *irq)
{
	switch (irq->shorthand) {
	case APIC_DEST_SELF:
		return target == source;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return target != source;
	default:
		return irq->logical ? matches_logical(target, irq->dest) :
		       matches_physical(target, irq->dest);
	}
}

bool mv_lapic_named_by_msi(const struct mv_lapic *lapic,
			   const struct mv_lapic_irq *irq)
{
	return is_destination(NULL, lapic, irq);
}

int mv_lapic_deliver(struct mv_vm *vm, const struct mv_lapic *source,
		     const struct mv_lapic_irq *irq)
{
	struct mv_lapic *target;
	struct mv_vcpu *vcpu;
	unsigned int id;
	int accepted = 0;

	for (id = 0; id < MV_MAX_VCPUS; id++) {
		vcpu = mv_vm_vcpu(vm, id);
		target = vcpu ? vcpu->irqs.lapic : NULL;
		/* An APIC disabled in IA32_APIC_BASE takes nothing. */
		if (!target ||
		    !(READ_ONCE(target->base) & MSR_IA32_APICBASE_ENABLE) ||
		    !is_destination(source, target, irq))
			continue;
		if (!mv_lapic_accept(target, irq->delivery_mode, irq->vector,
				     irq->level_triggered))
			continue;
		accepted++;
		if (irq->delivery_mode == APIC_DM_LOWEST)
			break;
	}
	return accepted;
}

void mv_lapic_send_ipi(struct mv_lapic *lapic, u32 icr_low, u32 icr_high)
{
	struct mv_lapic_irq irq = {
		.shorthand = icr_low & ICR_SHORTHAND,
		.logical = icr_low & APIC_DEST_LOGICAL,
		.dest = mv_lapic_x2apic_mode(lapic) ? icr_high :
			GET_XAPIC_DEST_FIELD(icr_high),
		.delivery_mode = icr_low & APIC_MODE_MASK,
		.vector = icr_low & APIC_VECTOR_MASK,
		.level_triggered = icr_low & APIC_INT_LEVELTRIG,
	};

	/* An INIT de-assert (level 0) only resets arbitration IDs. */
	if (irq.delivery_mode == APIC_DM_INIT && irq.level_triggered &&
	    !(icr_low & APIC_INT_ASSERT))
		return;
	mv_lapic_deliver(lapic->vcpu->vm, lapic, &irq);
}

/* ------------------------------------------------------------------ */
/* The registers (table 11-1). */

/* The registers there are, one bit per 16-byte slot, in xAPIC mode. */
static u64 present_registers(const struct mv_lapic *lapic)
{
	u64 present = BIT_ULL(APIC_ID >> 4) | BIT_ULL(APIC_LVR >> 4) |
		      BIT_ULL(APIC_TASKPRI >> 4) | BIT_ULL(APIC_PROCPRI >> 4) |
		      BIT_ULL(APIC_LDR >> 4) | BIT_ULL(APIC_DFR >> 4) |
		      BIT_ULL(APIC_SPIV >> 4) | GENMASK_ULL(0x27, 0x10) |
		      BIT_ULL(APIC_ESR >> 4) | BIT_ULL(APIC_ICR >> 4) |
		      GENMASK_ULL(APIC_LVTERR >> 4, APIC_LVTT >> 4) |
		      BIT_ULL(APIC_TMICT >> 4) | BIT_ULL(APIC_TMCCT >> 4) |
		      BIT_ULL(APIC_TDCR >> 4);

	if (!mv_lapic_x2apic_mode(lapic))
		present |= BIT_ULL(APIC_ARBPRI >> 4) | BIT_ULL(APIC_ICR2 >> 4);
	return present;
}

bool mv_lapic_read(struct mv_lapic *lapic, unsigned int reg, u32 *value)
{
	if (reg > 0x3f0 || (reg & 0xf) ||
	    !(present_registers(lapic) & BIT_ULL(reg >> 4)))
		return false;
	switch (reg) {
	case APIC_ARBPRI:
		*value = 0;
		break;
	case APIC_TMCCT:
		*value = mv_lapic_timer_current_count(lapic);
		break;
	case APIC_PROCPRI:
		*value = update_ppr(lapic);
		break;
	default:
		*value = mv_lapic_reg(lapic, reg);
		break;
	}
	return true;
}

/* SVR (11.9): clearing the software enable masks every LVT entry. */
static void write_svr(struct mv_lapic *lapic, u32 value)
{
	u32 mask = 0x3ff;
	unsigned int i;

	if (mv_lapic_reg(lapic, APIC_LVR) & LAPIC_LVR_DIRECTED_EOI)
		mask |= APIC_SPIV_DIRECTED_EOI;
	mv_lapic_set_reg(lapic, APIC_SPIV, value & mask);
	if (value & APIC_SPIV_APIC_ENABLED)
		return;
	for (i = 0; i < LAPIC_NR_LVT; i++)
		mv_lapic_set_reg(lapic, APIC_LVTT + 0x10 * i,
				 mv_lapic_reg(lapic, APIC_LVTT + 0x10 * i) |
				 APIC_LVT_MASKED);
	mv_lapic_timer_lvt_written(lapic);
	atomic_set(&lapic->timer.fired, 0);
}

static u32 lvt_bits(const struct mv_lapic *lapic, unsigned int reg)
{
	switch (reg) {
	case APIC_LVTT:
		return LVT_VECTOR_MASKED | lapic->timer_modes;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		return LVT_WITH_MODE;
	case APIC_LVT0:
	case APIC_LVT1:
		return LVT_LINT;
	default:
		return LVT_VECTOR_MASKED;
	}
}

static void write_lvt(struct mv_lapic *lapic, unsigned int reg, u32 value)
{
	if (!(mv_lapic_reg(lapic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED))
		value |= APIC_LVT_MASKED;
	mv_lapic_set_reg(lapic, reg, value & lvt_bits(lapic, reg));
	if (reg == APIC_LVTT)
		mv_lapic_timer_lvt_written(lapic);
}

bool mv_lapic_write(struct mv_lapic *lapic, unsigned int reg, u32 value)
{
	bool x2apic = mv_lapic_x2apic_mode(lapic);

	switch (reg) {
	case APIC_ID:
		if (x2apic)
			return false;
		mv_lapic_set_reg(lapic, APIC_ID, value & 0xff000000);
		break;
	case APIC_TASKPRI:
		set_tpr(lapic, value);
		break;
	case APIC_EOI:
		eoi(lapic);
		break;
	case APIC_LDR:
		if (x2apic)
			return false;
		mv_lapic_set_reg(lapic, APIC_LDR, value & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2apic)
			return false;
		mv_lapic_set_reg(lapic, APIC_DFR, value | 0x0fffffff);
		break;
	case APIC_SPIV:
		write_svr(lapic, value);
		break;
	case APIC_ICR:
		value &= ~APIC_ICR_BUSY;	/* sent at once */
		mv_lapic_set_reg(lapic, APIC_ICR, value);
		mv_lapic_send_ipi(lapic, value, mv_lapic_reg(lapic, APIC_ICR2));
		break;
	case APIC_ICR2:
		if (x2apic)
			return false;
		mv_lapic_set_reg(lapic, APIC_ICR2, value & 0xff000000);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		write_lvt(lapic, reg, value);
		break;
	case APIC_TMICT:
		mv_lapic_timer_set_initial_count(lapic, value);
		break;
	case APIC_TDCR:
		mv_lapic_timer_set_divide(lapic, value);
		break;
	case APIC_ESR:
		return !(x2apic && value);
	case APIC_SELF_IPI:
		if (!x2apic || (value & ~APIC_VECTOR_MASK))
			return false;
		mv_lapic_send_ipi(lapic, APIC_DEST_SELF | value, 0);
		break;
	default:
		return false;
	}
	return true;
}

/* The xAPIC page is there while the APIC is enabled, not in x2APIC mode. */
static bool xapic_page_live(const struct mv_lapic *lapic)
{
	return (lapic->base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       MSR_IA32_APICBASE_ENABLE;
}

/*
 * The xAPIC page: aligned 32-bit accesses to the registers (11.4.1);
 * narrower reads see part of one. Other writes are dropped, and other
 * reads see 0, as on KVM.
 */
u64 mv_lapic_mmio_read(struct mv_lapic *lapic, unsigned int offset,
		       unsigned int len)
{
	unsigned int within = offset & 0xf;
	u32 value;

	if (!xapic_page_live(lapic))
		return ~0ull;
	if (within + len > 4 || offset >= MV_LAPIC_REGS_SIZE ||
	    !mv_lapic_read(lapic, offset & ~0xf, &value))
		return 0;
	return value >> (8 * within);
}

void mv_lapic_mmio_write(struct mv_lapic *lapic, unsigned int offset,
			 unsigned int len, u64 value)
{
	if (xapic_page_live(lapic) && len == 4 && !(offset & 0xf) &&
	    offset < MV_LAPIC_REGS_SIZE)
		mv_lapic_write(lapic, offset, value);
}

/* ------------------------------------------------------------------ */
/* IA32_APIC_BASE (11.4.4): enable, x2APIC, and where the page is. */

enum apic_mode { APIC_OFF, APIC_INVALID, APIC_XAPIC, APIC_X2APIC };

static enum apic_mode base_mode(u64 base)
{
	return ((base & MSR_IA32_APICBASE_ENABLE) ? 2 : 0) |
	       ((base & X2APIC_ENABLE) ? 1 : 0);
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

int mv_lapic_set_base(struct mv_lapic *lapic, u64 value, bool host)
{
	enum apic_mode old = base_mode(lapic->base), new = base_mode(value);
	u64 reserved = ~GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0) |
		       0x2ff | (lapic->x2apic_offered ? 0 : X2APIC_ENABLE);
	unsigned int id = lapic->vcpu->id;

	if ((value & reserved) || new == APIC_INVALID)
		return -EINVAL;
	if (!host && ((old == APIC_X2APIC && new == APIC_XAPIC) ||
		      (old == APIC_OFF && new == APIC_X2APIC)))
		return -EINVAL;

	WRITE_ONCE(lapic->base, value);
	if (old == APIC_OFF && new != APIC_OFF)
		mv_lapic_set_reg(lapic, APIC_ID, id << 24);
	if (old != APIC_X2APIC && new == APIC_X2APIC) {
		mv_lapic_set_reg(lapic, APIC_ID, id);
		mv_lapic_set_reg(lapic, APIC_LDR, x2apic_ldr(id));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* RESET, and the state userspace reads and writes. */

static void set_version(struct mv_lapic *lapic)
{
	u32 version = LAPIC_VERSION | (LAPIC_NR_LVT - 1) << 16;

	/* The IOAPIC is userspace's: offer directed EOI with x2APIC. */
	if (lapic->x2apic_offered)
		version |= LAPIC_LVR_DIRECTED_EOI;
	mv_lapic_set_reg(lapic, APIC_LVR, version);
}

void mv_lapic_cpuid_changed(struct mv_lapic *lapic, bool x2apic,
			    bool tsc_deadline)
{
	lapic->x2apic_offered = x2apic;
	lapic->timer_modes = APIC_LVT_TIMER_PERIODIC |
			     (tsc_deadline ? APIC_LVT_TIMER_TSCDEADLINE : 0);
	set_version(lapic);
}

/* The registers as RESET leaves them, the ID and base aside. */
static void reset_registers(struct mv_lapic *lapic)
{
	unsigned int i;

	mv_lapic_timer_stop(lapic);
	memset(lapic->regs, 0, sizeof(lapic->regs));
	set_version(lapic);
	for (i = 0; i < LAPIC_NR_LVT; i++)
		mv_lapic_set_reg(lapic, APIC_LVTT + 0x10 * i, APIC_LVT_MASKED);
	if (lapic->base & MSR_IA32_APICBASE_BSP)
		mv_lapic_set_reg(lapic, APIC_LVT0,
				 SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT));
	mv_lapic_set_reg(lapic, APIC_DFR, 0xffffffff);
	mv_lapic_set_reg(lapic, APIC_SPIV, 0xff);
	mv_lapic_timer_set_divide(lapic, 0);
	mv_lapic_timer_lvt_written(lapic);
}

static void reset(struct mv_lapic *lapic)
{
	lapic->base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		      (lapic->vcpu->id ? 0 : MSR_IA32_APICBASE_BSP);
	reset_registers(lapic);
	mv_lapic_set_reg(lapic, APIC_ID, lapic->vcpu->id << 24);
}

void mv_lapic_init(struct mv_lapic *lapic)
{
	u32 id = mv_lapic_reg(lapic, APIC_ID), ldr = mv_lapic_reg(lapic, APIC_LDR);

	reset_registers(lapic);
	mv_lapic_set_reg(lapic, APIC_ID, id);
	if (mv_lapic_x2apic_mode(lapic))
		mv_lapic_set_reg(lapic, APIC_LDR, ldr);
}

struct mv_lapic *mv_lapic_create(struct mv_vcpu *vcpu)
{
	struct mv_lapic *lapic = kzalloc(sizeof(*lapic), GFP_KERNEL_ACCOUNT);

	if (!lapic)
		return NULL;
	lapic->vcpu = vcpu;
	mv_lapic_timer_init(lapic);
	reset(lapic);
	return lapic;
}

void mv_lapic_free(struct mv_lapic *lapic)
{
	if (!lapic)
		return;
	mv_lapic_timer_stop(lapic);
	kfree(lapic);
}

/*
 * In x2APIC mode userspace sees the ID in xAPIC's place (bits 31:24), as
 * KVM without KVM_CAP_X2APIC_API, and the 64-bit ICR split into ICR and
 * ICR2. The current count is the timer's now.
 */
void mv_lapic_get_state(struct mv_lapic *lapic, struct kvm_lapic_state *state)
{
	u32 *regs = (u32 *)state->regs;

	memcpy(state->regs, lapic->regs, sizeof(state->regs));
	regs[APIC_TMCCT / 4] = mv_lapic_timer_current_count(lapic);
	if (mv_lapic_x2apic_mode(lapic))
		regs[APIC_ID / 4] <<= 24;
}

int mv_lapic_set_state(struct mv_lapic *lapic,
		       const struct kvm_lapic_state *state)
{
	const u32 *regs = (const u32 *)state->regs;
	u32 current_count = regs[APIC_TMCCT / 4];

	mv_lapic_timer_stop(lapic);
	memcpy(lapic->regs, state->regs, sizeof(lapic->regs));
	if (mv_lapic_x2apic_mode(lapic)) {
		mv_lapic_set_reg(lapic, APIC_ID, regs[APIC_ID / 4] >> 24);
		mv_lapic_set_reg(lapic, APIC_LDR,
				 x2apic_ldr(mv_lapic_reg(lapic, APIC_ID)));
	}
	set_version(lapic);
	update_ppr(lapic);
	mv_lapic_timer_set_divide(lapic, mv_lapic_reg(lapic, APIC_TDCR));
	mv_lapic_timer_lvt_written(lapic);
	mv_lapic_timer_restore(lapic, current_count);
	mv_lapic_set_reg(lapic, APIC_TMCCT, 0);
	mv_irq_wake(lapic->vcpu);
	return 0;
}
