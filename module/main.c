// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: a small VT-x hypervisor that speaks the KVM API.
 *
 * Loading the module does four things: it finds out, once, whether this
 * CPU's VT-x can run guests (vmx/caps.c) and says so in one log line, it
 * registers the PCI drivers that take SR-IOV physical functions and claimed
 * functions (sriov/), the netlink family management tools talk to
 * (netlink.c), and it opens the front door, /dev/minivisor (dev.c). The
 * module loads on any x86-64 host, with or without SR-IOV devices; only
 * vCPUs need VT-x. VMX operation itself is entered later,
 * when the first vCPU is created, and left when the last VM goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include "minivisor.h"
#include "netlink.h"
#include "sriov/sriov.h"
#include "vmx/caps.h"
#include "vmx/vmx.h"

static int __init mv_init(void)
{
	const char *missing = mv_vmx_probe();
	int ret;

	if (missing) {
		pr_info("VT-x not usable: %s; vCPUs disabled\n", missing);
	} else {
		pr_info("VT-x usable: EPT, VPID, unrestricted guest\n");
		ret = mv_vmx_setup();
		if (ret)
			return ret;
	}

	ret = mv_sriov_init();
	if (ret)
		goto undo_vmx;
	ret = mv_netlink_register();
	if (ret)
		goto undo_sriov;
	ret = mv_dev_register();
	if (!ret)
		return 0;

	mv_netlink_unregister();
undo_sriov:
	mv_sriov_exit();
undo_vmx:
	if (!missing)
		mv_vmx_teardown();
	return ret;
}

static void __exit mv_exit(void)
{
	mv_dev_unregister();
	mv_netlink_unregister();
	mv_sriov_exit();
	if (mv_vmx_caps.usable)
		mv_vmx_teardown();
}

module_init(mv_init);
module_exit(mv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The minivisor developers");
MODULE_DESCRIPTION("minivisor: a small VT-x hypervisor with the KVM API");
MODULE_VERSION("0.1.0");
