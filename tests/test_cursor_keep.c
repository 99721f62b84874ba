/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/test_cursor_keep.c - rv_cursor: find at every cut point; keep and
 * keep_chain reference accounting; a small length-prefixed protocol parsed
 * from a stream cut into buffers; reads through stale views abort.
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

/* ---- find ----------------------------------------------------------- */

static const char find_msg[] = "ab\r\n\r\ncd\r\n\r\r\n\r\nef";
static const char *const find_needles[] = {
	"\r\n\r\n", "\r\n", "ab", "f", "cd\r\n\r\r", "\r\n\r\nef", "zz", "",
};

static void check_find(const uint8_t *msg, size_t len, const size_t *cuts,
		       unsigned nc, void *arg)
{
	(void)arg;
	rv_chain c;
	build_split(&c, msg, len, cuts, nc);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	for (size_t p = 0; p <= len; p++)
		for (size_t k = 0;
		     k < sizeof(find_needles) / sizeof(find_needles[0]); k++) {
			const char *nd = find_needles[k];
			size_t nlen = strlen(nd);
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			ssize_t want = ref_find(msg, len, p, nd, nlen);
			if (want >= 0)
				want -= (ssize_t)p;
			ssize_t got = rv_cursor_find(&cur, nd, nlen);
			cr_assert_eq(got, want,
				     "find \"%s\" at %zu, cuts %zu/%zu: %zd "
				     "want %zd",
				     nd, p, CUTS(nc, cuts), got, want);
			cr_assert_eq(rv_cursor_pos(&cur), p,
				     "find moved the cursor");
		}
	rv_chain_release(&c);
}

/* find from every cursor position across 2 and 3 views at every cut,
 * relative to the cursor, against a flat reference. */
Test(cursor, find_every_cut, .timeout = 60)
{
	for_each_split((const uint8_t *)find_msg, sizeof(find_msg) - 1, 1,
		       check_find, NULL);
	for_each_split((const uint8_t *)find_msg, sizeof(find_msg) - 1, 2,
		       check_find, NULL);
	assert_idle();
}

/* find over a single view from every position, including needles longer
 * than what remains. */
Test(cursor, find_over_view)
{
	size_t len = sizeof(find_msg) - 1;
	rv_view v = piece(find_msg, len, 6);
	rv_cursor cur;
	rv_cursor_init_view(&cur, &v);
	for (size_t p = 0; p <= len; p++)
		for (size_t k = 0;
		     k < sizeof(find_needles) / sizeof(find_needles[0]); k++) {
			const char *nd = find_needles[k];
			cr_assert_eq(rv_cursor_seek(&cur, p), 0);
			ssize_t want = ref_find((const uint8_t *)find_msg, len,
						p, nd, strlen(nd));
			if (want >= 0)
				want -= (ssize_t)p;
			cr_assert_eq(rv_cursor_find(&cur, nd, strlen(nd)), want,
				     "find \"%s\" at %zu", nd, p);
			cr_assert_eq(rv_cursor_pos(&cur), p);
		}
	cr_assert_eq(rv_cursor_find(&cur, find_msg, len + 1), -ENOENT);
	rv_view_release(&v);
	assert_idle();
}

/* ---- keep ----------------------------------------------------------- */

static void check_keep(const uint8_t *msg, size_t len, const size_t *cuts,
		       unsigned nc, void *arg)
{
	(void)arg;
	for (size_t pos = 0; pos <= len; pos++)
		for (size_t start = 0; start <= pos; start++) {
			rv_chain c;
			build_split(&c, msg, len, cuts, nc);
			rv_cursor cur;
			rv_cursor_init_chain(&cur, &c);
			cr_assert_eq(rv_cursor_skip(&cur, pos), 0);
			const uint8_t *direct =
				contiguous_at(&c, start, pos - start);
			struct rv_pool_stats s0 = stats();
			rv_view kept = RV_VIEW_INIT;
			int err = rv_cursor_keep(&cur, start, &kept);
			cr_assert_eq(err, 0, "keep [%zu, %zu): %s", start, pos,
				     rv_strerror(err));
			cr_assert_eq(rv_cursor_pos(&cur), pos);
			struct rv_pool_stats s1 = stats();
			if (start == pos) {
				cr_assert(rv_view_is_null(&kept));
				cr_assert_eq(s1.bytes_copied, s0.bytes_copied);
				rv_chain_release(&c);
				continue;
			}
			cr_assert(rv_view_eq(&kept, msg + start, pos - start),
				  "keep [%zu, %zu) cuts %zu/%zu: wrong bytes",
				  start, pos, CUTS(nc, cuts));
			if (direct) {
				cr_assert_eq(
					kept.data, direct,
					"keep [%zu, %zu) inside a view copied",
					start, pos);
				cr_assert_eq(s1.bytes_copied, s0.bytes_copied);
				assert_live(len + pos - start,
					    "keep [%zu, %zu)", start, pos);
				/* The kept view holds its buffer past the
				 * chain. */
				rv_chain_release(&c);
				cr_assert_eq(stats().held, 1u);
				assert_live(pos - start, "kept [%zu, %zu)",
					    start, pos);
			} else {
				cr_assert_eq(
					s1.bytes_copied - s0.bytes_copied,
					pos - start,
					"keep [%zu, %zu) at a seam: %llu bytes "
					"copied",
					start, pos,
					(unsigned long long)(s1.bytes_copied -
							     s0.bytes_copied));
				rv_chain_release(&c);
				cr_assert_eq(
					stats().held, 0u,
					"the copy still pins a receive buffer");
			}
			cr_assert(rv_view_eq(&kept, msg + start, pos - start));
			rv_view_release(&kept);
			assert_idle();
		}
}

/* keep of every span over 2 and 3 views at every cut: zero-copy (same
 * pointer, +1 reference that outlives the chain) inside one view, one
 * counted copy at a seam. */
Test(cursor, keep_every_cut, .timeout = 60)
{
	fill_pattern();
	for_each_split(pattern, 12, 1, check_keep, NULL);
	for_each_split(pattern, 12, 2, check_keep, NULL);
	assert_idle();
}

/* keep with start > pos fails with -ERANGE and leaves |out| alone. */
Test(cursor, keep_out_of_range)
{
	rv_chain c;
	size_t cuts[1] = {3};
	build_split(&c, (const uint8_t *)"abcdef", 6, cuts, 1);
	rv_cursor cur;
	rv_cursor_init_chain(&cur, &c);
	cr_assert_eq(rv_cursor_skip(&cur, 2), 0);
	rv_view kept = RV_VIEW_INIT;
	rv_chain kc = RV_CHAIN_INIT;
	cr_assert_eq(rv_cursor_keep(&cur, 3, &kept), -ERANGE);
	cr_assert_eq(rv_cursor_keep(&cur, SIZE_MAX, &kept), -ERANGE);
	cr_assert(rv_view_is_null(&kept));
	cr_assert_eq(rv_cursor_keep_chain(&cur, 3, &kc), -ERANGE);
	cr_assert_eq(rv_chain_len(&kc), 0u);
	cr_assert_eq(rv_cursor_pos(&cur), 2u);
	cr_assert_eq(stats().held, 2u);
	rv_chain_release(&c);
	assert_idle();
}

/* keep over a cursor on a single view is always zero-copy and holds the
 * buffer after the view is released. */
Test(cursor, keep_over_view)
{
	rv_view v = piece("0123456789", 10, 4);
	rv_cursor cur;
	rv_cursor_init_view(&cur, &v);
	cr_assert_eq(rv_cursor_skip(&cur, 7), 0);
	rv_view kept;
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_cursor_keep(&cur, 2, &kept), 0);
	cr_assert_eq(kept.data, v.data + 2);
	cr_assert(rv_view_eq(&kept, "23456", 5));
	cr_assert_eq(stats().bytes_copied, s0.bytes_copied);
	rv_view_release(&v);
	cr_assert_eq(stats().held, 1u);
	cr_assert(rv_view_eq(&kept, "23456", 5));
	rv_view_release(&kept);
	assert_idle();
}

static void check_keep_chain(const uint8_t *msg, size_t len, const size_t *cuts,
			     unsigned nc, void *arg)
{
	(void)arg;
	for (size_t pos = 0; pos <= len; pos++)
		for (size_t start = 0; start <= pos; start++) {
			rv_chain c, kc = RV_CHAIN_INIT;
			build_split(&c, msg, len, cuts, nc);
			int pre = (start + pos) %
				  2; /* sometimes |out| is not empty */
			if (pre) {
				rv_view x = piece("XY", 2, 0);
				cr_assert_eq(rv_chain_append(&kc, &x), 0);
			}
			rv_cursor cur;
			rv_cursor_init_chain(&cur, &c);
			cr_assert_eq(rv_cursor_skip(&cur, pos), 0);
			struct rv_pool_stats s0 = stats();
			int err = rv_cursor_keep_chain(&cur, start, &kc);
			cr_assert_eq(err, 0, "keep_chain [%zu, %zu): %s", start,
				     pos, rv_strerror(err));
			cr_assert_eq(rv_cursor_pos(&cur), pos);
			cr_assert_eq(stats().bytes_copied, s0.bytes_copied,
				     "keep_chain copied");
			unsigned bufs = parts_in(len, cuts, nc, start, pos);
			cr_assert_eq(
				rv_chain_count(&kc), bufs + (unsigned)pre,
				"keep_chain [%zu, %zu) cuts %zu/%zu: %u views",
				start, pos, CUTS(nc, cuts),
				rv_chain_count(&kc));
			uint8_t want[64], got[64];
			memcpy(want, "XY", 2);
			memcpy(want + 2 * pre, msg + start, pos - start);
			size_t wlen = 2 * (size_t)pre + pos - start;
			cr_assert_eq(rv_chain_len(&kc), wlen);
			assert_live(len + wlen, "keep_chain [%zu, %zu)", start,
				    pos);
			rv_chain_release(&c);
			/* Each buffer of the span is still held by |kc| alone.
			 */
			cr_assert_eq(stats().held, bufs + (unsigned)pre);
			assert_live(wlen, "kept chain [%zu, %zu)", start, pos);
			cr_assert_eq(rv_chain_copy_out(&kc, 0, got, wlen), 0);
			cr_assert(memcmp(got, want, wlen) == 0,
				  "keep_chain [%zu, %zu) bytes", start, pos);
			rv_chain_release(&kc);
			assert_idle();
		}
}

/* keep_chain of every span over 2 and 3 views at every cut never copies,
 * appends to |out|, and holds one reference per buffer of the span. */
Test(cursor, keep_chain_every_cut, .timeout = 60)
{
	fill_pattern();
	for_each_split(pattern, 12, 1, check_keep_chain, NULL);
	for_each_split(pattern, 12, 2, check_keep_chain, NULL);
	assert_idle();
}

/* ---- a length-prefixed protocol ------------------------------------- */

static const uint16_t msg_lens[] = {0, 1, 2, 5, 13, 3, 40, 1, 0, 7, 64, 2, 9};
#define NMSG (sizeof(msg_lens) / sizeof(msg_lens[0]))

static uint8_t payload_byte(size_t k, size_t j)
{
	return (uint8_t)(k * 17 + j * 3 + 1);
}

/* Parses every complete message (u16be length + payload) at the start of
 * |in|, keeping each payload (as a view, or as a chain for odd messages),
 * then consumes what it parsed. Returns the number of messages. */
static size_t on_data(rv_chain *in, size_t next, rv_view *kept,
		      rv_chain *kept_c)
{
	rv_cursor cur;
	rv_cursor_init_chain(&cur, in);
	size_t got = 0;
	for (;;) {
		size_t start = rv_cursor_pos(&cur);
		uint16_t len;
		if (rv_cursor_get_u16be(&cur, &len) != 0) {
			cr_assert_eq(rv_cursor_pos(&cur), start);
			break;
		}
		if (rv_cursor_remaining(&cur) < len) {
			uint8_t scratch[128];
			const uint8_t *p;
			cr_assert_eq(rv_cursor_get_span(&cur, len, scratch, &p),
				     -ERANGE);
			cr_assert_eq(rv_cursor_seek(&cur, start),
				     0); /* incomplete */
			break;
		}
		size_t k = next + got;
		cr_assert_lt(k, NMSG, "more messages than were sent");
		cr_assert_eq(len, msg_lens[k], "message %zu: length %u", k,
			     len);
		size_t body = rv_cursor_pos(&cur);
		uint8_t scratch[128];
		const uint8_t *p = NULL;
		if (len) {
			cr_assert_eq(rv_cursor_get_span(&cur, len, scratch, &p),
				     0);
			for (size_t j = 0; j < len; j++)
				cr_assert_eq(p[j], payload_byte(k, j),
					     "message %zu byte %zu", k, j);
		}
		if (k % 2)
			cr_assert_eq(
				rv_cursor_keep_chain(&cur, body, &kept_c[k]),
				0);
		else
			cr_assert_eq(rv_cursor_keep(&cur, body, &kept[k]), 0);
		got++;
	}
	cr_assert_eq(rv_chain_consume(in, rv_cursor_pos(&cur)), 0);
	return got;
}

/* A stream of length-prefixed messages cut into buffers of many sizes
 * (so lengths and payloads straddle seams) is parsed as it arrives: every
 * message comes out once, in order, with the right bytes; the kept
 * payloads outlive the input chain; every buffer comes back. */
Test(cursor, length_prefixed_protocol)
{
	uint8_t stream[512];
	size_t total = 0;
	for (size_t k = 0; k < NMSG; k++) {
		stream[total++] = (uint8_t)(msg_lens[k] >> 8);
		stream[total++] = (uint8_t)msg_lens[k];
		for (size_t j = 0; j < msg_lens[k]; j++)
			stream[total++] = payload_byte(k, j);
	}
	static const size_t chunk_sizes[][5] = {
		{1},	     {2}, {3}, {5}, {7}, {64}, {100}, {1, 4, 2, 9, 3},
		{17, 1, 30},
	};
	for (size_t variant = 0;
	     variant < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]);
	     variant++) {
		rv_chain in = RV_CHAIN_INIT;
		rv_view kept[NMSG];
		rv_chain kept_c[NMSG];
		for (size_t k = 0; k < NMSG; k++) {
			kept[k] = RV_VIEW_INIT;
			kept_c[k] = RV_CHAIN_INIT;
		}
		size_t fed = 0, parsed = 0, step = 0;
		while (fed < total) {
			size_t sz = chunk_sizes[variant][step % 5];
			if (sz == 0)
				sz = chunk_sizes[variant][0], step = 0;
			step++;
			if (sz > total - fed)
				sz = total - fed;
			rv_view v = piece(stream + fed, sz, fed % 7);
			cr_assert_eq(rv_chain_append(&in, &v), 0);
			fed += sz;
			parsed += on_data(&in, parsed, kept, kept_c);
		}
		cr_assert_eq(parsed, NMSG, "variant %zu: %zu messages parsed",
			     variant, parsed);
		cr_assert_eq(rv_chain_len(&in), 0u, "bytes left over");
		rv_chain_release(&in);
		for (size_t k = 0; k < NMSG; k++) {
			uint8_t want[128], got[128];
			for (size_t j = 0; j < msg_lens[k]; j++)
				want[j] = payload_byte(k, j);
			if (k % 2) {
				cr_assert_eq(rv_chain_len(&kept_c[k]),
					     msg_lens[k]);
				cr_assert_eq(rv_chain_copy_out(&kept_c[k], 0,
							       got,
							       msg_lens[k]),
					     0);
				cr_assert(memcmp(got, want, msg_lens[k]) == 0);
				rv_chain_release(&kept_c[k]);
			} else {
				cr_assert(
					rv_view_eq(&kept[k], want, msg_lens[k]),
					"variant %zu message %zu", variant, k);
				rv_view_release(&kept[k]);
			}
		}
		assert_idle();
	}
}

/* ---- misuse --------------------------------------------------------- */

/* Reading through a stale copy of a view (its buffer was recycled) aborts
 * like every other access through a stale view, instead of silently
 * reading whatever the buffer holds now. */
Test(cursor, stale_view_read_aborts, .signal = SIGABRT)
{
	rv_view v = piece("stale bytes", 11, 0);
	rv_view copy = v;
	rv_view_release(&v); /* recycled: |copy| is stale now */
	rv_view reuse = piece("new owner!!", 11, 0);
	rv_cursor cur;
	uint8_t b;
	rv_cursor_init_view(&cur, &copy);
	rv_cursor_get_u8(&cur, &b);
	rv_view_release(&reuse);
	cr_assert_fail("read through a stale view returned byte '%c'", b);
}
