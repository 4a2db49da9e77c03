/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest images for mvctl run: a flat binary, copied to one address, or an
 * ELF executable, whose PT_LOAD program headers say where each part goes
 * and whose header gives the entry point.
 */
#ifndef MVCTL_LOADER_H
#define MVCTL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum guest_format {
	GUEST_FLAT,
	GUEST_ELF32,
	GUEST_ELF64,
};

struct guest_image {
	const char *path;
	enum guest_format format;
	uint8_t *data;		/* the whole file */
	size_t size;
	uint64_t entry;		/* from the ELF header; 0 for a flat binary */
};

/*
 * Read the file at path and check it: a file starting with the ELF magic
 * must be a well-formed x86 executable, anything else is a flat binary
 * (which must not be empty). On failure print one line and return -1.
 */
int guest_image_read(struct guest_image *image, const char *path);

void guest_image_free(struct guest_image *image);

/*
 * Copy the image into guest memory mem of mem_size bytes: a flat binary at
 * flat_addr, an ELF's segments at their physical addresses (their bytes
 * past the file's part zeroed). Nothing may land in [reserved_start,
 * reserved_end), where mvctl keeps its own tables and stacks. On failure
 * print one line and return -1.
 */
int guest_image_load(const struct guest_image *image, uint8_t *mem,
		     uint64_t mem_size, uint64_t flat_addr,
		     uint64_t reserved_start, uint64_t reserved_end);

#endif /* MVCTL_LOADER_H */
