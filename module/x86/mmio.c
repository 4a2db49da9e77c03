// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation, part two: MMIO exits.
 *
 * A guest access to a guest-physical address that no memslot holds (a
 * device register, say) ends in a second-level page fault with that
 * address (an EPT violation on VT-x), and the backend hands it over,
 * with the guest's paging and where its instruction is (vcpu->x86.paging,
 * vcpu->x86.site). The instruction is fetched through the guest's paging
 * and decoded (decode.c) to find the size and the data, and the access
 * goes to userspace as KVM_EXIT_MMIO, where the VMM's device model
 * answers it. As in KVM, a write completes before the exit
 * (RIP already past the instruction when userspace sees it); a read
 * completes when userspace calls KVM_RUN again, with the data it left in
 * run->mmio.data.
 *
 * One device answers in the kernel instead: the vCPU's local APIC, when
 * it is there (../irq/lapic.h), at the page its base address names. Its
 * accesses complete at once, and the guest goes on without an exit to
 * userspace. So does a write an ioeventfd matches (ioeventfd.c).
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../irq/lapic.h"
#include "../vcpu.h"
#include "decode.h"
#include "x86.h"

/* Fetch the instruction at CS:RIP; the second page may be missing. */
static int fetch_instruction(struct mv_vcpu *vcpu, u64 linear, u8 *bytes)
{
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
 * The access is done: the instruction ends. STOS steps RDI; under REP it
 * counts RCX down and runs again (see io.c), as KVM's emulator does, until
 * it finds RCX at 0.
 */
static enum mv_insn_end finish_instruction(struct mv_vcpu *vcpu)
{
	struct mv_mem_access *access = &vcpu->x86.mmio;
	unsigned long *regs = vcpu->x86.regs;
	unsigned long mask = mv_address_mask(access->addr_size);

	if (access->string)
		mv_step_register(&regs[MV_RDI], vcpu->x86.site.df ?
				 -access->size : access->size, mask);
	if (!access->rep)
		return MV_INSN_DONE;
	mv_step_register(&regs[MV_RCX], -1, mask);
	return MV_INSN_AGAIN;
}

/* A read's data arrived: into the register it goes. */
static enum mv_insn_end complete_read(struct mv_vcpu *vcpu, u64 data)
{
	struct mv_mem_access *access = &vcpu->x86.mmio;
	unsigned long *reg = &vcpu->x86.regs[access->reg];
	unsigned int shift = access->high_byte ? 8 : 0;
	u64 mask;

	if (access->sign_extend)
		data = access->size == 1 ? (u64)(s8)data : (u64)(s16)data;

	/* 32-bit results zero-extend; 8- and 16-bit ones merge. */
	if (access->reg_size >= 4) {
		mask = access->reg_size == 8 ? ~0ull : 0xffffffffull;
		*reg = data & mask;
	} else {
		mask = (BIT_ULL(8 * access->reg_size) - 1) << shift;
		*reg = (*reg & ~mask) | ((data << shift) & mask);
	}
	return finish_instruction(vcpu);
}

/* What a write stores: an immediate, or a register (or its high byte). */
static u64 written_value(struct mv_vcpu *vcpu,
			 const struct mv_mem_access *access)
{
	u64 value = vcpu->x86.regs[access->reg];

	if (access->operand == MV_OPERAND_IMM)
		return access->imm;
	return access->high_byte ? value >> 8 : value;
}

/* The local APIC's page: the access is done here and now. */
static int lapic_access(struct mv_vcpu *vcpu, struct mv_lapic *lapic,
			u64 gpa)
{
	struct mv_mem_access *access = &vcpu->x86.mmio;
	unsigned int offset = offset_in_page(gpa);

	if (access->write) {
		mv_lapic_mmio_write(lapic, offset, access->size,
				    written_value(vcpu, access));
		vcpu->x86.insn_end = finish_instruction(vcpu);
	} else {
		vcpu->x86.insn_end =
			complete_read(vcpu, mv_lapic_mmio_read(lapic, offset,
							       access->size));
	}
	return 1;
}

int mv_x86_mmio(struct mv_vcpu *vcpu, u64 gpa)
{
	const struct mv_insn_site *site = &vcpu->x86.site;
	struct mv_mem_access *access = &vcpu->x86.mmio;
	struct kvm_run *run = vcpu->run;
	u8 bytes[MV_MAX_INSN_LEN];
	unsigned int len;
	u64 value;

	vcpu->x86.insn_end = MV_INSN_OPEN;
	len = fetch_instruction(vcpu, site->linear, bytes);
	if (mv_decode_mem_access(bytes, len, site->def_size, site->long_mode,
				 access))
		return mv_x86_emulation_failure(vcpu);
	if (vcpu->irqs.lapic && mv_lapic_mmio_hit(vcpu->irqs.lapic, gpa))
		return lapic_access(vcpu, vcpu->irqs.lapic, gpa);
	if (access->write &&
	    mv_x86_ioeventfd_write(vcpu, MV_IOEVENTFD_MMIO, gpa, access->size,
				   written_value(vcpu, access))) {
		vcpu->x86.insn_end = finish_instruction(vcpu);
		return 1;
	}

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = access->size;
	run->mmio.is_write = access->write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (access->write) {
		value = written_value(vcpu, access);
		memcpy(run->mmio.data, &value, access->size);
		vcpu->x86.insn_end = finish_instruction(vcpu);
	} else {
		vcpu->x86.waiting = MV_WAITING_MMIO;
	}
	return 0;
}

/* The read's data came from userspace, in run->mmio.data. */
enum mv_insn_end mv_x86_complete_mmio(struct mv_vcpu *vcpu)
{
	u64 data = 0;

	vcpu->x86.waiting = MV_WAITING_NONE;
	memcpy(&data, vcpu->run->mmio.data, vcpu->x86.mmio.size);
	return complete_read(vcpu, data);
}

/* An instruction minivisor must emulate but cannot: say so, as KVM does. */
int mv_x86_emulation_failure(struct mv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 0;
	return 0;
}
