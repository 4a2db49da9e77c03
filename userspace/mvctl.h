/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl: the commands and what they share.
 */
#ifndef MVCTL_H
#define MVCTL_H

/* Exit statuses, as documented in mvctl --help. */
enum {
	MVCTL_EXIT_OK = 0,
	MVCTL_EXIT_FAILURE = 1,
	MVCTL_EXIT_USAGE = 2,
};

/* Open the minivisor device; on failure print why and return -1. */
int mvctl_open_device(const char *path);

int mvctl_info(const char *device, int argc, char **argv);

#endif /* MVCTL_H */
