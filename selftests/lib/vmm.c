// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' tiny VMM: what any KVM user does before its first KVM_RUN
 * (api.rst 4.2, 4.5, 4.7 and 4.35), and the three ways of starting a vCPU
 * a test needs. The segment and descriptor formats follow the SDM, volume
 * 3A, chapter 3; the long mode's page tables chapter 4.5.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/minivisor.h>

#include "mv_test.h"
#include "vmm.h"
#include "x86_segments.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct vmm_device vmm_kvm = {
	.path = "/dev/kvm",
	.load = mv_kvm_load,
	.release = mv_kvm_check_idle,
};

const struct vmm_device vmm_minivisor = {
	.path = MINIVISOR_DEVICE_PATH,
	.load = mv_module_load,
	.release = mv_module_unload,
};

static int open_vm(struct vmm *vmm, const struct vmm_device *device,
		   bool split_irqchip);

static int create_vm(struct vmm *vmm, const struct vmm_device *device,
		     bool split_irqchip)
{
	int ret;

	*vmm = (struct vmm){
		.device = device, .dev = -1, .vm = -1, .vcpu = -1,
	};
	ret = device->load();
	if (ret)
		return ret;
	ret = open_vm(vmm, device, split_irqchip);
	if (ret)
		device->release();
	return ret;
}

int vmm_create(struct vmm *vmm, const struct vmm_device *device)
{
	return create_vm(vmm, device, false);
}

int vmm_create_split_irqchip(struct vmm *vmm, const struct vmm_device *device)
{
	return create_vm(vmm, device, true);
}

int vmm_destroy(struct vmm *vmm)
{
	vmm_close(vmm);
	return vmm->device->release();
}

int vmm_open(struct vmm *vmm, const struct vmm_device *device)
{
	return open_vm(vmm, device, false);
}

static int open_vm(struct vmm *vmm, const struct vmm_device *device,
		   bool split_irqchip)
{
	struct kvm_enable_cap split = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { VMM_IOAPIC_PINS },
	};
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = VMM_MEM_SIZE,
	};
	int ret, size;

	*vmm = (struct vmm){
		.device = device, .dev = -1, .vm = -1, .vcpu = -1,
	};
	vmm->dev = open(device->path, O_RDWR | O_CLOEXEC);
	if (vmm->dev < 0)
		goto fail;
	vmm->vm = ioctl(vmm->dev, KVM_CREATE_VM, 0);
	if (vmm->vm < 0)
		goto fail;

	vmm->mem = mmap(NULL, VMM_MEM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->mem == MAP_FAILED) {
		vmm->mem = NULL;
		goto fail;
	}
	region.userspace_addr = (uintptr_t)vmm->mem;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
		goto fail;
	if (split_irqchip && ioctl(vmm->vm, KVM_ENABLE_CAP, &split))
		goto fail;

	vmm->vcpu = ioctl(vmm->vm, KVM_CREATE_VCPU, 0);
	if (vmm->vcpu < 0)
		goto fail;
	size = ioctl(vmm->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		goto fail;
	if ((size_t)size < sizeof(struct kvm_run)) {
		errno = EINVAL;
		goto fail;
	}
	vmm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			vmm->vcpu, 0);
	if (vmm->run == MAP_FAILED) {
		vmm->run = NULL;
		goto fail;
	}
	vmm->run_size = size;
	return 0;

fail:
	ret = -errno;
	vmm_close(vmm);
	return ret;
}

void vmm_close(struct vmm *vmm)
{
	/* The mapping of kvm_run holds the vCPU, which holds the VM. */
	if (vmm->run)
		munmap(vmm->run, vmm->run_size);
	if (vmm->vcpu >= 0)
		close(vmm->vcpu);
	if (vmm->vm >= 0)
		close(vmm->vm);
	if (vmm->mem)
		munmap(vmm->mem, VMM_MEM_SIZE);
	if (vmm->dev >= 0)
		close(vmm->dev);
	*vmm = (struct vmm){
		.device = vmm->device, .dev = -1, .vm = -1, .vcpu = -1,
	};
}

/* A real-mode segment of 64 KiB from VMM_CODE_ADDR, of the given type. */
static struct kvm_segment real_mode_segment(uint8_t type)
{
	return (struct kvm_segment){
		.base = VMM_CODE_ADDR,
		.limit = 0xffff,
		.selector = VMM_CODE_ADDR >> 4,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

static void set_real_mode(struct kvm_sregs *sregs, struct kvm_regs *regs)
{
	sregs->cs = real_mode_segment(X86_SEGMENT_CODE_EXEC_READ);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss =
		real_mode_segment(X86_SEGMENT_DATA_READ_WRITE);
	sregs->cr0 &= ~(VMM_CR0_PE | VMM_CR0_PG);
	sregs->cr4 = 0;
	sregs->efer = 0;
	regs->rip = 0;
	regs->rsp = VMM_REAL_MODE_SP;
}

/*
 * Flat segments as a GDT in guest memory would load them, so that the
 * guest could reload any of them; CR0.PE on, paging off.
 */
static void set_protected_mode(struct vmm *vmm, struct kvm_sregs *sregs,
			       struct kvm_regs *regs)
{
	const struct kvm_segment gdt[] = {
		{ 0 },
		x86_flat_segment(VMM_SEL_CODE32, X86_SEGMENT_CODE_EXEC_READ, false),
		x86_flat_segment(VMM_SEL_DATA, X86_SEGMENT_DATA_READ_WRITE, false),
		x86_flat_segment(VMM_SEL_CODE64, X86_SEGMENT_CODE_EXEC_READ, true),
	};
	uint64_t *table = (uint64_t *)(vmm->mem + VMM_GDT_ADDR);

	for (size_t i = 0; i < ARRAY_SIZE(gdt); i++)
		table[i] = i ? x86_descriptor(&gdt[i]) : 0;
	sregs->gdt.base = VMM_GDT_ADDR;
	sregs->gdt.limit = ARRAY_SIZE(gdt) * 8 - 1;

	sregs->cs = gdt[VMM_SEL_CODE32 / 8];
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss =
		gdt[VMM_SEL_DATA / 8];
	sregs->cr0 = VMM_CR0_PE | VMM_CR0_MP | VMM_CR0_ET | VMM_CR0_NE;
	sregs->cr4 = VMM_CR4_OSFXSR | VMM_CR4_OSXMMEXCPT;
	sregs->efer = 0;
	regs->rip = VMM_CODE_ADDR;
	regs->rsp = VMM_STACK_TOP;
}

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITABLE	(1ULL << 1)
#define PTE_LARGE	(1ULL << 7)

/*
 * Protected mode plus paging through an identity map of the first GiB in
 * 2 MiB pages (one PML4 entry, one PDPT entry, a full page directory),
 * EFER.LME and LMA, and the 64-bit code segment.
 */
static void set_long_mode(struct vmm *vmm, struct kvm_sregs *sregs,
			  struct kvm_regs *regs)
{
	const uint64_t pdpt_addr = VMM_PML4_ADDR + 0x1000;
	const uint64_t pd_addr = VMM_PML4_ADDR + 0x2000;
	uint64_t *pml4 = (uint64_t *)(vmm->mem + VMM_PML4_ADDR);
	uint64_t *pdpt = (uint64_t *)(vmm->mem + pdpt_addr);
	uint64_t *pd = (uint64_t *)(vmm->mem + pd_addr);

	pml4[0] = pdpt_addr | PTE_PRESENT | PTE_WRITABLE;
	pdpt[0] = pd_addr | PTE_PRESENT | PTE_WRITABLE;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;

	set_protected_mode(vmm, sregs, regs);
	sregs->cs = x86_flat_segment(VMM_SEL_CODE64, X86_SEGMENT_CODE_EXEC_READ,
				     true);
	sregs->cr3 = VMM_PML4_ADDR;
	sregs->cr4 |= VMM_CR4_PAE;
	sregs->cr0 |= VMM_CR0_PG;
	sregs->efer = VMM_EFER_LME | VMM_EFER_LMA;
}

int vmm_load(struct vmm *vmm, enum vmm_mode mode,
	     const unsigned char *start, const unsigned char *end)
{
	struct kvm_regs regs = { .rflags = VMM_RFLAGS_FIXED };
	struct kvm_sregs sregs;
	size_t size = end - start;
	int ret;

	if (size > VMM_CODE_MAX)
		return -E2BIG;
	memcpy(vmm->mem + VMM_CODE_ADDR, start, size);

	ret = vmm_get_sregs(vmm, &sregs);
	if (ret)
		return ret;
	switch (mode) {
	case VMM_REAL_MODE:
		set_real_mode(&sregs, &regs);
		break;
	case VMM_PROTECTED_MODE:
		set_protected_mode(vmm, &sregs, &regs);
		break;
	case VMM_LONG_MODE:
		set_long_mode(vmm, &sregs, &regs);
		break;
	default:
		return -EINVAL;
	}
	ret = vmm_set_sregs(vmm, &sregs);
	return ret ? ret : vmm_set_regs(vmm, &regs);
}

int vmm_run(struct vmm *vmm)
{
	if (ioctl(vmm->vcpu, KVM_RUN, 0))
		return -errno;
	return vmm->run->exit_reason;
}

void *vmm_io_data(struct vmm *vmm)
{
	return (uint8_t *)vmm->run + vmm->run->io.data_offset;
}

uint32_t vmm_io_value(struct vmm *vmm)
{
	uint32_t value = 0;
	size_t size = vmm->run->io.size;

	memcpy(&value, vmm_io_data(vmm), size < sizeof(value) ? size :
							       sizeof(value));
	return value;
}

void vmm_io_set_value(struct vmm *vmm, uint32_t value)
{
	size_t size = vmm->run->io.size;

	memcpy(vmm_io_data(vmm), &value, size < sizeof(value) ? size :
							       sizeof(value));
}

int vmm_get_regs(struct vmm *vmm, struct kvm_regs *regs)
{
	return ioctl(vmm->vcpu, KVM_GET_REGS, regs) ? -errno : 0;
}

int vmm_set_regs(struct vmm *vmm, const struct kvm_regs *regs)
{
	return ioctl(vmm->vcpu, KVM_SET_REGS, regs) ? -errno : 0;
}

int vmm_get_sregs(struct vmm *vmm, struct kvm_sregs *sregs)
{
	return ioctl(vmm->vcpu, KVM_GET_SREGS, sregs) ? -errno : 0;
}

int vmm_set_sregs(struct vmm *vmm, const struct kvm_sregs *sregs)
{
	return ioctl(vmm->vcpu, KVM_SET_SREGS, sregs) ? -errno : 0;
}
