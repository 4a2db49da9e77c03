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
 * announced, EPT mappings and dirty-log passes are counted by size. The
 * same numbers and events reach the user through mvctl list, stat and
 * events (--json), run as commands the way a user would run them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "genl.h"
#include "guests.h"
#include "mv_test.h"
#include "vmm.h"

#define EXIT_REASON_IO_INSTRUCTION	30	/* SDM Vol. 3C, appendix C */
#define NOBODY				65534

/*
 * The tests talk to the family through mvctl's own client (userspace/
 * genl.c), and build the malformed requests with its raw calls.
 */

/* The family's version, from the generic netlink controller. */
static unsigned int family_version(struct mvctl_genl *genl)
{
	struct genl_family *found;
	struct nl_cache *cache;
	unsigned int version = 0;

	if (genl_ctrl_alloc_cache(genl->sock, &cache))
		return 0;
	found = genl_ctrl_search_by_name(cache, MINIVISOR_GENL_NAME);
	if (found) {
		version = genl_family_get_version(found);
		genl_family_put(found);
	}
	nl_cache_free(cache);
	return version;
}

/* One VM by id: 0 or -errno. */
static int get_vm(struct mvctl_genl *genl, uint32_t id, struct mvctl_vm *vm)
{
	struct mvctl_vm *vms;
	size_t count;
	int ret = mvctl_genl_get_vms(genl, id, &vms, &count);

	memset(vm, 0, sizeof(*vm));
	if (!ret && count == 1)
		*vm = vms[0];
	free(vms);
	return ret;
}

struct vm_search {
	struct mvctl_vm found;
	size_t listed;		/* VMs in the dump */
	int matches;		/* of them, VMs of the pid */
};

/* Dump the VMs; returns 0 or -errno, with the VMs of pid in search. */
static int list_vms(struct mvctl_genl *genl, pid_t pid,
		    struct vm_search *search)
{
	struct mvctl_vm *vms;
	int ret = mvctl_genl_get_vms(genl, 0, &vms, &search->listed);

	search->matches = 0;
	for (size_t i = 0; !ret && i < search->listed; i++) {
		if (vms[i].pid == (uint32_t)pid) {
			search->matches++;
			search->found = vms[i];
		}
	}
	free(vms);
	return ret;
}

/* The VM id the family gives the only VM of this process. */
static uint32_t own_vm_id(struct __test_metadata *_metadata,
			  struct mvctl_genl *genl)
{
	struct vm_search search;

	EXPECT_EQ(0, list_vms(genl, getpid(), &search));
	EXPECT_EQ(1, search.matches);
	return search.found.id;
}

/* What GET_STATS says of one VM, summed over its vCPUs, for one reason. */
struct vcpu_count {
	size_t vcpus;
	uint64_t exits, cycles, user_exits;
};

static int get_stats(struct mvctl_genl *genl, uint32_t vm_id,
		     uint32_t exit_reason, struct vcpu_count *count)
{
	struct mvctl_vcpu_stats *stats;
	int ret = mvctl_genl_get_stats(genl, vm_id, &stats, &count->vcpus);

	count->exits = count->cycles = count->user_exits = 0;
	for (size_t i = 0; !ret && i < count->vcpus; i++) {
		count->user_exits += stats[i].user_exits;
		for (size_t e = 0; e < stats[i].nr_exits; e++) {
			if (stats[i].exits[e].reason != exit_reason)
				continue;
			count->exits += stats[i].exits[e].count;
			count->cycles += stats[i].exits[e].cycles;
		}
	}
	free(stats);
	return ret;
}

struct event_log {
	struct mvctl_event events[8];
	int count, wanted;
};

static int log_event(const struct mvctl_event *event, void *arg)
{
	struct event_log *log = arg;

	log->events[log->count++] = *event;
	return log->count == log->wanted;
}

/* Join the "events" group on a new connection, with a 10 s receive timeout. */
static int events_open(struct mvctl_genl *events)
{
	struct timeval timeout = { .tv_sec = 10 };

	if (mvctl_genl_open(events, "test"))
		return -ENOENT;
	if (setsockopt(nl_socket_get_fd(events->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &timeout, sizeof(timeout)))
		return -errno;
	return mvctl_genl_join_events(events);
}

/* Receive events until log holds count of them: 0, or -EAGAIN after 10 s. */
static int events_wait(struct mvctl_genl *events, struct event_log *log,
		       int count)
{
	log->wanted = count;
	return mvctl_genl_receive_events(events, log_event, log);
}

FIXTURE(family) {
	struct mvctl_genl family;
	int dev;
};

FIXTURE_SETUP(family)
{
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, mvctl_genl_open(&self->family, "test"));
	self->dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(family)
{
	close(self->dev);
	mvctl_genl_close(&self->family);
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
	EXPECT_LT(0, self->family.family);
	EXPECT_EQ(MINIVISOR_GENL_VERSION, family_version(&self->family));
}

TEST_F(family, lists_a_vm_with_its_creator_and_memory)
{
	void *memory = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vm_search search;
	struct mvctl_vm vm;
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
	struct mvctl_vm vm;

	EXPECT_EQ(-ENOENT, get_vm(&self->family, 0x7fffffff, &vm));
	EXPECT_EQ(-ENOENT, get_stats(&self->family, 0x7fffffff,
				     EXIT_REASON_IO_INSTRUCTION, &count));
}

/* A request for cmd with a VM id attribute of the given length. */
static struct nl_msg *request_with_vm_id(struct mvctl_genl *genl, uint8_t cmd,
					 uint32_t id, int length)
{
	struct nl_msg *msg = mvctl_genl_request(genl, cmd, false);

	if (length)
		nla_put(msg, MINIVISOR_ATTR_VM_ID, length, &id);
	return msg;
}

TEST_F(family, rejects_malformed_requests)
{
	struct mvctl_genl *genl = &self->family;
	struct nl_msg *msg;

	/* GET_VM without a VM id, or with one of the wrong size */
	msg = request_with_vm_id(genl, MINIVISOR_CMD_GET_VM, 1, 0);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	msg = request_with_vm_id(genl, MINIVISOR_CMD_GET_VM, 1, 2);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));

	/* VM id 0, which no VM has */
	msg = request_with_vm_id(genl, MINIVISOR_CMD_GET_VM, 0, 4);
	EXPECT_EQ(-ERANGE, mvctl_genl_transact(genl, msg, NULL, NULL));

	/* an attribute only the kernel sends */
	msg = request_with_vm_id(genl, MINIVISOR_CMD_GET_VM, 1, 4);
	nla_put_u32(msg, MINIVISOR_ATTR_PID, 1);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));

	/* an attribute the family does not know */
	msg = request_with_vm_id(genl, MINIVISOR_CMD_GET_VM, 1, 4);
	nla_put_u32(msg, MINIVISOR_ATTR_MAX + 1, 1);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));

	/* a command the family does not have; events are the kernel's */
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_MAX + 1, false);
	EXPECT_EQ(-EOPNOTSUPP, mvctl_genl_transact(genl, msg, NULL, NULL));
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_EVENT, false);
	EXPECT_EQ(-EOPNOTSUPP, mvctl_genl_transact(genl, msg, NULL, NULL));
}

TEST_F(family, announces_vms_coming_and_going)
{
	struct mvctl_genl events;
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
	mvctl_genl_close(&events);
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
	struct mvctl_genl family, events;
	struct vcpu_count count;
	struct vm_search search;
	struct mvctl_vm vm;

	if (setgid(NOBODY) || setuid(NOBODY))
		return COULD_NOT_DROP_PRIVILEGE;
	if (mvctl_genl_open(&family, "test"))
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
	struct mvctl_genl family;
	struct vmm vmm;
	uint32_t vm_id;
};

FIXTURE_SETUP(guest)
{
	ASSERT_EQ(0, vmm_create(&self->vmm, &vmm_minivisor));
	ASSERT_EQ(0, mvctl_genl_open(&self->family, "test"));
	self->vm_id = own_vm_id(_metadata, &self->family);
}

FIXTURE_TEARDOWN(guest)
{
	mvctl_genl_close(&self->family);
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
	struct mvctl_genl events;

	ASSERT_EQ(0, events_open(&events));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_triple_fault,
			      guest_triple_fault_end));
	ASSERT_EQ(KVM_EXIT_SHUTDOWN, vmm_run(&self->vmm));
	ASSERT_EQ(0, events_wait(&events, &log, 1));
	EXPECT_EQ(MINIVISOR_EVENT_VCPU_SHUTDOWN, log.events[0].type);
	EXPECT_EQ(self->vm_id, log.events[0].vm_id);
	EXPECT_EQ(0U, log.events[0].vcpu_id);
	EXPECT_STREQ("triple fault", log.events[0].reason);
	mvctl_genl_close(&events);
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
	struct mvctl_vm vm;

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
	struct mvctl_vm vm;

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

/* Where mvctl is: /bin/mvctl in the emulated host, or $MV_MVCTL. */
static const char *mvctl_path(void)
{
	const char *path = getenv("MV_MVCTL");

	return path ? path : "/bin/mvctl";
}

/*
 * Start mvctl with args, its standard output on a pipe; returns its pid
 * and sets *out to the pipe's (non-blocking) read end.
 */
static pid_t mvctl_start(char *const args[], int *out)
{
	int pipe_fds[2];
	pid_t child;

	if (pipe2(pipe_fds, O_CLOEXEC))
		return -1;
	child = fork();
	if (!child) {
		dup2(pipe_fds[1], STDOUT_FILENO);
		execv(mvctl_path(), args);
		_exit(127);
	}
	close(pipe_fds[1]);
	fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
	*out = pipe_fds[0];
	return child;
}

/* Append what the pipe has now to text (size bytes in all). */
static void read_available(int fd, char *text, size_t size)
{
	size_t used = strlen(text);
	ssize_t got = read(fd, text + used, size - used - 1);

	if (got > 0)
		text[used + got] = '\0';
}

/* Run mvctl with args to its end; its output in text, its exit status. */
static int mvctl_output(char *const args[], char *text, size_t size)
{
	int out, status;
	pid_t child = mvctl_start(args, &out);

	text[0] = '\0';
	if (child < 0)
		return -1;
	fcntl(out, F_SETFL, 0);
	while (strlen(text) < size - 1) {
		size_t before = strlen(text);

		read_available(out, text, size);
		if (strlen(text) == before)
			break;
	}
	close(out);
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(guest, mvctl_list_and_stat_show_the_vm_and_its_exits)
{
	char id[16], text[8192], expected[128];
	char *list[] = { "mvctl", "list", "--json", NULL };
	char *stat[] = { "mvctl", "stat", id, "--json", NULL };
	int i;

	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_port_writes,
			      guest_port_writes + sizeof(guest_port_writes)));
	for (i = 0; i < PORT_WRITES; i++)
		ASSERT_EQ(KVM_EXIT_IO, vmm_run(&self->vmm));
	snprintf(id, sizeof(id), "%u", self->vm_id);

	ASSERT_EQ(0, mvctl_output(list, text, sizeof(text)));
	snprintf(expected, sizeof(expected), "{\"vm\":%u,\"pid\":%d,",
		 self->vm_id, getpid());
	EXPECT_NE(NULL, strstr(text, expected)) TH_LOG("list: %s", text);

	ASSERT_EQ(0, mvctl_output(stat, text, sizeof(text)));
	snprintf(expected, sizeof(expected),
		 "{\"vm\":%u,\"vcpus\":1,\"user_exits\":%d,", self->vm_id,
		 PORT_WRITES);
	EXPECT_NE(NULL, strstr(text, expected)) TH_LOG("stat: %s", text);
	snprintf(expected, sizeof(expected),
		 "{\"reason\":%d,\"name\":\"IO_INSTRUCTION\",\"count\":%d,",
		 EXIT_REASON_IO_INSTRUCTION, PORT_WRITES);
	EXPECT_NE(NULL, strstr(text, expected)) TH_LOG("stat: %s", text);

	strcpy(id, "999999");
	EXPECT_EQ(1, mvctl_output(stat, text, sizeof(text)));
}

TEST_F(guest, mvctl_events_shows_a_triple_fault)
{
	char *events[] = { "mvctl", "events", "--json", NULL };
	char text[8192] = "", expected[128];
	int dev, vm, tries, out, status;
	pid_t child = mvctl_start(events, &out);

	ASSERT_LT(0, child);
	/* Until mvctl has joined the group, VMs come and go unseen. */
	dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	for (tries = 0; tries < 100 && !strstr(text, "vm-destroyed"); tries++) {
		vm = ioctl(dev, KVM_CREATE_VM, 0);
		ASSERT_LE(0, vm);
		close(vm);
		usleep(200000);
		read_available(out, text, sizeof(text));
	}
	close(dev);
	ASSERT_NE(NULL, strstr(text, "vm-destroyed")) TH_LOG("events: %s", text);

	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_REAL_MODE, guest_triple_fault,
			      guest_triple_fault_end));
	ASSERT_EQ(KVM_EXIT_SHUTDOWN, vmm_run(&self->vmm));
	snprintf(expected, sizeof(expected),
		 "{\"event\":\"vcpu-shutdown\",\"vm\":%u,\"pid\":%d,",
		 self->vm_id, getpid());
	for (tries = 0; tries < 100 && !strstr(text, expected); tries++) {
		usleep(100000);
		read_available(out, text, sizeof(text));
	}
	EXPECT_NE(NULL, strstr(text, expected)) TH_LOG("events: %s", text);
	EXPECT_NE(NULL, strstr(text, "\"vcpu\":0,\"reason\":\"triple fault\""));
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	close(out);
}

TEST_HARNESS_MAIN
