/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * chain.c - an ordered queue of views, kept in a ring of slots whose
 * capacity is a power of two. The chain owns every view in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

/* Cut the first |n| bytes off |first|, a view of a chain, into |out|.
 * It cannot fail: a chain holds live views only and n < first->len. The
 * check makes that invariant loud, and tells the static analyzer so. */
static void split_front(rv_view *first, size_t n, rv_view *out,
			const char *site)
{
	if (RV_UNLIKELY(rv__view_split_to(first, n, out, site)))
		rv__panic("rv_chain: a chain holds a cleared view");
}

static inline rv_view *slot(const rv_chain *c, uint32_t i)
{
	return &c->_views[(c->_head + i) & (c->_cap - 1)];
}

void rv_chain_init(rv_chain *c)
{
	*c = RV_CHAIN_INIT;
}

int rv__chain_reserve(rv_chain *c, uint32_t count)
{
	uint32_t cap = c->_cap ? c->_cap : 4;
	rv_view *views;

	if (count <= c->_cap)
		return 0;
	while (cap < count) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	views = malloc((size_t)cap * sizeof(*views));
	if (!views)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->_count; i++)
		views[i] = *slot(c, i);
	free(c->_views);
	c->_views = views;
	c->_cap = cap;
	c->_head = 0;
	return 0;
}

void rv_chain_release(rv_chain *c)
{
	for (uint32_t i = 0; i < c->_count; i++)
		rv_view_release(slot(c, i));
	free(c->_views);
	*c = RV_CHAIN_INIT;
}

/* Append with room already reserved: merge into the last view when |v|
 * continues it in the same buffer, else take a new slot. */
static void push_back(rv_chain *c, rv_view *v)
{
	if (c->_count) {
		rv_view *last = slot(c, c->_count - 1);
		if (last->_buf == v->_buf && last->_gen == v->_gen &&
		    last->_flags == v->_flags &&
		    last->data + last->len == v->data) {
			last->len += v->len;
			c->_len += v->len;
			/* last now covers v's bytes; drop v's extra reference
			 * without un-counting those bytes. */
			rv__buf_live_add(v->_buf, (int64_t)v->len);
			rv_view_release(v);
			return;
		}
	}
	*slot(c, c->_count) = *v;
	c->_count++;
	c->_len += v->len;
	*v = RV_VIEW_INIT;
}

static void pop_front(rv_chain *c, rv_view *out)
{
	rv_view *first = slot(c, 0);

	*out = *first;
	*first = RV_VIEW_INIT;
	c->_head = (c->_head + 1) & (c->_cap - 1);
	c->_count--;
	c->_len -= out->len;
}

int rv_chain_append(rv_chain *c, rv_view *v)
{
	int err;

	if (!v->_buf || v->len == 0) {
		rv_view_release(v);
		return 0;
	}
	rv__view_check(v, "rv_chain_append");
	err = rv__chain_reserve(c, c->_count + 1);
	if (err)
		return err;
	push_back(c, v);
	return 0;
}

int rv_chain_append_chain(rv_chain *dst, rv_chain *src)
{
	int err = rv__chain_move(dst, src);

	if (!err && dst != src)
		rv__chain_done(src); /* empty now */
	return err;
}

int rv__chain_retain(const rv_chain *src, rv_chain *dst, const char *site)
{
	int err;

	if (src == dst)
		return -EINVAL;
	err = rv__chain_reserve(dst, dst->_count + src->_count);
	if (err)
		return err;
	for (uint32_t i = 0; i < src->_count; i++) {
		rv_view v = rv__view_retain(slot(src, i), site);
		rv_chain_append(dst, &v); /* room is reserved: cannot fail */
	}
	return 0;
}

void rv__chain_clear(rv_chain *c)
{
	for (uint32_t i = 0; i < c->_count; i++)
		rv_view_release(slot(c, i));
	c->_head = 0;
	c->_count = 0;
	c->_len = 0;
}

void rv__chain_done(rv_chain *c)
{
	if (c->_flags & RV__CHAIN_KEEP_STORAGE)
		rv__chain_clear(c);
	else
		rv_chain_release(c);
}

int rv__chain_move(rv_chain *dst, rv_chain *src)
{
	rv_view v;
	int err;

	if (dst == src || src->_count == 0)
		return 0;
	if (dst->_count == 0) {
		/* Swap the storage: nothing to copy, nothing to allocate.
		 * The flags say what a chain is, not its storage: they stay. */
		rv_chain tmp = *dst;
		uint32_t dst_flags = dst->_flags;
		*dst = *src;
		*src = tmp;
		src->_flags = dst->_flags;
		dst->_flags = dst_flags;
		return 0;
	}
	err = rv__chain_reserve(dst, dst->_count + src->_count);
	if (err)
		return err;
	while (src->_count) {
		pop_front(src, &v);
		push_back(dst, &v);
	}
	src->_head = 0;
	return 0;
}

/* Does |needle| occur at byte |off| of view |i| onward, across views? */
static bool match_at(const rv_chain *c, uint32_t i, size_t off,
		     const uint8_t *needle, size_t n)
{
	while (n) {
		const rv_view *v;
		size_t take;

		if (i >= c->_count)
			return false;
		v = slot(c, i);
		take = v->len - off < n ? v->len - off : n;
		if (memcmp(v->data + off, needle, take) != 0)
			return false;
		needle += take;
		n -= take;
		i++;
		off = 0;
	}
	return true;
}

ssize_t rv_chain_find(const rv_chain *c, size_t from, const void *needle,
		      size_t needle_len)
{
	size_t base = 0;

	if (from > c->_len || needle_len > c->_len - from)
		return -ENOENT;
	if (needle_len == 0)
		return (ssize_t)from;
	for (uint32_t i = 0; i < c->_count; base += slot(c, i)->len, i++) {
		const rv_view *v = slot(c, i);
		size_t start, seam;
		const uint8_t *hit;

		if (base + v->len <= from)
			continue;
		start = from > base ? from - base : 0;
		/* Matches wholly inside this view come before any match that
		 * crosses its end, so look for those first. */
		if (v->len - start >= needle_len) {
			hit = memmem(v->data + start, v->len - start, needle,
				     needle_len);
			if (hit)
				return (ssize_t)(base +
						 (size_t)(hit - v->data));
		}
		seam = v->len >= needle_len - 1 ? v->len - (needle_len - 1) : 0;
		for (size_t off = seam > start ? seam : start; off < v->len;
		     off++)
			if (match_at(c, i, off, needle, needle_len))
				return (ssize_t)(base + off);
	}
	return -ENOENT;
}

ssize_t rv_chain_find_byte(const rv_chain *c, size_t from, uint8_t ch)
{
	size_t base = 0;

	for (uint32_t i = 0; i < c->_count; base += slot(c, i)->len, i++) {
		const rv_view *v = slot(c, i);
		const uint8_t *hit;
		size_t start;

		if (base + v->len <= from)
			continue;
		start = from > base ? from - base : 0;
		hit = memchr(v->data + start, ch, v->len - start);
		if (hit)
			return (ssize_t)(base + (size_t)(hit - v->data));
	}
	return -ENOENT;
}

/* How many views hold the first |n| bytes (n <= len). */
static uint32_t views_spanned(const rv_chain *c, size_t n)
{
	uint32_t k = 0;

	while (n) {
		size_t len = slot(c, k)->len;
		n -= len < n ? len : n;
		k++;
	}
	return k;
}

int rv__chain_take(rv_chain *c, size_t n, rv_chain *out, const char *site)
{
	rv_view v;
	int err;

	if (c == out)
		return -EINVAL;
	if (n > c->_len)
		return -ERANGE;
	if (n == 0)
		return 0;
	err = rv__chain_reserve(out, out->_count + views_spanned(c, n));
	if (err)
		return err;
	while (n) {
		rv_view *first = slot(c, 0);
		if (first->len <= n) {
			n -= first->len;
			pop_front(c, &v);
		} else {
			/* Cut the view: the part that moves takes a new ref. */
			split_front(first, n, &v, site);
			c->_len -= n;
			n = 0;
		}
		push_back(out, &v);
	}
	return 0;
}

int rv_chain_consume(rv_chain *c, size_t n)
{
	rv_view v;

	if (n > c->_len)
		return -ERANGE;
	while (n) {
		rv_view *first = slot(c, 0);
		if (first->len <= n) {
			n -= first->len;
			pop_front(c, &v);
			rv_view_release(&v);
		} else {
			rv_view_advance(first, n);
			c->_len -= n;
			n = 0;
		}
	}
	return 0;
}

int rv_chain_pop(rv_chain *c, rv_view *out)
{
	if (!c->_count)
		return -ENOENT;
	pop_front(c, out);
	return 0;
}

int rv_chain_copy_out(const rv_chain *c, size_t off, void *dst, size_t n)
{
	uint8_t *p = dst;

	if (off > c->_len || n > c->_len - off)
		return -ERANGE;
	for (uint32_t i = 0; n && i < c->_count; i++) {
		const rv_view *v = slot(c, i);
		size_t take;

		if (off >= v->len) {
			off -= v->len;
			continue;
		}
		take = v->len - off < n ? v->len - off : n;
		memcpy(p, v->data + off, take);
		p += take;
		n -= take;
		off = 0;
	}
	return 0;
}

/* The pool whose stats count a copy of the chain's first bytes. */
static struct rv_pool *first_pool(const rv_chain *c)
{
	for (uint32_t i = 0; i < c->_count; i++) {
		struct rv_pool *p = rv__view_pool(slot(c, i));
		if (p)
			return p;
	}
	return NULL;
}

/* Copy the first |n| bytes into one fresh buffer (n spans 2+ views). */
static int copy_front(rv_chain *c, size_t n, rv_view *out, const char *site)
{
	int err = rv__heap_view(n, out, site);

	if (err)
		return err;
	rv_chain_copy_out(c, 0, rv_view_mut(out), n);
	rv__pool_count_copy(first_pool(c), n, true);
	return 0;
}

int rv__chain_take_view(rv_chain *c, size_t n, rv_view *out, const char *site)
{
	rv_view *first;
	int err;

	if (n > c->_len)
		return -ERANGE;
	if (n == 0) {
		*out = RV_VIEW_INIT;
		return 0;
	}
	first = slot(c, 0);
	if (first->len == n) {
		pop_front(c, out);
		return 0;
	}
	if (first->len > n) {
		split_front(first, n, out, site);
		c->_len -= n;
		return 0;
	}
	err = copy_front(c, n, out, site);
	if (err)
		return err;
	rv_chain_consume(c, n);
	return 0;
}

int rv__chain_pullup(rv_chain *c, size_t n, rv_view *out, const char *site)
{
	rv_view copy;
	int err;

	if (n == 0 || n > c->_len)
		return -ERANGE;
	if (slot(c, 0)->len >= n)
		return rv__view_slice(slot(c, 0), 0, n, out, site);
	err = copy_front(c, n, &copy, site);
	if (err)
		return err;
	/* The copy replaces the bytes it came from, so the chain's first
	 * view now holds all n bytes and a second pullup is free. Consuming
	 * n bytes frees at least one slot for the copy at the front. */
	rv_chain_consume(c, n);
	c->_head = (c->_head - 1) & (c->_cap - 1);
	*slot(c, 0) = copy;
	c->_count++;
	c->_len += n;
	*out = rv__view_retain(&copy, site);
	return 0;
}

int rv_chain_to_iovec(const rv_chain *c, struct iovec *iov, int max_iov)
{
	int n = 0;

	for (uint32_t i = 0; i < c->_count && n < max_iov; i++, n++) {
		const rv_view *v = slot(c, i);
		iov[n].iov_base = (void *)(uintptr_t)v->data;
		iov[n].iov_len = v->len;
	}
	return n;
}
