/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring_bufring.c - the provided buffer ring the kernel receives into.
 *
 * The ring holds only `fill` of the pool's buffers - as many as the load
 * needs - and the rest wait in the pool's most-recently-used free list, so
 * memory follows load rather than pool size (the kernel takes buffers in
 * FIFO order, so a ring loaded with the whole pool would touch every page
 * of it). A recycled buffer goes straight back into the ring while it is
 * below `fill`. A shadow array remembers the order the ring was filled in:
 * a bundle completion names only its first buffer, and the kernel takes
 * the rest in that order.
 *
 * When the ring runs dry the kernel ends receives with -ENOBUFS; their
 * connections park (park.c) and are re-armed here, oldest first, as many
 * as the ring can feed once buffers are back.
 */
#include <errno.h>
#include <stdlib.h>

#include "loop/uring/uring_internal.h"

static uint32_t in_ring(const struct uring *u)
{
	return u->sh_tail - u->sh_head;
}

static void ring_add(struct uring *u, uint32_t id)
{
	uint32_t mask = u->br_entries - 1;
	size_t arena_len;
	uint8_t *arena = rv__pool_arena(u->loop->pool, &arena_len);

	io_uring_buf_ring_add(u->br, arena + (size_t)id * u->buf_size,
			      u->buf_size, (unsigned short)id,
			      io_uring_buf_ring_mask(u->br_entries),
			      (int)(u->sh_tail - u->committed));
	u->shadow[u->sh_tail & mask] = id;
	u->sh_tail++;
}

/* Publish the buffers added since last time to the kernel. */
static void ring_commit(struct uring *u)
{
	if (u->sh_tail != u->committed) {
		io_uring_buf_ring_advance(u->br,
					  (int)(u->sh_tail - u->committed));
		u->committed = u->sh_tail;
	}
}

void rv__uring_bufring_refill(struct uring *u)
{
	uint32_t id;

	while (in_ring(u) < u->fill &&
	       rv__pool_take_id(u->loop->pool, &id) == 0)
		ring_add(u, id);
	ring_commit(u);
}

/*
 * After a pass in which receives found the ring empty while the pool had
 * buffers to spare, double the ring's fill - once per pass, not once per
 * starved connection: the kernel cycles through every buffer in the ring,
 * so a ring larger than the load needs spreads receives over more memory
 * (and more cache misses) than the load has in flight.
 */
void rv__uring_bufring_grow(struct uring *u)
{
	if (!u->starved)
		return;
	u->starved = false;
	if (rv__pool_free_ids(u->loop->pool) && u->fill < u->br_entries / 2) {
		u->fill *= 2;
		u->loop->stats.ring_fill = u->fill;
	}
}

/* The pool's recycle hook: a buffer whose last view went away. */
static void on_recycle(void *ctx, rv_pool *pool, uint32_t id)
{
	struct uring *u = ctx;

	rv__budget_recycled(u->loop, id);
	if (in_ring(u) < u->fill && !rv__pool_reserve_short(pool))
		ring_add(u, id);
	else
		rv__pool_put_id(pool, id);
}

void rv__uring_bufring_take(struct uring *u, uint32_t id)
{
	uint32_t mask = u->br_entries - 1;

	if (u->shadow[u->sh_head & mask] != id)
		rv__panic("io_uring returned buffer %u but the ring's next is "
			  "%u (buffer ring out of order)",
			  id, u->shadow[u->sh_head & mask]);
	u->sh_head++;
}

uint32_t rv__uring_bufring_pop(struct uring *u)
{
	return u->shadow[u->sh_head++ & (u->br_entries - 1)];
}

void rv__uring_unpark(struct uring *u)
{
	uint32_t budget = in_ring(u);
	/* A TCP receive may fill up to recv_cap bytes of buffers at once:
	 * re-arm only as many as the ring can feed whole, or most find it
	 * empty again at once (and park again). At least one, since a
	 * receive takes only what has arrived. */
	uint32_t per_recv = u->recv_cap ? u->loop->recv_bufs : 1;
	uint32_t conns = budget / per_recv ? budget / per_recv : 1;

	/* UDP sockets share the ring; a datagram takes one buffer. */
	budget -= rv__loop_unpark_udps(u->loop, budget);
	if (conns > budget)
		conns = budget;
	rv__loop_unpark_conns(u->loop, conns);
}

int rv__uring_bufring_setup(struct uring *u)
{
	rv_pool *pool = u->loop->pool;
	struct rv_pool_stats st;
	int ret = 0;

	rv_pool_stats(pool, &st);
	u->buf_size = st.buf_size;
	u->br_entries = 1;
	while (u->br_entries < st.total)
		u->br_entries <<= 1;
	u->br = io_uring_setup_buf_ring(&u->ring, u->br_entries, RV__URING_BGID,
					0, &ret);
	if (!u->br) {
		rv__loop_why(u->loop,
			     "io_uring cannot register a provided "
			     "buffer ring (%s); it needs Linux 5.19 "
			     "or later",
			     rv_strerror(ret));
		return ret ? ret : -ENOMEM;
	}
	u->shadow = calloc(u->br_entries, sizeof(*u->shadow));
	if (!u->shadow)
		return -ENOMEM;
	/* The reserve stays out of the ring (at least one buffer goes in). */
	st.total = st.total > st.reserve ? st.total - st.reserve : 1;
	u->fill = u->loop->cfg.ring_fill < st.total ? u->loop->cfg.ring_fill
						    : st.total;
	u->loop->stats.ring_fill = u->fill;
	rv__pool_set_recycle_hook(pool, on_recycle, u);
	rv__uring_bufring_refill(u);
	return 0;
}

void rv__uring_bufring_fini(struct uring *u)
{
	/* Views the application still holds now recycle to the free list. */
	rv__pool_set_recycle_hook(u->loop->pool, NULL, NULL);
	if (u->br) {
		while (u->sh_head != u->sh_tail)
			rv__pool_put_id(u->loop->pool,
					rv__uring_bufring_pop(u));
		io_uring_free_buf_ring(&u->ring, u->br, u->br_entries,
				       RV__URING_BGID);
		u->br = NULL;
	}
	free(u->shadow);
	u->shadow = NULL;
	u->loop->stats.ring_fill = 0;
}
