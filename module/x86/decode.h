/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instruction decoder of the emulation chapter: just enough of the
 * x86 instruction set to say what a guest's memory access was.
 */
#ifndef MV_X86_DECODE_H
#define MV_X86_DECODE_H

#include <linux/types.h>

/* The longest x86 instruction (Intel SDM Vol. 2A, 2.3.11). */
#define MV_MAX_INSN_LEN 15

/* Where the data of a decoded memory access comes from or goes to. */
enum mv_operand {
	MV_OPERAND_REG,		/* a general-purpose register */
	MV_OPERAND_IMM,		/* an immediate (writes only) */
};

struct mv_mem_access {
	u8 insn_len;		/* bytes to step RIP over */
	u8 size;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	bool write;
	enum mv_operand operand;
	u8 reg;			/* enum mv_reg of the register operand */
	bool high_byte;		/* AH, CH, DH or BH rather than the low byte */
	u8 reg_size;		/* bytes of the register operand */
	bool sign_extend;	/* MOVSX: extend the data's sign into reg */
	u64 imm;
	bool string;		/* STOS: the index register RDI steps */
	bool rep;		/* REP: RCX counts the elements down */
	u8 addr_size;		/* bytes of RDI and RCX that count: 2, 4, 8 */
};

/*
 * Decode the instruction in bytes[0..len) for a vCPU whose code segment
 * has default operand size def_size (2 or 4) or runs in 64-bit mode.
 * Returns 0, or -EINVAL for an instruction this decoder does not know.
 */
int mv_decode_mem_access(const u8 *bytes, unsigned int len,
			 unsigned int def_size, bool long_mode,
			 struct mv_mem_access *access);

#endif /* MV_X86_DECODE_H */
