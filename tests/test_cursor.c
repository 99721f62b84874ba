/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/test_cursor.c - rv_cursor: every getter at every position of
 * chains cut into 2 and 3 views at every point (values straddling a seam
 * at each byte split), compared with a reference decoding of a flat copy;
 * failures leave the cursor unchanged; get_bytes/skip/seek; peek/get_span
 * point into the view when they can and use scratch only at a seam. find,
 * keep and the protocol test are in test_cursor_keep.c.
 *
 * Chains are built from pool buffers: each part is written at an offset
 * inside its own buffer, surrounded by poison bytes, and sliced out.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#include "core_util.h"

#define BUF_SIZE  128u
#define BUF_COUNT 128u

static void setup(void)
{
	pinned_pool_up(BUF_COUNT, BUF_SIZE);
}

TestSuite(cursor, .init = setup, .fini = pool_teardown);

/* ---- helpers -------------------------------------------------------- */

/* Builds |c| from |msg| cut at the ascending offsets |cuts[0..nc)|, each
 * part in its own buffer; see build_split_at. */
static unsigned build_split(rv_chain *c, const uint8_t *msg, size_t len,
			    const size_t *cuts, unsigned nc)
{
	return build_split_at(c, msg, len, cuts, nc, 3, 5);
}

/* Reference decodings of a flat copy. */
static uint64_t ref_be(const uint8_t *p, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t ref_le(const uint8_t *p, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = w; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

enum getter { U8, U16BE, U16LE, U32BE, U32LE, U64BE, U64LE, NGETTERS };
static const unsigned getter_width[NGETTERS] = {1, 2, 2, 4, 4, 8, 8};
static const char *const getter_name[NGETTERS] = {
	"u8", "u16be", "u16le", "u32be", "u32le", "u64be", "u64le"};

static uint64_t ref_get(const uint8_t *p, enum getter g)
{
	unsigned w = getter_width[g];
	return (g == U8 || g == U16BE || g == U32BE || g == U64BE)
		       ? ref_be(p, w)
		       : ref_le(p, w);
}

/* Calls getter |g|. On failure checks that the output was not written. */
static int call_get(rv_cursor *cur, enum getter g, uint64_t *out)
{
	int err = -1;
	uint8_t u8 = 0xA5;
	uint16_t u16 = 0xA5A5;
	uint32_t u32 = 0xA5A5A5A5u;
	uint64_t u64 = 0xA5A5A5A5A5A5A5A5ull;
	switch (g) {
	case U8:
		err = rv_cursor_get_u8(cur, &u8);
		*out = u8;
		break;
	case U16BE:
		err = rv_cursor_get_u16be(cur, &u16);
		*out = u16;
		break;
	case U16LE:
		err = rv_cursor_get_u16le(cur, &u16);
		*out = u16;
		break;
	case U32BE:
		err = rv_cursor_get_u32be(cur, &u32);
		*out = u32;
		break;
	case U32LE:
		err = rv_cursor_get_u32le(cur, &u32);
		*out = u32;
		break;
	case U64BE:
		err = rv_cursor_get_u64be(cur, &u64);
		*out = u64;
		break;
	case U64LE:
		err = rv_cursor_get_u64le(cur, &u64);
		*out = u64;
		break;
	default:
		break;
	}
	if (err) {
		static const uint64_t untouched[NGETTERS] = {
			0xA5,
			0xA5A5,
			0xA5A5,
			0xA5A5A5A5u,
			0xA5A5A5A5u,
			0xA5A5A5A5A5A5A5A5ull,
			0xA5A5A5A5A5A5A5A5ull};
		cr_assert_eq(*out, untouched[g],
			     "failed get_%s wrote its output", getter_name[g]);
	}
	return err;
}

/* ---- init ----------------------------------------------------------- */

/* A cursor starts at 0 with the whole length remaining, over a view and
 * over a chain. */
Test(cursor, init_view_and_chain)
{
	rv_view v = piece("abcdef", 6, 2);
	rv_cursor cur;
	rv_cursor_init_view(&cur, &v);
	cr_assert_eq(rv_cursor_pos(&cur), 0u);
	cr_assert_eq(rv_cursor_remaining(&cur), 6u);
	uint8_t b;
	cr_assert_eq(rv_cursor_get_u8(&cur, &b), 0);
	cr_assert_eq(b, 'a');

	rv_chain c;
	size_t cuts[1] = {2};
	build_split(&c, (const uint8_t *)"xyzw", 4, cuts, 1);
	rv_cursor_init_chain(&cur, &c);
	cr_assert_eq(rv_cursor_pos(&cur), 0u);
	cr_assert_eq(rv_cursor_remaining(&cur), 4u);
	cr_assert_eq(rv_cursor_get_u8(&cur, &b), 0);
	cr_assert_eq(b, 'x');
	rv_chain_release(&c);
	rv_view_release(&v);
	assert_idle();
}

/* ---- getters -------------------------------------------------------- */

static void check_getters(const uint8_t *msg, size_t len, const size_t *cuts,
			  unsigned nc, void *arg)
{
	(void)arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	cr_assert_eq(rv_cursor_remaining(&cur), len);

	/* Random access: seek to every position, every getter. */
	for (size_t p = 0; p <= len; p++)
		for (int g = 0; g < NGETTERS; g++) {
			unsigned w = getter_width[g];
			uint64_t val;
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			cr_assert_eq(rv_cursor_pos(&cur), p);
			cr_assert_eq(rv_cursor_remaining(&cur), len - p);
			int err = call_get(&cur, (enum getter)g, &val);
			if (p + w <= len) {
				cr_assert_eq(err, 0,
					     "get_%s at %zu, cuts %zu/%zu",
					     getter_name[g], p, CUTS(nc, cuts));
				cr_assert_eq(val,
					     ref_get(msg + p, (enum getter)g),
					     "get_%s at %zu, cuts %zu/%zu: "
					     "0x%llx want 0x%llx",
					     getter_name[g], p, CUTS(nc, cuts),
					     (unsigned long long)val,
					     (unsigned long long)ref_get(
						     msg + p, (enum getter)g));
				cr_assert_eq(rv_cursor_pos(&cur), p + w);
			} else {
				cr_assert_eq(err, -ERANGE,
					     "get_%s at %zu of %zu",
					     getter_name[g], p, len);
				cr_assert_eq(rv_cursor_pos(&cur), p,
					     "failed get_%s moved the cursor",
					     getter_name[g]);
				cr_assert_eq(rv_cursor_remaining(&cur),
					     len - p);
			}
		}

	/* Sequential reads from every phase, without seeking. */
	for (int g = 0; g < NGETTERS; g++) {
		unsigned w = getter_width[g];
		for (unsigned s = 0; s < w && s <= len; s++) {
			rv_cursor_init_chain(&cur, &c);
			cr_assert_eq(rv_cursor_skip(&cur, s), 0);
			uint64_t val;
			while (rv_cursor_remaining(&cur) >= w) {
				size_t p = rv_cursor_pos(&cur);
				cr_assert_eq(
					call_get(&cur, (enum getter)g, &val),
					0);
				cr_assert_eq(val,
					     ref_get(msg + p, (enum getter)g),
					     "sequential get_%s at %zu, cuts "
					     "%zu/%zu",
					     getter_name[g], p, CUTS(nc, cuts));
				/* What comes next is right even when the read
				 * ended exactly at a seam. */
				size_t q = rv_cursor_pos(&cur);
				if (q < len) {
					uint8_t b, scratch[1];
					const uint8_t *at = NULL;
					cr_assert_eq(
						rv_cursor_peek_u8(&cur, &b), 0);
					cr_assert_eq(b, msg[q],
						     "peek_u8 at %zu after "
						     "get_%s, cuts %zu/%zu",
						     q, getter_name[g],
						     CUTS(nc, cuts));
					cr_assert_eq(rv_cursor_peek(&cur, 1,
								    scratch,
								    &at),
						     0);
					cr_assert_eq(
						at, contiguous_at(&c, q, 1),
						"peek(1) at %zu after get_%s",
						q, getter_name[g]);
				}
			}
			size_t p = rv_cursor_pos(&cur);
			cr_assert_eq(call_get(&cur, (enum getter)g, &val),
				     -ERANGE);
			cr_assert_eq(rv_cursor_pos(&cur), p);
		}
	}

	/* peek_u8 reads without moving. */
	for (size_t p = 0; p <= len; p++) {
		uint8_t b = 0x5A;
		cr_assert_eq(rv_cursor_seek(&cur, p), 0);
		if (p < len) {
			cr_assert_eq(rv_cursor_peek_u8(&cur, &b), 0);
			cr_assert_eq(b, msg[p], "peek_u8 at %zu", p);
		} else {
			cr_assert_eq(rv_cursor_peek_u8(&cur, &b), -ERANGE);
			cr_assert_eq(b, 0x5A);
		}
		cr_assert_eq(rv_cursor_pos(&cur), p);
	}
	rv_chain_release(&c);
	assert_idle();
}

/* Every getter at every position of a chain of 2 views cut at every
 * point, by seeking and by reading sequentially, against a flat decoding. */
Test(cursor, getters_two_views_every_cut)
{
	fill_pattern();
	for_each_split(pattern, sizeof(pattern), 1, check_getters, NULL);
	assert_idle();
}

/* The same for 3 views at every pair of cuts: a u64 may span all three. */
Test(cursor, getters_three_views_every_cut, .timeout = 60)
{
	fill_pattern();
	for_each_split(pattern, sizeof(pattern), 2, check_getters, NULL);
	assert_idle();
}

/* Getters over a single view at every position, and over a view of one
 * byte, against a flat decoding. */
Test(cursor, getters_over_view)
{
	fill_pattern();
	rv_view v = piece(pattern, sizeof(pattern), 7);
	rv_cursor cur;
	rv_cursor_init_view(&cur, &v);
	for (size_t p = 0; p <= sizeof(pattern); p++)
		for (int g = 0; g < NGETTERS; g++) {
			uint64_t val;
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			int err = call_get(&cur, (enum getter)g, &val);
			if (p + getter_width[g] <= sizeof(pattern)) {
				cr_assert_eq(err, 0);
				cr_assert_eq(val, ref_get(pattern + p,
							  (enum getter)g));
			} else {
				cr_assert_eq(err, -ERANGE);
				cr_assert_eq(rv_cursor_pos(&cur), p);
			}
		}
	rv_view_release(&v);
	assert_idle();
}

/* A cursor over an empty chain (and over a cleared view) fails every read
 * with -ERANGE and stays at 0. */
Test(cursor, empty_chain_and_cleared_view)
{
	rv_chain c = RV_CHAIN_INIT;
	rv_view cleared = RV_VIEW_INIT;
	rv_cursor curs[2];
	rv_cursor_init_chain(&curs[0], &c);
	rv_cursor_init_view(&curs[1], &cleared);
	for (int k = 0; k < 2; k++) {
		rv_cursor *cur = &curs[k];
		uint8_t buf[8], scratch[8];
		const uint8_t *span = NULL;
		rv_view kept = RV_VIEW_INIT;
		rv_chain kc = RV_CHAIN_INIT;
		cr_assert_eq(rv_cursor_remaining(cur), 0u);
		for (int g = 0; g < NGETTERS; g++) {
			uint64_t val;
			cr_assert_eq(call_get(cur, (enum getter)g, &val),
				     -ERANGE);
		}
		cr_assert_eq(rv_cursor_peek_u8(cur, buf), -ERANGE);
		cr_assert_eq(rv_cursor_get_bytes(cur, buf, 1), -ERANGE);
		cr_assert_eq(rv_cursor_skip(cur, 1), -ERANGE);
		cr_assert_eq(rv_cursor_peek(cur, 1, scratch, &span), -ERANGE);
		cr_assert_eq(rv_cursor_get_span(cur, 1, scratch, &span),
			     -ERANGE);
		cr_assert_null(span);
		cr_assert_eq(rv_cursor_seek(cur, 1), -ERANGE);
		cr_assert_eq(rv_cursor_seek(cur, 0), 0);
		cr_assert_eq(rv_cursor_find(cur, "a", 1), -ENOENT);
		cr_assert_eq(rv_cursor_keep(cur, 1, &kept), -ERANGE);
		cr_assert_eq(rv_cursor_keep(cur, 0, &kept), 0);
		cr_assert(rv_view_is_null(&kept));
		cr_assert_eq(rv_cursor_keep_chain(cur, 1, &kc), -ERANGE);
		cr_assert_eq(rv_cursor_pos(cur), 0u);
	}
	assert_idle();
}

/* ---- get_bytes, skip, seek ------------------------------------------ */

static void check_bytes_skip(const uint8_t *msg, size_t len, const size_t *cuts,
			     unsigned nc, void *arg)
{
	(void)arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	for (size_t p = 0; p <= len; p++)
		for (size_t n = 0; n <= len - p + 1; n++) {
			uint8_t dst[64];
			memset(dst, 0x5A, sizeof(dst));
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			int err = rv_cursor_get_bytes(&cur, dst, n);
			if (p + n <= len) {
				cr_assert_eq(err, 0, "get_bytes %zu at %zu", n,
					     p);
				cr_assert(memcmp(dst, msg + p, n) == 0,
					  "get_bytes %zu at %zu, cuts %zu/%zu",
					  n, p, CUTS(nc, cuts));
				cr_assert_eq(dst[n], 0x5A,
					     "get_bytes wrote past n");
				cr_assert_eq(rv_cursor_pos(&cur), p + n);
			} else {
				cr_assert_eq(err, -ERANGE);
				cr_assert_eq(rv_cursor_pos(&cur), p);
				cr_assert_eq(dst[0], 0x5A,
					     "failed get_bytes wrote");
			}

			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			err = rv_cursor_skip(&cur, n);
			if (p + n <= len) {
				cr_assert_eq(err, 0);
				cr_assert_eq(rv_cursor_pos(&cur), p + n);
				/* The byte after a skip is the right one. */
				uint8_t b;
				if (p + n < len) {
					cr_assert_eq(rv_cursor_get_u8(&cur, &b),
						     0);
					cr_assert_eq(b, msg[p + n],
						     "after skip %zu from %zu",
						     n, p);
				}
			} else {
				cr_assert_eq(err, -ERANGE);
				cr_assert_eq(rv_cursor_pos(&cur), p);
			}
		}
	cr_assert_eq(rv_cursor_seek(&cur, 1), 0);
	cr_assert_eq(rv_cursor_skip(&cur, SIZE_MAX), -ERANGE);
	cr_assert_eq(rv_cursor_pos(&cur), 1u);
	rv_chain_release(&c);
}

/* get_bytes and skip of every length from every position across 2 and 3
 * views at every cut: right bytes, no over-write, unchanged on failure. */
Test(cursor, get_bytes_and_skip_every_cut, .timeout = 60)
{
	fill_pattern();
	for_each_split(pattern, 16, 1, check_bytes_skip, NULL);
	for_each_split(pattern, 16, 2, check_bytes_skip, NULL);
	assert_idle();
}

/* seek moves back and forth and re-reads the same bytes; seeking past the
 * end is -ERANGE and leaves the position. */
Test(cursor, seek_back_and_forth)
{
	fill_pattern();
	rv_chain c;
	size_t cuts[2] = {5, 13};
	build_split(&c, pattern, 20, cuts, 2);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	uint8_t all[20], again[20];
	cr_assert_eq(rv_cursor_get_bytes(&cur, all, 20), 0);
	cr_assert(memcmp(all, pattern, 20) == 0);
	cr_assert_eq(rv_cursor_remaining(&cur), 0u);
	static const size_t order[] = {0, 19, 4, 5, 13, 12, 20, 1, 14, 0, 7};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t p = order[i];
		cr_assert_eq(rv_cursor_seek(&cur, p), 0);
		cr_assert_eq(rv_cursor_pos(&cur), p);
		cr_assert_eq(rv_cursor_get_bytes(&cur, again, 20 - p), 0);
		cr_assert(memcmp(again, pattern + p, 20 - p) == 0,
			  "after seek %zu", p);
	}
	cr_assert_eq(rv_cursor_seek(&cur, 9), 0);
	cr_assert_eq(rv_cursor_seek(&cur, 21), -ERANGE);
	cr_assert_eq(rv_cursor_seek(&cur, SIZE_MAX), -ERANGE);
	cr_assert_eq(rv_cursor_pos(&cur), 9u);
	uint8_t b;
	cr_assert_eq(rv_cursor_get_u8(&cur, &b), 0);
	cr_assert_eq(b, pattern[9]);
	rv_chain_release(&c);
	assert_idle();
}

/* ---- peek / get_span ------------------------------------------------ */

static void check_spans(const uint8_t *msg, size_t len, const size_t *cuts,
			unsigned nc, void *arg)
{
	(void)arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	for (size_t p = 0; p <= len; p++)
		for (size_t n = 1; n <= len - p + 1; n++) {
			uint8_t scratch[64];
			const uint8_t *out = NULL;
			const uint8_t *dummy = (const uint8_t *)&dummy;
			memset(scratch, 0xCC, sizeof(scratch));
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			if (p + n > len) {
				out = dummy;
				cr_assert_eq(
					rv_cursor_peek(&cur, n, scratch, &out),
					-ERANGE);
				cr_assert_eq(rv_cursor_get_span(&cur, n,
								scratch, &out),
					     -ERANGE);
				cr_assert_eq(out, dummy,
					     "failed peek wrote its output");
				cr_assert_eq(rv_cursor_pos(&cur), p);
				continue;
			}
			const uint8_t *direct = contiguous_at(&c, p, n);
			cr_assert_eq(rv_cursor_peek(&cur, n, scratch, &out), 0);
			cr_assert_eq(rv_cursor_pos(&cur), p,
				     "peek moved the cursor");
			cr_assert(memcmp(out, msg + p, n) == 0,
				  "peek %zu at %zu, cuts %zu/%zu", n, p,
				  CUTS(nc, cuts));
			if (direct) {
				cr_assert_eq(out, direct,
					     "peek %zu at %zu inside a view "
					     "did not point into it",
					     n, p);
				cr_assert_eq(scratch[0], 0xCC,
					     "peek inside a view used scratch");
			} else {
				cr_assert_eq(out, scratch,
					     "peek %zu at %zu across a seam", n,
					     p);
				cr_assert_eq(scratch[n], 0xCC,
					     "peek wrote past n in scratch");
			}
			out = NULL;
			memset(scratch, 0xCC, sizeof(scratch));
			cr_assert_eq(rv_cursor_get_span(&cur, n, scratch, &out),
				     0);
			cr_assert_eq(rv_cursor_pos(&cur), p + n);
			cr_assert(memcmp(out, msg + p, n) == 0);
			cr_assert_eq(out, direct ? direct : scratch);
		}
	rv_chain_release(&c);
}

/* peek and get_span of every length at every position over 2 and 3 views:
 * a pointer into the view when contiguous, scratch only at a seam. */
Test(cursor, peek_and_span_every_cut, .timeout = 60)
{
	fill_pattern();
	for_each_split(pattern, 16, 1, check_spans, NULL);
	for_each_split(pattern, 16, 2, check_spans, NULL);
	assert_idle();
}

/* peek over a single view always points into it. */
Test(cursor, peek_over_view_points_into_it)
{
	fill_pattern();
	rv_view v = piece(pattern, 16, 9);
	rv_cursor cur;
	rv_cursor_init_view(&cur, &v);
	uint8_t scratch[16];
	const uint8_t *out;
	cr_assert_eq(rv_cursor_skip(&cur, 3), 0);
	cr_assert_eq(rv_cursor_peek(&cur, 13, scratch, &out), 0);
	cr_assert_eq(out, v.data + 3);
	cr_assert_eq(rv_cursor_get_span(&cur, 5, scratch, &out), 0);
	cr_assert_eq(out, v.data + 3);
	cr_assert_eq(rv_cursor_pos(&cur), 8u);
	cr_assert_eq(rv_cursor_peek(&cur, 9, scratch, &out), -ERANGE);
	rv_view_release(&v);
	assert_idle();
}
