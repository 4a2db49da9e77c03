// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl run --assign: host PCI functions in the guest, and the PCI bus
 * the guest finds them on.
 *
 * Assignment. --assign names a function by its host address; sysfs
 * (/sys/bus/pci/devices/BDF/resource: start, end and flags of each
 * resource, the six BARs first) says which BARs are memory and how large
 * they are. Each memory BAR of a page or more gets a guest-physical
 * address: the one --assign gives, or the next free one, aligned to its
 * size, in a window from 3 GiB (or the end of guest memory) to 4 GiB,
 * where a PC keeps its devices and a 32-bit guest can reach them.
 * MINIVISOR_ASSIGN_PCI then maps the BARs into the VM's EPT: the guest's
 * loads and stores reach the device itself, with no VM exit and nothing
 * for mvctl to do. The EPT maps whole pages, so a smaller BAR is not
 * mapped: the guest reads it as 0, a BAR nobody placed.
 *
 * The bus. A guest looks for devices through PCI configuration mechanism
 * #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2): it writes a dword to
 * CONFIG_ADDRESS at port 0xcf8 (bit 31 enable, bus in bits 23-16, device
 * in 15-11, function in 10-8, the register's dword in 7-2), then reads or
 * writes 1, 2 or 4 bytes of that dword through CONFIG_DATA at 0xcfc-0xcff.
 * The n-th assigned function is device n on bus 0, function 0, whatever
 * its host address; its configuration space is the module's
 * (MINIVISOR_PCI_CONFIG_READ and _WRITE), which shows the BARs at their
 * guest addresses. Every other bus, device and function reads as all ones,
 * which is how a guest's scan sees an empty slot. There is no host bridge.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mvctl.h"
#include "pci.h"

#define PCI_SYSFS		"/sys/bus/pci/devices"
/* A memory resource in sysfs' flags (IORESOURCE_MEM, linux/ioport.h) */
#define PCI_RESOURCE_MEM	0x200

/* Where mvctl places BARs: above guest memory, below 4 GiB. */
#define PCI_WINDOW_BASE		0xc0000000ULL
#define PCI_WINDOW_END		(1ULL << 32)
#define PCI_PAGE_SIZE		4096ULL

/* Ports of configuration mechanism #1, as offsets from 0xcf8. */
#define PCI_CONFIG_PORTS	0xcf8
#define PCI_CONFIG_ADDRESS	0
#define PCI_CONFIG_DATA		4

#define CONFIG_ENABLE		0x80000000U
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x0002
/* The bits of CONFIG_ADDRESS that hold something: enable and the target */
#define CONFIG_ADDRESS_BITS	0x80fffffcU

static int assign_error(const char *text, const char *why)
{
	fprintf(stderr, "mvctl run: --assign %s: %s (see mvctl --help)\n", text,
		why);
	return MVCTL_EXIT_USAGE;
}

/*
 * The function address at the start of text, up to end: domain:bus:
 * device.function in hex as sysfs writes it, or bus:device.function in
 * domain 0.
 */
static bool parse_function(const char *text, size_t length,
			   struct pci_assignment *assignment)
{
	unsigned int domain = 0, bus, device, function;
	char copy[16];
	int used = -1;

	if (!length || length >= sizeof(copy) ||
	    strspn(text, "0123456789abcdefABCDEF:.") < length)
		return false;
	memcpy(copy, text, length);
	copy[length] = '\0';
	if (sscanf(copy, "%4x:%2x:%2x.%1x%n", &domain, &bus, &device,
		   &function, &used) != 4 || used != (int)length) {
		domain = 0;
		if (sscanf(copy, "%2x:%2x.%1x%n", &bus, &device, &function,
			   &used) != 3 || used != (int)length)
			return false;
	}
	if (device > 31 || function > 7)
		return false;
	snprintf(assignment->name, sizeof(assignment->name),
		 "%04x:%02x:%02x.%x", domain, bus, device, function);
	assignment->address =
		minivisor_pci_address(domain, bus, device, function);
	return true;
}

/* The sizes of the function's memory BARs, from sysfs. */
static int read_bars(const char *text, struct pci_assignment *assignment)
{
	char path[64];
	FILE *file;

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/resource",
		 assignment->name);
	file = fopen(path, "r");
	if (!file) {
		fprintf(stderr, "mvctl run: --assign %s: %s: %s\n", text, path,
			errno == ENOENT ? "no such PCI function on this host" :
			strerror(errno));
		return MVCTL_EXIT_FAILURE;
	}
	for (int bar = 0; bar < MINIVISOR_PCI_BARS; bar++) {
		unsigned long long start, end, flags;

		if (fscanf(file, "%llx %llx %llx", &start, &end, &flags) != 3) {
			fprintf(stderr, "mvctl run: --assign %s: cannot read BAR %d from %s\n",
				text, bar, path);
			fclose(file);
			return MVCTL_EXIT_FAILURE;
		}
		if ((flags & PCI_RESOURCE_MEM) && end > start)
			assignment->bar_size[bar] = end - start + 1;
	}
	fclose(file);
	return MVCTL_EXIT_OK;
}

int pci_parse_assign(const char *text, struct pci_assignment *assignment)
{
	const char *next = text + strcspn(text, ",");
	int ret;

	*assignment = (struct pci_assignment){ 0 };
	if (!parse_function(text, next - text, assignment))
		return assign_error(text, "not a PCI address like 0000:00:02.0");
	ret = read_bars(text, assignment);
	if (ret)
		return ret;
	while (*next) {
		unsigned long long gpa;
		uint64_t size;
		char *end;
		int bar;

		next++;
		/* barN=ADDRESS: N below MINIVISOR_PCI_BARS, no sign */
		if (strncmp(next, "bar", 3) || next[3] < '0' || next[3] > '5' ||
		    next[4] != '=' || next[5] < '0' || next[5] > '9')
			return assign_error(text,
					    "options are bar0= to bar5=, each with an address");
		bar = next[3] - '0';
		errno = 0;
		gpa = strtoull(next + 5, &end, 0);
		if (errno || (*end && *end != ',') || !gpa)
			return assign_error(text,
					    "a BAR address must be a number other than 0");
		size = assignment->bar_size[bar];
		if (!size)
			return assign_error(text,
					    "that BAR is not a memory BAR of this function");
		if (size < PCI_PAGE_SIZE)
			return assign_error(text,
					    "that BAR is smaller than a page: it cannot be mapped");
		if (gpa % size)
			return assign_error(text,
					    "a BAR address must be a multiple of the BAR's size");
		assignment->bar_gpa[bar] = gpa;
		next = end;
	}
	return MVCTL_EXIT_OK;
}

/* The end of a placed BAR that overlaps [gpa, gpa + size), or 0. */
static uint64_t placed_overlap(const struct pci_assignment *assignments,
			       int count, uint64_t gpa, uint64_t size)
{
	for (int i = 0; i < count; i++) {
		for (int bar = 0; bar < MINIVISOR_PCI_BARS; bar++) {
			uint64_t start = assignments[i].bar_gpa[bar];
			uint64_t end = start + assignments[i].bar_size[bar];

			if (start && start < gpa + size && gpa < end)
				return end;
		}
	}
	return 0;
}

static uint64_t round_up(uint64_t value, uint64_t alignment)
{
	return (value + alignment - 1) / alignment * alignment;
}

int pci_place_bars(struct pci_assignment *assignments, int count,
		   uint64_t mem_size)
{
	uint64_t next = mem_size > PCI_WINDOW_BASE ? mem_size : PCI_WINDOW_BASE;

	for (int i = 0; i < count; i++) {
		struct pci_assignment *assignment = &assignments[i];

		for (int bar = 0; bar < MINIVISOR_PCI_BARS; bar++) {
			uint64_t size = assignment->bar_size[bar];
			uint64_t gpa, end;

			if (size < PCI_PAGE_SIZE || assignment->bar_gpa[bar])
				continue;
			gpa = round_up(next, size);
			while ((end = placed_overlap(assignments, count, gpa,
						     size)))
				gpa = round_up(end, size);
			if (gpa + size > PCI_WINDOW_END) {
				fprintf(stderr,
					"mvctl run: --assign %s: no room below 4 GiB for BAR %d (%" PRIu64 " KiB); use less --mem or give bar%d=ADDRESS\n",
					assignment->name, bar, size >> 10, bar);
				return MVCTL_EXIT_FAILURE;
			}
			assignment->bar_gpa[bar] = gpa;
			next = gpa + size;
		}
	}
	return MVCTL_EXIT_OK;
}

/* What MINIVISOR_ASSIGN_PCI's errno means to the user. */
static const char *explain_assign(int error)
{
	switch (error) {
	case EPERM:
		return "only root (CAP_SYS_ADMIN) may assign a PCI function";
	case EINVAL:
		return "not claimed by minivisor (claim it first with mvctl sriov claim), or a BAR address beyond the guest's physical address width";
	case EOPNOTSUPP:
		return "no IOMMU to confine the function's DMA; to assign it anyway, unsafely, write Y to /sys/module/minivisor/parameters/allow_unsafe_noiommu";
	case ENODEV:
		return "no PCI function at that address";
	case EEXIST:
		return "a BAR would overlap guest memory or another BAR";
	case EBUSY:
		return "the function is assigned to a VM already";
	case ENOTTY:
		return "this device cannot assign PCI functions (is it minivisor?)";
	default:
		return strerror(error);
	}
}

int pci_assign(struct vmm *vmm, const struct pci_assignment *assignments,
	       int count)
{
	for (int i = 0; i < count; i++) {
		const struct pci_assignment *assignment = &assignments[i];
		struct minivisor_assign_pci request = {
			.address = assignment->address,
		};

		memcpy(request.bar_gpa, assignment->bar_gpa,
		       sizeof(request.bar_gpa));
		if (ioctl(vmm->vm, MINIVISOR_ASSIGN_PCI, &request)) {
			fprintf(stderr, "mvctl %s: --assign %s: %s (%s)\n",
				vmm->command, assignment->name,
				explain_assign(errno), strerror(errno));
			return MVCTL_EXIT_FAILURE;
		}
		vmm->pci.functions[vmm->pci.nr_functions++] =
			assignment->address;
		fprintf(stderr, "mvctl %s: %s is 00:%02x.0 on the guest's PCI bus",
			vmm->command, assignment->name, vmm->pci.nr_functions);
		for (int bar = 0; bar < MINIVISOR_PCI_BARS; bar++) {
			uint64_t size = assignment->bar_size[bar];

			if (size >= PCI_PAGE_SIZE)
				fprintf(stderr, ", BAR%d at %#" PRIx64 " (%" PRIu64 " KiB)",
					bar, assignment->bar_gpa[bar],
					size >> 10);
			else if (size)
				fprintf(stderr, ", BAR%d not mapped (%" PRIu64 " bytes)",
					bar, size);
		}
		fprintf(stderr, "\n");
	}
	return MVCTL_EXIT_OK;
}

int pci_enable_memory(struct vmm *vmm, const struct pci_assignment *assignment)
{
	struct minivisor_pci_config config = {
		.address = assignment->address,
		.offset = PCI_COMMAND,
		.size = 2,
	};

	if (ioctl(vmm->vm, MINIVISOR_PCI_CONFIG_READ, &config))
		return -errno;
	config.value |= PCI_COMMAND_MEMORY;
	return ioctl(vmm->vm, MINIVISOR_PCI_CONFIG_WRITE, &config) ? -errno : 0;
}

/*
 * The configuration access of size bytes at CONFIG_DATA + offset goes to
 * an assigned function: fill in config and return true. False for an
 * empty slot, CONFIG_ADDRESS not enabled, or an access that would cross
 * the dword.
 */
static bool pci_target(const struct vmm_pci_bus *bus, uint16_t offset,
		       unsigned int size, struct minivisor_pci_config *config)
{
	uint32_t address = bus->config_address;
	unsigned int device = address >> 11 & 0x1f;

	if (!(address & CONFIG_ENABLE) || address >> 16 & 0xff ||
	    address >> 8 & 0x7 || !device || (int)device > bus->nr_functions ||
	    offset % size)
		return false;
	*config = (struct minivisor_pci_config){
		.address = bus->functions[device - 1],
		.offset = (address & 0xfc) + offset,
		.size = size,
	};
	return true;
}

/* A failed configuration access reads all ones; the first is reported. */
static void pci_error(struct vmm *vmm, const char *what,
		      const struct minivisor_pci_config *config)
{
	if (vmm->pci.error_reported)
		return;
	vmm->pci.error_reported = true;
	fprintf(stderr,
		"mvctl run: PCI configuration %s of %04x:%02x:%02x.%x offset %#x: %s; reads give all ones, writes are ignored\n",
		what, config->address >> 16, config->address >> 8 & 0xff,
		config->address >> 3 & 0x1f, config->address & 0x7,
		config->offset, strerror(errno));
}

static uint32_t pci_in(struct vmm *vmm, uint16_t offset, unsigned int size)
{
	struct minivisor_pci_config config;

	if (offset < PCI_CONFIG_DATA)
		return offset == PCI_CONFIG_ADDRESS && size == 4 ?
		       vmm->pci.config_address : devices_all_ones(size);
	if (!pci_target(&vmm->pci, offset - PCI_CONFIG_DATA, size, &config))
		return devices_all_ones(size);
	if (ioctl(vmm->vm, MINIVISOR_PCI_CONFIG_READ, &config)) {
		pci_error(vmm, "read", &config);
		return devices_all_ones(size);
	}
	return config.value;
}

static void pci_out(struct vmm *vmm, uint16_t offset, unsigned int size,
		    uint32_t value)
{
	struct minivisor_pci_config config;

	if (offset < PCI_CONFIG_DATA) {
		/* Only a dword at 0xcf8 is CONFIG_ADDRESS. */
		if (offset == PCI_CONFIG_ADDRESS && size == 4)
			vmm->pci.config_address = value & CONFIG_ADDRESS_BITS;
		return;
	}
	if (!pci_target(&vmm->pci, offset - PCI_CONFIG_DATA, size, &config))
		return;
	config.value = value;
	if (ioctl(vmm->vm, MINIVISOR_PCI_CONFIG_WRITE, &config))
		pci_error(vmm, "write", &config);
}

const struct port_device pci_device = {
	.name = "PCI configuration mechanism #1",
	.base = PCI_CONFIG_PORTS,
	.count = 8,
	.in = pci_in,
	.out = pci_out,
};
