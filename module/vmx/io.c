// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN and OUT become KVM_EXIT_IO (Intel SDM Vol. 3C,
 * 28.2.1, table 28-5, "Exit Qualification for I/O Instructions").
 *
 * Every IN and OUT exits (unconditional I/O exiting), and the device
 * behind the port lives in userspace. The data travels in the vCPU's I/O
 * page, mapped after struct kvm_run. As in KVM, the guest's RIP still
 * points at the instruction while userspace handles the exit; the
 * instruction completes when userspace calls KVM_RUN again: an IN then
 * loads the data userspace left in the page into AL, AX or EAX.
 *
 * INS and OUTS move data between the port and guest memory, addressed by
 * ES:RDI or DS:RSI; the exit gives the linear address and the address size
 * (SDM 28.2.5). minivisor does what KVM's emulator does, so that a VMM sees
 * the same exits on both: OUTS goes to userspace once per element, with
 * RSI and RCX already stepped; INS asks for as many elements as fit in the
 * rest of the page (up to 1024 bytes) in one exit, and stores them in
 * guest memory when userspace re-enters. Under REP, RIP stays on the
 * instruction with RFLAGS.RF set (no instruction breakpoint fires twice),
 * and the guest executes it again: with RCX at 0 it is done.
 */
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../vcpu.h"
#include "insn.h"
#include "vmx.h"

#define IO_SIZE(qual)		(((qual) & 7) + 1)
#define IO_IN			BIT(3)
#define IO_STRING		BIT(4)
#define IO_REP			BIT(5)
#define IO_PORT(qual)		((qual) >> 16 & 0xffff)

/* KVM's quirk: OUT to port 0x7e completes before the exit to userspace. */
#define IO_PORT_COMPLETES_EARLY	0x7e

/* The most INS reads ahead in one exit, as KVM's emulator does. */
#define STRING_IN_MAX_BYTES	1024

/* The address size of INS/OUTS, in bytes, from the exit (SDM 28.2.5). */
static unsigned int string_address_size(void)
{
	return 2 << ((vmcs_read(VMX_INSTRUCTION_INFO) >> 7) & 7);
}

/*
 * Step the index register over count elements. Under REP, RCX counts them
 * down and the instruction runs again; without, it is done.
 */
static void step_string(struct mv_vcpu *vcpu, enum mv_reg index,
			unsigned int count)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct mv_string_io *io = &vmx->string_io;
	unsigned long *regs = vmx->regs;

	mv_vmx_step_register(&regs[index], io->step * (long)count, io->mask);
	if (io->rep) {
		mv_vmx_step_register(&regs[MV_RCX], -(long)count, io->mask);
		mv_vmx_repeat_instruction();
	} else {
		mv_vmx_skip_instruction();
	}
}

/* How many elements one INS exit asks for: KVM's read-ahead rule. */
static unsigned int string_in_count(struct mv_vcpu *vcpu, unsigned int size)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct mv_string_io *io = &vmx->string_io;
	unsigned long rdi = vmx->regs[MV_RDI];
	unsigned long in_page;

	if (!io->rep)
		return 1;
	in_page = io->step < 0 ? offset_in_page(rdi) :
		  PAGE_SIZE - offset_in_page(rdi);
	return max(min3(vmx->regs[MV_RCX] & io->mask, in_page,
			(unsigned long)STRING_IN_MAX_BYTES / size), 1ul);
}

static int handle_string_io(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long qual = vmx->exit_qualification;
	struct mv_string_io *io = &vmx->string_io;
	struct kvm_run *run = vcpu->run;

	io->mask = mv_vmx_address_mask(string_address_size());
	io->rep = qual & IO_REP;
	io->step = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF ? -(int)run->io.size :
		   run->io.size;
	io->linear = vmcs_read(GUEST_LINEAR_ADDRESS);
	if (io->rep && !(vmx->regs[MV_RCX] & io->mask)) {
		mv_vmx_skip_instruction();
		return 1;
	}

	if (run->io.direction == KVM_EXIT_IO_OUT) {
		if (mv_guest_linear_copy(vcpu, io->linear, vcpu->pio_data,
					 run->io.size, false))
			return mv_vmx_emulation_failure(vcpu);
		step_string(vcpu, MV_RSI, 1);
		return 0;
	}

	run->io.count = string_in_count(vcpu, run->io.size);
	memset(vcpu->pio_data, 0, run->io.count * run->io.size);
	io->pending = true;
	return 0;
}

/* Store what userspace read for an INS, element by element. */
static void complete_string_in(struct mv_vcpu *vcpu)
{
	struct mv_string_io *io = &to_vmx(vcpu)->string_io;
	struct kvm_run *run = vcpu->run;
	unsigned int i;

	io->pending = false;
	for (i = 0; i < run->io.count; i++)
		if (mv_guest_linear_copy(vcpu, io->linear + (long)i * io->step,
					 vcpu->pio_data + i * run->io.size,
					 run->io.size, true))
			break;
	step_string(vcpu, MV_RDI, i);
}

int mv_vmx_handle_io(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long qual = vmx->exit_qualification;
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = qual & IO_IN ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = IO_SIZE(qual);
	run->io.port = IO_PORT(qual);
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;

	if (qual & IO_STRING)
		return handle_string_io(vcpu);

	if (run->io.direction == KVM_EXIT_IO_IN) {
		memset(vcpu->pio_data, 0, run->io.size);
	} else {
		memcpy(vcpu->pio_data, &vmx->regs[MV_RAX], run->io.size);
		if (run->io.port == IO_PORT_COMPLETES_EARLY) {
			mv_vmx_skip_instruction();
			return 0;
		}
	}
	vmx->io_pending = true;
	return 0;
}

/* Finish the I/O instruction userspace has handled, before re-entering. */
void mv_vmx_complete_io(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	unsigned long *rax = &vmx->regs[MV_RAX];

	if (vmx->string_io.pending) {
		complete_string_in(vcpu);
		return;
	}
	vmx->io_pending = false;
	if (run->io.direction == KVM_EXIT_IO_IN) {
		if (run->io.size == 4)
			*rax = 0;	/* 32-bit results zero-extend */
		memcpy(rax, vcpu->pio_data, run->io.size);
	}
	mv_vmx_skip_instruction();
}
