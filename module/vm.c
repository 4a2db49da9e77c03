// SPDX-License-Identifier: GPL-2.0
/*
 * VMs and the ioctls on a VM file descriptor.
 *
 * KVM_CREATE_VM returns a file descriptor for a new VM; the VM lives until
 * that descriptor and those of all its vCPUs are closed (a kref counts
 * them). A VM needs no VT-x of its own: it is an address space, so it can
 * be created on any host. Its first vCPU has the backend enable
 * virtualization on every CPU (on VT-x, VMX operation: vmx/vmxon.c),
 * which the VM gives back when it goes.
 *
 * Like KVM, a VM serves only the process that created it: after fork(),
 * the child's calls on the inherited descriptors fail with EIO.
 *
 * Every VM also has an id, from 1 up, under which the netlink family
 * (netlink.c) lists it; the ids index an xarray, the registry of live VMs.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "backend.h"
#include "irq/msi.h"
#include "netlink.h"
#include "vcpu.h"
#include "vm.h"
#include "x86/hypercall.h"

static DEFINE_XARRAY_ALLOC1(mv_vms);

static void mv_vm_destroy(struct kref *kref)
{
	struct mv_vm *vm = container_of(kref, struct mv_vm, kref);
	unsigned int id;

	if (vm->id) {
		xa_erase(&mv_vms, vm->id);
		mv_netlink_vm_event(vm, MINIVISOR_EVENT_VM_DESTROYED);
	}
	mv_vm_devices_release(vm);
	mv_vm_irq_destroy(&vm->irq);
	mv_x86_ioeventfd_destroy(&vm->x86);
	for (id = 0; id < MV_MAX_VCPUS; id++)
		if (vm->vcpus[id])
			mv_vcpu_free(vm->vcpus[id]);
	mv_memory_unwatch_mm(vm);
	mv_memory_destroy(vm);
	if (vm->holds_virtualization)
		mv_backend->disable();
	mmdrop(vm->mm);
	kfree(vm);
}

void mv_vm_put(struct mv_vm *vm)
{
	kref_put(&vm->kref, mv_vm_destroy);
}

/*
 * A VM whose last reference is gone stays in the registry until its
 * destructor erases it; the xarray's lock keeps it from being freed while
 * a lookup checks its count.
 */
struct mv_vm *mv_vm_find_next(u32 *id)
{
	unsigned long index = *id;
	struct mv_vm *vm;

	xa_lock(&mv_vms);
	xa_for_each_start(&mv_vms, index, vm, index)
		if (kref_get_unless_zero(&vm->kref))
			break;
	xa_unlock(&mv_vms);
	if (vm)
		*id = index;
	return vm;
}

struct mv_vm *mv_vm_find(u32 id)
{
	u32 found = id;
	struct mv_vm *vm = mv_vm_find_next(&found);

	if (vm && found != id) {
		mv_vm_put(vm);
		return NULL;
	}
	return vm;
}

unsigned int mv_vm_nr_vcpus(struct mv_vm *vm)
{
	unsigned int id, count = 0;

	mutex_lock(&vm->lock);
	for (id = 0; id < MV_MAX_VCPUS; id++)
		count += !!vm->vcpus[id];
	mutex_unlock(&vm->lock);
	return count;
}

static int mv_vm_create_vcpu(struct mv_vm *vm, unsigned long id)
{
	struct mv_vcpu *vcpu;
	int ret;

	if (!mv_backend)
		return -EOPNOTSUPP;
	if (id >= MV_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		ret = -EEXIST;
		goto out;
	}
	if (!vm->holds_virtualization) {
		ret = mv_backend->enable();
		if (ret)
			goto out;
		vm->holds_virtualization = true;
	}

	vcpu = mv_vcpu_create(vm, id);
	if (IS_ERR(vcpu)) {
		ret = PTR_ERR(vcpu);
		goto out;
	}
	ret = mv_vcpu_open(vcpu);
	if (ret < 0) {
		mv_vcpu_free(vcpu);
		goto out;
	}
	/* Whole before it is seen: pairs with mv_vm_vcpu()'s acquire. */
	smp_store_release(&vm->vcpus[id], vcpu);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * KVM_SET_USER_MEMORY_REGION, where guest memory (memory/memslot.c) and
 * device assignment (sriov/) meet; neither calls the other. With
 * functions assigned, a slot may not cover one of their BARs, and the
 * VM's IOMMU domain follows the change: the new range is pinned before
 * the slot changes, and the DMA mappings swapped once it has
 * (sriov/dma.c). The VM's devices lock keeps assignments out meanwhile.
 */
static int mv_vm_set_memory_region(struct mv_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region region;
	struct mv_dma_slot prepared;
	int ret;

	if (copy_from_user(&region, argp, sizeof(region)))
		return -EFAULT;
	ret = mv_memslot_check(&region);
	if (ret)
		return ret;
	mutex_lock(&vm->devices.lock);
	if (mv_assigned_bars_overlap(vm, region.guest_phys_addr >> PAGE_SHIFT,
				     region.memory_size >> PAGE_SHIFT)) {
		ret = -EEXIST;
		goto out;
	}
	ret = mv_dma_slot_prepare(vm, &region, &prepared);
	if (ret)
		goto out;
	ret = mv_memslot_set(vm, &region);
	if (ret)
		mv_dma_slot_unprepare(vm, &prepared);
	else
		ret = mv_dma_slot_commit(vm, region.slot, &prepared);
out:
	mutex_unlock(&vm->devices.lock);
	return ret;
}

static int mv_vm_get_dirty_log(struct mv_vm *vm, void __user *argp)
{
	struct kvm_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return mv_dirty_log_get(vm, &log);
}

static int mv_vm_clear_dirty_log(struct mv_vm *vm, void __user *argp)
{
	struct kvm_clear_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return mv_dirty_log_clear(vm, &log);
}

/*
 * KVM_CAP_SPLIT_IRQCHIP: local APICs in the kernel, for the vCPUs yet to
 * come. args[0] is the number of pins userspace's IOAPIC has (at most
 * KVM's 4096 routes): the GSIs whose EOIs it may want (irq/routing.c).
 */
static int mv_vm_split_irqchip(struct mv_vm *vm, u64 ioapic_pins)
{
	unsigned int id;
	int ret = 0;

	if (!mv_backend || ioapic_pins > MV_MAX_IRQ_ROUTES)
		return -EINVAL;
	mutex_lock(&vm->lock);
	for (id = 0; id < MV_MAX_VCPUS; id++)
		if (vm->vcpus[id])
			ret = -EEXIST;
	if (vm->lapic_in_kernel)
		ret = -EEXIST;
	if (!ret) {
		vm->irq.ioapic_pins = ioapic_pins;
		/* The pins first: mv_vm_lapic_in_kernel() may then read them. */
		smp_store_release(&vm->lapic_in_kernel, true);
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * KVM_ENABLE_CAP on a VM: the manual dirty-log protection, the hypercalls
 * the VMM serves, and the split irqchip (both need vCPUs, so a backend).
 */
static int mv_vm_enable_cap(struct mv_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return mv_dirty_log_enable_manual_protect(vm, cap.args[0]);
	case KVM_CAP_EXIT_HYPERCALL:
		if (!mv_backend)
			return -EINVAL;
		return mv_x86_enable_hypercall_exits(&vm->x86, cap.args[0]);
	case KVM_CAP_SPLIT_IRQCHIP:
		return mv_vm_split_irqchip(vm, cap.args[0]);
	default:
		return -EINVAL;
	}
}

/* KVM_IOEVENTFD: guest writes that signal an eventfd (x86/ioeventfd.c). */
static int mv_vm_ioeventfd(struct mv_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	return mv_x86_ioeventfd(&vm->x86, &args);
}

/* KVM_SIGNAL_MSI: to the local APICs, which must be in the kernel. */
static int mv_vm_signal_msi(struct mv_vm *vm, void __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!mv_vm_lapic_in_kernel(vm))
		return -EINVAL;
	return mv_irq_signal_msi(vm, &msi);
}

/*
 * KVM_SET_GSI_ROUTING: KVM refuses the table, and its flags, before it
 * looks at the entries; with no interrupt controller in the kernel there
 * is nothing to route to.
 */
static int mv_vm_set_gsi_routing(struct mv_vm *vm,
				 struct kvm_irq_routing __user *user)
{
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing routing;
	int ret;

	if (copy_from_user(&routing, user, sizeof(routing)))
		return -EFAULT;
	if (!mv_vm_lapic_in_kernel(vm) || routing.nr > MV_MAX_IRQ_ROUTES ||
	    routing.flags)
		return -EINVAL;
	if (routing.nr) {
		entries = vmemdup_user(user->entries,
				       array_size(sizeof(*entries),
						  routing.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	ret = mv_irq_set_routing(vm, entries, routing.nr);
	kvfree(entries);
	return ret;
}

/*
 * KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS (api.rst 4.25): raise or lower a
 * GSI through its route; the second also says how it went.
 */
static int mv_vm_irq_line(struct mv_vm *vm, struct kvm_irq_level __user *user,
			  bool status)
{
	struct kvm_irq_level line;

	if (copy_from_user(&line, user, sizeof(line)))
		return -EFAULT;
	if (!mv_vm_lapic_in_kernel(vm))
		return -ENXIO;
	line.status = mv_irq_set_gsi(vm, line.irq, line.level);
	if (status && copy_to_user(user, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

static int mv_vm_irqfd(struct mv_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	return mv_irqfd(vm, &args);
}

static long mv_vm_ioctl(struct file *filp, unsigned int ioctl,
			unsigned long arg)
{
	struct mv_vm *vm = filp->private_data;

	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return mv_vm_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return mv_vm_set_memory_region(vm, (void __user *)arg);
	case KVM_GET_DIRTY_LOG:
		return mv_vm_get_dirty_log(vm, (void __user *)arg);
	case KVM_CLEAR_DIRTY_LOG:
		return mv_vm_clear_dirty_log(vm, (void __user *)arg);
	case KVM_ENABLE_CAP:
		return mv_vm_enable_cap(vm, (void __user *)arg);
	case KVM_SET_TSS_ADDR:
		/*
		 * KVM keeps a TSS there for guests in real mode on CPUs
		 * without unrestricted guest. minivisor requires it, and then
		 * KVM, too, has nothing to do.
		 */
		return 0;
	case KVM_SIGNAL_MSI:
		return mv_vm_signal_msi(vm, (void __user *)arg);
	case KVM_IOEVENTFD:
		return mv_vm_ioeventfd(vm, (void __user *)arg);
	case KVM_SET_GSI_ROUTING:
		return mv_vm_set_gsi_routing(vm, (void __user *)arg);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return mv_vm_irq_line(vm, (void __user *)arg,
				      ioctl == KVM_IRQ_LINE_STATUS);
	case KVM_IRQFD:
		return mv_vm_irqfd(vm, (void __user *)arg);
	default:
		return mv_vm_devices_ioctl(vm, ioctl, (void __user *)arg);
	}
}

static int mv_vm_release(struct inode *inode, struct file *filp)
{
	mv_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations mv_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= mv_vm_release,
	.unlocked_ioctl	= mv_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int mv_vm_create(unsigned long type)
{
	struct mv_vm *vm;
	int fd;

	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	if (mv_memory_init(vm)) {
		kfree(vm);
		return -ENOMEM;
	}
	if (mv_vm_irq_init(&vm->irq)) {
		mv_memory_destroy(vm);
		kfree(vm);
		return -ENOMEM;
	}
	kref_init(&vm->kref);
	mutex_init(&vm->lock);
	mv_x86_vm_init(&vm->x86);
	mv_x86_ioeventfd_init(&vm->x86);
	mv_vm_devices_init(vm);
	mmgrab(current->mm);
	vm->mm = current->mm;
	vm->pid = task_tgid_nr(current);
	vm->owner = current_uid();
	vm->created_ns = ktime_get_ns();
	if (mv_memory_watch_mm(vm)) {
		mmdrop(vm->mm);
		mv_vm_irq_destroy(&vm->irq);
		mv_memory_destroy(vm);
		kfree(vm);
		return -ENOMEM;
	}
	if (xa_alloc(&mv_vms, &vm->id, vm, xa_limit_32b, GFP_KERNEL_ACCOUNT)) {
		mv_vm_put(vm);
		return -ENOMEM;
	}
	mv_netlink_vm_event(vm, MINIVISOR_EVENT_VM_CREATED);

	fd = anon_inode_getfd("minivisor-vm", &mv_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		mv_vm_put(vm);
	return fd;
}
