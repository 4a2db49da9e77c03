/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions as C functions (Intel SDM Vol. 3C, chapter 31,
 * "VMX Instruction Reference").
 *
 * A VMX instruction reports failure in RFLAGS: CF set for VMfailInvalid
 * (no current VMCS), ZF set for VMfailValid (the reason is then in the
 * VM-instruction error field). VMREAD and VMWRITE of fields minivisor
 * knows to exist cannot fail once a VMCS is current, so they are not
 * checked on the exit path; the instructions that can fail return an
 * error the caller handles.
 */
#ifndef MV_VMX_INSN_H
#define MV_VMX_INSN_H

#include <linux/errno.h>
#include <linux/types.h>
#include <asm/vmx.h>

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm volatile("vmread %[field], %[value]"
		     : [value] "=rm"(value) : [field] "r"(field) : "cc");
	return value;
}

static __always_inline void vmcs_write(unsigned long field,
				       unsigned long value)
{
	asm volatile("vmwrite %[value], %[field]"
		     : : [field] "r"(field), [value] "rm"(value)
		     : "cc", "memory");
}

static inline int vmcs_clear(u64 phys)
{
	asm goto("vmclear %[phys]\n\t"
		 "jbe %l[failed]"
		 : : [phys] "m"(phys) : "cc", "memory" : failed);
	return 0;
failed:
	return -EIO;
}

static inline int vmcs_load(u64 phys)
{
	asm goto("vmptrld %[phys]\n\t"
		 "jbe %l[failed]"
		 : : [phys] "m"(phys) : "cc", "memory" : failed);
	return 0;
failed:
	return -EIO;
}

/* INVEPT and INVVPID take a type in a register and a 128-bit descriptor. */
static inline void execute_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } descriptor = { eptp, 0 };

	asm volatile("invept %[descriptor], %[type]"
		     : : [descriptor] "m"(descriptor), [type] "r"(type)
		     : "cc", "memory");
}

static inline void execute_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, address; } descriptor = { vpid, 0 };

	asm volatile("invvpid %[descriptor], %[type]"
		     : : [descriptor] "m"(descriptor), [type] "r"(type)
		     : "cc", "memory");
}

#endif /* MV_VMX_INSN_H */
