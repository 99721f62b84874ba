/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_view.c - views: references, bounds, read-only and wrapping.
 * Reads are in test_view_read.c, stale-view detection in
 * test_view_stale.c, compaction and detaching in test_view_compact.c.
 *
 * Every test that makes a pool ends with pool_down(), which checks the
 * invariant free == total (and no small chunk held) and that the pool can
 * be destroyed.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ringview/ringview.h>

#include "core_util.h"

#define BUF_SIZE  VIEW_BUF_SIZE
#define BUF_COUNT VIEW_BUF_COUNT

/* ---- helpers ------------------------------------------------------- */

/* A view struct filled with junk, to check outputs are left untouched. */
static rv_view junk_view(void)
{
	rv_view v;
	memset(&v, 0xA5, sizeof(v));
	return v;
}

static bool is_junk(const rv_view *v)
{
	rv_view j = junk_view();
	return memcmp(v, &j, sizeof(j)) == 0;
}

static bool is_cleared(const rv_view *v)
{
	return v->data == NULL && v->len == 0 && rv_view_is_null(v) &&
	       v->_gen == 0 && v->_flags == 0;
}

/* ---- slice ---------------------------------------------------------- */

/* A slice takes one reference: the buffer outlives the original view. */
Test(view, slice_takes_a_reference, .init = view_setup)
{
	rv_view v = get_buf(), s = junk_view();
	struct rv_pool_stats s0 = stats();

	cr_assert_eq(s0.free, BUF_COUNT - 1);
	cr_assert_eq(s0.held, 1);
	cr_assert_eq(rv_view_slice(&v, 10, 20, &s), 0);
	cr_assert_eq(stats().held, 1, "a slice does not take a new buffer");
	rv_view_release(&v);
	cr_assert_eq(stats().free, s0.free, "slice still holds the buffer");
	cr_assert_eq(stats().recycles, s0.recycles);
	for (size_t i = 0; i < 20; i++)
		cr_assert_eq(s.data[i], byte_pattern(10 + i));
	rv_view_release(&s);
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* A slice points into the same bytes, at the right offset and length. */
Test(view, slice_shares_bytes, .init = view_setup)
{
	rv_view v = get_buf(), s, ss;

	cr_assert_eq(rv_view_slice(&v, 100, 50, &s), 0);
	cr_assert_eq(s.data, v.data + 100);
	cr_assert_eq(s.len, 50);
	cr_assert(!rv_view_is_readonly(&s));
	/* slice of a slice: offsets relative to the inner view */
	cr_assert_eq(rv_view_slice(&s, 5, 45, &ss), 0);
	cr_assert_eq(ss.data, v.data + 105);
	cr_assert_eq(ss.len, 45);
	rv_view_release(&v);
	rv_view_release(&s);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(ss.data[0], byte_pattern(105));
	rv_view_release(&ss);
	pool_down();
}

/* Every off/len combination (including overflowing ones) on a small view:
 * -ERANGE exactly when out of bounds, |out| untouched then. */
Test(view, slice_bounds_exhaustive, .init = view_setup)
{
	const size_t L = 8;
	size_t vals[64];
	rv_view v = get_buf();
	size_t nv;

	cr_assert_eq(rv_view_advance(&v, 3), 0);  /* buffer bytes before */
	cr_assert_eq(rv_view_truncate(&v, L), 0); /* and after the view */
	nv = edge_values(L, vals);
	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], len = vals[j];
			bool fits = off <= L && len <= L - off;
			rv_view out = junk_view();
			int rc = rv_view_slice(&v, off, len, &out);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE,
					     "off %zu len %zu: rc %d", off, len,
					     rc);
				cr_assert(is_junk(&out),
					  "off %zu len %zu: out touched", off,
					  len);
				continue;
			}
			cr_assert_eq(rc, 0, "off %zu len %zu: rc %d", off, len,
				     rc);
			cr_assert_eq(out.data, v.data + off);
			cr_assert_eq(out.len, len);
			rv_view_release(&out);
		}
	}
	cr_assert_eq(stats().held, 1);
	cr_assert_eq(stats().recycles, 0, "failed slices must not release");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* Bounds are those of the view, not of the buffer under it. */
Test(view, slice_bounds_are_view_relative, .init = view_setup)
{
	rv_view v = get_buf(), out = junk_view();

	cr_assert_eq(rv_view_truncate(&v, 100), 0);
	cr_assert_eq(rv_view_slice(&v, 0, 101, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 100, 1, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 101, 0, &out), -ERANGE);
	cr_assert(is_junk(&out));
	cr_assert_eq(rv_view_advance(&v, 90), 0);
	cr_assert_eq(rv_view_slice(&v, 0, 11, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 10, 0, &out), 0);
	cr_assert_eq(out.data, v.data + 10);
	rv_view_release(&out);
	rv_view_release(&v);
	pool_down();
}

/* Slicing a cleared view (never set, or released) is -EINVAL. */
Test(view, slice_of_cleared_view_is_einval, .init = view_setup)
{
	rv_view c = RV_VIEW_INIT, out = junk_view();

	cr_assert_eq(rv_view_slice(&c, 0, 0, &out), -EINVAL);
	cr_assert(is_junk(&out));
	c = get_buf();
	rv_view_release(&c);
	cr_assert_eq(rv_view_slice(&c, 0, 0, &out), -EINVAL);
	cr_assert_eq(rv_view_slice(&c, 0, 1, &out), -EINVAL);
	cr_assert(is_junk(&out));
	pool_down();
}

/* ---- retain / release ---------------------------------------------- */

/* retain returns another owner of the same bytes (+1 reference). */
Test(view, retain_takes_a_reference, .init = view_setup)
{
	rv_view v = get_buf();
	rv_view r = rv_view_retain(&v);
	rv_view r2 = rv_view_retain(&r);

	cr_assert_eq(r.data, v.data);
	cr_assert_eq(r.len, v.len);
	rv_view_release(&v);
	rv_view_release(&r);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(stats().recycles, 0);
	cr_assert_eq(r2.data[7], byte_pattern(7));
	rv_view_release(&r2);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* Retaining a cleared view gives a cleared view. */
Test(view, retain_of_cleared_is_cleared)
{
	rv_view c = RV_VIEW_INIT;
	rv_view r = rv_view_retain(&c);
	cr_assert(is_cleared(&r));
	rv_view_release(&r);
	cr_assert(is_cleared(&r));
}

/* release clears the view; releasing the cleared view again is a no-op. */
Test(view, release_clears_and_second_release_is_noop, .init = view_setup)
{
	rv_view v = get_buf();
	struct rv_pool_stats s;

	rv_view_release(&v);
	cr_assert(is_cleared(&v));
	s = stats();
	cr_assert_eq(s.recycles, 1);
	rv_view_release(&v);
	rv_view_release(&v);
	cr_assert(is_cleared(&v));
	cr_assert_eq(stats().recycles, s.recycles);
	cr_assert_eq(stats().free, s.free);
	pool_down();
}

static int next_perm(int *a, int n)
{
	int i = n - 2, j = n - 1, t;
	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	while (a[j] <= a[i])
		j--;
	t = a[i], a[i] = a[j], a[j] = t;
	for (int l = i + 1, r = n - 1; l < r; l++, r--)
		t = a[l], a[l] = a[r], a[r] = t;
	return 1;
}

/* Make N views (N = 1..5, by get/retain/slice/split_to/slice-of-slice) of
 * one buffer and release them in every order; check the buffer is recycled
 * exactly once, at the last release. Returns the number of orders run. */
static unsigned release_every_order(void)
{
	unsigned runs = 0;

	for (int n = 1; n <= 5; n++) {
		int perm[5] = {0, 1, 2, 3, 4};
		do {
			rv_view v[5];
			struct rv_pool_stats s0, s;

			v[0] = get_buf();
			if (n > 1)
				v[1] = rv_view_retain(&v[0]);
			if (n > 2)
				cr_assert_eq(rv_view_slice(&v[0], 7, 30, &v[2]),
					     0);
			if (n > 3)
				cr_assert_eq(rv_view_split_to(&v[0], 5, &v[3]),
					     0);
			if (n > 4)
				cr_assert_eq(rv_view_slice(&v[2], 1, 2, &v[4]),
					     0);
			s0 = stats();
			cr_assert_eq(s0.held, 1);
			for (int k = 0; k < n - 1; k++) {
				rv_view_release(&v[perm[k]]);
				cr_assert(is_cleared(&v[perm[k]]));
				s = stats();
				cr_assert_eq(s.free, s0.free,
					     "n=%d step %d: recycled early", n,
					     k);
				cr_assert_eq(s.recycles, s0.recycles);
			}
			rv_view_release(&v[perm[n - 1]]);
			s = stats();
			cr_assert_eq(s.free, s0.free + 1, "n=%d: not recycled",
				     n);
			cr_assert_eq(s.recycles, s0.recycles + 1);
			/* all cleared now: releasing again is a no-op */
			for (int k = 0; k < n; k++)
				rv_view_release(&v[k]);
			cr_assert_eq(stats().recycles, s0.recycles + 1);
			runs++;
		} while (next_perm(perm, n));
	}
	return runs;
}

/* N views of a buffer released in every order (N = 1..5), with and without
 * reference-site tracking: recycled exactly once, and only at the last. */
Test(view, release_order_every_permutation)
{
	const uint32_t modes[] = {RV_POOL_TRACK_REFS, RV_POOL_NO_TRACK_REFS};

	for (int m = 0; m < 2; m++) {
		unsigned runs;
		pool_up_flags(BUF_COUNT, BUF_SIZE, modes[m]);
		cr_assert_eq(stats().tracking, m == 0);
		runs = release_every_order();
		cr_assert_eq(runs, 1 + 2 + 6 + 24 + 120);
		cr_assert_eq(stats().recycles, runs);
		pool_down();
	}
}

/* ---- split_to / advance / truncate --------------------------------- */

/* split_to: head gets the first n bytes and a new reference; v the rest. */
Test(view, split_to_moves_head, .init = view_setup)
{
	rv_view v = get_buf(), head = junk_view();
	const uint8_t *base = v.data;

	cr_assert_eq(rv_view_split_to(&v, 10, &head), 0);
	cr_assert_eq(head.data, base);
	cr_assert_eq(head.len, 10);
	cr_assert_eq(v.data, base + 10);
	cr_assert_eq(v.len, BUF_SIZE - 10);
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 0, "head holds its own reference");
	cr_assert_eq(head.data[9], byte_pattern(9));
	rv_view_release(&head);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* split_to bounds: 0 and len work, len+1 and huge n are -ERANGE with both
 * views untouched. */
Test(view, split_to_bounds, .init = view_setup)
{
	rv_view v = get_buf(), head = junk_view(), before;

	cr_assert_eq(rv_view_truncate(&v, 16), 0);
	before = v;
	size_t bad[] = {17, 18, SIZE_MAX, SIZE_MAX - 15, (size_t)1 << 40};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rv_view_split_to(&v, bad[i], &head), -ERANGE,
			     "n = %zu", bad[i]);
		cr_assert(is_junk(&head));
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
	}
	cr_assert_eq(rv_view_split_to(&v, 0, &head), 0);
	cr_assert_eq(head.len, 0);
	cr_assert_eq(v.len, 16);
	rv_view_release(&head);
	head = junk_view();
	cr_assert_eq(rv_view_split_to(&v, 16, &head), 0);
	cr_assert_eq(head.len, 16);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(head.data[15], byte_pattern(15));
	rv_view_release(&head);
	cr_assert_eq(stats().recycles, 0, "empty rest still owns a reference");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* advance and truncate work in place and change no reference count. */
Test(view, advance_truncate_in_place_no_ref_change, .init = view_setup)
{
	rv_view v = get_buf();
	const uint8_t *base = v.data;

	cr_assert_eq(rv_view_advance(&v, 100), 0);
	cr_assert_eq(v.data, base + 100);
	cr_assert_eq(v.len, BUF_SIZE - 100);
	cr_assert_eq(rv_view_truncate(&v, 50), 0);
	cr_assert_eq(v.data, base + 100);
	cr_assert_eq(v.len, 50);
	cr_assert_eq(v.data[0], byte_pattern(100));
	cr_assert_eq(stats().held, 1);
	cr_assert_eq(stats().recycles, 0);
	rv_view_release(&v); /* the only reference: recycled now */
	cr_assert_eq(stats().recycles, 1);
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* advance/truncate bounds: n <= len works (down to empty), n > len is
 * -ERANGE and the view is unchanged. */
Test(view, advance_truncate_bounds, .init = view_setup)
{
	rv_view v = get_buf(), before;
	size_t bad[] = {11, 12, SIZE_MAX, SIZE_MAX - 9, (size_t)UINT32_MAX + 1};

	cr_assert_eq(rv_view_truncate(&v, 10), 0);
	before = v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rv_view_advance(&v, bad[i]), -ERANGE);
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
		cr_assert_eq(rv_view_truncate(&v, bad[i]), -ERANGE);
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
	}
	cr_assert_eq(rv_view_truncate(&v, 10), 0, "truncate to len is a no-op");
	cr_assert_eq(v.len, 10);
	cr_assert_eq(rv_view_advance(&v, 0), 0);
	cr_assert_eq(v.len, 10);
	cr_assert_eq(rv_view_advance(&v, 10), 0);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(rv_view_advance(&v, 1), -ERANGE);
	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	cr_assert(!rv_view_is_null(&v), "an empty view still holds its buffer");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* ---- read-only and memoryview semantics ---------------------------- */

/* A read-only view refuses writes: mut is NULL, write is -EPERM, bytes kept. */
Test(view, readonly_refuses_writes, .init = view_setup)
{
	rv_view v = get_buf();
	uint8_t x = 0xEE;

	cr_assert(!rv_view_is_readonly(&v));
	cr_assert_not_null(rv_view_mut(&v));
	rv_view_readonly(&v);
	cr_assert(rv_view_is_readonly(&v));
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, &x, 1), -EPERM);
	cr_assert_eq(rv_view_write(&v, 5, &x, 1), -EPERM);
	cr_assert_eq(v.data[0], byte_pattern(0));
	cr_assert_eq(v.data[5], byte_pattern(5));
	rv_view_release(&v);
	pool_down();
}

/* Slices, splits and retains of a read-only view are read-only; views made
 * before it was made read-only stay writable. */
Test(view, readonly_is_inherited, .init = view_setup)
{
	rv_view w = get_buf();
	rv_view ro = rv_view_retain(&w), s, h, r;

	rv_view_readonly(&ro);
	cr_assert(!rv_view_is_readonly(&w), "read-only is per view");
	cr_assert_eq(rv_view_slice(&ro, 1, 10, &s), 0);
	cr_assert(rv_view_is_readonly(&s));
	cr_assert_null(rv_view_mut(&s));
	cr_assert_eq(rv_view_write(&s, 0, "x", 1), -EPERM);
	cr_assert_eq(rv_view_split_to(&ro, 4, &h), 0);
	cr_assert(rv_view_is_readonly(&h));
	cr_assert(rv_view_is_readonly(&ro));
	r = rv_view_retain(&ro);
	cr_assert(rv_view_is_readonly(&r));
	rv_view_release(&s);
	rv_view_release(&h);
	rv_view_release(&r);
	rv_view_release(&ro);
	rv_view_release(&w);
	pool_down();
}

/* Writes through one view are seen by every other view of the buffer. */
Test(view, writes_visible_through_other_views, .init = view_setup)
{
	rv_view w = get_buf(), ro, s;

	cr_assert_eq(rv_view_slice(&w, 0, 64, &ro), 0);
	rv_view_readonly(&ro);
	cr_assert_eq(rv_view_slice(&w, 32, 32, &s), 0);
	cr_assert_eq(rv_view_write(&s, 0, "hello", 5), 0);
	cr_assert(memcmp(ro.data + 32, "hello", 5) == 0);
	cr_assert(memcmp(w.data + 32, "hello", 5) == 0);
	rv_view_mut(&w)[33] = 'E';
	cr_assert_eq(s.data[1], 'E');
	cr_assert_eq(ro.data[33], 'E');
	rv_view_release(&w);
	rv_view_release(&ro);
	rv_view_release(&s);
	pool_down();
}

/* ---- wrapping foreign memory --------------------------------------- */

/* A wrapped block is freed exactly once, with its own ptr/len/ctx, after the
 * last of several views (however they were advanced or sliced); the pool
 * is not involved. */
Test(view, wrap_free_called_once_after_last_view, .init = view_setup)
{
	static int token;
	char *block = malloc(100);
	rv_view v = junk_view(), r, s, h;

	cr_assert_not_null(block);
	memset(block, 'w', 100);
	cr_assert_eq(rv_view_wrap(block, 100, record_free, &token, &v), 0);
	cr_assert_eq(v.data, (uint8_t *)block);
	cr_assert_eq(v.len, 100);
	cr_assert(!rv_view_is_readonly(&v));
	cr_assert_not_null(rv_view_mut(&v));
	r = rv_view_retain(&v);
	cr_assert_eq(rv_view_slice(&v, 10, 20, &s), 0);
	cr_assert_eq(rv_view_split_to(&r, 3, &h), 0);
	cr_assert_eq(rv_view_advance(&v, 50), 0);
	cr_assert_eq(rv_view_truncate(&s, 5), 0);
	cr_assert_eq(rv_view_write(&s, 0, "W", 1), 0);
	cr_assert_eq(v.data[-40], 'W', "writes reach the wrapped memory");
	rv_view_release(&v);
	rv_view_release(&r);
	rv_view_release(&h);
	cr_assert_eq(g_freed.calls, 0, "freed before the last view");
	rv_view_release(&s);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(g_freed.ptr, block);
	cr_assert_eq(g_freed.len, 100);
	cr_assert_eq(g_freed.ctx, &token);
	rv_view_release(&s);
	cr_assert_eq(g_freed.calls, 1, "release of cleared view is a no-op");
	cr_assert_eq(stats().recycles, 0, "wrapped memory is not the pool's");
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* A zero-length wrap still calls its free function once. */
Test(view, wrap_zero_length)
{
	void *block = malloc(1);
	rv_view v;

	cr_assert_eq(rv_view_wrap(block, 0, record_free, NULL, &v), 0);
	cr_assert_eq(v.len, 0);
	cr_assert(!rv_view_is_null(&v));
	rv_view_release(&v);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(g_freed.ptr, block);
	cr_assert_eq(g_freed.len, 0);
}

/* wrap with no free function frees nothing. */
Test(view, wrap_without_free_fn)
{
	static uint8_t mem[32];
	rv_view v, s;

	cr_assert_eq(rv_view_wrap(mem, sizeof(mem), NULL, NULL, &v), 0);
	cr_assert_eq(rv_view_slice(&v, 8, 8, &s), 0);
	rv_view_release(&v);
	rv_view_release(&s);
	cr_assert(is_cleared(&s));
}

/* wrap_const views (and their slices) are read-only; nothing is freed. */
Test(view, wrap_const_is_readonly)
{
	static const char lit[] = "HTTP/1.1 200 OK\r\n";
	rv_view v = junk_view(), s, r;

	cr_assert_eq(rv_view_wrap_const(lit, sizeof(lit) - 1, &v), 0);
	cr_assert_eq(v.data, (const uint8_t *)lit);
	cr_assert_eq(v.len, sizeof(lit) - 1);
	cr_assert(rv_view_is_readonly(&v), "wrap_const must be read-only");
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, "X", 1), -EPERM);
	cr_assert_eq(rv_view_slice(&v, 9, 3, &s), 0);
	cr_assert(rv_view_is_readonly(&s));
	cr_assert(rv_view_eq(&s, "200", 3));
	r = rv_view_retain(&v);
	cr_assert(rv_view_is_readonly(&r));
	rv_view_release(&v);
	rv_view_release(&s);
	rv_view_release(&r); /* freeing a literal would crash here */
	cr_assert_eq(lit[0], 'H');
}

/* ---- wrapped views made on a thread that then exits ------------------ */

#include <pthread.h>

static void *wrap_on_thread(void *arg)
{
	static const char text[] = "thread-local headers";
	rv_view v;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		if (rv_view_wrap_const(text, sizeof(text) - 1, &v) != 0)
			return (void *)1;
		rv_view_release(&v);
	}
	return NULL;
}

/* The headers of a thread's wrapped views outlive the thread for others
 * to reuse: nothing leaks (LeakSanitizer in the sanitizer build) and a
 * later wrap on another thread works. */
Test(view, wrap_headers_survive_thread_exit)
{
	pthread_t t;
	void *ret = (void *)1;
	rv_view v;

	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_create(&t, NULL, wrap_on_thread, NULL), 0);
		cr_assert_eq(pthread_join(t, &ret), 0);
		cr_assert_null(ret);
	}
	cr_assert_eq(rv_view_wrap_const("x", 1, &v), 0);
	cr_assert(rv_view_eq(&v, "x", 1));
	rv_view_release(&v);
}
