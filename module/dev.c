// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/minivisor: the front door.
 *
 * Userspace reaches minivisor the way it reaches KVM: open the device,
 * then issue the ioctls of <linux/kvm.h> on the file descriptor. This file
 * answers the system ioctls, the ones about minivisor itself rather than
 * about one VM, with the semantics of Documentation/virt/kvm/api.rst
 * section 4, so that an unmodified KVM client can talk to it.
 *
 * The node is mode 0660; a udev rule (see README) gives it to group kvm,
 * as distributions do for /dev/kvm.
 */
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "backend.h"
#include "minivisor.h"
#include "vm.h"
#include "x86/hypercall.h"

/*
 * A vCPU file maps the struct kvm_run page, followed by the page that
 * carries the data of KVM_EXIT_IO (KVM_PIO_PAGE_OFFSET).
 */
#define MV_VCPU_MMAP_PAGES 2

/*
 * KVM_CHECK_EXTENSION reports only what works end to end: a capability is
 * answered here in the same change that makes it work. Unknown and not yet
 * implemented capabilities read as 0, as KVM answers for ones it lacks.
 * VMs and their memory work on any host; vCPUs need a backend (VT-x), and
 * without one their capabilities read 0.
 */
static long mv_check_extension(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	/*
	 * Two answers KVM has always given: a slot set to size 0 is gone,
	 * and slots may be set next to each other.
	 */
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_ENABLE_CAP_VM:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return MV_NR_MEMSLOTS;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		       KVM_DIRTY_LOG_INITIALLY_SET;
	}
	if (!mv_backend)
		return 0;

	switch (cap) {
	case KVM_CAP_NR_VCPUS:
		return min_t(unsigned int, num_online_cpus(), MV_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return MV_MAX_VCPUS;
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_TSS_ADDR:
	/* x86/ioeventfd.c, where a length of 0 matches writes of any. */
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	/*
	 * The split irqchip: local APICs in the kernel (irq/lapic.h), with
	 * their TSC-deadline timer; MSIs to them from userspace, from GSI
	 * routes raised by KVM_IRQ_LINE_STATUS or by irqfds (irq/routing.h),
	 * and KVM_EXIT_IOAPIC_EOI for userspace's IOAPIC. Not yet the
	 * IOAPIC and PIC in the kernel (KVM_CAP_IRQCHIP), which is what
	 * QEMU asks for before it uses the split irqchip.
	 */
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQ_INJECT_STATUS:
		return 1;
	/* How many routes KVM_SET_GSI_ROUTING takes; QEMU needs it to start. */
	case KVM_CAP_IRQ_ROUTING:
		return MV_MAX_IRQ_ROUTES;
	/* minivisor's own hypercalls (<linux/minivisor_pv.h>), not KVM's. */
	case KVM_CAP_EXIT_HYPERCALL:
		return MV_HYPERCALL_EXITS;
	default:
		return 0;
	}
}

static long mv_dev_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return mv_vm_create(arg);
	case KVM_CHECK_EXTENSION:
		return mv_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : MV_VCPU_MMAP_PAGES * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		if (!mv_backend)	/* no KVM_CAP_EXT_CPUID */
			return -EINVAL;
		return mv_backend->supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		if (!mv_backend)
			return -EINVAL;
		return mv_backend->msr_index_list((void __user *)arg);
	default:
		return -EINVAL;
	}
}

static const struct file_operations mv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mv_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= MV_NAME,
	.fops	= &mv_dev_fops,
	.mode	= 0660,
};

int mv_dev_register(void)
{
	return misc_register(&mv_dev);
}

void mv_dev_unregister(void)
{
	misc_deregister(&mv_dev);
}
