/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_view_compact.c - views moved out of their receive buffers:
 * rv_view_compact (into the small-object arena) and rv_view_detach (any
 * size), so that a view kept for long pins no buffer; and comparing views
 * without case.
 *
 * Every test that makes a pool ends with pool_down() (free == total, no
 * small chunk held, the pool destroyed).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <ringview/ringview.h>

#include "core_util.h"

#define BUF_COUNT VIEW_BUF_COUNT

/* ---- compaction ----------------------------------------------------- */

/* A small view is copied out and its receive buffer recycled; the copy keeps
 * the bytes and the writable flag. */
Test(view, compact_small_view, .init = view_setup)
{
	rv_view v = get_buf(), s;
	struct rv_pool_stats s0;
	uint8_t expect[100];

	cr_assert_eq(rv_view_slice(&v, 200, 100, &s), 0);
	rv_view_release(&v);
	memcpy(expect, s.data, 100);
	s0 = stats();
	cr_assert_eq(s0.free, BUF_COUNT - 1);
	cr_assert_eq(s0.pinned, 1);
	cr_assert_eq(rv_view_compact(&s), 0);
	cr_assert_eq(s.len, 100);
	cr_assert(rv_view_eq(&s, expect, 100));
	cr_assert_eq(stats().free, BUF_COUNT, "receive buffer recycled");
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	cr_assert_eq(stats().small_held, 1);
	cr_assert_eq(stats().pinned, 0);
	cr_assert_geq(stats().bytes_copied, s0.bytes_copied + 100);
	cr_assert(!rv_view_is_readonly(&s));
	cr_assert_not_null(rv_view_mut(&s));
	cr_assert_eq(rv_view_write(&s, 0, "Z", 1), 0);
	cr_assert_eq(s.data[0], 'Z');
	/* all pool buffers are usable again, and do not alias the copy */
	{
		rv_view all[BUF_COUNT];
		for (unsigned i = 0; i < BUF_COUNT; i++) {
			all[i] = get_buf();
			cr_assert(s.data + s.len <= all[i].data ||
				  s.data >= all[i].data + all[i].len);
		}
		cr_assert_eq(s.data[1], expect[1]);
		for (unsigned i = 0; i < BUF_COUNT; i++)
			rv_view_release(&all[i]);
	}
	rv_view_release(&s);
	cr_assert_eq(stats().small_held, 0);
	pool_down();
}

/* Compaction keeps the read-only flag. */
Test(view, compact_keeps_readonly, .init = view_setup)
{
	rv_view v = get_buf();

	cr_assert_eq(rv_view_truncate(&v, 33), 0);
	rv_view_readonly(&v);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert(rv_view_is_readonly(&v));
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, "x", 1), -EPERM);
	cr_assert_eq(v.data[32], byte_pattern(32));
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&v);
	pool_down();
}

/* Views up to RV_COMPACT_MAX compact; one byte more is -EMSGSIZE and
 * nothing changes. */
Test(view, compact_size_limit, .init = view_setup)
{
	rv_view v = get_buf(), big, ok, before;
	struct rv_pool_stats s0;

	cr_assert_eq(rv_view_slice(&v, 1, RV_COMPACT_MAX + 1, &big), 0);
	cr_assert_eq(rv_view_slice(&v, 1, RV_COMPACT_MAX, &ok), 0);
	rv_view_release(&v);
	before = big;
	s0 = stats();
	cr_assert_eq(rv_view_compact(&big), -EMSGSIZE);
	cr_assert_eq(memcmp(&big, &before, sizeof(big)), 0);
	cr_assert_eq(stats().compactions, s0.compactions);
	cr_assert_eq(stats().small_held, 0);
	cr_assert_eq(rv_view_compact(&ok), 0);
	cr_assert_eq(ok.len, RV_COMPACT_MAX);
	cr_assert_eq(ok.data[RV_COMPACT_MAX - 1], byte_pattern(RV_COMPACT_MAX));
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	cr_assert_eq(stats().free, BUF_COUNT - 1, "big still holds it");
	rv_view_release(&big);
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&ok);
	pool_down();
}

/* Compacting one of several views of a buffer leaves the others valid. */
Test(view, compact_shared_buffer, .init = view_setup)
{
	rv_view v = get_buf(), s;

	cr_assert_eq(rv_view_slice(&v, 0, 16, &s), 0);
	cr_assert_eq(rv_view_compact(&s), 0);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(stats().recycles, 0);
	cr_assert_eq(v.data[3], byte_pattern(3));
	cr_assert_eq(s.data[3], byte_pattern(3));
	cr_assert_neq(s.data, v.data);
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	cr_assert_eq(s.data[15], byte_pattern(15));
	rv_view_release(&s);
	pool_down();
}

/* Views of a compacted chunk are counted: the chunk lives until the last. */
Test(view, compacted_view_slices_and_retains, .init = view_setup)
{
	rv_view v = get_buf(), s, r;

	cr_assert_eq(rv_view_truncate(&v, 64), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert_eq(rv_view_slice(&v, 60, 4, &s), 0);
	r = rv_view_retain(&v);
	rv_view_release(&v);
	rv_view_release(&r);
	cr_assert_eq(stats().small_held, 1);
	cr_assert_eq(s.data[0], byte_pattern(60));
	cr_assert_eq(rv_view_compact(&s), 0, "already compact: left alone");
	cr_assert_eq(stats().compactions, 1);
	rv_view_release(&s);
	cr_assert_eq(stats().small_held, 0);
	pool_down();
}

/* Wrapped and cleared views pin no receive buffer: compact leaves them
 * alone and returns 0. */
Test(view, compact_leaves_non_pool_views_alone, .init = view_setup)
{
	char *block = malloc(64);
	rv_view w, before, c = RV_VIEW_INIT;

	memset(block, 'q', 64);
	cr_assert_eq(rv_view_wrap(block, 64, record_free, NULL, &w), 0);
	before = w;
	cr_assert_eq(rv_view_compact(&w), 0);
	cr_assert_eq(memcmp(&w, &before, sizeof(w)), 0);
	cr_assert_eq(g_freed.calls, 0);
	cr_assert_eq(stats().compactions, 0);
	cr_assert_eq(rv_view_compact(&c), 0);
	cr_assert(rv_view_is_null(&c) && c.len == 0);
	rv_view_release(&w);
	cr_assert_eq(g_freed.calls, 1);
	pool_down();
}

/* An empty view of a pool buffer compacts too, releasing the buffer. */
Test(view, compact_empty_view, .init = view_setup)
{
	rv_view v = get_buf();

	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&v);
	pool_down();
}

/* ---- detaching any size ----------------------------------------------- */

/* A view larger than the small arena's classes gets memory of its own:
 * the receive buffer goes back, the bytes stay, the flags too. */
Test(view, detach_large_view, .init = view_setup)
{
	rv_view v = get_buf(), big;
	struct rv_pool_stats s0;
	uint8_t expect[3000];

	cr_assert_eq(rv_view_slice(&v, 100, sizeof(expect), &big), 0);
	rv_view_release(&v);
	rv_view_readonly(&big);
	memcpy(expect, big.data, sizeof(expect));
	s0 = stats();
	cr_assert_eq(s0.free, BUF_COUNT - 1);
	cr_assert_eq(rv_view_detach(&big), 0);
	cr_assert_eq(stats().free, BUF_COUNT, "the receive buffer is back");
	cr_assert_eq(big.len, sizeof(expect));
	cr_assert(rv_view_eq(&big, expect, sizeof(expect)));
	cr_assert(rv_view_is_readonly(&big));
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	cr_assert_eq(stats().bytes_copied, s0.bytes_copied + sizeof(expect));
	cr_assert_eq(stats().small_held, 0, "not the small arena's");
	cr_assert_eq(rv_view_detach(&big), 0,
		     "a copy pins nothing: left alone");
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	rv_view_release(&big);
	pool_down();
}

/* Small views detach into the small arena, as rv_view_compact. */
Test(view, detach_small_view, .init = view_setup)
{
	rv_view v = get_buf(), s;

	cr_assert_eq(rv_view_slice(&v, 7, 100, &s), 0);
	rv_view_release(&v);
	cr_assert_eq(rv_view_detach(&s), 0);
	cr_assert_eq(stats().small_held, 1);
	cr_assert_eq(stats().free, BUF_COUNT);
	cr_assert_eq(s.data[0], byte_pattern(7));
	rv_view_release(&s);
	pool_down();
}

Test(view, eq_nocase)
{
	rv_view v;

	cr_assert_eq(rv_view_wrap_const("Content-Length", 14, &v), 0);
	cr_assert(rv_view_eq_nocase(&v, "content-length", 14));
	cr_assert(rv_view_eq_nocase(&v, "CONTENT-LENGTH", 14));
	cr_assert_not(rv_view_eq_nocase(&v, "content_length", 14),
		      "only letters fold");
	cr_assert_not(rv_view_eq_nocase(&v, "content-lengt", 13));
	cr_assert_not(rv_view_eq(&v, "content-length", 14));
	rv_view_release(&v);
	cr_assert_eq(rv_view_wrap_const("\xc9t\xe9", 3, &v), 0);
	cr_assert_not(rv_view_eq_nocase(&v, "\xe9t\xe9", 3),
		      "bytes above 127 compare as they are");
	rv_view_release(&v);
}
