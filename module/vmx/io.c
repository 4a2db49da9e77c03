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
 * builds KVM_EXIT_IO from that and says how the instruction ends.
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

int mv_vmx_handle_io(struct mv_vcpu *vcpu)
{
	unsigned long qual = to_vmx(vcpu)->exit_qualification;
	struct mv_io_intercept io = {
		.port = IO_PORT(qual),
		.size = IO_SIZE(qual),
		.in = qual & IO_IN,
		.string = qual & IO_STRING,
	};
	struct mv_guest_paging paging;
	enum mv_insn_end end;
	int ret;

	if (io.string) {
		io.rep = qual & IO_REP;
		io.df = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF;
		io.addr_size = IO_ADDRESS_SIZE(vmcs_read(VMX_INSTRUCTION_INFO));
		io.linear = vmcs_read(GUEST_LINEAR_ADDRESS);
		mv_vmx_guest_paging(&paging);
		io.paging = &paging;
	}
	ret = mv_x86_io(vcpu, &io, &end);
	mv_vmx_end_instruction(end, 0);
	return ret;
}

/*
 * Userspace has done its part: finish the instruction before re-entering.
 * No exit came in between, so the VMCS still has its length.
 */
void mv_vmx_complete_io(struct mv_vcpu *vcpu)
{
	struct mv_guest_paging paging;
	enum mv_insn_end end;

	if (vcpu->x86.string_io.pending) {
		mv_vmx_guest_paging(&paging);
		end = mv_x86_complete_string_in(vcpu, &paging);
	} else {
		end = mv_x86_complete_io(vcpu);
	}
	mv_vmx_end_instruction(end, 0);
}
