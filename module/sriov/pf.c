// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual functions: turning them on and off on a physical function.
 *
 * An SR-IOV device's physical function (PF) carries the SR-IOV extended
 * capability (PCI Express Base Specification, chapter 9, "Single Root I/O
 * Virtualization and Sharing"). TotalVFs there says how many virtual
 * functions (VFs) it can have; setting NumVFs and VF Enable makes that many
 * appear, each a PCI function of its own, with its own config space, BARs
 * and requester id, at the routing ids First VF Offset and VF Stride give.
 *
 * In Linux the PF's driver decides how many VFs its device has. Its
 * sriov_configure callback is what a write to the PF's sysfs file
 * sriov_numvfs calls (sriov_numvfs_store(), drivers/pci/iov.c), under the
 * PF's device lock and the PCI rescan lock; most drivers then call
 * pci_enable_sriov() or pci_disable_sriov(), which program the capability
 * and add or remove the VFs' pci_devs. minivisor does exactly what that
 * sysfs write does. A PF without a driver first gets minivisor's stub,
 * "minivisor-pf": a driver that does nothing else (drivers/pci/
 * pci-pf-stub.c is its model), bound by driver_override (override.c) and
 * unbound again when its VFs are disabled.
 *
 * A claimed VF (claim.c) carries PCI_DEV_FLAGS_ASSIGNED, which
 * pci_vfs_assigned() counts: while it counts any, the VF count stays.
 */
#include <linux/device.h>
#include <linux/pci.h>

#include "sriov.h"

static int mv_pf_stub_probe(struct pci_dev *pf, const struct pci_device_id *id)
{
	pci_info(pf, "minivisor: PF stub bound, %d VFs possible\n",
		 pci_sriov_get_totalvfs(pf));
	return 0;
}

/*
 * What a PF driver's sriov_configure does, and nothing more; this is also
 * what a write to the PF's sriov_numvfs calls, so it keeps claimed VFs.
 */
static int mv_pf_stub_sriov_configure(struct pci_dev *pf, int nr_vfs)
{
	int ret;

	if (pci_vfs_assigned(pf))
		return -EBUSY;
	if (!nr_vfs) {
		pci_disable_sriov(pf);
		return 0;
	}
	ret = pci_enable_sriov(pf, nr_vfs);
	return ret ? ret : nr_vfs;
}

/* Unbound with VFs still enabled (the PF is going away): remove them. */
static void mv_pf_stub_remove(struct pci_dev *pf)
{
	pci_disable_sriov(pf);
}

struct pci_driver mv_pf_stub_driver = {
	.name			= "minivisor-pf",
	.probe			= mv_pf_stub_probe,
	.remove			= mv_pf_stub_remove,
	.sriov_configure	= mv_pf_stub_sriov_configure,
	/* Bound and unbound by minivisor only, not through sysfs. */
	.driver.suppress_bind_attrs = true,
};

/*
 * Ask the PF's driver for nr_vfs VFs (0: none), as sriov_numvfs_store()
 * does. Returns how many it enabled, or -errno.
 */
static int configure_vfs(struct pci_dev *pf, int nr_vfs)
{
	struct pci_driver *driver;
	int ret;

	device_lock(&pf->dev);
	driver = pf->dev.driver ? to_pci_driver(pf->dev.driver) : NULL;
	if (driver && driver->sriov_configure) {
		pci_lock_rescan_remove();
		ret = driver->sriov_configure(pf, nr_vfs);
		pci_unlock_rescan_remove();
	} else {
		pci_info_ratelimited(pf, "minivisor: driver %s cannot configure VFs\n",
				     driver ? driver->name : "(none)");
		ret = -EOPNOTSUPP;
	}
	device_unlock(&pf->dev);
	return ret;
}

static int not_a_pf(struct pci_dev *pdev)
{
	pci_info_ratelimited(pdev, "minivisor: not an SR-IOV physical function\n");
	return -EINVAL;
}

static bool has_driver(struct pci_dev *pdev)
{
	bool bound;

	device_lock(&pdev->dev);
	bound = pdev->dev.driver;
	device_unlock(&pdev->dev);
	return bound;
}

int mv_sriov_enable(struct pci_dev *pf, unsigned int nr_vfs)
{
	unsigned int total = pci_sriov_get_totalvfs(pf);
	unsigned int enabled;
	bool stub_bound = false;
	int ret;

	if (!pf->is_physfn)
		return not_a_pf(pf);
	if (!nr_vfs || nr_vfs > total) {
		pci_info_ratelimited(pf, "minivisor: cannot enable %u VFs: 1 to %u\n",
				     nr_vfs, total);
		return -EINVAL;
	}

	mutex_lock(&mv_sriov_lock);
	enabled = pci_num_vf(pf);
	if (enabled) {
		if (enabled != nr_vfs)
			pci_info_ratelimited(pf, "minivisor: %u VFs enabled; disable them first\n",
					     enabled);
		ret = enabled == nr_vfs ? 0 : -EBUSY;
		goto out;
	}
	if (!has_driver(pf)) {
		ret = mv_pci_bind_unbound(pf, &mv_pf_stub_driver);
		if (ret)
			goto out;
		stub_bound = true;
	}
	ret = configure_vfs(pf, nr_vfs);
	if (ret >= 0 && ret != (int)nr_vfs)
		pci_info_ratelimited(pf, "minivisor: %u VFs asked for, %d enabled\n",
				     nr_vfs, ret);
	if (ret < 0 && stub_bound)
		mv_pci_give_back(pf);
out:
	mutex_unlock(&mv_sriov_lock);
	return min(ret, 0);
}

int mv_sriov_disable(struct pci_dev *pf)
{
	int assigned, ret = 0;

	if (!pf->is_physfn)
		return not_a_pf(pf);

	mutex_lock(&mv_sriov_lock);
	assigned = pci_vfs_assigned(pf);
	if (assigned) {
		pci_info_ratelimited(pf, "minivisor: %d VFs claimed or assigned; release them first\n",
				     assigned);
		ret = -EBUSY;
		goto out;
	}
	if (pci_num_vf(pf))
		ret = configure_vfs(pf, 0);
	if (ret >= 0 && mv_pci_bound_to(pf, &mv_pf_stub_driver))
		mv_pci_give_back(pf);
out:
	mutex_unlock(&mv_sriov_lock);
	return min(ret, 0);
}

int mv_pf_stub_register(void)
{
	return pci_register_driver(&mv_pf_stub_driver);
}

/* Disable the VFs of every PF the stub drives, give the PFs back. */
void mv_pf_stub_unregister(void)
{
	struct device *dev;

	mutex_lock(&mv_sriov_lock);
	while ((dev = driver_find_next_device(&mv_pf_stub_driver.driver,
					      NULL))) {
		configure_vfs(to_pci_dev(dev), 0);
		mv_pci_give_back(to_pci_dev(dev));
		put_device(dev);
	}
	mutex_unlock(&mv_sriov_lock);
	pci_unregister_driver(&mv_pf_stub_driver);
}
