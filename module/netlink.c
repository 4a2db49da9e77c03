// SPDX-License-Identifier: GPL-2.0
/*
 * The "minivisor" generic netlink family: what a management tool (mvctl
 * list, stat, top, events) may ask the hypervisor, and what it announces.
 *
 * The VM and vCPU file descriptors belong to the VMM process that made
 * them; this is the side door for everyone else on the host. It answers
 * three questions: which VMs exist (pid, vCPUs, memory, uptime, EPT
 * mappings), what each vCPU's exits cost (stats.h), and, as multicasts to
 * the group "events", when VMs come and go and vCPUs stop for good.
 *
 * Who may see what: a VM's details go to the user who created it and to
 * CAP_SYS_ADMIN; a dump leaves out the VMs the caller may not see, a
 * request naming one fails with EPERM. The events group, which covers every
 * VM, is for CAP_SYS_ADMIN alone. Requests about VMs carry at most one
 * attribute, MINIVISOR_ATTR_VM_ID; their policy rejects every other one.
 *
 * The SR-IOV commands (sriov/) list PFs, VFs and claimed functions, enable
 * and disable VFs, claim and release functions. They change which driver
 * owns a host device, so they are for CAP_SYS_ADMIN alone: the ops carry
 * GENL_ADMIN_PERM (which checks CAP_NET_ADMIN) and the handlers check
 * CAP_SYS_ADMIN. Their own policy admits a function's address and a VF
 * count, and strict validation rejects every other attribute.
 */
#include <linux/capability.h>
#include <linux/ktime.h>
#include <linux/minivisor.h>
#include <net/genetlink.h>

#include "backend.h"
#include "netlink.h"
#include "sriov/sriov.h"
#include "stats.h"
#include "vcpu.h"
#include "vm.h"

enum mv_multicast_group {
	MV_EVENTS_GROUP,
};

static const struct nla_policy mv_policy[MINIVISOR_ATTR_MAX + 1] = {
	[MINIVISOR_ATTR_VM_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	/* The rest only ever travel from the kernel to userspace. */
	[MINIVISOR_ATTR_PAD]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PID]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_UID]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_VCPUS]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_MEMORY]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_UPTIME_NS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_MAPPED_4K]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_MAPPED_2M]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_DIRTY_LOG_PASSES] = { .type = NLA_REJECT },
	[MINIVISOR_ATTR_VCPU_ID]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_USER_EXITS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EXIT]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EXIT_REASON]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EXIT_NAME]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EXIT_COUNT]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EXIT_CYCLES]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EVENT]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_EVENT_REASON]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_SUBERROR]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_ADDRESS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_KIND]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_STATE]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_VENDOR]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_DEVICE]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_DRIVER]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_NUM_VFS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_TOTAL_VFS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_PF]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_VM_ID]	= { .type = NLA_REJECT },
};

/* "0000:01:00.0"; domains above 0xffff have more digits. */
#define MV_PCI_ADDRESS_MAX_LEN	16

/*
 * The SR-IOV commands' requests: an address and, to enable VFs, a count.
 * What this leaves out is NLA_UNSPEC, which strict validation rejects.
 */
static const struct nla_policy mv_sriov_policy[MINIVISOR_ATTR_MAX + 1] = {
	[MINIVISOR_ATTR_PCI_ADDRESS]	= { .type = NLA_NUL_STRING,
					    .len = MV_PCI_ADDRESS_MAX_LEN },
	/* 0 or too many: mv_sriov_enable() says EINVAL, as for a bad PF */
	[MINIVISOR_ATTR_NUM_VFS]	= { .type = NLA_U32 },
	/* The rest only ever travel from the kernel to userspace. */
	[MINIVISOR_ATTR_PCI_KIND]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_STATE]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_VENDOR]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_DEVICE]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_DRIVER]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_TOTAL_VFS]	= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_PF]		= { .type = NLA_REJECT },
	[MINIVISOR_ATTR_PCI_VM_ID]	= { .type = NLA_REJECT },
};

static struct genl_family mv_family;

/* Whether the sender of request may see vm's details. */
static bool may_see(struct sk_buff *request, const struct mv_vm *vm)
{
	return uid_eq(NETLINK_CB(request).creds.uid, vm->owner) ||
	       netlink_capable(request, CAP_SYS_ADMIN);
}

/* The VM a request names, referenced, or an ERR_PTR. */
static struct mv_vm *requested_vm(struct sk_buff *request,
				  struct nlattr *vm_id)
{
	struct mv_vm *vm = mv_vm_find(nla_get_u32(vm_id));

	if (!vm)
		return ERR_PTR(-ENOENT);
	if (!may_see(request, vm)) {
		mv_vm_put(vm);
		return ERR_PTR(-EPERM);
	}
	return vm;
}

/* The attributes that say which VM a message is about. */
static int put_vm_identity(struct sk_buff *msg, const struct mv_vm *vm)
{
	return nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, vm->id) ||
	       nla_put_u32(msg, MINIVISOR_ATTR_PID, vm->pid) ||
	       nla_put_u32(msg, MINIVISOR_ATTR_UID,
			   from_kuid_munged(&init_user_ns, vm->owner));
}

static int put_u64(struct sk_buff *msg, int type, u64 value)
{
	return nla_put_u64_64bit(msg, type, value, MINIVISOR_ATTR_PAD);
}

static int put_vm(struct sk_buff *msg, struct mv_vm *vm, u32 portid, u32 seq,
		  int flags)
{
	struct mv_memory_usage usage;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &mv_family, flags,
			  MINIVISOR_CMD_GET_VM);
	if (!hdr)
		return -EMSGSIZE;
	mv_memory_usage(vm, &usage);
	if (put_vm_identity(msg, vm) ||
	    nla_put_u32(msg, MINIVISOR_ATTR_VCPUS, mv_vm_nr_vcpus(vm)) ||
	    put_u64(msg, MINIVISOR_ATTR_MEMORY, usage.slot_bytes) ||
	    put_u64(msg, MINIVISOR_ATTR_UPTIME_NS,
		    ktime_get_ns() - vm->created_ns) ||
	    put_u64(msg, MINIVISOR_ATTR_MAPPED_4K, usage.mapped_4k) ||
	    put_u64(msg, MINIVISOR_ATTR_MAPPED_2M, usage.mapped_2m) ||
	    put_u64(msg, MINIVISOR_ATTR_DIRTY_LOG_PASSES,
		    usage.dirty_log_passes)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int get_vm_doit(struct sk_buff *request, struct genl_info *info)
{
	struct sk_buff *msg;
	struct mv_vm *vm;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, MINIVISOR_ATTR_VM_ID))
		return -EINVAL;
	vm = requested_vm(request, info->attrs[MINIVISOR_ATTR_VM_ID]);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		mv_vm_put(vm);
		return -ENOMEM;
	}
	ret = put_vm(msg, vm, info->snd_portid, info->snd_seq, 0);
	mv_vm_put(vm);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* A dump resumes at the VM id kept in cb->args[0]. */
static int get_vm_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	u32 id = cb->args[0];
	struct mv_vm *vm;
	int ret = 0;

	while (!ret && (vm = mv_vm_find_next(&id))) {
		if (may_see(cb->skb, vm))
			ret = put_vm(msg, vm, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI);
		mv_vm_put(vm);
		if (!ret)
			id++;
	}
	cb->args[0] = id;
	return msg->len;
}

/* One exit reason's count and cycles, nested in a vCPU's message. */
static int put_exit(struct sk_buff *msg, const struct mv_vcpu_stats *stats,
		    u32 reason)
{
	const char *name = mv_backend->exit_name(reason);
	struct nlattr *nest;

	nest = nla_nest_start(msg, MINIVISOR_ATTR_EXIT);
	if (!nest ||
	    nla_put_u32(msg, MINIVISOR_ATTR_EXIT_REASON, reason) ||
	    (name && nla_put_string(msg, MINIVISOR_ATTR_EXIT_NAME, name)) ||
	    put_u64(msg, MINIVISOR_ATTR_EXIT_COUNT,
		    READ_ONCE(stats->exits[reason])) ||
	    put_u64(msg, MINIVISOR_ATTR_EXIT_CYCLES,
		    READ_ONCE(stats->exit_cycles[reason])))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_vcpu_stats(struct sk_buff *msg, struct mv_vcpu *vcpu,
			  struct netlink_callback *cb)
{
	const struct mv_vcpu_stats *stats = &vcpu->stats;
	u32 reason;
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mv_family, NLM_F_MULTI, MINIVISOR_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (put_vm_identity(msg, vcpu->vm) ||
	    nla_put_u32(msg, MINIVISOR_ATTR_VCPU_ID, vcpu->id) ||
	    put_u64(msg, MINIVISOR_ATTR_USER_EXITS,
		    READ_ONCE(stats->user_exits)))
		goto too_big;
	for (reason = 0; reason < mv_backend->nr_exit_reasons; reason++)
		if (READ_ONCE(stats->exits[reason]) &&
		    put_exit(msg, stats, reason))
			goto too_big;
	genlmsg_end(msg, hdr);
	return 0;

too_big:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* The vCPUs of vm from cb->args[1] on; returns 0 when all are in msg. */
static int put_vm_stats(struct sk_buff *msg, struct mv_vm *vm,
			struct netlink_callback *cb)
{
	struct mv_vcpu *vcpu;
	int ret = 0;

	for (; cb->args[1] < MV_MAX_VCPUS && !ret; cb->args[1]++) {
		mutex_lock(&vm->lock);
		vcpu = vm->vcpus[cb->args[1]];
		mutex_unlock(&vm->lock);
		if (vcpu)
			ret = put_vcpu_stats(msg, vcpu, cb);
		if (ret)
			return ret;
	}
	return 0;
}

/* A statistics dump names a VM or none; check it before the dump begins. */
static int get_stats_start(struct netlink_callback *cb)
{
	struct nlattr *vm_id = genl_dumpit_info(cb)->attrs[MINIVISOR_ATTR_VM_ID];
	struct mv_vm *vm;

	if (!vm_id)
		return 0;
	vm = requested_vm(cb->skb, vm_id);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	mv_vm_put(vm);
	return 0;
}

/*
 * One message per vCPU. cb->args[0] is the VM id to resume at (with
 * MINIVISOR_ATTR_VM_ID, only that VM), cb->args[1] the vCPU id.
 */
static int get_stats_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	struct nlattr *vm_id = genl_dumpit_info(cb)->attrs[MINIVISOR_ATTR_VM_ID];
	u32 id = vm_id ? max_t(u32, cb->args[0], nla_get_u32(vm_id)) :
			 cb->args[0];
	struct mv_vm *vm;
	int ret = 0;

	while (!ret && (vm = mv_vm_find_next(&id))) {
		if (vm_id && id != nla_get_u32(vm_id)) {
			mv_vm_put(vm);
			break;
		}
		if (may_see(cb->skb, vm))
			ret = put_vm_stats(msg, vm, cb);
		mv_vm_put(vm);
		if (!ret) {
			id++;
			cb->args[1] = 0;
		}
	}
	cb->args[0] = id;
	if (ret && !msg->len)
		return ret;	/* one vCPU's statistics overflow a message */
	return msg->len;
}

/* One message per PF, VF and claimed function. */
static int put_pci_function(struct sk_buff *msg, struct pci_dev *pdev,
			    struct netlink_callback *cb)
{
	struct mv_pci_description desc;
	void *hdr;

	hdr = genlmsg_put(msg, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mv_family, NLM_F_MULTI, MINIVISOR_CMD_SRIOV_LIST);
	if (!hdr)
		return -EMSGSIZE;
	mv_pci_describe(pdev, &desc);
	if (nla_put_string(msg, MINIVISOR_ATTR_PCI_ADDRESS, pci_name(pdev)) ||
	    nla_put_u32(msg, MINIVISOR_ATTR_PCI_KIND, desc.kind) ||
	    nla_put_u32(msg, MINIVISOR_ATTR_PCI_STATE, desc.state) ||
	    nla_put_u16(msg, MINIVISOR_ATTR_PCI_VENDOR, pdev->vendor) ||
	    nla_put_u16(msg, MINIVISOR_ATTR_PCI_DEVICE, pdev->device) ||
	    (desc.driver[0] &&
	     nla_put_string(msg, MINIVISOR_ATTR_PCI_DRIVER, desc.driver)) ||
	    (desc.kind == MINIVISOR_PCI_PF &&
	     (nla_put_u32(msg, MINIVISOR_ATTR_NUM_VFS, desc.nr_vfs) ||
	      nla_put_u32(msg, MINIVISOR_ATTR_TOTAL_VFS, desc.total_vfs))) ||
	    (desc.kind == MINIVISOR_PCI_VF &&
	     nla_put_string(msg, MINIVISOR_ATTR_PCI_PF,
			    pci_name(pci_physfn(pdev)))) ||
	    (desc.vm_id &&
	     nla_put_u32(msg, MINIVISOR_ATTR_PCI_VM_ID, desc.vm_id))) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int sriov_list_start(struct netlink_callback *cb)
{
	return netlink_capable(cb->skb, CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* A dump resumes after the cb->args[0] functions it has listed. */
static int sriov_list_dumpit(struct sk_buff *msg, struct netlink_callback *cb)
{
	struct pci_dev *pdev = NULL;
	unsigned long listed = 0;

	for_each_pci_dev(pdev) {
		if (!mv_pci_listed(pdev) || listed++ < cb->args[0])
			continue;
		if (put_pci_function(msg, pdev, cb)) {
			pci_dev_put(pdev);
			listed--;
			break;
		}
	}
	cb->args[0] = listed;
	return msg->len;
}

/* The function a request names, referenced, or an ERR_PTR. */
static struct pci_dev *requested_pci_dev(struct sk_buff *request,
					 struct genl_info *info)
{
	if (!netlink_capable(request, CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);
	if (GENL_REQ_ATTR_CHECK(info, MINIVISOR_ATTR_PCI_ADDRESS))
		return ERR_PTR(-EINVAL);
	return mv_pci_lookup(nla_data(info->attrs[MINIVISOR_ATTR_PCI_ADDRESS]));
}

static int sriov_enable_doit(struct sk_buff *request, struct genl_info *info)
{
	struct pci_dev *pf = requested_pci_dev(request, info);
	int ret;

	if (IS_ERR(pf))
		return PTR_ERR(pf);
	if (GENL_REQ_ATTR_CHECK(info, MINIVISOR_ATTR_NUM_VFS))
		ret = -EINVAL;
	else
		ret = mv_sriov_enable(pf, nla_get_u32(info->attrs[MINIVISOR_ATTR_NUM_VFS]));
	pci_dev_put(pf);
	return ret;
}

/* The commands that take a function's address and nothing else. */
static int pci_function_doit(struct sk_buff *request, struct genl_info *info,
			     int (*command)(struct pci_dev *pdev))
{
	struct pci_dev *pdev = requested_pci_dev(request, info);
	int ret;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ret = command(pdev);
	pci_dev_put(pdev);
	return ret;
}

static int sriov_disable_doit(struct sk_buff *request, struct genl_info *info)
{
	return pci_function_doit(request, info, mv_sriov_disable);
}

static int pci_claim_doit(struct sk_buff *request, struct genl_info *info)
{
	return pci_function_doit(request, info, mv_pci_claim);
}

static int pci_release_doit(struct sk_buff *request, struct genl_info *info)
{
	return pci_function_doit(request, info, mv_pci_release);
}

static const struct genl_ops mv_ops[] = {
	{
		.cmd	= MINIVISOR_CMD_GET_VM,
		.doit	= get_vm_doit,
		.dumpit	= get_vm_dumpit,
	},
	{
		.cmd	= MINIVISOR_CMD_GET_STATS,
		.start	= get_stats_start,
		.dumpit	= get_stats_dumpit,
	},
	{
		.cmd	= MINIVISOR_CMD_SRIOV_LIST,
		.start	= sriov_list_start,
		.dumpit	= sriov_list_dumpit,
		.flags	= GENL_ADMIN_PERM,
		.policy	= mv_sriov_policy,
		.maxattr = MINIVISOR_ATTR_MAX,
	},
	{
		.cmd	= MINIVISOR_CMD_SRIOV_ENABLE,
		.doit	= sriov_enable_doit,
		.flags	= GENL_ADMIN_PERM,
		.policy	= mv_sriov_policy,
		.maxattr = MINIVISOR_ATTR_MAX,
	},
	{
		.cmd	= MINIVISOR_CMD_SRIOV_DISABLE,
		.doit	= sriov_disable_doit,
		.flags	= GENL_ADMIN_PERM,
		.policy	= mv_sriov_policy,
		.maxattr = MINIVISOR_ATTR_MAX,
	},
	{
		.cmd	= MINIVISOR_CMD_PCI_CLAIM,
		.doit	= pci_claim_doit,
		.flags	= GENL_ADMIN_PERM,
		.policy	= mv_sriov_policy,
		.maxattr = MINIVISOR_ATTR_MAX,
	},
	{
		.cmd	= MINIVISOR_CMD_PCI_RELEASE,
		.doit	= pci_release_doit,
		.flags	= GENL_ADMIN_PERM,
		.policy	= mv_sriov_policy,
		.maxattr = MINIVISOR_ATTR_MAX,
	},
};

static const struct genl_multicast_group mv_multicast_groups[] = {
	[MV_EVENTS_GROUP] = {
		.name	= MINIVISOR_GENL_EVENTS_GROUP,
		.flags	= GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static struct genl_family mv_family __ro_after_init = {
	.name		= MINIVISOR_GENL_NAME,
	.version	= MINIVISOR_GENL_VERSION,
	.maxattr	= MINIVISOR_ATTR_MAX,
	.policy		= mv_policy,
	.parallel_ops	= true,
	.ops		= mv_ops,
	.n_ops		= ARRAY_SIZE(mv_ops),
	.mcgrps		= mv_multicast_groups,
	.n_mcgrps	= ARRAY_SIZE(mv_multicast_groups),
	.module		= THIS_MODULE,
};

/* Why a vCPU stopped, in words, for its event. */
static const char *vcpu_stop_reason(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_SHUTDOWN)
		return "triple fault";
	switch (run->internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction not emulated";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "MMIO access while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected VM exit";
	default:
		return "internal error";
	}
}

static void send_event(struct mv_vm *vm, struct mv_vcpu *vcpu,
		       enum minivisor_event event)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&mv_family, &init_net, MV_EVENTS_GROUP))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &mv_family, 0, MINIVISOR_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, MINIVISOR_ATTR_EVENT, event) ||
	    put_vm_identity(msg, vm) ||
	    (vcpu &&
	     (nla_put_u32(msg, MINIVISOR_ATTR_VCPU_ID, vcpu->id) ||
	      nla_put_string(msg, MINIVISOR_ATTR_EVENT_REASON,
			     vcpu_stop_reason(vcpu->run)))) ||
	    (event == MINIVISOR_EVENT_VCPU_INTERNAL_ERROR &&
	     nla_put_u32(msg, MINIVISOR_ATTR_SUBERROR,
			 vcpu->run->internal.suberror))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&mv_family, msg, 0, MV_EVENTS_GROUP, GFP_KERNEL);
}

void mv_netlink_vm_event(struct mv_vm *vm, enum minivisor_event event)
{
	send_event(vm, NULL, event);
}

void mv_netlink_vcpu_event(struct mv_vcpu *vcpu, enum minivisor_event event)
{
	send_event(vcpu->vm, vcpu, event);
}

int __init mv_netlink_register(void)
{
	return genl_register_family(&mv_family);
}

void mv_netlink_unregister(void)
{
	genl_unregister_family(&mv_family);
}
