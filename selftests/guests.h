/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest programs of guests.S, as the tests see them: each lies between
 * a global start label and its "_end" label, and is copied into guest
 * memory at VMM_CODE_ADDR by vmm_load(). Labels inside a guest mark the
 * instructions a test wants to find RIP at; RIP is their offset from the
 * guest's start in real mode (where CS's base is VMM_CODE_ADDR) and
 * VMM_CODE_ADDR plus that offset in the flat 32-bit and 64-bit modes.
 *
 * This header is included by guests.S too, for the ports and values both
 * sides must agree on.
 */
#ifndef GUESTS_H
#define GUESTS_H

/* The I/O ports the guests talk to. No device sits behind any of them. */
#define PORT_OUT_BYTE	0x10
#define PORT_OUT_WORD	0x12
#define PORT_OUT_DWORD	0x14
#define PORT_WIDE	0x1234	/* needs DX: above the 8-bit immediate */
#define PORT_IN		0x20
#define PORT_ECHO	0x21
#define PORT_STRING	0x30
#define PORT_REPORT	0x40
#define PORT_READY	0x50
#define PORT_IRQ	0x51

/* What guest_out_sizes writes to each port. */
#define OUT_BYTE	0xa1
#define OUT_WORD	0xb2c3
#define OUT_DWORD	0xd4e5f607
#define OUT_WIDE	0x5a

/* What guest_in_sizes holds in EAX before each IN. */
#define IN_SENTINEL	0x11223344

/* The string guest_rep_outsb writes, and how many bytes rep_insb reads. */
#define OUTSB_TEXT	"minivisor"
#define INSB_COUNT	16

/* The vector guest_irq installs a real-mode handler for. */
#define IRQ_VECTOR	0x40

/* The 64-bit constant guest_long_mode shifts before reporting. */
#define LONG_MODE_VALUE	0x0123456789abcdef

#ifndef __ASSEMBLER__

/* Declares a guest's start and end labels. */
#define GUEST(name) extern const unsigned char name[], name##_end[]

/*
 * Real mode (.code16): CS = DS = ES = SS, IP = 0 at the guest's start.
 */

/*
 * OUT of OUT_BYTE to PORT_OUT_BYTE, OUT_WORD to PORT_OUT_WORD, OUT_DWORD to
 * PORT_OUT_DWORD, then OUT_WIDE to PORT_WIDE through DX; HLT.
 */
GUEST(guest_out_sizes);
extern const unsigned char guest_out_sizes_out8[], guest_out_sizes_out16[];

/*
 * IN of 1, 2 and 4 bytes from PORT_IN, each into an EAX holding
 * IN_SENTINEL, and each followed by an OUT of all of EAX to PORT_ECHO; HLT.
 */
GUEST(guest_in_sizes);
extern const unsigned char guest_in_sizes_after_in8[];

/* REP OUTSB of OUTSB_TEXT (without its NUL) to PORT_STRING; HLT. */
GUEST(guest_rep_outsb);

/* REP INSB of INSB_COUNT bytes from PORT_STRING to the buffer; HLT. */
GUEST(guest_rep_insb);
extern const unsigned char guest_rep_insb_buffer[];

/* HLT; then OUT of 1 to PORT_REPORT; HLT. */
GUEST(guest_hlt);
extern const unsigned char guest_hlt_after[];

/* LIDT of an empty IVT, then INT3: #GP, #DF, triple fault. */
GUEST(guest_triple_fault);

/* STI, then a jump to itself for ever. */
GUEST(guest_spin);

/* EAX += EBX; OUT of EAX to PORT_REPORT; HLT. */
GUEST(guest_add);

/* CPUID of EAX/ECX as given; OUT of EAX, EBX, ECX, EDX to PORT_REPORT; HLT. */
GUEST(guest_cpuid);

/* RDMSR of ECX as given; OUT of EAX then EDX to PORT_REPORT; HLT. */
GUEST(guest_rdmsr);

/*
 * Points IVT entry IRQ_VECTOR at its handler, STI, NOP, OUT to PORT_READY,
 * then HLT in a loop. The handler OUTs its FLAGS (16 bits) to PORT_IRQ,
 * then IRETs.
 */
GUEST(guest_irq);

/* OUT to PORT_READY; STI; NOP; HLT (at guest_irq_window_open). */
GUEST(guest_irq_window);
extern const unsigned char guest_irq_window_open[];

/* OUT of CR0's low 16 bits (AX) to PORT_REPORT; HLT. */
GUEST(guest_real_mode);

/*
 * 32-bit protected mode (.code32), flat segments, paging off.
 */

/* OUT of CR0 (EAX) to PORT_REPORT; HLT. */
GUEST(guest_protected_mode);

/*
 * 64-bit long mode (.code64), identity-mapped.
 */

/*
 * OUT of CR0's low half to PORT_REPORT, then of the high half of
 * LONG_MODE_VALUE as computed in RAX; HLT.
 */
GUEST(guest_long_mode);

/*
 * OUT of XMM0 to PORT_REPORT, 32 bits at a time from the low end; then
 * all ones into XMM0, OUT of 0 to PORT_READY, and again from the start.
 */
GUEST(guest_sse);

#undef GUEST

#endif /* __ASSEMBLER__ */

#endif /* GUESTS_H */
