/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend interface: what the generic hypervisor asks of a vendor's
 * hardware virtualization. The generic layer (dev.c, vm.c, vcpu.c, run.h,
 * netlink.c) knows VMs, vCPUs and the KVM API; a backend knows one
 * vendor's way to run a guest: VT-x with its VMCS and EPT (vmx/), and
 * next AMD-V with its VMCB and nested paging. The shape is bhyve's struct
 * vmm_ops and KVM's kvm_x86_ops: one table of operations per vendor,
 * chosen when the module loads.
 *
 * A backend's vCPU wraps the generic one (struct mv_vcpu is its first
 * member), so the two are one allocation and the backend finds its part
 * with container_of.
 *
 * KVM_RUN's loop is generic (run.h); the backend's run wraps it around its
 * own stay in the guest, so that the loop costs no call per exit. The
 * three operations every KVM_RUN ioctl calls, vcpu_load, run and
 * vcpu_put, go through static calls: direct calls, patched when the
 * backend is chosen. Through the table they would be indirect calls,
 * which a kernel with retpolines makes some six instructions longer each:
 * a round trip to userspace for port I/O would cost 1% more.
 */
#ifndef MV_BACKEND_H
#define MV_BACKEND_H

#include <linux/kvm.h>
#include <linux/static_call_types.h>
#include <linux/types.h>

struct mv_ept;
struct mv_table_spares;
struct mv_vcpu;
struct mv_vm;
struct page;

struct mv_backend {
	const char *name;		/* "VT-x" */
	const char *features;		/* what it uses, for the load message */
	size_t vcpu_size;		/* its vCPU, the generic one first */

	/* Module load and unload; probe says what is missing, or NULL. */
	const char *(*probe)(void);
	int (*setup)(void);
	void (*teardown)(void);

	/* Virtualization on every CPU, held while any VM has vCPUs. */
	int (*enable)(void);
	void (*disable)(void);

	/*
	 * vCPUs: the generic layer allocates vcpu_size bytes, zeroed, and
	 * fills in the generic part; vcpu_create then makes the processor
	 * state, as after RESET (0 or -errno, having undone its work), and
	 * vcpu_destroy undoes it. load and put bracket every vCPU ioctl on
	 * the calling thread.
	 */
	int (*vcpu_create)(struct mv_vcpu *vcpu);
	void (*vcpu_destroy)(struct mv_vcpu *vcpu);
	void (*vcpu_load)(struct mv_vcpu *vcpu);
	void (*vcpu_put)(struct mv_vcpu *vcpu);

	/*
	 * The vCPU, loaded, takes an INIT (its processor state as INIT
	 * leaves it), or a start-up IPI (it starts in real mode at vector
	 * times 4 KiB): the local APIC's doing (mp_state.c).
	 */
	void (*vcpu_init)(struct mv_vcpu *vcpu);
	void (*vcpu_sipi)(struct mv_vcpu *vcpu, u8 vector);

	/*
	 * KVM_RUN, with the vCPU loaded: finish what the last exit left to
	 * userspace, run mv_run_loop() (run.h) around the backend's stay in
	 * the guest, and report the vCPU's state in vcpu->run. Returns 0
	 * with vcpu->run's exit filled in, or -errno.
	 */
	int (*run)(struct mv_vcpu *vcpu);

	/* Registers, as the KVM ioctls of the same names carry them. */
	void (*get_regs)(struct mv_vcpu *vcpu, struct kvm_regs *regs);
	void (*set_regs)(struct mv_vcpu *vcpu, const struct kvm_regs *regs);
	void (*get_sregs)(struct mv_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct mv_vcpu *vcpu, const struct kvm_sregs *sregs);
	int (*get_msr)(struct mv_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct mv_vcpu *vcpu, u32 index, u64 data);

	/* System ioctls: KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST. */
	int (*supported_cpuid)(struct kvm_cpuid2 __user *user);
	int (*msr_index_list)(struct kvm_msr_list __user *user);

	/*
	 * The second-level page tables, one set per VM in vm->tables (on
	 * VT-x the EPT, ept/). Guest memory (memory/) creates and fills them
	 * through these and nothing else; all but create and destroy are
	 * called with vm->memory.lock held. map takes a guest page (4 KiB,
	 * or with huge the 2 MiB it starts) and the caller's reference on
	 * it; map_device maps device memory uncacheable; both take their
	 * tables from spares. unmap and write_protect walk only the tables
	 * that exist; with may_block, unmap drops the lock now and then to
	 * reschedule. usage counts the pages mapped of each size.
	 */
	int (*tables_create)(struct mv_vm *vm);
	void (*tables_destroy)(struct mv_vm *vm);
	int (*map)(struct mv_vm *vm, struct mv_table_spares *spares, u64 gfn,
		   struct page *page, bool writable, bool huge);
	void (*unmap)(struct mv_vm *vm, u64 gfn, u64 npages, bool may_block);
	void (*write_protect)(struct mv_vm *vm, u64 gfn, u64 npages,
			      const unsigned long *which);
	int (*map_device)(struct mv_vm *vm, struct mv_table_spares *spares,
			  u64 gfn, u64 pfn, u64 npages);
	void (*unmap_device)(struct mv_vm *vm, u64 gfn, u64 npages);
	void (*tables_usage)(struct mv_vm *vm, u64 *mapped_4k, u64 *mapped_2m);

	/*
	 * Make every CPU forget the translations it caches through one
	 * VM's tables (INVEPT on VT-x), for the tables' own code.
	 */
	void (*flush_tlbs)(const struct mv_ept *ept);

	/* Exit statistics: the backend's exit reasons, and their names. */
	unsigned int nr_exit_reasons;
	const char *(*exit_name)(u32 reason);
};

/* The backend this host uses, or NULL when it has none (main.c). */
extern const struct mv_backend *mv_backend;

DECLARE_STATIC_CALL(mv_backend_vcpu_load,
		    *((struct mv_backend *)NULL)->vcpu_load);
DECLARE_STATIC_CALL(mv_backend_run, *((struct mv_backend *)NULL)->run);
DECLARE_STATIC_CALL(mv_backend_vcpu_put,
		    *((struct mv_backend *)NULL)->vcpu_put);

/* The backends, each probed in turn when the module loads. */
extern const struct mv_backend mv_vmx_backend;

#endif /* MV_BACKEND_H */
