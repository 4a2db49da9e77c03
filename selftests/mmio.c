// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mmio": guest accesses to guest-physical addresses that no memslot
 * holds, which KVM_RUN hands to userspace as KVM_EXIT_MMIO with the
 * address, length, direction and, for a write, the data (api.rst 5, "The
 * kvm_run structure", KVM_EXIT_MMIO), on /dev/kvm and on /dev/minivisor
 * alike. KVM emulates any instruction; the forms checked here are those
 * minivisor decodes too: MOV to and from a register, MOV of an immediate,
 * MOV of the accumulator to and from an absolute address (moffs), MOVZX,
 * MOVSX and STOS, with operand-size, address-size, segment, REP and REX
 * prefixes, in 64-bit long mode and in real mode.
 *
 * What KVM (kvm_intel, its emulator in arch/x86/kvm/emulate.c) does, and
 * the tests require of both:
 *  - a write has completed when userspace sees its exit: RIP is already
 *    past the instruction (x86_emulate_instruction() writes RIP back
 *    before going to userspace);
 *  - a read exits with RIP still on the instruction and its register
 *    untouched; the next KVM_RUN loads the register from run->mmio.data
 *    and steps RIP over it, as the CPU would have done: 8- and 16-bit
 *    results replace their part of the register (AH, CH, DH, BH are bits
 *    8 to 15), 32-bit ones zero-extend into 64 bits, MOVZX and MOVSX
 *    extend as they say;
 *  - REP STOS exits once per element, with RCX and RDI stepped and RIP
 *    left on the instruction, also after the last element (RCX = 0): the
 *    emulator leaves the CPU to finish it, a REP STOS of zero elements.
 *    (It also sets RFLAGS.RF while the instruction is unfinished; suite
 *    "compare" checks RFLAGS, this one does not);
 *  - a deleted memslot's addresses become MMIO, and memory again once the
 *    slot is back.
 * Which instruction accessed MMIO is found in each guest's table of
 * instructions (guests.h, struct guest_insn), so that RIP is checked at
 * every exit.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "vmm.h"

FIXTURE(mmio) {
	struct vmm vmm;
};

FIXTURE_VARIANT(mmio) {
	const struct vmm_device *device;
};

FIXTURE_VARIANT_ADD(mmio, kvm) {
	.device = &vmm_kvm,
};

FIXTURE_VARIANT_ADD(mmio, minivisor) {
	.device = &vmm_minivisor,
};

FIXTURE_SETUP(mmio)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, variant->device));
}

FIXTURE_TEARDOWN(mmio)
{
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/* The general registers, in the order struct kvm_regs has them. */
enum gpr {
	RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP,
	R8, R9, R10, R11, R12, R13, R14, R15,
	NR_GPRS
};

static const char *const gpr_names[NR_GPRS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static uint64_t *gpr(struct kvm_regs *regs, enum gpr reg)
{
	return &((uint64_t *)regs)[reg];
}

/* What the long-mode tests put in each register the guest does not set. */
#define PATTERN(reg)	(0x0706050403020100ULL + (reg) * 0x0808080808080808ULL)

#define MASK(bytes)	((bytes) == 8 ? ~0ULL : (1ULL << 8 * (bytes)) - 1)

/* old with its bytes [shift / 8, shift / 8 + bytes) replaced by data's. */
#define MERGE(old, data, bytes, shift)					\
	(((old) & ~(MASK(bytes) << (shift))) |				\
	 (((uint64_t)(data) & MASK(bytes)) << (shift)))

#define OFFSET(label, guest) ((uint64_t)((label) - (guest)))

/*
 * One exit of an MMIO guest: what the guest accesses, and for a read, the
 * data userspace answers with, the register it lands in and the value the
 * register holds once the read completed.
 */
struct mmio_access {
	bool write;
	uint64_t addr;
	uint8_t len;
	uint64_t data;
	enum gpr reg;
	uint64_t value;
};

#define WRITE(addr_, len_, data_)					\
	{ .write = true, .addr = (addr_), .len = (len_), .data = (data_) }
#define READ(addr_, len_, data_, reg_, value_)				\
	{ .addr = (addr_), .len = (len_), .data = (data_),		\
	  .reg = (reg_), .value = (value_) }

/* The first len bytes of the exit's data, as a number. */
static uint64_t mmio_data(const struct kvm_run *run)
{
	uint64_t data = 0;

	memcpy(&data, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
	return data;
}

static void set_mmio_data(struct kvm_run *run, uint64_t data)
{
	memcpy(run->mmio.data, &data, run->mmio.len <= 8 ? run->mmio.len : 8);
}

/*
 * Run the guest through its accesses, one exit each, then to its HLT.
 * code is the RIP of the guest's first byte: VMM_CODE_ADDR in long mode,
 * 0 in real mode (where CS's base is VMM_CODE_ADDR).
 */
static void run_accesses(struct __test_metadata *_metadata, struct vmm *vmm,
			 uint64_t code, const struct guest_insn *insns,
			 const struct mmio_access *accesses, size_t n)
{
	const struct mmio_access *read = NULL;
	struct kvm_run *run = vmm->run;
	struct kvm_regs regs;

	for (size_t i = 0; i < n; i++) {
		const struct mmio_access *access = &accesses[i];

		ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm))
			TH_LOG("access %zu: exit reason", i);
		ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
		if (read) {
			EXPECT_EQ(read->value, *gpr(&regs, read->reg))
				TH_LOG("access %zu: %s after the read", i - 1,
				       gpr_names[read->reg]);
			read = NULL;
		}
		EXPECT_EQ(access->addr, run->mmio.phys_addr)
			TH_LOG("access %zu: phys_addr", i);
		EXPECT_EQ(access->len, run->mmio.len)
			TH_LOG("access %zu: len", i);
		EXPECT_EQ(access->write, run->mmio.is_write)
			TH_LOG("access %zu: is_write", i);
		EXPECT_EQ(code + (access->write ? insns[i].end : insns[i].start),
			  regs.rip)
			TH_LOG("access %zu: RIP (instruction at %#llx to %#llx)",
			       i, (unsigned long long)code + insns[i].start,
			       (unsigned long long)code + insns[i].end);
		if (access->write) {
			EXPECT_EQ(access->data, mmio_data(run))
				TH_LOG("access %zu: data", i);
		} else {
			set_mmio_data(run, access->data);
			read = access;
		}
	}
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	if (read) {
		ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
		EXPECT_EQ(read->value, *gpr(&regs, read->reg))
			TH_LOG("access %zu: %s after the read", n - 1,
			       gpr_names[read->reg]);
	}
}

#define RUN_ACCESSES(vmm, code, guest, accesses)			\
	run_accesses(_metadata, vmm, code, guest##_insns, accesses,	\
		     ARRAY_SIZE(accesses))

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)
#define PAGE_2M		(2ULL << 20)

/*
 * Load a 64-bit guest: vmm.c's identity map stops at 1 GiB, so map the
 * 2 MiB page at MMIO_ADDR too, with a page directory of its own after
 * vmm.c's PML4, PDPT and PD. Then give every register the guest does not
 * set up itself (all but RSP, RIP, RFLAGS) its PATTERN().
 */
static int load_long_mode(struct vmm *vmm, const unsigned char *start,
			  const unsigned char *end)
{
	const uint64_t pdpt_addr = VMM_PML4_ADDR + 0x1000;
	const uint64_t pd_addr = VMM_PML4_ADDR + 0x3000;
	uint64_t *pdpt = (uint64_t *)(vmm->mem + pdpt_addr);
	uint64_t *pd = (uint64_t *)(vmm->mem + pd_addr);
	struct kvm_regs regs;
	int ret;

	ret = vmm_load(vmm, VMM_LONG_MODE, start, end);
	if (ret)
		return ret;
	pdpt[MMIO_ADDR >> 30 & 511] = pd_addr | PTE_PRESENT | PTE_WRITABLE;
	pd[MMIO_ADDR >> 21 & 511] = (MMIO_ADDR & ~(PAGE_2M - 1)) |
				    PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;

	ret = vmm_get_regs(vmm, &regs);
	if (ret)
		return ret;
	for (enum gpr reg = RAX; reg < NR_GPRS; reg++)
		if (reg != RSP)
			*gpr(&regs, reg) = PATTERN(reg);
	return vmm_set_regs(vmm, &regs);
}

/* The whole run of a 64-bit MMIO guest: load it, then RUN_ACCESSES(). */
#define RUN_LONG_MODE(vmm, guest, accesses)				\
	do {								\
		ASSERT_EQ(0, load_long_mode(vmm, guest, guest##_end));	\
		RUN_ACCESSES(vmm, VMM_CODE_ADDR, guest, accesses);	\
	} while (0)

/*
 * Give a real-mode guest memory up to MMIO_REAL_MEM_SIZE only (KVM
 * changes a slot's size only by deleting and re-creating it), so that
 * MMIO_REAL_ADDR, within its reach, is outside every memslot.
 */
static int load_real_mode(struct vmm *vmm, const unsigned char *start,
			  const unsigned char *end)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.userspace_addr = (uintptr_t)vmm->mem,
	};

	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	region.memory_size = MMIO_REAL_MEM_SIZE;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	return vmm_load(vmm, VMM_REAL_MODE, start, end);
}

/* ---------------------------------------------------------------------- */
/* Writes */

TEST_F(mmio, writes_of_al_ax_eax_rax_and_ah_exit_with_their_length_and_data)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 1, MMIO_VALUE & MASK(1)),
		WRITE(MMIO_ADDR + 0x10, 2, MMIO_VALUE & MASK(2)),
		WRITE(MMIO_ADDR + 0x20, 4, MMIO_VALUE & MASK(4)),
		WRITE(MMIO_ADDR + 0x30, 8, MMIO_VALUE),
		WRITE(MMIO_ADDR + 0x40, 1, MMIO_VALUE >> 8 & MASK(1)),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_write_regs, accesses);
}

/* MOV r/m64, imm32 sign-extends its immediate to 64 bits. */
TEST_F(mmio, writes_of_immediates_exit_with_the_immediate_as_data)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 1, MMIO_IMM8),
		WRITE(MMIO_ADDR + 0x10, 2, MMIO_IMM16),
		WRITE(MMIO_ADDR + 0x20, 4, MMIO_IMM32),
		WRITE(MMIO_ADDR + 0x30, 8, (uint64_t)(int64_t)MMIO_IMM32_NEGATIVE),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_write_imms, accesses);
}

/* In 64-bit mode moffs is 8 bytes long, 4 with an address-size prefix. */
TEST_F(mmio, moves_of_the_accumulator_to_and_from_moffs_exit_as_mmio)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 1, MMIO_VALUE & MASK(1)),
		WRITE(MMIO_ADDR + 0x10, 2, MMIO_VALUE & MASK(2)),
		WRITE(MMIO_ADDR + 0x20, 4, MMIO_VALUE & MASK(4)),
		WRITE(MMIO_ADDR + 0x30, 8, MMIO_VALUE),
		WRITE(MMIO_ADDR + 0x40, 4, MMIO_VALUE & MASK(4)),
		READ(MMIO_ADDR + 0x50, 1, 0x9c, RAX,
		     MERGE(MMIO_VALUE, 0x9c, 1, 0)),
		READ(MMIO_ADDR + 0x60, 8, 0x8192a3b4c5d6e7f8, RAX,
		     0x8192a3b4c5d6e7f8),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_moffs, accesses);
}

/* ---------------------------------------------------------------------- */
/* Reads */

/*
 * At the exit of a read, RIP is still on the instruction and the register
 * still holds its old value: the read completes on the next KVM_RUN.
 */
TEST_F(mmio, read_exits_with_rip_on_the_instruction_and_its_register_untouched)
{
	const struct guest_insn *insn = &guest_mmio_read_sizes_insns[0];
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_read_sizes,
				    guest_mmio_read_sizes_end));

	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	EXPECT_EQ(0, vmm->run->mmio.is_write);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(VMM_CODE_ADDR + insn->start, regs.rip);
	EXPECT_EQ(PATTERN(RAX), regs.rax);

	set_mmio_data(vmm->run, 0x9c);
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(MERGE(PATTERN(RAX), 0x9c, 1, 0), regs.rax);
}

TEST_F(mmio, reads_of_8_and_16_bits_merge_and_of_32_bits_zero_extend)
{
	const struct mmio_access accesses[] = {
		READ(MMIO_ADDR, 1, 0x9c, RAX, MERGE(PATTERN(RAX), 0x9c, 1, 0)),
		READ(MMIO_ADDR + 0x10, 2, 0xa5b6, RCX,
		     MERGE(PATTERN(RCX), 0xa5b6, 2, 0)),
		READ(MMIO_ADDR + 0x20, 4, 0xc7d8e9fa, RDX, 0xc7d8e9fa),
		READ(MMIO_ADDR + 0x30, 8, 0x8192a3b4c5d6e7f8, RBX,
		     0x8192a3b4c5d6e7f8),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_read_sizes, accesses);
}

TEST_F(mmio, reads_into_ah_ch_dh_bh_replace_bits_8_to_15)
{
	const struct mmio_access accesses[] = {
		READ(MMIO_ADDR, 1, 0x9c, RAX, MERGE(PATTERN(RAX), 0x9c, 1, 8)),
		READ(MMIO_ADDR + 0x10, 1, 0xad, RCX,
		     MERGE(PATTERN(RCX), 0xad, 1, 8)),
		READ(MMIO_ADDR + 0x20, 1, 0xbe, RDX,
		     MERGE(PATTERN(RDX), 0xbe, 1, 8)),
		READ(MMIO_ADDR + 0x30, 1, 0xcf, RBX,
		     MERGE(PATTERN(RBX), 0xcf, 1, 8)),
		WRITE(MMIO_ADDR + 0x40, 1, 0xbe),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_high_bytes, accesses);
}

/* A 16-bit destination keeps its upper bits; a 32-bit one clears them. */
TEST_F(mmio, movzx_zero_extends_into_its_register)
{
	const struct mmio_access accesses[] = {
		READ(MMIO_ADDR, 1, 0x9c, RAX, 0x9c),
		READ(MMIO_ADDR + 0x10, 2, 0xa5b6, RCX, 0xa5b6),
		READ(MMIO_ADDR + 0x20, 1, 0xbe, RDX,
		     MERGE(PATTERN(RDX), 0x00be, 2, 0)),
		READ(MMIO_ADDR + 0x30, 2, 0xc7d8, RBX, 0xc7d8),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_movzx, accesses);
}

TEST_F(mmio, movsx_sign_extends_into_its_register)
{
	const struct mmio_access accesses[] = {
		READ(MMIO_ADDR, 1, 0x9c, RAX, 0xffffff9c),
		READ(MMIO_ADDR + 0x10, 2, 0xa5b6, RCX, 0xffffa5b6),
		READ(MMIO_ADDR + 0x20, 1, 0xbe, RDX,
		     MERGE(PATTERN(RDX), 0xffbe, 2, 0)),
		READ(MMIO_ADDR + 0x30, 1, 0xcf, RBX, 0xffffffffffffffcf),
		READ(MMIO_ADDR + 0x40, 2, 0x7abc, RBP, 0x7abc),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_movsx, accesses);
}

/*
 * REX.R names R8 to R15 in ModRM's reg field; any REX prefix makes byte
 * registers 4 to 7 SPL, BPL, SIL and DIL instead of AH, CH, DH and BH.
 */
TEST_F(mmio, rex_prefixed_accesses_use_r8_to_r15_and_sil_bpl)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 1, PATTERN(R8) & MASK(1)),
		WRITE(MMIO_ADDR + 0x10, 2, PATTERN(R9) & MASK(2)),
		WRITE(MMIO_ADDR + 0x20, 4, PATTERN(R10) & MASK(4)),
		WRITE(MMIO_ADDR + 0x30, 8, PATTERN(R11)),
		WRITE(MMIO_ADDR + 0x40, 1, PATTERN(RSI) & MASK(1)),
		READ(MMIO_ADDR + 0x50, 1, 0x9c, R12,
		     MERGE(PATTERN(R12), 0x9c, 1, 0)),
		READ(MMIO_ADDR + 0x60, 2, 0xa5b6, R13,
		     MERGE(PATTERN(R13), 0xa5b6, 2, 0)),
		READ(MMIO_ADDR + 0x70, 4, 0xc7d8e9fa, R14, 0xc7d8e9fa),
		READ(MMIO_ADDR + 0x80, 8, 0x8192a3b4c5d6e7f8, R15,
		     0x8192a3b4c5d6e7f8),
		READ(MMIO_ADDR + 0x90, 1, 0xad, RBP,
		     MERGE(PATTERN(RBP), 0xad, 1, 0)),
		READ(MMIO_ADDR + 0xa0, 1, 0xbe, R8, 0xffffffffffffffbe),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_rex, accesses);
}

/* ---------------------------------------------------------------------- */
/* Encodings */

/*
 * The exit gives the address, but RIP must step over the whole
 * instruction: ModRM, SIB and displacement of every length.
 */
TEST_F(mmio, every_modrm_and_sib_form_steps_rip_over_the_whole_instruction)
{
	const uint32_t eax = PATTERN(RAX) & MASK(4);
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 4, eax),
		WRITE(MMIO_ADDR + 0x10, 4, eax),
		WRITE(MMIO_ADDR + 0x1000, 4, eax),
		WRITE(MMIO_ADDR + 0x28, 4, eax),
		WRITE(MMIO_ADDR + 0x40, 4, eax),
		WRITE(MMIO_ADDR + 0x50, 4, eax),
		WRITE(MMIO_ADDR + 0x60, 4, eax),	/* FS's base is 0 */
		WRITE(MMIO_ADDR + 0x70, 4, eax),
		WRITE(MMIO_ADDR + 0x2010, 4, eax),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_addressing, accesses);
}

/*
 * REX.W wins over an operand-size prefix, a prefix given twice counts
 * once, and of two segment overrides the last one counts (SDM 2A, 2.1.1).
 */
TEST_F(mmio, redundant_prefixes_change_nothing)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR + 0x10, 8, MMIO_VALUE),
		WRITE(MMIO_ADDR + 0x20, 2, MMIO_VALUE & MASK(2)),
		WRITE(MMIO_ADDR + 0x30, 4, MMIO_VALUE & MASK(4)),
	};

	RUN_LONG_MODE(&self->vmm, guest_mmio_prefixes, accesses);
}

/*
 * The instruction is fetched through the guest's page tables: one that
 * spans two pages comes from both.
 */
TEST_F(mmio, instruction_spanning_two_pages_is_fetched_whole)
{
	const struct mmio_access accesses[] = {
		READ(MMIO_ADDR + 0x1238, 8, 0x8192a3b4c5d6e7f8, RBX,
		     0x8192a3b4c5d6e7f8),
		WRITE(MMIO_ADDR + 0x10, 8, 0x8192a3b4c5d6e7f8),
	};
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_straddle,
				    guest_mmio_straddle_end));
	ASSERT_EQ(MMIO_STRADDLE_OFFSET, guest_mmio_straddle_insns[0].start);
	ASSERT_LT((VMM_CODE_ADDR + MMIO_STRADDLE_OFFSET) / 4096,
		  (VMM_CODE_ADDR + guest_mmio_straddle_insns[0].end - 1) / 4096);
	RUN_ACCESSES(vmm, VMM_CODE_ADDR, guest_mmio_straddle, accesses);
}

/* ---------------------------------------------------------------------- */
/* STOS */

TEST_F(mmio, stos_writes_rax_at_rdi_and_steps_rdi)
{
	const struct mmio_access accesses[] = {
		WRITE(MMIO_ADDR, 1, MMIO_VALUE & MASK(1)),
		WRITE(MMIO_ADDR + 1, 2, MMIO_VALUE & MASK(2)),
		WRITE(MMIO_ADDR + 3, 4, MMIO_VALUE & MASK(4)),
		WRITE(MMIO_ADDR + 7, 8, MMIO_VALUE),
	};
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	RUN_LONG_MODE(vmm, guest_mmio_stos, accesses);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(MMIO_ADDR + 15, regs.rdi);
}

/*
 * REP STOS of MMIO_REP_COUNT elements of size bytes, starting at addr
 * (at rdi in ES): one exit per element, with RCX (CX with 16-bit
 * addresses, rcx_high the rest of it) and RDI stepped, and RIP on the
 * instruction at every exit, the last included. The next KVM_RUN
 * finishes the instruction and the guest goes on to its HLT.
 */
static void run_rep_stos(struct __test_metadata *_metadata, struct vmm *vmm,
			 uint64_t code, const struct guest_insn *insn,
			 uint64_t addr, uint64_t rdi, uint8_t size,
			 uint64_t data, uint64_t rcx_high)
{
	struct kvm_regs regs;

	for (int i = 0; i < MMIO_REP_COUNT; i++) {
		ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm)) TH_LOG("element %d", i);
		EXPECT_EQ(addr + i * size, vmm->run->mmio.phys_addr)
			TH_LOG("element %d", i);
		EXPECT_EQ(size, vmm->run->mmio.len) TH_LOG("element %d", i);
		EXPECT_EQ(1, vmm->run->mmio.is_write) TH_LOG("element %d", i);
		EXPECT_EQ(data & MASK(size), mmio_data(vmm->run))
			TH_LOG("element %d", i);
		ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
		EXPECT_EQ(rcx_high | (MMIO_REP_COUNT - i - 1), regs.rcx)
			TH_LOG("element %d", i);
		EXPECT_EQ(rdi + (i + 1) * size, regs.rdi)
			TH_LOG("element %d", i);
		EXPECT_EQ(code + insn->start, regs.rip)
			TH_LOG("element %d: RIP (instruction at %#llx to %#llx)",
			       i, (unsigned long long)code + insn->start,
			       (unsigned long long)code + insn->end);
	}

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(code + insn->end + 1, regs.rip);
	EXPECT_EQ(rcx_high, regs.rcx);
	EXPECT_EQ(rdi + MMIO_REP_COUNT * size, regs.rdi);
}

TEST_F(mmio, rep_stosb_exits_once_per_byte_until_rcx_is_0)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_rep_stosb,
				    guest_mmio_rep_stosb_end));
	run_rep_stos(_metadata, vmm, VMM_CODE_ADDR, guest_mmio_rep_stosb_insns,
		     MMIO_ADDR, MMIO_ADDR, 1, MMIO_VALUE, 0);
}

/* gas puts the operand-size prefix before REP: 66 F3 AB. */
TEST_F(mmio, rep_stosw_exits_once_per_word_until_rcx_is_0)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_rep_stosw,
				    guest_mmio_rep_stosw_end));
	run_rep_stos(_metadata, vmm, VMM_CODE_ADDR, guest_mmio_rep_stosw_insns,
		     MMIO_ADDR, MMIO_ADDR, 2, MMIO_VALUE, 0);
}

/* ---------------------------------------------------------------------- */
/* Real mode */

TEST_F(mmio, real_mode_accesses_to_the_vga_buffer_exit_as_mmio)
{
	const uint64_t eax = MMIO_VALUE & MASK(4);
	const struct mmio_access accesses[] = {
		WRITE(MMIO_REAL_ADDR, 2, MMIO_IMM16),
		WRITE(MMIO_REAL_ADDR + 4, 4, MMIO_IMM32),
		WRITE(MMIO_REAL_ADDR + 0x10, 1, eax & MASK(1)),
		WRITE(MMIO_REAL_ADDR + 0x20, 2, eax & MASK(2)),
		READ(MMIO_REAL_ADDR + 0x30, 2, 0xa5b6, RBX,
		     MERGE(IN_SENTINEL, 0xa5b6, 2, 0)),
		READ(MMIO_REAL_ADDR + 0x40, 1, 0xc7, RCX,
		     MERGE(IN_SENTINEL, 0xc7, 1, 8)),
		READ(MMIO_REAL_ADDR + 0x50, 1, 0xd8, RDX, 0xd8),
		READ(MMIO_REAL_ADDR + 0x60, 1, 0xe9, RBP, 0xffe9),
		WRITE(MMIO_REAL_ADDR, 2, eax & MASK(2)),
	};
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, load_real_mode(vmm, guest_mmio_real, guest_mmio_real_end));
	RUN_ACCESSES(vmm, 0, guest_mmio_real, accesses);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(2U, regs.rdi);
}

/* With 16-bit addresses REP counts in CX: ECX's upper half stays. */
TEST_F(mmio, real_mode_rep_stosb_counts_cx_only)
{
	struct vmm *vmm = &self->vmm;

	ASSERT_EQ(0, load_real_mode(vmm, guest_mmio_real_rep_stosb,
				    guest_mmio_real_rep_stosb_end));
	run_rep_stos(_metadata, vmm, 0, guest_mmio_real_rep_stosb_insns,
		     MMIO_REAL_ADDR, 0, 1, MMIO_IMM8, MMIO_REAL_ECX_HIGH);
}

/* ---------------------------------------------------------------------- */
/* Completion and memslots */

/*
 * api.rst: KVM_RUN with immediate_exit set still completes the MMIO read
 * the last exit asked for, without running the guest any further.
 */
TEST_F(mmio, immediate_exit_still_completes_a_pending_read)
{
	const struct guest_insn *insn = &guest_mmio_read_sizes_insns[0];
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;

	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_read_sizes,
				    guest_mmio_read_sizes_end));
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	set_mmio_data(vmm->run, 0x9c);
	vmm->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vmm_run(vmm));

	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(MERGE(PATTERN(RAX), 0x9c, 1, 0), regs.rax);
	EXPECT_EQ(VMM_CODE_ADDR + insn->end, regs.rip);

	vmm->run->immediate_exit = 0;
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	EXPECT_EQ(MMIO_ADDR + 0x10, vmm->run->mmio.phys_addr);
}

static int set_slot(struct vmm *vmm, uint32_t slot, uint64_t gpa,
		    uint64_t size, void *mem)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

/*
 * guest_mmio_marker writes MMIO_MARKER + n at MMIO_ADDR and reads the
 * word after it, then halts: to a memslot there, to userspace without.
 */
TEST_F(mmio, deleted_memslot_becomes_mmio_and_is_memory_again_once_re_added)
{
	const size_t size = 4096;
	const struct guest_insn *insns = guest_mmio_marker_insns;
	struct vmm *vmm = &self->vmm;
	struct kvm_regs regs;
	uint32_t *page;

	page = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	page[1] = 0x5107f00d;
	ASSERT_EQ(0, load_long_mode(vmm, guest_mmio_marker,
				    guest_mmio_marker_end));
	ASSERT_EQ(0, set_slot(vmm, 1, MMIO_ADDR, size, page));

	/* Memory: no exit but the HLT. */
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	EXPECT_EQ(MMIO_MARKER, page[0]);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0x5107f00dU, regs.rbx);

	/* Deleted: both accesses go to userspace, the page keeps its words. */
	ASSERT_EQ(0, set_slot(vmm, 1, MMIO_ADDR, 0, page));
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	EXPECT_EQ(MMIO_ADDR, vmm->run->mmio.phys_addr);
	EXPECT_EQ(4U, vmm->run->mmio.len);
	EXPECT_EQ(1, vmm->run->mmio.is_write);
	EXPECT_EQ(MMIO_MARKER + 1, mmio_data(vmm->run));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(VMM_CODE_ADDR + insns[0].end, regs.rip);
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(vmm));
	EXPECT_EQ(MMIO_ADDR + 4, vmm->run->mmio.phys_addr);
	EXPECT_EQ(0, vmm->run->mmio.is_write);
	set_mmio_data(vmm->run, 0xdeadbeef);
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0xdeadbeefU, regs.rbx);
	EXPECT_EQ(MMIO_MARKER, page[0]);

	/* Back: memory again, the same page. */
	ASSERT_EQ(0, set_slot(vmm, 1, MMIO_ADDR, size, page));
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(vmm));
	EXPECT_EQ(MMIO_MARKER + 2, page[0]);
	ASSERT_EQ(0, vmm_get_regs(vmm, &regs));
	EXPECT_EQ(0x5107f00dU, regs.rbx);

	munmap(page, size);
}

TEST_HARNESS_MAIN
