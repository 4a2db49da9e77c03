// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "sriov": minivisor turns an SR-IOV device's virtual functions on
 * and off and claims PCI functions for assignment, and gives everything
 * back when it goes.
 *
 * It needs an SR-IOV physical function with at least two VFs: the QEMU
 * host's NVMe function (sriov_max_vfs=2). Nothing loads the NVMe driver
 * at boot, so the PF has none, and minivisor's stub "minivisor-pf" enables
 * the VFs; the last test loads Debian's nvme from /lib/nvme (initramfs.sh)
 * and has minivisor enable them through nvme's own sriov_configure, then
 * removes it again. What the module says (netlink, mvctl sriov) is checked
 * against what the kernel shows in sysfs: sriov_numvfs, the virtfnN links,
 * each function's driver and driver_override.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/minivisor.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "mv_test.h"
#include "pci_lib.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
/* Debian's nvme.ko and what it needs, named in load order (initramfs.sh) */
#define NVME_MODULES	"/lib/nvme"
#define NOBODY		65534

/* The bridge above the function at address, from its sysfs path. */
static void parent_of(const char *address, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX], *slash;
	ssize_t len;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", address);
	len = readlink(path, target, sizeof(target) - 1);
	buf[0] = '\0';
	if (len <= 0)
		return;
	target[len] = '\0';
	slash = strrchr(target, '/');
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(target, '/');
	len = strlen(slash ? slash + 1 : target);
	if ((size_t)len >= size)
		return;
	memcpy(buf, slash ? slash + 1 : target, len + 1);
}

static void driver_of(const char *address, char *buf, size_t size)
{
	mv_pci_link_target(address, "driver", buf, size);
}

/* The first function that is neither a PF nor a VF nor a bridge, or "". */
static void find_plain_function(char *address, size_t size)
{
	DIR *dir = opendir(PCI_DEVICES);
	struct dirent *entry;
	char class[16], physfn[64];

	address[0] = '\0';
	while (dir && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.' ||
		    mv_pci_numeric_attr(entry->d_name, "sriov_totalvfs") >= 0 ||
		    mv_pci_read_attr(entry->d_name, "class", class,
				     sizeof(class)) ||
		    !strncmp(class, "0x06", 4))
			continue;
		mv_pci_link_target(entry->d_name, "physfn", physfn,
				   sizeof(physfn));
		if (!physfn[0]) {
			snprintf(address, size, "%s", entry->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
}

/* What the module's list says of the function at address. */
static int listed(struct mvctl_genl *genl, const char *address,
		  struct mvctl_pci_function *found)
{
	struct mvctl_pci_function *functions;
	size_t count;
	int ret = mvctl_genl_sriov_list(genl, &functions, &count);

	memset(found, 0, sizeof(*found));
	for (size_t i = 0; !ret && i < count; i++)
		if (!strcmp(functions[i].address, address))
			*found = functions[i];
	free(functions);
	if (!ret && !found->address[0])
		ret = -ENOENT;
	return ret;
}

FIXTURE(sriov) {
	struct mvctl_genl genl;
	char pf[NAME_MAX + 1];
	char pf_driver[64];	/* before the test; "" for none */
	int warnings;
};

FIXTURE_SETUP(sriov)
{
	mv_pci_find_pf(self->pf, sizeof(self->pf));
	if (!self->pf[0])
		SKIP(return, "no SR-IOV function with two VFs on this host");
	ASSERT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	driver_of(self->pf, self->pf_driver, sizeof(self->pf_driver));
	ASSERT_EQ(0, pci_test_connect(&self->genl, &self->warnings));
}

FIXTURE_TEARDOWN(sriov)
{
	char driver[64];

	if (!self->pf[0])
		return;
	EXPECT_EQ(0, pci_test_disconnect(&self->genl));
	/* Whatever a test did, unloading leaves the PF as it was. */
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ(self->pf_driver, driver);
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

/* The address of the PF's VF number index, from its virtfnN link. */
static void vf_address(const char *pf, int index, char *buf, size_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "virtfn%d", index);
	mv_pci_link_target(pf, name, buf, size);
}

TEST_F(sriov, enables_and_disables_two_vfs)
{
	struct mvctl_pci_function pf, vf;
	char vf0[NAME_MAX + 1], vf1[NAME_MAX + 1], driver[64];

	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	vf_address(self->pf, 1, vf1, sizeof(vf1));
	ASSERT_NE(0, vf0[0]);
	ASSERT_NE(0, vf1[0]);
	driver_of(self->pf, driver, sizeof(driver));
	if (!self->pf_driver[0])
		EXPECT_STREQ("minivisor-pf", driver);

	ASSERT_EQ(0, listed(&self->genl, self->pf, &pf));
	EXPECT_EQ(MINIVISOR_PCI_PF, pf.kind);
	EXPECT_EQ(MINIVISOR_PCI_FREE, pf.state);
	EXPECT_EQ(2, pf.nr_vfs);
	EXPECT_EQ((uint32_t)mv_pci_numeric_attr(self->pf, "sriov_totalvfs"),
		  pf.total_vfs);
	EXPECT_STREQ(driver, pf.driver);
	ASSERT_EQ(0, listed(&self->genl, vf1, &vf));
	EXPECT_EQ(MINIVISOR_PCI_VF, vf.kind);
	EXPECT_EQ(MINIVISOR_PCI_FREE, vf.state);
	EXPECT_STREQ(self->pf, vf.pf);

	/* Enabling as many again changes nothing; another count waits. */
	EXPECT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	EXPECT_EQ(-EBUSY, mvctl_genl_sriov_enable(&self->genl, self->pf, 1));

	ASSERT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_GT(0, mv_pci_numeric_attr(vf0, "vendor"));
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ(self->pf_driver, driver);
	EXPECT_EQ(-ENOENT, listed(&self->genl, vf0, &vf));
	EXPECT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
}

TEST_F(sriov, keeps_the_vf_count_while_a_vf_is_claimed)
{
	struct mvctl_pci_function vf;
	char vf0[NAME_MAX + 1], driver[64], vf_driver[64], override[64];

	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	driver_of(vf0, vf_driver, sizeof(vf_driver));

	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, vf0));
	driver_of(vf0, driver, sizeof(driver));
	EXPECT_STREQ("minivisor", driver);
	ASSERT_EQ(0, mv_pci_read_attr(vf0, "driver_override", override,
				      sizeof(override)));
	EXPECT_STREQ("minivisor", override);
	ASSERT_EQ(0, listed(&self->genl, vf0, &vf));
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, vf.state);
	EXPECT_EQ(-EBUSY, mvctl_genl_pci_claim(&self->genl, vf0));

	/* Neither minivisor nor sysfs takes the VFs away now. */
	EXPECT_EQ(-EBUSY, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(-EBUSY, mv_pci_write_attr(self->pf, "sriov_numvfs", "0"));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	/* Nor can the PF itself be claimed while it has VFs. */
	EXPECT_EQ(-EBUSY, mvctl_genl_pci_claim(&self->genl, self->pf));

	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, vf0));
	driver_of(vf0, driver, sizeof(driver));
	EXPECT_STREQ(vf_driver, driver);
	ASSERT_EQ(0, mv_pci_read_attr(vf0, "driver_override", override,
				      sizeof(override)));
	EXPECT_STREQ("(null)", override);
	ASSERT_EQ(0, listed(&self->genl, vf0, &vf));
	EXPECT_EQ(MINIVISOR_PCI_FREE, vf.state);
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_release(&self->genl, vf0));

	ASSERT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
}

TEST_F(sriov, claims_a_function_that_is_not_a_vf)
{
	struct mvctl_pci_function function;
	char address[NAME_MAX + 1], before[64], driver[64];

	find_plain_function(address, sizeof(address));
	ASSERT_NE(0, address[0]);
	driver_of(address, before, sizeof(before));
	EXPECT_EQ(-ENOENT, listed(&self->genl, address, &function));

	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, address));
	driver_of(address, driver, sizeof(driver));
	EXPECT_STREQ("minivisor", driver);
	ASSERT_EQ(0, listed(&self->genl, address, &function));
	EXPECT_EQ(MINIVISOR_PCI_FUNCTION, function.kind);
	EXPECT_EQ(MINIVISOR_PCI_CLAIMED, function.state);

	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, address));
	driver_of(address, driver, sizeof(driver));
	EXPECT_STREQ(before, driver);
	EXPECT_EQ(-ENOENT, listed(&self->genl, address, &function));
}

TEST_F(sriov, rejects_bad_requests)
{
	char plain[NAME_MAX + 1], bridge[NAME_MAX + 1], count[16];
	int total = mv_pci_numeric_attr(self->pf, "sriov_totalvfs");
	struct mvctl_genl *genl = &self->genl;
	struct nl_msg *msg;

	EXPECT_EQ(-ENODEV, mvctl_genl_sriov_enable(genl, "0000:7f:1f.7", 1));
	EXPECT_EQ(-ENODEV, mvctl_genl_pci_claim(genl, "0000:7f:1f.7"));
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_claim(genl, "not-an-address"));
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_claim(genl, "0000:00:20.0"));
	EXPECT_EQ(-EINVAL, mvctl_genl_sriov_enable(genl, self->pf, 0));
	EXPECT_EQ(-EINVAL, mvctl_genl_sriov_enable(genl, self->pf, total + 1));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));

	/* An address longer than any the kernel writes */
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_claim(genl, "0000:00:00.0000000000000"));

	find_plain_function(plain, sizeof(plain));
	ASSERT_NE(0, plain[0]);
	EXPECT_EQ(-EINVAL, mvctl_genl_sriov_enable(genl, plain, 1));
	EXPECT_EQ(-EINVAL, mvctl_genl_sriov_disable(genl, plain));
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_release(genl, plain));

	/* The root port above the PF is a bridge. */
	parent_of(self->pf, bridge, sizeof(bridge));
	ASSERT_EQ(0, mv_pci_read_attr(bridge, "class", count, sizeof(count)));
	ASSERT_EQ(0, strncmp(count, "0x0604", 6));
	EXPECT_EQ(-EINVAL, mvctl_genl_pci_claim(genl, bridge));

	/* No address; a count without a command that takes one; VM ids */
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_PCI_CLAIM, false);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_SRIOV_ENABLE, false);
	nla_put_string(msg, MINIVISOR_ATTR_PCI_ADDRESS, self->pf);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_PCI_CLAIM, false);
	nla_put_string(msg, MINIVISOR_ATTR_PCI_ADDRESS, plain);
	nla_put_u32(msg, MINIVISOR_ATTR_VM_ID, 1);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_SRIOV_LIST, true);
	nla_put_u32(msg, MINIVISOR_ATTR_PCI_KIND, MINIVISOR_PCI_PF);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	/* and the VM commands take no address */
	msg = mvctl_genl_request(genl, MINIVISOR_CMD_GET_VM, true);
	nla_put_string(msg, MINIVISOR_ATTR_PCI_ADDRESS, plain);
	EXPECT_EQ(-EINVAL, mvctl_genl_transact(genl, msg, NULL, NULL));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
}

/*
 * Two functions of one IOMMU group, neither a PF, a VF nor a bridge: on
 * QEMU's q35, the ICH9 functions 00:1f.x. Returns whether it found them.
 */
static bool find_group_pair(char *first, char *second, size_t size)
{
	char path[PATH_MAX], class[16];
	struct dirent *group, *entry;
	DIR *groups = opendir("/sys/kernel/iommu_groups"), *devices;
	int found;

	while (groups && (group = readdir(groups))) {
		if (group->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
			 group->d_name);
		devices = opendir(path);
		found = 0;
		while (devices && found < 2 && (entry = readdir(devices))) {
			if (entry->d_name[0] == '.' ||
			    mv_pci_numeric_attr(entry->d_name,
						"sriov_totalvfs") >= 0 ||
			    mv_pci_read_attr(entry->d_name, "class", class,
					     sizeof(class)) ||
			    !strncmp(class, "0x0604", 6) ||
			    strlen(entry->d_name) >= size)
				continue;
			strcpy(found++ ? second : first, entry->d_name);
		}
		if (devices)
			closedir(devices);
		if (found == 2)
			break;
	}
	if (groups)
		closedir(groups);
	return groups && group;
}

/*
 * Bind the PF stub to a function by driver_override, as root could from
 * sysfs: a host driver that uses the kernel's DMA API. 0 or -errno.
 */
static int bind_host_driver(const char *address)
{
	char driver[64];
	int ret = mv_pci_write_attr(address, "driver_override", "minivisor-pf");

	if (ret)
		return ret;
	mv_write_file("/sys/bus/pci/drivers_probe", address);
	driver_of(address, driver, sizeof(driver));
	return strcmp(driver, "minivisor-pf") ? -ENODEV : 0;
}

TEST_F(sriov, owns_dma_for_the_whole_iommu_group)
{
	char first[NAME_MAX + 1], second[NAME_MAX + 1], driver[64];

	if (!find_group_pair(first, second, sizeof(first)))
		SKIP(return, "no IOMMU group with two plain functions");

	/* Two claimed functions share the group's ownership. */
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, first));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, second));
	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, first));

	/* While one is claimed, no host driver can use the group's DMA. */
	EXPECT_EQ(-ENODEV, bind_host_driver(first));
	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, second));
	driver_of(first, driver, sizeof(driver));
	EXPECT_STREQ("", driver);

	/* While a host driver uses it, no function of it can be claimed. */
	ASSERT_EQ(0, bind_host_driver(first));
	EXPECT_EQ(-EBUSY, mvctl_genl_pci_claim(&self->genl, second));
	driver_of(second, driver, sizeof(driver));
	EXPECT_STRNE("minivisor", driver);
	/* Unloading gives that function back too (the teardown checks). */
}

/* Exit statuses of the unprivileged child, one per thing it must not do. */
enum unprivileged_failure {
	DID_NOTHING,
	COULD_NOT_DROP_PRIVILEGE,
	COULD_NOT_CONNECT,
	LISTED,
	ENABLED,
	DISABLED,
	CLAIMED,
	RELEASED,
};

static int try_as_nobody(const char *pf, const char *vf)
{
	struct mvctl_pci_function *functions;
	struct mvctl_genl genl;
	size_t count;

	if (setgid(NOBODY) || setuid(NOBODY))
		return COULD_NOT_DROP_PRIVILEGE;
	if (mvctl_genl_open(&genl, "test"))
		return COULD_NOT_CONNECT;
	if (mvctl_genl_sriov_list(&genl, &functions, &count) != -EPERM ||
	    count)
		return LISTED;
	if (mvctl_genl_sriov_enable(&genl, pf, 1) != -EPERM)
		return ENABLED;
	if (mvctl_genl_sriov_disable(&genl, pf) != -EPERM)
		return DISABLED;
	if (mvctl_genl_pci_claim(&genl, vf) != -EPERM)
		return CLAIMED;
	if (mvctl_genl_pci_release(&genl, vf) != -EPERM)
		return RELEASED;
	return DID_NOTHING;
}

TEST_F(sriov, refuses_unprivileged_users)
{
	char vf0[NAME_MAX + 1], driver[64];
	int status;
	pid_t child;

	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(try_as_nobody(self->pf, vf0));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(DID_NOTHING, WEXITSTATUS(status));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	driver_of(vf0, driver, sizeof(driver));
	EXPECT_STRNE("minivisor", driver);
	EXPECT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
}

/* The output of a shell command line, and its exit status. */
static int run(const char *command, char *output, size_t size)
{
	FILE *pipe = popen(command, "r");
	size_t len;
	int status;

	if (!pipe)
		return -1;
	len = fread(output, 1, size - 1, pipe);
	output[len] = '\0';
	status = pclose(pipe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(sriov, mvctl_sriov_enables_claims_and_lists)
{
	char command[PATH_MAX], output[4096], vf0[NAME_MAX + 1], expected[PATH_MAX];

	snprintf(command, sizeof(command), "mvctl sriov enable %s 2 2>&1",
		 self->pf);
	ASSERT_EQ(0, run(command, output, sizeof(output)));
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	snprintf(command, sizeof(command), "mvctl sriov claim %s 2>&1", vf0);
	ASSERT_EQ(0, run(command, output, sizeof(output)));

	ASSERT_EQ(0, run("mvctl sriov list --json", output, sizeof(output)));
	snprintf(expected, sizeof(expected),
		 "{\"address\":\"%s\",\"kind\":\"pf\",", self->pf);
	EXPECT_NE(NULL, strstr(output, expected));
	EXPECT_NE(NULL, strstr(output, "\"vfs\":2,"));
	snprintf(expected, sizeof(expected),
		 "{\"address\":\"%s\",\"kind\":\"vf\",\"state\":\"claimed\",",
		 vf0);
	EXPECT_NE(NULL, strstr(output, expected)) {
		TH_LOG("list: %s", output);
	}
	ASSERT_EQ(0, run("mvctl sriov list", output, sizeof(output)));
	EXPECT_NE(NULL, strstr(output, "claimed  -    minivisor")) {
		TH_LOG("list: %s", output);
	}

	snprintf(command, sizeof(command), "mvctl sriov disable %s 2>&1",
		 self->pf);
	EXPECT_EQ(1, run(command, output, sizeof(output)));
	EXPECT_NE(NULL, strstr(output, "Device or resource busy")) {
		TH_LOG("disable: %s", output);
	}
	EXPECT_EQ(2, run("mvctl sriov enable 0000:00:00.0 0 2>&1", output,
			 sizeof(output)));
	snprintf(command, sizeof(command), "mvctl sriov release %s 2>&1", vf0);
	EXPECT_EQ(0, run(command, output, sizeof(output)));
	snprintf(command, sizeof(command), "mvctl sriov disable %s 2>&1",
		 self->pf);
	EXPECT_EQ(0, run(command, output, sizeof(output)));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
}

TEST_F(sriov, unloading_gives_everything_back)
{
	char vf0[NAME_MAX + 1], plain[NAME_MAX + 1], driver[64], plain_driver[64];

	find_plain_function(plain, sizeof(plain));
	ASSERT_NE(0, plain[0]);
	driver_of(plain, plain_driver, sizeof(plain_driver));
	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, vf0));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, plain));

	ASSERT_EQ(0, pci_test_disconnect(&self->genl));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_GT(0, mv_pci_numeric_attr(vf0, "vendor"));
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ(self->pf_driver, driver);
	driver_of(plain, driver, sizeof(driver));
	EXPECT_STREQ(plain_driver, driver);
	ASSERT_EQ(0, mv_pci_read_attr(plain, "driver_override", driver,
				      sizeof(driver)));
	EXPECT_STREQ("(null)", driver);
	ASSERT_EQ(0, mv_pci_read_attr(self->pf, "driver_override", driver,
				      sizeof(driver)));
	EXPECT_STREQ("(null)", driver);
	EXPECT_EQ(self->warnings, mv_kernel_warnings());

	/* For the teardown, which unloads it again */
	ASSERT_EQ(0, mv_module_load());
	ASSERT_EQ(0, mvctl_genl_open(&self->genl, "test"));
}

/*
 * Whether nvme is done with the function at address: it has a controller
 * up ("live"), or it has let the function go. nvme probes a new VF in the
 * background and, when the controller does not come up (QEMU's VFs have
 * no queues until the PF's admin assigns them), unbinds itself from a
 * work item of its own later; 6.1's does that even if another driver took
 * the function over meanwhile, so nothing claims one nvme is still at.
 */
static bool nvme_settled(const char *address)
{
	char path[PATH_MAX], driver[64], state[32] = "";
	struct dirent *entry;
	DIR *dir;

	driver_of(address, driver, sizeof(driver));
	if (strcmp(driver, "nvme"))
		return true;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvme", address);
	dir = opendir(path);
	while (dir && (entry = readdir(dir))) {
		if (strncmp(entry->d_name, "nvme", 4))
			continue;
		snprintf(path, sizeof(path), "nvme/%s/state", entry->d_name);
		mv_pci_read_attr(address, path, state, sizeof(state));
	}
	if (dir)
		closedir(dir);
	return !strcmp(state, "live");
}

/* Wait up to ten seconds for nvme_settled(address). */
static bool wait_for_nvme(const char *address)
{
	for (int waited = 0; waited < 10000; waited += 10) {
		if (nvme_settled(address))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/*
 * Last, so that nothing after it sees nvme on the PF should it fail
 * before removing nvme again.
 */
TEST_F(sriov, enables_vfs_through_the_pf_drivers_own_sriov_configure)
{
	struct mvctl_pci_function pf;
	char vf0[NAME_MAX + 1], driver[64], vf_driver[64];
	int ret;

	ASSERT_STREQ("", self->pf_driver);
	ret = mv_nvme_load();
	if (ret == -ENOENT)
		SKIP(return, "no %s/order: initramfs without kernel modules",
		     NVME_MODULES);
	ASSERT_EQ(0, ret);
	driver_of(self->pf, driver, sizeof(driver));
	ASSERT_STREQ("nvme", driver);

	ASSERT_EQ(0, mvctl_genl_sriov_enable(&self->genl, self->pf, 2));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	/* nvme enabled them: the stub never took the PF over. */
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ("nvme", driver);
	ASSERT_EQ(0, listed(&self->genl, self->pf, &pf));
	EXPECT_EQ(2, pf.nr_vfs);
	EXPECT_STREQ("nvme", pf.driver);

	/* nvme may drive the VF too; claiming takes it over all the same. */
	vf_address(self->pf, 0, vf0, sizeof(vf0));
	ASSERT_NE(0, vf0[0]);
	ASSERT_TRUE(wait_for_nvme(vf0));
	driver_of(vf0, vf_driver, sizeof(vf_driver));
	ASSERT_EQ(0, mvctl_genl_pci_claim(&self->genl, vf0));
	driver_of(vf0, driver, sizeof(driver));
	EXPECT_STREQ("minivisor", driver);
	EXPECT_EQ(-EBUSY, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(2, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	ASSERT_EQ(0, mvctl_genl_pci_release(&self->genl, vf0));
	ASSERT_TRUE(wait_for_nvme(vf0));
	driver_of(vf0, driver, sizeof(driver));
	EXPECT_STREQ(vf_driver, driver);

	ASSERT_EQ(0, mvctl_genl_sriov_disable(&self->genl, self->pf));
	EXPECT_EQ(0, mv_pci_numeric_attr(self->pf, "sriov_numvfs"));
	EXPECT_GT(0, mv_pci_numeric_attr(vf0, "vendor"));
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ("nvme", driver);

	/* What the teardown expects: the PF without a driver again */
	ASSERT_EQ(0, mv_module_remove("nvme"));
	driver_of(self->pf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);
	EXPECT_EQ(self->warnings, mv_kernel_warnings());
}

TEST_HARNESS_MAIN
