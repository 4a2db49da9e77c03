// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "assign_irq": the interrupts of an assigned PCI function reach
 * the guest (MINIVISOR_SET_PCI_IRQS). minivisor takes the function's
 * host interrupt itself and injects the routed vector into the vCPU, with
 * no trip through userspace; INTx is masked at the function while the
 * guest has not taken the vector, and the guest takes it again as long
 * as the function still asserts INTx when it did.
 *
 * The function is the e1000 of the Bochs host (lib/boot-bochs.sh), whose
 * INTx is a legacy IRQ of the host; without an IOMMU it is assigned with
 * allow_unsafe_noiommu. The guest (assign_irq_guests.S) is a protected-
 * mode driver of its interrupt registers: it raises a cause through ICS
 * and counts how often its handler for the routed vector runs, in rounds
 * the test commands through port I/O.
 *
 * MSI, whose message the guest programs in the function's capability,
 * is checked on the QEMU host with its "edu" device (lib/boot-qemu.sh):
 * no emulator here has both VT-x and a function with MSI, so there the
 * host takes the interrupt and no vCPU receives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/kvm.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "mv_test.h"
#include "pci_lib.h"
#include "vmm.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define NOIOMMU		"/sys/module/minivisor/parameters/allow_unsafe_noiommu"
#define INTERRUPTS	"/proc/interrupts"

#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_MSIX		0x11
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4

/* The e1000 of the Bochs host, an Intel 82540EM, and its BAR 0 here */
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e
#define E1000_TXDW	0x1
#define E1000_ICS	0xc8
#define BAR_GPA		0xc0000000UL

/* Where the guest's IDT and data area are, in the VMM's memory */
#define IDT_GPA		0x20000UL
#define DATA_GPA	0x30000UL
#define VECTOR		0x40
#define GUEST_PORT	0x10

/* The guest's round commands and data area: assign_irq_guests.S */
#define CMD_RAISE		0x1
#define CMD_STI			0x2
#define CMD_CLEAR_AFTER		0x4
#define CMD_CLEAR_FROM(run)	((run) << 8)
#define DATA_RUNS		0
#define DATA_ICR_AFTER		1
#define DATA_ICR_LOG		2
#define DATA_LOG_ENTRIES	8
/* What the test leaves in the data area for the guest to overwrite */
#define FILL			0xa5a5a5a5U

extern const unsigned char assign_irq_guest[], assign_irq_handler[],
	assign_irq_guest_end[];

/*
 * Where the function's capability list, in its sysfs config file (the
 * device's own registers), has capability id: its offset, 0 if nowhere,
 * or -errno.
 */
static int capability_at(const char *address, uint8_t id)
{
	uint8_t config[256];
	char path[PATH_MAX];
	unsigned int at, hops = 0;
	FILE *file;
	size_t got;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", address);
	file = fopen(path, "r");
	if (!file)
		return -errno;
	got = fread(config, 1, sizeof(config), file);
	fclose(file);
	if (got < 64)
		return -EIO;
	if (!(config[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (at = config[PCI_CAPABILITY_LIST] & ~3U; at >= 64 && at < got &&
	     hops < 48; at = config[at + 1] & ~3U, hops++)
		if (config[at] == id)
			return at;
	return 0;
}

/* The dword at offset of the function's sysfs config file, or ~0. */
static uint32_t device_config_dword(const char *address, unsigned int offset)
{
	char path[PATH_MAX];
	uint32_t value = ~0U;
	FILE *file;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", address);
	file = fopen(path, "r");
	if (!file)
		return value;
	if (fseek(file, offset, SEEK_SET) || fread(&value, 4, 1, file) != 1)
		value = ~0U;
	fclose(file);
	return value;
}

/*
 * The lines of /proc/interrupts that name minivisor's handler, and the
 * interrupts they counted on all CPUs together in *total; or -errno.
 */
static int minivisor_irqs(unsigned long *total)
{
	FILE *file = fopen(INTERRUPTS, "r");
	char line[1024], *text, *end;
	unsigned long count;
	int lines = 0;

	*total = 0;
	if (!file)
		return -errno;
	while (fgets(line, sizeof(line), file)) {
		if (!strstr(line, "minivisor"))
			continue;
		lines++;
		text = strchr(line, ':');
		if (!text)
			continue;
		for (text++;; text = end) {
			count = strtoul(text, &end, 10);
			if (end == text)
				break;
			*total += count;
		}
	}
	fclose(file);
	return lines;
}

/* Wait up to two seconds for minivisor's handler to count above before. */
static unsigned long wait_irqs_above(unsigned long before)
{
	unsigned long total = 0;

	for (int waited = 0; waited < 2000; waited += 10) {
		if (minivisor_irqs(&total) > 0 && total > before)
			break;
		usleep(10 * 1000);
	}
	return total;
}

static int config_access(int vm, unsigned long ioctl_nr, uint32_t address,
			 uint16_t offset, uint8_t size, uint32_t *value)
{
	struct minivisor_pci_config config = {
		.address = address,
		.offset = offset,
		.size = size,
		.value = *value,
	};
	int ret = ioctl(vm, ioctl_nr, &config) ? -errno : 0;

	*value = config.value;
	return ret;
}

/* Turn on memory decoding and bus mastering, as a guest's driver would. */
static int enable_function(int vm, uint32_t address)
{
	uint32_t command = 0;
	int ret = config_access(vm, MINIVISOR_PCI_CONFIG_READ, address,
				PCI_COMMAND, 2, &command);

	if (ret)
		return ret;
	command |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	return config_access(vm, MINIVISOR_PCI_CONFIG_WRITE, address,
			     PCI_COMMAND, 2, &command);
}

static int set_irqs(int vm, const struct minivisor_pci_irqs *irqs)
{
	return ioctl(vm, MINIVISOR_SET_PCI_IRQS, irqs) ? -errno : 0;
}

/* MINIVISOR_SET_PCI_IRQS of one route (count 1) or none (count 0). */
static int route(int vm, uint32_t address, uint32_t type, uint32_t count,
		 uint32_t vcpu, uint32_t vector)
{
	struct minivisor_pci_irqs irqs = {
		.address = address,
		.type = type,
		.count = count,
		.routes[0] = { .vcpu = vcpu, .vector = vector },
	};

	return set_irqs(vm, &irqs);
}

/*
 * The guest's IDT: a 32-bit interrupt gate for VECTOR to the guest's
 * handler, and a limit that ends with it, so that any other vector
 * (an exception) ends in a triple fault.
 */
static int set_idt(struct vmm *vmm)
{
	uint32_t handler = VMM_CODE_ADDR +
			   (assign_irq_handler - assign_irq_guest);
	uint64_t *idt = (uint64_t *)(vmm->mem + IDT_GPA);
	struct kvm_sregs sregs;
	int ret = vmm_get_sregs(vmm, &sregs);

	if (ret)
		return ret;
	idt[VECTOR] = (handler & 0xffffULL) |
		      (uint64_t)VMM_SEL_CODE32 << 16 |
		      0x8eULL << 40 |	/* present, DPL 0, interrupt gate */
		      (uint64_t)(handler >> 16) << 48;
	sregs.idt.base = IDT_GPA;
	sregs.idt.limit = (VECTOR + 1) * 8 - 1;
	return vmm_set_sregs(vmm, &sregs);
}

FIXTURE(assign_irq) {
	struct mvctl_genl genl;
	struct vmm vmm;
	char function[NAME_MAX + 1];
	uint32_t address;
	uint32_t *data;
	int warnings;
	bool ready, claimed;
};

FIXTURE_SETUP(assign_irq)
{
	struct minivisor_assign_pci assign = { .bar_gpa[0] = BAR_GPA };
	struct kvm_regs regs;

	self->vmm.vm = -1;
	mv_pci_find_function(E1000_VENDOR, E1000_DEVICE, self->function,
			     sizeof(self->function));
	if (!self->function[0])
		SKIP(return, "no e1000 on this host");
	self->address = mv_pci_address(self->function);
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
	self->ready = true;
	ASSERT_EQ(0, mv_write_file(NOIOMMU, "Y"));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->function));
	self->claimed = true;

	ASSERT_EQ(0, vmm_open(&self->vmm, &vmm_minivisor));
	ASSERT_EQ(0, vmm_load(&self->vmm, VMM_PROTECTED_MODE, assign_irq_guest,
			      assign_irq_guest_end));
	ASSERT_EQ(0, set_idt(&self->vmm));
	ASSERT_EQ(0, vmm_get_regs(&self->vmm, &regs));
	regs.rsi = BAR_GPA;
	regs.rbp = DATA_GPA;
	regs.rdx = GUEST_PORT;
	ASSERT_EQ(0, vmm_set_regs(&self->vmm, &regs));
	self->data = (uint32_t *)(self->vmm.mem + DATA_GPA);

	assign.address = self->address;
	ASSERT_EQ(0, ioctl(self->vmm.vm, MINIVISOR_ASSIGN_PCI, &assign));
	ASSERT_EQ(0, enable_function(self->vmm.vm, self->address));
	/* The guest's start: masking and clearing the causes. */
	ASSERT_RUN_IN(&self->vmm, GUEST_PORT, 4);
}

FIXTURE_TEARDOWN(assign_irq)
{
	unsigned long total;

	if (!self->ready)
		return;
	vmm_close(&self->vmm);
	/* The VM took its routes along. */
	EXPECT_EQ(0, minivisor_irqs(&total));
	if (self->claimed)
		EXPECT_EQ(0, mvctl_genl_pci_release(&self->genl,
						    self->function));
	EXPECT_EQ(0, mv_write_file(NOIOMMU, "N"));
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

/* The function's INTx routed to VECTOR of vCPU 0, as most tests have it. */
static int route_intx(FIXTURE_DATA(assign_irq) *self)
{
	return route(self->vmm.vm, self->address, MINIVISOR_PCI_IRQ_INTX, 1,
		     0, VECTOR);
}

/*
 * Route INTx as route_intx() does, and check that minivisor's handler now
 * has its line in /proc/interrupts; what it counted so far goes to *total.
 */
static void route_intx_counted(struct __test_metadata *_metadata,
			       FIXTURE_DATA(assign_irq) *self,
			       unsigned long *total)
{
	ASSERT_EQ(0, route_intx(self));
	ASSERT_EQ(1, minivisor_irqs(total));
}

/*
 * One round of the guest, stopped at its IN: answer with command and run
 * it to its OUT, in a single KVM_RUN, so that whatever interrupts it took
 * came with no return to userspace. Returns the handler's runs, which the
 * guest also left in its data area.
 */
static uint32_t guest_round(struct __test_metadata *_metadata,
			    FIXTURE_DATA(assign_irq) *self, uint32_t command)
{
	struct vmm *vmm = &self->vmm;
	uint32_t runs;

	for (int i = 0; i < DATA_ICR_LOG + DATA_LOG_ENTRIES; i++)
		self->data[i] = i == DATA_RUNS ? 0 : FILL;
	vmm_io_set_value(vmm, command);
	ASSERT_RUN_OUT(vmm, GUEST_PORT, 4, self->data[DATA_RUNS]);
	runs = vmm_io_value(vmm);
	/* On to the next round's IN. */
	ASSERT_RUN_IN(vmm, GUEST_PORT, 4);
	return runs;
}

/*
 * A round in which the guest's handler reads ICR, so clears TXDW, from its
 * first run on. The vector comes once for the host interrupt, and once
 * more if, when minivisor injected it, the function still asserted INTx
 * as far as the host could tell (the uapi's "the guest takes it again").
 * On hardware it does: the handler has not run yet. Bochs' e1000 cannot
 * mask INTx (no INTx disable), so minivisor disables the host IRQ
 * instead and enables it again at injection; the line, still high, fires
 * again at once, but Bochs takes no external-interrupt exit while the
 * guest's IF is 0 (README.md), so the handler runs first, clears the
 * cause, and the interrupt goes with the line before the host takes it.
 * So once (Bochs) or twice (hardware), never more; the first run finds
 * TXDW set, a second one finds it clear.
 */
static void take_once_or_twice(struct __test_metadata *_metadata,
			       FIXTURE_DATA(assign_irq) *self, uint32_t command)
{
	uint32_t runs = guest_round(_metadata, self, command |
				    CMD_CLEAR_FROM(1));

	EXPECT_LE(1, runs);
	EXPECT_GE(2, runs);
	EXPECT_EQ(E1000_TXDW, self->data[DATA_ICR_LOG] & E1000_TXDW);
	if (runs == 2)
		EXPECT_EQ(0, self->data[DATA_ICR_LOG + 1] & E1000_TXDW);
}

/*
 * The guest raises TXDW with interrupts on: its handler runs with no exit
 * to userspace between the IN and the OUT of the round, and the host took
 * the function's interrupt for it.
 */
TEST_F(assign_irq, intx_reaches_the_guest_without_userspace)
{
	unsigned long before, after;

	if (!self->ready)
		return;
	route_intx_counted(_metadata, self, &before);
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);
	after = wait_irqs_above(before);
	EXPECT_LT(before, after);

	/* The route stays: a second cause, a second delivery. */
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);
	EXPECT_LT(after, wait_irqs_above(after));
}

/*
 * A handler that leaves the cause set gets the vector again, one
 * delivery at a time, until it clears it: clearing on its third run
 * makes three runs, or four (see take_once_or_twice).
 */
TEST_F(assign_irq, intx_comes_again_while_the_function_asserts_it)
{
	uint32_t runs;

	if (!self->ready)
		return;
	ASSERT_EQ(0, route_intx(self));
	runs = guest_round(_metadata, self, CMD_RAISE | CMD_STI |
			   CMD_CLEAR_FROM(3));
	EXPECT_LE(3, runs);
	EXPECT_GE(4, runs);
	EXPECT_EQ(FILL, self->data[DATA_ICR_LOG]);
	EXPECT_EQ(FILL, self->data[DATA_ICR_LOG + 1]);
	EXPECT_EQ(E1000_TXDW, self->data[DATA_ICR_LOG + 2] & E1000_TXDW);
	if (runs == 4)
		EXPECT_EQ(0, self->data[DATA_ICR_LOG + 3] & E1000_TXDW);
}

/*
 * With interrupts off the vector waits, though the host took the
 * function's interrupt; STI takes it, and that round too goes from IN to
 * OUT with no stop in userspace.
 */
TEST_F(assign_irq, intx_waits_for_the_guest_to_take_interrupts)
{
	unsigned long before;

	if (!self->ready)
		return;
	route_intx_counted(_metadata, self, &before);
	EXPECT_EQ(0, guest_round(_metadata, self, CMD_RAISE));
	EXPECT_LT(before, wait_irqs_above(before));
	take_once_or_twice(_metadata, self, CMD_STI);
}

TEST_F(assign_irq, rejects_bad_routes_and_keeps_the_last_good_one)
{
	struct minivisor_pci_irqs irqs = {
		.address = self->address,
		.type = MINIVISOR_PCI_IRQ_INTX,
		.count = 1,
		.routes[0] = { .vcpu = 0, .vector = VECTOR },
	};
	unsigned long total;
	int vm = self->vmm.vm;

	if (!self->ready)
		return;
	/* Bochs' e1000 offers neither MSI nor MSI-X, only INTx. */
	ASSERT_EQ(0, capability_at(self->function, PCI_CAP_ID_MSI));
	ASSERT_EQ(0, capability_at(self->function, PCI_CAP_ID_MSIX));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_MSI, 1,
				 0, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_MSIX, 1,
				 0, VECTOR));
	EXPECT_EQ(0, minivisor_irqs(&total));

	ASSERT_EQ(0, set_irqs(vm, &irqs));
	ASSERT_EQ(1, minivisor_irqs(&total));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_INTX, 1,
				 0, 31));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_INTX, 1,
				 0, 256));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_INTX, 1,
				 1, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_INTX, 0,
				 0, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_INTX, 2,
				 0, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_NONE, 1,
				 0, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_MSI, 1,
				 0, VECTOR));
	EXPECT_EQ(-EINVAL, route(vm, self->address, MINIVISOR_PCI_IRQ_MSIX +
				 1, 1, 0, VECTOR));
	irqs.pad = 1;
	EXPECT_EQ(-EINVAL, set_irqs(vm, &irqs));
	irqs.pad = 0;
	irqs.count = MINIVISOR_PCI_MAX_IRQS + 1;
	EXPECT_EQ(-EINVAL, set_irqs(vm, &irqs));
	/* A function the VM does not have */
	EXPECT_EQ(-ENODEV, route(vm, minivisor_pci_address(0, 0x7f, 0x1f, 7),
				 MINIVISOR_PCI_IRQ_INTX, 1, 0, VECTOR));

	/* None of them touched the route in place. */
	EXPECT_EQ(1, minivisor_irqs(&total));
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);
}

/*
 * Type NONE takes the route away with the interrupt it had pending: the
 * guest, which raised the cause with interrupts off, takes nothing once
 * it turns them on, though ICR shows the cause still set. A new route
 * gets the function's interrupts again.
 */
TEST_F(assign_irq, none_drops_the_route_and_its_pending_interrupt)
{
	unsigned long before, total;

	if (!self->ready)
		return;
	route_intx_counted(_metadata, self, &before);
	EXPECT_EQ(0, guest_round(_metadata, self, CMD_RAISE));
	/* The host took the function's interrupt, for the guest. */
	EXPECT_LT(before, wait_irqs_above(before));

	ASSERT_EQ(0, route(self->vmm.vm, self->address, MINIVISOR_PCI_IRQ_NONE,
			   0, 0, 0));
	EXPECT_EQ(0, minivisor_irqs(&total));
	EXPECT_EQ(0, guest_round(_metadata, self, CMD_STI |
				 CMD_CLEAR_AFTER));
	EXPECT_EQ(E1000_TXDW, self->data[DATA_ICR_AFTER] & E1000_TXDW);

	ASSERT_EQ(0, route_intx(self));
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);
}

/* Closing the VM frees the host interrupt (and the teardown checks so). */
TEST_F(assign_irq, closing_the_vm_frees_the_host_interrupt)
{
	unsigned long total;

	if (!self->ready)
		return;
	route_intx_counted(_metadata, self, &total);
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);
	vmm_close(&self->vmm);
	EXPECT_EQ(0, minivisor_irqs(&total));
}

/*
 * The function goes away under the VM, as in a hot unplug (here through
 * its sysfs "remove"): the claimed driver's remove takes it back from the
 * VM on the way. Its host interrupt is freed, its BAR leaves the EPT (the
 * guest's next access to it is an MMIO exit to the VMM) and the VM knows
 * it no more; the VM itself goes on. A rescan brings the function back,
 * unclaimed, for the tests after.
 */
TEST_F(assign_irq, removing_the_function_takes_it_back_from_the_vm)
{
	char path[PATH_MAX];
	unsigned long total;
	uint32_t address = self->address, value = 0;

	if (!self->ready)
		return;
	route_intx_counted(_metadata, self, &total);
	take_once_or_twice(_metadata, self, CMD_RAISE | CMD_STI);

	ASSERT_EQ(0, mv_pci_write_attr(self->function, "remove", "1"));
	self->claimed = false;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s", self->function);
	EXPECT_NE(0, access(path, F_OK));
	EXPECT_EQ(0, minivisor_irqs(&total));
	EXPECT_EQ(-ENODEV, config_access(self->vmm.vm,
					 MINIVISOR_PCI_CONFIG_READ,
					 self->address, 0, 2, &value));
	EXPECT_EQ(-1, ioctl(self->vmm.vm, MINIVISOR_DEASSIGN_PCI, &address));
	EXPECT_EQ(ENODEV, errno);

	vmm_io_set_value(&self->vmm, CMD_RAISE);
	ASSERT_EQ(KVM_EXIT_MMIO, vmm_run(&self->vmm));
	EXPECT_EQ(BAR_GPA + E1000_ICS, self->vmm.run->mmio.phys_addr);
	EXPECT_TRUE(self->vmm.run->mmio.is_write);

	ASSERT_EQ(0, mv_write_file("/sys/bus/pci/rescan", "1"));
	EXPECT_EQ(0, access(path, F_OK));
}

/*
 * QEMU's "edu" device (docs/specs/edu.txt in QEMU) has an MSI capability
 * (one 64-bit message) and raises its interrupt when its register
 * EDU_RAISE is written. The QEMU host has no VT-x, so no vCPU: this
 * process plays the guest's driver, programming the MSI capability
 * through the VM's config ioctls and writing the function's registers
 * through sysfs. The message goes to vCPU 0, which does not exist, so
 * minivisor takes the interrupt on the host and drops it: the count of
 * its handler in /proc/interrupts shows it came.
 */
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_RAISE	0x60
#define EDU_ACK		0x64
#define MSI_FLAGS	2
#define MSI_ENABLE	0x1
#define MSI_ADDRESS_LO	4
#define MSI_ADDRESS_HI	8
#define MSI_DATA_64	12
/* To vCPU 0 (APIC id 0), physical destination; fixed delivery */
#define GUEST_MSI_ADDRESS	0xfee00000U
#define GUEST_MSI_DATA		0x45U

FIXTURE(edu_msi) {
	struct mvctl_genl genl;
	char function[NAME_MAX + 1];
	uint32_t address;
	int dev, vm;
	int msi;			/* the MSI capability's offset */
	volatile uint32_t *bar;
	size_t bar_size;
	int warnings;
	bool ready, claimed;
};

FIXTURE_SETUP(edu_msi)
{
	struct minivisor_assign_pci assign = { .bar_gpa[0] = BAR_GPA };
	char path[PATH_MAX];
	struct stat st;
	int fd;

	self->dev = -1;
	self->vm = -1;
	self->bar = MAP_FAILED;
	mv_pci_find_function(EDU_VENDOR, EDU_DEVICE, self->function,
			     sizeof(self->function));
	if (!self->function[0])
		SKIP(return, "no edu on this host");
	self->address = mv_pci_address(self->function);
	self->msi = capability_at(self->function, PCI_CAP_ID_MSI);
	ASSERT_LT(0, self->msi);
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
	self->ready = true;
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, self->function));
	self->claimed = true;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0",
		 self->function);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	self->bar_size = st.st_size;
	self->bar = mmap(NULL, self->bar_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, self->bar);

	self->dev = open(MINIVISOR_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->vm = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	assign.address = self->address;
	ASSERT_EQ(0, ioctl(self->vm, MINIVISOR_ASSIGN_PCI, &assign));
	ASSERT_EQ(0, enable_function(self->vm, self->address));
}

FIXTURE_TEARDOWN(edu_msi)
{
	unsigned long total;

	if (!self->ready)
		return;
	if (self->bar != MAP_FAILED)
		munmap((void *)self->bar, self->bar_size);
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
	EXPECT_EQ(0, minivisor_irqs(&total));
	if (self->claimed)
		EXPECT_EQ(0, mvctl_genl_pci_release(&self->genl,
						    self->function));
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

/* A config write of the VM's view of the function; 0 or -errno. */
static int guest_config_write(FIXTURE_DATA(edu_msi) *self,
			      unsigned int offset, uint8_t size,
			      uint32_t value)
{
	return config_access(self->vm, MINIVISOR_PCI_CONFIG_WRITE,
			     self->address, offset, size, &value);
}

/* A config read of the VM's view of the function, or ~0 on failure. */
static uint32_t guest_config_read(FIXTURE_DATA(edu_msi) *self,
				  unsigned int offset, uint8_t size)
{
	uint32_t value = 0;

	if (config_access(self->vm, MINIVISOR_PCI_CONFIG_READ, self->address,
			  offset, size, &value))
		return ~0U;
	return value;
}

/*
 * The guest's message is the guest's: it reads back what it wrote, while
 * the function holds the host's. Turning MSI on takes the function's
 * interrupt on the host, where it now arrives; turning it off frees it.
 */
TEST_F(edu_msi, msi_follows_the_guests_programming)
{
	uint32_t flags, device_flags;
	unsigned long before, total;

	if (!self->ready)
		return;
	flags = guest_config_read(self, self->msi + MSI_FLAGS, 2);
	ASSERT_NE(~0U, flags);
	EXPECT_EQ(0, flags & MSI_ENABLE);
	EXPECT_EQ(0, guest_config_read(self, self->msi + MSI_ADDRESS_LO, 4));
	EXPECT_EQ(0, minivisor_irqs(&total));

	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_ADDRESS_LO, 4,
					GUEST_MSI_ADDRESS));
	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_ADDRESS_HI, 4,
					0));
	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_DATA_64, 2,
					GUEST_MSI_DATA));
	/* The capability id and the list do not take writes. */
	ASSERT_EQ(0, guest_config_write(self, self->msi, 2, 0));
	EXPECT_EQ(PCI_CAP_ID_MSI, guest_config_read(self, self->msi, 1));
	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_FLAGS, 2,
					flags | MSI_ENABLE));

	EXPECT_EQ(flags | MSI_ENABLE,
		  guest_config_read(self, self->msi + MSI_FLAGS, 2));
	EXPECT_EQ(GUEST_MSI_ADDRESS,
		  guest_config_read(self, self->msi + MSI_ADDRESS_LO, 4));
	EXPECT_EQ(GUEST_MSI_DATA,
		  guest_config_read(self, self->msi + MSI_DATA_64, 2));
	/* The function sends the host's message, enabled by the host. */
	device_flags = device_config_dword(self->function, self->msi) >> 16;
	EXPECT_EQ(MSI_ENABLE, device_flags & MSI_ENABLE);
	EXPECT_NE(GUEST_MSI_DATA,
		  device_config_dword(self->function, self->msi + MSI_DATA_64) &
		  0xffff);
	ASSERT_EQ(1, minivisor_irqs(&before));

	self->bar[EDU_RAISE / 4] = 1;
	EXPECT_LT(before, wait_irqs_above(before));
	self->bar[EDU_ACK / 4] = 1;

	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_FLAGS, 2,
					flags));
	EXPECT_EQ(0, minivisor_irqs(&total));
	device_flags = device_config_dword(self->function, self->msi) >> 16;
	EXPECT_EQ(0, device_flags & MSI_ENABLE);
	/* The message stays the guest's to read. */
	EXPECT_EQ(GUEST_MSI_ADDRESS,
		  guest_config_read(self, self->msi + MSI_ADDRESS_LO, 4));
}

/* Closing the VM with MSI on frees the host interrupt (see the teardown). */
TEST_F(edu_msi, closing_the_vm_frees_the_msi)
{
	unsigned long total;

	if (!self->ready)
		return;
	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_ADDRESS_LO, 4,
					GUEST_MSI_ADDRESS));
	ASSERT_EQ(0, guest_config_write(self, self->msi + MSI_FLAGS, 2,
					MSI_ENABLE));
	ASSERT_EQ(1, minivisor_irqs(&total));
	close(self->vm);
	self->vm = -1;
	EXPECT_EQ(0, minivisor_irqs(&total));
}

TEST_HARNESS_MAIN
