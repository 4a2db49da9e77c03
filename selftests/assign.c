// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "assign": minivisor gives a claimed PCI function to a VM
 * (MINIVISOR_ASSIGN_PCI): its DMA goes through an IOMMU domain of the
 * VM's own that maps the memslots, its memory BARs appear in the guest
 * with no VM exit, and everything goes back when the VM goes.
 *
 * On the QEMU host (intel-iommu, no VT-x, so no vCPU) the function is a VF
 * of the NVMe PF, and this process plays the guest's NVMe driver: the VM's
 * memory is a buffer here, the VF's registers are its sysfs resource0, and
 * the queues and data the VF reads and writes by DMA sit at guest-physical
 * addresses. QEMU's VFs need the PF to give them queues and an interrupt
 * and set them online first (NVMe Virtualization Management): Debian's
 * nvme drives the PF for that, from /lib/nvme (initramfs.sh).
 *
 * On the Bochs host (VT-x, no IOMMU) the function is the e1000 in slot 1
 * (lib/boot-bochs.sh), assigned with allow_unsafe_noiommu, and a guest of
 * the test VMM (assign_guest.S) reads and writes its registers through
 * BAR 0 mapped into its EPT.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>
#include <linux/nvme_ioctl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "mv_test.h"
#include "pci_lib.h"
#include "vmm.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define PARAMETERS	"/sys/module/minivisor/parameters"
/* Debian's nvme.ko and what it needs, named in load order (initramfs.sh) */
#define NVME_MODULES	"/lib/nvme"

#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_BAR0		0x10
#define PCI_SUBSYSTEM_VENDOR	0x2c
#define IORESOURCE_IO		0x100

/*
 * The NVMe VF's guest memory: one memslot at MEM_GPA, holding the admin
 * submission queue, its completion queue and a page for Identify data;
 * a second memslot comes and goes at EXTRA_GPA. Nothing of the VM is at
 * OUTSIDE_GPA; the VF's BAR 0 is at BAR_GPA.
 */
#define MEM_GPA		0x100000UL
#define MEM_SIZE	(2UL << 20)
#define SQ_OFFSET	0x0000UL
#define CQ_OFFSET	0x1000UL
#define DATA_OFFSET	0x2000UL
#define EXTRA_GPA	0x10000000UL
#define EXTRA_SIZE	0x10000UL
#define OUTSIDE_GPA	0x40000000UL
#define BAR_GPA		0xc0000000UL
/* What the memory holds where no DMA may write */
#define FILL		0xa5
#define QUEUE_ENTRIES	4

/* NVMe registers, commands and Identify data (NVMe base spec 2.0) */
#define NVME_CAP	0x00
#define NVME_VS		0x08
#define NVME_CC		0x14
#define NVME_CSTS	0x1c
#define NVME_AQA	0x24
#define NVME_ASQ	0x28
#define NVME_ACQ	0x30
#define NVME_DOORBELLS	0x1000
#define NVME_VS_1_0	0x10000U
#define NVME_CC_ENABLE	(1U << 0 | 6U << 16 | 4U << 20)	/* 64/16-byte entries */
#define NVME_CSTS_RDY	(1U << 0)
#define NVME_CSTS_CFS	(1U << 1)
#define NVME_IDENTIFY	0x06
#define NVME_VIRT_MGMT	0x1c
#define CNS_CONTROLLER	0x01
#define CNS_SECONDARY	0x15
#define ID_VID		0
#define ID_SSVID	2
#define ID_SN		4
#define ID_MN		24
#define ID_CNTLID	78
/* Virtualization Management: actions and resource types */
#define VIRT_PRIMARY_FLEXIBLE	0x1
#define VIRT_SECONDARY_ASSIGN	0x8
#define VIRT_SECONDARY_ONLINE	0x9
#define VIRT_VQ			0
#define VIRT_VI			1

/* The e1000 of the Bochs host: an Intel 82540EM */
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e
#define E1000_STATUS	0x0008
#define E1000_RDBAL	0x2800
#define E1000_EERD	0x0014
#define EERD_DONE	0x10
/* EEPROM word 0: the first bytes of mac=52:54:00:12:34:56 */
#define EEPROM_MAC_0	0x5452
#define GUEST_PORT	0x10
#define RDBAL_VALUE	0x5a5a0f00U
/*
 * The taints of loading minivisor itself, an unsigned out-of-tree module
 * (TAINT_OOT_MODULE, TAINT_UNSIGNED_MODULE): any other comes from elsewhere.
 */
#define MODULE_TAINTS		(1L << 12 | 1L << 13)
#define EXIT_EPT_VIOLATION	48
#define EXIT_EPT_MISCONFIG	49

extern const unsigned char assign_guest_bar[], assign_guest_bar_end[];

/* The start, size and flags of BAR bar, from the function's "resource". */
static int bar_resource(const char *address, int bar, uint64_t *size,
			uint64_t *flags)
{
	char path[PATH_MAX];
	unsigned long long start, end, bits;
	FILE *file;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource", address);
	file = fopen(path, "r");
	if (!file)
		return -errno;
	for (int i = 0; i <= bar; i++) {
		if (fscanf(file, "%llx %llx %llx", &start, &end, &bits) != 3)
			break;
		if (i == bar) {
			*size = start || end ? end - start + 1 : 0;
			*flags = bits;
			ret = 0;
		}
	}
	fclose(file);
	return ret;
}

/* mmap() the function's BAR 0 through sysfs; MAP_FAILED on failure. */
static volatile uint32_t *map_bar0(const char *address, size_t *size)
{
	char path[PATH_MAX];
	struct stat st;
	void *bar;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0", address);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	if (fstat(fd, &st)) {
		close(fd);
		return MAP_FAILED;
	}
	*size = st.st_size;
	bar = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return bar;
}

static uint32_t reg_read(volatile uint32_t *bar, unsigned int offset)
{
	return bar[offset / 4];
}

static void reg_write(volatile uint32_t *bar, unsigned int offset,
		      uint32_t value)
{
	bar[offset / 4] = value;
}

/*
 * Wait up to two seconds for the kernel log to hold more lines with
 * needle than before; returns how many it holds.
 */
static int wait_log(const char *needle, int before)
{
	char line[256];
	int count = 0;

	for (int waited = 0; waited < 2000; waited += 10) {
		count = mv_kernel_log_last(needle, line, sizeof(line));
		if (count > before)
			break;
		usleep(10 * 1000);
	}
	return count;
}

static int log_count(const char *needle)
{
	char line[256];

	return mv_kernel_log_last(needle, line, sizeof(line));
}

/*
 * The text the IOMMU driver logs for a DMA fault of the function at
 * address ("0000:01:00.1") at gpa: "[01:00.1] fault addr 0x100000 ".
 */
static void fault_text(const char *address, uint64_t gpa, char *buf,
		       size_t size)
{
	const char *colon = strchr(address, ':');

	snprintf(buf, size, "[%s] fault addr 0x%llx ",
		 colon ? colon + 1 : address, (unsigned long long)gpa);
}

/* What the module's list says of one function: its state and VM. */
struct listing {
	const char *address;
	bool found;
	uint32_t state, vm_id;
};

static int parse_listing(struct nlmsghdr *nlh, struct nlattr **attrs,
			 void *arg)
{
	struct listing *listing = arg;

	(void)nlh;
	if (!attrs[MINIVISOR_ATTR_PCI_ADDRESS] ||
	    strcmp(nla_get_string(attrs[MINIVISOR_ATTR_PCI_ADDRESS]),
		   listing->address))
		return 0;
	listing->found = true;
	if (attrs[MINIVISOR_ATTR_PCI_STATE])
		listing->state = nla_get_u32(attrs[MINIVISOR_ATTR_PCI_STATE]);
	if (attrs[MINIVISOR_ATTR_PCI_VM_ID])
		listing->vm_id = nla_get_u32(attrs[MINIVISOR_ATTR_PCI_VM_ID]);
	return 0;
}

/* The state and VM (0: none) the list gives the function at address. */
static int listed(struct mvctl_genl *genl, const char *address,
		  uint32_t *state, uint32_t *vm_id)
{
	struct listing listing = { .address = address };
	struct nl_msg *msg = mvctl_genl_request(genl, MINIVISOR_CMD_SRIOV_LIST,
						true);
	int ret = mvctl_genl_transact(genl, msg, parse_listing, &listing);

	if (!ret && !listing.found)
		ret = -ENOENT;
	*state = listing.state;
	*vm_id = listing.vm_id;
	return ret;
}

/* Wait up to five seconds for the function to be in state. */
static bool wait_state(struct mvctl_genl *genl, const char *address,
		       uint32_t state)
{
	uint32_t now = 0, vm_id;

	for (int waited = 0; waited < 5000; waited += 10) {
		if (!listed(genl, address, &now, &vm_id) && now == state)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* The id the family gives the newest VM of process pid, or 0. */
static uint32_t vm_id_of(struct mvctl_genl *genl, pid_t pid)
{
	struct mvctl_vm *vms;
	uint32_t id = 0;
	size_t count;

	if (mvctl_genl_get_vms(genl, 0, &vms, &count))
		return 0;
	for (size_t i = 0; i < count; i++)
		if (vms[i].pid == (uint32_t)pid && vms[i].id > id)
			id = vms[i].id;
	free(vms);
	return id;
}

/* A VM on /dev/minivisor; returns the VM fd, or -errno. */
static int create_vm(int *dev)
{
	int vm;

	*dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (*dev < 0)
		return -errno;
	vm = ioctl(*dev, KVM_CREATE_VM, 0);
	if (vm < 0) {
		vm = -errno;
		close(*dev);
		*dev = -1;
	}
	return vm;
}

/* Close a VM of create_vm() and its device fd; -1 for either is none. */
static void close_vm(int vm, int dev)
{
	if (vm >= 0)
		close(vm);
	if (dev >= 0)
		close(dev);
}

/* KVM_SET_USER_MEMORY_REGION; size 0 deletes the slot. 0 or -errno. */
static int set_slot(int vm, uint32_t slot, uint64_t gpa, void *mem,
		    size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

static int assign_pci(int vm, uint32_t address, uint32_t flags,
		      int bar, uint64_t gpa)
{
	struct minivisor_assign_pci assign = {
		.address = address,
		.flags = flags,
	};

	if (bar >= 0)
		assign.bar_gpa[bar] = gpa;
	return ioctl(vm, MINIVISOR_ASSIGN_PCI, &assign) ? -errno : 0;
}

static int deassign_pci(int vm, uint32_t address)
{
	return ioctl(vm, MINIVISOR_DEASSIGN_PCI, &address) ? -errno : 0;
}

static int config_read(int vm, uint32_t address, uint16_t offset,
		       uint8_t size, uint32_t *value)
{
	struct minivisor_pci_config config = {
		.address = address,
		.offset = offset,
		.size = size,
	};
	int ret = ioctl(vm, MINIVISOR_PCI_CONFIG_READ, &config) ? -errno : 0;

	*value = config.value;
	return ret;
}

static int config_write(int vm, uint32_t address, uint16_t offset,
			uint8_t size, uint32_t value)
{
	struct minivisor_pci_config config = {
		.address = address,
		.offset = offset,
		.size = size,
		.value = value,
	};

	return ioctl(vm, MINIVISOR_PCI_CONFIG_WRITE, &config) ? -errno : 0;
}

/* Turn on memory decoding and bus mastering, as a guest's driver would. */
static int enable_function(int vm, uint32_t address)
{
	uint32_t command;
	int ret = config_read(vm, address, PCI_COMMAND, 2, &command);

	if (ret)
		return ret;
	return config_write(vm, address, PCI_COMMAND, 2,
			    command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* size bytes of fresh memory holding FILL, or MAP_FAILED. */
static uint8_t *map_filled(size_t size)
{
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem != MAP_FAILED)
		memset(mem, FILL, size);
	return mem;
}

/* Set or clear capability cap in this process's effective set. */
static int effective_cap(int cap, bool on)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &header, data))
		return -errno;
	if (on)
		data[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
	else
		data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &header, data) ? -errno : 0;
}

/* This process's locked memory (VmLck of /proc/self/status), in KiB. */
static long locked_kib(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[128];
	long kib = -1;

	if (!status)
		return -1;
	while (kib < 0 && fgets(line, sizeof(line), status))
		if (sscanf(line, "VmLck: %ld kB", &kib) != 1)
			kib = -1;
	fclose(status);
	return kib;
}

/*
 * Free memory in KiB, or -1 if unreadable: MemFree of /proc/meminfo, and
 * the pages each CPU keeps in its lists of free pages ("count" of each
 * pageset in /proc/zoneinfo), which MemFree leaves out. A freed huge page
 * can sit in such a list, so MemFree alone is short by 2 MiB steps.
 */
static long mem_free_kib(void)
{
	long kib = -1, pages = 0, count;
	char line[128];
	FILE *file = fopen("/proc/meminfo", "r");

	while (file && fgets(line, sizeof(line), file))
		if (sscanf(line, "MemFree: %ld kB", &kib) == 1)
			break;
	if (file)
		fclose(file);
	file = fopen("/proc/zoneinfo", "r");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, " count: %ld", &count) == 1)
			pages += count;
	fclose(file);
	return kib < 0 ? -1 : kib + pages * (sysconf(_SC_PAGESIZE) >> 10);
}

static long tainted(void)
{
	char buf[32] = "";
	FILE *file = fopen("/proc/sys/kernel/tainted", "r");

	if (!file)
		return -1;
	if (!fgets(buf, sizeof(buf), file))
		buf[0] = '\0';
	fclose(file);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

/*
 * Wait up to ten seconds for nvme to have the controller of the function
 * at address live; its name ("nvme0") goes to name.
 */
static bool wait_live(const char *address, char *name, size_t size)
{
	char path[PATH_MAX], state[32];
	struct dirent *entry;
	DIR *dir;

	for (int waited = 0; waited < 10000; waited += 10) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme", address);
		dir = opendir(path);
		state[0] = '\0';
		while (dir && (entry = readdir(dir))) {
			if (strncmp(entry->d_name, "nvme", 4))
				continue;
			snprintf(name, size, "%s", entry->d_name);
			snprintf(path, sizeof(path), "nvme/%s/state",
				 entry->d_name);
			mv_pci_read_attr(address, path, state, sizeof(state));
		}
		if (dir)
			closedir(dir);
		if (!strcmp(state, "live"))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* An admin command through the PF's nvme: its NVMe status, or -errno. */
static int pf_admin(int fd, uint8_t opcode, uint32_t cdw10, uint32_t cdw11,
		    void *data, uint32_t len)
{
	struct nvme_admin_cmd cmd = {
		.opcode = opcode,
		.addr = (uintptr_t)data,
		.data_len = len,
		.cdw10 = cdw10,
		.cdw11 = cdw11,
	};
	int ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);

	return ret < 0 ? -errno : ret;
}

static int virt_mgmt(int fd, unsigned int action, unsigned int resource,
		     uint16_t cntlid, uint16_t count)
{
	return pf_admin(fd, NVME_VIRT_MGMT,
			action | resource << 8 | (uint32_t)cntlid << 16, count,
			NULL, 0);
}

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

/*
 * The secondary controller of VF number vf (from 1), from the PF's
 * Secondary Controller List; 0 if the list has none.
 */
static uint16_t secondary_of(int fd, uint16_t vf)
{
	uint8_t list[4096];
	const uint8_t *entry;

	if (pf_admin(fd, NVME_IDENTIFY, CNS_SECONDARY, 0, list, sizeof(list)))
		return 0;
	for (int i = 0; i < list[0] && i < 127; i++) {
		entry = list + 32 + 32 * i;	/* SCID, PCID, SCS, VFN at 8 */
		if (le16(entry + 8) == vf)
			return le16(entry);
	}
	return 0;
}

/*
 * A VF's NVMe controller as this process drives it: its registers (BAR 0
 * through sysfs) and its admin queues in the VM's memory, which the VM
 * has at gpa.
 */
struct nvme_vf {
	volatile uint32_t *bar;
	size_t bar_size;
	unsigned int stride;		/* between doorbells, in bytes */
	uint8_t *mem;
	uint64_t gpa;
	uint16_t sq_tail, cq_head, cid;
	uint16_t phase;
};

/* Wait up to two seconds for CSTS.RDY to be ready; 0, -EIO on CFS. */
static int wait_ready(struct nvme_vf *vf, uint32_t ready)
{
	uint32_t csts;

	for (int waited = 0; waited < 2000; waited++) {
		csts = reg_read(vf->bar, NVME_CSTS);
		if (csts & NVME_CSTS_CFS)
			return -EIO;
		if ((csts & NVME_CSTS_RDY) == ready)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/*
 * Reset the controller and start it with its admin queues in memory: 0,
 * or -ENODEV if its registers do not answer, -EIO or -ETIMEDOUT.
 */
static int vf_start(struct nvme_vf *vf)
{
	uint64_t sq = vf->gpa + SQ_OFFSET, cq = vf->gpa + CQ_OFFSET;
	int ret;

	/* Registers read 0 where memory decoding is off, or the VF offline. */
	if (!reg_read(vf->bar, NVME_CAP) ||
	    reg_read(vf->bar, NVME_VS) < NVME_VS_1_0)
		return -ENODEV;
	vf->stride = 4U << ((reg_read(vf->bar, NVME_CAP + 4) & 0xf));
	reg_write(vf->bar, NVME_CC, 0);
	ret = wait_ready(vf, 0);
	if (ret)
		return ret;
	memset(vf->mem + SQ_OFFSET, 0, 64 * QUEUE_ENTRIES);
	memset(vf->mem + CQ_OFFSET, 0, 16 * QUEUE_ENTRIES);
	vf->sq_tail = 0;
	vf->cq_head = 0;
	vf->phase = 1;
	reg_write(vf->bar, NVME_AQA,
		  (QUEUE_ENTRIES - 1) << 16 | (QUEUE_ENTRIES - 1));
	reg_write(vf->bar, NVME_ASQ, (uint32_t)sq);
	reg_write(vf->bar, NVME_ASQ + 4, sq >> 32);
	reg_write(vf->bar, NVME_ACQ, (uint32_t)cq);
	reg_write(vf->bar, NVME_ACQ + 4, cq >> 32);
	reg_write(vf->bar, NVME_CC, NVME_CC_ENABLE);
	return wait_ready(vf, NVME_CSTS_RDY);
}

/*
 * Submit Identify Controller with its data to guest-physical prp and wait
 * up to two seconds for its completion: the NVMe status (0: success), or
 * -ETIMEDOUT, or -EIO if the controller failed instead.
 */
static int vf_identify(struct nvme_vf *vf, uint64_t prp)
{
	volatile uint32_t *sqe = (uint32_t *)(vf->mem + SQ_OFFSET +
					       64 * vf->sq_tail);
	volatile uint32_t *cqe = (uint32_t *)(vf->mem + CQ_OFFSET +
					       16 * vf->cq_head);
	uint16_t cid = ++vf->cid;
	uint32_t dw3;

	for (int i = 0; i < 16; i++)
		sqe[i] = 0;
	sqe[0] = NVME_IDENTIFY | (uint32_t)cid << 16;
	sqe[6] = (uint32_t)prp;		/* PRP1 */
	sqe[7] = prp >> 32;
	sqe[10] = CNS_CONTROLLER;
	__sync_synchronize();
	vf->sq_tail = (vf->sq_tail + 1) % QUEUE_ENTRIES;
	reg_write(vf->bar, NVME_DOORBELLS, vf->sq_tail);

	for (int waited = 0; waited < 2000; waited++) {
		dw3 = cqe[3];
		if ((dw3 >> 16 & 1) == vf->phase) {
			__sync_synchronize();
			vf->cq_head = (vf->cq_head + 1) % QUEUE_ENTRIES;
			if (!vf->cq_head)
				vf->phase ^= 1;
			reg_write(vf->bar, NVME_DOORBELLS + vf->stride,
				  vf->cq_head);
			if ((dw3 & 0xffff) != cid)
				return -EPROTO;
			return dw3 >> 17;
		}
		if (reg_read(vf->bar, NVME_CSTS) & NVME_CSTS_CFS)
			return -EIO;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* Whether len bytes at p all hold FILL. */
static bool filled(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != FILL)
			return false;
	return true;
}

/* Whether a text field of Identify data has something besides blanks. */
static bool has_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return true;
	return false;
}

FIXTURE(nvme_vf) {
	struct mvctl_genl genl;
	char pf[NAME_MAX + 1], vf[NAME_MAX + 1], vf1[NAME_MAX + 1];
	uint32_t address;
	uint16_t cntlid;		/* the VF's secondary controller */
	int nvme;			/* the PF's /dev/nvmeN */
	int dev, vm;
	uint8_t *mem;			/* the VM's memory at MEM_GPA */
	struct nvme_vf ctrl;
	uint64_t bar_size;
	int warnings;
	bool ready;			/* set up; false when skipped */
	bool claimed;
};

/*
 * nvme takes the PF; the primary controller gives its flexible queue and
 * interrupt resources back (they are the secondaries' only once a reset
 * of the PF has happened), two VFs are enabled, and VF 0's secondary
 * controller gets two queues (admin and one I/O) and an interrupt and
 * goes online (disabling the VFs took it offline, and its resources).
 * nvme stays off the VFs (sriov_drivers_autoprobe 0).
 */
static void bring_up_vf(struct __test_metadata *_metadata,
			FIXTURE_DATA(nvme_vf) *self)
{
	char name[NAME_MAX + 1], path[PATH_MAX];
	uint8_t id[4096];
	uint16_t primary;

	ASSERT_TRUE(wait_live(self->pf, name, sizeof(name)));
	snprintf(path, sizeof(path), "/dev/%s", name);
	self->nvme = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nvme);
	ASSERT_EQ(0, pf_admin(self->nvme, NVME_IDENTIFY, CNS_CONTROLLER, 0,
			      id, sizeof(id)));
	primary = le16(id + ID_CNTLID);
	ASSERT_EQ(0, virt_mgmt(self->nvme, VIRT_PRIMARY_FLEXIBLE, VIRT_VQ,
			       primary, 0));
	ASSERT_EQ(0, virt_mgmt(self->nvme, VIRT_PRIMARY_FLEXIBLE, VIRT_VI,
			       primary, 0));
	ASSERT_EQ(0, mv_pci_write_attr(self->pf, "reset", "1"));
	ASSERT_TRUE(wait_live(self->pf, name, sizeof(name)));

	ASSERT_EQ(0, mv_pci_write_attr(self->pf, "sriov_drivers_autoprobe",
				       "0"));
	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	mv_pci_link_target(self->pf, "virtfn0", self->vf, sizeof(self->vf));
	mv_pci_link_target(self->pf, "virtfn1", self->vf1, sizeof(self->vf1));
	ASSERT_NE(0, self->vf[0]);
	ASSERT_NE(0, self->vf1[0]);
	self->address = mv_pci_address(self->vf);

	self->cntlid = secondary_of(self->nvme, 1);
	ASSERT_NE(0, self->cntlid);
	ASSERT_EQ(0, virt_mgmt(self->nvme, VIRT_SECONDARY_ASSIGN, VIRT_VI,
			       self->cntlid, 1));
	ASSERT_EQ(0, virt_mgmt(self->nvme, VIRT_SECONDARY_ASSIGN, VIRT_VQ,
			       self->cntlid, 2));
	ASSERT_EQ(0, virt_mgmt(self->nvme, VIRT_SECONDARY_ONLINE, VIRT_VQ,
			       self->cntlid, 0));
}

FIXTURE_SETUP(nvme_vf)
{
	int ret;

	self->nvme = -1;
	self->dev = -1;
	self->vm = -1;
	self->ctrl.bar = MAP_FAILED;
	self->mem = MAP_FAILED;
	mv_pci_find_pf(self->pf, sizeof(self->pf));
	if (!self->pf[0])
		SKIP(return, "no SR-IOV function with two VFs on this host");
	ASSERT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
	self->ready = true;
	ret = mv_nvme_load();
	if (ret == -ENOENT) {
		self->ready = false;
		SKIP(return, "no %s/order: initramfs without kernel modules",
		     NVME_MODULES);
	}
	ASSERT_EQ(0, ret);
}

/*
 * What every test of the fixture starts with, done in the test so that
 * the teardown undoes it whatever failed: VF 0 online and claimed, its
 * BAR 0 mapped here, and a VM with MEM_SIZE bytes at MEM_GPA.
 */
static void start(struct __test_metadata *_metadata,
		  FIXTURE_DATA(nvme_vf) *self)
{
	uint64_t flags;

	bring_up_vf(_metadata, self);
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->vf));
	self->claimed = true;
	ASSERT_EQ(0, bar_resource(self->vf, 0, &self->bar_size, &flags));
	ASSERT_NE(0, self->bar_size);
	self->ctrl.bar = map_bar0(self->vf, &self->ctrl.bar_size);
	ASSERT_NE(MAP_FAILED, self->ctrl.bar);

	self->mem = map_filled(MEM_SIZE);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->ctrl.mem = self->mem;
	self->ctrl.gpa = MEM_GPA;
	self->vm = create_vm(&self->dev);
	ASSERT_LE(0, self->vm);
	ASSERT_EQ(0, set_slot(self->vm, 0, MEM_GPA, self->mem, MEM_SIZE));
}

FIXTURE_TEARDOWN(nvme_vf)
{
	if (!self->ready)
		return;
	close_vm(self->vm, self->dev);
	if (self->ctrl.bar != MAP_FAILED)
		munmap((void *)self->ctrl.bar, self->ctrl.bar_size);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SIZE);
	if (self->claimed) {
		/* Closing the VM took the VF back: it is claimed only. */
		EXPECT_TRUE(wait_state(&self->genl, self->vf,
				       MINIVISOR_PCI_CLAIMED));
		EXPECT_EQ(0, mvctl_genl_pci_release(&self->genl, self->vf));
	}
	if (self->vf[0])
		EXPECT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
	if (self->nvme >= 0)
		close(self->nvme);
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	mv_pci_write_attr(self->pf, "sriov_drivers_autoprobe", "1");
	mv_module_remove("nvme");
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

TEST_F(nvme_vf, lists_the_vf_as_assigned_and_keeps_it)
{
	uint32_t state, vm_id, value;

	if (!self->ready)
		return;
	start(_metadata, self);
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);
	EXPECT_NE(0, vm_id);
	EXPECT_EQ(vm_id_of(&self->genl, getpid()), vm_id);
	/* The BAR reads as where the VM has it. */
	ASSERT_EQ(0, config_read(self->vm, self->address, PCI_BAR0, 4, &value));
	EXPECT_EQ((uint32_t)BAR_GPA, value & ~0xfU);

	EXPECT_EQ(-EBUSY, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(-EBUSY, mvctl_genl_sriov_enable(&self->genl, self->pf, 1));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_EQ(-EBUSY, mvctl_genl_pci_release(&self->genl, self->vf));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);

	ASSERT_EQ(0, deassign_pci(self->vm, self->address));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, state);
	EXPECT_EQ(0, vm_id);
	EXPECT_EQ(-ENODEV, config_read(self->vm, self->address, PCI_BAR0, 4,
				       &value));
	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, self->vf));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_FREE, state);
	/* For the teardown, which releases it */
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->vf));
}

TEST_F(nvme_vf, dma_reaches_guest_memory_through_the_iommu)
{
	uint32_t subsystem_vendor;
	const uint8_t *data;

	if (!self->ready)
		return;
	start(_metadata, self);
	data = self->mem + DATA_OFFSET;
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, enable_function(self->vm, self->address));
	ASSERT_EQ(0, config_read(self->vm, self->address,
				 PCI_SUBSYSTEM_VENDOR, 2, &subsystem_vendor));
	ASSERT_EQ(0, vf_start(&self->ctrl));

	ASSERT_EQ(0, vf_identify(&self->ctrl, MEM_GPA + DATA_OFFSET));
	/* A VF's vendor id reads all ones; Linux has the PF's. */
	EXPECT_EQ(mv_pci_numeric_attr(self->vf, "vendor"), le16(data + ID_VID));
	EXPECT_EQ(subsystem_vendor, le16(data + ID_SSVID));
	EXPECT_EQ(self->cntlid, le16(data + ID_CNTLID));
	EXPECT_TRUE(has_text(data + ID_SN, 20));
	EXPECT_TRUE(has_text(data + ID_MN, 40));
	/* Nothing else of the memory changed but the queue entries. */
	EXPECT_TRUE(filled(self->mem + DATA_OFFSET + 4096,
			   MEM_SIZE - DATA_OFFSET - 4096));
	EXPECT_TRUE(filled(self->mem + CQ_OFFSET + 16 * QUEUE_ENTRIES,
			   DATA_OFFSET - CQ_OFFSET - 16 * QUEUE_ENTRIES));
}

TEST_F(nvme_vf, dma_outside_the_memslots_faults_in_the_iommu)
{
	char fault[NAME_MAX + 64];
	int before, status;

	if (!self->ready)
		return;
	start(_metadata, self);
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, enable_function(self->vm, self->address));
	ASSERT_EQ(0, vf_start(&self->ctrl));
	fault_text(self->vf, OUTSIDE_GPA, fault, sizeof(fault));
	before = log_count(fault);
	ASSERT_LE(0, before);

	/*
	 * QEMU's NVMe does not look at how its DMA went: the command
	 * completes, as a success, and its data went nowhere.
	 */
	status = vf_identify(&self->ctrl, OUTSIDE_GPA);
	EXPECT_LE(0, status);
	EXPECT_LT(before, wait_log(fault, before));
	EXPECT_TRUE(filled(self->mem + DATA_OFFSET, MEM_SIZE - DATA_OFFSET));
	/* The controller still works, within the memslot. */
	if (status >= 0)
		EXPECT_EQ(0, vf_identify(&self->ctrl, MEM_GPA + DATA_OFFSET));
	EXPECT_EQ(self->cntlid, le16(self->mem + DATA_OFFSET + ID_CNTLID));
}

TEST_F(nvme_vf, refuses_without_cap_sys_admin)
{
	uint32_t state, vm_id, value;

	if (!self->ready)
		return;
	start(_metadata, self);
	ASSERT_EQ(0, effective_cap(CAP_SYS_ADMIN, false));
	EXPECT_EQ(-EPERM, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, effective_cap(CAP_SYS_ADMIN, true));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, state);

	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, effective_cap(CAP_SYS_ADMIN, false));
	EXPECT_EQ(-EPERM, config_read(self->vm, self->address, 0, 2, &value));
	EXPECT_EQ(-EPERM, config_write(self->vm, self->address, PCI_COMMAND,
				       2, 0));
	EXPECT_EQ(-EPERM, deassign_pci(self->vm, self->address));
	ASSERT_EQ(0, effective_cap(CAP_SYS_ADMIN, true));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);
}

/*
 * The pages pinned for DMA are locked memory, as VFIO's are: they count in
 * the process's VmLck, and without CAP_IPC_LOCK, RLIMIT_MEMLOCK bounds them.
 */
TEST_F(nvme_vf, pinned_memory_counts_as_locked_and_within_memlock)
{
	struct rlimit saved, limit;
	uint32_t state, vm_id;
	uint8_t *extra;
	long before;

	if (!self->ready)
		return;
	start(_metadata, self);
	extra = map_filled(EXTRA_SIZE);
	ASSERT_NE(MAP_FAILED, extra);
	before = locked_kib();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(before + (long)(MEM_SIZE >> 10), locked_kib());
	ASSERT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, EXTRA_SIZE));
	EXPECT_EQ(before + (long)((MEM_SIZE + EXTRA_SIZE) >> 10), locked_kib());
	ASSERT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, 0));
	ASSERT_EQ(0, deassign_pci(self->vm, self->address));
	EXPECT_EQ(before, locked_kib());

	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &saved));
	limit = saved;
	limit.rlim_cur = (before << 10) + MEM_SIZE / 2;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &limit));
	ASSERT_EQ(0, effective_cap(CAP_IPC_LOCK, false));
	EXPECT_EQ(-ENOMEM, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(before, locked_kib());
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, state);

	/* Room for the memslot, not for one more. */
	limit.rlim_cur = (before << 10) + MEM_SIZE;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &limit));
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(-ENOMEM, set_slot(self->vm, 1, EXTRA_GPA, extra, EXTRA_SIZE));
	EXPECT_EQ(before + (long)(MEM_SIZE >> 10), locked_kib());
	/* CAP_IPC_LOCK lifts the limit. */
	ASSERT_EQ(0, effective_cap(CAP_IPC_LOCK, true));
	EXPECT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, EXTRA_SIZE));
	EXPECT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, 0));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &saved));
	munmap(extra, EXTRA_SIZE);
}

/* The child of killed_process_leaves_nothing: assign, say so, wait. */
static void assign_and_wait(uint32_t address, int report)
{
	size_t size = 64UL << 20;
	uint8_t *mem;
	int dev, vm;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm = create_vm(&dev);
	if (mem == MAP_FAILED || vm < 0 ||
	    set_slot(vm, 0, MEM_GPA, mem, size) ||
	    assign_pci(vm, address, 0, 0, BAR_GPA))
		_exit(1);
	if (write(report, "y", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

TEST_F(nvme_vf, killed_process_leaves_nothing)
{
	long free_before, free_during, free_after;
	uint32_t state, vm_id;
	int report[2], status;
	char byte;
	pid_t child;

	if (!self->ready)
		return;
	start(_metadata, self);
	ASSERT_EQ(0, pipe(report));
	free_before = mem_free_kib();
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		assign_and_wait(self->address, report[1]);
	close(report[1]);
	ASSERT_EQ(1, read(report[0], &byte, 1));
	close(report[0]);
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);
	EXPECT_EQ(vm_id_of(&self->genl, child), vm_id);
	/* Its 64 MiB are pinned for the VF's DMA: present in memory. */
	free_during = mem_free_kib();
	EXPECT_LT(free_during + 48 * 1024, free_before);
	/* Another VM cannot have the VF meanwhile. */
	EXPECT_EQ(-EBUSY, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));

	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_TRUE(wait_state(&self->genl, self->vf, MINIVISOR_PCI_CLAIMED));
	free_after = mem_free_kib();
	/* All of it, but for what the kernel does meanwhile (< 1 MiB). */
	EXPECT_GT(free_after + 1024, free_before) {
		TH_LOG("free: %ld kB before, %ld during, %ld after",
		       free_before, free_during, free_after);
	}

	/* The VF works again, in this process's VM. */
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, enable_function(self->vm, self->address));
	ASSERT_EQ(0, vf_start(&self->ctrl));
	EXPECT_EQ(0, vf_identify(&self->ctrl, MEM_GPA + DATA_OFFSET));
}

/*
 * While a VM has a VF, the host cannot take it away behind minivisor's
 * back either: writing sriov_numvfs, as an administrator would, reaches
 * the PF driver, which sees the VF assigned (PCI_DEV_FLAGS_ASSIGNED) and
 * refuses; the VF stays assigned, and its DMA still works.
 */
TEST_F(nvme_vf, pf_driver_keeps_an_assigned_vf)
{
	uint32_t state, vm_id;

	if (!self->ready)
		return;
	start(_metadata, self);
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(-EPERM, mv_pci_write_attr(self->pf, "sriov_numvfs", "0"));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);
	ASSERT_EQ(0, enable_function(self->vm, self->address));
	ASSERT_EQ(0, vf_start(&self->ctrl));
	EXPECT_EQ(0, vf_identify(&self->ctrl, MEM_GPA + DATA_OFFSET));
}

TEST_F(nvme_vf, rejects_bad_requests)
{
	uint64_t size, flags;
	uint32_t value;
	int dev, other, absent = -1;

	if (!self->ready)
		return;
	start(_metadata, self);
	/* Not claimed; no function there; not an address at all */
	EXPECT_EQ(-EINVAL, assign_pci(self->vm, mv_pci_address(self->vf1),
				      0, 0, BAR_GPA));
	EXPECT_EQ(-ENODEV, assign_pci(self->vm,
				      minivisor_pci_address(0, 0x7f, 0x1f, 7),
				      0, 0, BAR_GPA));
	EXPECT_EQ(-EINVAL, assign_pci(self->vm, self->address, 1, 0, BAR_GPA));
	EXPECT_EQ(-EINVAL, assign_pci(self->vm, self->address, 0, 0,
				      BAR_GPA + self->bar_size / 2));
	/* BAR 0 where the memslot is */
	EXPECT_EQ(-EEXIST, assign_pci(self->vm, self->address, 0, 0,
				      (MEM_GPA + MEM_SIZE - 1) &
				      ~(self->bar_size - 1)));
	/* A BAR the VF does not have */
	for (int bar = 2; bar < MINIVISOR_PCI_BARS && absent < 0; bar++)
		if (!bar_resource(self->vf, bar, &size, &flags) && !size)
			absent = bar;
	ASSERT_LE(0, absent);
	EXPECT_EQ(-EINVAL, assign_pci(self->vm, self->address, 0, absent,
				      BAR_GPA));
	EXPECT_EQ(-ENODEV, config_read(self->vm, self->address, 0, 2, &value));

	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(-EBUSY, assign_pci(self->vm, self->address, 0, 0,
				     BAR_GPA + 0x10000000));
	other = create_vm(&dev);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EBUSY, assign_pci(other, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(-ENODEV, config_read(other, self->address, 0, 2, &value));
	close(other);
	close(dev);
	/* A memslot over the BAR */
	EXPECT_EQ(-EEXIST, set_slot(self->vm, 1, BAR_GPA, self->mem, 0x1000));

	EXPECT_EQ(0, config_read(self->vm, self->address, 0, 4, &value));
	EXPECT_EQ(-EINVAL, config_read(self->vm, self->address, 0, 3, &value));
	EXPECT_EQ(-EINVAL, config_read(self->vm, self->address, 0, 8, &value));
	EXPECT_EQ(-EINVAL, config_read(self->vm, self->address, 2, 4, &value));
	EXPECT_EQ(-EINVAL, config_read(self->vm, self->address, 1, 2, &value));
	EXPECT_EQ(-EINVAL, config_read(self->vm, self->address, 4096, 1,
				       &value));
	EXPECT_EQ(-EINVAL, config_write(self->vm, self->address, 4094, 4, 0));
	EXPECT_EQ(-ENODEV, config_read(self->vm, mv_pci_address(self->vf1),
				       0, 2, &value));
}

TEST_F(nvme_vf, follows_memslot_changes)
{
	uint8_t *extra;
	char fault[NAME_MAX + 64];
	int before;

	if (!self->ready)
		return;
	start(_metadata, self);
	extra = map_filled(EXTRA_SIZE);
	ASSERT_NE(MAP_FAILED, extra);
	ASSERT_EQ(0, assign_pci(self->vm, self->address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, enable_function(self->vm, self->address));
	ASSERT_EQ(0, vf_start(&self->ctrl));

	/* A memslot added while the VF is assigned takes its DMA. */
	ASSERT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, EXTRA_SIZE));
	ASSERT_EQ(0, vf_identify(&self->ctrl, EXTRA_GPA + 0x1000));
	EXPECT_EQ(self->cntlid, le16(extra + 0x1000 + ID_CNTLID));
	EXPECT_TRUE(has_text(extra + 0x1000 + ID_MN, 40));
	EXPECT_TRUE(filled(extra, 0x1000));
	EXPECT_TRUE(filled(self->mem + DATA_OFFSET, MEM_SIZE - DATA_OFFSET));

	/* Once deleted, its guest-physical range faults again. */
	ASSERT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, extra, 0));
	memset(extra, FILL, EXTRA_SIZE);
	fault_text(self->vf, EXTRA_GPA + 0x1000, fault, sizeof(fault));
	before = log_count(fault);
	ASSERT_LE(0, before);
	EXPECT_LE(0, vf_identify(&self->ctrl, EXTRA_GPA + 0x1000));
	EXPECT_LT(before, wait_log(fault, before));
	EXPECT_TRUE(filled(extra, EXTRA_SIZE));
	EXPECT_TRUE(filled(self->mem + DATA_OFFSET, MEM_SIZE - DATA_OFFSET));
	munmap(extra, EXTRA_SIZE);
}

/*
 * A VF of the PF minivisor's stub drives, assigned to a VM whose 64 MiB
 * are pinned for it; the PF then goes away, as in a hot unplug, through
 * its sysfs "remove". The stub's remove disables the VFs, and the VF's
 * removal takes it back from the VM: its pages are unpinned and its IOMMU
 * domain freed, and the VM knows it no more but goes on. The teardown
 * rescans the bus, which brings the PF back for the suites after.
 */
FIXTURE(removed_pf) {
	struct mvctl_genl genl;
	char pf[NAME_MAX + 1], vf[NAME_MAX + 1];
	uint8_t *mem;
	int dev, vm;
	int warnings;
	bool ready;
};

#define REMOVED_PF_MEM	(64UL << 20)

FIXTURE_SETUP(removed_pf)
{
	self->dev = -1;
	self->vm = -1;
	self->mem = MAP_FAILED;
	mv_pci_find_pf(self->pf, sizeof(self->pf));
	if (!self->pf[0])
		SKIP(return, "no SR-IOV function with two VFs on this host");
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
	self->ready = true;
	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 1));
	mv_pci_link_target(self->pf, "virtfn0", self->vf, sizeof(self->vf));
	ASSERT_NE(0, self->vf[0]);
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->vf));

	self->mem = mmap(NULL, REMOVED_PF_MEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->vm = create_vm(&self->dev);
	ASSERT_LE(0, self->vm);
	ASSERT_EQ(0, set_slot(self->vm, 0, MEM_GPA, self->mem,
			      REMOVED_PF_MEM));
}

FIXTURE_TEARDOWN(removed_pf)
{
	char path[PATH_MAX];

	if (!self->ready)
		return;
	close_vm(self->vm, self->dev);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, REMOVED_PF_MEM);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", self->pf);
	if (access(path, F_OK)) {
		EXPECT_EQ(0, mv_write_file("/sys/bus/pci/rescan", "1"));
	} else {
		EXPECT_EQ(0, mvctl_genl_pci_release(&self->genl, self->vf));
		EXPECT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
	}
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

TEST_F(removed_pf, removal_takes_the_vf_back_from_the_vm)
{
	uint32_t address, state, vm_id, value;
	long free_before, free_during, free_after, locked;
	char path[PATH_MAX];
	int taken_back;

	if (!self->ready)
		return;
	address = mv_pci_address(self->vf);
	taken_back = log_count("minivisor: taken back from VM");
	ASSERT_LE(0, taken_back);
	free_before = mem_free_kib();
	locked = locked_kib();
	ASSERT_LE(0, locked);
	ASSERT_EQ(0, assign_pci(self->vm, address, 0, 0, BAR_GPA));
	ASSERT_EQ(0, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_ASSIGNED, state);
	free_during = mem_free_kib();
	EXPECT_LT(free_during + 48 * 1024, free_before);
	EXPECT_EQ(locked + (long)(REMOVED_PF_MEM >> 10), locked_kib());

	ASSERT_EQ(0, mv_pci_write_attr(self->pf, "remove", "1"));
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", self->vf);
	EXPECT_NE(0, access(path, F_OK));
	EXPECT_EQ(-ENOENT, listed(&self->genl, self->vf, &state, &vm_id));
	EXPECT_LT(taken_back, wait_log("minivisor: taken back from VM",
				       taken_back));
	EXPECT_EQ(locked, locked_kib());

	/* The VM has no such function any more, and works on. */
	EXPECT_EQ(-ENODEV, deassign_pci(self->vm, address));
	EXPECT_EQ(-ENODEV, config_read(self->vm, address, 0, 2, &value));
	EXPECT_EQ(0, set_slot(self->vm, 1, EXTRA_GPA, self->mem, EXTRA_SIZE));

	/* Unpinned: once this process lets go of them, the pages are free. */
	munmap(self->mem, REMOVED_PF_MEM);
	self->mem = MAP_FAILED;
	free_after = mem_free_kib();
	/* All of it, but for what the kernel does meanwhile (< 1 MiB). */
	EXPECT_GT(free_after + 1024, free_before) {
		TH_LOG("free: %ld kB before, %ld during, %ld after",
		       free_before, free_during, free_after);
	}
}

FIXTURE(e1000) {
	struct mvctl_genl genl;
	char function[NAME_MAX + 1];
	uint32_t address;
	int warnings;
	bool ready;
};

FIXTURE_SETUP(e1000)
{
	mv_pci_find_function(E1000_VENDOR, E1000_DEVICE, self->function,
			     sizeof(self->function));
	if (!self->function[0])
		SKIP(return, "no e1000 on this host");
	self->address = mv_pci_address(self->function);
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
	self->ready = true;
	ASSERT_EQ(0, mv_write_file(PARAMETERS "/allow_unsafe_noiommu", "N"));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->function));
}

FIXTURE_TEARDOWN(e1000)
{
	if (!self->ready)
		return;
	EXPECT_EQ(0, mvctl_genl_pci_release(&self->genl, self->function));
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

TEST_F(e1000, needs_allow_unsafe_noiommu_without_an_iommu)
{
	long taint = tainted();
	uint32_t state, vm_id;
	int dev, vm;

	if (!self->ready)
		return;
	ASSERT_LE(0, taint);
	vm = create_vm(&dev);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-EOPNOTSUPP, assign_pci(vm, self->address, 0, 0, BAR_GPA));
	EXPECT_EQ(taint, tainted());
	ASSERT_EQ(0, listed(&self->genl, self->function, &state, &vm_id));
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, state);
	close(vm);
	close(dev);
}

/* The exits of reasons EPT violation and misconfiguration, and KVM_RUN's. */
static int ept_exits(struct mvctl_genl *genl, uint32_t vm_id,
		     uint64_t *ept, uint64_t *user)
{
	struct mvctl_vcpu_stats *stats;
	size_t count;
	int ret = mvctl_genl_get_stats(genl, vm_id, &stats, &count);

	if (ret)
		return ret;
	*ept = *user = 0;
	for (size_t i = 0; i < count; i++) {
		*user += stats[i].user_exits;
		for (size_t j = 0; j < stats[i].nr_exits; j++)
			if (stats[i].exits[j].reason == EXIT_EPT_VIOLATION ||
			    stats[i].exits[j].reason == EXIT_EPT_MISCONFIG)
				*ept += stats[i].exits[j].count;
	}
	free(stats);
	return count == 1 ? 0 : -EPROTO;
}

TEST_F(e1000, guest_reaches_the_bar_without_exits)
{
	uint64_t ept_before, ept_after, user_before, user_after, size, flags;
	volatile uint32_t *bar;
	struct kvm_regs regs;
	struct vmm vmm;
	uint32_t vm_id;
	size_t map_size;
	int io_bar = -1;

	if (!self->ready)
		return;
	ASSERT_EQ(0, mv_write_file(PARAMETERS "/allow_unsafe_noiommu", "Y"));
	ASSERT_EQ(0, vmm_open(&vmm, &vmm_minivisor));
	ASSERT_EQ(0, vmm_load(&vmm, VMM_PROTECTED_MODE, assign_guest_bar,
			      assign_guest_bar_end));
	/* An I/O BAR cannot be mapped. */
	for (int i = 1; i < MINIVISOR_PCI_BARS && io_bar < 0; i++)
		if (!bar_resource(self->function, i, &size, &flags) &&
		    size && (flags & IORESOURCE_IO))
			io_bar = i;
	ASSERT_LE(0, io_bar);
	EXPECT_EQ(-EINVAL, assign_pci(vmm.vm, self->address, 0, io_bar,
				      0x1000));

	ASSERT_EQ(0, assign_pci(vmm.vm, self->address, 0, 0, BAR_GPA));
	EXPECT_NE(0, tainted() & ~MODULE_TAINTS);
	ASSERT_EQ(0, enable_function(vmm.vm, self->address));
	vm_id = vm_id_of(&self->genl, getpid());
	ASSERT_NE(0, vm_id);

	ASSERT_EQ(0, vmm_get_regs(&vmm, &regs));
	regs.rsi = BAR_GPA;
	regs.rdi = RDBAL_VALUE;
	regs.rdx = GUEST_PORT;
	ASSERT_EQ(0, vmm_set_regs(&vmm, &regs));
	ASSERT_RUN_OUT(&vmm, GUEST_PORT, 4, 0);
	ASSERT_EQ(0, ept_exits(&self->genl, vm_id, &ept_before, &user_before));
	ASSERT_RUN_OUT(&vmm, GUEST_PORT, 4, RDBAL_VALUE);
	ASSERT_EQ(0, ept_exits(&self->genl, vm_id, &ept_after, &user_after));
	/* The BAR accesses took no exit: the OUT after them is the next. */
	EXPECT_EQ(ept_before, ept_after);
	EXPECT_EQ(user_before + 1, user_after);

	ASSERT_EQ(0, vmm_get_regs(&vmm, &regs));
	bar = map_bar0(self->function, &map_size);
	ASSERT_NE(MAP_FAILED, bar);
	EXPECT_EQ(RDBAL_VALUE, reg_read(bar, E1000_RDBAL));
	EXPECT_EQ(reg_read(bar, E1000_STATUS), (uint32_t)regs.rbx);
	/* The device answered the guest's EEPROM read: it runs its code. */
	EXPECT_EQ(EEPROM_MAC_0, regs.rcx >> 16);
	EXPECT_EQ(EERD_DONE, regs.rcx & EERD_DONE);
	EXPECT_EQ(reg_read(bar, E1000_EERD), (uint32_t)regs.rcx);
	munmap((void *)bar, map_size);

	ASSERT_EQ(0, deassign_pci(vmm.vm, self->address));
	vmm_close(&vmm);
	ASSERT_EQ(0, mv_write_file(PARAMETERS "/allow_unsafe_noiommu", "N"));
}

TEST_HARNESS_MAIN
