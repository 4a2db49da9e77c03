/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivisor's paravirtual ABI: what a guest written for minivisor may use
 * instead of emulated hardware. It sits beside KVM's own paravirtual ABI
 * (Documentation/virt/kvm/x86/hypercalls.rst, <linux/kvm_para.h>), which
 * it does not change: a guest that knows neither still runs.
 *
 * The loopback device. One paravirtual device, the one mvctl lab moves
 * data through: bytes the guest gives it come back, in order, into the
 * buffers the guest lends it. Unlike an emulated device, whose every
 * register access traps, it shares a ring of buffer descriptors with the
 * guest in guest memory and traps only on its doorbell, once per batch.
 *
 * - The guest writes the guest-physical address of its struct
 *   minivisor_pv_ring (4 KiB aligned, below 4 GiB) to
 *   MINIVISOR_PV_RING_PORT with a 32-bit OUT, once. 0 detaches it.
 * - To pass buffers, it fills the descriptors desc[produced %
 *   MINIVISOR_PV_RING_SIZE] onwards, then advances produced (a free-running
 *   count) past them, then writes anything to MINIVISOR_PV_DOORBELL_PORT.
 * - On the doorbell the device serves every descriptor from consumed up to
 *   produced, in order, and advances consumed past each: a descriptor
 *   without MINIVISOR_PV_DESC_WRITE gives the device its len bytes; one
 *   with it lends the device a buffer of len bytes, which the device fills
 *   with the oldest bytes it holds, setting len to how many it wrote.
 *   When the doorbell's OUT completes, consumed equals produced.
 * - A descriptor the device cannot serve (its buffer outside guest
 *   memory, more than MINIVISOR_PV_MAX_LEN bytes) is skipped with len 0.
 *   A ring more than MINIVISOR_PV_RING_SIZE ahead of the device is
 *   served as if produced were consumed + MINIVISOR_PV_RING_SIZE.
 *
 * - Or, in place of both ports, one hypercall: MINIVISOR_HC_PV_NOTIFY
 *   with the ring's address in RBX attaches it, as the ring port does,
 *   then serves it, as the doorbell does. It returns 0 in RAX, or
 *   -KVM_EINVAL (<linux/kvm_para.h>) for a ring it cannot attach.
 *
 * Port numbers are I/O ports of the guest's PC: 0x5c0-0x5c7 are free on
 * mvctl's machine and on QEMU's pc and q35.
 *
 * Hypercalls follow KVM's convention (Documentation/virt/kvm/x86/
 * hypercalls.rst): a guest kernel executes VMCALL (VMMCALL on AMD) with
 * the number in RAX and arguments in RBX, RCX, RDX and RSI; the result
 * comes back in RAX. KVM numbers its own hypercalls upwards from 1
 * (KVM_HC_VAPIC_POLL_IRQ; KVM_HC_MAP_GPA_RANGE is 12) in <linux/kvm_para.h>.
 * minivisor numbers its own downwards from 30, the highest bit of the mask
 * KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL) returns as a positive int.
 * The module serves none of them itself: it hands each to the VMM as
 * KVM_EXIT_HYPERCALL (run->hypercall.nr, args[0..3] from RBX, RCX, RDX,
 * RSI), and the VMM's run->hypercall.ret becomes RAX when it re-enters.
 * It does so once the VMM asks, with KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL)
 * and a mask of their bits; until then, and on KVM, they return
 * -KVM_ENOSYS like any number the hypervisor does not know.
 */
#ifndef _UAPI_LINUX_MINIVISOR_PV_H
#define _UAPI_LINUX_MINIVISOR_PV_H

#define MINIVISOR_PV_RING_PORT		0x5c0
#define MINIVISOR_PV_DOORBELL_PORT	0x5c4

#define MINIVISOR_HC_PV_NOTIFY		30

#define MINIVISOR_PV_RING_SIZE		64
#define MINIVISOR_PV_MAX_LEN		0x100000	/* 1 MiB */
#define MINIVISOR_PV_DESC_WRITE		0x1	/* the device writes the buffer */

/* Byte offsets, for guests written in assembly. */
#define MINIVISOR_PV_RING_PRODUCED	0
#define MINIVISOR_PV_RING_CONSUMED	4
#define MINIVISOR_PV_RING_DESC		8
#define MINIVISOR_PV_DESC_ADDR		0
#define MINIVISOR_PV_DESC_LEN		8
#define MINIVISOR_PV_DESC_FLAGS		12
#define MINIVISOR_PV_DESC_SIZE		16

#ifndef __ASSEMBLER__
#include <linux/types.h>

struct minivisor_pv_desc {
	__u64 addr;		/* guest-physical */
	__u32 len;
	__u32 flags;		/* MINIVISOR_PV_DESC_* */
};

struct minivisor_pv_ring {
	__u32 produced;		/* written by the guest */
	__u32 consumed;		/* written by the device */
	struct minivisor_pv_desc desc[MINIVISOR_PV_RING_SIZE];
};
#endif /* __ASSEMBLER__ */

#endif /* _UAPI_LINUX_MINIVISOR_PV_H */
