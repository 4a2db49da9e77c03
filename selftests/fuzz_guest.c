// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "fuzz_guest": whatever a guest runs, and whatever state userspace
 * gives its vCPU, KVM_RUN ends in a way the README documents ("Exits to
 * userspace"), within a time bound, and the host stays up (the runner
 * fails the host on any WARN, BUG or oops in the kernel log).
 *
 * Each run is a fresh VM of the test VMM (vmm.h) in real, 32-bit
 * protected or 64-bit long mode, whose guest is random bytes, or a
 * random sequence of instructions chosen for what exits (I/O, MMIO,
 * CPUID, MSRs, control and debug registers, descriptor tables,
 * interrupts, VMX instructions, far jumps...), or such a sequence started
 * from random register and segment state set with KVM_SET_SREGS,
 * KVM_SET_REGS, KVM_SET_MSRS and KVM_INTERRUPT, invalid state included:
 * those calls may refuse with EINVAL, and KVM_RUN may end with
 * KVM_EXIT_FAIL_ENTRY or KVM_EXIT_INTERNAL_ERROR.
 *
 * A run goes on through KVM_EXIT_IO, KVM_EXIT_MMIO (reads get random
 * data), KVM_EXIT_HLT and KVM_EXIT_IRQ_WINDOW_OPEN up to MAX_EXITS of
 * them; it ends at KVM_EXIT_SHUTDOWN, KVM_EXIT_FAIL_ENTRY or
 * KVM_EXIT_INTERNAL_ERROR, or when a timer signal interrupts a guest that
 * spins (EINTR, KVM_EXIT_INTR). Any other exit reason, or errno, is a
 * finding.
 *
 * Every test prints its seed; MV_FUZZ_SEED repeats the runs and
 * MV_FUZZ_CALLS sets how many runs all the tests make together (by
 * default 306). Needs VT-x: skipped where the host has none.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "fuzz_rand.h"
#include "mv_test.h"
#include "vmm.h"

#define DEFAULT_RUNS	306
#define TESTS		9	/* 3 kinds of guest, in 3 modes */
#define MAX_EXITS	8
/*
 * A KVM_RUN still in the guest after this long is interrupted. Many random
 * guests spin, so this bounds the suite's time: in Bochs, whose clock
 * counts instructions, 1 ms of guest time is about a tenth of a second.
 */
#define RUN_BOUND_NS	(1000 * 1000)
/* The longest random guest, in bytes. */
#define CODE_MAX	2048

enum guest_kind { RANDOM_BYTES, RANDOM_INSNS, RANDOM_STATE };

struct tally {
	long runs, exits[KVM_EXIT_IO + 40], interrupted, refused;
	long run;		/* the one going on */
	char fail_entry[256];	/* the state of the first KVM_EXIT_FAIL_ENTRY */
	long bad;
	char why[256];		/* the first finding */
};

/* The exits README "Exits to userspace" lists. */
static bool documented_exit(unsigned int reason)
{
	switch (reason) {
	case KVM_EXIT_IO: case KVM_EXIT_MMIO: case KVM_EXIT_HLT:
	case KVM_EXIT_SHUTDOWN: case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_INTERNAL_ERROR: case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	default:
		return false;
	}
}

static const char *exit_name(unsigned int reason)
{
	switch (reason) {
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "IRQ_WINDOW_OPEN";
	default: return "?";
	}
}

static void note_bad(struct tally *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_bad(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	int len;

	if (t->bad++)
		return;
	len = snprintf(t->why, sizeof(t->why), "run %ld: ", t->run);
	va_start(ap, fmt);
	vsnprintf(t->why + len, sizeof(t->why) - len, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------- */
/* Random guests */

/*
 * Guest-physical addresses worth touching: the guest's own memory, the
 * end of it, the VGA hole, the local APIC, a device's MMIO, the top of
 * 4 GiB, above it.
 */
static uint64_t interesting_address(struct fuzz_rand *r)
{
	static const uint64_t addresses[] = {
		0x0, 0x1000, 0x8000, 0x11000, 0x7fff0, VMM_MEM_SIZE - 8,
		VMM_MEM_SIZE, 0xb8000, 0xa0000, 0xfee00000, 0xfec00000,
		0xd0000000, 0xfffffff0, 0xfffff000, 0x100000000,
		0x3ffffffff000, 0xffffffff80000000,
	};

	if (fuzz_percent(r, 70))
		return addresses[fuzz_below(r, ARRAY_SIZE(addresses))] +
		       fuzz_below(r, 16);
	return fuzz_boundary(r);
}

/*
 * Instructions, as bytes; random ones follow where `random` says (an
 * immediate, a displacement, or a ModRM byte's register fields).
 */
struct insn {
	uint8_t bytes[4];
	uint8_t len;
	uint8_t random;		/* random bytes that follow */
};

static const struct insn insns[] = {
	{ { 0xf4 }, 1, 0 },			/* hlt */
	{ { 0xe6 }, 1, 1 }, { { 0xe7 }, 1, 1 },	/* out imm8, al/eax */
	{ { 0xe4 }, 1, 1 }, { { 0xe5 }, 1, 1 },	/* in al/eax, imm8 */
	{ { 0xee }, 1, 0 }, { { 0xef }, 1, 0 },	/* out dx, al/eax */
	{ { 0xec }, 1, 0 }, { { 0x66, 0xed }, 2, 0 },	/* in from dx */
	{ { 0xf3, 0x6e }, 2, 0 }, { { 0xf3, 0x6d }, 2, 0 },	/* rep outsb, insd */
	{ { 0x6f }, 1, 0 },			/* outsd */
	{ { 0x0f, 0xa2 }, 2, 0 },		/* cpuid */
	{ { 0x0f, 0x32 }, 2, 0 },		/* rdmsr */
	{ { 0x0f, 0x30 }, 2, 0 },		/* wrmsr */
	{ { 0x0f, 0x31 }, 2, 0 },		/* rdtsc */
	{ { 0x0f, 0x01, 0xf9 }, 3, 0 },		/* rdtscp */
	{ { 0x0f, 0x01, 0xc1 }, 3, 0 },		/* vmcall */
	{ { 0x0f, 0x01, 0xd0 }, 3, 0 },		/* xgetbv */
	{ { 0x0f, 0x01, 0xd1 }, 3, 0 },		/* xsetbv */
	{ { 0x0f, 0x09 }, 2, 0 },		/* wbinvd */
	{ { 0x0f, 0x08 }, 2, 0 },		/* invd */
	{ { 0x0f, 0x0b }, 2, 0 },		/* ud2 */
	{ { 0xcc }, 1, 0 },			/* int3 */
	{ { 0xcd }, 1, 1 },			/* int imm8 */
	{ { 0xfa }, 1, 0 }, { { 0xfb }, 1, 0 },	/* cli, sti */
	{ { 0xf3, 0x90 }, 2, 0 },		/* pause */
	{ { 0x0f, 0x01, 0xc8 }, 3, 0 },		/* monitor */
	{ { 0x0f, 0x01, 0xc9 }, 3, 0 },		/* mwait */
	{ { 0x0f, 0x05 }, 2, 0 },		/* syscall */
	{ { 0x0f, 0x34 }, 2, 0 },		/* sysenter */
	{ { 0x0f, 0x07 }, 2, 0 },		/* sysret */
	{ { 0xcf }, 1, 0 },			/* iret */
	{ { 0x9d }, 1, 0 }, { { 0x9c }, 1, 0 },	/* popf, pushf */
	{ { 0x0f, 0x00 }, 2, 1 },		/* sldt..verw, ModRM random */
	{ { 0x0f, 0x01 }, 2, 1 },		/* sgdt..invlpg, ModRM random */
	{ { 0x0f, 0x22 }, 2, 1 },		/* mov crN, reg */
	{ { 0x0f, 0x20 }, 2, 1 },		/* mov reg, crN */
	{ { 0x44, 0x0f, 0x22 }, 3, 1 },		/* mov cr8.., reg (REX.R) */
	{ { 0x0f, 0x23 }, 2, 1 },		/* mov drN, reg */
	{ { 0x0f, 0x21 }, 2, 1 },		/* mov reg, drN */
	{ { 0x8e }, 1, 1 },			/* mov sreg, r/m */
	{ { 0xea }, 1, 6 },			/* ljmp ptr16:32 */
	{ { 0x9a }, 1, 6 },			/* lcall ptr16:32 */
	{ { 0xff }, 1, 1 },			/* inc..push r/m, ModRM random */
	{ { 0xeb }, 1, 1 },			/* jmp rel8 */
	{ { 0xe8 }, 1, 4 },			/* call rel32 */
	{ { 0xc3 }, 1, 0 }, { { 0xcb }, 1, 0 },	/* ret, lret */
	{ { 0x0f, 0x78 }, 2, 1 },		/* vmread */
	{ { 0x0f, 0x79 }, 2, 1 },		/* vmwrite */
	{ { 0x0f, 0x01, 0xc4 }, 3, 0 },		/* vmxoff */
	{ { 0xf3, 0x0f, 0xc7 }, 3, 1 },		/* vmxon, ModRM random */
	{ { 0x0f, 0x01, 0xd4 }, 3, 0 },		/* vmfunc */
	{ { 0x0f, 0x37 }, 2, 0 },		/* getsec */
	{ { 0x0f, 0xc7, 0xf0 }, 3, 0 },		/* rdrand eax */
	{ { 0x0f, 0x01, 0xf8 }, 3, 0 },		/* swapgs */
	{ { 0x0f, 0xae }, 2, 1 },		/* fxsave..clflush, ModRM random */
	{ { 0x0f, 0x01, 0xee }, 3, 0 },		/* rdpkru */
	{ { 0x0f, 0x33 }, 2, 0 },		/* rdpmc */
	{ { 0x89 }, 1, 1 }, { { 0x8b }, 1, 1 },	/* mov r/m, reg and back */
	{ { 0x88 }, 1, 1 }, { { 0x8a }, 1, 1 },	/* the same, bytes */
	{ { 0xa1 }, 1, 4 }, { { 0xa3 }, 1, 4 },	/* mov eax, moffs and back */
	{ { 0xc7, 0x00 }, 2, 4 },		/* mov dword [eax], imm32 */
	{ { 0x0f, 0xb6 }, 2, 1 },		/* movzx */
	{ { 0x0f, 0xbf }, 2, 1 },		/* movsx */
	{ { 0x01 }, 1, 1 }, { { 0x87 }, 1, 1 },	/* add, xchg: not decoded */
	{ { 0xf3, 0xab }, 2, 0 },		/* rep stosd */
	{ { 0xf3, 0xa5 }, 2, 0 },		/* rep movsd */
	{ { 0xf0, 0x0f, 0xb1 }, 3, 1 },		/* lock cmpxchg */
	{ { 0x0f, 0x11 }, 2, 1 },		/* movups r/m, xmm */
	{ { 0xd9, 0x38 }, 2, 0 },		/* fnstcw [eax] */
	{ { 0x48 }, 1, 0 }, { { 0x66 }, 1, 0 },	/* a REX.W or 66 prefix */
};

/*
 * A random sequence of up to size bytes of instructions: loads of
 * interesting addresses and values into registers (mov reg, imm32),
 * then instructions from insns[], and now and then a few random bytes.
 */
static size_t random_insns(struct fuzz_rand *r, uint8_t *code, size_t size)
{
	size_t len = 0, count = 1 + fuzz_below(r, 24);

	for (size_t i = 0; i < count && len + 12 <= size; i++) {
		unsigned int roll = fuzz_below(r, 100);

		if (roll < 30) {
			uint32_t value = fuzz_percent(r, 60) ?
					 (uint32_t)interesting_address(r) :
					 (uint32_t)fuzz_boundary(r);

			code[len++] = 0xb8 + fuzz_below(r, 8);	/* mov reg, imm32 */
			memcpy(&code[len], &value, 4);
			len += 4;
		} else if (roll < 92) {
			const struct insn *in = &insns[fuzz_below(r, ARRAY_SIZE(insns))];

			memcpy(&code[len], in->bytes, in->len);
			len += in->len;
			fuzz_fill(r, &code[len], in->random);
			len += in->random;
		} else {
			size_t n = 1 + fuzz_below(r, 4);

			fuzz_fill(r, &code[len], n);
			len += n;
		}
	}
	if (fuzz_percent(r, 50))
		code[len++] = 0xf4;	/* hlt */
	return len;
}

/* ---------------------------------------------------------------------- */
/* Random vCPU state */

static void mutate_segment(struct fuzz_rand *r, struct kvm_segment *seg)
{
	switch (fuzz_below(r, 11)) {
	case 0: seg->type = fuzz_below(r, 16); break;
	case 1: seg->s ^= 1; break;
	case 2: seg->dpl = fuzz_below(r, 4); break;
	case 3: seg->present ^= 1; break;
	case 4: seg->db ^= 1; break;
	case 5: seg->l ^= 1; break;
	case 6: seg->g ^= 1; break;
	case 7: seg->unusable ^= 1; break;
	case 8: seg->limit = fuzz_boundary(r); break;
	case 9: seg->base = fuzz_boundary(r); break;
	default: seg->selector = fuzz_next(r); break;
	}
}

static void mutate_sregs(struct fuzz_rand *r, struct kvm_sregs *s)
{
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	static const uint8_t efer_bits[] = { 0, 8, 10, 11, 12, 14, 15, 63 };

	switch (fuzz_below(r, 10)) {
	case 0: s->cr0 ^= 1ULL << fuzz_below(r, 64); break;
	case 1: s->cr4 ^= 1ULL << fuzz_below(r, 25); break;
	case 2: s->efer ^= 1ULL << efer_bits[fuzz_below(r, ARRAY_SIZE(efer_bits))]; break;
	case 3: s->cr3 = fuzz_percent(r, 50) ? interesting_address(r) :
			 fuzz_boundary(r); break;
	case 4: s->cr8 = fuzz_below(r, 17); break;
	case 5: s->apic_base = fuzz_boundary(r); break;
	case 6:
		s->gdt.base = interesting_address(r);
		s->gdt.limit = fuzz_boundary(r);
		break;
	case 7:
		s->idt.base = interesting_address(r);
		s->idt.limit = fuzz_boundary(r);
		break;
	case 8: {
		unsigned int vector = fuzz_below(r, 256);

		s->interrupt_bitmap[vector / 64] |= 1ULL << (vector % 64);
		break;
	}
	default:
		mutate_segment(r, segs[fuzz_below(r, ARRAY_SIZE(segs))]);
		break;
	}
}

static void mutate_regs(struct fuzz_rand *r, struct kvm_regs *regs)
{
	__u64 *gprs = &regs->rax;	/* RAX to R15, then RIP and RFLAGS */

	switch (fuzz_below(r, 4)) {
	case 0: regs->rip = fuzz_percent(r, 50) ? interesting_address(r) :
			    fuzz_boundary(r); break;
	case 1: regs->rflags ^= 1ULL << fuzz_below(r, 64); break;
	case 2: regs->rsp = interesting_address(r); break;
	default: gprs[fuzz_below(r, 16)] = fuzz_boundary(r); break;
	}
}

/* A ret of a state-setting ioctl: refusals with EINVAL are counted. */
static void check_set(struct tally *t, const char *what, int ret)
{
	if (ret == -EINVAL)
		t->refused++;
	else if (ret)
		note_bad(t, "%s: errno %d (%s), not 0 or EINVAL", what, -ret,
			 strerror(-ret));
}

/* The MSRs a guest kernel sets up, set to values at the edges. */
static void random_msr(struct fuzz_rand *r, struct vmm *vmm, struct tally *t)
{
	static const uint32_t indices[] = {
		0x10, 0x1b, 0x174, 0x175, 0x176, 0x277, 0x1d9, 0x6e0,
		0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
		0xc0000101, 0xc0000102, 0xc0000103,
	};
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msrs = {
		.head.nmsrs = 1,
		.entry.index = indices[fuzz_below(r, ARRAY_SIZE(indices))],
		.entry.data = fuzz_boundary(r),
	};
	int ret = ioctl(vmm->vcpu, KVM_SET_MSRS, &msrs);

	if (ret != 0 && ret != 1)
		note_bad(t, "KVM_SET_MSRS of %#x = %#llx: %d, errno %d",
			 msrs.entry.index, msrs.entry.data, ret, errno);
}

static void random_state(struct fuzz_rand *r, struct vmm *vmm, struct tally *t)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_interrupt irq = { .irq = fuzz_below(r, 256) };
	int n = 1 + fuzz_below(r, 3);

	if (vmm_get_sregs(vmm, &sregs) || vmm_get_regs(vmm, &regs)) {
		note_bad(t, "KVM_GET_SREGS or KVM_GET_REGS: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++)
		mutate_sregs(r, &sregs);
	check_set(t, "KVM_SET_SREGS", vmm_set_sregs(vmm, &sregs));
	for (int i = 0; i < n; i++)
		mutate_regs(r, &regs);
	check_set(t, "KVM_SET_REGS", vmm_set_regs(vmm, &regs));
	if (fuzz_percent(r, 30))
		random_msr(r, vmm, t);
	if (fuzz_percent(r, 20) && ioctl(vmm->vcpu, KVM_INTERRUPT, &irq) &&
	    errno != EEXIST)
		note_bad(t, "KVM_INTERRUPT of %u: errno %d", irq.irq, errno);
}

/* ---------------------------------------------------------------------- */
/* Running them */

static void on_timer(int sig)
{
	(void)sig;
}

/* Userspace's side of an exit that goes on: random data for reads. */
static void answer(struct fuzz_rand *r, struct vmm *vmm)
{
	struct kvm_run *run = vmm->run;

	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN &&
	    (size_t)run->io.size * run->io.count <= 4096)
		fuzz_fill(r, vmm_io_data(vmm), run->io.size * run->io.count);
	if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write)
		fuzz_fill(r, run->mmio.data, sizeof(run->mmio.data));
}

/*
 * For the log: why VM entry failed the first time, and in what state.
 * Userspace's random state may be invalid; a guest alone should not get
 * itself there (KVM emulates what VT-x cannot enter).
 */
static void describe_fail_entry(struct vmm *vmm, struct tally *t)
{
	struct kvm_sregs s;
	struct kvm_regs regs;

	if (vmm_get_sregs(vmm, &s) || vmm_get_regs(vmm, &regs))
		return;
	snprintf(t->fail_entry, sizeof(t->fail_entry),
		 "run %ld: reason %#llx; CR0 %#llx CR4 %#llx EFER %#llx RFLAGS %#llx RIP %#llx; CS %#x type %u db %u l %u dpl %u; SS %#x type %u dpl %u; TR type %u unusable %u",
		 t->run, vmm->run->fail_entry.hardware_entry_failure_reason,
		 s.cr0, s.cr4, s.efer, regs.rflags, regs.rip, s.cs.selector,
		 s.cs.type, s.cs.db, s.cs.l, s.cs.dpl, s.ss.selector, s.ss.type,
		 s.ss.dpl, s.tr.type, s.tr.unusable);
}

/* One fresh VM running one random guest to its end. */
static void fuzz_one(struct fuzz_rand *r, enum vmm_mode mode,
		     enum guest_kind kind, timer_t timer, struct tally *t)
{
	struct itimerspec bound = { .it_value.tv_nsec = RUN_BOUND_NS };
	struct itimerspec off = { 0 };
	uint8_t code[CODE_MAX + 16];
	size_t len;
	struct vmm vmm;
	int ret;

	ret = vmm_open(&vmm, &vmm_minivisor);
	if (ret) {
		note_bad(t, "vmm_open: %s", strerror(-ret));
		return;
	}
	if (kind == RANDOM_BYTES) {
		len = 1 + fuzz_below(r, CODE_MAX);
		fuzz_fill(r, code, len);
	} else {
		len = random_insns(r, code, CODE_MAX);
	}
	ret = vmm_load(&vmm, mode, code, code + len);
	if (ret)
		note_bad(t, "vmm_load: %s", strerror(-ret));
	if (kind == RANDOM_STATE)
		random_state(r, &vmm, t);

	t->runs++;
	for (int exits = 0; !ret && exits < MAX_EXITS; exits++) {
		unsigned int reason;

		timer_settime(timer, 0, &bound, NULL);
		ret = ioctl(vmm.vcpu, KVM_RUN, 0) ? -errno : 0;
		timer_settime(timer, 0, &off, NULL);
		if (ret == -EINTR) {
			t->interrupted++;
			break;
		}
		if (ret) {
			note_bad(t, "KVM_RUN: errno %d (%s)", -ret, strerror(-ret));
			break;
		}
		reason = vmm.run->exit_reason;
		if (!documented_exit(reason)) {
			note_bad(t, "KVM_RUN: exit reason %u, not a documented one",
				 reason);
			break;
		}
		t->exits[reason]++;
		if (reason == KVM_EXIT_FAIL_ENTRY && !t->fail_entry[0])
			describe_fail_entry(&vmm, t);
		if (reason == KVM_EXIT_SHUTDOWN || reason == KVM_EXIT_FAIL_ENTRY ||
		    reason == KVM_EXIT_INTERNAL_ERROR || reason == KVM_EXIT_INTR)
			break;
		answer(r, &vmm);
	}
	vmm_close(&vmm);
}

/* ---------------------------------------------------------------------- */
/* The fixture */

FIXTURE(fuzz_guest) {
	timer_t timer;
	uint64_t seed;
	long runs;		/* this test's share */
	struct tally tally;
};

FIXTURE_VARIANT(fuzz_guest) {
	enum vmm_mode mode;
};

FIXTURE_VARIANT_ADD(fuzz_guest, real_mode) { .mode = VMM_REAL_MODE };
FIXTURE_VARIANT_ADD(fuzz_guest, protected_mode) { .mode = VMM_PROTECTED_MODE };
FIXTURE_VARIANT_ADD(fuzz_guest, long_mode) { .mode = VMM_LONG_MODE };

FIXTURE_SETUP(fuzz_guest)
{
	struct sigaction action = { .sa_handler = on_timer };
	struct sigevent event = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGALRM,
	};
	long total = fuzz_env("MV_FUZZ_CALLS", DEFAULT_RUNS);
	int ret;

	if (!mv_host_has_vtx())
		return;		/* each test skips */
	memset(&self->tally, 0, sizeof(self->tally));
	self->seed = fuzz_seed();
	self->runs = (total + TESTS - 1) / TESTS;
	ASSERT_EQ(0, sigaction(SIGALRM, &action, NULL));
	ASSERT_EQ(0, timer_create(CLOCK_MONOTONIC, &event, &self->timer));
	/* A test that crashed left it loaded: that test failed, not this. */
	ret = mv_module_load();
	ASSERT_TRUE(ret == 0 || ret == -EEXIST);
}

/* Nothing of all those VMs holds the module. */
FIXTURE_TEARDOWN(fuzz_guest)
{
	if (!mv_host_has_vtx())
		return;
	timer_delete(self->timer);
	EXPECT_EQ(0, mv_module_refcount("minivisor"));
	EXPECT_EQ(0, mv_module_unload());
}

static void fuzz_guests(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz_guest) *self, enum vmm_mode mode,
			enum guest_kind kind)
{
	struct tally *t = &self->tally;
	struct fuzz_rand r;
	struct timespec start, end;
	char text[256];
	int len = 0;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	TH_LOG("seed %#llx (MV_FUZZ_SEED), %ld runs",
	       (unsigned long long)self->seed, self->runs);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < self->runs; i++) {
		r = fuzz_stream(self->seed, (uint64_t)mode << 40 |
					    (uint64_t)kind << 32 | i);
		t->run = i;
		fuzz_one(&r, mode, kind, self->timer, t);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);

	for (unsigned int e = 0; e < ARRAY_SIZE(t->exits); e++)
		if (t->exits[e])
			len += snprintf(text + len, sizeof(text) - len, " %s:%ld",
					exit_name(e), t->exits[e]);
	TH_LOG("%ld runs in %.1f s; exits:%s; interrupted by the timer: %ld; state refused (EINVAL): %ld",
	       t->runs, (end.tv_sec - start.tv_sec) +
			(end.tv_nsec - start.tv_nsec) / 1e9,
	       text, t->interrupted, t->refused);
	if (t->fail_entry[0])
		TH_LOG("first KVM_EXIT_FAIL_ENTRY: %s", t->fail_entry);
	EXPECT_EQ(0, t->bad) {
		TH_LOG("%ld findings; the first: %s", t->bad, t->why);
	}
}

TEST_F_TIMEOUT(fuzz_guest, random_bytes_end_in_documented_exits, 600)
{
	fuzz_guests(_metadata, self, variant->mode, RANDOM_BYTES);
}

TEST_F_TIMEOUT(fuzz_guest, random_instructions_end_in_documented_exits, 600)
{
	fuzz_guests(_metadata, self, variant->mode, RANDOM_INSNS);
}

TEST_F_TIMEOUT(fuzz_guest, random_register_state_ends_in_documented_exits, 600)
{
	fuzz_guests(_metadata, self, variant->mode, RANDOM_STATE);
}

TEST_HARNESS_MAIN
