/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/core_util.h - helpers shared by the core tests (test_view*.c,
 * test_pool.c, test_chain*.c, test_cursor*.c): the pool a test runs on and
 * the checks it ends with, chains cut at every point out of poisoned pool
 * buffers, and reference results computed on flat memory.
 */
#ifndef RINGVIEW_TESTS_CORE_UTIL_H
#define RINGVIEW_TESTS_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ringview/ringview.h>

/* ---- the pool ------------------------------------------------------- */

/* The pool of the test that runs (test_pool.c makes its own). */
extern rv_pool *pool;

struct rv_pool_stats stats_of(const rv_pool *p);
struct rv_pool_stats stats(void);

/* A pool of |count| buffers of |size| bytes with |flags|; asserts success. */
rv_pool *make_pool(uint32_t count, uint32_t size, uint32_t flags);
void pool_up_flags(uint32_t count, uint32_t size, uint32_t flags);
void pool_up(uint32_t count, uint32_t size);

/* |pool| with pin_ratio 1: every held buffer counts as pinned, so
 * stats.pinned_bytes is the number of bytes all live views cover. */
void pinned_pool_up(uint32_t count, uint32_t size);

/* Criterion does not fail a test whose .fini fails, so every test checks
 * assert_idle() itself; this only frees |pool| (and logs any leak). */
void pool_teardown(void);

/* The invariant every test ends with: every buffer of |pool| is free. */
void assert_idle(void);

/* End of a test that made |p|: nothing held, sending, pinned or in small
 * chunks, free == total, and destroy succeeds. pool_down() does it for
 * |pool| and clears it. */
void pool_down_of(rv_pool *p);
void pool_down(void);

/* The live views of pool buffers cover |n| bytes in all (pin_ratio 1, see
 * pinned_pool_up); |what| says where, for the failure message. */
void assert_live(uint64_t n, const char *what, ...);

/* Whether |word| stands in |hay| as a whole word. */
bool has_word(const char *hay, const char *word);

/* ---- views (test_view*.c) ------------------------------------------- */

#define VIEW_BUF_SIZE  4096u
#define VIEW_BUF_COUNT 8u

/* .init of most view tests: VIEW_BUF_COUNT buffers of VIEW_BUF_SIZE. */
void view_setup(void);

/* The byte at offset |i| of a buffer from get_buf(). */
uint8_t byte_pattern(size_t i);

/* A writable view of a whole pool buffer, filled with byte_pattern(i). */
rv_view get_buf(void);

/* Offsets/lengths worth trying against a view of |len| bytes; |out| needs
 * room for len + 9 values. Returns how many it wrote. */
size_t edge_values(size_t len, size_t *out);

/* A free_fn for rv_view_wrap that counts its calls in |g_freed|, keeps
 * its arguments there, and frees |ptr|. */
struct wrap_freed {
	int calls;
	void *ctx, *ptr;
	size_t len;
};
extern struct wrap_freed g_freed;
void record_free(void *ctx, void *ptr, size_t len);

/* ---- chains (test_chain*.c, test_cursor*.c) ------------------------- */

#define POISON 0xEE

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

/* A view of the |n| bytes of |src| written at offset |off| of a fresh pool
 * buffer whose other bytes are poison. The caller owns the view. */
rv_view piece(const void *src, size_t n, size_t off);

/* Appends |*v| to |c| and checks that ownership moved. */
void append(rv_chain *c, rv_view *v);

/* Builds |c| from |msg| cut at the ascending offsets |cuts[0..nc)|, part i
 * in its own buffer at offset first + step * i. Empty parts are appended
 * too (and must not be stored). Returns the number of non-empty parts,
 * which is the number of buffers the chain holds. */
unsigned build_split_at(rv_chain *c, const uint8_t *msg, size_t len,
			const size_t *cuts, unsigned nc, size_t first,
			size_t step);

/* Number of non-empty parts of a split that hold bytes of [lo, hi). */
unsigned parts_in(size_t len, const size_t *cuts, unsigned nc, size_t lo,
		  size_t hi);

/* Checks that |c| holds exactly the |n| bytes at |p|: its length, the
 * bytes through copy_out, and the views one by one (none empty, lengths
 * summing to the chain's length). */
void assert_chain_is(const rv_chain *c, const void *p, size_t n);

/* The address of chain byte |pos| when [pos, pos + n) lies inside one view
 * of |c|, else NULL (the span crosses a seam). */
const uint8_t *contiguous_at(const rv_chain *c, size_t pos, size_t n);

/* Reference search in flat memory: what rv_chain_find must return. */
ssize_t ref_find(const uint8_t *h, size_t hlen, size_t from, const void *needle,
		 size_t nlen);

typedef void (*split_fn)(const uint8_t *msg, size_t len, const size_t *cuts,
			 unsigned nc, void *arg);

/* Calls |fn| for every way of cutting |msg| into nc + 1 parts (nc = 1 or
 * 2), empty parts included. */
void for_each_split(const uint8_t *msg, size_t len, unsigned nc, split_fn fn,
		    void *arg);

/* ---- cursors (test_cursor*.c) --------------------------------------- */

/* Bytes with high bits set, all different: sign-extension and byte-order
 * mistakes show. fill_pattern() writes them. */
extern uint8_t pattern[24];
void fill_pattern(void);

#define CUTS(nc, cuts) (cuts)[0], (nc) > 1 ? (cuts)[1] : (cuts)[0]

#endif
