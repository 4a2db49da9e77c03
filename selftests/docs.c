// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "docs": every command of the teaching lab's pages (docs/labs/,
 * in the host's /docs/labs; MV_DOCS overrides) runs, as a student runs
 * it, on an emulated VT-x host, so that the pages cannot drift from the
 * code.
 *
 * A page's commands are the lines that start with "$ " inside its
 * "```console" blocks, each with the lines after it while a line ends in
 * a backslash; the other lines are example output and are not compared. They run in order, in one shell with -e (so the first
 * command that fails fails the page), from a student's source tree made
 * of the host's files: minivisor.ko, userspace/mvctl and
 * userspace/guests/, with a sudo that only runs its command (the suites
 * run as root). For lab 4, BDF is the Bochs host's e1000, and the module
 * may assign without an IOMMU, which Bochs lacks. The introduction loads
 * and removes the module itself; the labs start with it loaded.
 * Afterwards the module unloads (nothing a page ran kept a VM) and the
 * kernel logged no warning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define TREE		"/tmp/student"
#define SCRIPT		TREE "/page.sh"
#define PAGE_MAX	32768
#define OUTPUT_MAX	65536

#define UNSAFE_NOIOMMU	"/sys/module/minivisor/parameters/allow_unsafe_noiommu"
/* Intel 82540EM */
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e

/* The student's tree, made once per test from the host's files. */
static const char make_tree[] =
	"set -e\n"
	"rm -rf " TREE "\n"
	"mkdir -p " TREE "/bin " TREE "/userspace/guests\n"
	"cp /lib/minivisor/minivisor.ko " TREE "/\n"
	"cp /bin/mvctl " TREE "/userspace/mvctl\n"
	"cp /guests/* " TREE "/userspace/guests/\n"
	"printf '#!/bin/sh\\nexec \"$@\"\\n' >" TREE "/bin/sudo\n"
	"chmod 755 " TREE "/bin/sudo\n";

/*
 * Write the page's commands to SCRIPT, to run from TREE. Returns how many
 * there are, or -1 if the page cannot be read.
 */
static int page_script(const char *page)
{
	const char *dir = getenv("MV_DOCS");
	char path[256], line[1024];
	bool in_console = false, continued = false;
	FILE *in, *out;
	int commands = 0;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/docs/labs", page);
	in = fopen(path, "r");
	if (!in)
		return -1;
	out = fopen(SCRIPT, "w");
	if (!out) {
		fclose(in);
		return -1;
	}
	fprintf(out, "set -ex\ncd " TREE "\n"
		"export PATH=" TREE "/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "```", 3))
			in_console = !in_console && !strcmp(line, "```console\n");
		else if (in_console && continued)
			fputs(line, out);
		else if (in_console && !strncmp(line, "$ ", 2)) {
			fputs(line + 2, out);
			commands++;
		} else {
			continue;
		}
		continued = strlen(line) >= 2 &&
			    !strcmp(line + strlen(line) - 2, "\\\n");
	}
	fclose(in);
	fclose(out);
	return commands;
}

/* Run the page's commands; their output (with sh -x's trace) in out. */
static int run_page(const char *page, char *out, size_t size)
{
	size_t len = 0, got;
	FILE *shell;
	int status;

	if (system(make_tree) || page_script(page) <= 0)
		return -1;
	shell = popen("sh " SCRIPT " 2>&1", "r");
	if (!shell)
		return -1;
	while (len < size - 1 &&
	       (got = fread(out + len, 1, size - 1 - len, shell)) > 0)
		len += got;
	out[len] = '\0';
	status = pclose(shell);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE(docs) {
	char output[OUTPUT_MAX];
	char e1000[32];		/* its host address, 0000:00:02.0 */
};

FIXTURE_VARIANT(docs) {
	const char *page;
	bool loads_module;	/* the introduction does; the labs need it */
	bool assigns;		/* lab 4: BDF, and assigning without an IOMMU */
};

FIXTURE_VARIANT_ADD(docs, introduction) {
	.page = "README.md",
	.loads_module = true,
};

FIXTURE_VARIANT_ADD(docs, lab_1_emulation) {
	.page = "1-emulation.md",
};

FIXTURE_VARIANT_ADD(docs, lab_2_paravirtualization) {
	.page = "2-paravirtualization.md",
};

FIXTURE_VARIANT_ADD(docs, lab_3_hardware_assisted) {
	.page = "3-hardware-assisted.md",
};

FIXTURE_VARIANT_ADD(docs, lab_4_direct_assignment) {
	.page = "4-direct-assignment.md",
	.assigns = true,
};

FIXTURE_SETUP(docs)
{
	if (!mv_host_has_vtx())
		SKIP(return, "no VT-x on this host");
	mv_module_unload();
	if (variant->assigns) {
		mv_pci_find_function(E1000_VENDOR, E1000_DEVICE, self->e1000,
				     sizeof(self->e1000));
		ASSERT_NE(0, self->e1000[0])
			TH_LOG("no e1000 on the host's PCI bus (boot-bochs.sh adds one)");
		ASSERT_EQ(0, setenv("BDF", self->e1000, 1));
	}
	if (!variant->loads_module)
		ASSERT_EQ(0, mv_module_load());
	if (variant->assigns)
		ASSERT_EQ(0, mv_write_file(UNSAFE_NOIOMMU, "Y"));
}

FIXTURE_TEARDOWN(docs)
{
	if (!mv_host_has_vtx())
		return;
	EXPECT_EQ(0, mv_module_unload());
	EXPECT_EQ(0, mv_kernel_warnings());
}

TEST_F(docs, every_command_runs)
{
	int status = run_page(variant->page, self->output,
			      sizeof(self->output));

	TH_LOG("%s", self->output);
	EXPECT_EQ(0, status);
	if (variant->loads_module) {
		/* It removed the module itself. */
		EXPECT_EQ(-ENOENT, mv_module_unload());
		ASSERT_EQ(0, mv_module_load());
	}
}

TEST_HARNESS_MAIN
