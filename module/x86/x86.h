/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 processor, whoever runs it: the part of a vCPU that is the same
 * on VT-x and AMD-V, and the emulation that works on it.
 *
 * A backend runs the guest and reads its own control structure (the VMCS,
 * or next the VMCB) at each exit. When an exit needs the x86 architecture
 * rather than the vendor's (what CPUID answers, what a port I/O or an
 * MMIO instruction does, how the guest's page tables translate), the
 * backend hands over what it read (an I/O port and size, an INS or OUTS
 * as struct mv_string_intercept, an MMIO address; and where emulation
 * needs them, the guest's paging and where its instruction is, in
 * vcpu->x86.paging and vcpu->x86.site) and this layer does the rest: it
 * works on the guest's general-purpose registers, which live here, fills
 * struct kvm_run for userspace, and says how the instruction ends
 * (vcpu->x86.insn_end). RIP, RFLAGS and the segment and control registers
 * stay with the backend, which moves RIP as it is told. This layer calls
 * nothing above it: not the backend, not the front doors.
 *
 * Files: cpuid.c, supported_cpuid.c (what the guest sees in CPUID),
 * fpu.c (its x87/SSE state), hypercall.h (VMCALL and VMMCALL), io.c
 * (KVM_EXIT_IO), mmio.c and decode.c (KVM_EXIT_MMIO), guest_memory.c
 * (reading memory through the guest's paging), msr.c, mtrr.c and mce.c
 * (the MSRs that are plain state), tsc.c (the vCPUs' TSCs kept in step),
 * ioeventfd.c (guest writes that signal an eventfd: KVM_IOEVENTFD).
 */
#ifndef MV_X86_H
#define MV_X86_H

#include <linux/bits.h>
#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/page.h>
#include <asm/fpu/types.h>

#include "decode.h"

struct mv_vcpu;

/* Guest general-purpose registers, in the order of their encodings. */
enum mv_reg {
	MV_RAX, MV_RCX, MV_RDX, MV_RBX, MV_RSP, MV_RBP, MV_RSI, MV_RDI,
	MV_R8, MV_R9, MV_R10, MV_R11, MV_R12, MV_R13, MV_R14, MV_R15,
	MV_NR_REGS
};

/*
 * How an emulated instruction ends. The backend does it: RIP is its.
 * MV_INSN_DONE steps RIP over the instruction, clears RFLAGS.RF and ends
 * blocking by STI or MOV SS, as the CPU does after any instruction.
 * MV_INSN_AGAIN leaves RIP on a REP string instruction with elements
 * left, and sets RFLAGS.RF so an instruction breakpoint does not fire
 * twice. MV_INSN_OPEN leaves RIP: userspace has its part to do first.
 */
enum mv_insn_end {
	MV_INSN_OPEN,
	MV_INSN_DONE,
	MV_INSN_AGAIN,
};

/* What the guest's paging needs (Intel SDM Vol. 3A, chapter 4). */
struct mv_guest_paging {
	unsigned long cr0, cr4;	/* as the guest sees them */
	u64 cr3, efer;
	u64 pdpte[4];		/* PAE paging without long mode only */
};

/* Where the guest's instruction is, and how to decode it. */
struct mv_insn_site {
	u64 linear;		/* CS.base + RIP */
	u8 def_size;		/* CS's default operand size: 2 or 4 */
	bool long_mode;		/* 64-bit code */
	bool df;		/* RFLAGS.DF, for STOS */
};

/* What an exit left for userspace, finished when it calls KVM_RUN again. */
enum mv_x86_waiting {
	MV_WAITING_NONE,
	MV_WAITING_IO,		/* an IN's data, or an OUT's end (io.c) */
	MV_WAITING_STRING_IN,	/* the elements of an INS (io.c) */
	MV_WAITING_MMIO,	/* an MMIO read's data (mmio.c) */
	MV_WAITING_HYPERCALL,	/* a hypercall's result (hypercall.h) */
};

/* An INS or OUTS in progress (io.c). */
struct mv_string_io {
	bool rep;
	int step;		/* bytes per element, negative when RFLAGS.DF */
	unsigned long mask;	/* the address size */
	u64 linear;		/* where the first element goes */
};

/* The memory-type range registers (mtrr.c): eight variable ranges. */
#define MV_MTRR_VARIABLE 8
#define MV_MTRR_FIXED 11

struct mv_mtrr {
	u64 def_type;
	u64 fixed[MV_MTRR_FIXED];
	u64 variable[2 * MV_MTRR_VARIABLE];	/* PHYSBASEn, PHYSMASKn */
};

/* The machine-check registers (mce.c): ten banks, as QEMU expects. */
#define MV_MCE_BANKS 10

struct mv_mce {
	u64 mcg_status, mcg_ctl;
	u64 bank[4 * MV_MCE_BANKS];	/* MCi_CTL, _STATUS, _ADDR, _MISC */
};

/* The x86 part of every vCPU (struct mv_vcpu's member x86). */
struct mv_x86_vcpu {
	/*
	 * The backend enters the guest with these and saves them at exit.
	 * RSP may be the exception: VT-x keeps it in the VMCS, so the
	 * backend copies it here before MMIO emulation and back after.
	 */
	unsigned long regs[MV_NR_REGS];

	struct fpu_guest fpu;		/* x87, SSE, AVX: swapped on KVM_RUN */

	/*
	 * Emulation: the guest's paging and instruction, which the backend
	 * fills in before x86/ needs them, and how the last instruction
	 * emulated ends.
	 */
	struct mv_guest_paging paging;
	struct mv_insn_site site;
	enum mv_insn_end insn_end;
	enum mv_x86_waiting waiting;
	struct mv_mem_access mmio;
	struct mv_string_io string_io;

	struct kvm_cpuid_entry2 *cpuid;	/* KVM_SET_CPUID2 table */
	int cpuid_nent;
	struct mv_mtrr mtrr;
	struct mv_mce mce;
	u64 misc_enable;		/* IA32_MISC_ENABLE (msr.c) */
	u64 microcode;			/* IA32_BIOS_SIGN_ID (msr.c) */
};

/* The buses an ioeventfd sits on (ioeventfd.c); CCW is s390's. */
enum mv_ioeventfd_bus_id {
	MV_IOEVENTFD_MMIO,
	MV_IOEVENTFD_PIO,
	MV_IOEVENTFD_CCW,
	MV_IOEVENTFD_NR_BUSES
};

struct mv_ioeventfd_bus;

/*
 * The x86 part of every VM (struct mv_vm's member x86): the TSC value
 * userspace last wrote to one of its vCPUs, the host's TSC then, and the
 * offset that gave it (tsc.c); the hypercalls its VMM serves; and its
 * ioeventfds, by bus (ioeventfd.c).
 */
struct mv_x86_vm {
	spinlock_t tsc_lock;		/* guards the tsc_ members */
	bool tsc_written;
	u64 tsc_value;
	u64 tsc_host;
	u64 tsc_offset;
	u64 hypercall_exits;		/* bits by number (hypercall.h) */
	struct mutex ioeventfd_lock;	/* serializes changes to ioeventfds */
	struct mv_ioeventfd_bus __rcu *ioeventfds[MV_IOEVENTFD_NR_BUSES];
};

/* An INS or OUTS, as the exit describes it. */
struct mv_string_intercept {
	u16 port;
	u8 size;		/* 1, 2 or 4 bytes */
	bool in;
	bool rep;
	bool df;		/* RFLAGS.DF: the string runs downwards */
	u8 addr_size;		/* of RSI/RDI and RCX: 2, 4 or 8 bytes */
	u64 linear;		/* of the first element in memory */
};

/*
 * The exit handlers return 1 to re-enter the guest, or 0 to return to
 * userspace with vcpu->run filled in; either way they set
 * vcpu->x86.insn_end. The completions, when userspace re-enters, return
 * how the instruction ends. String I/O and MMIO walk the guest's page
 * tables: the backend fills in vcpu->x86.paging first, and for MMIO
 * vcpu->x86.site.
 */

/* io.c: KVM_EXIT_IO, and its completion when userspace re-enters. */
int mv_x86_io(struct mv_vcpu *vcpu, u16 port, u8 size, bool in);
int mv_x86_string_io(struct mv_vcpu *vcpu,
		     const struct mv_string_intercept *io);
enum mv_insn_end mv_x86_complete_io(struct mv_vcpu *vcpu);
enum mv_insn_end mv_x86_complete_string_in(struct mv_vcpu *vcpu);

/* mmio.c: KVM_EXIT_MMIO at gpa, and a read's completion. */
int mv_x86_mmio(struct mv_vcpu *vcpu, u64 gpa);
enum mv_insn_end mv_x86_complete_mmio(struct mv_vcpu *vcpu);

/* The run ends with an emulation error, as KVM's does; returns 0. */
int mv_x86_emulation_failure(struct mv_vcpu *vcpu);

/*
 * guest_memory.c: copy at a guest linear address, through the guest's
 * paging (vcpu->x86.paging).
 */
int mv_guest_linear_copy(struct mv_vcpu *vcpu, u64 linear, void *buf,
			 unsigned int len, bool write);

/* cpuid.c: the CPUID instruction, and KVM_SET/GET_CPUID2. */
void mv_x86_cpuid(struct mv_vcpu *vcpu);
u32 mv_x86_guest_cpuid(struct mv_vcpu *vcpu, u32 function, u32 index,
		       unsigned int reg);
int mv_x86_set_cpuid(struct mv_vcpu *vcpu, struct kvm_cpuid2 __user *user);
int mv_x86_get_cpuid(struct mv_vcpu *vcpu, struct kvm_cpuid2 __user *user);
void mv_x86_cpuid_free(struct mv_vcpu *vcpu);

/* The guest's MAXPHYADDR, from its CPUID. */
unsigned int mv_x86_guest_maxphyaddr(struct mv_vcpu *vcpu);

/*
 * msr.c: the MSRs no backend keeps (host: for KVM_GET/SET_MSRS, else for
 * the guest's RDMSR or WRMSR). Each returns 0 or -EINVAL, for an MSR that
 * is not here or a value it refuses: the guest then gets #GP.
 */
#define MV_X86_NR_MSR_INDICES 4
extern const u32 mv_x86_msr_indices[MV_X86_NR_MSR_INDICES];
void mv_x86_msrs_init(struct mv_vcpu *vcpu);
int mv_x86_get_msr(struct mv_vcpu *vcpu, u32 index, u64 *data, bool host);
int mv_x86_set_msr(struct mv_vcpu *vcpu, u32 index, u64 data, bool host);

/* mtrr.c and mce.c, for msr.c: 0, -ENOENT (not theirs) or -EINVAL. */
int mv_x86_get_mtrr(struct mv_vcpu *vcpu, u32 index, u64 *data);
int mv_x86_set_mtrr(struct mv_vcpu *vcpu, u32 index, u64 data);
int mv_x86_get_mce(struct mv_vcpu *vcpu, u32 index, u64 *data);
int mv_x86_set_mce(struct mv_vcpu *vcpu, u32 index, u64 data, bool host);

/*
 * tsc.c: the offset from the host's TSC that gives the guest value, when
 * userspace writes it. vCPUs given the same value get the same offset.
 */
void mv_x86_vm_init(struct mv_x86_vm *vm);
u64 mv_x86_tsc_offset(struct mv_x86_vm *vm, u64 value, u64 host_tsc);

/*
 * ioeventfd.c: KVM_IOEVENTFD on the VM, set up and torn down with it; and
 * for io.c and mmio.c, whether a guest write of len bytes of value at
 * addr signalled an eventfd, and so is done (RCU inside; any context).
 */
void mv_x86_ioeventfd_init(struct mv_x86_vm *vm);
void mv_x86_ioeventfd_destroy(struct mv_x86_vm *vm);
int mv_x86_ioeventfd(struct mv_x86_vm *vm, const struct kvm_ioeventfd *args);
bool mv_x86_ioeventfd_write(struct mv_vcpu *vcpu, enum mv_ioeventfd_bus_id id,
			    u64 addr, unsigned int len, u64 value);

/* supported_cpuid.c: KVM_GET_SUPPORTED_CPUID */
int mv_x86_supported_cpuid(struct kvm_cpuid2 __user *user);

/* fpu.c: the guest's FPU state, and KVM_GET/SET_FPU */
int mv_x86_fpu_alloc(struct mv_vcpu *vcpu);
void mv_x86_fpu_free(struct mv_vcpu *vcpu);
void mv_x86_get_fpu(struct mv_vcpu *vcpu, struct kvm_fpu *fpu);
void mv_x86_set_fpu(struct mv_vcpu *vcpu, const struct kvm_fpu *fpu);

/* The bits of an address register an address size (2, 4, 8 bytes) uses. */
static inline unsigned long mv_address_mask(unsigned int addr_size)
{
	return addr_size >= 8 ? ~0ul : BIT_ULL(8 * addr_size) - 1;
}

/*
 * Add delta to the part of a register an address mask covers, wrapping
 * there; the bits above stay (a 16-bit DI steps without touching RDI's
 * upper bits).
 */
static inline void mv_step_register(unsigned long *reg, long delta,
				    unsigned long mask)
{
	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

#endif /* MV_X86_H */
