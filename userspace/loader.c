// SPDX-License-Identifier: GPL-2.0
/*
 * The guest loader of mvctl run and mvctl lab. A flat binary is the
 * simplest guest there is: its bytes, copied to one guest physical
 * address, start running at that address. An ELF executable (the System
 * V gABI, "Program Loading") carries its own layout: each PT_LOAD
 * program header names a physical address (p_paddr), the bytes of the
 * file that go there (p_offset, p_filesz) and the size in memory
 * (p_memsz, the rest zero).
 * Both 32-bit (EM_386) and 64-bit (EM_X86_64) executables are accepted;
 * the file is checked completely before anything is copied, so a
 * malformed one fails with a message instead of a crash.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "loader.h"

/* Large enough for any guest that fits the largest --mem. */
#define GUEST_FILE_MAX	(4ULL << 30)

/* One part of the image to copy into guest memory. */
struct segment {
	uint64_t addr;		/* guest physical */
	uint64_t offset;	/* in the file */
	uint64_t file_size;
	uint64_t mem_size;
};

static int fail(const struct guest_image *image, const char *why)
{
	fprintf(stderr, "mvctl: %s: %s\n", image->path, why);
	return -1;
}

/* The ELF header's facts mvctl uses, the same for both classes. */
struct elf_facts {
	uint16_t type, machine;
	uint64_t entry, phoff;
	unsigned int phnum, phentsize;
};

/* What tells the two classes apart, by the image's format. */
static const struct elf_class {
	unsigned char ident;		/* e_ident[EI_CLASS] */
	uint16_t machine;
	size_t ehdr_size, phdr_size;
	const char *other_machine;
} elf_classes[] = {
	[GUEST_ELF32] = { ELFCLASS32, EM_386, sizeof(Elf32_Ehdr),
			  sizeof(Elf32_Phdr),
			  "malformed ELF: 32-bit but not i386" },
	[GUEST_ELF64] = { ELFCLASS64, EM_X86_64, sizeof(Elf64_Ehdr),
			  sizeof(Elf64_Phdr),
			  "malformed ELF: 64-bit but not x86-64" },
};

/*
 * Both classes name their header fields alike, at different places: one
 * initializer reads either.
 */
#define ELF_FACTS(ehdr)							\
	((struct elf_facts){ (ehdr).e_type, (ehdr).e_machine,		\
			     (ehdr).e_entry, (ehdr).e_phoff,		\
			     (ehdr).e_phnum, (ehdr).e_phentsize })
#define ELF_SEGMENT(phdr)						\
	((struct segment){ (phdr).p_paddr, (phdr).p_offset,		\
			   (phdr).p_filesz, (phdr).p_memsz })

/*
 * Checks the ELF header and gives its facts: the program header table's
 * place and the entry point. Returns NULL, or why the file is refused.
 */
static const char *elf_header(const struct guest_image *image,
			      struct elf_facts *facts)
{
	const struct elf_class *class = &elf_classes[image->format];
	union {
		Elf32_Ehdr c32;
		Elf64_Ehdr c64;
	} ehdr;

	if (image->size < class->ehdr_size)
		return "malformed ELF: truncated header";
	if (image->data[EI_CLASS] != class->ident)
		return "malformed ELF: unknown class";
	memcpy(&ehdr, image->data, class->ehdr_size);
	if (image->format == GUEST_ELF64)
		*facts = ELF_FACTS(ehdr.c64);
	else
		*facts = ELF_FACTS(ehdr.c32);
	if (facts->machine != class->machine)
		return class->other_machine;
	if (facts->phentsize != class->phdr_size)
		return "malformed ELF: bad program header size";
	if (image->data[EI_DATA] != ELFDATA2LSB)
		return "malformed ELF: not little-endian";
	if (facts->type != ET_EXEC)
		return "malformed ELF: not an executable (ET_EXEC)";
	if (facts->phnum == 0)
		return "malformed ELF: no program headers";
	if (facts->phoff > image->size ||
	    (uint64_t)facts->phnum * facts->phentsize >
	    image->size - facts->phoff)
		return "malformed ELF: program headers outside the file";
	return NULL;
}

/* Program header i, as a segment; returns whether it is PT_LOAD. */
static bool elf_segment(const struct guest_image *image,
			const struct elf_facts *facts, unsigned int i,
			struct segment *seg)
{
	union {
		Elf32_Phdr c32;
		Elf64_Phdr c64;
	} phdr;

	memcpy(&phdr, image->data + facts->phoff +
		      (uint64_t)i * facts->phentsize, facts->phentsize);
	if (image->format == GUEST_ELF64) {
		*seg = ELF_SEGMENT(phdr.c64);
		return phdr.c64.p_type == PT_LOAD;
	}
	*seg = ELF_SEGMENT(phdr.c32);
	return phdr.c32.p_type == PT_LOAD;
}

/* Whether seg lands in guest memory, clear of the reserved range. */
static int check_fit(const struct guest_image *image,
		     const struct segment *seg, uint64_t mem_size,
		     uint64_t reserved_start, uint64_t reserved_end)
{
	char why[200];

	if (seg->mem_size > mem_size || seg->addr > mem_size - seg->mem_size) {
		snprintf(why, sizeof(why),
			 "does not fit: [%#llx, %#llx) ends past guest memory (%#llx bytes, see --mem)",
			 (unsigned long long)seg->addr,
			 (unsigned long long)(seg->addr + seg->mem_size),
			 (unsigned long long)mem_size);
		return fail(image, why);
	}
	if (seg->addr < reserved_end &&
	    seg->addr + seg->mem_size > reserved_start) {
		snprintf(why, sizeof(why),
			 "does not fit: [%#llx, %#llx) overlaps mvctl's tables and stacks at [%#llx, %#llx)",
			 (unsigned long long)seg->addr,
			 (unsigned long long)(seg->addr + seg->mem_size),
			 (unsigned long long)reserved_start,
			 (unsigned long long)reserved_end);
		return fail(image, why);
	}
	return 0;
}

static int load_elf(const struct guest_image *image, uint8_t *mem,
		    uint64_t mem_size, uint64_t reserved_start,
		    uint64_t reserved_end)
{
	struct elf_facts facts;
	struct segment seg;
	const char *why;
	unsigned int loads = 0;

	why = elf_header(image, &facts);
	if (why)
		return fail(image, why);
	for (unsigned int i = 0; i < facts.phnum; i++) {
		if (!elf_segment(image, &facts, i, &seg))
			continue;
		if (seg.file_size > seg.mem_size)
			return fail(image, "malformed ELF: a segment's file size exceeds its memory size");
		if (seg.offset > image->size ||
		    seg.file_size > image->size - seg.offset)
			return fail(image, "malformed ELF: a segment lies outside the file");
		if (check_fit(image, &seg, mem_size, reserved_start,
			      reserved_end))
			return -1;
		loads++;
	}
	if (!loads)
		return fail(image, "malformed ELF: no PT_LOAD segment");

	for (unsigned int i = 0; i < facts.phnum; i++) {
		if (!elf_segment(image, &facts, i, &seg))
			continue;
		memcpy(mem + seg.addr, image->data + seg.offset, seg.file_size);
		memset(mem + seg.addr + seg.file_size, 0,
		       seg.mem_size - seg.file_size);
	}
	return 0;
}

int guest_image_read(struct guest_image *image, const char *path)
{
	struct elf_facts facts;
	const char *why;
	struct stat st;
	size_t done = 0;
	int fd;

	*image = (struct guest_image){ .path = path };
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(image, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(image, "not a regular file");
	}
	if ((uint64_t)st.st_size > GUEST_FILE_MAX) {
		close(fd);
		return fail(image, "larger than 4 GiB, the most guest memory");
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(image, "empty file");
	}
	image->size = st.st_size;
	image->data = malloc(image->size);
	if (!image->data) {
		close(fd);
		return fail(image, strerror(ENOMEM));
	}
	while (done < image->size) {
		ssize_t n = read(fd, image->data + done, image->size - done);

		if (n <= 0) {
			close(fd);
			guest_image_free(image);
			return fail(image, n ? strerror(errno) :
					       "file shrank while read");
		}
		done += n;
	}
	close(fd);

	if (image->size < SELFMAG || memcmp(image->data, ELFMAG, SELFMAG))
		return 0;
	if (image->size > EI_CLASS && image->data[EI_CLASS] == ELFCLASS64)
		image->format = GUEST_ELF64;
	else
		image->format = GUEST_ELF32;
	why = elf_header(image, &facts);
	if (why) {
		guest_image_free(image);
		return fail(image, why);
	}
	image->entry = facts.entry;
	return 0;
}

void guest_image_free(struct guest_image *image)
{
	free(image->data);
	image->data = NULL;
}

int guest_image_load(const struct guest_image *image, uint8_t *mem,
		     uint64_t mem_size, uint64_t flat_addr,
		     uint64_t reserved_start, uint64_t reserved_end)
{
	struct segment flat = {
		.addr = flat_addr,
		.file_size = image->size,
		.mem_size = image->size,
	};

	if (image->format != GUEST_FLAT)
		return load_elf(image, mem, mem_size, reserved_start,
				reserved_end);
	if (check_fit(image, &flat, mem_size, reserved_start, reserved_end))
		return -1;
	memcpy(mem + flat_addr, image->data, image->size);
	return 0;
}
