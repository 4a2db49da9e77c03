// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "lab": mvctl lab, the teaching lab's measurement, run as a user
 * runs it (/bin/mvctl lab --json on /dev/minivisor, its guest from
 * /guests; MV_MVCTL and MV_GUESTS override both), and what each model of
 * virtualization must show:
 *
 *  - every model computes the same checksums, natively and in a VM, and
 *    gets back the very bytes it sent;
 *  - the compute part runs in a VM at native speed: VT-x with EPT runs it
 *    without an exit;
 *  - the I/O's exits are what the model says: two per byte through the
 *    data port, two per 32 bits through the MMIO register, one per 4 KiB
 *    (and one each to attach and detach) through minivisor's PV ring; the
 *    fewer exits, the fewer ticks.
 *
 * Afterwards the module unloads (mvctl left no VM) and the kernel logged
 * no warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define OUTPUT_MAX	8192
#define IO_KIB		16
#define IO_BYTES	(IO_KIB * 1024)
#define PV_BATCH	4096

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
	struct lab_model native, compute, port, mmio, pv_ring;
};

/* One mvctl lab --json on minivisor, its models parsed, for every test. */
FIXTURE_SETUP(lab)
{
	const char *mvctl = getenv("MV_MVCTL"), *guests = getenv("MV_GUESTS");
	char command[512];
	size_t len;
	FILE *pipe;

	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	ASSERT_EQ(0, mv_module_load());
	snprintf(command, sizeof(command),
		 "%s lab --kib %d --json --guest %s/lab.elf",
		 mvctl ? mvctl : "/bin/mvctl", IO_KIB,
		 guests ? guests : "/guests");
	pipe = popen(command, "r");
	ASSERT_NE(NULL, pipe);
	len = fread(self->json, 1, sizeof(self->json) - 1, pipe);
	self->json[len] = '\0';
	self->status = pclose(pipe);
	TH_LOG("%s", self->json);
	ASSERT_TRUE(parse_model(self->json, "native", &self->native));
	ASSERT_TRUE(parse_model(self->json, "compute", &self->compute));
	ASSERT_TRUE(parse_model(self->json, "port", &self->port));
	ASSERT_TRUE(parse_model(self->json, "mmio", &self->mmio));
	ASSERT_TRUE(parse_model(self->json, "pv-ring", &self->pv_ring));
}

FIXTURE_TEARDOWN(lab)
{
	if (!mv_host_has_vtx())
		return;
	EXPECT_EQ(0, mv_module_unload());
	EXPECT_EQ(0, mv_kernel_warnings());
}

TEST_F(lab, every_model_runs_and_gets_its_bytes_back)
{
	const struct lab_model *models[] = {
		&self->native, &self->compute, &self->port, &self->mmio,
		&self->pv_ring,
	};

	EXPECT_TRUE(WIFEXITED(self->status) && !WEXITSTATUS(self->status));
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		EXPECT_TRUE(models[i]->ran);
		EXPECT_TRUE(models[i]->checksums_match);
	}
}

TEST_F(lab, compute_in_a_vm_runs_at_native_speed)
{
	const struct lab_model *models[] = {
		&self->compute, &self->port, &self->mmio, &self->pv_ring,
	};

	ASSERT_LT(0, self->native.compute_ticks);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		EXPECT_LT(0.9, models[i]->compute_vs_native);
		EXPECT_GT(1.1, models[i]->compute_vs_native);
	}
}

TEST_F(lab, each_io_model_exits_as_often_as_it_says)
{
	EXPECT_EQ(0, self->compute.io_exits);
	EXPECT_EQ(2 * IO_BYTES, self->port.io_exits);
	EXPECT_EQ(2 * IO_BYTES / 4, self->mmio.io_exits);
	EXPECT_EQ(IO_BYTES / PV_BATCH + 2, self->pv_ring.io_exits);
}

TEST_F(lab, fewer_exits_take_fewer_ticks)
{
	EXPECT_LT(self->pv_ring.io_ticks, self->mmio.io_ticks);
	EXPECT_LT(self->mmio.io_ticks, self->port.io_ticks);
}

TEST_HARNESS_MAIN
