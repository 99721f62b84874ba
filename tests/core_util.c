/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/core_util.c - helpers shared by the core tests; see core_util.h.
 */
#include "core_util.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rv_pool *pool;

/* ---- the pool ------------------------------------------------------- */

struct rv_pool_stats stats_of(const rv_pool *p)
{
	struct rv_pool_stats s;
	rv_pool_stats(p, &s);
	return s;
}

struct rv_pool_stats stats(void)
{
	return stats_of(pool);
}

rv_pool *make_pool(uint32_t count, uint32_t size, uint32_t flags)
{
	struct rv_pool_config cfg = {
		.count = count, .size = size, .flags = flags};
	rv_pool *p = NULL;
	int rc = rv_pool_create(&cfg, &p);
	cr_assert_eq(rc, 0, "rv_pool_create(%u, %u, %#x): %s", count, size,
		     flags, rv_strerror(rc));
	cr_assert_not_null(p);
	return p;
}

void pool_up_flags(uint32_t count, uint32_t size, uint32_t flags)
{
	pool = make_pool(count, size, flags);
}

void pool_up(uint32_t count, uint32_t size)
{
	pool_up_flags(count, size, 0);
}

void pinned_pool_up(uint32_t count, uint32_t size)
{
	struct rv_pool_config cfg = {
		.count = count, .size = size, .pin_ratio = 1};
	int err = rv_pool_create(&cfg, &pool);
	cr_assert_eq(err, 0, "rv_pool_create: %s", rv_strerror(err));
}

void pool_teardown(void)
{
	int err = rv_pool_destroy(pool);
	cr_assert_eq(err, 0, "rv_pool_destroy: %s", rv_strerror(err));
}

static void assert_idle_of(const rv_pool *p)
{
	struct rv_pool_stats s = stats_of(p);
	cr_assert_eq(s.free, s.total, "free %u != total %u (held %u)", s.free,
		     s.total, s.held);
	cr_assert_eq(s.held, 0u, "held %u", s.held);
}

void assert_idle(void)
{
	assert_idle_of(pool);
}

void pool_down_of(rv_pool *p)
{
	struct rv_pool_stats s = stats_of(p);
	assert_idle_of(p);
	cr_assert_eq(s.sending, 0);
	cr_assert_eq(s.small_held, 0, "small chunks still held: %u",
		     s.small_held);
	cr_assert_eq(s.pinned, 0);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

void pool_down(void)
{
	pool_down_of(pool);
	pool = NULL;
}

void assert_live(uint64_t n, const char *what, ...)
{
	char ctx[160];
	va_list ap;
	va_start(ap, what);
	vsnprintf(ctx, sizeof(ctx), what, ap);
	va_end(ap);
	uint64_t got = stats().pinned_bytes;
	cr_assert_eq(got, n, "%s: views cover %llu bytes, expected %llu", ctx,
		     (unsigned long long)got, (unsigned long long)n);
}

bool has_word(const char *hay, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word)) {
		bool left = p == hay || !isalnum((unsigned char)p[-1]);
		bool right = !isalnum((unsigned char)p[wl]);
		if (left && right)
			return true;
	}
	return false;
}

/* ---- views ---------------------------------------------------------- */

void view_setup(void)
{
	pool_up(VIEW_BUF_COUNT, VIEW_BUF_SIZE);
}

uint8_t byte_pattern(size_t i)
{
	return (uint8_t)(i * 37u + 11u);
}

rv_view get_buf(void)
{
	rv_view v;
	cr_assert_eq(rv_pool_get(pool, &v), 0);
	cr_assert_eq(v.len, VIEW_BUF_SIZE);
	uint8_t *p = rv_view_mut(&v);
	cr_assert_not_null(p);
	for (size_t i = 0; i < v.len; i++)
		p[i] = byte_pattern(i);
	return v;
}

size_t edge_values(size_t len, size_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i <= len + 2; i++)
		out[n++] = i;
	out[n++] = SIZE_MAX;
	out[n++] = SIZE_MAX - 1;
	out[n++] = SIZE_MAX - len;
	out[n++] = SIZE_MAX - len + 1;
	out[n++] = SIZE_MAX / 2 + 1;
	out[n++] = (size_t)UINT32_MAX + 1;
	return n;
}

struct wrap_freed g_freed;

void record_free(void *ctx, void *ptr, size_t len)
{
	g_freed.calls++;
	g_freed.ctx = ctx;
	g_freed.ptr = ptr;
	g_freed.len = len;
	free(ptr);
}

/* ---- chains --------------------------------------------------------- */

rv_view piece(const void *src, size_t n, size_t off)
{
	rv_view whole, v;
	int err = rv_pool_get(pool, &whole);
	cr_assert_eq(err, 0, "rv_pool_get: %s", rv_strerror(err));
	cr_assert_geq(whole.len, off + n);
	uint8_t *p = rv_view_mut(&whole);
	cr_assert_not_null(p);
	memset(p, POISON, whole.len);
	if (n)
		memcpy(p + off, src, n);
	cr_assert_eq(rv_view_slice(&whole, off, n, &v), 0);
	rv_view_release(&whole);
	return v;
}

void append(rv_chain *c, rv_view *v)
{
	int err = rv_chain_append(c, v);
	cr_assert_eq(err, 0, "rv_chain_append: %s", rv_strerror(err));
	cr_assert(rv_view_is_null(v), "append left the source view set");
}

unsigned build_split_at(rv_chain *c, const uint8_t *msg, size_t len,
			const size_t *cuts, unsigned nc, size_t first,
			size_t step)
{
	size_t start = 0;
	unsigned bufs = 0;
	rv_chain_init(c);
	for (unsigned i = 0; i <= nc; i++) {
		size_t end = i < nc ? cuts[i] : len;
		rv_view v = piece(msg + start, end - start, first + step * i);
		bufs += end > start;
		append(c, &v);
		start = end;
	}
	cr_assert_eq(rv_chain_count(c), bufs, "count %u, expected %u",
		     rv_chain_count(c), bufs);
	cr_assert_eq(rv_chain_len(c), len);
	return bufs;
}

unsigned parts_in(size_t len, const size_t *cuts, unsigned nc, size_t lo,
		  size_t hi)
{
	size_t start = 0;
	unsigned n = 0;
	if (lo >= hi)
		return 0;
	for (unsigned i = 0; i <= nc; i++) {
		size_t end = i < nc ? cuts[i] : len;
		if (end > start && start < hi && end > lo)
			n++;
		start = end;
	}
	return n;
}

/* Checks that |c| holds exactly the |n| bytes at |p|: its length, the
 * bytes through copy_out, and the views one by one (none empty, lengths
 * summing to the chain's length). */
void assert_chain_is(const rv_chain *c, const void *p, size_t n)
{
	uint8_t tmp[4096];
	cr_assert_leq(n, sizeof(tmp));
	cr_assert_eq(rv_chain_len(c), n, "chain len %zu, expected %zu",
		     rv_chain_len(c), n);
	cr_assert_eq(rv_chain_copy_out(c, 0, tmp, n), 0);
	cr_assert(n == 0 || memcmp(tmp, p, n) == 0, "chain bytes differ");
	size_t off = 0;
	for (uint32_t i = 0; i < rv_chain_count(c); i++) {
		const rv_view *v = rv_chain_at(c, i);
		cr_assert_not_null(v);
		cr_assert_gt(v->len, 0, "view %u of the chain is empty", i);
		cr_assert_leq(off + v->len, n);
		cr_assert(memcmp(v->data, (const uint8_t *)p + off, v->len) ==
				  0,
			  "view %u bytes differ", i);
		off += v->len;
	}
	cr_assert_eq(off, n, "views cover %zu bytes, chain len %zu", off, n);
	cr_assert_null(rv_chain_at(c, rv_chain_count(c)));
}

/* The address of chain byte |pos| when [pos, pos + n) lies inside one view
 * of |c|, else NULL (the span crosses a seam). */
const uint8_t *contiguous_at(const rv_chain *c, size_t pos, size_t n)
{
	size_t start = 0;
	for (uint32_t i = 0; i < rv_chain_count(c); i++) {
		const rv_view *v = rv_chain_at(c, i);
		if (pos < start + v->len)
			return pos + n <= start + v->len
				       ? v->data + (pos - start)
				       : NULL;
		start += v->len;
	}
	return NULL;
}

/* Reference search in flat memory: what rv_chain_find must return. */
ssize_t ref_find(const uint8_t *h, size_t hlen, size_t from, const void *needle,
		 size_t nlen)
{
	if (from > hlen)
		return -ENOENT;
	for (size_t i = from; i + nlen <= hlen; i++)
		if (nlen == 0 || memcmp(h + i, needle, nlen) == 0)
			return (ssize_t)i;
	return -ENOENT;
}

/* Calls |fn| for every way of cutting |msg| into nc + 1 parts (nc = 1 or
 * 2), empty parts included. */
void for_each_split(const uint8_t *msg, size_t len, unsigned nc, split_fn fn,
		    void *arg)
{
	size_t cuts[2];
	if (nc == 1) {
		for (cuts[0] = 0; cuts[0] <= len; cuts[0]++)
			fn(msg, len, cuts, 1, arg);
		return;
	}
	for (cuts[0] = 0; cuts[0] <= len; cuts[0]++)
		for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++)
			fn(msg, len, cuts, 2, arg);
}

/* ---- cursors -------------------------------------------------------- */

uint8_t pattern[24];

void fill_pattern(void)
{
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(0x83 + i * 0x9D);
}
