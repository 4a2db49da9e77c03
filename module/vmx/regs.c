// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's registers as userspace sees them: KVM_GET/SET_REGS and
 * KVM_GET/SET_SREGS (api.rst 4.11-4.14).
 *
 * The general-purpose registers live in the vCPU (entry.S moves them in
 * and out of the CPU), RIP, RSP and RFLAGS in the VMCS. Segment registers
 * live in the VMCS in a packed "access rights" form (Intel SDM Vol. 3C,
 * 25.4.1, table 25-2) that struct kvm_segment spells out field by field.
 */
#include <linux/kvm.h>

#include "../vcpu.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"

/* struct kvm_regs lists the registers in an order of its own. */
static const u8 kvm_regs_order[] = {
	MV_RAX, MV_RBX, MV_RCX, MV_RDX, MV_RSI, MV_RDI, MV_RSP, MV_RBP,
	MV_R8, MV_R9, MV_R10, MV_R11, MV_R12, MV_R13, MV_R14, MV_R15,
};

void mv_vmx_get_regs(struct mv_vcpu *vcpu, struct kvm_regs *regs)
{
	__u64 *out = &regs->rax;
	int i;

	for (i = 0; i < ARRAY_SIZE(kvm_regs_order); i++)
		out[i] = mv_vmx_read_gpr(vcpu, kvm_regs_order[i]);
	regs->rip = vmcs_read(GUEST_RIP);
	regs->rflags = vmcs_read(GUEST_RFLAGS);
}

/*
 * Userspace is about to write RIP or CS. If an IN or OUT waits for it,
 * note where the instruction is, the first time: run.c drops the
 * instruction if userspace moved it, as KVM does.
 */
static void note_open_io(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);

	if (vcpu->x86.waiting == MV_WAITING_IO && !vmx->io_rip_noted) {
		vmx->io_linear_rip = mv_vmx_linear_rip();
		vmx->io_rip_noted = true;
	}
}

void mv_vmx_set_regs(struct mv_vcpu *vcpu, const struct kvm_regs *regs)
{
	const __u64 *in = &regs->rax;
	int i;

	note_open_io(vcpu);

	for (i = 0; i < ARRAY_SIZE(kvm_regs_order); i++)
		mv_vmx_write_gpr(vcpu, kvm_regs_order[i], in[i]);
	vmcs_write(GUEST_RIP, regs->rip);
	vmcs_write(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
}

static void get_segment(enum mv_segment seg, struct kvm_segment *var)
{
	u32 ar = vmcs_read(SEGMENT_AR(seg));

	var->base = vmcs_read(SEGMENT_BASE(seg));
	var->limit = vmcs_read(SEGMENT_LIMIT(seg));
	var->selector = vmcs_read(SEGMENT_SELECTOR(seg));
	var->type = ar & 15;
	var->s = (ar >> 4) & 1;
	var->dpl = (ar >> 5) & 3;
	var->unusable = !!(ar & SEGMENT_AR_UNUSABLE);
	var->present = !var->unusable;	/* as KVM reports it */
	var->avl = (ar >> 12) & 1;
	var->l = (ar >> 13) & 1;
	var->db = (ar >> 14) & 1;
	var->g = (ar >> 15) & 1;
}

static void set_segment(enum mv_segment seg, const struct kvm_segment *var)
{
	bool unusable = var->unusable || !var->present;
	u32 ar;

	ar = (var->type & 15) | (var->s & 1) << 4 | (var->dpl & 3) << 5 |
	     (var->present & 1) << 7 | (var->avl & 1) << 12 |
	     (var->l & 1) << 13 | (var->db & 1) << 14 | (var->g & 1) << 15 |
	     (unusable ? SEGMENT_AR_UNUSABLE : 0);
	/* VM entry wants usable code and data segments accessed. */
	if (!unusable && seg != MV_LDTR && seg != MV_TR)
		ar |= 1;
	vmcs_write(SEGMENT_SELECTOR(seg), var->selector);
	vmcs_write(SEGMENT_BASE(seg), var->base);
	vmcs_write(SEGMENT_LIMIT(seg), var->limit);
	vmcs_write(SEGMENT_AR(seg), ar);
}

/* struct kvm_sregs, like the VMCS, has a member per segment register. */
static struct kvm_segment *sregs_segment(struct kvm_sregs *sregs,
					 enum mv_segment seg)
{
	switch (seg) {
	case MV_ES:	return &sregs->es;
	case MV_CS:	return &sregs->cs;
	case MV_SS:	return &sregs->ss;
	case MV_DS:	return &sregs->ds;
	case MV_FS:	return &sregs->fs;
	case MV_GS:	return &sregs->gs;
	case MV_LDTR:	return &sregs->ldt;
	default:	return &sregs->tr;
	}
}

void mv_vmx_get_sregs(struct mv_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	enum mv_segment seg;

	memset(sregs, 0, sizeof(*sregs));
	for (seg = MV_ES; seg < MV_NR_SEGMENTS; seg++)
		get_segment(seg, sregs_segment(sregs, seg));
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sregs->cr0 = mv_vmx_guest_cr0();
	sregs->cr2 = vmx->cr2;
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = mv_vmx_guest_cr4();
	sregs->cr8 = mv_vmx_cr8(vcpu);
	sregs->efer = vmcs_read(GUEST_IA32_EFER);
	sregs->apic_base = mv_vmx_apic_base(vcpu);
}

/*
 * What KVM refuses in KVM_SET_SREGS: control register values no CPU could
 * hold, and long mode half switched on or off (SDM Vol. 3A, 10.8.5).
 */
static bool sregs_valid(struct mv_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	bool paging = sregs->cr0 & X86_CR0_PG;

	if (!mv_vmx_cr4_valid(vcpu, sregs->cr4) || sregs->cr8 > 15 ||
	    upper_32_bits(sregs->cr0) ||
	    (paging && !(sregs->cr0 & X86_CR0_PE)) ||
	    ((sregs->cr0 & X86_CR0_NW) && !(sregs->cr0 & X86_CR0_CD)))
		return false;
	if ((sregs->efer & EFER_LME) && paging)
		return (sregs->cr4 & X86_CR4_PAE) && (sregs->efer & EFER_LMA);
	return !(sregs->efer & EFER_LMA) && !sregs->cs.l;
}

int mv_vmx_set_sregs(struct mv_vcpu *vcpu, const struct kvm_sregs *in)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_sregs sregs = *in;
	enum mv_segment seg;

	if (!sregs_valid(vcpu, &sregs))
		return -EINVAL;
	if (vcpu->irqs.lapic &&
	    mv_lapic_set_base(vcpu->irqs.lapic, sregs.apic_base, true))
		return -EINVAL;
	note_open_io(vcpu);
	for (seg = MV_ES; seg < MV_NR_SEGMENTS; seg++)
		set_segment(seg, sregs_segment(&sregs, seg));
	vmcs_write(GUEST_GDTR_BASE, sregs.gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs.gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs.idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs.idt.limit);
	mv_vmx_set_cr0(sregs.cr0);
	mv_vmx_set_cr4(sregs.cr4);
	vmcs_write(GUEST_CR3, sregs.cr3);
	vmx->cr2 = sregs.cr2;
	mv_vmx_set_cr8(vcpu, sregs.cr8);
	mv_vmx_switch_efer(vcpu, sregs.efer);
	if (!vcpu->irqs.lapic)
		vmx->apic_base = sregs.apic_base;
	vmx->flush_tlb = true;
	return 0;
}
