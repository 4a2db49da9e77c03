// SPDX-License-Identifier: GPL-2.0
/*
 * Direct assignment: a claimed PCI function given to one VM.
 *
 * The guest drives the function itself. Its registers, the memory BARs,
 * are mapped straight into the VM's address space at the guest-physical
 * addresses the VMM chose (memory/device.c; uncacheable, ept/ept.c), so a
 * guest load or store reaches the device with no VM exit at all: no
 * hypervisor in the way, which is the point of this model. Four things
 * must not be the guest's alone:
 *
 * - DMA. The device reads and writes memory at the addresses the guest
 *   gives it; the VM's IOMMU domain (dma.c) turns those into the guest's
 *   own pages and confines the device to them.
 * - Interrupt messages. An MSI-X table lives in a BAR; a guest writing it
 *   could make the device send any host interrupt. The pages holding the
 *   table and its pending-bit array stay out of the mapping, so accesses
 *   to them exit to the VMM like any MMIO.
 * - Configuration space, which names host resources: config.c.
 * - Interrupts arrive on the host, which injects them: irq.c.
 *
 * Lifetime. A function is assigned until the VMM takes it back, the VM
 * goes (its fd closed, its process killed), or the function itself goes
 * (removed, its VF disabled, its PF's driver unbound: the claimed
 * driver's remove). Every way out unmaps its BARs, resets
 * the function (a function level reset where it has one, so nothing of
 * the guest survives in it), restores the configuration it had before the
 * assignment and returns its DMA to the blocked state of a claimed
 * function; the last function with an IOMMU takes the VM's domain and its
 * pinned pages with it.
 *
 * Locks, outermost first: the function's device lock (held by the driver
 * core around remove), mv_assign_lock (which function is whose),
 * mv_vm_devices.lock (a VM's functions and domain), then the VM's memory
 * locks (memory/memory.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/panic.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../vm.h"
#include "assign.h"
#include "sriov.h"

static bool allow_unsafe_noiommu;
module_param(allow_unsafe_noiommu, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_noiommu,
		 "Assign functions without an IOMMU: their DMA can reach all host memory (taints the kernel)");

/* Which function is assigned to which VM: see sriov.h. */
DEFINE_MUTEX(mv_assign_lock);

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Assign functions behind an IOMMU without interrupt remapping: their DMA can raise host interrupts");

void mv_vm_devices_init(struct mv_vm *vm)
{
	mutex_init(&vm->devices.lock);
	INIT_LIST_HEAD(&vm->devices.assigned);
	spin_lock_init(&vm->devices.irq_lock);
	INIT_LIST_HEAD(&vm->devices.intx_routes);
}

static struct pci_dev *function_at(u32 address)
{
	return pci_get_domain_bus_and_slot(address >> 16, (address >> 8) & 0xff,
					   address & 0xff);
}

/* The claim of a function bound to minivisor's driver, or NULL. */
static struct mv_claim *claim_of(struct pci_dev *pdev)
{
	if (pdev->dev.driver != &mv_claimed_driver.driver)
		return NULL;
	return pci_get_drvdata(pdev);
}

u32 mv_pci_assigned_vm(struct pci_dev *pdev)
{
	struct mv_claim *claim = claim_of(pdev);
	u32 id = 0;

	mutex_lock(&mv_assign_lock);
	if (claim && claim->assigned)
		id = claim->assigned->vm->id;
	mutex_unlock(&mv_assign_lock);
	return id;
}

static bool ranges_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Whether one of a function's mapped BARs covers part of a range. */
static bool bars_overlap(struct mv_assigned *assigned, u64 gfn, u64 npages)
{
	struct mv_bar *bar;

	for (bar = assigned->bars; bar < assigned->bars + MINIVISOR_PCI_BARS;
	     bar++)
		if (bar->mapped_gpa &&
		    ranges_overlap(bar->mapped_gpa >> PAGE_SHIFT,
				   bar->size >> PAGE_SHIFT, gfn, npages))
			return true;
	return false;
}

bool mv_assigned_bars_overlap(struct mv_vm *vm, u64 gfn, u64 npages)
{
	struct mv_assigned *assigned;

	list_for_each_entry(assigned, &vm->devices.assigned, node)
		if (bars_overlap(assigned, gfn, npages))
			return true;
	return false;
}

/*
 * Map a BAR where the guest placed it, but for its MSI-X hole. Not
 * placed, or placed where it cannot be: accesses exit as MMIO.
 */
int mv_bar_map(struct mv_assigned *assigned, struct mv_bar *bar)
{
	struct mv_vm *vm = assigned->vm;
	u64 gfn = bar->guest_value >> PAGE_SHIFT;
	u64 npages = bar->size >> PAGE_SHIFT;
	int ret;

	if (!gfn)
		return -EINVAL;
	/* The function's own BARs count too: it may not be listed yet. */
	if (mv_assigned_bars_overlap(vm, gfn, npages) ||
	    bars_overlap(assigned, gfn, npages))
		return -EEXIST;
	ret = mv_memory_map_device(vm, gfn, bar->host_start >> PAGE_SHIFT,
				   npages, bar->hole_start >> PAGE_SHIFT,
				   bar->hole_end >> PAGE_SHIFT);
	if (!ret)
		bar->mapped_gpa = bar->guest_value;
	return ret;
}

void mv_bar_unmap(struct mv_assigned *assigned, struct mv_bar *bar)
{
	if (!bar->mapped_gpa)
		return;
	mv_memory_unmap_device(assigned->vm, bar->mapped_gpa >> PAGE_SHIFT,
			       bar->size >> PAGE_SHIFT);
	bar->mapped_gpa = 0;
}

/*
 * Leave unmapped the pages of an MSI-X structure (table or PBA).
 * A structure outside every memory BAR the function has is a broken
 * device: it is not assigned (EINVAL).
 */
static int msix_hole(struct mv_assigned *assigned, unsigned int reg,
		     u64 length)
{
	unsigned int bir;
	struct mv_bar *bar;
	u64 start, end;
	u32 location;

	pci_read_config_dword(assigned->pdev, assigned->pdev->msix_cap + reg,
			      &location);
	bir = location & PCI_MSIX_TABLE_BIR;
	start = round_down(location & PCI_MSIX_TABLE_OFFSET, PAGE_SIZE);
	end = round_up((location & PCI_MSIX_TABLE_OFFSET) + length, PAGE_SIZE);
	if (bir >= MINIVISOR_PCI_BARS) {
		pci_info_ratelimited(assigned->pdev, "minivisor: MSI-X structure in BAR %u\n",
				     bir);
		return -EINVAL;
	}
	bar = &assigned->bars[bir];
	if (!bar->size || bar->flags & PCI_BASE_ADDRESS_SPACE_IO ||
	    end > round_up(bar->size, PAGE_SIZE)) {
		pci_info_ratelimited(assigned->pdev, "minivisor: MSI-X structure outside BAR %u\n",
				     bir);
		return -EINVAL;
	}
	if (bar->hole_end > bar->hole_start) {
		start = min(start, bar->hole_start);
		end = max(end, bar->hole_end);
	}
	bar->hole_start = start;
	bar->hole_end = end;
	return 0;
}

static int msix_holes(struct mv_assigned *assigned)
{
	struct pci_dev *pdev = assigned->pdev;
	u16 flags;
	u64 entries;

	if (!pdev->msix_cap)
		return 0;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
	entries = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	return msix_hole(assigned, PCI_MSIX_TABLE,
			 entries * PCI_MSIX_ENTRY_SIZE) ?:
	       msix_hole(assigned, PCI_MSIX_PBA,
			 DIV_ROUND_UP(entries, 64) * 8);
}

/* Where the VMM asked for the BARs: memory BARs, aligned, page-sized. */
static int place_bars(struct mv_assigned *assigned,
		      const struct minivisor_assign_pci *request)
{
	struct mv_bar *bar;
	u64 gpa;
	int i;

	for (i = 0; i < MINIVISOR_PCI_BARS; i++) {
		gpa = request->bar_gpa[i];
		bar = &assigned->bars[i];
		if (!gpa)
			continue;
		if (!bar->size || bar->flags & PCI_BASE_ADDRESS_SPACE_IO ||
		    bar->size < PAGE_SIZE || !IS_ALIGNED(gpa, bar->size) ||
		    (!bar->is_64bit && gpa + bar->size > SZ_4G)) {
			pci_info_ratelimited(assigned->pdev, "minivisor: BAR %d cannot be mapped at %#llx\n",
					     i, gpa);
			return -EINVAL;
		}
		bar->guest_value = gpa;
	}
	return 0;
}

static int map_bars(struct mv_assigned *assigned)
{
	struct mv_bar *bar;
	int ret;

	for (bar = assigned->bars; bar < assigned->bars + MINIVISOR_PCI_BARS;
	     bar++) {
		if (!bar->guest_value)
			continue;
		ret = mv_bar_map(assigned, bar);
		if (ret) {
			pci_info_ratelimited(assigned->pdev, "minivisor: BAR at %#llx overlaps guest memory or another BAR, or lies beyond the guest's physical address width\n",
					     bar->guest_value);
			return ret == -EINVAL ? -EINVAL : -EEXIST;
		}
	}
	return 0;
}

static void unmap_bars(struct mv_assigned *assigned)
{
	struct mv_bar *bar;

	for (bar = assigned->bars; bar < assigned->bars + MINIVISOR_PCI_BARS;
	     bar++)
		mv_bar_unmap(assigned, bar);
}

/*
 * Without an IOMMU, only if the administrator said so: the host is open.
 * With one, its DMA is confined, but a DMA write to the interrupt address
 * range is an interrupt message: without interrupt remapping, a guest
 * could send any host CPU any vector. As VFIO does, that too needs the
 * administrator's word.
 */
static int check_iommu(struct mv_assigned *assigned)
{
	if (assigned->group) {
		if (irq_domain_check_msi_remap() ||
		    device_iommu_capable(&assigned->pdev->dev,
					 IOMMU_CAP_INTR_REMAP))
			return 0;
		if (!allow_unsafe_interrupts) {
			pci_info_ratelimited(assigned->pdev, "minivisor: no interrupt remapping; not assigned (see allow_unsafe_interrupts)\n");
			return -EOPNOTSUPP;
		}
		pci_warn(assigned->pdev, "minivisor: assigned without interrupt remapping: its DMA can raise host interrupts\n");
		return 0;
	}
	if (!allow_unsafe_noiommu) {
		pci_info_ratelimited(assigned->pdev, "minivisor: no IOMMU to confine the function's DMA; not assigned (see allow_unsafe_noiommu)\n");
		return -EOPNOTSUPP;
	}
	pci_warn(assigned->pdev, "minivisor: assigned without an IOMMU: its DMA can reach all host memory; tainting the kernel\n");
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	return 0;
}

/*
 * With the device lock, mv_assign_lock and the VM's devices lock held:
 * give claim's function to vm.
 */
static int assign_locked(struct mv_vm *vm, struct mv_claim *claim,
			 struct mv_assigned *assigned,
			 const struct minivisor_assign_pci *request)
{
	int ret;

	assigned->vm = vm;
	assigned->group = claim->group;
	mv_config_init(assigned);
	ret = msix_holes(assigned) ?: place_bars(assigned, request);
	if (!ret)
		ret = check_iommu(assigned);
	if (ret)
		return ret;
	/* What the function goes back to, whatever the guest makes of it. */
	pci_save_state(assigned->pdev);
	assigned->host_state = pci_store_saved_state(assigned->pdev);
	if (!assigned->host_state)
		return -ENOMEM;
	ret = mv_dma_attach(vm, assigned);
	if (ret)
		goto free_state;
	ret = pci_enable_device(assigned->pdev);
	if (!ret) {
		/* Until the VMM routes it, INTx stays quiet (irq.c). */
		pci_intx(assigned->pdev, 0);
		ret = map_bars(assigned);
	}
	if (ret) {
		unmap_bars(assigned);
		if (pci_is_enabled(assigned->pdev))
			pci_disable_device(assigned->pdev);
		mv_dma_detach(vm, assigned);
		goto free_state;
	}
	list_add(&assigned->node, &vm->devices.assigned);
	claim->assigned = assigned;
	pci_info(assigned->pdev, "minivisor: assigned to VM %u\n", vm->id);
	return 0;
free_state:
	kfree(assigned->host_state);
	assigned->host_state = NULL;
	return ret;
}

static int assign(struct mv_vm *vm, void __user *argp)
{
	struct minivisor_assign_pci request;
	struct mv_assigned *assigned;
	struct mv_claim *claim;
	struct pci_dev *pdev;
	int ret;

	if (copy_from_user(&request, argp, sizeof(request)))
		return -EFAULT;
	if (request.flags)
		return -EINVAL;
	pdev = function_at(request.address);
	if (!pdev)
		return -ENODEV;
	assigned = kzalloc(sizeof(*assigned), GFP_KERNEL_ACCOUNT);
	if (!assigned) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	assigned->pdev = pdev;

	device_lock(&pdev->dev);
	mutex_lock(&mv_assign_lock);
	mutex_lock(&vm->devices.lock);
	claim = claim_of(pdev);
	if (!claim)
		ret = -EINVAL;
	else if (claim->assigned)
		ret = -EBUSY;
	else
		ret = assign_locked(vm, claim, assigned, &request);
	mutex_unlock(&vm->devices.lock);
	mutex_unlock(&mv_assign_lock);
	device_unlock(&pdev->dev);
	if (ret) {
		pci_dev_put(pdev);
		kfree(assigned);
	}
	return ret;
}

/*
 * Take a function back from its VM, with its device lock and
 * mv_assign_lock held: its interrupts and BARs out of the guest's reach
 * first, then stop it (bus mastering off, reset) and give it back its
 * state from before the assignment, and last its DMA out of the VM's
 * domain. A function already gone from the bus (surprise removal) is not
 * touched: there is nothing left to reset.
 */
static void take_back(struct mv_claim *claim)
{
	struct mv_assigned *assigned = claim->assigned;
	struct mv_vm *vm = assigned->vm;
	struct pci_dev *pdev = assigned->pdev;

	mutex_lock(&vm->devices.lock);
	mv_irqs_free(assigned);
	unmap_bars(assigned);
	pci_disable_device(pdev);
	if (pci_device_is_present(pdev)) {
		pci_reset_function_locked(pdev);
		pci_load_and_free_saved_state(pdev, &assigned->host_state);
		pci_restore_state(pdev);
	}
	kfree(assigned->host_state);
	mv_dma_detach(vm, assigned);
	list_del(&assigned->node);
	mutex_unlock(&vm->devices.lock);
	claim->assigned = NULL;
	pci_info(pdev, "minivisor: taken back from VM %u\n", vm->id);
	pci_dev_put(pdev);
	kfree(assigned);
}

/* Take pdev back if vm has it (any VM, for vm NULL); 0 or -ENODEV. */
static int take_back_function(struct pci_dev *pdev, struct mv_vm *vm)
{
	struct mv_claim *claim;
	int ret = -ENODEV;

	device_lock(&pdev->dev);
	mutex_lock(&mv_assign_lock);
	claim = claim_of(pdev);
	if (claim && claim->assigned && claim->assigned->vm == vm) {
		take_back(claim);
		ret = 0;
	}
	mutex_unlock(&mv_assign_lock);
	device_unlock(&pdev->dev);
	return ret;
}

static int deassign(struct mv_vm *vm, u32 __user *argp)
{
	struct pci_dev *pdev;
	u32 address;
	int ret;

	if (get_user(address, argp))
		return -EFAULT;
	pdev = function_at(address);
	if (!pdev)
		return -ENODEV;
	ret = take_back_function(pdev, vm);
	pci_dev_put(pdev);
	return ret;
}

void mv_assigned_remove(struct pci_dev *pdev)
{
	struct mv_claim *claim = pci_get_drvdata(pdev);

	mutex_lock(&mv_assign_lock);
	if (claim->assigned)
		take_back(claim);
	mutex_unlock(&mv_assign_lock);
}

/* The VM is going: every function it still has goes back. */
void mv_vm_devices_release(struct mv_vm *vm)
{
	struct mv_assigned *assigned;
	struct pci_dev *pdev;

	for (;;) {
		mutex_lock(&vm->devices.lock);
		assigned = list_first_entry_or_null(&vm->devices.assigned,
						    struct mv_assigned, node);
		pdev = assigned ? pci_dev_get(assigned->pdev) : NULL;
		mutex_unlock(&vm->devices.lock);
		if (!pdev)
			return;
		/* Unless its removal took it back first. */
		take_back_function(pdev, vm);
		pci_dev_put(pdev);
	}
}

/* The function the VM has at address, or NULL; devices.lock held. */
static struct mv_assigned *find_assigned(struct mv_vm *vm, u32 address)
{
	struct mv_assigned *assigned;

	list_for_each_entry(assigned, &vm->devices.assigned, node)
		if ((pci_domain_nr(assigned->pdev->bus) << 16 |
		     pci_dev_id(assigned->pdev)) == address)
			return assigned;
	return NULL;
}

static int config_access(struct mv_vm *vm, unsigned int ioctl,
			 void __user *argp)
{
	struct minivisor_pci_config access;
	struct mv_assigned *assigned;
	int ret = -ENODEV;

	if (copy_from_user(&access, argp, sizeof(access)))
		return -EFAULT;
	mutex_lock(&vm->devices.lock);
	assigned = find_assigned(vm, access.address);
	if (assigned && ioctl == MINIVISOR_PCI_CONFIG_READ)
		ret = mv_config_read(assigned, &access);
	else if (assigned)
		ret = mv_config_write(assigned, &access);
	mutex_unlock(&vm->devices.lock);
	if (!ret && ioctl == MINIVISOR_PCI_CONFIG_READ &&
	    copy_to_user(argp, &access, sizeof(access)))
		ret = -EFAULT;
	return ret;
}

static int set_irqs(struct mv_vm *vm, void __user *argp)
{
	struct minivisor_pci_irqs *request;
	struct mv_assigned *assigned;
	int ret = -ENODEV;

	request = memdup_user(argp, sizeof(*request));
	if (IS_ERR(request))
		return PTR_ERR(request);
	mutex_lock(&vm->devices.lock);
	assigned = find_assigned(vm, request->address);
	if (assigned)
		ret = mv_irqs_set(assigned, request);
	mutex_unlock(&vm->devices.lock);
	kfree(request);
	return ret;
}

long mv_vm_devices_ioctl(struct mv_vm *vm, unsigned int ioctl,
			 void __user *argp)
{
	switch (ioctl) {
	case MINIVISOR_ASSIGN_PCI:
	case MINIVISOR_DEASSIGN_PCI:
	case MINIVISOR_PCI_CONFIG_READ:
	case MINIVISOR_PCI_CONFIG_WRITE:
	case MINIVISOR_SET_PCI_IRQS:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	default:
		return -ENOTTY;
	}

	switch (ioctl) {
	case MINIVISOR_ASSIGN_PCI:
		return assign(vm, argp);
	case MINIVISOR_DEASSIGN_PCI:
		return deassign(vm, argp);
	case MINIVISOR_SET_PCI_IRQS:
		return set_irqs(vm, argp);
	default:
		return config_access(vm, ioctl, argp);
	}
}
