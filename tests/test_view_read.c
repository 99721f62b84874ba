/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_view_read.c - views: typed reads at every offset, find, eq,
 * copy_out, write and hexdump, with their bounds.
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

/* A pool-backed view holding exactly |n| bytes of |s|; the buffer bytes
 * right after the view are |after| (to catch reads past the end). */
static rv_view view_of(const void *s, size_t n, const char *after)
{
	rv_view v;
	cr_assert_eq(rv_pool_get(pool, &v), 0);
	cr_assert_eq(rv_view_write(&v, 0, s, n), 0);
	if (after)
		cr_assert_eq(rv_view_write(&v, n, after, strlen(after)), 0);
	cr_assert_eq(rv_view_truncate(&v, n), 0);
	cr_assert_eq(v.len, n);
	return v;
}

static rv_view view_str(const char *s, const char *after)
{
	return view_of(s, strlen(s), after);
}

/* ---- typed reads --------------------------------------------------- */

struct reader {
	const char *name;
	size_t width;
	bool be;
	int (*fn)(const rv_view *v, size_t off, uint64_t *out);
};

#define SENTINEL 0xA5A5A5A5A5A5A5A5ull
#define READER(nm, type, w, big)                                        \
	static int rd_##nm(const rv_view *v, size_t off, uint64_t *out) \
	{                                                               \
		type x = (type)SENTINEL;                                \
		int rc = rv_view_get_##nm(v, off, &x);                  \
		*out = x;                                               \
		return rc;                                              \
	}
READER(u8, uint8_t, 1, true)
READER(u16be, uint16_t, 2, true)
READER(u16le, uint16_t, 2, false)
READER(u32be, uint32_t, 4, true)
READER(u32le, uint32_t, 4, false)
READER(u64be, uint64_t, 8, true)
READER(u64le, uint64_t, 8, false)

static const struct reader readers[] = {
	{"u8", 1, true, rd_u8},	       {"u16be", 2, true, rd_u16be},
	{"u16le", 2, false, rd_u16le}, {"u32be", 4, true, rd_u32be},
	{"u32le", 4, false, rd_u32le}, {"u64be", 8, true, rd_u64be},
	{"u64le", 8, false, rd_u64le},
};

static uint64_t expect_value(const uint8_t *p, size_t w, bool be)
{
	uint64_t x = 0;
	for (size_t i = 0; i < w; i++)
		x |= (uint64_t)p[be ? i : w - 1 - i] << (8 * (w - 1 - i));
	return x;
}

static void check_reads(const rv_view *v)
{
	size_t offs[64];
	size_t L = v->len, no = edge_values(L, offs);

	for (size_t r = 0; r < sizeof(readers) / sizeof(readers[0]); r++) {
		const struct reader *rd = &readers[r];
		uint64_t mask =
			rd->width == 8 ? ~0ull : (1ull << (8 * rd->width)) - 1;
		for (size_t i = 0; i < no; i++) {
			size_t off = offs[i];
			bool fits = off <= L && rd->width <= L - off;
			uint64_t got;
			int rc = rd->fn(v, off, &got);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE,
					     "%s at %zu of %zu: %d", rd->name,
					     off, L, rc);
				cr_assert_eq(got, SENTINEL & mask,
					     "%s at %zu: out touched", rd->name,
					     off);
				continue;
			}
			cr_assert_eq(rc, 0, "%s at %zu of %zu: %d", rd->name,
				     off, L, rc);
			cr_assert_eq(
				got,
				expect_value(v->data + off, rd->width, rd->be),
				"%s at %zu: got %#llx", rd->name, off,
				(unsigned long long)got);
		}
	}
}

/* Typed reads at every offset: right value and byte order up to the last
 * valid offset, -ERANGE with out untouched from the first invalid one. */
Test(view, typed_reads_every_offset, .init = view_setup)
{
	rv_view v = get_buf(), s;

	cr_assert_eq(rv_view_slice(&v, 5, 17, &s), 0);
	check_reads(&s);
	/* spot-check the byte order by hand */
	{
		const uint8_t b[8] = {0x01, 0x02, 0x03, 0x04,
				      0x05, 0x06, 0x07, 0x08};
		rv_view k = view_of(b, 8, "\xff\xff\xff\xff");
		uint16_t x16;
		uint32_t x32;
		uint64_t x64;
		cr_assert_eq(rv_view_get_u16be(&k, 0, &x16), 0);
		cr_assert_eq(x16, 0x0102);
		cr_assert_eq(rv_view_get_u16le(&k, 6, &x16), 0);
		cr_assert_eq(x16, 0x0807);
		cr_assert_eq(rv_view_get_u32be(&k, 4, &x32), 0);
		cr_assert_eq(x32, 0x05060708);
		cr_assert_eq(rv_view_get_u32le(&k, 1, &x32), 0);
		cr_assert_eq(x32, 0x05040302);
		cr_assert_eq(rv_view_get_u64be(&k, 0, &x64), 0);
		cr_assert_eq(x64, 0x0102030405060708ull);
		cr_assert_eq(rv_view_get_u64le(&k, 0, &x64), 0);
		cr_assert_eq(x64, 0x0807060504030201ull);
		cr_assert_eq(rv_view_get_u32be(&k, 5, &x32), -ERANGE,
			     "reads must not see bytes past the view");
		rv_view_release(&k);
	}
	rv_view_release(&s);
	rv_view_release(&v);
	pool_down();
}

/* Typed reads on empty and cleared views fail cleanly. */
Test(view, typed_reads_on_empty_views, .init = view_setup)
{
	rv_view v = get_buf(), c = RV_VIEW_INIT;

	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	check_reads(&v);
	check_reads(&c);
	rv_view_release(&v);
	pool_down();
}

/* ---- find / eq / copy_out / write ---------------------------------- */

/* find: at start, middle, end, overlapping prefix, not found, never past the
 * view, empty needle at from, from at/beyond len. */
Test(view, find, .init = view_setup)
{
	rv_view v = view_str("GET /index HTTP/1.1\r\n", "\r\nXYZ");
	size_t L = v.len;

	cr_assert_eq(rv_view_find(&v, 0, "GET", 3), 0);
	cr_assert_eq(rv_view_find(&v, 0, "/index", 6), 4);
	cr_assert_eq(rv_view_find(&v, 0, "\r\n", 2), (ssize_t)L - 2);
	cr_assert_eq(rv_view_find(&v, 0, v.data, L), 0, "whole view");
	cr_assert_eq(rv_view_find(&v, 1, "GET", 3), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 4, "/index", 6), 4, "from == match");
	cr_assert_eq(rv_view_find(&v, 5, "/index", 6), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "POST", 4), -ENOENT);
	/* bytes after the view must not be searched */
	cr_assert_eq(rv_view_find(&v, 0, "XYZ", 3), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "\r\n\r\n", 4), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "1.1\r\n\r", 6), -ENOENT);
	/* needle longer than the view */
	cr_assert_eq(rv_view_find(&v, 0, "GET /index HTTP/1.1\r\n\r\n", L + 2),
		     -ENOENT);
	/* empty needle matches at from, up to from == len */
	cr_assert_eq(rv_view_find(&v, 0, "", 0), 0);
	cr_assert_eq(rv_view_find(&v, 7, "", 0), 7);
	cr_assert_eq(rv_view_find(&v, L, "", 0), (ssize_t)L);
	/* from beyond len */
	cr_assert_eq(rv_view_find(&v, L, "\n", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, L + 1, "", 0), -ENOENT);
	cr_assert_eq(rv_view_find(&v, L + 1, "G", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, SIZE_MAX, "G", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, SIZE_MAX, "", 0), -ENOENT);
	rv_view_release(&v);

	/* overlapping partial matches */
	v = view_str("aaab", NULL);
	cr_assert_eq(rv_view_find(&v, 0, "aab", 3), 1);
	cr_assert_eq(rv_view_find(&v, 2, "ab", 2), 2);
	cr_assert_eq(rv_view_find(&v, 3, "b", 1), 3);
	rv_view_release(&v);
	pool_down();
}

/* find_byte: at start, middle, last byte, not found, never past the view,
 * from at/beyond len. */
Test(view, find_byte, .init = view_setup)
{
	rv_view v = view_str("key=value;", "Z");
	size_t L = v.len;

	cr_assert_eq(rv_view_find_byte(&v, 0, 'k'), 0);
	cr_assert_eq(rv_view_find_byte(&v, 0, '='), 3);
	cr_assert_eq(rv_view_find_byte(&v, 3, '='), 3);
	cr_assert_eq(rv_view_find_byte(&v, 4, '='), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, 0, ';'), (ssize_t)L - 1);
	cr_assert_eq(rv_view_find_byte(&v, L - 1, ';'), (ssize_t)L - 1);
	cr_assert_eq(rv_view_find_byte(&v, 0, 'e'), 1);
	cr_assert_eq(rv_view_find_byte(&v, 3, 'e'), 8);
	cr_assert_eq(rv_view_find_byte(&v, 0, '#'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, 0, 'Z'), -ENOENT, "past the view");
	cr_assert_eq(rv_view_find_byte(&v, 0, 0), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, L, ';'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, L + 1, 'k'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, SIZE_MAX, 'k'), -ENOENT);
	rv_view_release(&v);

	/* NUL bytes are ordinary bytes */
	v = view_of("ab\0cd", 5, NULL);
	cr_assert_eq(rv_view_find_byte(&v, 0, 0), 2);
	cr_assert_eq(rv_view_find(&v, 0, "\0c", 2), 2);
	rv_view_release(&v);
	pool_down();
}

/* eq and eq_view compare length and every byte, never past the view. */
Test(view, eq_and_eq_view, .init = view_setup)
{
	rv_view a = view_str("hello", "!"), b = view_str("hello", "?");
	rv_view c = view_str("hellO", NULL), e = RV_VIEW_INIT, s;

	cr_assert(rv_view_eq(&a, "hello", 5));
	cr_assert(!rv_view_eq(&a, "hello!", 6), "bytes past the view");
	cr_assert(!rv_view_eq(&a, "hell", 4));
	cr_assert(!rv_view_eq(&a, "jello", 5), "first byte differs");
	cr_assert(!rv_view_eq(&a, "hellO", 5), "last byte differs");
	cr_assert(rv_view_eq_view(&a, &b), "same bytes, different buffers");
	cr_assert(rv_view_eq_view(&b, &a));
	cr_assert(!rv_view_eq_view(&a, &c));
	cr_assert(!rv_view_eq_view(&a, &e));
	cr_assert(rv_view_eq(&e, "", 0));
	cr_assert(rv_view_eq_view(&e, &e));
	cr_assert_eq(rv_view_slice(&a, 1, 3, &s), 0);
	cr_assert(rv_view_eq(&s, "ell", 3));
	cr_assert(!rv_view_eq_view(&s, &a));
	cr_assert_eq(rv_view_truncate(&a, 0), 0);
	cr_assert(rv_view_eq_view(&a, &e), "empty equals cleared");
	rv_view_release(&a);
	rv_view_release(&b);
	rv_view_release(&c);
	rv_view_release(&s);
	pool_down();
}

/* copy_out at every off/n (overflows included): all or nothing. */
Test(view, copy_out_bounds, .init = view_setup)
{
	const size_t L = 8;
	rv_view v = view_str("01234567", "89");
	size_t vals[64], nv = edge_values(L, vals);

	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], n = vals[j];
			bool fits = off <= L && n <= L - off;
			char dst[16];
			memset(dst, '#', sizeof(dst));
			int rc = rv_view_copy_out(&v, off, dst, n);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE, "off %zu n %zu", off,
					     n);
				for (size_t k = 0; k < sizeof(dst); k++)
					cr_assert_eq(dst[k], '#',
						     "dst written");
				continue;
			}
			cr_assert_eq(rc, 0, "off %zu n %zu", off, n);
			cr_assert(memcmp(dst, &"01234567"[off], n) == 0);
			cr_assert_eq(dst[n], '#', "wrote past n");
		}
	}
	rv_view_release(&v);
	pool_down();
}

/* write at every off/n (overflows included): all or nothing, never past
 * the view. */
Test(view, write_bounds, .init = view_setup)
{
	const size_t L = 8;
	rv_view v = view_str("........", "||||");
	size_t vals[64], nv = edge_values(L, vals);
	const char src[16] = "ABCDEFGHIJKLMNO";

	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], n = vals[j];
			bool fits = off <= L && n <= L - off;
			int rc;
			cr_assert_eq(rv_view_write(&v, 0, "........", 8), 0);
			rc = rv_view_write(&v, off, src, n);
			cr_assert(memcmp(v.data + L, "||||", 4) == 0,
				  "wrote past the view (off %zu n %zu)", off,
				  n);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE, "off %zu n %zu", off,
					     n);
				cr_assert(rv_view_eq(&v, "........", 8));
				continue;
			}
			cr_assert_eq(rc, 0);
			cr_assert(memcmp(v.data + off, src, n) == 0);
		}
	}
	rv_view_release(&v);
	pool_down();
}

/* ---- hexdump ------------------------------------------------------- */

static char *hexdump_of(const rv_view *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	rv_view_hexdump(v, f);
	cr_assert_eq(fclose(f), 0);
	for (size_t i = 0; i < len; i++)
		text[i] = (char)tolower((unsigned char)text[i]);
	return text;
}

/* hexdump: a header line, then offset/hex/ASCII lines for the view's bytes
 * only. */
Test(view, hexdump, .init = view_setup)
{
	uint8_t bytes[40];
	rv_view v;
	char *text;
	int lines = 0;

	memcpy(bytes, "Hello, ringview!", 16);
	memcpy(bytes + 16, "\xde\xad\xbe\xef", 4);
	for (int i = 20; i < 40; i++)
		bytes[i] = (uint8_t)('a' + i - 20);
	v = view_of(bytes, sizeof(bytes), "ZZZZZZZZ");
	text = hexdump_of(&v);
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 1 + 3, "header + 3 lines of 16:\n%s", text);
	cr_assert(strstr(text, "48 65 6c 6c 6f") || strstr(text, "48656c6c6f"),
		  "hex of 'Hello' missing:\n%s", text);
	cr_assert(strstr(text, "de ad be ef") || strstr(text, "deadbeef"),
		  "hex of deadbeef missing:\n%s", text);
	cr_assert(strstr(text, "hello, ringview!"), "ASCII column:\n%s", text);
	cr_assert(strstr(text, "gen"), "header names the generation:\n%s",
		  text);
	cr_assert(strstr(text, "ref"), "header names the refcount:\n%s", text);
	cr_assert_null(strstr(text, "5a 5a"), "dumped bytes past the view");
	cr_assert_null(strstr(text, "zzzz"), "dumped bytes past the view");
	free(text);
	rv_view_release(&v);
	pool_down();
}
