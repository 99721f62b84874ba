/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * cursor.c - a borrowed reader over one view or a chain of them.
 *
 * The cursor remembers which view holds the next byte (_idx, _off) and how
 * far it has read (_pos). Invariant: while bytes remain, _off < the length
 * of view _idx, so the fast path of every read is one bounds check and a
 * load from the current view.
 */
#include <errno.h>
#include <string.h>

#include "core/pool_internal.h"

static uint32_t view_count(const rv_cursor *cur)
{
	return cur->_chain ? rv_chain_count(cur->_chain) : 1;
}

static const rv_view *view_at(const rv_cursor *cur, uint32_t i)
{
	return cur->_chain ? rv_chain_at(cur->_chain, i) : cur->_single;
}

/* A cursor borrows its views; reading through one whose buffer was
 * recycled meanwhile is the use-after-recycle that views abort on. */
static inline void check_current(const rv_cursor *cur, const char *op)
{
	if (cur->_cur && cur->_cur->_buf)
		rv__view_check(cur->_cur, op);
}

/* Step over exhausted (and empty) views so the invariant holds. */
static void settle(rv_cursor *cur)
{
	uint32_t n = view_count(cur);

	while (cur->_idx < n && cur->_off >= view_at(cur, cur->_idx)->len) {
		cur->_off = 0;
		cur->_idx++;
	}
	cur->_cur = cur->_idx < n ? view_at(cur, cur->_idx) : NULL;
}

void rv_cursor_init_view(rv_cursor *cur, const rv_view *v)
{
	*cur = (rv_cursor){._single = v, ._len = v->len};
	settle(cur);
	check_current(cur, "rv_cursor_init_view");
}

void rv_cursor_init_chain(rv_cursor *cur, const rv_chain *c)
{
	*cur = (rv_cursor){._chain = c, ._len = rv_chain_len(c)};
	settle(cur);
}

int rv_cursor_seek(rv_cursor *cur, size_t pos)
{
	if (pos > cur->_len)
		return -ERANGE;
	if (pos < cur->_pos) {
		cur->_idx = 0;
		cur->_off = 0;
		cur->_pos = 0;
	}
	/* Walk forward view by view from where we are. */
	while (cur->_pos < pos) {
		const rv_view *v = view_at(cur, cur->_idx);
		size_t step = v->len - cur->_off;
		if (step > pos - cur->_pos)
			step = pos - cur->_pos;
		cur->_off += step;
		cur->_pos += step;
		if (cur->_off == v->len) {
			cur->_off = 0;
			cur->_idx++;
		}
	}
	settle(cur);
	return 0;
}

/* Copy the next |n| bytes to |dst| without moving (n <= remaining). */
static void copy_ahead(const rv_cursor *cur, uint8_t *dst, size_t n)
{
	uint32_t i = cur->_idx;
	size_t off = cur->_off;

	while (n) {
		const rv_view *v = view_at(cur, i);
		size_t take = v->len - off < n ? v->len - off : n;
		memcpy(dst, v->data + off, take);
		dst += take;
		n -= take;
		off = 0;
		i++;
	}
}

/* Read |n| bytes into |dst| and advance; -ERANGE leaves all as it was. */
static int read_bytes(rv_cursor *cur, uint8_t *dst, size_t n)
{
	if (n > cur->_len - cur->_pos)
		return -ERANGE;
	if (n == 0)
		return 0;
	check_current(cur, "rv_cursor read");
	if (cur->_cur->len - cur->_off > n) {
		/* Fast path: inside the current view with bytes to spare. */
		memcpy(dst, cur->_cur->data + cur->_off, n);
		cur->_off += n;
		cur->_pos += n;
		return 0;
	}
	copy_ahead(cur, dst, n);
	return rv_cursor_seek(cur, cur->_pos + n);
}

int rv__cursor_read(rv_cursor *cur, uint8_t *dst, size_t n)
{
	return read_bytes(cur, dst, n);
}

int rv_cursor_peek_u8(const rv_cursor *cur, uint8_t *out)
{
	if (cur->_pos >= cur->_len)
		return -ERANGE;
	check_current(cur, "rv_cursor_peek_u8");
	*out = cur->_cur->data[cur->_off];
	return 0;
}

int rv_cursor_get_bytes(rv_cursor *cur, void *dst, size_t n)
{
	return read_bytes(cur, dst, n);
}

int rv_cursor_skip(rv_cursor *cur, size_t n)
{
	if (n > cur->_len - cur->_pos)
		return -ERANGE;
	return rv_cursor_seek(cur, cur->_pos + n);
}

int rv_cursor_peek(const rv_cursor *cur, size_t n, void *scratch,
		   const uint8_t **out)
{
	if (n > cur->_len - cur->_pos)
		return -ERANGE;
	check_current(cur, "rv_cursor_peek");
	if (cur->_cur && cur->_cur->len - cur->_off >= n) {
		*out = cur->_cur->data + cur->_off;
		return 0;
	}
	/* The bytes straddle a seam (or n == 0 at the end): copy them. */
	copy_ahead(cur, scratch, n);
	*out = scratch;
	return 0;
}

int rv_cursor_get_span(rv_cursor *cur, size_t n, void *scratch,
		       const uint8_t **out)
{
	int err = rv_cursor_peek(cur, n, scratch, out);

	if (err)
		return err;
	return rv_cursor_skip(cur, n);
}

ssize_t rv_cursor_find(const rv_cursor *cur, const void *needle,
		       size_t needle_len)
{
	ssize_t at;

	if (cur->_chain)
		at = rv_chain_find(cur->_chain, cur->_pos, needle, needle_len);
	else
		at = rv_view_find(cur->_single, cur->_pos, needle, needle_len);
	return at < 0 ? at : at - (ssize_t)cur->_pos;
}

/* Find the view and offset holding absolute position |pos| (< len). */
static void locate(const rv_cursor *cur, size_t pos, uint32_t *idx, size_t *off)
{
	uint32_t i = 0;

	while (pos >= view_at(cur, i)->len) {
		pos -= view_at(cur, i)->len;
		i++;
	}
	*idx = i;
	*off = pos;
}

int rv__cursor_keep(const rv_cursor *cur, size_t start, rv_view *out,
		    const char *site)
{
	size_t n, off;
	uint32_t idx;
	rv_view copy;
	rv_cursor tmp;
	int err;

	if (start > cur->_pos)
		return -ERANGE;
	n = cur->_pos - start;
	if (n == 0) {
		*out = RV_VIEW_INIT;
		return 0;
	}
	locate(cur, start, &idx, &off);
	if (view_at(cur, idx)->len - off >= n)
		return rv__view_slice(view_at(cur, idx), off, n, out, site);
	/* The span crosses a seam: one copy, counted. */
	err = rv__heap_view(n, &copy, site);
	if (err)
		return err;
	tmp = *cur;
	rv_cursor_seek(&tmp, start);
	copy_ahead(&tmp, rv_view_mut(&copy), n);
	rv__pool_count_copy(rv__view_pool(view_at(cur, idx)), n, false);
	*out = copy;
	return 0;
}

int rv__cursor_keep_chain(const rv_cursor *cur, size_t start, rv_chain *out,
			  const char *site)
{
	size_t n, off;
	uint32_t idx, k = 0;
	int err;

	if (start > cur->_pos)
		return -ERANGE;
	n = cur->_pos - start;
	if (n == 0)
		return 0;
	locate(cur, start, &idx, &off);
	/* Count the views first so the appends below cannot fail. */
	for (size_t left = n, o = off; left; k++, o = 0) {
		size_t avail = view_at(cur, idx + k)->len - o;
		left -= avail < left ? avail : left;
	}
	err = rv__chain_reserve(out, rv_chain_count(out) + k);
	if (err)
		return err;
	for (uint32_t i = 0; i < k; i++, off = 0) {
		const rv_view *v = view_at(cur, idx + i);
		size_t take = v->len - off < n ? v->len - off : n;
		rv_view part;
		rv__view_slice(v, off, take, &part, site);
		rv_chain_append(out, &part);
		n -= take;
	}
	return 0;
}
