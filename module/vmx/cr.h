/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest control registers: which bits the host owns (Intel SDM Vol. 3C,
 * 25.6.6, "Guest/Host Masks and Read Shadows for CR0 and CR4").
 */
#ifndef MV_VMX_CR_H
#define MV_VMX_CR_H

#include <asm/processor-flags.h>

/*
 * CR0: NE must stay 1 in VMX operation and CD/NW stay 0 so that guest
 * memory is cached as EPT says; PG is watched to switch long mode on and
 * off. CR4: VMXE must stay 1 in VMX operation and the guest may not use
 * VMX itself. The guest reads its own values of these bits from the read
 * shadows, and writing them exits.
 */
#define MV_CR0_HOST_OWNED (X86_CR0_NE | X86_CR0_CD | X86_CR0_NW | X86_CR0_PG)
#define MV_CR4_HOST_OWNED X86_CR4_VMXE

#define MV_GUEST_PAT_RESET 0x0007040600070406ull
#define MV_DR7_RESET 0x400ul
#define MV_DR6_RESET 0xffff0ff0ul

#endif /* MV_VMX_CR_H */
