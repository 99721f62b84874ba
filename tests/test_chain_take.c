/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/test_chain_take.c - rv_chain: take/take_view/pullup across view
 * boundaries at every cut point, consume/pop/copy_out/to_iovec, with the
 * reference accounting of test_chain.c: every buffer comes back to the
 * pool exactly once, and only after its last view is released.
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

/* ---- take ----------------------------------------------------------- */

static void check_take(const uint8_t *msg, size_t len, const size_t *cuts,
		       unsigned nc, void *arg)
{
	(void)arg;
	for (size_t n = 0; n <= len; n++) {
		rv_chain c, out = RV_CHAIN_INIT;
		unsigned bufs = build_split(&c, msg, len, cuts, nc);
		struct rv_pool_stats s0 = stats();
		int err = rv_chain_take(&c, n, &out);
		cr_assert_eq(err, 0, "take %zu: %s", n, rv_strerror(err));
		assert_chain_is(&out, msg, n);
		assert_chain_is(&c, msg + n, len - n);
		struct rv_pool_stats s1 = stats();
		cr_assert_eq(s1.held, s0.held, "take changed the buffers held");
		cr_assert_eq(s1.bytes_copied, s0.bytes_copied,
			     "take copied bytes");
		assert_live(len, "take %zu", n);
		/* Releasing one side gives back exactly the buffers the other
		 * side does not use. */
		if (n % 2) {
			rv_chain_release(&out);
			cr_assert_eq(
				stats().held, parts_in(len, cuts, nc, n, len),
				"n %zu cuts %zu/%zu", n, cuts[0], cuts[nc - 1]);
			assert_live(len - n, "take %zu, out released", n);
			rv_chain_release(&c);
		} else {
			rv_chain_release(&c);
			cr_assert_eq(
				stats().held, parts_in(len, cuts, nc, 0, n),
				"n %zu cuts %zu/%zu", n, cuts[0], cuts[nc - 1]);
			assert_live(n, "take %zu, rest released", n);
			rv_chain_release(&out);
		}
		struct rv_pool_stats s2 = stats();
		cr_assert_eq(s2.free, s2.total);
		cr_assert_eq(s2.recycles - s0.recycles, bufs,
			     "take %zu: %llu recycles for %u buffers", n,
			     (unsigned long long)(s2.recycles - s0.recycles),
			     bufs);
	}
}

static const char take_msg[] = "0123456789abcdefghijklmnopqrstuv";

/* take(n) at every n across 2 buffers cut at every point: bytes split
 * right, nothing copied, each buffer recycled exactly once. */
Test(chain, take_two_buffers_every_cut)
{
	for_each_split(S(take_msg), 1, check_take, NULL);
	assert_idle();
}

/* The same with 3 buffers at every pair of cuts. */
Test(chain, take_three_buffers_every_cut, .timeout = 60)
{
	for_each_split(S(take_msg), 2, check_take, NULL);
	assert_idle();
}

/* take appends to the end of a non-empty |out|. */
Test(chain, take_appends_to_out)
{
	rv_chain c, out = RV_CHAIN_INIT;
	size_t cuts[1] = {4};
	build_split(&c, S("abcdefgh"), cuts, 1);
	rv_view v = piece("XY", 2, 0);
	append(&out, &v);
	cr_assert_eq(rv_chain_take(&c, 6, &out), 0);
	assert_chain_is(&out, "XYabcdef", 8);
	assert_chain_is(&c, "gh", 2);
	rv_chain_release(&c);
	rv_chain_release(&out);
	assert_idle();
}

/* take(n > len) fails with -ERANGE and leaves both chains as they were. */
Test(chain, take_out_of_range)
{
	rv_chain c, out = RV_CHAIN_INIT;
	size_t cuts[2] = {3, 8};
	build_split(&c, S("abcdefghij"), cuts, 2);
	rv_view v = piece("XY", 2, 0);
	append(&out, &v);
	const uint8_t *p0 = rv_chain_at(&c, 0)->data;
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_chain_take(&c, 11, &out), -ERANGE);
	cr_assert_eq(rv_chain_take(&c, SIZE_MAX, &out), -ERANGE);
	cr_assert_eq(rv_chain_count(&c), 3u);
	cr_assert_eq(rv_chain_at(&c, 0)->data, p0);
	assert_chain_is(&c, "abcdefghij", 10);
	assert_chain_is(&out, "XY", 2);
	cr_assert_eq(rv_chain_count(&out), 1u);
	cr_assert_eq(stats().held, s0.held);
	/* take of everything still works afterwards. */
	cr_assert_eq(rv_chain_take(&c, 10, &out), 0);
	assert_chain_is(&out, "XYabcdefghij", 12);
	cr_assert_eq(rv_chain_len(&c), 0u);
	rv_chain_release(&c);
	rv_chain_release(&out);
	assert_idle();
}

/* ---- take_view ------------------------------------------------------ */

static void check_take_view(const uint8_t *msg, size_t len, const size_t *cuts,
			    unsigned nc, void *arg)
{
	(void)arg;
	for (size_t n = 0; n <= len; n++) {
		rv_chain c;
		build_split(&c, msg, len, cuts, nc);
		const rv_view *first = rv_chain_at(&c, 0);
		const uint8_t *fdata = first->data;
		size_t flen = first->len;
		struct rv_pool_stats s0 = stats();
		rv_view v = RV_VIEW_INIT;
		int err = rv_chain_take_view(&c, n, &v);
		cr_assert_eq(err, 0, "take_view %zu: %s", n, rv_strerror(err));
		struct rv_pool_stats s1 = stats();
		if (n == 0) {
			cr_assert(rv_view_is_null(&v));
		} else {
			cr_assert(rv_view_eq(&v, msg, n),
				  "take_view %zu: wrong bytes", n);
		}
		if (n <= flen) {
			if (n)
				cr_assert_eq(
					v.data, fdata,
					"take_view %zu inside one view copied",
					n);
			cr_assert_eq(s1.bytes_copied, s0.bytes_copied);
			cr_assert_eq(s1.pullup_copies, s0.pullup_copies);
		} else {
			cr_assert_eq(
				s1.bytes_copied - s0.bytes_copied, n,
				"take_view %zu across views: %llu bytes copied",
				n,
				(unsigned long long)(s1.bytes_copied -
						     s0.bytes_copied));
			cr_assert_eq(s1.pullup_copies, s0.pullup_copies + 1);
		}
		assert_chain_is(&c, msg + n, len - n);
		assert_live(n <= flen ? len : len - n, "take_view %zu", n);
		rv_chain_release(&c);
		rv_view_release(&v);
		assert_idle();
	}
}

/* take_view at every n across 2 and 3 buffers: zero-copy inside the first
 * view (same data pointer), one counted copy when it straddles. */
Test(chain, take_view_every_cut, .timeout = 60)
{
	for_each_split(S(take_msg), 1, check_take_view, NULL);
	for_each_split(S(take_msg), 2, check_take_view, NULL);
	assert_idle();
}

/* take_view(n > len) fails with -ERANGE and changes nothing. */
Test(chain, take_view_out_of_range)
{
	rv_chain c;
	size_t cuts[1] = {2};
	build_split(&c, S("abcd"), cuts, 1);
	rv_view v = RV_VIEW_INIT;
	cr_assert_eq(rv_chain_take_view(&c, 5, &v), -ERANGE);
	cr_assert(rv_view_is_null(&v));
	assert_chain_is(&c, "abcd", 4);
	rv_chain_release(&c);
	assert_idle();
}

/* ---- pullup --------------------------------------------------------- */

static void check_pullup(const uint8_t *msg, size_t len, const size_t *cuts,
			 unsigned nc, void *arg)
{
	(void)arg;
	for (size_t n = 1; n <= len; n++) {
		rv_chain c;
		build_split(&c, msg, len, cuts, nc);
		const rv_view *first = rv_chain_at(&c, 0);
		const uint8_t *fdata = first->data;
		size_t flen = first->len;
		uint32_t count0 = rv_chain_count(&c);
		struct rv_pool_stats s0 = stats();
		rv_view p = RV_VIEW_INIT, p2 = RV_VIEW_INIT, p3 = RV_VIEW_INIT;
		int err = rv_chain_pullup(&c, n, &p);
		cr_assert_eq(err, 0, "pullup %zu: %s", n, rv_strerror(err));
		cr_assert(rv_view_eq(&p, msg, n), "pullup %zu: wrong bytes", n);
		assert_chain_is(&c, msg, len); /* the chain keeps its bytes */
		struct rv_pool_stats s1 = stats();
		if (n <= flen) {
			cr_assert_eq(p.data, fdata,
				     "pullup %zu inside one view moved", n);
			cr_assert_eq(s1.bytes_copied, s0.bytes_copied);
			cr_assert_eq(s1.pullup_copies, s0.pullup_copies);
			cr_assert_eq(rv_chain_count(&c), count0);
			assert_live(len + n, "zero-copy pullup %zu", n);
		} else {
			cr_assert_eq(s1.bytes_copied - s0.bytes_copied, n,
				     "pullup %zu: %llu bytes copied", n,
				     (unsigned long long)(s1.bytes_copied -
							  s0.bytes_copied));
			cr_assert_eq(s1.pullup_copies, s0.pullup_copies + 1);
			cr_assert_geq(rv_chain_at(&c, 0)->len, n);
			cr_assert_eq(rv_chain_at(&c, 0)->data, p.data,
				     "the copy does not replace the bytes in "
				     "the chain");
			/* The buffers whose bytes all moved into the copy are
			 * no longer referenced by the chain. */
			cr_assert_eq(s1.held, parts_in(len, cuts, nc, n, len),
				     "pullup %zu: %u buffers held", n, s1.held);
			assert_live(len - n, "pullup %zu with a copy", n);
		}
		/* Pulling up the same n, or less, again never copies. */
		cr_assert_eq(rv_chain_pullup(&c, n, &p2), 0);
		cr_assert_eq(p2.data, p.data);
		cr_assert_eq(p2.len, n);
		cr_assert_eq(rv_chain_pullup(&c, (n + 1) / 2, &p3), 0);
		cr_assert_eq(p3.data, p.data);
		struct rv_pool_stats s2 = stats();
		cr_assert_eq(s2.bytes_copied, s1.bytes_copied,
			     "second pullup copied");
		cr_assert_eq(s2.pullup_copies, s1.pullup_copies);
		assert_chain_is(&c, msg, len);

		/* The pulled-up view outlives the chain. */
		rv_chain_release(&c);
		cr_assert(rv_view_eq(&p, msg, n));
		rv_view_release(&p);
		rv_view_release(&p3);
		cr_assert(rv_view_eq(&p2, msg, n));
		rv_view_release(&p2);
		assert_idle();
	}
}

/* pullup(n) at every n across 2 buffers cut at every point. */
Test(chain, pullup_two_buffers_every_cut)
{
	for_each_split(S(take_msg), 1, check_pullup, NULL);
	assert_idle();
}

/* pullup(n) at every n across 3 buffers at every pair of cuts. */
Test(chain, pullup_three_buffers_every_cut, .timeout = 60)
{
	for_each_split(S(take_msg), 2, check_pullup, NULL);
	assert_idle();
}

/* pullup(0) and pullup(n > len) fail with -ERANGE and change nothing. */
Test(chain, pullup_out_of_range)
{
	rv_chain c = RV_CHAIN_INIT;
	rv_view p = RV_VIEW_INIT;
	cr_assert_eq(rv_chain_pullup(&c, 0, &p), -ERANGE);
	cr_assert_eq(rv_chain_pullup(&c, 1, &p), -ERANGE);
	size_t cuts[1] = {3};
	build_split(&c, S("abcdef"), cuts, 1);
	struct rv_pool_stats s0 = stats();
	cr_assert_eq(rv_chain_pullup(&c, 0, &p), -ERANGE);
	cr_assert_eq(rv_chain_pullup(&c, 7, &p), -ERANGE);
	cr_assert_eq(rv_chain_pullup(&c, SIZE_MAX, &p), -ERANGE);
	cr_assert(rv_view_is_null(&p));
	cr_assert_eq(rv_chain_count(&c), 2u);
	assert_chain_is(&c, "abcdef", 6);
	cr_assert_eq(stats().bytes_copied, s0.bytes_copied);
	rv_chain_release(&c);
	assert_idle();
}

/* ---- consume, pop, copy_out, to_iovec ------------------------------- */

static void check_consume(const uint8_t *msg, size_t len, const size_t *cuts,
			  unsigned nc, void *arg)
{
	(void)arg;
	for (size_t n = 0; n <= len; n++) {
		rv_chain c;
		unsigned bufs = build_split(&c, msg, len, cuts, nc);
		struct rv_pool_stats s0 = stats();
		cr_assert_eq(rv_chain_consume(&c, n), 0);
		assert_chain_is(&c, msg + n, len - n);
		/* Fully consumed buffers come back at once. */
		unsigned left = parts_in(len, cuts, nc, n, len);
		cr_assert_eq(stats().held, left, "consume %zu: held %u want %u",
			     n, stats().held, left);
		cr_assert_eq(stats().recycles - s0.recycles, bufs - left);
		assert_live(len - n, "consume %zu", n);
		cr_assert_eq(rv_chain_consume(&c, len - n + 1), -ERANGE);
		assert_chain_is(&c, msg + n, len - n);
		rv_chain_release(&c);
		cr_assert_eq(stats().recycles - s0.recycles, bufs);
		assert_idle();
	}
}

/* consume(n) at every n across 3 buffers: the rest stays, consumed buffers
 * are recycled immediately, n > len is -ERANGE and consumes nothing. */
Test(chain, consume_every_cut, .timeout = 60)
{
	for_each_split(S(take_msg), 2, check_consume, NULL);
	assert_idle();
}

/* pop moves the first view out (same bytes, same reference) until the
 * chain is empty, then -ENOENT. */
Test(chain, pop_views)
{
	rv_chain c;
	size_t cuts[2] = {2, 5};
	build_split(&c, S("abcdefgh"), cuts, 2);
	const uint8_t *p1 = rv_chain_at(&c, 1)->data;
	rv_view a, b, d, e = RV_VIEW_INIT;
	cr_assert_eq(rv_chain_pop(&c, &a), 0);
	cr_assert(rv_view_eq(&a, "ab", 2));
	cr_assert_eq(rv_chain_len(&c), 6u);
	cr_assert_eq(rv_chain_count(&c), 2u);
	cr_assert_eq(rv_chain_pop(&c, &b), 0);
	cr_assert_eq(b.data, p1);
	cr_assert(rv_view_eq(&b, "cde", 3));
	cr_assert_eq(rv_chain_pop(&c, &d), 0);
	cr_assert(rv_view_eq(&d, "fgh", 3));
	cr_assert_eq(rv_chain_len(&c), 0u);
	cr_assert_eq(rv_chain_pop(&c, &e), -ENOENT);
	cr_assert(rv_view_is_null(&e));
	rv_chain_release(&c);
	cr_assert_eq(stats().held, 3u, "popped views lost their references");
	rv_view_release(&a);
	rv_view_release(&b);
	rv_view_release(&d);
	assert_idle();
}

/* copy_out copies any range inside the chain and rejects any range that
 * is not (including overflowing ones) without touching |dst|. */
Test(chain, copy_out_bounds)
{
	rv_chain c;
	size_t cuts[2] = {3, 7};
	const char *msg = "0123456789ab";
	build_split(&c, S("0123456789ab"), cuts, 2);
	uint8_t dst[16];
	for (size_t off = 0; off <= 13; off++)
		for (size_t n = 0; n <= 13; n++) {
			memset(dst, 0x55, sizeof(dst));
			int err = rv_chain_copy_out(&c, off, dst, n);
			if (off + n <= 12) {
				cr_assert_eq(err, 0, "off %zu n %zu", off, n);
				cr_assert(memcmp(dst, msg + off, n) == 0);
				cr_assert_eq(dst[n], 0x55, "copied past n");
			} else {
				cr_assert_eq(err, -ERANGE, "off %zu n %zu", off,
					     n);
				cr_assert_eq(dst[0], 0x55,
					     "failed copy wrote to dst");
			}
		}
	cr_assert_eq(rv_chain_copy_out(&c, SIZE_MAX, dst, 2), -ERANGE);
	cr_assert_eq(rv_chain_copy_out(&c, 2, dst, SIZE_MAX), -ERANGE);
	cr_assert_eq(rv_chain_copy_out(&c, SIZE_MAX, dst, 0), -ERANGE);
	rv_chain_release(&c);
	assert_idle();
}

/* to_iovec fills one entry per view, stops at max_iov, returns how many. */
Test(chain, to_iovec)
{
	rv_chain c = RV_CHAIN_INIT;
	struct iovec iov[8];
	cr_assert_eq(rv_chain_to_iovec(&c, iov, 8), 0);
	size_t cuts[2] = {2, 5};
	build_split(&c, S("abcdefghij"), cuts, 2);
	memset(iov, 0, sizeof(iov));
	cr_assert_eq(rv_chain_to_iovec(&c, iov, 8), 3);
	for (uint32_t i = 0; i < 3; i++) {
		cr_assert_eq(iov[i].iov_base, (void *)rv_chain_at(&c, i)->data);
		cr_assert_eq(iov[i].iov_len, rv_chain_at(&c, i)->len);
	}
	memset(iov, 0, sizeof(iov));
	cr_assert_eq(rv_chain_to_iovec(&c, iov, 2), 2);
	cr_assert_eq(iov[1].iov_len, 3u);
	cr_assert_null(iov[2].iov_base, "wrote past max_iov");
	cr_assert_eq(rv_chain_to_iovec(&c, iov, 0), 0);
	cr_assert_eq(rv_chain_to_iovec(&c, iov, -1), 0);
	rv_chain_release(&c);
	assert_idle();
}
