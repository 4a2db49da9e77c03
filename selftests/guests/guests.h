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

/*
 * The MMIO guests (suite "mmio") and the compare guest (suite "compare").
 *
 * MMIO_ADDR is guest-physical space that no memslot holds, where a
 * device's registers would be. vmm.c's long mode maps only the first GiB:
 * the tests map the 2 MiB page at MMIO_ADDR for the 64-bit guests. The
 * real-mode guests reach MMIO_REAL_ADDR, the VGA text buffer, through ES,
 * once the tests have shrunk the VM's memory to the MMIO_REAL_MEM_SIZE
 * bytes below it.
 */
#define MMIO_ADDR		0xd0000000
#define MMIO_REAL_ADDR		0xb8000
#define MMIO_REAL_MEM_SIZE	0xa0000

/* What the guests write: RAX's value, and the immediates. */
#define MMIO_VALUE		0xf0e1d2c3b4a59687
#define MMIO_IMM8		0x5a
#define MMIO_IMM16		0xa55a
#define MMIO_IMM32		0x89abcdef
#define MMIO_IMM32_NEGATIVE	(-0x7edcba99)	/* 64 bits: 0xffffffff81234567 */

/* Where in guest_mmio_straddle its read starts: 4 bytes before a page. */
#define MMIO_STRADDLE_OFFSET	0xffc

/* The first value guest_mmio_marker writes. */
#define MMIO_MARKER		0x600dcafe

/* How many elements the REP STOS guests store (RCX, or CX in real mode). */
#define MMIO_REP_COUNT		3
/* ECX's upper half in guest_mmio_real_rep_stosb, which only CX counts. */
#define MMIO_REAL_ECX_HIGH	0xffff0000

/* The MSRs guest_compare writes and reads back. */
#define GUEST_MSR_SYSENTER_ESP		0x00000175
#define GUEST_MSR_KERNEL_GS_BASE	0xc0000102

#ifndef __ASSEMBLER__

/*
 * Where one instruction of a guest starts and ends, as offsets from the
 * guest's start. Each MMIO guest has a table of them, NAME_insns, one for
 * each instruction that exits, in the order the guest runs them.
 */
struct guest_insn {
	unsigned short start, end;
};

#define MMIO_GUEST(name)						\
	extern const unsigned char name[], name##_end[];		\
	extern const struct guest_insn name##_insns[]

/*
 * 64-bit long mode, RDI = MMIO_ADDR (but in guest_mmio_moffs, which uses
 * absolute addresses); each access to a distinct offset from MMIO_ADDR.
 */

/* From RAX = MMIO_VALUE: writes of AL, AX, EAX, RAX and AH; HLT. */
MMIO_GUEST(guest_mmio_write_regs);

/* MOV of MMIO_IMM8, MMIO_IMM16, MMIO_IMM32, MMIO_IMM32_NEGATIVE (64 bits). */
MMIO_GUEST(guest_mmio_write_imms);

/*
 * From RAX = MMIO_VALUE, MOV to 64-bit absolute addresses (moffs) of AL,
 * AX, EAX, RAX, and of EAX to a 32-bit one (67 prefix); then MOV from
 * moffs to AL and to RAX; HLT.
 */
MMIO_GUEST(guest_mmio_moffs);

/* Reads into AL, CX, EDX, RBX; HLT. */
MMIO_GUEST(guest_mmio_read_sizes);

/* Reads into AH, CH, DH, BH, then a write of DH; HLT. */
MMIO_GUEST(guest_mmio_high_bytes);

/* MOVZX: byte to EAX, word to ECX, byte to DX, word to RBX; HLT. */
MMIO_GUEST(guest_mmio_movzx);

/* MOVSX: byte to EAX, word to ECX, byte to DX, byte to RBX, word to RBP. */
MMIO_GUEST(guest_mmio_movsx);

/*
 * With REX prefixes: writes of R8B, R9W, R10D, R11 and SIL; reads into
 * R12B, R13W, R14D, R15 and BPL; MOVSX of a byte into R8; HLT.
 */
MMIO_GUEST(guest_mmio_rex);

/*
 * Writes of EAX through every ModRM form: base R12 (SIB), R13 + disp8,
 * RDI + disp32, RDI + RCX * 4 + disp8 (RCX = 2), no base (SIB, disp32),
 * EDI (67 prefix), FS and ES overrides, R12 + RCX * 8 + disp32; HLT.
 */
MMIO_GUEST(guest_mmio_addressing);

/*
 * From RAX = MMIO_VALUE, writes with prefixes to spare: 66 before REX.W
 * (8 bytes), 66 twice (2 bytes), CS then DS override (4 bytes); HLT.
 */
MMIO_GUEST(guest_mmio_prefixes);

/* From RAX = MMIO_VALUE, STOSB, STOSW, STOSL, STOSQ upwards; HLT. */
MMIO_GUEST(guest_mmio_stos);

/* REP STOSB and REP STOSW of MMIO_REP_COUNT elements from RAX; HLT. */
MMIO_GUEST(guest_mmio_rep_stosb);
MMIO_GUEST(guest_mmio_rep_stosw);

/*
 * At MMIO_STRADDLE_OFFSET, 4 bytes before a page boundary: a read of 8
 * bytes into RBX, whose 7-byte instruction spans the two pages; then a
 * write of RBX; HLT.
 */
MMIO_GUEST(guest_mmio_straddle);

/*
 * EAX = MMIO_MARKER; then for ever: write EAX to MMIO_ADDR, read EBX from
 * MMIO_ADDR + 4, HLT, EAX++.
 */
MMIO_GUEST(guest_mmio_marker);

/*
 * Real mode, ES = MMIO_REAL_ADDR >> 4, DI = 0, ESI = 0x20, EAX the low
 * half of MMIO_VALUE, EBX = ECX = IN_SENTINEL: MOV of MMIO_IMM16 to
 * ES:[DI], of MMIO_IMM32 to ES:4 (66 prefix), of AL to moffs ES:0x10, of
 * AX to ES:[ESI] (67 prefix); reads into BX and CH, MOVZX of a byte into
 * EDX, MOVSX of a byte into BP; STOSW; HLT. Offsets 0, 4, 0x10, 0x20, then
 * 0x30 to 0x60 in steps of 0x10, then 0 again.
 */
MMIO_GUEST(guest_mmio_real);

/*
 * Real mode, ES:DI = MMIO_REAL_ADDR, ECX = MMIO_REAL_ECX_HIGH with CX =
 * MMIO_REP_COUNT: REP STOSB of AL = MMIO_IMM8; HLT.
 */
MMIO_GUEST(guest_mmio_real_rep_stosb);

#undef MMIO_GUEST

/*
 * Long mode, for the same run on both devices: CPUID of leaves 0, 1,
 * 0x80000001 and 0x80000008, each followed by an OUT to PORT_REPORT; OUT
 * of 4 bytes to PORT_OUT_DWORD and 2 to PORT_WIDE; IN of 1, 2 and 4 bytes
 * into EAX = IN_SENTINEL, OUT of EAX to PORT_ECHO; REP OUTSB of OUTSB_TEXT;
 * WRMSR then RDMSR of KERNEL_GS_BASE and of SYSENTER_ESP, each followed
 * by an OUT; MMIO: writes of RAX = MMIO_VALUE and of
 * MMIO_IMM16, read into RBX, MOVSX of a byte into ECX; VMCALL of 0x1234,
 * OUT of EAX; HLT.
 */
extern const unsigned char guest_compare[], guest_compare_end[];

/*
 * Long mode: WRMSR of SYSENTER_ESP = 0x0000800000001000 (not canonical),
 * RDMSR of it, OUT of EAX then of EDX to PORT_REPORT; HLT.
 */
extern const unsigned char guest_wrmsr_noncanonical[],
	guest_wrmsr_noncanonical_end[];

#endif /* __ASSEMBLER__ */

#endif /* GUESTS_H */
