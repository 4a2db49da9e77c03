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
#include <linux/slab.h>

#include "vcpu.h"
#include "vm.h"

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

static long mv_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct mv_vcpu *vcpu = filp->private_data;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	default:
		return -EINVAL;
	}
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

struct mv_vcpu *mv_vcpu_create(struct mv_vm *vm, unsigned int id)
{
	struct mv_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);

	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data) {
		mv_vcpu_free(vcpu);
		return ERR_PTR(-ENOMEM);
	}
	return vcpu;
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
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	kfree(vcpu);
}
