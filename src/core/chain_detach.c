/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * chain_detach.c - a chain's bytes moved out of the receive buffers they
 * pin (rv_chain_detach): each run of views of pool buffers is copied into
 * one block of its own - the small-object arena for up to RV_COMPACT_MAX
 * bytes, the heap above - and the buffers go back as their last view is
 * released. What a parser keeps of a message that arrives a few bytes per
 * packet then costs its size, not a receive buffer per packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

/* A view that keeps a pool's receive buffer. */
static bool pins(const rv_view *v)
{
	return v->_buf && v->_buf->_kind == RV__BUF_POOL;
}

/* One block for |len| bytes copied from views of |pool|. */
static int block(struct rv_pool *pool, size_t len, rv_view *out)
{
	if (len <= RV_COMPACT_MAX)
		return rv__pool_get_small(pool, len, out, "(detached)");
	return rv__heap_view(len, out, "(detached)");
}

/* The end of the run of pinning views that starts at view |i|, and its
 * bytes. */
static uint32_t run_end(const rv_chain *c, uint32_t i, size_t *len)
{
	*len = 0;
	while (i < rv_chain_count(c) && pins(rv_chain_at(c, i)))
		*len += rv_chain_at(c, i++)->len;
	return i;
}

int rv_chain_detach(rv_chain *c)
{
	uint32_t n = rv_chain_count(c), runs = 0;
	rv_view *blocks;
	rv_chain out = RV_CHAIN_INIT;
	size_t len;
	int err = 0;

	for (uint32_t i = 0; i < n; i++)
		if (pins(rv_chain_at(c, i)) &&
		    (i == 0 || !pins(rv_chain_at(c, i - 1))))
			runs++;
	if (!runs)
		return 0;
	/* Every block first, so that a failure leaves |c| as it was. */
	blocks = calloc(runs, sizeof(*blocks));
	if (!blocks || rv__chain_reserve(&out, n)) {
		free(blocks);
		return -ENOMEM;
	}
	for (uint32_t i = 0, r = 0; i < n && !err;) {
		uint32_t end = run_end(c, i, &len);
		if (end > i)
			err = block(rv_chain_at(c, i)->_buf->_pool, len,
				    &blocks[r++]);
		i = end > i ? end : i + 1;
	}
	if (err) {
		for (uint32_t r = 0; r < runs; r++)
			rv_view_release(&blocks[r]);
		free(blocks);
		rv_chain_release(&out);
		return err;
	}
	/* Then the copies, each run replaced by its block. */
	for (uint32_t i = 0, r = 0; i < n;) {
		uint32_t end = run_end(c, i, &len);
		if (end == i) {
			rv_view v = *rv_chain_at(c, i++);
			*(rv_view *)rv_chain_at(c, i - 1) = RV_VIEW_INIT;
			rv_chain_append(&out, &v);
			continue;
		}
		struct rv_pool *pool = rv_chain_at(c, i)->_buf->_pool;
		uint8_t *to = rv_view_mut(&blocks[r]);
		for (; i < end; i++) {
			const rv_view *v = rv_chain_at(c, i);
			memcpy(to, v->data, v->len);
			to += v->len;
		}
		blocks[r].len = len;
		pool->compactions++;
		rv__pool_count_copy(pool, len, false);
		rv_chain_append(&out, &blocks[r++]);
	}
	free(blocks);
	rv_chain_release(c); /* the pinning views: their buffers go back */
	*c = out;
	return 0;
}
