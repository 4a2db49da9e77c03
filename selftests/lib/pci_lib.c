// SPDX-License-Identifier: GPL-2.0
/*
 * The start and end of a test that claims PCI functions through the
 * netlink family: the module loaded and mvctl's client connected, and
 * both undone again.
 */
#include "mv_test.h"
#include "pci_lib.h"

int pci_test_connect(struct mvctl_genl *genl, int *warnings)
{
	int ret;

	*warnings = mv_kernel_warnings();
	if (*warnings < 0)
		return *warnings;
	ret = mv_module_load();
	if (ret)
		return ret;
	return mvctl_genl_open(genl, "test");
}

int pci_test_disconnect(struct mvctl_genl *genl)
{
	mvctl_genl_close(genl);
	return mv_module_unload();
}
