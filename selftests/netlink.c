// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "netlink": the generic netlink family "minivisor" shows what the
 * hypervisor does, to the right people only.
 *
 * Fixture "family" needs no vCPU, so it runs on any host: the family is
 * there, lists VMs with their creator and memory, answers for one VM,
 * rejects malformed requests, announces VMs coming and going, and keeps
 * other users' VMs from an unprivileged user. Fixture "guest" runs guests,
 * so the suite runs on hosts with VT-x: exits are counted one for one, a triple fault is
 * announced, EPT mappings and dirty-log passes are counted by size.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "guests.h"
#include "mv_test.h"
#include "vmm.h"

#define EXIT_REASON_IO_INSTRUCTION	30	/* SDM Vol. 3C, appendix C */
#define NOBODY				65534

/* A connection to the family, and what came back for one request. */
struct family {
	struct nl_sock *sock;
	int id;
	unsigned int version;
};

/* What MINIVISOR_CMD_GET_VM says of one VM. */
struct vm_info {
	uint32_t id, pid, uid, vcpus;
	uint64_t memory, mapped_4k, mapped_2m, dirty_log_passes;
};

/* What MINIVISOR_CMD_GET_STATS says of one vCPU, for one exit reason. */
struct vcpu_count {
	uint32_t exit_reason;		/* which exit to count */
	uint32_t vcpus;			/* messages seen */
	uint64_t exits, cycles, user_exits;
};

/* An event, as the "events" group announced it. */
struct event {
	uint32_t type, vm_id, pid, vcpu_id;
	char reason[64];
};

/*
 * Called for each message of an answer with its attributes, by type (the
 * last of each type) and as they came, in nlh.
 */
typedef void (*attrs_parser)(struct nlmsghdr *nlh, struct nlattr **attrs,
			     void *arg);

struct transaction {
	attrs_parser parse;
	void *arg;
	int error;		/* -errno from the kernel's NLMSG_ERROR */
	bool done;		/* the acknowledgment or the end of the dump */
};

static int parse_message(struct nl_msg *msg, void *arg)
{
	struct transaction *t = arg;
	struct nlattr *attrs[MINIVISOR_ATTR_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, MINIVISOR_ATTR_MAX, NULL))
		return NL_SKIP;
	if (t->parse)
		t->parse(nlmsg_hdr(msg), attrs, t->arg);
	return NL_OK;
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

static int family_open(struct family *family)
{
	struct genl_family *found;
	struct nl_cache *cache;

	family->sock = nl_socket_alloc();
	if (!family->sock)
		return -ENOMEM;
	if (genl_connect(family->sock) ||
	    genl_ctrl_alloc_cache(family->sock, &cache))
		return -ECONNREFUSED;
	found = genl_ctrl_search_by_name(cache, MINIVISOR_GENL_NAME);
	if (found) {
		family->id = genl_family_get_id(found);
		family->version = genl_family_get_version(found);
		genl_family_put(found);
	}
	nl_cache_free(cache);
	return found ? 0 : -ENOENT;
}

static void family_close(struct family *family)
{
	nl_socket_free(family->sock);
}

static struct nl_msg *request_new(struct family *family, uint8_t cmd,
				  int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	/* A dump ends with NLMSG_DONE, anything else with an ack. */
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family->id, 0, flags, cmd,
		    MINIVISOR_GENL_VERSION);
	return msg;
}

/* Send msg (and free it), parse each answer; 0 or the kernel's -errno. */
static int transact(struct family *family, struct nl_msg *msg,
		    attrs_parser parse, void *arg)
{
	struct transaction t = { .parse = parse, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse_message, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, record_error, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, record_end, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, record_end, &t);
	ret = nl_send_auto(family->sock, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !t.done)
		ret = nl_recvmsgs(family->sock, cb);
	nl_cb_put(cb);
	if (t.error)
		return t.error;
	return ret < 0 ? -EIO : 0;
}

static uint32_t get_u32(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u32(attrs[type]) : 0;
}

static uint64_t get_u64(struct nlattr **attrs, int type)
{
	return attrs[type] ? nla_get_u64(attrs[type]) : 0;
}

static void parse_vm(struct nlmsghdr *nlh, struct nlattr **attrs, void *arg)
{
	struct vm_info *vm = arg;

	(void)nlh;
	*vm = (struct vm_info){
		.id = get_u32(attrs, MINIVISOR_ATTR_VM_ID),
		.pid = get_u32(attrs, MINIVISOR_ATTR_PID),
		.uid = get_u32(attrs, MINIVISOR_ATTR_UID),
		.vcpus = get_u32(attrs, MINIVISOR_ATTR_VCPUS),
		.memory = get_u64(attrs, MINIVISOR_ATTR_MEMORY),
		.mapped_4k = get_u64(attrs, MINIVISOR_ATTR_MAPPED_4K),
		.mapped_2m = get_u64(attrs, MINIVISOR_ATTR_MAPPED_2M),
		.dirty_log_passes =
			get_u64(attrs, MINIVISOR_ATTR_DIRTY_LOG_PASSES),
	};
}

/* MINIVISOR_CMD_GET_VM for one VM id. */
static int get_vm(struct family *family, uint32_t id, struct vm_info *vm)
{
	struct nl_msg *msg = request_new(family, MINIVISOR_CMD_GET_VM, 0);

	nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, id);
	memset(vm, 0, sizeof(*vm));
	return transact(family, msg, parse_vm, vm);
}

struct vm_search {
	uint32_t pid;
	struct vm_info found;
	int listed;		/* VMs in the dump */
	int matches;		/* of them, VMs of pid */
};

static void match_vm(struct nlmsghdr *nlh, struct nlattr **attrs, void *arg)
{
	struct vm_search *search = arg;
	struct vm_info vm;

	parse_vm(nlh, attrs, &vm);
	search->listed++;
	if (vm.pid == search->pid) {
		search->matches++;
		search->found = vm;
	}
}

/* Dump the VMs; returns 0 or -errno, with the VMs of pid in search. */
static int list_vms(struct family *family, pid_t pid,
		    struct vm_search *search)
{
	*search = (struct vm_search){ .pid = pid };
	return transact(family,
			request_new(family, MINIVISOR_CMD_GET_VM, NLM_F_DUMP),
			match_vm, search);
}

/* The VM id the family gives the only VM of this process. */
static uint32_t own_vm_id(struct __test_metadata *_metadata,
			  struct family *family)
{
	struct vm_search search;

	EXPECT_EQ(0, list_vms(family, getpid(), &search));
	EXPECT_EQ(1, search.matches);
	return search.found.id;
}

/* The exit nests of a GET_STATS message: count those of one reason. */
static void count_vcpu_exits(struct nlmsghdr *nlh, struct nlattr **attrs,
			     void *arg)
{
	struct genlmsghdr *genl = nlmsg_data(nlh);
	struct nlattr *fields[MINIVISOR_ATTR_MAX + 1];
	struct vcpu_count *count = arg;
	struct nlattr *attr;
	int left;

	count->vcpus++;
	count->user_exits += get_u64(attrs, MINIVISOR_ATTR_USER_EXITS);
	nla_for_each_attr(attr, genlmsg_attrdata(genl, 0),
			  genlmsg_attrlen(genl, 0), left) {
		if (nla_type(attr) != MINIVISOR_ATTR_EXIT ||
		    nla_parse_nested(fields, MINIVISOR_ATTR_MAX, attr, NULL) ||
		    get_u32(fields, MINIVISOR_ATTR_EXIT_REASON) !=
		    count->exit_reason)
			continue;
		count->exits += get_u64(fields, MINIVISOR_ATTR_EXIT_COUNT);
		count->cycles += get_u64(fields, MINIVISOR_ATTR_EXIT_CYCLES);
	}
}

/* MINIVISOR_CMD_GET_STATS of one VM, summed over its vCPUs. */
static int get_stats(struct family *family, uint32_t vm_id,
		     uint32_t exit_reason, struct vcpu_count *count)
{
	struct nl_msg *msg = request_new(family, MINIVISOR_CMD_GET_STATS,
					 NLM_F_DUMP);

	*count = (struct vcpu_count){ .exit_reason = exit_reason };
	nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, vm_id);
	return transact(family, msg, count_vcpu_exits, count);
}

struct event_log {
	struct event events[8];
	int count;
};

static void log_event(struct nlmsghdr *nlh, struct nlattr **attrs, void *arg)
{
	struct event_log *log = arg;
	struct event *event;

	(void)nlh;
	if (log->count == (int)(sizeof(log->events) / sizeof(log->events[0])))
		return;
	event = &log->events[log->count++];
	*event = (struct event){
		.type = get_u32(attrs, MINIVISOR_ATTR_EVENT),
		.vm_id = get_u32(attrs, MINIVISOR_ATTR_VM_ID),
		.pid = get_u32(attrs, MINIVISOR_ATTR_PID),
		.vcpu_id = get_u32(attrs, MINIVISOR_ATTR_VCPU_ID),
	};
	if (attrs[MINIVISOR_ATTR_EVENT_REASON])
		nla_strlcpy(event->reason, attrs[MINIVISOR_ATTR_EVENT_REASON],
			    sizeof(event->reason));
}

/* Join the "events" group on a new connection; 0 or -errno. */
static int events_open(struct family *events)
{
	struct timeval timeout = { .tv_sec = 10 };
	int group, ret, fd;

	ret = family_open(events);
	if (ret)
		return ret;
	group = genl_ctrl_resolve_grp(events->sock, MINIVISOR_GENL_NAME,
				      MINIVISOR_GENL_EVENTS_GROUP);
	if (group < 0)
		return -ENOENT;
	fd = nl_socket_get_fd(events->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

/* Multicast messages carry no sequence number to check. */
static int accept_any_sequence(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* Receive events until log holds count of them, or 10 s pass. */
static int events_wait(struct family *events, struct event_log *log,
		       int count)
{
	struct transaction t = { .parse = log_event, .arg = log };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret = 0;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse_message, &t);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_sequence, NULL);
	while (log->count < count && ret >= 0)
		ret = nl_recvmsgs(events->sock, cb);
	nl_cb_put(cb);
	return log->count < count ? -ETIMEDOUT : 0;
}

FIXTURE(family) {
	struct family family;
	int dev;
};

FIXTURE_SETUP(family)
{
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, family_open(&self->family));
	self->dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(family)
{
	close(self->dev);
	family_close(&self->family);
	EXPECT_EQ(0, mv_module_unload());
}

/* A VM of this process, with one memslot of size bytes; its fd. */
static int create_vm(int dev, void *memory, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = size, .userspace_addr = (unsigned long)memory,
	};
	int vm = ioctl(dev, KVM_CREATE_VM, 0);

	if (vm >= 0 && ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		close(vm);
		return -1;
	}
	return vm;
}

#define SLOT_SIZE	(1UL << 20)

TEST_F(family, is_registered_with_its_version)
{
	EXPECT_LT(0, self->family.id);
	EXPECT_EQ(MINIVISOR_GENL_VERSION, self->family.version);
}

TEST_F(family, lists_a_vm_with_its_creator_and_memory)
{
	void *memory = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vm_search search;
	struct vm_info vm;
	int fd;

	ASSERT_NE(MAP_FAILED, memory);
	ASSERT_EQ(0, list_vms(&self->family, getpid(), &search));
	ASSERT_EQ(0, search.matches);

	fd = create_vm(self->dev, memory, SLOT_SIZE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, list_vms(&self->family, getpid(), &search));
	ASSERT_EQ(1, search.matches);
	EXPECT_LT(0U, search.found.id);
	EXPECT_EQ(getuid(), search.found.uid);
	EXPECT_EQ(0U, search.found.vcpus);
	EXPECT_EQ(SLOT_SIZE, search.found.memory);

	ASSERT_EQ(0, get_vm(&self->family, search.found.id, &vm));
	EXPECT_EQ(search.found.id, vm.id);
	EXPECT_EQ((uint32_t)getpid(), vm.pid);
	EXPECT_EQ(SLOT_SIZE, vm.memory);

	close(fd);
	ASSERT_EQ(0, list_vms(&self->family, getpid(), &search));
	EXPECT_EQ(0, search.matches);
	EXPECT_EQ(-ENOENT, get_vm(&self->family, vm.id, &vm));
	munmap(memory, SLOT_SIZE);
}

TEST_F(family, a_vm_that_does_not_exist_is_enoent)
{
	struct vcpu_count count;
	struct vm_info vm;

	EXPECT_EQ(-ENOENT, get_vm(&self->family, 0x7fffffff, &vm));
	EXPECT_EQ(-ENOENT, get_stats(&self->family, 0x7fffffff,
				     EXIT_REASON_IO_INSTRUCTION, &count));
}

TEST_F(family, rejects_malformed_requests)
{
	struct nl_msg *msg;
	struct vm_info vm;

	/* GET_VM without a VM id */
	msg = request_new(&self->family, MINIVISOR_CMD_GET_VM, 0);
	EXPECT_EQ(-EINVAL, transact(&self->family, msg, parse_vm, &vm));

	/* a VM id of the wrong size */
	msg = request_new(&self->family, MINIVISOR_CMD_GET_VM, 0);
	nla_put_u16(msg, MINIVISOR_ATTR_VM_ID, 1);
	EXPECT_EQ(-EINVAL, transact(&self->family, msg, parse_vm, &vm));

	/* VM id 0, which no VM has */
	msg = request_new(&self->family, MINIVISOR_CMD_GET_VM, 0);
	nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, 0);
	EXPECT_EQ(-ERANGE, transact(&self->family, msg, parse_vm, &vm));

	/* an attribute only the kernel sends */
	msg = request_new(&self->family, MINIVISOR_CMD_GET_VM, 0);
	nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, 1);
	nla_put_u32(msg, MINIVISOR_ATTR_PID, 1);
	EXPECT_EQ(-EINVAL, transact(&self->family, msg, parse_vm, &vm));

	/* an attribute the family does not know */
	msg = request_new(&self->family, MINIVISOR_CMD_GET_VM, 0);
	nla_put_u32(msg, MINIVISOR_ATTR_MAX + 1, 1);
	EXPECT_EQ(-EINVAL, transact(&self->family, msg, parse_vm, &vm));

	/* a command the family does not have */
	msg = request_new(&self->family, MINIVISOR_CMD_MAX + 1, 0);
	EXPECT_EQ(-EOPNOTSUPP, transact(&self->family, msg, parse_vm, &vm));

	/* events are for the kernel to send */
	msg = request_new(&self->family, MINIVISOR_CMD_EVENT, 0);
	EXPECT_EQ(-EOPNOTSUPP, transact(&self->family, msg, parse_vm, &vm));
}

TEST_F(family, announces_vms_coming_and_going)
{
	struct family events;
	struct event_log log = { 0 };
	int fd;

	ASSERT_EQ(0, events_open(&events));
	fd = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, events_wait(&events, &log, 2));
	EXPECT_EQ(MINIVISOR_EVENT_VM_CREATED, log.events[0].type);
	EXPECT_EQ((uint32_t)getpid(), log.events[0].pid);
	EXPECT_EQ(MINIVISOR_EVENT_VM_DESTROYED, log.events[1].type);
	EXPECT_EQ(log.events[0].vm_id, log.events[1].vm_id);
	family_close(&events);
}

/* Exit statuses of the unprivileged child, one per thing it must not get. */
enum unprivileged_failure {
	SAW_NOTHING_WRONG,
	COULD_NOT_DROP_PRIVILEGE,
	COULD_NOT_CONNECT,
	SAW_THE_VM_IN_THE_LIST,
	GOT_THE_VM,
	GOT_THE_STATS,
	JOINED_THE_EVENTS,
};

static int look_as_nobody(uint32_t vm_id)
{
	struct family family, events;
	struct vcpu_count count;
	struct vm_search search;
	struct vm_info vm;

	if (setgid(NOBODY) || setuid(NOBODY))
		return COULD_NOT_DROP_PRIVILEGE;
	if (family_open(&family))
		return COULD_NOT_CONNECT;
	if (list_vms(&family, getppid(), &search) || search.listed)
		return SAW_THE_VM_IN_THE_LIST;
	if (get_vm(&family, vm_id, &vm) != -EPERM)
		return GOT_THE_VM;
	if (get_stats(&family, vm_id, EXIT_REASON_IO_INSTRUCTION, &count) !=
	    -EPERM)
		return GOT_THE_STATS;
	if (events_open(&events) != -EPERM)
		return JOINED_THE_EVENTS;
	return SAW_NOTHING_WRONG;
}

TEST_F(family, keeps_a_vm_from_other_unprivileged_users)
{
	int fd = ioctl(self->dev, KVM_CREATE_VM, 0);
	uint32_t vm_id;
	int status;
	pid_t child;

	ASSERT_LE(0, fd);
	vm_id = own_vm_id(_metadata, &self->family);
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(look_as_nobody(vm_id));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(SAW_NOTHING_WRONG, WEXITSTATUS(status));
	close(fd);
}

FIXTURE(guest) {
	struct family family;
	struct vmm vmm;
	uint32_t vm_id;
};

FIXTURE_SETUP(guest)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, &vmm_minivisor));
	ASSERT_EQ(0, family_open(&self->family));
	self->vm_id = own_vm_id(_metadata, &self->family);
}

FIXTURE_TEARDOWN(guest)
{
	family_close(&self->family);
	EXPECT_EQ(0, vmm_destroy(&self->vmm));
}

#define PORT_WRITES	100

/* Real mode: PORT_WRITES times OUT 0x10, AL; then HLT. */
static const unsigned char guest_port_writes[] = {
	0xb9, PORT_WRITES, 0x00,	/*    mov cx, PORT_WRITES */
	0xe6, 0x10,			/* 1: out 0x10, al */
	0xe2, 0xfc,			/*    loop 1b */
	0xf4,				/*    hlt */
};

TEST_F(guest, counts_one_io_exit_per_port_write)
{
	struct vcpu_count count;
	int i;

	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_port_writes,
			      guest_port_writes + sizeof(guest_port_writes)));
	ASSERT_EQ(0, get_stats(&self->family, self->vm_id,
			       EXIT_REASON_IO_INSTRUCTION, &count));
	EXPECT_EQ(1U, count.vcpus);
	EXPECT_EQ(0U, count.exits);
	EXPECT_EQ(0U, count.user_exits);

	for (i = 0; i < PORT_WRITES; i++) {
		ASSERT_EQ(KVM_EXIT_IO, vmm_run(&self->vmm));
		if (i == PORT_WRITES / 2 - 1) {
			ASSERT_EQ(0, get_stats(&self->family, self->vm_id,
					       EXIT_REASON_IO_INSTRUCTION,
					       &count));
			EXPECT_EQ(PORT_WRITES / 2, count.exits);
		}
	}
	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));

	ASSERT_EQ(0, get_stats(&self->family, self->vm_id,
			       EXIT_REASON_IO_INSTRUCTION, &count));
	EXPECT_EQ(PORT_WRITES, count.exits);
	EXPECT_EQ(PORT_WRITES + 1, count.user_exits);
	EXPECT_LT(0U, count.cycles);
}

TEST_F(guest, announces_a_triple_fault)
{
	struct event_log log = { 0 };
	struct family events;

	ASSERT_EQ(0, events_open(&events));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_triple_fault,
			      guest_triple_fault_end));
	ASSERT_EQ(KVM_EXIT_SHUTDOWN, vmm_run(&self->vmm));
	ASSERT_EQ(0, events_wait(&events, &log, 1));
	EXPECT_EQ(MINIVISOR_EVENT_VCPU_SHUTDOWN, log.events[0].type);
	EXPECT_EQ(self->vm_id, log.events[0].vm_id);
	EXPECT_EQ(0U, log.events[0].vcpu_id);
	EXPECT_STREQ("triple fault", log.events[0].reason);
	family_close(&events);
}

#define HUGE_SIZE	(2UL << 20)
#define HUGE_GPA	0x400000UL
#define SMALL_GPA	0x600000UL

/* Protected mode: write a dword at HUGE_GPA and one at SMALL_GPA; HLT. */
static const unsigned char guest_touch_two_slots[] = {
	0xc7, 0x05, 0x00, 0x00, 0x40, 0x00, 0x01, 0, 0, 0, /* mov dword [HUGE_GPA], 1 */
	0xc7, 0x05, 0x00, 0x00, 0x60, 0x00, 0x02, 0, 0, 0, /* mov dword [SMALL_GPA], 2 */
	0xf4,						     /* hlt */
};

/* 2 MiB of anonymous memory, aligned to 2 MiB, that THP may back or not. */
static void *anonymous_2m(bool huge)
{
	unsigned char *area = mmap(NULL, 2 * HUGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *aligned;

	if (area == MAP_FAILED)
		return NULL;
	aligned = (unsigned char *)(((unsigned long)area + HUGE_SIZE - 1) &
				    ~(HUGE_SIZE - 1));
	if (madvise(aligned, HUGE_SIZE, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return NULL;
	memset(aligned, 0, HUGE_SIZE);
	return aligned;
}

static int add_slot(struct vmm *vmm, uint32_t slot, uint64_t gpa, void *hva,
		    uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = HUGE_SIZE, .userspace_addr = (unsigned long)hva,
	};

	return ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

TEST_F(guest, counts_ept_mappings_by_size)
{
	void *huge = anonymous_2m(true), *small = anonymous_2m(false);
	struct vm_info vm;

	ASSERT_NE(NULL, huge);
	ASSERT_NE(NULL, small);
	ASSERT_EQ(0, add_slot(&self->vmm, 1, HUGE_GPA, huge, 0));
	ASSERT_EQ(0, add_slot(&self->vmm, 2, SMALL_GPA, small, 0));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE,
			      guest_touch_two_slots,
			      guest_touch_two_slots +
			      sizeof(guest_touch_two_slots)));
	ASSERT_EQ(0, get_vm(&self->family, self->vm_id, &vm));
	EXPECT_EQ(0U, vm.mapped_4k + vm.mapped_2m);

	ASSERT_EQ(KVM_EXIT_HLT, vmm_run(&self->vmm));
	ASSERT_EQ(1U, *(uint32_t *)huge);
	ASSERT_EQ(2U, *(uint32_t *)small);
	ASSERT_EQ(0, get_vm(&self->family, self->vm_id, &vm));
	/* The code page (either size), the huge page, the small page. */
	EXPECT_EQ(3U, vm.mapped_4k + vm.mapped_2m);
	EXPECT_LE(1U, vm.mapped_2m);
	EXPECT_LE(1U, vm.mapped_4k);

	/* The process gives the huge page back: its mapping goes. */
	ASSERT_EQ(0, madvise(huge, HUGE_SIZE, MADV_DONTNEED));
	ASSERT_EQ(0, get_vm(&self->family, self->vm_id, &vm));
	EXPECT_EQ(2U, vm.mapped_4k + vm.mapped_2m);
}

TEST_F(guest, counts_dirty_log_passes)
{
	struct kvm_dirty_log log = { .slot = 1 };
	void *memory = anonymous_2m(false);
	uint64_t bitmap[HUGE_SIZE / 4096 / 64];
	struct vm_info vm;

	ASSERT_NE(NULL, memory);
	ASSERT_EQ(0, add_slot(&self->vmm, 1, HUGE_GPA, memory,
			      KVM_MEM_LOG_DIRTY_PAGES));
	log.dirty_bitmap = bitmap;
	ASSERT_EQ(0, ioctl(self->vmm.vm, KVM_GET_DIRTY_LOG, &log));
	ASSERT_EQ(0, ioctl(self->vmm.vm, KVM_GET_DIRTY_LOG, &log));
	ASSERT_EQ(0, get_vm(&self->family, self->vm_id, &vm));
	EXPECT_EQ(2U, vm.dirty_log_passes);
	EXPECT_EQ(VMM_MEM_SIZE + HUGE_SIZE, vm.memory);
	EXPECT_EQ(1U, vm.vcpus);
}

TEST_HARNESS_MAIN
