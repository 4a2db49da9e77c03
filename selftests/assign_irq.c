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
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
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
 * Whether the function's capability list, in its sysfs config file, holds
 * capability id: 1 or 0, or -errno.
 */
static int has_capability(const char *address, uint8_t id)
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
			return 1;
	return 0;
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
	ASSERT_EQ(0, has_capability(self->function, PCI_CAP_ID_MSI));
	ASSERT_EQ(0, has_capability(self->function, PCI_CAP_ID_MSIX));
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

TEST_HARNESS_MAIN
