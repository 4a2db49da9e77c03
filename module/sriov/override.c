// SPDX-License-Identifier: GPL-2.0
/*
 * Binding a PCI function to a driver of minivisor's choosing.
 *
 * A PCI driver binds to the functions its id_table names. A function's
 * driver_override (the sysfs file of that name, Documentation/ABI/testing/
 * sysfs-bus-pci) names the one driver that may bind to it, ids or not:
 * pci_match_device() (drivers/pci/pci-driver.c) then matches that driver
 * alone, and matches it even without an id_table. minivisor's two drivers
 * have no id_table, so they bind to nothing but the functions handed to
 * them here, the way vfio-pci is handed functions from userspace:
 *
 *   1. set driver_override, so that no other driver can take the function;
 *   2. unbind the driver it has (device_release_driver());
 *   3. bind ours (device_driver_attach(), which runs its probe).
 *
 * Giving it back is the reverse: clear driver_override, unbind ours, and
 * let the bus find the function a driver again (device_attach()), as it
 * would for a function just hot-plugged.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "sriov.h"

bool mv_pci_bound_to(struct pci_dev *pdev, struct pci_driver *driver)
{
	bool bound;

	device_lock(&pdev->dev);
	bound = pdev->dev.driver == &driver->driver;
	device_unlock(&pdev->dev);
	return bound;
}

static int set_override(struct pci_dev *pdev, const char *name)
{
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
}

/* Let the bus bind whichever driver matches the function, if any. */
static void find_driver(struct pci_dev *pdev)
{
	if (device_attach(&pdev->dev) < 0)
		pci_info_ratelimited(pdev, "minivisor: no driver bound again\n");
}

static int bind_override(struct pci_dev *pdev, struct pci_driver *driver,
			 bool unbind_first)
{
	int ret = set_override(pdev, driver->name);

	if (ret)
		return ret;
	if (unbind_first)
		device_release_driver(&pdev->dev);
	/* -EBUSY if a driver bound before driver_override was set. */
	ret = device_driver_attach(&driver->driver, &pdev->dev);
	if (ret) {
		pci_info_ratelimited(pdev, "minivisor: %s did not bind: %d\n",
				     driver->name, ret);
		set_override(pdev, "");
		find_driver(pdev);
	}
	return ret;
}

/* Bind driver to a function with no driver; -EBUSY if it has one. */
int mv_pci_bind_unbound(struct pci_dev *pdev, struct pci_driver *driver)
{
	return bind_override(pdev, driver, false);
}

/* Bind driver to a function, unbinding the one it has. */
int mv_pci_take(struct pci_dev *pdev, struct pci_driver *driver)
{
	return bind_override(pdev, driver, true);
}

/* Unbind minivisor's driver and let the function's own driver bind. */
void mv_pci_give_back(struct pci_dev *pdev)
{
	set_override(pdev, "");
	device_release_driver(&pdev->dev);
	find_driver(pdev);
}
