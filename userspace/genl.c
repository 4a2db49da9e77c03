// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the "minivisor" generic netlink family with libnl-genl-3.
 *
 * Each request goes out with the family's version; each answer is parsed
 * against the family's attributes into the structures of genl.h. A dump
 * ends with NLMSG_DONE, any other request with an acknowledgment, and an
 * error arrives as NLMSG_ERROR with the kernel's -errno.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/minivisor.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "genl.h"

struct transaction {
	mvctl_genl_parser parse;
	void *arg;
	int error;
	bool done;
};

static int parse_message(struct nl_msg *msg, void *arg)
{
	struct nlattr *attrs[MINIVISOR_ATTR_MAX + 1];
	struct transaction *t = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, MINIVISOR_ATTR_MAX, NULL))
		return NL_SKIP;
	if (t->parse)
		t->error = t->parse(nlmsg_hdr(msg), attrs, t->arg);
	return t->error ? NL_STOP : NL_OK;
}

static int record_error(struct sockaddr_nl *who, struct nlmsgerr *err,
			void *arg)
{
	struct transaction *t = arg;

	(void)who;
	t->error = err->error;
	t->done = true;
	return NL_STOP;
}

static int record_end(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

/* Multicast messages carry no sequence number to check. */
static int accept_any_sequence(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int mvctl_genl_open(struct mvctl_genl *genl, const char *command)
{
	genl->sock = nl_socket_alloc();
	if (!genl->sock || genl_connect(genl->sock)) {
		fprintf(stderr, "mvctl %s: cannot open a netlink socket\n",
			command);
		return -1;
	}
	genl->family = genl_ctrl_resolve(genl->sock, MINIVISOR_GENL_NAME);
	if (genl->family < 0) {
		fprintf(stderr,
			"mvctl %s: no netlink family \"%s\" (is the minivisor module loaded?)\n",
			command, MINIVISOR_GENL_NAME);
		nl_socket_free(genl->sock);
		return -1;
	}
	return 0;
}

void mvctl_genl_close(struct mvctl_genl *genl)
{
	nl_socket_free(genl->sock);
}

struct nl_msg *mvctl_genl_request(struct mvctl_genl *genl, uint8_t cmd,
				  bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, genl->family,
				0, dump ? NLM_F_DUMP : NLM_F_ACK, cmd,
				MINIVISOR_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int mvctl_genl_transact(struct mvctl_genl *genl, struct nl_msg *msg,
			mvctl_genl_parser parse, void *arg)
{
	struct transaction t = { .parse = parse, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret = -ENOMEM;

	if (!msg || !cb)
		goto out;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse_message, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, record_end, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, record_end, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, record_error, &t);
	ret = nl_send_auto(genl->sock, msg);
	while (ret >= 0 && !t.done && !t.error)
		ret = nl_recvmsgs(genl->sock, cb);
	if (t.error)
		ret = t.error;
	else if (ret < 0)
		ret = -EIO;
	else
		ret = 0;
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	return ret;
}

/* A request about the VM vm_id, or about all VMs if it is 0. */
static int transact(struct mvctl_genl *genl, uint8_t cmd, bool dump,
		    uint32_t vm_id, mvctl_genl_parser parse, void *arg)
{
	struct nl_msg *msg = mvctl_genl_request(genl, cmd, dump);

	if (msg && vm_id && nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, vm_id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return mvctl_genl_transact(genl, msg, parse, arg);
}

static uint32_t get_u32(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u32(attrs[type]) : 0;
}

static uint64_t get_u64(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u64(attrs[type]) : 0;
}

static void get_string(struct nlattr **attrs, int type, char *buf,
		       size_t size)
{
	buf[0] = '\0';
	if (attrs[type])
		nla_strlcpy(buf, attrs[type], size);
}

/* A growing array of answers, one element per message. */
struct answers {
	void *elements;
	size_t size, count;
};

static void *answers_add(struct answers *answers)
{
	void *grown = realloc(answers->elements,
			      (answers->count + 1) * answers->size);

	if (!grown)
		return NULL;
	answers->elements = grown;
	return memset((char *)grown + answers->count++ * answers->size, 0,
		      answers->size);
}

static int parse_vm(struct nlmsghdr *nlh, struct nlattr **attrs, void *arg)
{
	struct mvctl_vm *vm = answers_add(arg);

	(void)nlh;
	if (!vm)
		return -ENOMEM;
	*vm = (struct mvctl_vm){
		.id = get_u32(attrs, MINIVISOR_ATTR_VM_ID),
		.pid = get_u32(attrs, MINIVISOR_ATTR_PID),
		.uid = get_u32(attrs, MINIVISOR_ATTR_UID),
		.vcpus = get_u32(attrs, MINIVISOR_ATTR_VCPUS),
		.memory = get_u64(attrs, MINIVISOR_ATTR_MEMORY),
		.uptime_ns = get_u64(attrs, MINIVISOR_ATTR_UPTIME_NS),
		.mapped_4k = get_u64(attrs, MINIVISOR_ATTR_MAPPED_4K),
		.mapped_2m = get_u64(attrs, MINIVISOR_ATTR_MAPPED_2M),
		.dirty_log_passes =
			get_u64(attrs, MINIVISOR_ATTR_DIRTY_LOG_PASSES),
	};
	return 0;
}

int mvctl_genl_get_vms(struct mvctl_genl *genl, uint32_t vm_id,
		       struct mvctl_vm **vms, size_t *count)
{
	struct answers answers = { .size = sizeof(**vms) };
	int ret = transact(genl, MINIVISOR_CMD_GET_VM, !vm_id, vm_id,
			   parse_vm, &answers);

	*vms = answers.elements;
	*count = answers.count;
	return ret;
}

/* Exits come as repeated MINIVISOR_ATTR_EXIT nests: walk them all. */
static int parse_vcpu_stats(struct nlmsghdr *nlh, struct nlattr **attrs,
			    void *arg)
{
	struct genlmsghdr *header = nlmsg_data(nlh);
	struct mvctl_vcpu_stats *stats = answers_add(arg);
	struct nlattr *fields[MINIVISOR_ATTR_MAX + 1];
	struct mvctl_exit *exit;
	struct nlattr *attr;
	int left;

	if (!stats)
		return -ENOMEM;
	stats->vm_id = get_u32(attrs, MINIVISOR_ATTR_VM_ID);
	stats->vcpu_id = get_u32(attrs, MINIVISOR_ATTR_VCPU_ID);
	stats->user_exits = get_u64(attrs, MINIVISOR_ATTR_USER_EXITS);
	nla_for_each_attr(attr, genlmsg_attrdata(header, 0),
			  genlmsg_attrlen(header, 0), left) {
		if (nla_type(attr) != MINIVISOR_ATTR_EXIT ||
		    stats->nr_exits == MVCTL_MAX_EXITS ||
		    nla_parse_nested(fields, MINIVISOR_ATTR_MAX, attr, NULL))
			continue;
		exit = &stats->exits[stats->nr_exits++];
		exit->reason = get_u32(fields, MINIVISOR_ATTR_EXIT_REASON);
		exit->count = get_u64(fields, MINIVISOR_ATTR_EXIT_COUNT);
		exit->cycles = get_u64(fields, MINIVISOR_ATTR_EXIT_CYCLES);
		get_string(fields, MINIVISOR_ATTR_EXIT_NAME, exit->name,
			   sizeof(exit->name));
		if (!exit->name[0])
			snprintf(exit->name, sizeof(exit->name), "REASON_%u",
				 exit->reason);
	}
	return 0;
}

int mvctl_genl_get_stats(struct mvctl_genl *genl, uint32_t vm_id,
			 struct mvctl_vcpu_stats **stats, size_t *count)
{
	struct answers answers = { .size = sizeof(**stats) };
	int ret = transact(genl, MINIVISOR_CMD_GET_STATS, true, vm_id,
			   parse_vcpu_stats, &answers);

	*stats = answers.elements;
	*count = answers.count;
	return ret;
}

struct event_handler {
	int (*handle)(const struct mvctl_event *event, void *arg);
	void *arg;
};

static int parse_event(struct nlmsghdr *nlh, struct nlattr **attrs,
		       void *arg)
{
	struct event_handler *handler = arg;
	struct mvctl_event event = {
		.type = get_u32(attrs, MINIVISOR_ATTR_EVENT),
		.vm_id = get_u32(attrs, MINIVISOR_ATTR_VM_ID),
		.pid = get_u32(attrs, MINIVISOR_ATTR_PID),
		.uid = get_u32(attrs, MINIVISOR_ATTR_UID),
		.vcpu_id = attrs[MINIVISOR_ATTR_VCPU_ID] ?
			   (int32_t)get_u32(attrs, MINIVISOR_ATTR_VCPU_ID) : -1,
		.suberror = get_u32(attrs, MINIVISOR_ATTR_SUBERROR),
	};

	(void)nlh;
	get_string(attrs, MINIVISOR_ATTR_EVENT_REASON, event.reason,
		   sizeof(event.reason));
	return handler->handle(&event, handler->arg) ? -ECANCELED : 0;
}

int mvctl_genl_join_events(struct mvctl_genl *genl)
{
	int group = genl_ctrl_resolve_grp(genl->sock, MINIVISOR_GENL_NAME,
					  MINIVISOR_GENL_EVENTS_GROUP);

	if (group < 0)
		return -ENOENT;
	if (setsockopt(nl_socket_get_fd(genl->sock), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)))
		return -errno;
	return 0;
}

int mvctl_genl_receive_events(struct mvctl_genl *genl,
			      int (*handle)(const struct mvctl_event *event,
					    void *arg),
			      void *arg)
{
	struct event_handler handler = { .handle = handle, .arg = arg };
	struct transaction t = { .parse = parse_event, .arg = &handler };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse_message, &t);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_sequence, NULL);
	do
		ret = nl_recvmsgs(genl->sock, cb);
	while (ret >= 0 && !t.error);
	nl_cb_put(cb);
	if (t.error)
		return t.error == -ECANCELED ? 0 : t.error;
	return ret == -NLE_AGAIN ? -EAGAIN : -EIO;
}

const char *mvctl_event_name(uint32_t type)
{
	switch (type) {
	case MINIVISOR_EVENT_VM_CREATED:
		return "vm-created";
	case MINIVISOR_EVENT_VM_DESTROYED:
		return "vm-destroyed";
	case MINIVISOR_EVENT_VCPU_SHUTDOWN:
		return "vcpu-shutdown";
	case MINIVISOR_EVENT_VCPU_INTERNAL_ERROR:
		return "vcpu-internal-error";
	default:
		return "unknown";
	}
}

static uint16_t get_u16(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u16(attrs[type]) : 0;
}

static int parse_pci_function(struct nlmsghdr *nlh, struct nlattr **attrs,
			      void *arg)
{
	struct mvctl_pci_function *function = answers_add(arg);

	(void)nlh;
	if (!function)
		return -ENOMEM;
	get_string(attrs, MINIVISOR_ATTR_PCI_ADDRESS, function->address,
		   sizeof(function->address));
	function->kind = get_u32(attrs, MINIVISOR_ATTR_PCI_KIND);
	function->state = get_u32(attrs, MINIVISOR_ATTR_PCI_STATE);
	function->vm_id = get_u32(attrs, MINIVISOR_ATTR_PCI_VM_ID);
	function->vendor = get_u16(attrs, MINIVISOR_ATTR_PCI_VENDOR);
	function->device = get_u16(attrs, MINIVISOR_ATTR_PCI_DEVICE);
	get_string(attrs, MINIVISOR_ATTR_PCI_DRIVER, function->driver,
		   sizeof(function->driver));
	function->nr_vfs = get_u32(attrs, MINIVISOR_ATTR_NUM_VFS);
	function->total_vfs = get_u32(attrs, MINIVISOR_ATTR_TOTAL_VFS);
	get_string(attrs, MINIVISOR_ATTR_PCI_PF, function->pf,
		   sizeof(function->pf));
	return 0;
}

int mvctl_genl_sriov_list(struct mvctl_genl *genl,
			  struct mvctl_pci_function **functions,
			  size_t *count)
{
	struct answers answers = { .size = sizeof(**functions) };
	int ret = mvctl_genl_transact(genl,
				      mvctl_genl_request(genl,
							 MINIVISOR_CMD_SRIOV_LIST,
							 true),
				      parse_pci_function, &answers);

	*functions = answers.elements;
	*count = answers.count;
	return ret;
}

/* A request about the PCI function at address, or NULL. */
static struct nl_msg *pci_request(struct mvctl_genl *genl, uint8_t cmd,
				  const char *address)
{
	struct nl_msg *msg = mvctl_genl_request(genl, cmd, false);

	if (msg && nla_put_string(msg, MINIVISOR_ATTR_PCI_ADDRESS, address)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int mvctl_genl_sriov_enable(struct mvctl_genl *genl, const char *address,
			    uint32_t nr_vfs)
{
	struct nl_msg *msg = pci_request(genl, MINIVISOR_CMD_SRIOV_ENABLE,
					 address);

	if (msg && nla_put_u32(msg, MINIVISOR_ATTR_NUM_VFS, nr_vfs)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return mvctl_genl_transact(genl, msg, NULL, NULL);
}

int mvctl_genl_sriov_disable(struct mvctl_genl *genl, const char *address)
{
	return mvctl_genl_transact(genl,
				   pci_request(genl, MINIVISOR_CMD_SRIOV_DISABLE,
					       address),
				   NULL, NULL);
}

int mvctl_genl_pci_claim(struct mvctl_genl *genl, const char *address)
{
	return mvctl_genl_transact(genl,
				   pci_request(genl, MINIVISOR_CMD_PCI_CLAIM,
					       address),
				   NULL, NULL);
}

int mvctl_genl_pci_release(struct mvctl_genl *genl, const char *address)
{
	return mvctl_genl_transact(genl,
				   pci_request(genl, MINIVISOR_CMD_PCI_RELEASE,
					       address),
				   NULL, NULL);
}

const char *mvctl_pci_kind_name(uint32_t kind)
{
	switch (kind) {
	case MINIVISOR_PCI_PF:
		return "pf";
	case MINIVISOR_PCI_VF:
		return "vf";
	case MINIVISOR_PCI_FUNCTION:
		return "function";
	default:
		return "unknown";
	}
}

const char *mvctl_pci_state_name(uint32_t state)
{
	switch (state) {
	case MINIVISOR_PCI_FREE:
		return "free";
	case MINIVISOR_PCI_CLAIMED:
		return "claimed";
	case MINIVISOR_PCI_ASSIGNED:
		return "assigned";
	default:
		return "unknown";
	}
}
