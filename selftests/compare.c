// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "compare": one KVM client, both devices, the same behaviour. Each
 * test runs the same guest program in one process first on /dev/kvm, then
 * on /dev/minivisor, recording a trace of every exit to userspace, and
 * compares the two traces exit by exit:
 *  - exit_reason, and the kvm_run fields KVM fills on every exit (if_flag,
 *    ready_for_interrupt_injection, cr8, apic_base, flags);
 *  - for KVM_EXIT_IO direction, size, port, count and the data;
 *  - for KVM_EXIT_MMIO phys_addr, len, is_write and, for a write, the data
 *    (api.rst leaves a read's data undefined until userspace fills it);
 *  - RIP, RFLAGS and every general register (KVM_GET_REGS) at the exit;
 * then KVM_GET_SREGS once the guest has stopped. The host answers every
 * IN and MMIO read with data that depends only on the exit's number, the
 * vCPU starts with the same KVM_SET_CPUID2 table on both, and no guest
 * reads anything that changes from run to run (the TSC): the traces must
 * be the same. The first difference is logged.
 *
 * The first test runs guest_compare, a 64-bit guest that mixes every kind
 * of exit and in-kernel emulation (guests.h); the second every guest of
 * guests.S that stops by itself, those of the other suites included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "vmm.h"

/* Enough for every guest of guests.S. */
#define MAX_EXITS	64
/* The most I/O data kept of one exit: REP INSB of INSB_COUNT bytes fits. */
#define MAX_IO_DATA	64

struct exit_record {
	int reason;		/* run->exit_reason, or -errno of KVM_RUN */
	uint8_t if_flag, ready_for_interrupt_injection;
	uint16_t flags;
	uint64_t cr8, apic_base;
	struct kvm_regs regs;
	struct {
		uint8_t direction, size;
		uint16_t port;
		uint32_t count;
		uint8_t data[MAX_IO_DATA];
	} io;
	struct {
		uint64_t phys_addr;
		uint32_t len;
		uint8_t is_write;
		uint8_t data[8];
	} mmio;
};

struct trace {
	int nr_exits;
	struct exit_record exits[MAX_EXITS];
	struct kvm_sregs sregs;
};

/* A guest program and how to start it. */
struct guest {
	const char *name;
	enum vmm_mode mode;
	const unsigned char *start, *end;
	bool small_memory;	/* memory below MMIO_REAL_ADDR only */
};

#define GUEST(mode_, name_)						\
	{ .name = #name_, .mode = (mode_), .start = name_,		\
	  .end = name_##_end }
#define SMALL_GUEST(mode_, name_)					\
	{ .name = #name_, .mode = (mode_), .start = name_,		\
	  .end = name_##_end, .small_memory = true }

FIXTURE(compare) {
	struct vmm vmm;
	struct trace kvm, minivisor;
};

FIXTURE_SETUP(compare)
{
	self->vmm = (struct vmm){ .dev = -1, .vm = -1, .vcpu = -1 };
}

/* Release a device a failed assertion left in use. */
FIXTURE_TEARDOWN(compare)
{
	if (self->vmm.dev >= 0)
		vmm_destroy(&self->vmm);
}

/* "GenuineIntel" in EBX, EDX, ECX order: KVM's Intel rules apply. */
#define VENDOR_EBX	0x756e6547
#define VENDOR_EDX	0x49656e69
#define VENDOR_ECX	0x6c65746e

/*
 * The CPUID table both vCPUs get: a 64-bit Intel processor. KVM changes
 * a few bits of leaf 1 as the vCPU's state does (OSXSAVE from CR4, APIC
 * from the APIC base MSR): the table has them as that state has them,
 * OSXSAVE off and APIC on, so that the table is what the guest sees.
 */
static const struct kvm_cpuid_entry2 cpuid_table[] = {
	{ .function = 0, .eax = 2,
	  .ebx = VENDOR_EBX, .ecx = VENDOR_ECX, .edx = VENDOR_EDX },
	/*
	 * Family 6 model 0x5e; SSE3, SSSE3, CX16, SSE4.1, SSE4.2, POPCNT,
	 * hypervisor; FPU, TSC, MSR, PAE, CX8, APIC, SEP, PGE, CMOV, PAT,
	 * CLFSH, MMX, FXSR, SSE, SSE2.
	 */
	{ .function = 1, .eax = 0x000506e3, .ebx = 0x00010800,
	  .ecx = 0x80982201, .edx = 0x0789ab71 },
	{ .function = 2, .eax = 0x00feff01 },
	{ .function = 0x80000000, .eax = 0x80000001 },
	/* LAHF in 64-bit mode; SYSCALL, NX, long mode. */
	{ .function = 0x80000001, .ecx = 0x00000001, .edx = 0x20100800 },
};

static int set_cpuid(struct vmm *vmm)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + sizeof(cpuid_table));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = ARRAY_SIZE(cpuid_table);
	memcpy(cpuid->entries, cpuid_table, sizeof(cpuid_table));
	ret = ioctl(vmm->vcpu, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return ret;
}

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)
#define PAGE_2M		(2ULL << 20)

/*
 * Load the guest as suite "mmio" does: a 64-bit guest also gets the 2 MiB
 * page at MMIO_ADDR mapped (vmm.c's identity map stops at 1 GiB), with a
 * page directory after vmm.c's tables; a small_memory guest has its
 * memory shrunk to below the VGA buffer (a slot changes size only by
 * being deleted and made again).
 */
static int load(struct vmm *vmm, const struct guest *guest)
{
	const uint64_t pdpt_addr = VMM_PML4_ADDR + 0x1000;
	const uint64_t pd_addr = VMM_PML4_ADDR + 0x3000;
	uint64_t *pdpt = (uint64_t *)(vmm->mem + pdpt_addr);
	uint64_t *pd = (uint64_t *)(vmm->mem + pd_addr);
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.userspace_addr = (uintptr_t)vmm->mem,
	};
	int ret;

	if (guest->small_memory) {
		if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
			return -errno;
		region.memory_size = MMIO_REAL_MEM_SIZE;
		if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
			return -errno;
	}
	ret = vmm_load(vmm, guest->mode, guest->start, guest->end);
	if (ret)
		return ret;
	if (guest->mode == VMM_LONG_MODE) {
		pdpt[MMIO_ADDR >> 30 & 511] = pd_addr | PTE_PRESENT |
					      PTE_WRITABLE;
		pd[MMIO_ADDR >> 21 & 511] = (MMIO_ADDR & ~(PAGE_2M - 1)) |
					    PTE_PRESENT | PTE_WRITABLE |
					    PTE_LARGE;
	}
	return 0;
}

/* What the host answers at exit number exit: byte i of an IN or a read. */
static uint8_t answer(int exit, unsigned int i)
{
	return 0x9d * (exit + 1) + 0x3b * i;
}

/* Record the exit in run, and answer it if it is an IN or a read. */
static void record_exit(struct vmm *vmm, int exit, struct exit_record *rec)
{
	struct kvm_run *run = vmm->run;
	uint8_t *data;
	size_t size;

	rec->if_flag = run->if_flag;
	rec->ready_for_interrupt_injection = run->ready_for_interrupt_injection;
	rec->flags = run->flags;
	rec->cr8 = run->cr8;
	rec->apic_base = run->apic_base;

	switch (rec->reason) {
	case KVM_EXIT_IO:
		rec->io.direction = run->io.direction;
		rec->io.size = run->io.size;
		rec->io.port = run->io.port;
		rec->io.count = run->io.count;
		data = vmm_io_data(vmm);
		size = (size_t)run->io.size * run->io.count;
		if (size > MAX_IO_DATA)
			size = MAX_IO_DATA;
		memcpy(rec->io.data, data, size);
		if (run->io.direction == KVM_EXIT_IO_IN)
			for (size_t i = 0; i < size; i++)
				data[i] = answer(exit, i);
		break;
	case KVM_EXIT_MMIO:
		rec->mmio.phys_addr = run->mmio.phys_addr;
		rec->mmio.len = run->mmio.len;
		rec->mmio.is_write = run->mmio.is_write;
		size = run->mmio.len < 8 ? run->mmio.len : 8;
		if (run->mmio.is_write)
			memcpy(rec->mmio.data, run->mmio.data, size);
		else
			for (size_t i = 0; i < size; i++)
				run->mmio.data[i] = answer(exit, i);
		break;
	}
}

/*
 * Run guest on device to its first exit that is neither I/O nor MMIO (or
 * to MAX_EXITS exits), recording each exit in trace, then release the
 * device.
 */
static void record(struct __test_metadata *_metadata, struct vmm *vmm,
		   const struct vmm_device *device, const struct guest *guest,
		   struct trace *trace)
{
	struct exit_record *rec;
	int exit;

	memset(trace, 0, sizeof(*trace));
	ASSERT_EQ(0, vmm_create(vmm, device)) TH_LOG("%s", device->path);
	ASSERT_EQ(0, load(vmm, guest)) TH_LOG("%s: %s", device->path,
					      guest->name);
	ASSERT_EQ(0, set_cpuid(vmm)) TH_LOG("%s", device->path);

	for (exit = 0; exit < MAX_EXITS; exit++) {
		rec = &trace->exits[exit];
		rec->reason = vmm_run(vmm);
		ASSERT_EQ(0, vmm_get_regs(vmm, &rec->regs));
		record_exit(vmm, exit, rec);
		if (rec->reason != KVM_EXIT_IO && rec->reason != KVM_EXIT_MMIO)
			break;
	}
	trace->nr_exits = exit < MAX_EXITS ? exit + 1 : exit;
	ASSERT_EQ(0, vmm_get_sregs(vmm, &trace->sregs));
	ASSERT_EQ(0, vmm_destroy(vmm)) TH_LOG("%s", device->path);
}

static const char *exit_name(int reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
		[KVM_EXIT_IO] = "KVM_EXIT_IO",
		[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
		[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
		[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
		[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	};

	if (reason < 0)
		return "KVM_RUN failed";
	if ((size_t)reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "another exit";
}

/* The fields of struct kvm_regs, all 64 bits, in order. */
static const char *const reg_names[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"rip", "rflags",
};

/*
 * A comparison of two traces: it logs the first difference, with where it
 * was found, and ignores the ones after it.
 */
struct comparison {
	struct __test_metadata *metadata;
	const char *guest;
	char where[64];
	bool differ;
};

static void same(struct comparison *c, const char *what,
		 unsigned long long kvm, unsigned long long minivisor)
{
	struct __test_metadata *_metadata = c->metadata;

	if (c->differ || kvm == minivisor)
		return;
	c->differ = true;
	TH_LOG("%s: %s: %s differs: kvm %#llx, minivisor %#llx", c->guest,
	       c->where, what, kvm, minivisor);
}

static void same_bytes(struct comparison *c, const char *what,
		       const uint8_t *kvm, const uint8_t *minivisor,
		       size_t size)
{
	char name[64];

	for (size_t i = 0; i < size; i++) {
		snprintf(name, sizeof(name), "%s byte %zu", what, i);
		same(c, name, kvm[i], minivisor[i]);
	}
}

static void same_exit(struct comparison *c, const struct exit_record *kvm,
		      const struct exit_record *minivisor)
{
	const uint64_t *kvm_regs = (const uint64_t *)&kvm->regs;
	const uint64_t *mv_regs = (const uint64_t *)&minivisor->regs;
	size_t size;

	same(c, "exit_reason", kvm->reason, minivisor->reason);
	switch (kvm->reason) {
	case KVM_EXIT_IO:
		same(c, "io.direction", kvm->io.direction,
		     minivisor->io.direction);
		same(c, "io.size", kvm->io.size, minivisor->io.size);
		same(c, "io.port", kvm->io.port, minivisor->io.port);
		same(c, "io.count", kvm->io.count, minivisor->io.count);
		size = (size_t)kvm->io.size * kvm->io.count;
		same_bytes(c, "io data", kvm->io.data, minivisor->io.data,
			   size < MAX_IO_DATA ? size : MAX_IO_DATA);
		break;
	case KVM_EXIT_MMIO:
		same(c, "mmio.phys_addr", kvm->mmio.phys_addr,
		     minivisor->mmio.phys_addr);
		same(c, "mmio.len", kvm->mmio.len, minivisor->mmio.len);
		same(c, "mmio.is_write", kvm->mmio.is_write,
		     minivisor->mmio.is_write);
		same_bytes(c, "mmio data", kvm->mmio.data, minivisor->mmio.data,
			   kvm->mmio.len < 8 ? kvm->mmio.len : 8);
		break;
	}

	for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++)
		same(c, reg_names[i], kvm_regs[i], mv_regs[i]);
	same(c, "run->if_flag", kvm->if_flag, minivisor->if_flag);
	same(c, "run->ready_for_interrupt_injection",
	     kvm->ready_for_interrupt_injection,
	     minivisor->ready_for_interrupt_injection);
	same(c, "run->flags", kvm->flags, minivisor->flags);
	same(c, "run->cr8", kvm->cr8, minivisor->cr8);
	same(c, "run->apic_base", kvm->apic_base, minivisor->apic_base);
}

static void same_segment(struct comparison *c, const char *name,
			 const struct kvm_segment *kvm,
			 const struct kvm_segment *minivisor)
{
	const struct {
		const char *field;
		unsigned long long kvm, minivisor;
	} fields[] = {
		{ "base", kvm->base, minivisor->base },
		{ "limit", kvm->limit, minivisor->limit },
		{ "selector", kvm->selector, minivisor->selector },
		{ "type", kvm->type, minivisor->type },
		{ "present", kvm->present, minivisor->present },
		{ "dpl", kvm->dpl, minivisor->dpl },
		{ "db", kvm->db, minivisor->db },
		{ "s", kvm->s, minivisor->s },
		{ "l", kvm->l, minivisor->l },
		{ "g", kvm->g, minivisor->g },
		{ "avl", kvm->avl, minivisor->avl },
		{ "unusable", kvm->unusable, minivisor->unusable },
		{ "padding", kvm->padding, minivisor->padding },
	};
	char what[32];

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		snprintf(what, sizeof(what), "%s.%s", name, fields[i].field);
		same(c, what, fields[i].kvm, fields[i].minivisor);
	}
}

static void same_dtable(struct comparison *c, const char *name,
			const struct kvm_dtable *kvm,
			const struct kvm_dtable *minivisor)
{
	char what[32];

	snprintf(what, sizeof(what), "%s.base", name);
	same(c, what, kvm->base, minivisor->base);
	snprintf(what, sizeof(what), "%s.limit", name);
	same(c, what, kvm->limit, minivisor->limit);
	for (int i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "%s.padding[%d]", name, i);
		same(c, what, kvm->padding[i], minivisor->padding[i]);
	}
}

static void same_sregs(struct comparison *c, const struct kvm_sregs *kvm,
		       const struct kvm_sregs *minivisor)
{
	snprintf(c->where, sizeof(c->where), "KVM_GET_SREGS at the end");
	same_segment(c, "cs", &kvm->cs, &minivisor->cs);
	same_segment(c, "ds", &kvm->ds, &minivisor->ds);
	same_segment(c, "es", &kvm->es, &minivisor->es);
	same_segment(c, "fs", &kvm->fs, &minivisor->fs);
	same_segment(c, "gs", &kvm->gs, &minivisor->gs);
	same_segment(c, "ss", &kvm->ss, &minivisor->ss);
	same_segment(c, "tr", &kvm->tr, &minivisor->tr);
	same_segment(c, "ldt", &kvm->ldt, &minivisor->ldt);
	same_dtable(c, "gdt", &kvm->gdt, &minivisor->gdt);
	same_dtable(c, "idt", &kvm->idt, &minivisor->idt);
	same(c, "cr0", kvm->cr0, minivisor->cr0);
	same(c, "cr2", kvm->cr2, minivisor->cr2);
	same(c, "cr3", kvm->cr3, minivisor->cr3);
	same(c, "cr4", kvm->cr4, minivisor->cr4);
	same(c, "cr8", kvm->cr8, minivisor->cr8);
	same(c, "efer", kvm->efer, minivisor->efer);
	same(c, "apic_base", kvm->apic_base, minivisor->apic_base);
	for (size_t i = 0; i < ARRAY_SIZE(kvm->interrupt_bitmap); i++)
		same(c, "interrupt_bitmap", kvm->interrupt_bitmap[i],
		     minivisor->interrupt_bitmap[i]);
}

/* Compare the traces; log the first difference and return false. */
static bool same_traces(struct __test_metadata *_metadata,
			const struct guest *guest,
			const struct trace *kvm, const struct trace *minivisor)
{
	struct comparison c = { .metadata = _metadata, .guest = guest->name };
	int n = kvm->nr_exits < minivisor->nr_exits ? kvm->nr_exits :
						      minivisor->nr_exits;

	for (int exit = 0; exit < n && !c.differ; exit++) {
		snprintf(c.where, sizeof(c.where), "exit %d (%s)", exit,
			 exit_name(kvm->exits[exit].reason));
		same_exit(&c, &kvm->exits[exit], &minivisor->exits[exit]);
	}
	snprintf(c.where, sizeof(c.where), "the whole run");
	same(&c, "the number of exits", kvm->nr_exits, minivisor->nr_exits);
	same_sregs(&c, &kvm->sregs, &minivisor->sregs);
	return !c.differ;
}

/*
 * Run guest on both devices, recording into the fixture's traces; whether
 * the traces are the same.
 */
static bool same_on_both(struct __test_metadata *_metadata, struct vmm *vmm,
			 const struct guest *guest, struct trace *kvm,
			 struct trace *minivisor)
{
	record(_metadata, vmm, &vmm_kvm, guest, kvm);
	record(_metadata, vmm, &vmm_minivisor, guest, minivisor);
	return same_traces(_metadata, guest, kvm, minivisor);
}

/*
 * guest_compare: CPUID answered from the table, OUT and IN, REP OUTSB,
 * WRMSR and RDMSR, MMIO writes and reads, a VMCALL nobody knows (RAX =
 * -KVM_ENOSYS, -1000), and HLT.
 */
TEST_F_TIMEOUT(compare, long_mode_mix_of_exits_is_the_same_on_both, 120)
{
	const struct guest guest = GUEST(VMM_LONG_MODE, guest_compare);

	EXPECT_TRUE(same_on_both(_metadata, &self->vmm, &guest, &self->kvm,
				 &self->minivisor));
	/* The guest did run to its end: HLT, past OUT of -1000. */
	EXPECT_EQ(KVM_EXIT_HLT,
		  self->kvm.exits[self->kvm.nr_exits - 1].reason);
	EXPECT_EQ(-1000U,
		  (uint32_t)self->kvm.exits[self->kvm.nr_exits - 2].regs.rax);
}

/* Every guest of guests.S that stops by itself, in its mode. */
static const struct guest guests[] = {
	GUEST(VMM_REAL_MODE, guest_out_sizes),
	GUEST(VMM_REAL_MODE, guest_in_sizes),
	GUEST(VMM_REAL_MODE, guest_rep_outsb),
	GUEST(VMM_REAL_MODE, guest_rep_insb),
	GUEST(VMM_REAL_MODE, guest_hlt),
	GUEST(VMM_REAL_MODE, guest_triple_fault),
	GUEST(VMM_REAL_MODE, guest_add),
	GUEST(VMM_REAL_MODE, guest_cpuid),
	GUEST(VMM_REAL_MODE, guest_irq_window),
	GUEST(VMM_REAL_MODE, guest_real_mode),
	GUEST(VMM_PROTECTED_MODE, guest_protected_mode),
	GUEST(VMM_LONG_MODE, guest_long_mode),
	GUEST(VMM_LONG_MODE, guest_wrmsr_noncanonical),
	GUEST(VMM_LONG_MODE, guest_mmio_write_regs),
	GUEST(VMM_LONG_MODE, guest_mmio_write_imms),
	GUEST(VMM_LONG_MODE, guest_mmio_moffs),
	GUEST(VMM_LONG_MODE, guest_mmio_read_sizes),
	GUEST(VMM_LONG_MODE, guest_mmio_high_bytes),
	GUEST(VMM_LONG_MODE, guest_mmio_movzx),
	GUEST(VMM_LONG_MODE, guest_mmio_movsx),
	GUEST(VMM_LONG_MODE, guest_mmio_rex),
	GUEST(VMM_LONG_MODE, guest_mmio_addressing),
	GUEST(VMM_LONG_MODE, guest_mmio_prefixes),
	GUEST(VMM_LONG_MODE, guest_mmio_straddle),
	GUEST(VMM_LONG_MODE, guest_mmio_stos),
	GUEST(VMM_LONG_MODE, guest_mmio_rep_stosb),
	GUEST(VMM_LONG_MODE, guest_mmio_rep_stosw),
	GUEST(VMM_LONG_MODE, guest_mmio_marker),
	SMALL_GUEST(VMM_REAL_MODE, guest_mmio_real),
	SMALL_GUEST(VMM_REAL_MODE, guest_mmio_real_rep_stosb),
};

/* Each guest's first difference is logged; all guests run. */
TEST_F_TIMEOUT(compare, every_guest_that_stops_by_itself_is_the_same_on_both,
	       600)
{
	int differ = 0;

	for (size_t i = 0; i < ARRAY_SIZE(guests); i++)
		if (!same_on_both(_metadata, &self->vmm, &guests[i],
				  &self->kvm, &self->minivisor))
			differ++;
	EXPECT_EQ(0, differ) TH_LOG("%d of %zu guests differ", differ,
				    ARRAY_SIZE(guests));
}

TEST_HARNESS_MAIN
