/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message-signalled interrupts to the in-kernel local APICs (msi.c; Intel
 * SDM Vol. 3A, 11.11).
 */
#ifndef MV_IRQ_MSI_H
#define MV_IRQ_MSI_H

#include <linux/kvm.h>

struct mv_lapic_irq;
struct mv_vm;

/* The interrupt a message (its address's low word and its data) sends. */
void mv_msi_decode(u32 address_lo, u32 data, struct mv_lapic_irq *irq);

/*
 * KVM_SIGNAL_MSI, on a VM whose local APICs are in the kernel: how many
 * APICs accepted it (0 if it named none, as on KVM), or -EINVAL for
 * flags.
 */
int mv_irq_signal_msi(struct mv_vm *vm, const struct kvm_msi *msi);

#endif /* MV_IRQ_MSI_H */
