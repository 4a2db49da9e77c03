/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzers' random numbers (fuzz_uapi, fuzz_guest): one seeded
 * generator, splitmix64, whose whole state is one word, so that a run
 * repeats from the seed it prints. The environment sets the knobs:
 *
 *   MV_FUZZ_SEED   the seed, decimal or 0x-hex; by default one from the
 *                  clock, printed so that a failure can be run again
 *   MV_FUZZ_CALLS  how much to do: ioctls for fuzz_uapi, guest runs for
 *                  fuzz_guest; each suite has its own default
 */
#ifndef FUZZ_RAND_H
#define FUZZ_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fuzz_rand {
	uint64_t state;
};

/* Sebastiano Vigna's splitmix64. */
static inline uint64_t fuzz_next(struct fuzz_rand *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A generator for stream `stream` of a run seeded with seed. */
static inline struct fuzz_rand fuzz_stream(uint64_t seed, uint64_t stream)
{
	struct fuzz_rand r = { .state = seed ^ (stream * 0xd1b54a32d192ed03ULL) };

	fuzz_next(&r);
	return r;
}

/* 0 .. n - 1 (0 when n is 0). */
static inline uint64_t fuzz_below(struct fuzz_rand *r, uint64_t n)
{
	return n ? fuzz_next(r) % n : 0;
}

static inline bool fuzz_percent(struct fuzz_rand *r, unsigned int percent)
{
	return fuzz_below(r, 100) < percent;
}

static inline void fuzz_fill(struct fuzz_rand *r, void *buf, size_t size)
{
	uint8_t *bytes = buf;

	while (size) {
		uint64_t word = fuzz_next(r);
		size_t n = size < sizeof(word) ? size : sizeof(word);

		memcpy(bytes, &word, n);
		bytes += n;
		size -= n;
	}
}

/*
 * A value where code that checks ranges tends to be wrong: zero, one,
 * the edges of the signed and unsigned 8, 16, 32 and 64-bit ranges,
 * page sizes and non-canonical addresses; else any value at all.
 */
static inline uint64_t fuzz_boundary(struct fuzz_rand *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 0xff, 0x100,
		0x7fff, 0x8000, 0xffff, 0x10000, 0xfff, 0x1000, 0x1fffff,
		0x200000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
		0x0000800000000000, 0xffff800000000000, 0x7fffffffffffffff,
		0x8000000000000000, 0xfffffffffffff000, 0xffffffffffffffff,
	};

	if (fuzz_percent(r, 70))
		return edges[fuzz_below(r, sizeof(edges) / sizeof(edges[0]))];
	return fuzz_next(r);
}

/* A number from the environment (decimal or 0x-hex), or fallback. */
static inline uint64_t fuzz_env(const char *name, uint64_t fallback)
{
	const char *text = getenv(name);

	return text && *text ? strtoull(text, NULL, 0) : fallback;
}

/* $MV_FUZZ_SEED, or a seed from the clock. */
static inline uint64_t fuzz_seed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return fuzz_env("MV_FUZZ_SEED",
			(uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec);
}

#endif /* FUZZ_RAND_H */
