/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * view.c - the out-of-line parts of views: compaction, searching, hex
 * dumps, and the dispatch that sends each kind of buffer to its recycler.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

struct rv_pool *rv__view_pool(const rv_view *v)
{
	return v->_buf ? v->_buf->_pool : NULL;
}

void rv__buf_recycle(struct rv_buf *b)
{
	switch (b->_kind) {
	case RV__BUF_POOL:
		rv__pool_recycle(b->_pool, b);
		return;
	case RV__BUF_SMALL:
		rv__small_recycle(b->_pool, b);
		return;
	case RV__BUF_WRAP:
	case RV__BUF_HEAP:
		rv__ext_recycle(b);
		return;
	default:
		rv__panic("recycle of a buffer of unknown kind %u (memory "
			  "corruption?)",
			  b->_kind);
	}
}

int rv_view_compact(rv_view *v)
{
	struct rv_pool *pool;
	struct rv_buf *chunk;
	rv_view small;

	if (!v->_buf || v->_buf->_kind != RV__BUF_POOL)
		return 0; /* pins no receive buffer */
	rv__view_check(v, "rv_view_compact");
	if (v->len > RV_COMPACT_MAX)
		return -EMSGSIZE;
	pool = v->_buf->_pool;
	chunk = rv__small_alloc(pool, v->len);
	if (!chunk)
		return -ENOMEM;
	if (v->len)
		memcpy(chunk->_base, v->data, v->len);
	rv__buf_view(chunk, 0, v->len, NULL, &small);
	small._flags = v->_flags;
	pool->compactions++;
	rv__pool_count_copy(pool, v->len, false);
	rv_view_release(v);
	*v = small;
	return 0;
}

int rv_view_detach(rv_view *v)
{
	struct rv_pool *pool;
	rv_view copy;
	int err;

	if (!v->_buf || v->_buf->_kind != RV__BUF_POOL)
		return 0; /* pins no receive buffer */
	if (v->len <= RV_COMPACT_MAX)
		return rv_view_compact(v);
	rv__view_check(v, "rv_view_detach");
	pool = v->_buf->_pool;
	err = rv__heap_view(v->len, &copy, NULL);
	if (err)
		return err;
	memcpy((uint8_t *)(uintptr_t)copy.data, v->data, v->len);
	copy._flags = v->_flags;
	pool->compactions++;
	rv__pool_count_copy(pool, v->len, false);
	rv_view_release(v);
	*v = copy;
	return 0;
}

int rv__pool_get_small(rv_pool *pool, size_t len, rv_view *out,
		       const char *site)
{
	struct rv_buf *chunk;

	if (!pool || len == 0)
		return -EINVAL;
	if (len > RV_COMPACT_MAX)
		return -EMSGSIZE;
	chunk = rv__small_alloc(pool, len);
	if (!chunk)
		return -ENOMEM;
	rv__buf_view(chunk, 0, len, site, out);
	return 0;
}

ssize_t rv_view_find(const rv_view *v, size_t from, const void *needle,
		     size_t needle_len)
{
	const uint8_t *hit;

	if (from > v->len)
		return -ENOENT;
	if (needle_len == 0)
		return (ssize_t)from;
	if (needle_len > v->len - from)
		return -ENOENT;
	if (v->_buf)
		rv__view_check(v, "rv_view_find");
	hit = memmem(v->data + from, v->len - from, needle, needle_len);
	return hit ? (ssize_t)(hit - v->data) : -ENOENT;
}

ssize_t rv_view_find_byte(const rv_view *v, size_t from, uint8_t c)
{
	const uint8_t *hit;

	if (from >= v->len)
		return -ENOENT;
	if (v->_buf)
		rv__view_check(v, "rv_view_find_byte");
	hit = memchr(v->data + from, c, v->len - from);
	return hit ? (ssize_t)(hit - v->data) : -ENOENT;
}

void rv_view_hexdump(const rv_view *v, FILE *f)
{
	const struct rv_buf *b = v->_buf;

	if (!b) {
		fprintf(f, "view (cleared)\n");
		return;
	}
	fprintf(f,
		"view of buffer %u (kind %u, generation %u, %u refs%s): "
		"%zu bytes at offset %zu\n",
		b->_id, b->_kind, v->_gen,
		__atomic_load_n(&b->_refs, __ATOMIC_RELAXED),
		(v->_flags & RV_VIEW_READONLY) ? ", read-only" : "", v->len,
		(size_t)(v->data - b->_base));
	for (size_t off = 0; off < v->len; off += 16) {
		size_t n = v->len - off < 16 ? v->len - off : 16;
		fprintf(f, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (i < n)
				fprintf(f, " %02x", v->data[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = 0; i < n; i++)
			fputc(isprint(v->data[off + i]) ? v->data[off + i]
							: '.',
			      f);
		fputs("|\n", f);
	}
}
