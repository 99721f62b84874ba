/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pool_lend.c - what the loop's backends do with a pool (pool_lend.h):
 * free ids lent for receives, views of received bytes, the recycle hook,
 * counters, and sends in flight.
 */
#include <errno.h>

#include "core/pool_internal.h"

int rv__pool_take_id(rv_pool *p, uint32_t *id)
{
	if (p->nfree <= p->reserve)
		return -ENOBUFS;
	*id = p->free_ids[--p->nfree];
	return 0;
}

void rv__pool_put_id(rv_pool *p, uint32_t id)
{
	p->free_ids[p->nfree++] = id;
}

uint32_t rv__pool_free_ids(const rv_pool *p)
{
	return p->nfree > p->reserve ? p->nfree - p->reserve : 0;
}

uint32_t rv__pool_unused(const rv_pool *p)
{
	return p->count - p->in_use;
}

void rv__pool_set_reserve(rv_pool *p, uint32_t n)
{
	p->reserve = n < p->count ? n : p->count;
}

bool rv__pool_reserve_short(const rv_pool *p)
{
	return p->nfree < p->reserve;
}

void rv__pool_view(rv_pool *p, uint32_t id, uint32_t off, uint32_t len,
		   rv_view *out)
{
	struct rv_buf *b = &p->bufs[id];

	/* A fresh receive: nobody else can hold the buffer yet. */
	if (__atomic_load_n(&b->_refs, __ATOMIC_RELAXED) == 0 &&
	    ++p->in_use > p->high_water)
		p->high_water = p->in_use;
	rv__buf_view(b, off, len, "(received)", out);
}

void rv__pool_set_recycle_hook(rv_pool *p, rv__recycle_hook fn, void *ctx)
{
	p->recycle_hook = fn;
	p->recycle_ctx = ctx;
}

void rv__pool_count_received(rv_pool *p, size_t n)
{
	p->bytes_received += n;
}

void rv__pool_count_enobufs(rv_pool *p)
{
	p->enobufs++;
}

uint8_t *rv__pool_arena(const rv_pool *p, size_t *len)
{
	*len = (size_t)p->count * p->size;
	return p->arena;
}

/* A send in flight holds a reference; the buffer is "sending" meanwhile. */
void rv__buf_send_begin(struct rv_buf *b)
{
	if (b->_sending++ == 0 && b->_kind == RV__BUF_POOL)
		b->_pool->sending++;
}

void rv__buf_send_end(struct rv_buf *b)
{
	if (--b->_sending == 0 && b->_kind == RV__BUF_POOL)
		b->_pool->sending--;
}

bool rv__pool_trim_due(const rv_pool *p, uint32_t frees)
{
	return p->small.freed_since_trim >= frees;
}

uint64_t rv__pool_trim(rv_pool *p)
{
	uint64_t released = rv__small_trim(&p->small);

	p->trimmed_bytes += released;
	return released;
}
