/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of the lapic suite and the test, agreed: a 32-bit protected
 * mode guest without paging that does what the test tells it, one command
 * at a time, so that each test reads as the sequence of APIC accesses it
 * checks. Every word the guest needs comes from an IN of 4 bytes from
 * LAPIC_PORT_COMMAND: first the command, then its arguments.
 *
 *   LAPIC_WRITE reg value    store value to the xAPIC register at reg
 *   LAPIC_READ reg           load it, OUT of it to LAPIC_PORT_REPORT
 *   LAPIC_WRMSR msr lo hi    WRMSR
 *   LAPIC_RDMSR msr          RDMSR, OUT of EAX and then of EDX
 *   LAPIC_RDTSC              RDTSC, OUT of EAX and then of EDX
 *   LAPIC_STI, LAPIC_CLI     set or clear RFLAGS.IF
 *   LAPIC_HLT                HLT, with RFLAGS.IF as it is
 *   LAPIC_STI_HLT            STI; HLT: no interrupt comes in between
 *   LAPIC_SPIN count         PAUSE count times
 *   LAPIC_QUIET mode         how interrupts are handled from now on
 *                            (LAPIC_QUIET_*; at first, LAPIC_QUIET_OFF)
 *   LAPIC_AWAIT count        STI, wait until LAPIC_QUIET_COUNT reaches
 *                            count, CLI
 *   LAPIC_RETURN             leave this command loop
 *
 * An interrupt enters through the IDT the test builds (every vector has a
 * gate, to lapic_guest_vectors + 16 * vector), OUTs its vector to
 * LAPIC_PORT_IRQ and runs a command loop of its own, whose LAPIC_RETURN
 * returns from the interrupt (IRET). So the test decides what the handler
 * does: EOI, enable interrupts for a nested one, or not. Unless told to be
 * quiet: then it only counts the interrupt at LAPIC_QUIET_COUNT (a u32 in
 * guest memory) and EOIs it (LAPIC_QUIET_EOI), and also sends itself the
 * same vector again before it returns (LAPIC_QUIET_STORM), with no exit of
 * its own.
 */
#ifndef LAPIC_GUESTS_H
#define LAPIC_GUESTS_H

#define LAPIC_PORT_COMMAND	0x90
#define LAPIC_PORT_REPORT	0x91
#define LAPIC_PORT_IRQ		0x92

#define LAPIC_RETURN		0
#define LAPIC_WRITE		1
#define LAPIC_READ		2
#define LAPIC_WRMSR		3
#define LAPIC_RDMSR		4
#define LAPIC_RDTSC		5
#define LAPIC_STI		6
#define LAPIC_CLI		7
#define LAPIC_HLT		8
#define LAPIC_STI_HLT		9
#define LAPIC_SPIN		10
#define LAPIC_QUIET		11
#define LAPIC_AWAIT		12

#define LAPIC_QUIET_OFF		0
#define LAPIC_QUIET_EOI		1
#define LAPIC_QUIET_STORM	2
#define LAPIC_QUIET_MODE	0x30000		/* guest-physical u32s */
#define LAPIC_QUIET_COUNT	0x30004

/* Where the xAPIC page is after RESET (IA32_APIC_BASE). */
#define LAPIC_XAPIC_BASE	0xfee00000

/* Each vector's entry point is this far from the last one's. */
#define LAPIC_VECTOR_STUB_SIZE	16

/*
 * The second vCPU's guest, lapic_ap_guest, in real mode where a start-up
 * IPI starts it: it OUTs LAPIC_AP_STARTED to LAPIC_PORT_AP, then halts
 * with interrupts on, for good. Its handler, lapic_ap_handler (the test
 * puts it in the real-mode IVT), OUTs LAPIC_AP_IPI there and returns.
 */
#define LAPIC_PORT_AP		0x93
#define LAPIC_AP_STARTED	0x5a
#define LAPIC_AP_IPI		0x65

#ifndef __ASSEMBLER__
extern const unsigned char lapic_guest[], lapic_guest_end[];
extern const unsigned char lapic_guest_vectors[];
extern const unsigned char lapic_ap_guest[], lapic_ap_guest_end[];
extern const unsigned char lapic_ap_handler[];
#endif

#endif /* LAPIC_GUESTS_H */
