/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/test_chain.c - rv_chain: ownership moves on append, contiguous
 * views of one buffer merge (and nothing else does), find across view
 * boundaries at every cut point, and reference accounting: every buffer
 * comes back to the pool exactly once, and only after its last view is
 * released. take/take_view/pullup/consume/pop/copy_out/to_iovec are in
 * test_chain_take.c.
 *
 * Chains are built from pool buffers: each part of a message is written at
 * an offset inside its own buffer, surrounded by poison bytes, and sliced
 * out, so parts are never contiguous in memory and never merge.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <ringview/ringview.h>

#include "core_util.h"

#define BUF_SIZE  128u
#define BUF_COUNT 64u

static void setup(void)
{
	pinned_pool_up(BUF_COUNT, BUF_SIZE);
}

TestSuite(chain, .init = setup, .fini = pool_teardown);

/* ---- helpers -------------------------------------------------------- */

/* Builds |c| from |msg| cut at the ascending offsets |cuts[0..nc)|, each
 * part in its own buffer at a different offset; see build_split_at. */
static unsigned build_split(rv_chain *c, const uint8_t *msg, size_t len,
			    const size_t *cuts, unsigned nc)
{
	return build_split_at(c, msg, len, cuts, nc, 1, 7);
}

static const char http_msg[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nbody\r\n\r\n";
/* Partial matches of "\r\n\r\n" everywhere, so a search that forgets to
 * back up after a failed partial match across a seam misses. */
static const char partial_msg[] = "a\r\n\rb\r\n\r\r\n\r\r\n\r\nc";
static const char aab_msg[] = "aaaaabaaab";

/* ---- append and ownership ------------------------------------------- */

/* Appending moves the reference into the chain; releasing the chain
 * recycles the buffer exactly once. */
Test(chain, append_moves_ownership)
{
	rv_chain c = RV_CHAIN_INIT;
	struct rv_pool_stats s0 = stats();
	rv_view v = piece("hello", 5, 3);
	const uint8_t *data = v.data;

	append(&c, &v);
	cr_assert_eq(rv_chain_count(&c), 1u);
	cr_assert_eq(rv_chain_len(&c), 5u);
	cr_assert_eq(rv_chain_at(&c, 0)->data, data,
		     "chain copied the view's bytes");
	cr_assert_eq(stats().held, 1u);
	cr_assert_eq(stats().free, s0.free - 1);

	rv_view_release(&v); /* cleared: must be a no-op */
	cr_assert_eq(stats().held, 1u);

	rv_chain_release(&c);
	cr_assert_eq(rv_chain_len(&c), 0u);
	cr_assert_eq(rv_chain_count(&c), 0u);
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	assert_idle();

	rv_chain_release(&c); /* releasing an empty chain is harmless */
	assert_idle();
}

/* A released chain is empty and may be reused. */
Test(chain, reuse_after_release)
{
	rv_chain c;
	rv_chain_init(&c);
	rv_chain_release(&c);
	rv_view v = piece("abc", 3, 0);
	append(&c, &v);
	rv_chain_release(&c);
	v = piece("defg", 4, 9);
	append(&c, &v);
	assert_chain_is(&c, "defg", 4);
	rv_chain_release(&c);
	assert_idle();
}

/* A cleared view and empty views are not stored; an empty view's
 * reference is released (its buffer comes back). */
Test(chain, empty_views_not_stored)
{
	rv_chain c = RV_CHAIN_INIT;
	rv_view v = RV_VIEW_INIT;
	struct rv_pool_stats s0 = stats();

	append(&c, &v);
	cr_assert_eq(rv_chain_count(&c), 0u);

	rv_view whole;
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	cr_assert_eq(rv_view_truncate(&whole, 0), 0);
	append(&c, &whole);
	cr_assert_eq(rv_chain_count(&c), 0u);
	cr_assert_eq(rv_chain_len(&c), 0u);
	cr_assert_eq(stats().recycles, s0.recycles + 1,
		     "the empty view's buffer was not recycled");
	assert_idle();

	/* An empty view after a real one is not stored either. */
	v = piece("xy", 2, 4);
	append(&c, &v);
	v = piece("", 0, 4);
	append(&c, &v);
	cr_assert_eq(rv_chain_count(&c), 1u);
	cr_assert_eq(stats().held, 1u);
	rv_chain_release(&c);
	assert_idle();
}

/* Views of different buffers and of wrapped memory sit in one chain, in
 * order. */
Test(chain, views_of_different_buffers)
{
	static const char lit[] = "-wrapped-";
	rv_chain c = RV_CHAIN_INIT;
	rv_view a = piece("first", 5, 10), b = piece("second", 6, 0), w;
	cr_assert_eq(rv_view_wrap_const(lit, sizeof(lit) - 1, &w), 0);
	append(&c, &a);
	append(&c, &w);
	append(&c, &b);
	cr_assert_eq(rv_chain_count(&c), 3u);
	assert_chain_is(&c, "first-wrapped-second", 20);
	cr_assert_eq(rv_chain_at(&c, 1)->data, (const uint8_t *)lit);
	cr_assert_eq(stats().held, 2u);
	rv_chain_release(&c);
	assert_idle();
}

static int free_calls;
static void *freed_ptr;
static size_t freed_len;
static void count_free(void *ctx, void *ptr, size_t len)
{
	(void)ctx;
	free_calls++;
	freed_ptr = ptr;
	freed_len = len;
	free(ptr);
}

/* Wrapped malloc'd memory in a chain is freed exactly once, when the last
 * view of it (here: two pieces after a take) is released. */
Test(chain, wrapped_memory_freed_once)
{
	char *mem = malloc(16);
	cr_assert_not_null(mem);
	memcpy(mem, "0123456789abcdef", 16);
	rv_view w;
	free_calls = 0;
	cr_assert_eq(rv_view_wrap(mem, 16, count_free, NULL, &w), 0);

	rv_chain c = RV_CHAIN_INIT, out = RV_CHAIN_INIT;
	append(&c, &w);
	cr_assert_eq(rv_chain_take(&c, 5, &out), 0);
	assert_chain_is(&out, "01234", 5);
	assert_chain_is(&c, "56789abcdef", 11);
	rv_chain_release(&c);
	cr_assert_eq(free_calls, 0, "freed while a view remained");
	rv_chain_release(&out);
	cr_assert_eq(free_calls, 1);
	cr_assert_eq(freed_ptr, (void *)mem);
	cr_assert_eq(freed_len, 16u);
	assert_idle();
}

/* ---- merging -------------------------------------------------------- */

/* Consecutive slices of one buffer appended in order merge into one view
 * covering both; the merged view holds the right number of references. */
Test(chain, merges_contiguous_slices)
{
	rv_view whole, a, b, d;
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "abcdefghijklmnopqrstuvwxyz", 26);
	cr_assert_eq(rv_view_slice(&whole, 2, 5, &a), 0);  /* cdefg */
	cr_assert_eq(rv_view_slice(&whole, 7, 3, &b), 0);  /* hij */
	cr_assert_eq(rv_view_slice(&whole, 10, 6, &d), 0); /* klmnop */
	const uint8_t *start = a.data;
	rv_view_release(&whole);

	rv_chain c = RV_CHAIN_INIT;
	append(&c, &a);
	append(&c, &b);
	cr_assert_eq(rv_chain_count(&c), 1u, "contiguous slices not merged");
	cr_assert_eq(rv_chain_len(&c), 8u);
	append(&c, &d);
	cr_assert_eq(rv_chain_count(&c), 1u);
	cr_assert_eq(rv_chain_at(&c, 0)->data, start);
	cr_assert_eq(rv_chain_at(&c, 0)->len, 14u);
	assert_chain_is(&c, "cdefghijklmnop", 14);
	cr_assert_eq(stats().held, 1u);
	assert_live(14, "after merging");

	/* Cutting the merged view in the middle must still account right. */
	rv_chain out = RV_CHAIN_INIT;
	cr_assert_eq(rv_chain_take(&c, 6, &out), 0);
	assert_chain_is(&out, "cdefgh", 6);
	assert_chain_is(&c, "ijklmnop", 8);
	assert_live(14, "after take from a merged view");
	rv_chain_release(&c);
	cr_assert_eq(stats().held, 1u);
	assert_live(6, "after releasing the rest");
	rv_chain_release(&out);
	cr_assert_eq(stats().recycles, s0.recycles + 1,
		     "merged buffer recycled %llu times",
		     (unsigned long long)(stats().recycles - s0.recycles));
	assert_idle();
}

/* Merging while another view of the buffer lives keeps the buffer held
 * until that view goes too. */
Test(chain, merge_keeps_other_views_alive)
{
	rv_view whole, a, b;
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "0123456789", 10);
	cr_assert_eq(rv_view_slice(&whole, 0, 4, &a), 0);
	cr_assert_eq(rv_view_slice(&whole, 4, 4, &b), 0);
	rv_chain c = RV_CHAIN_INIT;
	append(&c, &a);
	append(&c, &b);
	cr_assert_eq(rv_chain_count(&c), 1u);
	rv_chain_release(&c);
	cr_assert_eq(stats().held, 1u, "buffer recycled under a live view");
	char tmp[10];
	cr_assert_eq(rv_view_copy_out(&whole, 0, tmp, 10), 0);
	cr_assert(memcmp(tmp, "0123456789", 10) == 0);
	rv_view_release(&whole);
	assert_idle();
}

/* Views that are not contiguous are not merged: a gap, a reversed order,
 * and an overlap (the same bytes twice). */
Test(chain, no_merge_when_not_contiguous)
{
	rv_view whole, a, b, d, e, f;
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "abcdefghijklmnop", 16);
	cr_assert_eq(rv_view_slice(&whole, 0, 3, &a), 0);  /* abc */
	cr_assert_eq(rv_view_slice(&whole, 4, 3, &b), 0);  /* efg: gap */
	cr_assert_eq(rv_view_slice(&whole, 10, 2, &d), 0); /* kl */
	cr_assert_eq(rv_view_slice(&whole, 8, 2, &e), 0);  /* ij: before kl */
	f = rv_view_retain(&e);				   /* ij again */
	rv_view_release(&whole);

	rv_chain c = RV_CHAIN_INIT;
	append(&c, &a);
	append(&c, &b);
	cr_assert_eq(rv_chain_count(&c), 2u, "merged across a gap");
	append(&c, &d);
	append(&c, &e);
	cr_assert_eq(rv_chain_count(&c), 4u, "merged in reverse order");
	append(&c, &f);
	cr_assert_eq(rv_chain_count(&c), 5u, "merged overlapping views");
	assert_chain_is(&c, "abcefgklijij", 12);
	rv_chain_release(&c);
	assert_idle();
}

/* Two pool buffers that are neighbours in the arena: the tail of one and
 * the head of the next are contiguous in memory but belong to different
 * buffers, so they must not merge. */
Test(chain, no_merge_across_adjacent_buffers)
{
	rv_view all[BUF_COUNT];
	for (unsigned i = 0; i < BUF_COUNT; i++)
		cr_assert_eq(rv_pool_get(pool, &all[i]), 0);
	int lo = -1, hi = -1;
	for (unsigned i = 0; i < BUF_COUNT && lo < 0; i++)
		for (unsigned j = 0; j < BUF_COUNT; j++)
			if (all[i].data + all[i].len == all[j].data) {
				lo = (int)i;
				hi = (int)j;
				break;
			}
	if (lo < 0) {
		for (unsigned i = 0; i < BUF_COUNT; i++)
			rv_view_release(&all[i]);
		cr_skip_test("no two pool buffers are adjacent in memory");
	}
	rv_view tail, head;
	cr_assert_eq(rv_view_slice(&all[lo], all[lo].len - 4, 4, &tail), 0);
	cr_assert_eq(rv_view_slice(&all[hi], 0, 4, &head), 0);
	memcpy(rv_view_mut(&tail), "TAIL", 4);
	memcpy(rv_view_mut(&head), "HEAD", 4);
	for (unsigned i = 0; i < BUF_COUNT; i++)
		rv_view_release(&all[i]);
	cr_assert_eq(stats().held, 2u);

	rv_chain c = RV_CHAIN_INIT;
	append(&c, &tail);
	append(&c, &head);
	cr_assert_eq(rv_chain_count(&c), 2u,
		     "views of two different buffers were merged");
	assert_chain_is(&c, "TAILHEAD", 8);
	rv_chain_release(&c);
	assert_idle();
}

/* Two wraps of neighbouring halves of one array are different buffers:
 * no merge, and each free callback runs once. */
Test(chain, no_merge_across_wraps)
{
	static char arr[] = "leftright";
	rv_view l, r;
	cr_assert_eq(rv_view_wrap_const(arr, 4, &l), 0);
	cr_assert_eq(rv_view_wrap_const(arr + 4, 5, &r), 0);
	rv_chain c = RV_CHAIN_INIT;
	append(&c, &l);
	append(&c, &r);
	cr_assert_eq(rv_chain_count(&c), 2u, "two wrapped buffers merged");
	assert_chain_is(&c, "leftright", 9);
	rv_chain_release(&c);
	assert_idle();
}

/* A read-only view next to a writable one of the same buffer is not
 * merged (either order): merging would change one side's access. Two
 * read-only neighbours merge and stay read-only. */
Test(chain, no_merge_readonly_with_writable)
{
	rv_view whole, a, b, d, e, f, g;
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "abcdefghijklmnopqrstuvwx", 24);
	cr_assert_eq(rv_view_slice(&whole, 0, 4, &a), 0);
	cr_assert_eq(rv_view_slice(&whole, 4, 4, &b), 0);
	cr_assert_eq(rv_view_slice(&whole, 8, 4, &d), 0);
	cr_assert_eq(rv_view_slice(&whole, 12, 4, &e), 0);
	cr_assert_eq(rv_view_slice(&whole, 16, 4, &f), 0);
	cr_assert_eq(rv_view_slice(&whole, 20, 4, &g), 0);
	rv_view_release(&whole);
	rv_view_readonly(&b);
	rv_view_readonly(&e);
	rv_view_readonly(&f);

	rv_chain c = RV_CHAIN_INIT;
	append(&c, &a); /* writable */
	append(&c, &b); /* read-only after writable */
	cr_assert_eq(rv_chain_count(&c), 2u, "read-only merged into writable");
	append(&c, &d); /* writable after read-only */
	cr_assert_eq(rv_chain_count(&c), 3u, "writable merged into read-only");
	cr_assert_not_null(rv_view_mut(rv_chain_at(&c, 0)));
	cr_assert_null(rv_view_mut(rv_chain_at(&c, 1)));
	cr_assert_not_null(rv_view_mut(rv_chain_at(&c, 2)));

	rv_chain ro = RV_CHAIN_INIT;
	append(&ro, &e);
	append(&ro, &f);
	cr_assert_eq(rv_chain_count(&ro), 1u,
		     "read-only neighbours not merged");
	cr_assert(rv_view_is_readonly(rv_chain_at(&ro, 0)),
		  "merging lost the read-only flag");
	append(&ro, &g); /* writable after read-only */
	cr_assert_eq(rv_chain_count(&ro), 2u);
	assert_chain_is(&c, "abcdefghijkl", 12);
	assert_chain_is(&ro, "mnopqrstuvwx", 12);
	rv_chain_release(&c);
	rv_chain_release(&ro);
	assert_idle();
}

/* ---- append_chain and at ------------------------------------------- */

/* append_chain moves every view of src to the end of dst and empties src. */
Test(chain, append_chain_moves_all)
{
	rv_chain dst = RV_CHAIN_INIT, src = RV_CHAIN_INIT,
		 empty = RV_CHAIN_INIT;
	rv_view v;
	v = piece("ab", 2, 1), append(&dst, &v);
	v = piece("cde", 3, 2), append(&dst, &v);
	v = piece("fghi", 4, 3), append(&src, &v);
	v = piece("j", 1, 4), append(&src, &v);
	v = piece("kl", 2, 5), append(&src, &v);

	cr_assert_eq(rv_chain_append_chain(&dst, &src), 0);
	cr_assert_eq(rv_chain_len(&src), 0u);
	cr_assert_eq(rv_chain_count(&src), 0u);
	cr_assert_eq(rv_chain_count(&dst), 5u);
	assert_chain_is(&dst, "abcdefghijkl", 12);
	cr_assert_eq(stats().held, 5u);

	/* Appending an empty chain changes nothing; into an empty one moves. */
	cr_assert_eq(rv_chain_append_chain(&dst, &empty), 0);
	assert_chain_is(&dst, "abcdefghijkl", 12);
	cr_assert_eq(rv_chain_append_chain(&src, &dst), 0);
	assert_chain_is(&src, "abcdefghijkl", 12);
	cr_assert_eq(rv_chain_len(&dst), 0u);

	rv_chain_release(&src); /* src reused after it was emptied */
	rv_chain_release(&dst);
	assert_idle();
}

/* append_chain merges the junction when dst's last view and src's first
 * are contiguous in one buffer, and the merged view accounts right. */
Test(chain, append_chain_merges_junction)
{
	rv_view whole, a, b, d;
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "abcdefghij", 10);
	cr_assert_eq(rv_view_slice(&whole, 0, 4, &a), 0);
	cr_assert_eq(rv_view_slice(&whole, 4, 3, &b), 0);
	rv_view_release(&whole);
	d = piece("XYZ", 3, 2);
	rv_chain dst = RV_CHAIN_INIT, src = RV_CHAIN_INIT;
	append(&dst, &a);
	append(&src, &b);
	append(&src, &d);
	cr_assert_eq(rv_chain_append_chain(&dst, &src), 0);
	cr_assert_eq(rv_chain_count(&dst), 2u, "junction not merged");
	assert_chain_is(&dst, "abcdefgXYZ", 10);
	cr_assert_eq(stats().held, 2u);
	rv_chain_release(&src);
	rv_chain_release(&dst);
	cr_assert_eq(stats().recycles, s0.recycles + 2);
	assert_idle();
}

/* take into an |out| whose last view continues in the same buffer merges
 * there, and both chains still give the buffer back exactly once. */
Test(chain, take_merges_into_out)
{
	rv_view whole, a, b;
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_pool_get(pool, &whole), 0);
	memcpy(rv_view_mut(&whole), "0123456789", 10);
	cr_assert_eq(rv_view_slice(&whole, 0, 4, &a), 0);
	cr_assert_eq(rv_view_slice(&whole, 4, 6, &b), 0);
	rv_view_release(&whole);
	rv_chain c = RV_CHAIN_INIT, out = RV_CHAIN_INIT;
	append(&out, &a);
	append(&c, &b);
	cr_assert_eq(rv_chain_take(&c, 2, &out), 0);
	cr_assert_eq(rv_chain_count(&out), 1u, "contiguous take not merged");
	assert_chain_is(&out, "012345", 6);
	assert_chain_is(&c, "6789", 4);
	rv_chain_release(&out);
	cr_assert_eq(stats().held, 1u);
	cr_assert(rv_view_eq(rv_chain_at(&c, 0), "6789", 4));
	rv_chain_release(&c);
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	assert_idle();
}

/* Appending a stale copy of a view (its buffer was recycled) aborts
 * instead of storing a dangling reference. */
Test(chain, append_stale_view_aborts, .signal = SIGABRT)
{
	rv_view v = piece("stale", 5, 0);
	rv_view copy = v;
	rv_view_release(&v); /* recycled: |copy| is stale now */
	rv_chain c = RV_CHAIN_INIT;
	rv_chain_append(&c, &copy);
	cr_assert_fail("append of a stale view returned");
}

/* rv_chain_at walks the views in order, NULL past the end, and follows
 * the head as views are popped. */
Test(chain, at_indexes_views)
{
	rv_chain c = RV_CHAIN_INIT;
	cr_assert_null(rv_chain_at(&c, 0));
	const uint8_t *ptrs[4];
	const char *parts[4] = {"one", "two", "three", "four"};
	for (int i = 0; i < 4; i++) {
		rv_view v = piece(parts[i], strlen(parts[i]), (size_t)i);
		ptrs[i] = v.data;
		append(&c, &v);
	}
	for (uint32_t i = 0; i < 4; i++) {
		cr_assert_eq(rv_chain_at(&c, i)->data, ptrs[i]);
		cr_assert_eq(rv_chain_at(&c, i)->len, strlen(parts[i]));
	}
	cr_assert_null(rv_chain_at(&c, 4));
	cr_assert_null(rv_chain_at(&c, UINT32_MAX));
	rv_view v;
	cr_assert_eq(rv_chain_pop(&c, &v), 0);
	cr_assert_eq(rv_chain_at(&c, 0)->data, ptrs[1]);
	cr_assert_null(rv_chain_at(&c, 3));
	rv_view_release(&v);
	rv_chain_release(&c);
	assert_idle();
}

/* ---- find ----------------------------------------------------------- */

struct needles {
	const char *const *list;
	int n;
};

static void check_find(const uint8_t *msg, size_t len, const size_t *cuts,
		       unsigned nc, void *arg)
{
	const struct needles *nd = arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	for (int k = 0; k < nd->n; k++) {
		const char *needle = nd->list[k];
		size_t nlen = strlen(needle);
		for (size_t from = 0; from <= len; from++) {
			ssize_t want = ref_find(msg, len, from, needle, nlen);
			ssize_t got = rv_chain_find(&c, from, needle, nlen);
			cr_assert_eq(got, want,
				     "find \"%s\" from %zu, cuts %zu/%zu: got "
				     "%zd want %zd",
				     needle, from, cuts[0],
				     nc > 1 ? cuts[1] : len, got, want);
		}
		cr_assert_lt(rv_chain_find(&c, len + 1, needle, nlen), 0);
		cr_assert_lt(rv_chain_find(&c, SIZE_MAX, needle, nlen), 0);
	}
	/* The whole message, and a needle longer than the chain. */
	cr_assert_eq(rv_chain_find(&c, 0, msg, len), 0);
	uint8_t longer[128];
	memcpy(longer, msg, len);
	longer[len] = msg[len - 1];
	cr_assert_eq(rv_chain_find(&c, 0, longer, len + 1), -ENOENT);
	rv_chain_release(&c);
	assert_idle();
}

static const char *const http_needles[] = {
	"\r\n\r\n",  "\r\n",	"\r", "body",	"HTTP/1.1\r\nHost",
	"\r\n\r\nX", "Host: y", "G",  "\n\r\n",
};
static const char *const partial_needles[] = {
	"\r\n\r\n", "\r\n\r\r", "\r\n\r\nc", "\r\r\n\r\n", "b\r\n\r\r",
};
static const char *const aab_needles[] = {"aab",    "aaab", "ab",
					  "aaaaab", "ba",   "abaaab"};

#define NEEDLES(arr) \
	(&(struct needles){arr, (int)(sizeof(arr) / sizeof(arr[0]))})

/* find across a seam: the HTTP message cut into 2 buffers at every point,
 * every needle from every start offset, against a flat reference. */
Test(chain, find_two_buffers_every_cut)
{
	for_each_split(S(http_msg), 1, check_find, NEEDLES(http_needles));
	assert_idle();
}

/* The same with 3 buffers: every pair of cut points. */
Test(chain, find_three_buffers_every_cut, .timeout = 60)
{
	for_each_split(S(http_msg), 2, check_find, NEEDLES(http_needles));
	assert_idle();
}

/* Partial matches that straddle seams must not hide a real match. */
Test(chain, find_partial_matches_every_cut)
{
	for_each_split(S(partial_msg), 2, check_find, NEEDLES(partial_needles));
	for_each_split(S(aab_msg), 2, check_find, NEEDLES(aab_needles));
	assert_idle();
}

/* An empty needle matches at |from|; on an empty chain nothing else
 * matches. */
Test(chain, find_empty_needle_and_empty_chain)
{
	rv_chain c = RV_CHAIN_INIT;
	cr_assert_eq(rv_chain_find(&c, 0, "x", 1), -ENOENT);
	cr_assert_eq(rv_chain_find_byte(&c, 0, 'x'), -ENOENT);
	cr_assert_eq(rv_chain_find(&c, 0, "", 0), 0);
	size_t cuts[2] = {3, 7};
	build_split(&c, S("0123456789"), cuts, 2);
	for (size_t from = 0; from <= 10; from++)
		cr_assert_eq(rv_chain_find(&c, from, "", 0), (ssize_t)from);
	cr_assert_eq(rv_chain_find(&c, 0, "0123456789", 10), 0);
	cr_assert_eq(rv_chain_find(&c, 1, "0123456789", 10), -ENOENT);
	cr_assert_eq(rv_chain_find(&c, 0, "0123456789A", 11), -ENOENT);
	rv_chain_release(&c);
	assert_idle();
}

static void check_find_byte(const uint8_t *msg, size_t len, const size_t *cuts,
			    unsigned nc, void *arg)
{
	(void)arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	static const uint8_t bytes[] = {'\r', '\n', 'G', 'y', 'b', 0, POISON};
	for (size_t k = 0; k < sizeof(bytes); k++)
		for (size_t from = 0; from <= len; from++) {
			ssize_t want = ref_find(msg, len, from, &bytes[k], 1);
			ssize_t got = rv_chain_find_byte(&c, from, bytes[k]);
			cr_assert_eq(
				got, want,
				"find_byte 0x%02x from %zu: got %zd want %zd",
				bytes[k], from, got, want);
		}
	cr_assert_lt(rv_chain_find_byte(&c, len + 1, 'G'), 0);
	rv_chain_release(&c);
}

/* find_byte across 2 and 3 buffers at every cut, from every offset; the
 * poison bytes around each part are never found. */
Test(chain, find_byte_every_cut)
{
	for_each_split(S(http_msg), 1, check_find_byte, NULL);
	for_each_split(S(http_msg), 2, check_find_byte, NULL);
	assert_idle();
}

/* ---- lifetime ------------------------------------------------------- */

/* Releasing a chain while views of its buffers are retained elsewhere
 * keeps exactly those buffers held, with their bytes intact, until the
 * other views are released too. */
Test(chain, release_keeps_retained_buffers)
{
	rv_chain c;
	size_t cuts[2] = {4, 9};
	struct rv_pool_stats s0 = stats();
	build_split(&c, S("headmiddletail"), cuts, 2);
	rv_view mid = rv_view_retain(rv_chain_at(&c, 1));
	rv_view tail;
	cr_assert_eq(rv_view_slice(rv_chain_at(&c, 2), 1, 3, &tail), 0);
	rv_chain_release(&c);
	cr_assert_eq(stats().held, 2u);
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	cr_assert(rv_view_eq(&mid, "middl", 5));
	cr_assert(rv_view_eq(&tail, "tai", 3));
	rv_view_release(&mid);
	cr_assert_eq(stats().held, 1u);
	rv_view_release(&tail);
	cr_assert_eq(stats().recycles, s0.recycles + 3);
	assert_idle();
}

/* A chain of 1000 one-byte views (none mergeable) grows its storage, also
 * while its ring has wrapped, and keeps order through find, take, pullup
 * and consume. */
Test(chain, thousand_views)
{
	enum { N = 1000, NB = 40, PER = N / NB };
	static uint8_t want[N];
	rv_view whole[NB];
	rv_view small[N];
	for (unsigned b = 0; b < NB; b++) {
		cr_assert_eq(rv_pool_get(pool, &whole[b]), 0);
		memset(rv_view_mut(&whole[b]), POISON, whole[b].len);
	}
	/* View i is one byte of buffer i % NB, every other byte, so no two
	 * neighbours in the chain are contiguous. */
	for (unsigned i = 0; i < N; i++) {
		uint8_t val = (uint8_t)(i * 131u + 7u);
		size_t off = 2 * (i / NB);
		cr_assert_eq(rv_view_write(&whole[i % NB], off, &val, 1), 0);
		cr_assert_eq(rv_view_slice(&whole[i % NB], off, 1, &small[i]),
			     0);
	}
	for (unsigned b = 0; b < NB; b++)
		rv_view_release(&whole[b]);

	/* 16 views, then rotate 8 so the ring's head is not slot 0, then
	 * grow it to 1000 views. */
	rv_chain c = RV_CHAIN_INIT;
	for (unsigned i = 0; i < 16; i++)
		append(&c, &small[i]);
	for (unsigned i = 0; i < 8; i++) {
		rv_view v;
		cr_assert_eq(rv_chain_pop(&c, &v), 0);
		append(&c, &v);
	}
	for (unsigned i = 16; i < N; i++)
		append(&c, &small[i]);
	for (unsigned i = 0; i < N; i++) {
		unsigned src = i < 8 ? i + 8 : i < 16 ? i - 8 : i;
		want[i] = (uint8_t)(src * 131u + 7u);
	}
	cr_assert_eq(rv_chain_count(&c), (uint32_t)N);
	assert_chain_is(&c, want, N);
	cr_assert_eq(stats().held, (uint32_t)NB);
	assert_live(N, "1000 views");

	cr_assert_eq(rv_chain_find(&c, 0, want + 700, 5),
		     ref_find(want, N, 0, want + 700, 5));
	cr_assert_eq(rv_chain_find_byte(&c, 990, want[995]),
		     ref_find(want, N, 990, want + 995, 1));

	rv_chain out = RV_CHAIN_INIT;
	cr_assert_eq(rv_chain_take(&c, 333, &out), 0);
	assert_chain_is(&out, want, 333);
	assert_chain_is(&c, want + 333, N - 333);
	rv_view p;
	cr_assert_eq(rv_chain_pullup(&c, 100, &p), 0);
	cr_assert(rv_view_eq(&p, want + 333, 100));
	assert_chain_is(&c, want + 333, N - 333);
	cr_assert_eq(rv_chain_consume(&c, 600), 0);
	assert_chain_is(&c, want + 933, N - 933);
	rv_view_release(&p);
	rv_chain_release(&c);
	rv_chain_release(&out);
	assert_idle();
}

/* ---- fan-out ---------------------------------------------------------- */

/* One chain retained into two others: the same bytes, three owners; the
 * buffers go back only when the last of them lets go. */
Test(chain, retain_for_fan_out)
{
	rv_chain src = RV_CHAIN_INIT, a = RV_CHAIN_INIT, b = RV_CHAIN_INIT;
	rv_view x = piece("hello ", 6, 1), y = piece("world", 5, 2);
	char out[16] = {0};

	cr_assert_eq(rv_chain_append(&src, &x), 0);
	cr_assert_eq(rv_chain_append(&src, &y), 0);
	cr_assert_eq(rv_chain_retain(&src, &a), 0);
	cr_assert_eq(rv_chain_retain(&src, &b), 0);
	cr_assert_eq(rv_chain_retain(&src, &src), -EINVAL);
	cr_assert_eq(rv_chain_len(&a), 11);
	cr_assert_eq(rv_chain_copy_out(&b, 0, out, 11), 0);
	cr_assert_str_eq(out, "hello world");
	cr_assert_eq(rv_chain_at(&a, 0)->data, rv_chain_at(&src, 0)->data,
		     "no copy");
	rv_chain_release(&src);
	rv_chain_release(&a);
	cr_assert_eq(stats().free, BUF_COUNT - 2, "b still holds both");
	rv_chain_release(&b);
	assert_idle();
}
