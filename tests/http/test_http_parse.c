/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/test_http_parse.c - every corpus case gives its expected
 * outcome whole, cut at every point, byte by byte and cut at random, each
 * piece flush against a PROT_NONE guard page (an over-read faults) whose
 * pages are protected again as soon as ringview lets go of the piece (a
 * read after release faults); and once more from pool buffers, which must
 * all be free afterwards.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core_util.h"
#include "corpus.h"

/* ---- pieces against guard pages ------------------------------------ */

/* Room for the largest case byte by byte: two pages per piece. */
#define ARENA_SIZE (96u << 20)

static struct {
	uint8_t *base;
	size_t page, used;
	unsigned live; /* pieces ringview still holds */
} arena;

static void arena_map(void)
{
	arena.page = (size_t)sysconf(_SC_PAGESIZE);
	arena.base = mmap(NULL, ARENA_SIZE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(arena.base, MAP_FAILED, "mmap of the guard arena");
	arena.used = 0;
	arena.live = 0;
}

static void arena_unmap(void)
{
	if (arena.base && arena.base != MAP_FAILED)
		munmap(arena.base, ARENA_SIZE);
	arena.base = NULL;
}

/* The last view of a piece is gone: its pages become PROT_NONE again. */
static void guard_free(void *ctx, void *ptr, size_t len)
{
	uintptr_t lo = (uintptr_t)ptr & ~(uintptr_t)(arena.page - 1);
	uintptr_t hi = (uintptr_t)ptr + len; /* a page boundary */

	(void)ctx;
	cr_assert_eq(hi % arena.page, 0);
	cr_assert_eq(mprotect((void *)lo, hi - lo, PROT_NONE), 0);
	cr_assert_gt(arena.live, 0);
	arena.live--;
}

/* The piece ends where a PROT_NONE page begins. */
static void guard_piece(struct feeder *fd, const uint8_t *p, size_t n,
			rv_view *out)
{
	size_t data = (n + arena.page - 1) / arena.page * arena.page;
	uint8_t *at;

	(void)fd;
	cr_assert_leq(arena.used + data + arena.page, ARENA_SIZE,
		      "guard arena full");
	cr_assert_eq(
		mprotect(arena.base + arena.used, data, PROT_READ | PROT_WRITE),
		0);
	at = arena.base + arena.used + data - n;
	memcpy(at, p, n);
	arena.used += data + arena.page;
	arena.live++;
	cr_assert_eq(rv_view_wrap(at, n, guard_free, NULL, out), 0);
}

static bool guard_owns(const struct feeder *fd, const uint8_t *p, size_t n)
{
	(void)fd;
	return p >= arena.base && p + n <= arena.base + arena.used;
}

static struct feeder guard_feeder = {.piece = guard_piece, .owns = guard_owns};

/* ---- pieces in pool buffers ---------------------------------------- */

#define POOL_BUF (16u << 10)

static void pool_piece(struct feeder *fd, const uint8_t *p, size_t n,
		       rv_view *out)
{
	(void)fd;
	/* After a few poisoned bytes, so a read before the piece shows. */
	*out = piece(p, n, POOL_BUF - n > 64 ? 64 : 0);
}

static struct feeder pool_feeder = {.piece = pool_piece};

/* ---- one run ------------------------------------------------------- */

static void setup(void)
{
	corpus_init();
	arena_map();
	pool_up(16, POOL_BUF);
}

static void teardown(void)
{
	arena_unmap();
	if (pool)
		pool_teardown();
}

static const char *show_cuts(const size_t *cuts, unsigned nc, char *buf,
			     size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "cuts");

	if (!nc)
		snprintf(buf, size, "one piece");
	for (unsigned i = 0; i < nc && o + 24 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, " %zu", cuts[i]);
	return buf;
}

/* Runs |c| cut at |cuts| and compares with |want|; all pieces must be
 * released and, from a pool, every buffer free. */
static void run(const struct corpus_case *c, const struct outcome *want,
		const size_t *cuts, unsigned nc, struct feeder *fd,
		const char *mode)
{
	struct outcome got;
	char why[512], where[128];
	const char *d;

	corpus_run(c, cuts, nc, fd, &got);
	d = outcome_diff(want, &got, true, why, sizeof(why));
	cr_assert_null(d, "%s (%s, %s): %s", c->name, mode,
		       show_cuts(cuts, nc, where, sizeof(where)), d);
	outcome_free(&got);
	if (fd == &guard_feeder) {
		cr_assert_eq(arena.live, 0, "%s (%s): %u pieces not released",
			     c->name, mode, arena.live);
		arena.used = 0;
	} else {
		assert_idle();
	}
}

/* A small deterministic generator for the random cuts. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

#define RANDOM_SPLITS 12

ParameterizedTestParameters(http_parse, corpus)
{
	size_t *idx = cr_malloc(corpus_len * sizeof(*idx));

	for (size_t i = 0; i < corpus_len; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, corpus_len);
}

/* One case, in every way of cutting it. */
ParameterizedTest(size_t *ip, http_parse, corpus, .init = setup,
		  .fini = teardown, .timeout = 60)
{
	const struct corpus_case *c = &corpus[*ip];
	struct outcome want;
	size_t cuts[5], *bytes;
	uint64_t seed = 0x9E3779B97F4A7C15ull * (*ip + 1);

	cr_assert_gt(c->len, 0);
	outcome_expected(c, &want);
	run(c, &want, NULL, 0, &guard_feeder, "one piece");

	for (cuts[0] = 0; cuts[0] <= c->len; cuts[0]++)
		run(c, &want, cuts, 1, &guard_feeder, "two pieces");

	bytes = malloc(c->len * sizeof(*bytes));
	cr_assert_not_null(bytes);
	for (size_t i = 1; i < c->len; i++)
		bytes[i - 1] = i;
	run(c, &want, bytes, (unsigned)(c->len - 1), &guard_feeder,
	    "byte by byte");
	free(bytes);

	for (unsigned r = 0; r < RANDOM_SPLITS; r++) {
		unsigned nc = 2 + (unsigned)(next_rand(&seed) % 3);
		for (unsigned i = 0; i < nc; i++)
			cuts[i] = (size_t)(next_rand(&seed) % (c->len + 1));
		qsort(cuts, nc, sizeof(cuts[0]), cmp_size);
		run(c, &want, cuts, nc, &guard_feeder, "random pieces");
	}

	/* From pool buffers: whole, and cut in three at a few points. */
	run(c, &want, NULL, 0, &pool_feeder, "pool, one piece");
	for (unsigned r = 0; r < 4; r++) {
		cuts[0] = (size_t)(next_rand(&seed) % (c->len + 1));
		cuts[1] = (size_t)(next_rand(&seed) % (c->len + 1));
		qsort(cuts, 2, sizeof(cuts[0]), cmp_size);
		run(c, &want, cuts, 2, &pool_feeder, "pool, three pieces");
	}
	outcome_free(&want);
	pool_down();
}

/* The corpus is as large as promised, and its names are unique. */
Test(http_parse, corpus_size, .init = corpus_init)
{
	size_t valid = corpus_valid(), diverging = 0;

	cr_assert_geq(valid, 40, "%zu valid cases", valid);
	cr_assert_geq(corpus_len - valid, 40, "%zu invalid cases",
		      corpus_len - valid);
	for (size_t i = 0; i < corpus_len; i++) {
		diverging += corpus[i].http_parser_diverges != NULL;
		cr_assert(corpus[i].err == 0 || !corpus[i].pending,
			  "%s: pending and failed", corpus[i].name);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(corpus[i].name, corpus[j].name);
	}
	cr_log_info("corpus: %zu cases, %zu valid, %zu invalid, %zu diverging "
		    "from libhttp-parser",
		    corpus_len, valid, corpus_len - valid, diverging);
}
