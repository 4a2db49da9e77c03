// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation, part two: MMIO exits.
 *
 * A guest access to a guest-physical address that no memslot holds (a
 * device register, say) ends in an EPT violation with that address. The
 * instruction is fetched through the guest's paging and decoded
 * (decode.c) to find the size and the data, and the access goes to
 * userspace as KVM_EXIT_MMIO, where the VMM's device model answers it.
 * As in KVM, a write completes before the exit (RIP already past the
 * instruction when userspace sees it); a read completes when userspace
 * calls KVM_RUN again, with the data it left in run->mmio.data.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../vcpu.h"
#include "decode.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"

/* EPT violation qualification: the access was an instruction fetch. */
#define EPT_VIOLATION_FETCH BIT(2)

/* Fetch the instruction at CS:RIP; the second page may be missing. */
static int fetch_instruction(struct mv_vcpu *vcpu, u8 *bytes)
{
	u64 linear = vmcs_read(SEGMENT_BASE(MV_CS)) + vmcs_read(GUEST_RIP);
	unsigned int first = min_t(unsigned int, MV_MAX_INSN_LEN,
				   PAGE_SIZE - offset_in_page(linear));

	if (mv_guest_linear_copy(vcpu, linear, bytes, first, false))
		return 0;
	if (first < MV_MAX_INSN_LEN &&
	    !mv_guest_linear_copy(vcpu, linear + first, bytes + first,
				  MV_MAX_INSN_LEN - first, false))
		return MV_MAX_INSN_LEN;
	return first;
}

/*
 * The access is done: step over the instruction. STOS steps RDI; under
 * REP it counts RCX down and runs again (see io.c), as KVM's emulator
 * does, until it finds RCX at 0.
 */
static void finish_instruction(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct mv_mem_access *access = &vmx->mmio;
	unsigned long *regs = vmx->regs;
	long step = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF ? -access->size :
		    access->size;

	if (access->string)
		mv_vmx_step_register(&regs[MV_RDI], step,
				     mv_vmx_address_mask(access->addr_size));
	if (access->rep) {
		mv_vmx_step_register(&regs[MV_RCX], -1,
				     mv_vmx_address_mask(access->addr_size));
		mv_vmx_repeat_instruction();
		return;
	}
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + access->insn_len);
	vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) & ~X86_EFLAGS_RF);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
		   vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

static u64 register_value(struct mv_vcpu *vcpu,
			  const struct mv_mem_access *access)
{
	u64 value = mv_vmx_read_gpr(vcpu, access->reg);

	return access->high_byte ? value >> 8 : value;
}

int mv_vmx_handle_mmio(struct mv_vcpu *vcpu, u64 gpa)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct mv_mem_access *access = &vmx->mmio;
	u32 cs_ar = vmcs_read(SEGMENT_AR(MV_CS));
	bool long_mode = (vmcs_read(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) &&
			 (cs_ar & SEGMENT_AR_L);
	struct kvm_run *run = vcpu->run;
	u8 bytes[MV_MAX_INSN_LEN];
	unsigned int len;
	u64 value;

	if (vmx->exit_qualification & EPT_VIOLATION_FETCH)
		return mv_vmx_emulation_failure(vcpu);
	/* Delivering an event touched MMIO (an IDT there, say): no insn. */
	if (vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK) {
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
		run->internal.ndata = 1;
		run->internal.data[0] = vmcs_read(IDT_VECTORING_INFO_FIELD);
		return 0;
	}
	len = fetch_instruction(vcpu, bytes);
	if (mv_decode_mem_access(bytes, len, cs_ar & SEGMENT_AR_DB ? 4 : 2, long_mode,
				 access))
		return mv_vmx_emulation_failure(vcpu);

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = access->size;
	run->mmio.is_write = access->write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (access->write) {
		value = access->operand == MV_OPERAND_IMM ? access->imm :
			register_value(vcpu, access);
		memcpy(run->mmio.data, &value, access->size);
		finish_instruction(vcpu);
	} else {
		vmx->mmio_pending = true;
	}
	return 0;
}

/* A read's data arrived from userspace: into the register it goes. */
void mv_vmx_complete_mmio(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct mv_mem_access *access = &vmx->mmio;
	unsigned long old = mv_vmx_read_gpr(vcpu, access->reg);
	u64 data = 0, mask;
	unsigned int shift = access->high_byte ? 8 : 0;

	vmx->mmio_pending = false;
	memcpy(&data, vcpu->run->mmio.data, access->size);
	if (access->sign_extend)
		data = access->size == 1 ? (u64)(s8)data : (u64)(s16)data;

	/* 32-bit results zero-extend; 8- and 16-bit ones merge. */
	if (access->reg_size >= 4) {
		mask = access->reg_size == 8 ? ~0ull : 0xffffffffull;
		mv_vmx_write_gpr(vcpu, access->reg, data & mask);
	} else {
		mask = (BIT_ULL(8 * access->reg_size) - 1) << shift;
		mv_vmx_write_gpr(vcpu, access->reg,
				 (old & ~mask) | ((data << shift) & mask));
	}
	finish_instruction(vcpu);
}
