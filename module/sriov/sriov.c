// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV and device assignment: naming functions, describing them, and
 * setting up and tearing down minivisor's two PCI drivers.
 *
 * The fourth model of the teaching lab: the device itself is virtualized.
 * An SR-IOV physical function (PF) spawns virtual functions (VFs, pf.c),
 * each a PCI function of its own that minivisor can claim (claim.c) and
 * hand to one VM (assign.c), its MMIO mapped into the VM's address space
 * and its DMA confined by the IOMMU. Management tools name functions by the address
 * the kernel gives them, domain:bus:device.function ("0000:01:00.0", as in
 * /sys/bus/pci/devices), and see the PFs, VFs and claimed functions with
 * their state in a list.
 *
 * Unloading minivisor gives every claimed function back and disables the
 * VFs of every PF minivisor's stub drives; a host without any SR-IOV
 * device loads the module all the same.
 */
#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "sriov.h"

/* Held by each command and by unload: see sriov.h. */
DEFINE_MUTEX(mv_sriov_lock);

struct pci_dev *mv_pci_lookup(const char *address)
{
	unsigned int domain, bus, device, function;
	struct pci_dev *pdev;
	int length = 0;

	if (sscanf(address, "%x:%x:%x.%x%n", &domain, &bus, &device,
		   &function, &length) != 4 || address[length] ||
	    domain > INT_MAX || bus > 0xff || device > 0x1f || function > 7)
		return ERR_PTR(-EINVAL);
	pdev = pci_get_domain_bus_and_slot(domain, bus,
					   PCI_DEVFN(device, function));
	return pdev ? pdev : ERR_PTR(-ENODEV);
}

bool mv_pci_listed(struct pci_dev *pdev)
{
	return pdev->is_physfn || pdev->is_virtfn ||
	       mv_pci_bound_to(pdev, &mv_claimed_driver);
}

void mv_pci_describe(struct pci_dev *pdev, struct mv_pci_description *desc)
{
	struct device_driver *driver;

	if (pdev->is_physfn)
		desc->kind = MINIVISOR_PCI_PF;
	else if (pdev->is_virtfn)
		desc->kind = MINIVISOR_PCI_VF;
	else
		desc->kind = MINIVISOR_PCI_FUNCTION;

	device_lock(&pdev->dev);
	driver = pdev->dev.driver;
	desc->state = MINIVISOR_PCI_FREE;
	desc->vm_id = 0;
	if (driver == &mv_claimed_driver.driver) {
		desc->vm_id = mv_pci_assigned_vm(pdev);
		desc->state = desc->vm_id ? MINIVISOR_PCI_ASSIGNED :
			      MINIVISOR_PCI_CLAIMED;
	}
	strscpy(desc->driver, driver ? driver->name : "", sizeof(desc->driver));
	desc->nr_vfs = pci_num_vf(pdev);
	desc->total_vfs = pci_sriov_get_totalvfs(pdev);
	device_unlock(&pdev->dev);
}

int mv_sriov_init(void)
{
	int ret = mv_pf_stub_register();

	if (ret)
		return ret;
	ret = mv_claimed_register();
	if (ret)
		mv_pf_stub_unregister();
	return ret;
}

/* Claimed functions go first: their VFs cannot be disabled before. */
void mv_sriov_exit(void)
{
	mv_claimed_unregister();
	mv_pf_stub_unregister();
}
