// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits on VT-x: what the exit says, handed to x86/io.c.
 *
 * Every IN and OUT exits (unconditional I/O exiting). The exit
 * qualification gives the port, the size, the direction and whether it
 * is a string instruction with REP (Intel SDM Vol. 3C, 28.2.1, table
 * 28-5, "Exit Qualification for I/O Instructions"); for INS and OUTS the
 * VM-exit instruction information gives the address size and the guest
 * linear address field the first element's address (28.2.5). x86/io.c
 * builds KVM_EXIT_IO from that and says how the instruction ends; an IN
 * or INS completes when userspace re-enters (run.c).
 */
#include <linux/kvm.h>

#include "../vcpu.h"
#include "../x86/x86.h"
#include "insn.h"
#include "vmx.h"

#define IO_SIZE(qual)		(((qual) & 7) + 1)
#define IO_IN			BIT(3)
#define IO_STRING		BIT(4)
#define IO_REP			BIT(5)
#define IO_PORT(qual)		((qual) >> 16 & 0xffff)

/* VM-exit instruction information of INS/OUTS: the address size. */
#define IO_ADDRESS_SIZE(info)	(2 << (((info) >> 7) & 7))

/*
 * INS or OUTS: the string's side of the exit too. Out of line, so that
 * the intercept it builds on the stack costs plain IN and OUT nothing.
 */
static noinline int handle_string_io(struct mv_vcpu *vcpu, unsigned long qual)
{
	const struct mv_string_intercept io = {
		.port = IO_PORT(qual),
		.size = IO_SIZE(qual),
		.in = qual & IO_IN,
		.rep = qual & IO_REP,
		.df = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF,
		.addr_size = IO_ADDRESS_SIZE(vmcs_read(VMX_INSTRUCTION_INFO)),
		.linear = vmcs_read(GUEST_LINEAR_ADDRESS),
	};

	mv_vmx_guest_paging(&vcpu->x86.paging);
	return mv_x86_string_io(vcpu, &io);
}

int mv_vmx_handle_io(struct mv_vcpu *vcpu)
{
	unsigned long qual = to_vmx(vcpu)->exit_qualification;
	int ret;

	if (qual & IO_STRING)
		ret = handle_string_io(vcpu, qual);
	else
		ret = mv_x86_io(vcpu, IO_PORT(qual), IO_SIZE(qual), qual & IO_IN);
	mv_vmx_end_instruction(vcpu->x86.insn_end, 0);
	return ret;
}
