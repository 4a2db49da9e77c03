/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flat segments and the GDT descriptors that load them (Intel SDM Vol. 3A,
 * 3.4.5, "Segment Descriptors"), shared by mvctl run's mode setup and the
 * selftests' VMM: both build a GDT whose descriptors match the segment
 * registers they give the vCPU through KVM_SET_SREGS.
 */
#ifndef MVCTL_X86_SEGMENTS_H
#define MVCTL_X86_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Segment types (SDM 3A, table 3-1), accessed bit set as a CPU would. */
#define X86_SEGMENT_CODE_EXEC_READ	0xb
#define X86_SEGMENT_DATA_READ_WRITE	0x3

/* A flat 4 GiB segment: code or data, and a 64-bit one for long mode. */
static inline struct kvm_segment x86_flat_segment(uint16_t selector,
						  uint8_t type, bool code64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
		.db = !code64,
		.l = code64,
		.g = 1,
	};
}

/* The segment descriptor that loads as seg. */
static inline uint64_t x86_descriptor(const struct kvm_segment *seg)
{
	uint32_t limit = seg->g ? seg->limit >> 12 : seg->limit;

	return (limit & 0xffff) |
	       (uint64_t)(seg->base & 0xffffff) << 16 |
	       (uint64_t)seg->type << 40 |
	       (uint64_t)seg->s << 44 |
	       (uint64_t)seg->dpl << 45 |
	       (uint64_t)seg->present << 47 |
	       (uint64_t)(limit >> 16 & 0xf) << 48 |
	       (uint64_t)seg->avl << 52 |
	       (uint64_t)seg->l << 53 |
	       (uint64_t)seg->db << 54 |
	       (uint64_t)seg->g << 55 |
	       (uint64_t)(seg->base >> 24 & 0xff) << 56;
}

#endif /* MVCTL_X86_SEGMENTS_H */
