/*
 * tests/test_cursor.c - rv_cursor: every getter at every position of
 * chains cut into 2 and 3 views at every point (values straddling a seam
 * at each byte split), compared with a reference decoding of a flat copy;
 * failures leave the cursor unchanged; peek/get_span point into the view
 * when they can and use scratch only at a seam; find; keep and keep_chain
 * reference accounting; and a small length-prefixed protocol parsed from
 * a stream cut into buffers.
 *
 * Chains are built from pool buffers: each part is written at an offset
 * inside its own buffer, surrounded by poison bytes, and sliced out.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#define BUF_SIZE  128u
#define BUF_COUNT 128u
#define POISON	  0xEE

static rv_pool *pool;

static void setup(void)
{
	/* pin_ratio 1: every held buffer counts as pinned, so
	 * stats.pinned_bytes is the number of bytes all live views cover. */
	struct rv_pool_config cfg = {
		.count = BUF_COUNT, .size = BUF_SIZE, .pin_ratio = 1};
	int err = rv_pool_create(&cfg, &pool);
	cr_assert_eq(err, 0, "rv_pool_create: %s", rv_strerror(err));
}

/* Criterion does not fail a test whose .fini fails, so every test checks
 * assert_idle() itself; this only frees the pool (and logs any leak). */
static void teardown(void)
{
	int err = rv_pool_destroy(pool);
	cr_assert_eq(err, 0, "rv_pool_destroy: %s", rv_strerror(err));
}

TestSuite(cursor, .init = setup, .fini = teardown);

/* ---- helpers -------------------------------------------------------- */

static struct rv_pool_stats stats(void)
{
	struct rv_pool_stats s;
	rv_pool_stats(pool, &s);
	return s;
}

/* The invariant every test ends with: every buffer is free again. */
static void assert_idle(void)
{
	struct rv_pool_stats s = stats();
	cr_assert_eq(s.free, s.total, "free %u != total %u (held %u)", s.free,
		     s.total, s.held);
	cr_assert_eq(s.held, 0u);
}

/* The live views of pool buffers cover |n| bytes in all (pin_ratio 1, see
 * setup); |what| says where, for the failure message. */
static void assert_live(uint64_t n, const char *what, ...)
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

/* A view of the |n| bytes of |src| written at offset |off| of a fresh pool
 * buffer whose other bytes are poison. The caller owns the view. */
static rv_view piece(const void *src, size_t n, size_t off)
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

/* Builds |c| from |msg| cut at the ascending offsets |cuts[0..nc)|, each
 * part in its own buffer. Returns the number of non-empty parts. */
static unsigned build_split(rv_chain *c, const uint8_t *msg, size_t len,
			    const size_t *cuts, unsigned nc)
{
	size_t start = 0;
	unsigned bufs = 0;
	rv_chain_init(c);
	for (unsigned i = 0; i <= nc; i++) {
		size_t end = i < nc ? cuts[i] : len;
		rv_view v = piece(msg + start, end - start, 3 + 5 * i);
		bufs += end > start;
		cr_assert_eq(rv_chain_append(c, &v), 0);
		start = end;
	}
	cr_assert_eq(rv_chain_count(c), bufs);
	cr_assert_eq(rv_chain_len(c), len);
	return bufs;
}

/* Number of non-empty parts of a split that hold bytes of [lo, hi). */
static unsigned parts_in(size_t len, const size_t *cuts, unsigned nc, size_t lo,
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

/* The address of chain byte |pos| when [pos, pos + n) lies inside one view
 * of |c|, else NULL (the span crosses a seam). */
static const uint8_t *contiguous_at(const rv_chain *c, size_t pos, size_t n)
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

static ssize_t ref_find(const uint8_t *h, size_t hlen, size_t from,
			const void *needle, size_t nlen)
{
	for (size_t i = from; i + nlen <= hlen; i++)
		if (nlen == 0 || memcmp(h + i, needle, nlen) == 0)
			return (ssize_t)i;
	return -ENOENT;
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

typedef void (*split_fn)(const uint8_t *msg, size_t len, const size_t *cuts,
			 unsigned nc, void *arg);

/* Calls |fn| for every way of cutting |msg| into nc + 1 parts (nc = 1 or
 * 2), empty parts included. */
static void for_each_split(const uint8_t *msg, size_t len, unsigned nc,
			   split_fn fn, void *arg)
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

/* Bytes with high bits set, all different: sign-extension and byte-order
 * mistakes show. */
static uint8_t pattern[24];
static void fill_pattern(void)
{
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(0x83 + i * 0x9D);
}

#define CUTS(nc, cuts) (cuts)[0], (nc) > 1 ? (cuts)[1] : (cuts)[0]

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
