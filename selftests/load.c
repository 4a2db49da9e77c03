// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "load": minivisor.ko comes and goes cleanly on any x86-64 host.
 *
 * The module must load whether or not the CPU has VT-x, say in one log
 * line whether vCPUs can run, create /dev/minivisor for group-and-owner
 * use only, and leave nothing behind when it is removed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/minivisor.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define VTX_LOG_PREFIX "minivisor: VT-x "

TEST(loads_and_unloads_three_times)
{
	for (int round = 0; round < 3; round++) {
		ASSERT_EQ(0, mv_module_load()) TH_LOG("load %d", round);
		ASSERT_EQ(0, access(MINIVISOR_DEVICE_PATH, F_OK));
		ASSERT_EQ(0, access("/sys/module/minivisor", F_OK));

		ASSERT_EQ(0, mv_module_unload()) TH_LOG("unload %d", round);
		ASSERT_EQ(-1, access(MINIVISOR_DEVICE_PATH, F_OK));
		ASSERT_EQ(ENOENT, errno);
		ASSERT_EQ(-1, access("/sys/module/minivisor", F_OK));
	}
}

TEST(second_load_is_refused_while_loaded)
{
	ASSERT_EQ(0, mv_module_load());
	EXPECT_EQ(-EEXIST, mv_module_load());
	ASSERT_EQ(0, mv_module_unload());
}

TEST(device_node_is_a_char_device_with_mode_0660)
{
	struct stat st;

	ASSERT_EQ(0, mv_module_load());
	EXPECT_EQ(0, stat(MINIVISOR_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, (int)(st.st_mode & 07777));
	ASSERT_EQ(0, mv_module_unload());
}

TEST(load_message_says_whether_vtx_is_usable)
{
	char line[256];
	int before, after;

	before = mv_kernel_log_last(VTX_LOG_PREFIX, line, sizeof(line));
	ASSERT_LE(0, before);
	ASSERT_EQ(0, mv_module_load());
	after = mv_kernel_log_last(VTX_LOG_PREFIX, line, sizeof(line));
	ASSERT_EQ(0, mv_module_unload());

	ASSERT_EQ(before + 1, after) TH_LOG("one VT-x line per load");
	TH_LOG("load message: VT-x %s", line);
	if (mv_host_has_vtx()) {
		EXPECT_EQ(0, strcmp(line,
				    "usable: EPT, VPID, unrestricted guest"));
	} else {
		EXPECT_EQ(0, strncmp(line, "not usable: ", 12));
		EXPECT_NE(NULL, strstr(line, "; vCPUs disabled"));
	}
}

TEST_HARNESS_MAIN
