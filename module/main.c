// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: a small hypervisor that speaks the KVM API.
 *
 * Loading the module does four things: it chooses, once, the backend this
 * host's CPU can run guests with (backend.h; VT-x: vmx/caps.c) and says so
 * in one log line, it registers the PCI drivers that take SR-IOV physical
 * functions and claimed functions (sriov/), the netlink family management
 * tools talk to (netlink.c), and it opens the front door, /dev/minivisor
 * (dev.c). The module loads on any x86-64 host, with or without SR-IOV
 * devices; only vCPUs need a backend. Virtualization itself (on VT-x, VMX
 * operation) is turned on later, when the first vCPU is created, and off
 * when the last VM goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/static_call.h>

#include "backend.h"
#include "minivisor.h"
#include "netlink.h"
#include "sriov/sriov.h"

const struct mv_backend *mv_backend;

DEFINE_STATIC_CALL_NULL(mv_backend_vcpu_load, *mv_vmx_backend.vcpu_load);
DEFINE_STATIC_CALL_NULL(mv_backend_run, *mv_vmx_backend.run);
DEFINE_STATIC_CALL_NULL(mv_backend_vcpu_put, *mv_vmx_backend.vcpu_put);

/* Set up the backend this CPU can use, if any; 0 or -errno. */
static int mv_backend_choose(void)
{
	const struct mv_backend *backend = &mv_vmx_backend;
	const char *missing = backend->probe();
	int ret;

	if (missing) {
		pr_info("%s not usable: %s; vCPUs disabled\n", backend->name,
			missing);
		return 0;
	}
	ret = backend->setup();
	if (ret)
		return ret;
	pr_info("%s usable: %s\n", backend->name, backend->features);
	static_call_update(mv_backend_vcpu_load, backend->vcpu_load);
	static_call_update(mv_backend_run, backend->run);
	static_call_update(mv_backend_vcpu_put, backend->vcpu_put);
	mv_backend = backend;
	return 0;
}

static void mv_backend_release(void)
{
	if (mv_backend)
		mv_backend->teardown();
}

static int __init mv_init(void)
{
	int ret = mv_backend_choose();

	if (ret)
		return ret;
	ret = mv_sriov_init();
	if (ret)
		goto undo_backend;
	ret = mv_netlink_register();
	if (ret)
		goto undo_sriov;
	ret = mv_dev_register();
	if (!ret)
		return 0;

	mv_netlink_unregister();
undo_sriov:
	mv_sriov_exit();
undo_backend:
	mv_backend_release();
	return ret;
}

static void __exit mv_exit(void)
{
	mv_dev_unregister();
	mv_netlink_unregister();
	mv_sriov_exit();
	mv_backend_release();
}

module_init(mv_init);
module_exit(mv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The minivisor developers");
MODULE_DESCRIPTION("minivisor: a small hypervisor with the KVM API");
MODULE_VERSION("0.1.0");
