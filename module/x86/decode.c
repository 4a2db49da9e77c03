// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation, part one: decoding the instruction that touched MMIO.
 *
 * When a guest reads or writes a guest-physical address no memslot holds,
 * the EPT violation says where, but not how many bytes, nor the data: the
 * hypervisor must read the instruction and work that out, as a
 * trap-and-emulate hypervisor does for every privileged instruction. This
 * is the slow path of the teaching lab. minivisor decodes the forms that
 * device drivers use for registers (Intel SDM Vol. 2, chapter 2 for the
 * encoding, and the MOV, MOVZX, MOVSX and STOS pages):
 *
 *   88/89      MOV r/m, reg        8A/8B      MOV reg, r/m
 *   C6/C7 /0   MOV r/m, imm        A0-A3      MOV between AL..RAX and moffs
 *   0F B6/B7   MOVZX reg, r/m      0F BE/BF   MOVSX reg, r/m
 *   AA/AB      STOS
 *
 * with operand-size, address-size, segment, REP and REX prefixes. The
 * memory address itself comes from the exit, so the ModRM, SIB and
 * displacement bytes are only counted, not evaluated. Anything else is
 * refused, and the run ends with an emulation error instead of a guess.
 */
#include <linux/errno.h>
#include <linux/minmax.h>

#include "decode.h"
#include "x86.h"

struct decoder {
	const u8 *bytes;
	unsigned int len, pos;
	unsigned int op_size, addr_size;
	u8 rex;
	bool long_mode, rep, op_size_prefix, addr_size_prefix;
};

static int next_byte(struct decoder *d, u8 *byte)
{
	if (d->pos >= d->len)
		return -EINVAL;
	*byte = d->bytes[d->pos++];
	return 0;
}

static int skip(struct decoder *d, unsigned int n)
{
	d->pos += n;
	return d->pos <= d->len ? 0 : -EINVAL;
}

static int read_prefixes(struct decoder *d, u8 *opcode)
{
	for (;;) {
		if (next_byte(d, opcode))
			return -EINVAL;
		switch (*opcode) {
		case 0x66:	/* operand size */
			d->op_size_prefix = true;
			break;
		case 0x67:	/* address size */
			d->addr_size_prefix = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65:	/* segments: the exit gave the address */
			break;
		case 0xf2: case 0xf3:	/* REP: one element at a time */
			d->rep = true;
			break;
		default:
			if (d->long_mode && (*opcode & 0xf0) == 0x40) {
				d->rex = *opcode;
				if (next_byte(d, opcode))
					return -EINVAL;
			}
			return 0;
		}
	}
}

/*
 * Prefixes: legacy ones in any order (a repeated one counts once), then
 * REX in 64-bit mode. 66 and 67 switch the operand and address size away
 * from the code segment's default; REX.W makes the operand 64 bits.
 */
static int decode_prefixes(struct decoder *d, u8 *opcode)
{
	int ret = read_prefixes(d, opcode);

	if (ret)
		return ret;
	if (d->op_size_prefix)
		d->op_size = d->op_size == 2 ? 4 : 2;
	if (d->addr_size_prefix)
		d->addr_size = d->long_mode ? 4 : (d->addr_size == 2 ? 4 : 2);
	if (d->rex & 0x08)	/* REX.W */
		d->op_size = 8;
	return 0;
}

/*
 * Count the ModRM byte and what follows it (SIB, displacement); return
 * its reg field. A register operand in r/m (mod 3) is no memory access.
 */
static int decode_modrm(struct decoder *d, u8 *reg)
{
	u8 modrm, sib, mod, rm;

	if (next_byte(d, &modrm))
		return -EINVAL;
	mod = modrm >> 6;
	rm = modrm & 7;
	*reg = (modrm >> 3) & 7;
	if (mod == 3)
		return -EINVAL;

	if (d->addr_size == 2) {
		if (mod == 1)
			return skip(d, 1);
		if (mod == 2 || rm == 6)
			return skip(d, 2);
		return 0;
	}
	if (rm == 4) {
		if (next_byte(d, &sib))
			return -EINVAL;
		if (mod == 0 && (sib & 7) == 5)
			return skip(d, 4);
	}
	if (mod == 1)
		return skip(d, 1);
	if (mod == 2 || (mod == 0 && rm == 5))
		return skip(d, 4);
	return 0;
}

static void set_register(struct decoder *d, struct mv_mem_access *access,
			 u8 reg, unsigned int size)
{
	access->operand = MV_OPERAND_REG;
	access->reg_size = size;
	access->reg = reg;
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (size == 1 && !d->rex && reg >= 4) {
		access->reg = reg - 4;
		access->high_byte = true;
	}
}

/* The register a ModRM reg field names: REX.R is its fourth bit. */
static u8 modrm_register(struct decoder *d, u8 reg)
{
	return reg | (d->rex & 0x04 ? 8 : 0);
}

static int read_imm(struct decoder *d, unsigned int size, u64 *imm)
{
	u64 value = 0;
	unsigned int i;
	u8 byte;

	for (i = 0; i < size; i++) {
		if (next_byte(d, &byte))
			return -EINVAL;
		value |= (u64)byte << (8 * i);
	}
	*imm = value;
	return 0;
}

/* 0F B6, B7, BE, BF: MOVZX and MOVSX from memory. */
static int decode_two_byte(struct decoder *d, struct mv_mem_access *access)
{
	u8 opcode, reg;

	if (next_byte(d, &opcode))
		return -EINVAL;
	if (opcode != 0xb6 && opcode != 0xb7 && opcode != 0xbe && opcode != 0xbf)
		return -EINVAL;
	if (decode_modrm(d, &reg))
		return -EINVAL;
	access->size = opcode & 1 ? 2 : 1;
	access->sign_extend = opcode & 8;
	set_register(d, access, modrm_register(d, reg), d->op_size);
	return 0;
}

int mv_decode_mem_access(const u8 *bytes, unsigned int len,
			 unsigned int def_size, bool long_mode,
			 struct mv_mem_access *access)
{
	struct decoder d = {
		.bytes = bytes, .len = len, .long_mode = long_mode,
		.op_size = long_mode ? 4 : def_size,
		.addr_size = long_mode ? 8 : def_size,
	};
	u8 opcode, reg;
	int ret = 0;

	*access = (struct mv_mem_access){};
	if (decode_prefixes(&d, &opcode))
		return -EINVAL;

	switch (opcode) {
	case 0x0f:
		ret = decode_two_byte(&d, access);
		break;
	case 0x88: case 0x89: case 0x8a: case 0x8b:	/* MOV r/m <-> reg */
		access->size = opcode & 1 ? d.op_size : 1;
		access->write = !(opcode & 2);
		ret = decode_modrm(&d, &reg);
		set_register(&d, access, modrm_register(&d, reg), access->size);
		break;
	case 0xc6: case 0xc7:				/* MOV r/m, imm */
		access->size = opcode & 1 ? d.op_size : 1;
		access->write = true;
		access->operand = MV_OPERAND_IMM;
		ret = decode_modrm(&d, &reg);
		if (!ret && reg)	/* /0 is MOV; the rest is undefined */
			ret = -EINVAL;
		if (!ret)
			ret = read_imm(&d, min(access->size, 4u), &access->imm);
		/* A 32-bit immediate is sign-extended to a 64-bit operand. */
		if (access->size == 8)
			access->imm = (u64)(s64)(s32)access->imm;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:	/* MOV accumulator */
		access->size = opcode & 1 ? d.op_size : 1;
		access->write = opcode & 2;
		set_register(&d, access, MV_RAX, access->size);
		ret = skip(&d, d.addr_size);
		break;
	case 0xaa: case 0xab:				/* STOS */
		access->size = opcode & 1 ? d.op_size : 1;
		access->write = true;
		access->string = true;
		set_register(&d, access, MV_RAX, access->size);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return -EINVAL;
	access->insn_len = d.pos;
	access->rep = d.rep && access->string;
	access->addr_size = d.addr_size;
	return 0;
}
