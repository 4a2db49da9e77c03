// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O: IN and OUT become KVM_EXIT_IO (Intel SDM Vol. 1, 19.2, and
 * Vol. 2, the IN, INS, OUT and OUTS pages).
 *
 * Every IN and OUT exits, and the backend hands over what its exit says
 * (struct mv_io_intercept); the device behind the port lives in
 * userspace. The data travels in the vCPU's I/O page, mapped after struct
 * kvm_run. As in KVM, the guest's RIP still points at the instruction
 * while userspace handles the exit; the instruction completes when
 * userspace calls KVM_RUN again: an IN then loads the data userspace left
 * in the page into AL, AX or EAX. If userspace moved RIP in between, KVM
 * drops the IN or OUT instead; the backend, which owns RIP, does that.
 *
 * INS and OUTS move data between the port and guest memory, addressed by
 * ES:RDI or DS:RSI; the exit gives the linear address and the address
 * size (on VT-x, SDM Vol. 3C, 28.2.5). minivisor does what KVM's emulator
 * does, so that a VMM sees the same exits on both: OUTS goes to userspace
 * once per element, with RSI and RCX already stepped; INS asks for as
 * many elements as fit in the rest of the page (up to 1024 bytes) in one
 * exit, and stores them in guest memory when userspace re-enters. Under
 * REP, RIP stays on the instruction (MV_INSN_AGAIN) and the guest
 * executes it again: with RCX at 0 it is done.
 *
 * An OUT, or an element of OUTS, that an ioeventfd matches
 * (ioeventfd.c) completes here instead, without the exit.
 */
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../vcpu.h"
#include "x86.h"

/* KVM's quirk: OUT to port 0x7e completes before the exit to userspace. */
#define IO_PORT_COMPLETES_EARLY	0x7e

/* The most INS reads ahead in one exit, as KVM's emulator does. */
#define STRING_IN_MAX_BYTES	1024

/*
 * KVM_EXIT_IO for count 1, its data in the I/O page after struct
 * kvm_run; until told otherwise, the instruction waits for userspace.
 */
static void io_exit(struct mv_vcpu *vcpu, u16 port, u8 size, bool in)
{
	struct kvm_run *run = vcpu->run;

	vcpu->x86.insn_end = MV_INSN_OPEN;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
}

/*
 * Step the index register over count elements. Under REP, RCX counts them
 * down and the instruction runs again; without, it is done.
 */
static enum mv_insn_end step_string(struct mv_vcpu *vcpu, enum mv_reg index,
				    unsigned int count)
{
	struct mv_string_io *io = &vcpu->x86.string_io;
	unsigned long *regs = vcpu->x86.regs;

	mv_step_register(&regs[index], io->step * (long)count, io->mask);
	if (!io->rep)
		return MV_INSN_DONE;
	mv_step_register(&regs[MV_RCX], -(long)count, io->mask);
	return MV_INSN_AGAIN;
}

/* How many elements one INS exit asks for: KVM's read-ahead rule. */
static unsigned int string_in_count(struct mv_vcpu *vcpu, unsigned int size)
{
	struct mv_string_io *io = &vcpu->x86.string_io;
	unsigned long rdi = vcpu->x86.regs[MV_RDI];
	unsigned long in_page;

	if (!io->rep)
		return 1;
	in_page = io->step < 0 ? offset_in_page(rdi) :
		  PAGE_SIZE - offset_in_page(rdi);
	return max(min3(vcpu->x86.regs[MV_RCX] & io->mask, in_page,
			(unsigned long)STRING_IN_MAX_BYTES / size), 1ul);
}

int mv_x86_string_io(struct mv_vcpu *vcpu,
		     const struct mv_string_intercept *intercept)
{
	struct mv_string_io *io = &vcpu->x86.string_io;
	struct kvm_run *run = vcpu->run;

	io_exit(vcpu, intercept->port, intercept->size, intercept->in);
	io->mask = mv_address_mask(intercept->addr_size);
	io->rep = intercept->rep;
	io->step = intercept->df ? -(int)run->io.size : run->io.size;
	io->linear = intercept->linear;
	if (io->rep && !(vcpu->x86.regs[MV_RCX] & io->mask)) {
		vcpu->x86.insn_end = MV_INSN_DONE;
		return 1;
	}

	if (!intercept->in) {
		u64 value = 0;

		if (mv_guest_linear_copy(vcpu, io->linear, vcpu->pio_data,
					 run->io.size, false))
			return mv_x86_emulation_failure(vcpu);
		vcpu->x86.insn_end = step_string(vcpu, MV_RSI, 1);
		memcpy(&value, vcpu->pio_data, run->io.size);
		return mv_x86_ioeventfd_write(vcpu, MV_IOEVENTFD_PIO,
					      intercept->port, run->io.size,
					      value);
	}

	run->io.count = string_in_count(vcpu, run->io.size);
	memset(vcpu->pio_data, 0, run->io.count * run->io.size);
	vcpu->x86.waiting = MV_WAITING_STRING_IN;
	return 0;
}

/* Store what userspace read for an INS, element by element. */
enum mv_insn_end mv_x86_complete_string_in(struct mv_vcpu *vcpu)
{
	struct mv_string_io *io = &vcpu->x86.string_io;
	struct kvm_run *run = vcpu->run;
	unsigned int i;

	vcpu->x86.waiting = MV_WAITING_NONE;
	for (i = 0; i < run->io.count; i++)
		if (mv_guest_linear_copy(vcpu, io->linear + (long)i * io->step,
					 vcpu->pio_data + i * run->io.size,
					 run->io.size, true))
			break;
	return step_string(vcpu, MV_RDI, i);
}

int mv_x86_io(struct mv_vcpu *vcpu, u16 port, u8 size, bool in)
{
	if (!in && mv_x86_ioeventfd_write(vcpu, MV_IOEVENTFD_PIO, port, size,
					  vcpu->x86.regs[MV_RAX])) {
		vcpu->x86.insn_end = MV_INSN_DONE;
		return 1;
	}
	io_exit(vcpu, port, size, in);
	if (in) {
		memset(vcpu->pio_data, 0, size);
	} else {
		memcpy(vcpu->pio_data, &vcpu->x86.regs[MV_RAX], size);
		if (port == IO_PORT_COMPLETES_EARLY) {
			vcpu->x86.insn_end = MV_INSN_DONE;
			return 0;
		}
	}
	vcpu->x86.waiting = MV_WAITING_IO;
	return 0;
}

/* Finish the IN or OUT userspace has handled, before re-entering. */
enum mv_insn_end mv_x86_complete_io(struct mv_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned long *rax = &vcpu->x86.regs[MV_RAX];

	vcpu->x86.waiting = MV_WAITING_NONE;
	if (run->io.direction == KVM_EXIT_IO_IN) {
		if (run->io.size == 4)
			*rax = 0;	/* 32-bit results zero-extend */
		memcpy(rax, vcpu->pio_data, run->io.size);
	}
	return MV_INSN_DONE;
}
