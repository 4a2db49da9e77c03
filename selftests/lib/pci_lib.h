/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the suites that claim PCI functions share (sriov, assign,
 * assign_irq): a test starts with the module loaded and mvctl's netlink
 * client connected to it, and checks at its end that no WARN came
 * meanwhile. Linked with libnl-genl, through userspace/genl.c.
 */
#ifndef PCI_LIB_H
#define PCI_LIB_H

#include "genl.h"

/*
 * Count the WARNs in the kernel log so far into *warnings, load the
 * module and connect genl to its family: 0, or the first -errno.
 */
int pci_test_connect(struct mvctl_genl *genl, int *warnings);

/* Close genl and unload the module: 0, or -errno of unloading. */
int pci_test_disconnect(struct mvctl_genl *genl);

#endif /* PCI_LIB_H */
