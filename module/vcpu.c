// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs and the ioctls on a vCPU file descriptor.
 *
 * Each vCPU shares two pages with userspace, mapped by mmap() on its file
 * descriptor at the offsets api.rst gives: struct kvm_run at page 0, where
 * KVM_RUN reports why the guest stopped, and at KVM_PIO_PAGE_OFFSET the
 * data of an I/O exit. The vCPU belongs to its VM: its file descriptor
 * holds a reference on the VM, and the VM frees its vCPUs when it goes.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include <linux/uaccess.h>

#include "backend.h"
#include "irq/pending.h"
#include "netlink.h"
#include "sriov/assign.h"
#include "vcpu.h"
#include "vm.h"
#include "x86/x86.h"

static vm_fault_t mv_vcpu_fault(struct vm_fault *vmf)
{
	struct mv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case 0:
		page = virt_to_page(vcpu->run);
		break;
	case KVM_PIO_PAGE_OFFSET:
		page = virt_to_page(vcpu->pio_data);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mv_vcpu_vm_ops = {
	.fault = mv_vcpu_fault,
};

static int mv_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &mv_vcpu_vm_ops;
	return 0;
}

/*
 * KVM_GET_MSRS and KVM_SET_MSRS: returns how many MSRs were done. All the
 * entries are read before any is applied, so a bad pointer changes
 * nothing.
 */
#define MV_MAX_MSRS_PER_CALL 256

static int mv_vcpu_msrs(struct mv_vcpu *vcpu, struct kvm_msrs __user *user,
			bool set)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs header;
	size_t bytes;
	u32 done;
	int ret;

	if (copy_from_user(&header, user, sizeof(header)))
		return -EFAULT;
	if (header.nmsrs >= MV_MAX_MSRS_PER_CALL)
		return -E2BIG;
	bytes = array_size(header.nmsrs, sizeof(*entries));
	entries = memdup_user(user->entries, bytes);
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	for (done = 0; done < header.nmsrs; done++) {
		struct kvm_msr_entry *entry = &entries[done];

		if (set ? mv_backend->set_msr(vcpu, entry->index, entry->data) :
			  mv_backend->get_msr(vcpu, entry->index, &entry->data))
			break;
	}
	ret = done;
	if (!set && copy_to_user(user->entries, entries, bytes))
		ret = -EFAULT;
	kfree(entries);
	return ret;
}

static int mv_vcpu_interrupt(struct mv_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	return mv_irq_queue_user(&vcpu->irqs, irq.irq);
}

/* KVM_SET_SIGNAL_MASK: NULL removes the mask. */
static int mv_vcpu_set_signal_mask(struct mv_vcpu *vcpu,
				   struct kvm_signal_mask __user *argp)
{
	struct kvm_signal_mask header;
	sigset_t sigmask;

	if (!argp) {
		vcpu->sigmask_active = false;
		return 0;
	}
	if (copy_from_user(&header, argp, sizeof(header)))
		return -EFAULT;
	if (header.len != sizeof(sigmask))
		return -EINVAL;
	if (copy_from_user(&sigmask, argp->sigset, sizeof(sigmask)))
		return -EFAULT;
	sigdelsetmask(&sigmask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigmask = sigmask;
	vcpu->sigmask_active = true;
	return 0;
}

/* A vCPU that cannot go on is news for the netlink "events" group. */
static void report_vcpu_stop(struct mv_vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		mv_netlink_vcpu_event(vcpu, MINIVISOR_EVENT_VCPU_SHUTDOWN);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		mv_netlink_vcpu_event(vcpu,
				      MINIVISOR_EVENT_VCPU_INTERNAL_ERROR);
		break;
	}
}

/* KVM_RUN, with the signal mask userspace asked for while it runs. */
static int mv_vcpu_run(struct mv_vcpu *vcpu)
{
	int ret;

	if (vcpu->sigmask_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigmask, &current->real_blocked);
	ret = static_call(mv_backend_run)(vcpu);
	if (vcpu->sigmask_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	WRITE_ONCE(vcpu->stats.user_exits, vcpu->stats.user_exits + 1);
	if (!ret)
		report_vcpu_stop(vcpu);
	return ret;
}

static int mv_vcpu_fpu_ioctl(struct mv_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp)
{
	struct kvm_fpu fpu;

	if (ioctl == KVM_GET_FPU) {
		mv_x86_get_fpu(vcpu, &fpu);
		return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
	}
	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	mv_x86_set_fpu(vcpu, &fpu);
	return 0;
}

/*
 * Without an in-kernel local APIC, as in KVM, a vCPU is always runnable:
 * halting and waking up are userspace's business (KVM_EXIT_HLT). With
 * one, irq/mp_state.c keeps the state.
 */
static int mv_vcpu_mp_state_ioctl(struct mv_vcpu *vcpu, unsigned int ioctl,
				  struct kvm_mp_state __user *argp)
{
	struct kvm_mp_state state;
	struct kvm_regs regs;

	if (ioctl == KVM_GET_MP_STATE) {
		mv_irq_accept_events(vcpu);
		state.mp_state = vcpu->mp_state;
		return copy_to_user(argp, &state, sizeof(state)) ? -EFAULT : 0;
	}
	if (copy_from_user(&state, argp, sizeof(state)))
		return -EFAULT;
	mv_backend->get_regs(vcpu, &regs);
	return mv_irq_set_mp_state(vcpu, state.mp_state,
				   regs.rflags & X86_EFLAGS_IF);
}

/* KVM_GET_LAPIC and KVM_SET_LAPIC: EINVAL without an in-kernel APIC. */
static int mv_vcpu_lapic_ioctl(struct mv_vcpu *vcpu, unsigned int ioctl,
			       struct kvm_lapic_state __user *argp)
{
	struct kvm_lapic_state *state;
	int ret;

	if (!vcpu->irqs.lapic)
		return -EINVAL;
	if (ioctl == KVM_SET_LAPIC) {
		state = memdup_user(argp, sizeof(*state));
		if (IS_ERR(state))
			return PTR_ERR(state);
		ret = mv_lapic_set_state(vcpu->irqs.lapic, state);
	} else {
		state = kmalloc(sizeof(*state), GFP_KERNEL_ACCOUNT);
		if (!state)
			return -ENOMEM;
		mv_lapic_get_state(vcpu->irqs.lapic, state);
		ret = copy_to_user(argp, state, sizeof(*state)) ? -EFAULT : 0;
	}
	kfree(state);
	return ret;
}

/*
 * KVM_SET_CPUID2; the local APIC offers x2APIC and the TSC-deadline
 * timer only when the guest's CPUID has them (leaf 1, ECX bits 21, 24).
 */
static int mv_vcpu_set_cpuid(struct mv_vcpu *vcpu,
			     struct kvm_cpuid2 __user *argp)
{
	int ret = mv_x86_set_cpuid(vcpu, argp);
	u32 features;

	if (ret || !vcpu->irqs.lapic)
		return ret;
	features = mv_x86_guest_cpuid(vcpu, 1, 0, 2);
	mv_lapic_cpuid_changed(vcpu->irqs.lapic, features & BIT(21),
			       features & BIT(24));
	return 0;
}

/*
 * The special registers also carry KVM_INTERRUPT's waiting vector, as a
 * bit of interrupt_bitmap.
 */
static long mv_vcpu_regs_ioctl(struct mv_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	switch (ioctl) {
	case KVM_GET_REGS:
		mv_backend->get_regs(vcpu, &regs);
		return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
	case KVM_SET_REGS:
		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		mv_backend->set_regs(vcpu, &regs);
		return 0;
	case KVM_GET_SREGS:
		mv_backend->get_sregs(vcpu, &sregs);
		mv_irq_get_user_bitmap(&vcpu->irqs, sregs.interrupt_bitmap);
		return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
	default: /* KVM_SET_SREGS */
		if (copy_from_user(&sregs, argp, sizeof(sregs)))
			return -EFAULT;
		ret = mv_backend->set_sregs(vcpu, &sregs);
		if (!ret)
			mv_irq_set_user_bitmap(&vcpu->irqs, sregs.interrupt_bitmap,
					       ARRAY_SIZE(sregs.interrupt_bitmap));
		return ret;
	}
}

static long mv_vcpu_dispatch(struct mv_vcpu *vcpu, unsigned int ioctl,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_RUN:
		return arg ? -EINVAL : mv_vcpu_run(vcpu);
	case KVM_SET_SIGNAL_MASK:
		return mv_vcpu_set_signal_mask(vcpu, argp);
	case KVM_GET_FPU:
	case KVM_SET_FPU:
		return mv_vcpu_fpu_ioctl(vcpu, ioctl, argp);
	case KVM_GET_REGS:
	case KVM_SET_REGS:
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
		return mv_vcpu_regs_ioctl(vcpu, ioctl, argp);
	case KVM_GET_MSRS:
		return mv_vcpu_msrs(vcpu, argp, false);
	case KVM_SET_MSRS:
		return mv_vcpu_msrs(vcpu, argp, true);
	case KVM_SET_CPUID2:
		return mv_vcpu_set_cpuid(vcpu, argp);
	case KVM_GET_CPUID2:
		return mv_x86_get_cpuid(vcpu, argp);
	case KVM_INTERRUPT:
		return mv_vcpu_interrupt(vcpu, argp);
	case KVM_GET_MP_STATE:
	case KVM_SET_MP_STATE:
		return mv_vcpu_mp_state_ioctl(vcpu, ioctl, argp);
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
		return mv_vcpu_lapic_ioctl(vcpu, ioctl, argp);
	default:
		return -EINVAL;
	}
}

/*
 * Every vCPU ioctl runs with the vCPU loaded on this CPU (on VT-x, its
 * VMCS current), one at a time.
 */
static long mv_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct mv_vcpu *vcpu = filp->private_data;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	static_call(mv_backend_vcpu_load)(vcpu);
	ret = mv_vcpu_dispatch(vcpu, ioctl, arg);
	static_call(mv_backend_vcpu_put)(vcpu);
	mutex_unlock(&vcpu->mutex);
	return ret;
}

static int mv_vcpu_release(struct inode *inode, struct file *filp)
{
	struct mv_vcpu *vcpu = filp->private_data;

	mv_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations mv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= mv_vcpu_release,
	.unlocked_ioctl	= mv_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mv_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* The backend's vCPU, with the generic one first (backend.h). */
struct mv_vcpu *mv_vcpu_create(struct mv_vm *vm, unsigned int id)
{
	struct mv_vcpu *vcpu = kzalloc(mv_backend->vcpu_size,
				       GFP_KERNEL_ACCOUNT);
	int ret;

	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	mv_irqs_init(&vcpu->irqs, mv_device_irq_delivered);
	mv_table_spares_init(&vcpu->table_spares);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (vm->lapic_in_kernel)
		vcpu->irqs.lapic = mv_lapic_create(vcpu);
	if (!vcpu->run || !vcpu->pio_data ||
	    (vm->lapic_in_kernel && !vcpu->irqs.lapic)) {
		ret = -ENOMEM;
		goto free_pages;
	}
	mv_irq_init_mp_state(vcpu);
	ret = mv_x86_fpu_alloc(vcpu);
	if (ret)
		goto free_pages;
	mv_x86_msrs_init(vcpu);
	ret = mv_backend->vcpu_create(vcpu);
	if (ret)
		goto free_fpu;
	return vcpu;

free_fpu:
	mv_x86_fpu_free(vcpu);
free_pages:
	mv_lapic_free(vcpu->irqs.lapic);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	kfree(vcpu);
	return ERR_PTR(ret);
}

int mv_vcpu_open(struct mv_vcpu *vcpu)
{
	int fd;

	kref_get(&vcpu->vm->kref);
	fd = anon_inode_getfd("minivisor-vcpu", &mv_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		mv_vm_put(vcpu->vm);
	return fd;
}

void mv_vcpu_free(struct mv_vcpu *vcpu)
{
	mv_lapic_free(vcpu->irqs.lapic);
	mv_backend->vcpu_destroy(vcpu);
	mv_x86_cpuid_free(vcpu);
	mv_x86_fpu_free(vcpu);
	mv_table_spares_free(&vcpu->table_spares);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	kfree(vcpu);
}
