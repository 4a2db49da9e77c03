// SPDX-License-Identifier: GPL-2.0
/*
 * Claiming a PCI function for assignment to a VM.
 *
 * Before a VM can have a function (a VF, or any other endpoint), the host
 * must let go of it: its driver is unbound and minivisor's driver,
 * "minivisor", is bound in its place (override.c). Bound to it, the
 * function is claimed:
 *
 * - It carries PCI_DEV_FLAGS_ASSIGNED, the flag by which the PCI core and
 *   PF drivers know a function is a guest's (pci_vfs_assigned(); the PF
 *   drivers' pci_sriov_configure_simple() keeps VFs that have it).
 *
 * - minivisor owns its DMA. The driver sets driver_managed_dma, so binding
 *   it does not attach the function to the kernel's DMA-API domain
 *   (pci_dma_configure(), drivers/pci/pci-driver.c), and probe claims the
 *   function's IOMMU group (iommu_group_claim_dma_owner(), drivers/iommu/
 *   iommu.c; Linux 6.1 has no per-device form), which puts the group in a
 *   blocking domain: the function can reach no memory until a VM's own
 *   domain is attached at assignment. Every function of a group shares one
 *   translation, so ownership is per group: the first claimed function of
 *   a group takes it, the last one released gives it back. A group with a
 *   function a host driver still uses cannot be owned: the claim fails with
 *   EBUSY. Without an IOMMU there is no group, and nothing to own.
 *
 * A claimed function may then be assigned to a VM (assign.c). Releasing
 * it, once no VM has it, undoes both, and its own driver binds again.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "sriov.h"

/* An IOMMU group minivisor owns the DMA of, for how many functions. */
struct mv_owned_group {
	struct list_head node;
	struct iommu_group *group;
	unsigned int functions;
};

static LIST_HEAD(mv_owned_groups);
/* Guards mv_owned_groups; probe and remove can run outside our commands. */
static DEFINE_MUTEX(mv_owned_groups_lock);

static struct mv_owned_group *find_owned(struct iommu_group *group)
{
	struct mv_owned_group *owned;

	list_for_each_entry(owned, &mv_owned_groups, node)
		if (owned->group == group)
			return owned;
	return NULL;
}

/*
 * Take DMA ownership of claim's IOMMU group, or count one more function of
 * a group already owned. claim keeps the group referenced.
 */
static int own_dma(struct pci_dev *pdev, struct mv_claim *claim)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	struct mv_owned_group *owned;
	int ret = 0;

	if (!group)
		return 0;

	mutex_lock(&mv_owned_groups_lock);
	owned = find_owned(group);
	if (owned) {
		owned->functions++;
		goto out;
	}
	owned = kzalloc(sizeof(*owned), GFP_KERNEL);
	if (!owned) {
		ret = -ENOMEM;
		goto out;
	}
	ret = iommu_group_claim_dma_owner(group, owned);
	if (ret) {
		pci_info_ratelimited(pdev, "minivisor: IOMMU group %d has a function in use by a host driver\n",
				     iommu_group_id(group));
		kfree(owned);
		ret = -EBUSY;
		goto out;
	}
	owned->group = group;
	owned->functions = 1;
	list_add(&owned->node, &mv_owned_groups);
out:
	mutex_unlock(&mv_owned_groups_lock);
	if (ret)
		iommu_group_put(group);
	else
		claim->group = group;
	return ret;
}

static void disown_dma(struct mv_claim *claim)
{
	struct iommu_group *group = claim->group;
	struct mv_owned_group *owned;

	if (!group)
		return;
	mutex_lock(&mv_owned_groups_lock);
	owned = find_owned(group);
	if (!--owned->functions) {
		iommu_group_release_dma_owner(group);
		list_del(&owned->node);
		kfree(owned);
	}
	mutex_unlock(&mv_owned_groups_lock);
	iommu_group_put(group);
}

static int mv_claimed_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct mv_claim *claim = kzalloc(sizeof(*claim), GFP_KERNEL);
	int ret;

	if (!claim)
		return -ENOMEM;
	ret = own_dma(pdev, claim);
	if (ret) {
		kfree(claim);
		return ret;
	}
	pci_set_drvdata(pdev, claim);
	pci_set_dev_assigned(pdev);
	if (claim->group)
		pci_info(pdev, "minivisor: claimed, DMA of IOMMU group %d blocked\n",
			 iommu_group_id(claim->group));
	else
		pci_info(pdev, "minivisor: claimed, no IOMMU group\n");
	return 0;
}

/* Also when the function goes away while a VM has it: take it back. */
static void mv_claimed_remove(struct pci_dev *pdev)
{
	struct mv_claim *claim = pci_get_drvdata(pdev);

	mv_assigned_remove(pdev);
	pci_clear_dev_assigned(pdev);
	disown_dma(claim);
	pci_set_drvdata(pdev, NULL);
	kfree(claim);
	pci_info(pdev, "minivisor: released\n");
}

struct pci_driver mv_claimed_driver = {
	.name			= "minivisor",
	.probe			= mv_claimed_probe,
	.remove			= mv_claimed_remove,
	.driver_managed_dma	= true,
	/* Bound and unbound by minivisor only, not through sysfs. */
	.driver.suppress_bind_attrs = true,
};

int mv_pci_claim(struct pci_dev *pdev)
{
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info_ratelimited(pdev, "minivisor: a bridge cannot be claimed\n");
		return -EINVAL;
	}

	mutex_lock(&mv_sriov_lock);
	if (mv_pci_bound_to(pdev, &mv_claimed_driver)) {
		ret = -EBUSY;
	} else if (pci_num_vf(pdev)) {
		pci_info_ratelimited(pdev, "minivisor: a PF with VFs enabled cannot be claimed\n");
		ret = -EBUSY;
	} else {
		ret = mv_pci_take(pdev, &mv_claimed_driver);
	}
	mutex_unlock(&mv_sriov_lock);
	return ret;
}

int mv_pci_release(struct pci_dev *pdev)
{
	int ret = 0;
	u32 vm_id;

	mutex_lock(&mv_sriov_lock);
	device_lock(&pdev->dev);
	vm_id = mv_pci_assigned_vm(pdev);
	device_unlock(&pdev->dev);
	if (!mv_pci_bound_to(pdev, &mv_claimed_driver)) {
		ret = -EINVAL;
	} else if (vm_id) {
		pci_info_ratelimited(pdev, "minivisor: assigned to a VM, not released\n");
		ret = -EBUSY;
	} else {
		mv_pci_give_back(pdev);
	}
	mutex_unlock(&mv_sriov_lock);
	return ret;
}

int mv_claimed_register(void)
{
	return pci_register_driver(&mv_claimed_driver);
}

/* Give every claimed function back to the host. */
void mv_claimed_unregister(void)
{
	struct device *dev;

	mutex_lock(&mv_sriov_lock);
	while ((dev = driver_find_next_device(&mv_claimed_driver.driver,
					      NULL))) {
		mv_pci_give_back(to_pci_dev(dev));
		put_device(dev);
	}
	mutex_unlock(&mv_sriov_lock);
	pci_unregister_driver(&mv_claimed_driver);
}
