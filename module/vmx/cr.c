// SPDX-License-Identifier: GPL-2.0
/*
 * Control and debug register exits (Intel SDM Vol. 3C, 26.1.3 and 28.2.1,
 * table 28-3, "Exit Qualification for Control-Register Accesses").
 *
 * The guest runs on its own CR0 and CR4 except for the bits in cr.h that
 * the host owns: a MOV that would change one of those exits here, and we
 * emulate the whole instruction, keeping the guest's view in the read
 * shadow and a value VMX accepts in the real register. CR8 is the
 * task-priority register: the guest gets a private copy. Debug registers
 * DR0-DR3 and DR6 are not switched by VM entry, so the guest gets private
 * copies of those too (its breakpoints do not fire; the host's stay safe).
 * XSETBV always exits: the guest's XCR0 is checked and kept for entry.
 */
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>

#include "../vcpu.h"
#include "cr.h"
#include "insn.h"
#include "vmx.h"

#define EFER_LONG_MODE_BITS (EFER_LME | EFER_LMA)

/* CR4 bits that exist on x86-64 and that minivisor lets a guest set. */
#define CR4_ARCHITECTURAL (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			   X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			   X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			   X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
			   X86_CR4_LA57 | X86_CR4_FSGSBASE | X86_CR4_PCIDE | \
			   X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP | \
			   X86_CR4_PKE)

/* CR4 bits of features the guest's CPUID must announce, as in KVM. */
static const struct {
	unsigned long cr4;
	u32 function;
	unsigned int reg;	/* 1 EBX, 2 ECX */
	u32 bit;
} cr4_features[] = {
	{ X86_CR4_OSXSAVE,	1, 2, BIT(26) },	/* XSAVE */
	{ X86_CR4_PCIDE,	1, 2, BIT(17) },	/* PCID */
	{ X86_CR4_FSGSBASE,	7, 1, BIT(0) },
	{ X86_CR4_SMEP,		7, 1, BIT(7) },
	{ X86_CR4_SMAP,		7, 1, BIT(20) },
	{ X86_CR4_UMIP,		7, 2, BIT(2) },
	{ X86_CR4_PKE,		7, 2, BIT(3) },		/* PKU */
	{ X86_CR4_LA57,		7, 2, BIT(16) },
};

/*
 * Whether a guest may hold this CR4: no reserved bit, nothing this CPU
 * lacks (IA32_VMX_CR4_FIXED1), no VMX, and no feature its CPUID hides.
 */
bool mv_vmx_cr4_valid(struct mv_vcpu *vcpu, unsigned long cr4)
{
	u64 fixed1;
	int i;

	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1);
	if (cr4 & (~CR4_ARCHITECTURAL | ~fixed1))
		return false;
	for (i = 0; i < ARRAY_SIZE(cr4_features); i++)
		if ((cr4 & cr4_features[i].cr4) &&
		    !(mv_x86_guest_cpuid(vcpu, cr4_features[i].function, 0,
					 cr4_features[i].reg) &
		      cr4_features[i].bit))
			return false;
	return true;
}

/*
 * The guest's own view of CR0 and CR4: the bits the host owns as the read
 * shadow holds them, the others as the guest last wrote them, which it
 * may do without an exit (SDM 25.6.6).
 */
unsigned long mv_vmx_guest_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & ~MV_CR0_HOST_OWNED) |
	       (vmcs_read(CR0_READ_SHADOW) & MV_CR0_HOST_OWNED);
}

unsigned long mv_vmx_guest_cr4(void)
{
	return (vmcs_read(GUEST_CR4) & ~MV_CR4_HOST_OWNED) |
	       (vmcs_read(CR4_READ_SHADOW) & MV_CR4_HOST_OWNED);
}

/*
 * What x86/ needs to walk the guest's page tables. With PAE paging
 * outside long mode the CPU loaded the four PDPTEs at the last MOV to CR3,
 * and the VMCS holds those (SDM Vol. 3C, 25.4.2).
 */
void mv_vmx_guest_paging(struct mv_guest_paging *paging)
{
	unsigned int i;

	paging->cr0 = mv_vmx_guest_cr0();
	paging->cr4 = mv_vmx_guest_cr4();
	paging->cr3 = vmcs_read(GUEST_CR3);
	paging->efer = vmcs_read(GUEST_IA32_EFER);
	if ((paging->cr0 & X86_CR0_PG) && (paging->cr4 & X86_CR4_PAE) &&
	    !(paging->efer & EFER_LMA))
		for (i = 0; i < ARRAY_SIZE(paging->pdpte); i++)
			paging->pdpte[i] = vmcs_read(GUEST_PDPTR0 + 2 * i);
}

void mv_vmx_set_cr0(unsigned long cr0)
{
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
}

void mv_vmx_set_cr4(unsigned long cr4)
{
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | X86_CR4_VMXE);
}

/* EFER.LMA follows CR0.PG when EFER.LME is set (SDM Vol. 3A, 10.8.5). */
void mv_vmx_set_efer(u64 efer)
{
	u32 entry = vmcs_read(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE;

	vmcs_write(GUEST_IA32_EFER, efer);
	vmcs_write(VM_ENTRY_CONTROLS,
		   efer & EFER_LMA ? entry | VM_ENTRY_IA32E_MODE : entry);
}

static bool emulate_mov_to_cr0(struct mv_vcpu *vcpu, unsigned long cr0)
{
	unsigned long old = mv_vmx_guest_cr0();
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if (upper_32_bits(cr0) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return false;

	if ((cr0 ^ old) & X86_CR0_PG && efer & EFER_LME) {
		if (cr0 & X86_CR0_PG) {
			if (!(mv_vmx_guest_cr4() & X86_CR4_PAE))
				return false;
			mv_vmx_set_efer(efer | EFER_LMA);
		} else {
			mv_vmx_set_efer(efer & ~EFER_LMA);
		}
	}
	mv_vmx_set_cr0(cr0);
	to_vmx(vcpu)->flush_tlb = true;
	return true;
}

enum cr_access { MOV_TO_CR, MOV_FROM_CR, CLTS, LMSW };

int mv_vmx_handle_cr(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long qual = vmx->exit_qualification;
	unsigned int cr = qual & 15, reg = (qual >> 8) & 15;
	enum cr_access access = (qual >> 4) & 3;
	unsigned long value = mv_vmx_read_gpr(vcpu, reg);
	bool ok = true;

	if (access == MOV_TO_CR && cr == 0)
		ok = emulate_mov_to_cr0(vcpu, value);
	else if (access == MOV_TO_CR && cr == 4)
		ok = false;	/* CR4.VMXE: no VMX inside the guest */
	else if (access == MOV_TO_CR && cr == 8 && value < 16)
		mv_vmx_set_cr8(vcpu, value);
	else if (access == MOV_TO_CR && cr == 8)
		ok = false;
	else if (access == MOV_FROM_CR && cr == 8)
		mv_vmx_write_gpr(vcpu, reg, mv_vmx_cr8(vcpu));
	else
		return mv_vmx_unexpected_exit(vcpu);

	if (!ok) {
		mv_vmx_inject_gp(vcpu);
		return 1;
	}
	mv_vmx_skip_instruction();
	return 1;
}

int mv_vmx_handle_dr(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long qual = vmx->exit_qualification;
	unsigned int dr = qual & 7, reg = (qual >> 8) & 15;
	bool to_dr = !(qual & BIT(4));
	unsigned long value;

	if (dr == 4 || dr == 5) {
		/* Aliases of DR6/DR7 unless CR4.DE makes them #UD. */
		if (mv_vmx_guest_cr4() & X86_CR4_DE) {
			mv_vmx_inject_exception(UD_VECTOR);
			return 1;
		}
		dr += 2;
	}

	if (to_dr) {
		value = mv_vmx_read_gpr(vcpu, reg);
		if (dr == 7)
			vmcs_write(GUEST_DR7, (value & 0xffffffff) | MV_DR7_RESET);
		else if (dr == 6)
			vmx->dr6 = (value & 0xffffffff) | MV_DR6_RESET;
		else
			vmx->dr[dr] = value;
	} else {
		if (dr == 7)
			value = vmcs_read(GUEST_DR7);
		else if (dr == 6)
			value = vmx->dr6;
		else
			value = vmx->dr[dr];
		mv_vmx_write_gpr(vcpu, reg, value);
	}
	mv_vmx_skip_instruction();
	return 1;
}

/*
 * XSETBV (SDM Vol. 1, 13.3): only XCR0, which must keep x87, may enable
 * AVX only with SSE and AVX-512 only whole and with AVX, and may enable
 * only state components the host has enabled. An XCR0 that passes here is
 * one the host can load before VM entry without faulting.
 */
#define XCR0_AVX512 (XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | \
		     XFEATURE_MASK_Hi16_ZMM)
#define XCR0_GUEST_FEATURES (XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
			     XFEATURE_MASK_YMM | XCR0_AVX512)

static bool xcr0_valid(u64 xcr0)
{
	u64 allowed = xgetbv(XCR_XFEATURE_ENABLED_MASK) & XCR0_GUEST_FEATURES;

	if (xcr0 & ~allowed || !(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if (xcr0 & XCR0_AVX512)
		return (xcr0 & XCR0_AVX512) == XCR0_AVX512 &&
		       (xcr0 & XFEATURE_MASK_YMM);
	return true;
}

int mv_vmx_handle_xsetbv(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 xcr0 = (u32)vcpu->x86.regs[MV_RAX] |
		   (u64)vcpu->x86.regs[MV_RDX] << 32;

	if (vcpu->x86.regs[MV_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    !xcr0_valid(xcr0)) {
		mv_vmx_inject_gp(vcpu);
		return 1;
	}
	vmx->xcr0 = xcr0;
	mv_vmx_skip_instruction();
	return 1;
}
