/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl: the commands and what they share.
 */
#ifndef MVCTL_H
#define MVCTL_H

/*
 * Exit statuses, as documented in mvctl --help and mvctl(1). mvctl run
 * also exits with the value a guest writes to the exit port, and with
 * 128 + the signal that stopped it.
 */
enum {
	MVCTL_EXIT_OK = 0,
	MVCTL_EXIT_FAILURE = 1,
	MVCTL_EXIT_USAGE = 2,
	MVCTL_EXIT_GUEST_CRASHED = 3,
	MVCTL_EXIT_TIMEOUT = 124,
};

/* Open the minivisor device; on failure print why and return -1. */
int mvctl_open_device(const char *path);

int mvctl_info(const char *device, int argc, char **argv);
int mvctl_run(const char *device, int argc, char **argv);
int mvctl_lab(const char *device, int argc, char **argv);

/* Over the "minivisor" netlink family: the device is not used. */
int mvctl_list(const char *device, int argc, char **argv);
int mvctl_stat(const char *device, int argc, char **argv);
int mvctl_top(const char *device, int argc, char **argv);
int mvctl_events(const char *device, int argc, char **argv);
int mvctl_sriov(const char *device, int argc, char **argv);

#endif /* MVCTL_H */
