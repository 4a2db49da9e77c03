/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioeventfd suite's guests, in 32-bit protected mode with flat
 * segments and no paging (vmm_load()'s VMM_PROTECTED_MODE), so that a
 * linear address is the guest-physical one. Each writes IOEV_VALUE, at
 * every width it can, to a port or to guest-physical space no memslot
 * holds, then reports to IOEV_PORT_DONE. The labels mark the instruction
 * a test expects the next exit at.
 */
#ifndef IOEVENTFD_GUESTS_H
#define IOEVENTFD_GUESTS_H

#define IOEV_PORT		0x60
#define IOEV_PORT_DONE		0x61
#define IOEV_MMIO_ADDR		0xd0000000
#define IOEV_VALUE		0x89abcdef

/* What guest_ioev_outsb writes to IOEV_PORT, one byte at a time. */
#define IOEV_STRING		"ioeventfd"

#ifndef __ASSEMBLER__

#define IOEV_GUEST(name) extern const unsigned char name[], name##_end[]

/*
 * OUT of IOEV_VALUE's low byte, low word and all of it to IOEV_PORT;
 * OUT of its low byte to IOEV_PORT_DONE; HLT.
 */
IOEV_GUEST(guest_ioev_out);
extern const unsigned char guest_ioev_out_word[], guest_ioev_out_done[];

/*
 * MOV of IOEV_VALUE's low byte, low word and all of it to IOEV_MMIO_ADDR;
 * OUT to IOEV_PORT_DONE; a 4-byte read of IOEV_MMIO_ADDR into EBX; HLT.
 */
IOEV_GUEST(guest_ioev_mmio);

/* REP OUTSB of IOEV_STRING (without its NUL) to IOEV_PORT; as above. */
IOEV_GUEST(guest_ioev_outsb);

#undef IOEV_GUEST

#endif /* __ASSEMBLER__ */

#endif /* IOEVENTFD_GUESTS_H */
