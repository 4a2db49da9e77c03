// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "lab": mvctl lab, the teaching lab's measurement, run as a user
 * runs it (/bin/mvctl lab --json on /dev/minivisor, its guest from
 * /guests; MV_MVCTL and MV_GUESTS override both), and what each model of
 * virtualization must show:
 *
 *  - every model computes the same checksums, natively, under emulation
 *    (QEMU's TCG, from the host's initramfs) and in a VM, and gets back
 *    the very bytes it sent;
 *  - the compute part runs in a VM at native speed: VT-x with EPT runs it
 *    without an exit; emulation, a binary translator, runs it slower;
 *  - the I/O's exits are what the model says: two per byte through the
 *    data port, two per 32 bits through the MMIO register, one per 4 KiB
 *    through minivisor's PV ring (and one each to attach and detach it
 *    when the doorbell is a port; none when it is the hypercall, which
 *    names the ring each time), none through the registers of an
 *    assigned function (the Bochs host's e1000, claimed with mvctl sriov
 *    claim; Bochs has no IOMMU, so the module is allowed to assign
 *    without one); the fewer exits, the fewer ticks.
 *
 * The chart's gnuplot script (--chart FILE.gp, for a host without
 * gnuplot) has a bar for every model in each of its two charts: the
 * compute part, and the I/O of the models that do any.
 *
 * mvctl lab runs once, for all the tests (lab_output()).
 *
 * Afterwards the e1000 goes back to the host, the module unloads (mvctl
 * left no VM) and the kernel logged no warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define OUTPUT_MAX	8192
#define IO_KIB		16
#define IO_BYTES	(IO_KIB * 1024)
#define PV_BATCH	4096
#define CHART		"/tmp/lab-test.gp"
#define CACHE		"/tmp/lab-test.out"

#define UNSAFE_NOIOMMU	"/sys/module/minivisor/parameters/allow_unsafe_noiommu"
/* Intel 82540EM */
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e

/* One model's line of mvctl lab --json. */
struct lab_model {
	bool ran, checksums_match;
	unsigned long long compute_ticks, io_ticks, io_exits;
	double compute_vs_native;
};

/* The value after "key": in the model's line, or NULL. */
static const char *field(const char *line, const char *key)
{
	char quoted[64];
	const char *at;

	snprintf(quoted, sizeof(quoted), "\"%s\": ", key);
	at = strstr(line, quoted);
	return at ? at + strlen(quoted) : NULL;
}

/* Find model name in the JSON and read its fields; false if it is not there. */
static bool parse_model(const char *json, const char *name,
			struct lab_model *model)
{
	char quoted[64], line[512];
	const char *at, *end, *value;
	size_t len;

	snprintf(quoted, sizeof(quoted), "{\"model\": \"%s\"", name);
	at = strstr(json, quoted);
	if (!at)
		return false;
	end = strchr(at, '}');
	len = end ? (size_t)(end - at) : strlen(at);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, at, len);
	line[len] = '\0';

	*model = (struct lab_model){ 0 };
	value = field(line, "ran");
	model->ran = value && !strncmp(value, "true", 4);
	value = field(line, "checksums_match");
	model->checksums_match = value && !strncmp(value, "true", 4);
	value = field(line, "compute_ticks");
	if (value)
		model->compute_ticks = strtoull(value, NULL, 10);
	value = field(line, "compute_vs_native");
	if (value)
		model->compute_vs_native = strtod(value, NULL);
	value = field(line, "io_ticks");
	if (value)
		model->io_ticks = strtoull(value, NULL, 10);
	value = field(line, "io_exits");
	if (value)
		model->io_exits = strtoull(value, NULL, 10);
	return true;
}

FIXTURE(lab) {
	char json[OUTPUT_MAX];
	int status;
	char e1000[32];		/* its host address, 0000:00:02.0 */
	bool claimed;
	struct lab_model native, emul, compute, port, mmio, pv_ring, pv_hcall;
	struct lab_model assigned;
};

/*
 * mvctl lab takes minutes in Bochs, and each test runs in a process of its
 * own: the first test runs it and keeps its exit status and output in
 * CACHE, and the others read them from there.
 */
static int lab_output(char *out, size_t size, const char *const *args)
{
	FILE *cache = fopen(CACHE, "r");
	size_t len;
	int status;

	if (cache) {
		if (fscanf(cache, "%d\n", &status) != 1)
			status = -1;
		len = fread(out, 1, size - 1, cache);
		out[len] = '\0';
		fclose(cache);
		return status;
	}
	status = mv_mvctl_output(out, size, args);
	cache = fopen(CACHE, "w");
	if (cache) {
		fprintf(cache, "%d\n%s", status, out);
		fclose(cache);
	}
	return status;
}

/*
 * One mvctl lab --json on minivisor with the e1000 assigned, its models
 * parsed, for every test.
 */
FIXTURE_SETUP(lab)
{
	const char *guests = getenv("MV_GUESTS");
	char kib[16], guest[256];
	const char *const claim[] = { "sriov", "claim", self->e1000, NULL };
	const char *const lab[] = {
		"lab", "--kib", kib, "--json", "--guest", guest,
		"--assign", self->e1000, "--chart", CHART, NULL
	};

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	ASSERT_EQ(0, mv_module_load());
	mv_pci_find_function(E1000_VENDOR, E1000_DEVICE, self->e1000,
			     sizeof(self->e1000));
	ASSERT_NE(0, self->e1000[0])
		TH_LOG("no e1000 on the host's PCI bus (boot-bochs.sh adds one)");
	ASSERT_EQ(0, mv_write_file(UNSAFE_NOIOMMU, "Y"));
	ASSERT_EQ(0, mv_mvctl_output(self->json, sizeof(self->json), claim));
	self->claimed = true;

	snprintf(kib, sizeof(kib), "%d", IO_KIB);
	snprintf(guest, sizeof(guest), "%s/lab.elf",
		 guests ? guests : "/guests");
	self->status = lab_output(self->json, sizeof(self->json), lab);
	TH_LOG("%s", self->json);
	ASSERT_TRUE(parse_model(self->json, "native", &self->native));
	ASSERT_TRUE(parse_model(self->json, "emul", &self->emul));
	ASSERT_TRUE(parse_model(self->json, "compute", &self->compute));
	ASSERT_TRUE(parse_model(self->json, "port", &self->port));
	ASSERT_TRUE(parse_model(self->json, "mmio", &self->mmio));
	ASSERT_TRUE(parse_model(self->json, "pv-ring", &self->pv_ring));
	ASSERT_TRUE(parse_model(self->json, "pv-hcall", &self->pv_hcall));
	ASSERT_TRUE(parse_model(self->json, "assigned", &self->assigned));
}

FIXTURE_TEARDOWN(lab)
{
	const char *const release[] = { "sriov", "release", self->e1000, NULL };
	char out[256];

	if (!mv_host_has_vtx())
		return;
	if (self->claimed)
		EXPECT_EQ(0, mv_mvctl_output(out, sizeof(out), release));
	EXPECT_EQ(0, mv_module_unload());
	EXPECT_EQ(0, mv_kernel_warnings());
}

TEST_F(lab, every_model_runs_and_gets_its_bytes_back)
{
	const struct lab_model *models[] = {
		&self->native, &self->emul, &self->compute, &self->port,
		&self->mmio, &self->pv_ring, &self->pv_hcall, &self->assigned,
	};

	EXPECT_EQ(0, self->status);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		EXPECT_TRUE(models[i]->ran);
		EXPECT_TRUE(models[i]->checksums_match);
	}
}

TEST_F(lab, compute_in_a_vm_runs_at_native_speed)
{
	const struct lab_model *models[] = {
		&self->compute, &self->port, &self->mmio, &self->pv_ring,
		&self->pv_hcall, &self->assigned,
	};

	ASSERT_LT(0, self->native.compute_ticks);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		EXPECT_LT(0.9, models[i]->compute_vs_native);
		EXPECT_GT(1.1, models[i]->compute_vs_native);
	}
}

TEST_F(lab, emulation_runs_the_compute_part_slower_than_vt_x)
{
	ASSERT_TRUE(self->emul.ran);
	EXPECT_LT(self->compute.compute_ticks, self->emul.compute_ticks);
	TH_LOG("compute part: emulation %.2f times native, VT-x %.2f",
	       self->emul.compute_vs_native, self->compute.compute_vs_native);
}

TEST_F(lab, each_io_model_exits_as_often_as_it_says)
{
	EXPECT_EQ(0, self->compute.io_exits);
	EXPECT_EQ(2 * IO_BYTES, self->port.io_exits);
	EXPECT_EQ(2 * IO_BYTES / 4, self->mmio.io_exits);
	EXPECT_EQ(IO_BYTES / PV_BATCH + 2, self->pv_ring.io_exits);
	EXPECT_EQ(IO_BYTES / PV_BATCH, self->pv_hcall.io_exits);
	EXPECT_EQ(0, self->assigned.io_exits);
}

TEST_F(lab, fewer_exits_take_fewer_ticks)
{
	EXPECT_LT(self->assigned.io_ticks, self->pv_ring.io_ticks);
	EXPECT_LT(self->assigned.io_ticks, self->pv_hcall.io_ticks);
	EXPECT_LT(self->pv_ring.io_ticks, self->mmio.io_ticks);
	EXPECT_LT(self->pv_hcall.io_ticks, self->mmio.io_ticks);
	EXPECT_LT(self->mmio.io_ticks, self->port.io_ticks);
}

/*
 * Whether the chart script's data block BLOCK has a line "NAME VALUE".
 * The blocks are gnuplot's inline data: "$BLOCK << EOD" to "EOD".
 */
static bool chart_has(const char *script, const char *block, const char *name)
{
	char header[32], line[64];
	const char *start, *end, *at;

	snprintf(header, sizeof(header), "$%s << EOD\n", block);
	start = strstr(script, header);
	if (!start)
		return false;
	start += strlen(header) - 1;	/* at its newline */
	end = strstr(start, "\nEOD\n");
	snprintf(line, sizeof(line), "\n%s ", name);
	at = strstr(start, line);
	return at && end && at < end;
}

TEST_F(lab, the_chart_script_has_a_bar_for_every_model)
{
	const char *compute[] = {
		"native", "emul", "compute", "port", "mmio", "pv-ring",
		"pv-hcall", "assigned",
	};
	const char *io[] = {
		"port", "mmio", "pv-ring", "pv-hcall", "assigned",
	};
	char script[4096] = "";
	FILE *file = fopen(CHART, "r");

	ASSERT_NE(NULL, file);
	fread(script, 1, sizeof(script) - 1, file);
	fclose(file);
	TH_LOG("%s", script);
	EXPECT_NE(NULL, strstr(script, "set output 'lab-test.png'\n"));
	for (size_t i = 0; i < sizeof(compute) / sizeof(compute[0]); i++)
		EXPECT_TRUE(chart_has(script, "compute", compute[i]));
	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
		EXPECT_TRUE(chart_has(script, "io", io[i]));
	EXPECT_FALSE(chart_has(script, "io", "compute"));
}

TEST_HARNESS_MAIN
