// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "fuzz_uapi": random sequences of ioctls on /dev/minivisor, its VM
 * and its vCPU file descriptors, and nothing of them may take the host
 * down: every call returns (no hang), with a result or one of the errnos
 * a KVM client can meet, the module still serves a VM afterwards, and
 * once everything is closed nothing holds it (rmmod succeeds). The runner
 * fails the host on any WARN, BUG or oops in the kernel log.
 *
 * Every ioctl minivisor implements is called (module/dev.c, vm.c and
 * vcpu.c), on the right kind of descriptor and on the others, and so are
 * KVM ioctls it does not implement and numbers nobody knows. Arguments
 * are scalars at the edges of their ranges, NULL, unmapped, kernel and
 * non-canonical pointers, misaligned pointers, inaccessible memory, structures that end where
 * memory does, random bytes, and plausible structures with a few fields
 * gone wrong. Between calls the fuzzer opens the device, creates VMs and
 * vCPUs, maps and unmaps kvm_run, closes descriptors and calls them
 * again closed, and forks: the child's calls on the VMs and vCPUs it
 * inherited fail with EIO.
 *
 * KVM_RUN is bounded by a timer that signals the calling thread (EINTR),
 * and the fuzzer keeps that signal out of every KVM_SET_SIGNAL_MASK.
 *
 * The seed is printed by every test: MV_FUZZ_SEED repeats a run (the
 * one-thread tests exactly), MV_FUZZ_CALLS sets how many calls all the
 * tests make together: by default 20,000 on a host without VT-x (no vCPUs,
 * fast) and 2,000 with VT-x (Bochs: slow, and vCPUs run).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "fuzz_rand.h"
#include "mv_test.h"

#define CALLS_WITHOUT_VTX	20000
#define CALLS_WITH_VTX		2000
/* Each test stops after this long, whatever its count. */
#define TEST_SECONDS		240

/* The descriptors the fuzzer keeps open at most. */
#define MAX_FDS			40
/* Closed descriptor numbers remembered, to call them again. */
#define MAX_CLOSED		16
/* kvm_run mappings kept until the end of a test with several threads. */
#define MAX_ORPHANS		2048
#define THREADS			4

/* The memory memslots point into, and the scratch page(s) arguments use. */
#define GUEST_MEM_SIZE		(16UL << 20)
#define SCRATCH_SIZE		(64UL << 10)

/* KVM_RUN is interrupted after this long. */
#define RUN_BOUND_NS		(20 * 1000 * 1000)
#define WATCHDOG_SIGNAL		SIGUSR1

enum fd_kind { FD_DEV, FD_VM, FD_VCPU, NR_KINDS };

struct fuzz_fd {
	int fd;
	enum fd_kind kind;
	struct kvm_run *run;	/* a vCPU's mapping, or NULL */
};

/* What all the threads of a test share. */
struct fuzz {
	pthread_mutex_t lock;
	struct fuzz_fd fds[MAX_FDS];
	int nr_fds;
	int closed[MAX_CLOSED];
	int nr_closed;
	void *orphans[MAX_ORPHANS];
	int nr_orphans;
	bool threaded;		/* unmap nothing another thread may use */
	bool vtx;
	size_t run_size;

	uint8_t *guest_mem;
	/* SCRATCH_SIZE bytes, then a PROT_NONE page: overruns fault. */
	uint8_t *scratch;
	/* A page, then a PROT_NONE page. */
	uint8_t *straddle;
	void *unmapped;		/* a PROT_NONE page */
	int eventfds[2];	/* for KVM_IRQFD and KVM_IOEVENTFD */

	uint64_t seed;
	long calls_left;
	struct timespec deadline;

	atomic_long calls, runs, forks, child_eio, errnos[134];
	atomic_long longest_ns;
	atomic_int bad;
	char why[256];		/* the first unexpected result */
};

/* ---------------------------------------------------------------------- */
/* The ioctls */

struct ioctl_desc {
	unsigned long nr;
	const char *name;
};

#define IOCTL(nr) { nr, #nr }

static const struct ioctl_desc dev_ioctls[] = {
	IOCTL(KVM_GET_API_VERSION), IOCTL(KVM_CREATE_VM),
	IOCTL(KVM_CHECK_EXTENSION), IOCTL(KVM_GET_VCPU_MMAP_SIZE),
	IOCTL(KVM_GET_SUPPORTED_CPUID), IOCTL(KVM_GET_MSR_INDEX_LIST),
};

static const struct ioctl_desc vm_ioctls[] = {
	IOCTL(KVM_CREATE_VCPU), IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(KVM_GET_DIRTY_LOG), IOCTL(KVM_CLEAR_DIRTY_LOG),
	IOCTL(KVM_ENABLE_CAP), IOCTL(KVM_SET_TSS_ADDR), IOCTL(KVM_SET_GSI_ROUTING),
	IOCTL(KVM_SIGNAL_MSI), IOCTL(KVM_IRQ_LINE), IOCTL(KVM_IRQ_LINE_STATUS),
	IOCTL(KVM_IRQFD), IOCTL(KVM_IOEVENTFD),
	/* minivisor's own: no function is claimed, so none can be assigned */
	IOCTL(MINIVISOR_ASSIGN_PCI), IOCTL(MINIVISOR_DEASSIGN_PCI),
	IOCTL(MINIVISOR_PCI_CONFIG_READ), IOCTL(MINIVISOR_PCI_CONFIG_WRITE),
	IOCTL(MINIVISOR_SET_PCI_IRQS),
};

static const struct ioctl_desc vcpu_ioctls[] = {
	IOCTL(KVM_RUN), IOCTL(KVM_SET_SIGNAL_MASK),
	IOCTL(KVM_GET_FPU), IOCTL(KVM_SET_FPU),
	IOCTL(KVM_GET_REGS), IOCTL(KVM_SET_REGS),
	IOCTL(KVM_GET_SREGS), IOCTL(KVM_SET_SREGS),
	IOCTL(KVM_GET_MSRS), IOCTL(KVM_SET_MSRS),
	IOCTL(KVM_SET_CPUID2), IOCTL(KVM_GET_CPUID2),
	IOCTL(KVM_INTERRUPT),
	IOCTL(KVM_GET_MP_STATE), IOCTL(KVM_SET_MP_STATE),
	IOCTL(KVM_GET_LAPIC), IOCTL(KVM_SET_LAPIC),
};

/* KVM's, not (yet) minivisor's: they must fail cleanly. */
static const struct ioctl_desc kvm_only_ioctls[] = {
	IOCTL(KVM_CREATE_IRQCHIP),
	IOCTL(KVM_SET_IDENTITY_MAP_ADDR), IOCTL(KVM_GET_CLOCK),
	IOCTL(KVM_GET_VCPU_EVENTS),
	IOCTL(KVM_SET_VCPU_EVENTS),
	IOCTL(KVM_SET_GUEST_DEBUG), IOCTL(KVM_TRANSLATE), IOCTL(KVM_GET_XSAVE),
	IOCTL(KVM_GET_XCRS), IOCTL(KVM_GET_DEBUGREGS), IOCTL(KVM_NMI),
	IOCTL(KVM_CHECK_EXTENSION), IOCTL(KVM_GET_STATS_FD),
};

static const struct {
	const struct ioctl_desc *list;
	size_t count;
} by_kind[NR_KINDS] = {
	[FD_DEV] = { dev_ioctls, ARRAY_SIZE(dev_ioctls) },
	[FD_VM] = { vm_ioctls, ARRAY_SIZE(vm_ioctls) },
	[FD_VCPU] = { vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls) },
};

static const struct ioctl_desc *pick_from(struct fuzz_rand *r,
					  const struct ioctl_desc *list,
					  size_t count)
{
	return &list[fuzz_below(r, count)];
}

/*
 * Mostly one of the kind's own ioctls; else another kind's, one only KVM
 * has, or an unknown number (KVM's type with any direction, number and
 * size, or any 32 bits).
 */
static unsigned long pick_ioctl(struct fuzz_rand *r, enum fd_kind kind,
				const char **name)
{
	unsigned int roll = fuzz_below(r, 100);
	const struct ioctl_desc *desc;

	if (roll < 70) {
		desc = pick_from(r, by_kind[kind].list, by_kind[kind].count);
	} else if (roll < 85) {
		kind = fuzz_below(r, NR_KINDS);
		desc = pick_from(r, by_kind[kind].list, by_kind[kind].count);
	} else if (roll < 93) {
		desc = pick_from(r, kvm_only_ioctls, ARRAY_SIZE(kvm_only_ioctls));
	} else {
		*name = "unknown";
		if (fuzz_percent(r, 50))
			return (uint32_t)fuzz_next(r);
		return _IOC(fuzz_below(r, 4), KVMIO, fuzz_below(r, 256),
			    fuzz_below(r, _IOC_SIZEMASK + 1));
	}
	*name = desc->name;
	return desc->nr;
}

/* ---------------------------------------------------------------------- */
/* The arguments */

/*
 * Pointers no process can use: the kernel's, non-canonical ones, and the
 * last (NR_OUTSIDE_USER of them are not user addresses) a user address
 * below anything mapped.
 */
static const uint64_t kernel_pointers[] = {
	0xffff888000000000, 0xffffffff81000000, 0xffffffffff600000,
	0xffffc90000000000, 0xfffffffffffffff8, 0x0000800000000000,
	0x8000000000000000, 0x8,
};
#define NR_OUTSIDE_USER	7

/* The MSRs a VMM or a guest would touch, and some nobody has. */
static const uint32_t msr_indices[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x8b, 0x174, 0x175, 0x176, 0x1d9, 0x277,
	0x480, 0x481, 0x48d, 0x491, 0x6e0, 0x800, 0x802, 0x80b, 0x80f, 0x830,
	0x838, 0x83f, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101,
	0xc0000102, 0xc0000103, 0x40000000, 0x4b564d00, 0xffffffff,
};

static const uint32_t cpuid_functions[] = {
	0, 1, 2, 4, 6, 7, 0xb, 0xd, 0x14, 0x1f, 0x40000000, 0x80000000,
	0x80000001, 0x80000008, 0xffffffff,
};

/*
 * Where in the scratch area to build an argument of size bytes: mostly
 * well inside, sometimes ending right at the PROT_NONE page, so that a
 * kernel reading or writing more than size bytes faults; sometimes
 * misaligned.
 */
static uint8_t *scratch_at(struct fuzz *f, struct fuzz_rand *r, size_t size)
{
	size_t misalign = fuzz_percent(r, 10) ? 1 + fuzz_below(r, 7) : 0;

	if (fuzz_percent(r, 10))
		return f->scratch + SCRATCH_SIZE - size - misalign;
	return f->scratch + fuzz_below(r, 64) * 8 + misalign;
}

/*
 * An address in guest memory, where memslots point: a page (or a 2 MiB
 * page) of it, sometimes misaligned; or one outside user space, or an
 * unmapped page. size is clamped so that a slot never reaches user
 * memory past these: a guest must not write into the rest of this
 * process.
 */
static uint64_t slot_memory(struct fuzz *f, struct fuzz_rand *r,
			    __u64 *size)
{
	uint64_t offset;

	switch (fuzz_below(r, 10)) {
	case 0:
		return kernel_pointers[fuzz_below(r, NR_OUTSIDE_USER)];
	case 1:
		if (*size > 4096)
			*size = 4096;
		return (uintptr_t)f->unmapped;
	default:
		offset = fuzz_percent(r, 50) ? fuzz_below(r, 8) << 21 :
			 fuzz_below(r, GUEST_MEM_SIZE >> 12) << 12;
		if (fuzz_percent(r, 5))
			offset += 1 + fuzz_below(r, 0xfff);
		if (offset >= GUEST_MEM_SIZE)
			offset = 0;
		if (*size > GUEST_MEM_SIZE - offset)
			*size = (GUEST_MEM_SIZE - offset) & ~0xfffULL;
		return (uintptr_t)f->guest_mem + offset;
	}
}

static uint64_t slot_size(struct fuzz_rand *r)
{
	switch (fuzz_below(r, 6)) {
	case 0:
		return 0;			/* delete */
	case 1:
		return 2UL << 20;
	case 2:
		return fuzz_boundary(r);
	default:
		return (1 + fuzz_below(r, 512)) << 12;
	}
}

static uint64_t guest_address(struct fuzz_rand *r)
{
	switch (fuzz_below(r, 4)) {
	case 0:
		return fuzz_boundary(r) & ~0xfffULL;
	case 1:
		return fuzz_boundary(r);
	default:
		return fuzz_below(r, 64) << 21 | fuzz_below(r, 4) << 12;
	}
}

static uint32_t slot_number(struct fuzz_rand *r)
{
	if (fuzz_percent(r, 80))
		return fuzz_below(r, 34);
	return fuzz_percent(r, 50) ? fuzz_below(r, 4) << 16 | fuzz_below(r, 34) :
				     (uint32_t)fuzz_boundary(r);
}

/* KVM_ENABLE_CAP's capabilities: minivisor's, and one nobody has. */
static const uint32_t enable_caps[] = {
	KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_EXIT_HYPERCALL,
	0xffffffff,
};

/* A count for a table: mostly small, sometimes at or past any limit. */
static uint32_t table_count(struct fuzz_rand *r)
{
	return fuzz_percent(r, 70) ? fuzz_below(r, 4) : (uint32_t)fuzz_boundary(r);
}

/* The largest structure plausible() builds: struct kvm_lapic_state. */
#define PLAUSIBLE_MAX	sizeof(struct kvm_lapic_state)

/*
 * A plausible argument for ioctl nr, built in the scratch area: the
 * structure the ioctl takes, with fields drawn from what a VMM would
 * pass and from the edges of their ranges.
 */
static unsigned long plausible(struct fuzz *f, struct fuzz_rand *r,
			       unsigned long nr)
{
	uint8_t *p = scratch_at(f, r, PLAUSIBLE_MAX);

	fuzz_fill(r, p, PLAUSIBLE_MAX);
	switch (nr) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region region = {
			.slot = slot_number(r),
			.flags = fuzz_percent(r, 80) ? fuzz_below(r, 4) :
				 (uint32_t)fuzz_boundary(r),
			.guest_phys_addr = guest_address(r),
			.memory_size = slot_size(r),
		};

		region.userspace_addr = slot_memory(f, r, &region.memory_size);
		memcpy(p, &region, sizeof(region));
		break;
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log = {
			.slot = slot_number(r),
			.dirty_bitmap = fuzz_percent(r, 80) ?
				scratch_at(f, r, 1024) :
				(void *)(uintptr_t)kernel_pointers[fuzz_below(r,
					ARRAY_SIZE(kernel_pointers))],
		};

		memcpy(p, &log, sizeof(log));
		break;
	}
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log = {
			.slot = slot_number(r),
			.first_page = fuzz_percent(r, 70) ? fuzz_below(r, 8) * 64 :
				      fuzz_boundary(r),
			.num_pages = fuzz_percent(r, 70) ? fuzz_below(r, 9) * 64 :
				     (uint32_t)fuzz_boundary(r),
			.dirty_bitmap = scratch_at(f, r, 1024),
		};

		memcpy(p, &log, sizeof(log));
		break;
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap = {
			.cap = enable_caps[fuzz_below(r, ARRAY_SIZE(enable_caps))],
			.flags = fuzz_percent(r, 80) ? 0 : (uint32_t)fuzz_boundary(r),
			.args[0] = fuzz_percent(r, 70) ? fuzz_below(r, 4) :
				   fuzz_boundary(r),
		};

		if (cap.cap == KVM_CAP_SPLIT_IRQCHIP && fuzz_percent(r, 50))
			cap.args[0] = 24;
		memcpy(p, &cap, sizeof(cap));
		break;
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi = {
			.address_lo = 0xfee00000 | fuzz_below(r, 4) << 12 |
				      fuzz_below(r, 2) << 2,
			.data = fuzz_percent(r, 70) ? fuzz_below(r, 0x800) :
				(uint32_t)fuzz_boundary(r),
			.flags = fuzz_percent(r, 90) ? 0 : (uint32_t)fuzz_boundary(r),
		};

		if (fuzz_percent(r, 10))
			msi.address_lo = fuzz_boundary(r);
		memcpy(p, &msi, sizeof(msi));
		break;
	}
	case KVM_SET_GSI_ROUTING: {
		struct kvm_irq_routing *table = (void *)p;

		table->nr = table_count(r);
		table->flags = fuzz_percent(r, 90) ? 0 : (uint32_t)fuzz_boundary(r);
		for (int i = 0; i < 4; i++) {
			struct kvm_irq_routing_entry *entry = &table->entries[i];

			entry->gsi = fuzz_percent(r, 80) ? fuzz_below(r, 32) :
				     (uint32_t)fuzz_boundary(r);
			entry->type = fuzz_percent(r, 80) ? KVM_IRQ_ROUTING_MSI :
				      fuzz_below(r, 8);
			entry->flags = fuzz_percent(r, 80) ? 0 : fuzz_below(r, 4);
			if (fuzz_percent(r, 70))
				entry->u.msi.address_lo = 0xfee00000 |
							  fuzz_below(r, 4) << 12;
		}
		break;
	}
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS: {
		struct kvm_irq_level line = {
			.irq = fuzz_percent(r, 80) ? fuzz_below(r, 32) :
			       (uint32_t)fuzz_boundary(r),
			.level = fuzz_percent(r, 80) ? fuzz_below(r, 2) :
				 (uint32_t)fuzz_boundary(r),
		};

		memcpy(p, &line, sizeof(line));
		break;
	}
	case KVM_IRQFD: {
		struct kvm_irqfd args = {
			.gsi = fuzz_percent(r, 80) ? fuzz_below(r, 32) :
			       (uint32_t)fuzz_boundary(r),
			.flags = fuzz_percent(r, 80) ? fuzz_below(r, 2) :
				 (uint32_t)fuzz_boundary(r),
		};
		/* One of the eventfds mostly, or whatever has that number. */
		args.fd = fuzz_percent(r, 80) ? f->eventfds[fuzz_below(r, 2)] :
			  (int)fuzz_below(r, 40) - 1;
		memcpy(p, &args, sizeof(args));
		/* An irqfd bound before raises its GSI. */
		if (fuzz_percent(r, 50))
			eventfd_write(f->eventfds[fuzz_below(r, 2)], 1);
		break;
	}
	case KVM_IOEVENTFD: {
		/* A few doorbells, so that registrations meet and collide. */
		static const uint32_t lengths[] = { 0, 1, 2, 4, 8 };
		struct kvm_ioeventfd io = {
			.datamatch = fuzz_below(r, 3),
			.addr = fuzz_percent(r, 80) ? 0xd0000000 + fuzz_below(r, 4) :
				fuzz_boundary(r),
			.len = fuzz_percent(r, 90) ?
			       lengths[fuzz_below(r, ARRAY_SIZE(lengths))] :
			       (uint32_t)fuzz_boundary(r),
			.fd = fuzz_percent(r, 90) ? f->eventfds[fuzz_below(r, 2)] :
			      (int)fuzz_boundary(r),
			.flags = fuzz_percent(r, 90) ? fuzz_below(r, 16) :
				 (uint32_t)fuzz_boundary(r),
		};

		memcpy(p, &io, sizeof(io));
		break;
	}
	case KVM_SET_LAPIC: {
		/* Random registers, but often a software-enabled APIC. */
		uint32_t svr = 0x1ff;

		if (fuzz_percent(r, 50))
			memcpy(p + 0xf0, &svr, sizeof(svr));
		break;
	}
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_SET_CPUID2:
	case KVM_GET_CPUID2: {
		struct kvm_cpuid2 *cpuid = (void *)p;

		cpuid->nent = table_count(r);
		for (int i = 0; i < 4; i++) {
			fuzz_fill(r, &cpuid->entries[i], sizeof(cpuid->entries[i]));
			cpuid->entries[i].function = cpuid_functions[fuzz_below(r,
				ARRAY_SIZE(cpuid_functions))];
			cpuid->entries[i].index = fuzz_below(r, 3);
			cpuid->entries[i].flags = fuzz_below(r, 8);
		}
		break;
	}
	case KVM_GET_MSR_INDEX_LIST: {
		struct kvm_msr_list *list = (void *)p;

		list->nmsrs = fuzz_percent(r, 50) ? fuzz_below(r, 64) :
			      (uint32_t)fuzz_boundary(r);
		break;
	}
	case KVM_GET_MSRS:
	case KVM_SET_MSRS: {
		struct kvm_msrs *msrs = (void *)p;

		msrs->nmsrs = table_count(r);
		msrs->pad = 0;
		for (int i = 0; i < 4; i++) {
			msrs->entries[i].index = msr_indices[fuzz_below(r,
				ARRAY_SIZE(msr_indices))];
			msrs->entries[i].data = fuzz_boundary(r);
		}
		break;
	}
	case KVM_INTERRUPT:
	case KVM_SET_MP_STATE:
		*(uint32_t *)p = fuzz_percent(r, 70) ? fuzz_below(r, 300) :
				 (uint32_t)fuzz_boundary(r);
		break;
	case KVM_SET_SIGNAL_MASK: {
		struct kvm_signal_mask *mask = (void *)p;

		mask->len = fuzz_percent(r, 80) ? 8 : (uint32_t)fuzz_boundary(r);
		break;
	}
	case KVM_GET_API_VERSION:
	case KVM_GET_VCPU_MMAP_SIZE:
	case KVM_RUN:
	case KVM_CREATE_VM:
		return fuzz_percent(r, 90) ? 0 : fuzz_boundary(r);
	case KVM_CHECK_EXTENSION:
		return fuzz_percent(r, 80) ? fuzz_below(r, 240) : fuzz_boundary(r);
	case KVM_CREATE_VCPU:
		return fuzz_percent(r, 80) ? fuzz_below(r, 18) : fuzz_boundary(r);
	default:	/* the register structures: random bytes will do */
		break;
	}
	return (uintptr_t)p;
}

static unsigned long pick_arg(struct fuzz *f, struct fuzz_rand *r,
			      unsigned long nr)
{
	size_t readable;

	switch (fuzz_below(r, 10)) {
	case 0:
		return fuzz_boundary(r);
	case 1:
		return 0;
	case 2:
		return fuzz_percent(r, 50) ? (uintptr_t)f->unmapped :
		       kernel_pointers[fuzz_below(r, ARRAY_SIZE(kernel_pointers))];
	case 3: {
		/* Random bytes, misaligned or not. */
		uint8_t *p = scratch_at(f, r, 4096);

		fuzz_fill(r, p, 4096);
		return (uintptr_t)p;
	}
	case 4:
		/* Its first bytes readable, the rest faults. */
		readable = fuzz_below(r, 520);
		fuzz_fill(r, f->straddle + 4096 - readable, readable);
		return (uintptr_t)(f->straddle + 4096 - readable);
	default:
		return plausible(f, r, nr);
	}
}

/*
 * The watchdog signal must reach a thread in KVM_RUN: take it out of
 * any mask KVM_SET_SIGNAL_MASK may read here.
 */
static void spare_watchdog(struct fuzz *f, unsigned long arg)
{
	const unsigned int bit = WATCHDOG_SIGNAL - 1;
	uint8_t *byte = (uint8_t *)arg + offsetof(struct kvm_signal_mask, sigset) +
			bit / 8;
	bool in_scratch = byte >= f->scratch && byte < f->scratch + SCRATCH_SIZE;
	bool in_straddle = byte >= f->straddle && byte < f->straddle + 4096;

	if (in_scratch || in_straddle)
		*byte &= ~(1U << (bit % 8));
}

/* ---------------------------------------------------------------------- */
/* Bookkeeping */

static long ns_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000000L +
	       (now.tv_nsec - start->tv_nsec);
}

static void note_bad(struct fuzz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_bad(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&f->bad, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

/* What any ioctl here may fail with; anything else is a finding. */
static bool errno_expected(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case EBADF: case EIO:
	case EEXIST: case E2BIG: case ENOMEM: case EOPNOTSUPP: case EINTR:
	case ENOENT: case ENXIO: case EBUSY: case ENOSPC: case EAGAIN:
	case EMFILE: case EPERM: case ENODEV:
		return true;
	default:
		return false;
	}
}

/* Called with the lock held. */
static bool fd_in_table(struct fuzz *f, int fd)
{
	for (int i = 0; i < f->nr_fds; i++)
		if (f->fds[i].fd == fd)
			return true;
	return false;
}

/* Called with the lock held: a new descriptor to fuzz, or closed now. */
static void add_fd(struct fuzz *f, int fd, enum fd_kind kind)
{
	struct kvm_run *run = NULL;

	if (f->nr_fds == MAX_FDS) {
		close(fd);
		return;
	}
	if (kind == FD_VCPU) {
		run = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (run == MAP_FAILED) {
			note_bad(f, "mmap of a new vCPU's kvm_run: %s",
				 strerror(errno));
			run = NULL;
		}
	}
	f->fds[f->nr_fds++] = (struct fuzz_fd){ .fd = fd, .kind = kind,
						.run = run };
}

/*
 * Called with the lock held. With several threads, kvm_run mappings stay
 * until the test ends: another thread may be about to write to one.
 */
static void remove_fd(struct fuzz *f, int index, struct fuzz_rand *r)
{
	struct fuzz_fd gone = f->fds[index];
	bool unmap_first = fuzz_percent(r, 50);

	f->fds[index] = f->fds[--f->nr_fds];
	if (gone.run && f->threaded && f->nr_orphans < MAX_ORPHANS) {
		f->orphans[f->nr_orphans++] = gone.run;
		gone.run = NULL;
	}
	if (gone.run && unmap_first)
		munmap(gone.run, f->run_size);
	close(gone.fd);
	if (gone.run && !unmap_first)
		munmap(gone.run, f->run_size);
	if (f->nr_closed < MAX_CLOSED)
		f->closed[f->nr_closed++] = gone.fd;
	else
		f->closed[fuzz_below(r, MAX_CLOSED)] = gone.fd;
}

/* ---------------------------------------------------------------------- */
/* The operations */

/* One thread's KVM_RUN watchdog: a timer signalling this thread. */
struct watchdog {
	timer_t timer;
};

static void on_watchdog(int sig)
{
	(void)sig;
}

static int watchdog_init(struct watchdog *w)
{
	struct sigevent event = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = WATCHDOG_SIGNAL,
	};

	event._sigev_un._tid = gettid();	/* sigev_notify_thread_id */
	return timer_create(CLOCK_MONOTONIC, &event, &w->timer);
}

static void watchdog_arm(struct watchdog *w, long ns)
{
	struct itimerspec when = { .it_value.tv_nsec = ns };

	timer_settime(w->timer, 0, &when, NULL);
}

static void fuzz_ioctl(struct fuzz *f, struct fuzz_rand *r, struct watchdog *w)
{
	struct fuzz_fd target = { .fd = -1 };
	unsigned long nr, arg;
	struct timespec start;
	const char *name;
	long ret, took;
	bool creates;
	int err;

	pthread_mutex_lock(&f->lock);
	if (f->nr_fds)
		target = f->fds[fuzz_below(r, f->nr_fds)];
	pthread_mutex_unlock(&f->lock);
	if (target.fd < 0)
		return;

	nr = pick_ioctl(r, target.kind, &name);
	arg = pick_arg(f, r, nr);
	creates = nr == KVM_CREATE_VM || nr == KVM_CREATE_VCPU;
	if (nr == KVM_SET_SIGNAL_MASK)
		spare_watchdog(f, arg);
	if (nr == KVM_RUN && target.run) {
		target.run->immediate_exit = fuzz_percent(r, 30);
		target.run->request_interrupt_window = fuzz_percent(r, 20);
		target.run->cr8 = fuzz_percent(r, 90) ? 0 : fuzz_below(r, 20);
	}

	/*
	 * A call that makes a descriptor holds the lock until the table has
	 * it, so that fuzz_closed_fd() never takes its number for a closed
	 * one meanwhile.
	 */
	if (creates)
		pthread_mutex_lock(&f->lock);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (nr == KVM_RUN)
		watchdog_arm(w, RUN_BOUND_NS);
	ret = ioctl(target.fd, nr, arg);
	err = errno;
	if (nr == KVM_RUN) {
		watchdog_arm(w, 0);
		atomic_fetch_add(&f->runs, 1);
	}
	took = ns_since(&start);
	if (took > atomic_load(&f->longest_ns))
		atomic_store(&f->longest_ns, took);
	atomic_fetch_add(&f->calls, 1);

	if (ret < 0) {
		if (creates)
			pthread_mutex_unlock(&f->lock);
		atomic_fetch_add(&f->errnos[err < 134 ? err : 0], 1);
		if (!errno_expected(err))
			note_bad(f, "%s (%#lx) on fd %d (kind %d), arg %#lx: errno %d (%s)",
				 name, nr, target.fd, target.kind, arg, err,
				 strerror(err));
		return;
	}
	if (target.kind == FD_DEV && nr == KVM_GET_API_VERSION && !arg &&
	    ret != KVM_API_VERSION)
		note_bad(f, "KVM_GET_API_VERSION gave %ld", ret);
	if (target.kind == FD_DEV && nr == KVM_GET_VCPU_MMAP_SIZE && !arg &&
	    ret != (long)f->run_size)
		note_bad(f, "KVM_GET_VCPU_MMAP_SIZE gave %ld", ret);
	/* A new VM or vCPU, from the right kind of descriptor only. */
	if ((nr == KVM_CREATE_VM && target.kind == FD_DEV) ||
	    (nr == KVM_CREATE_VCPU && target.kind == FD_VM))
		add_fd(f, ret, nr == KVM_CREATE_VM ? FD_VM : FD_VCPU);
	else if (creates)
		close(ret);	/* the number was reused by another kind */
	if (creates)
		pthread_mutex_unlock(&f->lock);
}

/* Open the device, or make a VM or a vCPU, on purpose. */
static void fuzz_open(struct fuzz *f, struct fuzz_rand *r)
{
	int from = -1, fd;
	enum fd_kind kind;

	pthread_mutex_lock(&f->lock);
	kind = fuzz_below(r, NR_KINDS);
	for (int i = 0; kind != FD_DEV && i < f->nr_fds && from < 0; i++) {
		struct fuzz_fd *e = &f->fds[(i + fuzz_below(r, f->nr_fds)) %
					    f->nr_fds];

		if (e->kind == kind - 1)
			from = e->fd;
	}
	if (kind == FD_DEV)
		fd = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	else if (from < 0)
		fd = -1;
	else if (kind == FD_VM)
		fd = ioctl(from, KVM_CREATE_VM, 0);
	else
		fd = ioctl(from, KVM_CREATE_VCPU, fuzz_below(r, 17));
	if (fd >= 0)
		add_fd(f, fd, kind);
	pthread_mutex_unlock(&f->lock);
	atomic_fetch_add(&f->calls, 1);
}

static void fuzz_close(struct fuzz *f, struct fuzz_rand *r)
{
	pthread_mutex_lock(&f->lock);
	if (f->nr_fds)
		remove_fd(f, fuzz_below(r, f->nr_fds), r);
	pthread_mutex_unlock(&f->lock);
}

/* An ioctl on a descriptor closed before (and not reused): EBADF. */
static void fuzz_closed_fd(struct fuzz *f, struct fuzz_rand *r)
{
	int fd;

	pthread_mutex_lock(&f->lock);
	fd = f->nr_closed ? f->closed[fuzz_below(r, f->nr_closed)] : -1;
	if (!fd_in_table(f, fd) &&
	    ioctl(fd, pick_ioctl(r, fuzz_below(r, NR_KINDS), &(const char *){ 0 }),
		  0) != -1)
		note_bad(f, "an ioctl on closed fd %d succeeded", fd);
	else if (!fd_in_table(f, fd) && errno != EBADF)
		note_bad(f, "an ioctl on closed fd %d: errno %d, not EBADF",
			 fd, errno);
	pthread_mutex_unlock(&f->lock);
	atomic_fetch_add(&f->calls, 1);
}

/*
 * mmap() of any descriptor at any of the first pages, then a read of
 * what a vCPU offers there (kvm_run and the I/O page; others SIGBUS).
 */
static void fuzz_mmap(struct fuzz *f, struct fuzz_rand *r)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_EXEC, PROT_NONE,
	};
	struct fuzz_fd target = { .fd = -1 };
	size_t pages = 1 + fuzz_below(r, 4);
	off_t page = fuzz_below(r, 4);
	int prot = prots[fuzz_below(r, ARRAY_SIZE(prots))];
	uint8_t *map;

	pthread_mutex_lock(&f->lock);
	if (f->nr_fds)
		target = f->fds[fuzz_below(r, f->nr_fds)];
	pthread_mutex_unlock(&f->lock);
	if (target.fd < 0)
		return;

	map = mmap(NULL, pages * 4096, prot,
		   fuzz_percent(r, 80) ? MAP_SHARED : MAP_PRIVATE, target.fd,
		   page * 4096);
	atomic_fetch_add(&f->calls, 1);
	if (map == MAP_FAILED)
		return;
	for (size_t i = 0; target.kind == FD_VCPU && (prot & PROT_READ) &&
			   i < pages && page + i < 2; i++)
		(void)*(volatile uint8_t *)(map + i * 4096);
	munmap(map, pages * 4096);
}

/*
 * fork() with every descriptor open; in the child each VM and vCPU
 * ioctl fails with EIO (and the device still answers). The child
 * reports its count of other results in its exit status.
 */
static void fuzz_fork(struct fuzz *f, struct fuzz_rand *r)
{
	int status, eio = 0;
	pid_t child;

	pthread_mutex_lock(&f->lock);
	child = fork();
	if (child == 0) {
		int wrong = 0;

		for (int i = 0; i < f->nr_fds; i++) {
			struct fuzz_fd *e = &f->fds[i];
			const struct ioctl_desc *desc;

			if (e->kind == FD_DEV) {
				wrong += ioctl(e->fd, KVM_GET_API_VERSION, 0) !=
					 KVM_API_VERSION;
				continue;
			}
			desc = pick_from(r, by_kind[e->kind].list,
					 by_kind[e->kind].count);
			wrong += ioctl(e->fd, desc->nr, plausible(f, r, desc->nr))
				 != -1 || errno != EIO;
		}
		_exit(wrong > 100 ? 100 : wrong);
	}
	for (int i = 0; child > 0 && i < f->nr_fds; i++)
		eio += f->fds[i].kind != FD_DEV;
	pthread_mutex_unlock(&f->lock);
	if (child < 0) {
		note_bad(f, "fork: %s", strerror(errno));
		return;
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		note_bad(f, "forked child: status %#x: %d calls not as expected (EIO on VM and vCPU fds)",
			 status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return;
	}
	atomic_fetch_add(&f->forks, 1);
	atomic_fetch_add(&f->child_eio, eio);
	atomic_fetch_add(&f->calls, eio);
}

/* One thread's share of the calls, or until the deadline. */
struct worker {
	struct fuzz *f;
	uint64_t stream;
	long calls;
	unsigned int fork_percent;
};

static void *fuzz_worker(void *arg)
{
	struct worker *wk = arg;
	struct fuzz *f = wk->f;
	struct fuzz_rand r = fuzz_stream(f->seed, wk->stream);
	struct watchdog w;
	long done = atomic_load(&f->calls);

	if (watchdog_init(&w)) {
		note_bad(f, "timer_create: %s", strerror(errno));
		return NULL;
	}
	while (atomic_load(&f->calls) - done < wk->calls) {
		unsigned int roll = fuzz_below(&r, 100);
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= f->deadline.tv_sec)
			break;
		if (roll < wk->fork_percent)
			fuzz_fork(f, &r);
		else if (roll < 10)
			fuzz_open(f, &r);
		else if (roll < 14)
			fuzz_close(f, &r);
		else if (roll < 16)
			fuzz_closed_fd(f, &r);
		else if (roll < 19)
			fuzz_mmap(f, &r);
		else
			fuzz_ioctl(f, &r, &w);
	}
	timer_delete(w.timer);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The fixture */

FIXTURE(fuzz) {
	struct fuzz f;
	long total;		/* calls all the tests make together */
};

FIXTURE_SETUP(fuzz)
{
	struct sigaction action = { .sa_handler = on_watchdog };
	int dev, size, ret;

	memset(&self->f, 0, sizeof(self->f));
	pthread_mutex_init(&self->f.lock, NULL);
	self->f.vtx = mv_host_has_vtx();
	self->total = fuzz_env("MV_FUZZ_CALLS", self->f.vtx ? CALLS_WITH_VTX :
						   CALLS_WITHOUT_VTX);
	self->f.seed = fuzz_seed();
	ASSERT_EQ(0, sigaction(WATCHDOG_SIGNAL, &action, NULL));

	/* A test that crashed left it loaded: that test failed, not this. */
	ret = mv_module_load();
	ASSERT_TRUE(ret == 0 || ret == -EEXIST);
	dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LT(0, size);
	self->f.run_size = size;
	self->f.fds[self->f.nr_fds++] = (struct fuzz_fd){ .fd = dev,
							  .kind = FD_DEV };

	self->f.guest_mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.guest_mem);
	self->f.scratch = mmap(NULL, SCRATCH_SIZE + 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.scratch);
	ASSERT_EQ(0, mprotect(self->f.scratch + SCRATCH_SIZE, 4096, PROT_NONE));
	self->f.straddle = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.straddle);
	ASSERT_EQ(0, mprotect(self->f.straddle + 4096, 4096, PROT_NONE));
	/*
	 * Inaccessible, and reserved: an address merely unmapped could be
	 * given to a thread's stack later, and the kernel write there.
	 */
	self->f.unmapped = mmap(NULL, 4096, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.unmapped);
	for (int i = 0; i < 2; i++) {
		self->f.eventfds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_LE(0, self->f.eventfds[i]);
	}
}

/*
 * Everything the test opened is closed; then the module must still serve
 * (a VM with a memslot, and a vCPU on a VT-x host), and once that is gone
 * too, nothing may hold it: reference count 0, and rmmod succeeds.
 */
FIXTURE_TEARDOWN(fuzz)
{
	struct fuzz_rand r = fuzz_stream(0, 0);
	struct kvm_userspace_memory_region region = {
		.memory_size = 2UL << 20,
		.userspace_addr = (uintptr_t)self->f.guest_mem,
	};
	int dev, vm, vcpu = -1;

	self->f.threaded = false;
	while (self->f.nr_fds)
		remove_fd(&self->f, 0, &r);
	for (int i = 0; i < self->f.nr_orphans; i++)
		munmap(self->f.orphans[i], self->f.run_size);

	dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, dev);
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	EXPECT_LE(0, vm);
	EXPECT_EQ(0, ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region));
	if (self->f.vtx) {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		EXPECT_LE(0, vcpu);
		close(vcpu);
	}
	close(vm);
	close(dev);
	munmap(self->f.guest_mem, GUEST_MEM_SIZE);
	munmap(self->f.scratch, SCRATCH_SIZE + 4096);
	munmap(self->f.straddle, 2 * 4096);
	munmap(self->f.unmapped, 4096);
	close(self->f.eventfds[0]);
	close(self->f.eventfds[1]);

	EXPECT_EQ(0, mv_module_refcount("minivisor"));
	EXPECT_EQ(0, mv_module_unload());
}

static void report(struct __test_metadata *_metadata, struct fuzz *f,
		   const struct timespec *start)
{
	char text[512];
	int len = 0;

	for (int e = 0; e < 134; e++) {
		long n = atomic_load(&f->errnos[e]);

		if (n && len < (int)sizeof(text) - 32)
			len += snprintf(text + len, sizeof(text) - len, " %s:%ld",
					strerrorname_np(e) ?: "?", n);
	}
	TH_LOG("%ld calls (%ld KVM_RUN, %ld forks, %ld EIO in children) in %.1f s, longest %.1f ms; errnos:%s",
	       atomic_load(&f->calls), atomic_load(&f->runs),
	       atomic_load(&f->forks), atomic_load(&f->child_eio),
	       ns_since(start) / 1e9, atomic_load(&f->longest_ns) / 1e6, text);
	EXPECT_EQ(0, atomic_load(&f->bad)) {
		TH_LOG("%d unexpected results; the first: %s",
		       atomic_load(&f->bad), f->why);
	}
}

static void start(struct __test_metadata *_metadata, struct fuzz *f,
		  long calls, struct timespec *now)
{
	clock_gettime(CLOCK_MONOTONIC, now);
	f->deadline = *now;
	f->deadline.tv_sec += TEST_SECONDS;
	TH_LOG("seed %#llx (MV_FUZZ_SEED), %ld calls", (unsigned long long)f->seed,
	       calls);
}

/*
 * One thread, half of the calls: the sequence repeats exactly from the
 * seed. Forks now and then.
 */
TEST_F_TIMEOUT(fuzz, random_calls_on_one_thread_all_return, 600)
{
	struct worker wk = { .f = &self->f, .stream = 1,
			     .calls = self->total / 2, .fork_percent = 1 };
	struct timespec t;

	start(_metadata, &self->f, wk.calls, &t);
	fuzz_worker(&wk);
	report(_metadata, &self->f, &t);
}

/*
 * THREADS threads share every descriptor, 40% of the calls: one closes
 * what another is calling, maps, runs or forks with.
 */
TEST_F_TIMEOUT(fuzz, random_calls_on_threads_sharing_fds_all_return, 600)
{
	struct worker wk[THREADS];
	pthread_t threads[THREADS];
	struct timespec t;

	self->f.threaded = true;
	start(_metadata, &self->f, self->total * 2 / 5, &t);
	for (int i = 0; i < THREADS; i++) {
		wk[i] = (struct worker){ .f = &self->f, .stream = 2 + i,
					 .calls = self->total * 2 / 5,
					 .fork_percent = 1 };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fuzz_worker,
					    &wk[i]));
	}
	for (int i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
	report(_metadata, &self->f, &t);
}

/*
 * A tenth of the calls, with a fork after every few: each child finds
 * every inherited VM and vCPU answering EIO.
 */
TEST_F_TIMEOUT(fuzz, forked_children_get_eio_from_inherited_vms_and_vcpus, 600)
{
	struct worker wk = { .f = &self->f, .stream = 10,
			     .calls = self->total / 10, .fork_percent = 8 };
	struct timespec t;

	start(_metadata, &self->f, wk.calls, &t);
	fuzz_worker(&wk);
	report(_metadata, &self->f, &t);
	EXPECT_LT(0, atomic_load(&self->f.child_eio));
}

TEST_HARNESS_MAIN
