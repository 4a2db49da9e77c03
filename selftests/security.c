// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "security": what an unprivileged user and a hostile guest cannot
 * do to the host (README, "Security").
 *
 *  - /dev/minivisor is created root:root, mode 0660 (module/dev.c): a user
 *    outside its group gets EACCES from open(), a member of its group
 *    gets in. (That netlink refuses another user's VM is suite "netlink".)
 *  - A guest reaches only its memslots: a long-mode guest reads its whole
 *    guest-physical space, every 2 MiB below 4 GiB, every 4 KiB around
 *    the memslots' edges and one address per power of two up to the
 *    host's physical address width, through page tables the test builds.
 *    Inside a memslot it reads the pattern the test wrote there; every
 *    other read is a KVM_EXIT_MMIO at exactly its address, and the guest
 *    gets exactly the value the test answered with.
 *  - A guest cannot flood the host's log: thousands of guest actions that
 *    make minivisor log (a task switch, which minivisor does not emulate,
 *    and a read of a memslot page the VMM's process cannot read) add no
 *    more lines than the kernel's default ratelimit (10 every 5 s) lets
 *    through.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"
#include "vmm.h"

#define NOBODY		65534
/* A group for the node, as a udev rule gives it to group kvm. */
#define KVM_GROUP	1234

/*
 * Guests. guest_scan (64-bit): RSI points at a table of RCX addresses;
 * for each, a read of 8 bytes there, stored at RDI (which steps by 8);
 * then HLT. guest_task_switch (32-bit): a far JMP to the TSS selector
 * TSS_SEL, again and again. guest_read (32-bit): a read of 4 bytes at
 * EDI, then HLT.
 */
extern const unsigned char guest_scan[], guest_scan_end[];
extern const unsigned char guest_task_switch[], guest_task_switch_end[];
extern const unsigned char guest_read[], guest_read_end[];

#define TSS_SEL		0x20

#define STR(x)		#x
#define XSTR(x)		STR(x)

asm(
"	.pushsection .rodata.security_guests, \"a\"\n"
"	.code64\n"
"guest_scan:\n"
"1:	mov	(%rsi), %rdx\n"
"	mov	(%rdx), %rax\n"
"	mov	%rax, (%rdi)\n"
"	add	$8, %rsi\n"
"	add	$8, %rdi\n"
"	dec	%rcx\n"
"	jnz	1b\n"
"	hlt\n"
"guest_scan_end:\n"
"	.code32\n"
"guest_task_switch:\n"
"1:	ljmp	$" XSTR(TSS_SEL) ", $0\n"
"	jmp	1b\n"
"guest_task_switch_end:\n"
"guest_read:\n"
"	mov	(%edi), %eax\n"
"	hlt\n"
"guest_read_end:\n"
"	.code64\n"
"	.popsection\n"
);

/* ---------------------------------------------------------------------- */
/* The device node */

/*
 * In a child: become uid and gid NOBODY, with group as its only
 * supplementary group, and open /dev/name. The lookup starts in /dev (the child's
 * working directory), so that only the node's own permissions count.
 * Returns 0 if it opened (and, for the node, answered KVM_GET_API_VERSION
 * as the hypervisor), the errno of open() otherwise, or 100 and up if
 * something else failed.
 */
static int open_as_nobody(const char *name, gid_t group)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -errno;
	if (!child) {
		gid_t groups[] = { group };
		int fd;

		if (chdir("/dev") || setgroups(1, groups) || setgid(NOBODY) ||
		    setuid(NOBODY))
			_exit(100);
		fd = open(name, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(errno < 100 ? errno : 101);
		if (strcmp(name, "null"))
			_exit(ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION ?
			      0 : 102);
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 103;
}

TEST(node_refuses_other_users)
{
	const char *node = MINIVISOR_DEVICE_PATH + strlen("/dev/");
	struct stat st;

	ASSERT_EQ(0, strncmp(MINIVISOR_DEVICE_PATH, "/dev/", strlen("/dev/")));
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, stat(MINIVISOR_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);

	/* The child reaches an open node. */
	ASSERT_EQ(0, open_as_nobody("null", NOBODY));
	/* Neither the owner nor in the group: EACCES. */
	EXPECT_EQ(EACCES, open_as_nobody(node, NOBODY));

	/* The group the administrator gives the node to gets in. */
	ASSERT_EQ(0, chown(MINIVISOR_DEVICE_PATH, 0, KVM_GROUP));
	EXPECT_EQ(0, open_as_nobody(node, KVM_GROUP));
	EXPECT_EQ(EACCES, open_as_nobody(node, NOBODY));
	ASSERT_EQ(0, chown(MINIVISOR_DEVICE_PATH, 0, 0));
	EXPECT_EQ(EACCES, open_as_nobody(node, KVM_GROUP));

	ASSERT_EQ(0, mv_module_unload());
}

/* ---------------------------------------------------------------------- */
/* The guest-physical scan */

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL

#define SZ_1K		0x400ULL
#define SZ_4K		0x1000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL

/*
 * Slot 0, the VMM's 4 MiB at 0, holds the guest, its page tables (from
 * PT_POOL), its table of addresses (ADDR_TABLE) and its results
 * (RESULTS) below 1 MiB; from 1 MiB on, the pattern. Two more slots, one
 * across the 2 GiB line and one above 4 GiB, hold the pattern too.
 */
#define PT_POOL		0x20000ULL
#define PT_POOL_END	0x60000ULL
#define ADDR_TABLE	0x60000ULL
#define RESULTS		0xa0000ULL
#define MAX_ADDRS	((RESULTS - ADDR_TABLE) / 8)
#define PATTERN_START	SZ_1M

#define SLOT_LOW_GPA	(0x80000000ULL - 512 * SZ_1K)
#define SLOT_LOW_SIZE	SZ_1M
#define SLOT_HIGH_GPA	(5 * SZ_1G)
#define SLOT_HIGH_SIZE	SZ_2M

/* What a memslot holds at gpa, and what the test answers MMIO with. */
#define PATTERN(gpa)	((gpa) ^ 0xa5c3a5c3a5c3a5c3ULL)
#define MMIO_ANSWER(gpa) ((gpa) ^ 0x5eed0000f00d0000ULL)

struct slot {
	uint64_t gpa, size;
	uint8_t *host;
};

struct scan {
	struct vmm vmm;
	struct slot slots[3];
	uint64_t *addrs;	/* in guest memory, at ADDR_TABLE */
	size_t count;
	uint64_t pt_next;	/* the next free page of the pool */
};

static const struct slot *slot_of(const struct scan *s, uint64_t gpa)
{
	for (size_t i = 0; i < 3; i++)
		if (gpa >= s->slots[i].gpa &&
		    gpa < s->slots[i].gpa + s->slots[i].size)
			return &s->slots[i];
	return NULL;
}

static void add_addr(struct scan *s, uint64_t gpa)
{
	if (s->count < MAX_ADDRS)
		s->addrs[s->count] = gpa;
	s->count++;
}

/* Every 4 KiB (at a different offset in each page) from start to end. */
static void add_range_4k(struct scan *s, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += SZ_4K)
		add_addr(s, a + ((a >> 9) & 0xff8));
}

/* The table entry below table[index], made from the pool if absent. */
static uint64_t *next_table(struct scan *s, uint64_t *table, unsigned int index)
{
	if (!(table[index] & PTE_PRESENT)) {
		if (s->pt_next >= PT_POOL_END)
			return NULL;
		table[index] = s->pt_next | PTE_PRESENT | PTE_WRITABLE;
		s->pt_next += SZ_4K;
	}
	return (uint64_t *)(s->vmm.mem + (table[index] & PTE_ADDR));
}

/* Identity-map the 2 MiB page of gpa. */
static int map_2m(struct scan *s, uint64_t gpa)
{
	uint64_t *pml4 = (uint64_t *)(s->vmm.mem + PT_POOL);
	uint64_t *pdpt, *pd;

	pdpt = next_table(s, pml4, (gpa >> 39) & 511);
	pd = pdpt ? next_table(s, pdpt, (gpa >> 30) & 511) : NULL;
	if (!pd)
		return -ENOSPC;
	pd[(gpa >> 21) & 511] = (gpa & ~(SZ_2M - 1)) | PTE_PRESENT |
				PTE_WRITABLE | PTE_LARGE;
	return 0;
}

static unsigned int host_phys_bits(void)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(0x80000008, eax, ebx, ecx, edx);
	return eax & 0xff;
}

static int add_slot(struct scan *s, unsigned int id, uint64_t gpa,
		    uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = id, .guest_phys_addr = gpa, .memory_size = size,
	};
	struct slot *slot = &s->slots[id];

	slot->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (slot->host == MAP_FAILED)
		return -errno;
	slot->gpa = gpa;
	slot->size = size;
	region.userspace_addr = (uintptr_t)slot->host;
	for (uint64_t off = 0; off < size; off += 8)
		*(uint64_t *)(slot->host + off) = PATTERN(gpa + off);
	return ioctl(s->vmm.vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

FIXTURE(scan) {
	struct scan s;
};

FIXTURE_SETUP(scan)
{
	if (!mv_host_has_vtx())
		return;		/* the test skips */
	ASSERT_EQ(0, vmm_create(&self->s.vmm, &vmm_minivisor));
	self->s.slots[0] = (struct slot){
		.gpa = 0, .size = VMM_MEM_SIZE, .host = self->s.vmm.mem,
	};
	for (uint64_t off = PATTERN_START; off < VMM_MEM_SIZE; off += 8)
		*(uint64_t *)(self->s.vmm.mem + off) = PATTERN(off);
	ASSERT_EQ(0, add_slot(&self->s, 1, SLOT_LOW_GPA, SLOT_LOW_SIZE));
	ASSERT_EQ(0, add_slot(&self->s, 2, SLOT_HIGH_GPA, SLOT_HIGH_SIZE));
}

FIXTURE_TEARDOWN(scan)
{
	if (!mv_host_has_vtx())
		return;
	EXPECT_EQ(0, vmm_destroy(&self->s.vmm));
	for (int i = 1; i < 3; i++)
		if (self->s.slots[i].size)
			munmap(self->s.slots[i].host, self->s.slots[i].size);
}

TEST_F_TIMEOUT(scan, only_memslots, 600)
{
	struct scan *s = &self->s;
	unsigned int bits = host_phys_bits();
	uint64_t top = 1ULL << bits, next = 0, exits = 0, want_exits = 0;
	uint64_t *results = (uint64_t *)(s->vmm.mem + RESULTS);
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_run *run = s->vmm.run;
	int ret;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	ASSERT_GE(bits, 36U);
	ASSERT_LE(bits, 52U);
	s->addrs = (uint64_t *)(s->vmm.mem + ADDR_TABLE);
	s->pt_next = PT_POOL + SZ_4K;	/* the PML4 is the pool's first page */

	/* Every 2 MiB below 4 GiB, at a different offset in each. */
	for (uint64_t a = 0; a < SZ_4G; a += SZ_2M)
		add_addr(s, a + SZ_1M + ((a >> 8) & (SZ_1M - 8)));
	/* Every 4 KiB across the memslots' edges. */
	add_range_4k(s, PATTERN_START, VMM_MEM_SIZE + 4 * SZ_1M);
	add_range_4k(s, SLOT_LOW_GPA - SZ_1M,
		     SLOT_LOW_GPA + SLOT_LOW_SIZE + SZ_1M);
	add_range_4k(s, SLOT_HIGH_GPA - 64 * SZ_4K,
		     SLOT_HIGH_GPA + SLOT_HIGH_SIZE + 64 * SZ_4K);
	/* The last bytes of each slot and the first after it. */
	for (int i = 0; i < 3; i++) {
		add_addr(s, s->slots[i].gpa + s->slots[i].size - 8);
		add_addr(s, s->slots[i].gpa + s->slots[i].size);
	}
	/* Above 4 GiB: each power of two, and the top of the space. */
	for (unsigned int b = 32; b < bits; b++)
		add_addr(s, (1ULL << b) + 0x1238);
	add_addr(s, top - 8);
	ASSERT_LE(s->count, MAX_ADDRS);

	for (size_t i = 0; i < s->count; i++)
		ASSERT_EQ(0, map_2m(s, s->addrs[i]));
	/* The guest's own pages. */
	ASSERT_EQ(0, map_2m(s, 0));

	ASSERT_EQ(0, vmm_load(&s->vmm, VMM_LONG_MODE, guest_scan,
			      guest_scan_end));
	ASSERT_EQ(0, vmm_get_sregs(&s->vmm, &sregs));
	sregs.cr3 = PT_POOL;
	ASSERT_EQ(0, vmm_set_sregs(&s->vmm, &sregs));
	ASSERT_EQ(0, vmm_get_regs(&s->vmm, &regs));
	regs.rsi = ADDR_TABLE;
	regs.rdi = RESULTS;
	regs.rcx = s->count;
	ASSERT_EQ(0, vmm_set_regs(&s->vmm, &regs));

	for (size_t i = 0; i < s->count; i++)
		want_exits += !slot_of(s, s->addrs[i]);

	/* Each exit must be the next address outside the memslots. */
	while ((ret = vmm_run(&s->vmm)) == KVM_EXIT_MMIO) {
		uint64_t answer;

		while (next < s->count && slot_of(s, s->addrs[next]))
			next++;
		ASSERT_LT(next, s->count)
			TH_LOG("an MMIO exit at %#llx after the last address",
			       (unsigned long long)run->mmio.phys_addr);
		ASSERT_EQ(s->addrs[next], run->mmio.phys_addr);
		ASSERT_EQ(0, run->mmio.is_write);
		ASSERT_EQ(8U, run->mmio.len);
		answer = MMIO_ANSWER(run->mmio.phys_addr);
		memcpy(run->mmio.data, &answer, 8);
		next++;
		exits++;
	}
	ASSERT_EQ(KVM_EXIT_HLT, ret);
	EXPECT_EQ(want_exits, exits);

	for (size_t i = 0; i < s->count; i++) {
		uint64_t a = s->addrs[i];
		uint64_t want = slot_of(s, a) ? PATTERN(a) : MMIO_ANSWER(a);

		if (results[i] != want) {
			EXPECT_EQ(want, results[i])
				TH_LOG("guest read %#llx", (unsigned long long)a);
			break;
		}
	}
	TH_LOG("%zu addresses up to 2^%u, %llu MMIO exits",
	       s->count, bits, (unsigned long long)exits);
}

/* ---------------------------------------------------------------------- */
/* The kernel log */

/* Guest actions each run repeats; ratelimit lets 10 lines by per 5 s. */
#define FLOOD_RUNS		2000
#define RATELIMIT_BURST		10
#define RATELIMIT_SECONDS	5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Start a fresh ratelimit interval: an earlier test may have used up the
 * current one's burst, and then none of our lines would show.
 */
static void fresh_interval(void)
{
	sleep(RATELIMIT_SECONDS + 1);
}

/* The most lines the ratelimit lets through in seconds. */
static int log_bound(double seconds)
{
	return RATELIMIT_BURST * (int)(seconds / RATELIMIT_SECONDS + 2);
}

FIXTURE(flood) {
	struct vmm vmm;
};

FIXTURE_SETUP(flood)
{
	if (!mv_host_has_vtx())
		return;		/* each test skips */
	ASSERT_EQ(0, vmm_create(&self->vmm, &vmm_minivisor));
}

FIXTURE_TEARDOWN(flood)
{
	if (mv_host_has_vtx())
		EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

/*
 * A task switch exits unconditionally in VMX non-root operation, and
 * minivisor does not emulate it: each is an internal error, logged.
 */
TEST_F_TIMEOUT(flood, task_switch, 600)
{
	const char *needle = "unexpected exit reason";
	/* An available 32-bit TSS at 0x3000, limit 0x67 (SDM 3A, 7.2.2). */
	const uint64_t tss = 0x0000890030000067ULL;
	struct kvm_sregs sregs;
	char line[256];
	int before, after, ret;
	double start;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_task_switch, guest_task_switch_end));
	memcpy(self->vmm.mem + VMM_GDT_ADDR + TSS_SEL, &tss, sizeof(tss));
	ASSERT_EQ(0, vmm_get_sregs(&self->vmm, &sregs));
	sregs.gdt.limit = TSS_SEL + 7;
	ASSERT_EQ(0, vmm_set_sregs(&self->vmm, &sregs));

	fresh_interval();
	before = mv_kernel_log_last(needle, line, sizeof(line));
	ASSERT_GE(before, 0);
	start = now();
	for (int i = 0; i < FLOOD_RUNS; i++) {
		ret = vmm_run(&self->vmm);
		ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, ret);
		ASSERT_EQ(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
			  self->vmm.run->internal.suberror);
		ASSERT_EQ(9U, self->vmm.run->internal.data[0]);	/* task switch */
	}
	after = mv_kernel_log_last(needle, line, sizeof(line));
	EXPECT_GE(after - before, 1) TH_LOG("no line: is the test looking for the right one?");
	EXPECT_LE(after - before, log_bound(now() - start))
		TH_LOG("%d lines in %.1f s", after - before, now() - start);
	/* The bound must be far below what an unlimited log would show. */
	EXPECT_LT(log_bound(now() - start), FLOOD_RUNS / 4);
	TH_LOG("%d task switches, %d lines logged in %.1f s", FLOOD_RUNS,
	       after - before, now() - start);
}

/*
 * A read of a memslot page the VMM's process has no access to: KVM_RUN
 * fails with EFAULT and minivisor logs the address.
 */
TEST_F_TIMEOUT(flood, unreadable_memslot, 600)
{
	const char *needle = "process memory at";
	const uint64_t gpa = 0x10000000;
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = gpa, .memory_size = SZ_4K,
	};
	struct kvm_regs regs;
	char line[256];
	int before, after;
	double start;
	void *page;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host: no vCPU to run a guest on");
	page = mmap(NULL, SZ_4K, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	region.userspace_addr = (uintptr_t)page;
	ASSERT_EQ(0, ioctl(self->vmm.vm, KVM_SET_USER_MEMORY_REGION, &region));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE, guest_read,
			      guest_read_end));
	ASSERT_EQ(0, vmm_get_regs(&self->vmm, &regs));
	regs.rdi = gpa;
	ASSERT_EQ(0, vmm_set_regs(&self->vmm, &regs));

	fresh_interval();
	before = mv_kernel_log_last(needle, line, sizeof(line));
	ASSERT_GE(before, 0);
	start = now();
	for (int i = 0; i < FLOOD_RUNS; i++)
		ASSERT_EQ(-EFAULT, vmm_run(&self->vmm));
	after = mv_kernel_log_last(needle, line, sizeof(line));
	EXPECT_GE(after - before, 1) TH_LOG("no line: is the test looking for the right one?");
	EXPECT_LE(after - before, log_bound(now() - start))
		TH_LOG("%d lines in %.1f s", after - before, now() - start);
	EXPECT_LT(log_bound(now() - start), FLOOD_RUNS / 4);
	TH_LOG("%d faults, %d lines logged in %.1f s", FLOOD_RUNS,
	       after - before, now() - start);

	/* Readable now: the same read completes. */
	ASSERT_EQ(0, mprotect(page, SZ_4K, PROT_READ));
	EXPECT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	munmap(page, SZ_4K);
}

TEST_HARNESS_MAIN
