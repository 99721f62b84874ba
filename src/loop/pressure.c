/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pressure.c - what the loop does when its pool runs low, so that the
 * pool never stays empty whatever the peers do.
 *
 * Budgets (budget.c) keep any one connection from holding much; pressure
 * is many connections holding a little each (slowloris: thousands of
 * partial requests, a buffer each). Checked at the end of every pass,
 * acted on at most every PRESSURE_MS while free buffers are under an
 * eighth of the pool, in three steps, each only if the one before did not
 * bring them back:
 *
 *   1. detach: every connection holding buffers has its input chain's
 *      partial message moved into memory of its own, and is asked to do
 *      the same with what it keeps (on_budget) - a one-byte request head
 *      then costs a small block, not 16 KiB;
 *   2. stop reading the heaviest holders (more than one receive's worth)
 *      until a quarter of the pool is free again;
 *   3. when the pool has been nearly empty for SHED_AFTER_MS, reset the
 *      connections holding buffers that made no progress the longest,
 *      until enough would come back; logged once per SHED_LOG_MS.
 *
 * The holders are found through the buffers' owners (budget.c), so a
 * check costs the pool's size, not the number of connections.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "loop/loop_internal.h"
#include "ringview/timer.h"

#define PRESSURE_MS   10
#define SHED_AFTER_MS 1000
#define SHED_LOG_MS   1000
/* Memory that returns: at most once a second, once this many small
 * blocks were freed, the pages of wholly free slabs go back, and so does
 * what the allocator keeps of freed heap copies (malloc_trim). */
#define TRIM_MS		1000
#define TRIM_FREES	4096
#define TRIM_HEAP_BYTES (1u << 20)

/* Free buffers receives may take: the reserve is not theirs (counting it,
 * a pool that receives have emptied would never look empty). */
static uint32_t free_bufs(const rv_loop *loop)
{
	uint32_t unused = rv__pool_unused(loop->pool);

	return unused > loop->cfg.reserve ? unused - loop->cfg.reserve : 0;
}

/* The connections holding buffers, each once, in |out| (room for as many
 * as the pool has buffers). */
static uint32_t holders(rv_loop *loop, rv_conn **out)
{
	uint32_t n = 0;

	loop->scan_mark++;
	for (uint32_t i = 0; i < loop->nowner; i++) {
		rv_conn *c = loop->owner[i];
		if (!c || c->scan_mark == loop->scan_mark ||
		    (c->flags & RV__C_DEAD))
			continue;
		c->scan_mark = loop->scan_mark;
		out[n++] = c;
	}
	return n;
}

/* Oldest progress first. */
static int by_progress(const void *a, const void *b)
{
	const rv_conn *x = *(rv_conn *const *)a, *y = *(rv_conn *const *)b;

	return (int32_t)(x->progress_at - y->progress_at) < 0	? -1
	       : (int32_t)(x->progress_at - y->progress_at) > 0 ? 1
								: 0;
}

static void shed(rv_loop *loop, rv_conn **hold, uint32_t n, uint32_t want)
{
	uint32_t freed = 0, count = 0,
		 now = (uint32_t)rv__loop_wheel_time(loop);
	uint64_t idle_ms = 0;

	qsort(hold, n, sizeof(*hold), by_progress);
	for (uint32_t i = 0; i < n && freed < want; i++) {
		freed += hold[i]->held_bufs;
		if (!count)
			idle_ms = (uint32_t)(now - hold[i]->progress_at);
		count++;
		rv__conn_abort(hold[i], -ENOBUFS);
	}
	loop->stats.shed += count;
	if (now - loop->shed_logged_at >= SHED_LOG_MS ||
	    !loop->shed_logged_at) {
		loop->shed_logged_at = now ? now : 1;
		rv__log(RV_LOG_WARN,
			"the pool has been nearly empty for %u ms: reset %u "
			"connection(s) holding %u buffer(s), the oldest "
			"without "
			"progress for %llu ms (raise the pool's count, or "
			"lower "
			"conn_budget, if this is not an attack)",
			now - loop->starved_at, count, freed,
			(unsigned long long)idle_ms);
	}
}

/* No more pressure: read the connections stopped for it again. */
static void relieve(rv_loop *loop)
{
	for (struct rv__link *n = loop->conns.next;
	     loop->npressured && n != &loop->conns; n = n->next) {
		rv_conn *c = rv__container_of(n, rv_conn, link);
		if (c->flags & RV__C_PRESSURED) {
			c->flags &= ~RV__C_PRESSURED;
			loop->npressured--;
			rv__conn_arm(c);
		}
	}
	loop->npressured = 0;
}

static void look_again(rv_timer *t, void *user)
{
	(void)t;
	rv__loop_pressure(user);
}

/* Look again in |ms| even if nothing happens meanwhile: a loop whose
 * connections all wait for buffers, or that went idle once its peers
 * left, may have no other reason to wake. */
static void look_in(rv_loop *loop, uint32_t ms)
{
	if (!loop->pressure_timer &&
	    rv_timer_create(loop, look_again, loop, &loop->pressure_timer))
		return; /* no memory: the next pass looks */
	if (!rv_timer_active(loop->pressure_timer))
		rv_timer_start(loop->pressure_timer, ms, 0);
}

static void trim(rv_loop *loop, uint32_t now)
{
	loop->heap_freed += rv__heap_freed_take();
	if (!rv__pool_trim_due(loop->pool, TRIM_FREES) &&
	    loop->heap_freed < TRIM_HEAP_BYTES)
		return;
	if (loop->trimmed_at && now - loop->trimmed_at < TRIM_MS) {
		look_in(loop, TRIM_MS - (now - loop->trimmed_at));
		return;
	}
	loop->trimmed_at = now ? now : 1;
	loop->heap_freed = 0;
	rv__pool_trim(loop->pool);
	malloc_trim(0);
}

void rv__loop_pressure(rv_loop *loop)
{
	uint32_t now = (uint32_t)rv__loop_wheel_time(loop), n;
	uint32_t total = loop->nowner, free = free_bufs(loop);
	uint32_t low = total / 8 ? total / 8 : 1;
	rv_conn **hold;

	if (free >= low) {
		loop->starved_at = 0;
		if (loop->npressured && free >= total / 4)
			relieve(loop);
		trim(loop, now);
		return;
	}
	/* Whatever happens now, look again soon while the pool is low. */
	if (loop->pressure_at && now - loop->pressure_at < PRESSURE_MS) {
		look_in(loop, PRESSURE_MS - (now - loop->pressure_at));
		return;
	}
	look_in(loop, PRESSURE_MS);
	loop->pressure_at = now ? now : 1;
	if (!loop->starved_at)
		loop->starved_at = now ? now : 1;
	loop->stats.pressure++;
	hold = loop->pressure_scratch;
	n = holders(loop, hold);

	/* 1. Partial messages out of their buffers. */
	for (uint32_t i = 0; i < n; i++) {
		rv__budget_detach(hold[i]);
		rv__conn_io_put(hold[i]); /* its input may be gone with it */
	}
	if (free_bufs(loop) >= low)
		return;

	/* 2. The heaviest holders stop reading. */
	for (uint32_t i = 0; i < n; i++) {
		rv_conn *c = hold[i];
		if ((c->flags & (RV__C_DEAD | RV__C_PRESSURED)) ||
		    c->held_bufs <= loop->recv_bufs)
			continue;
		c->flags |= RV__C_PRESSURED;
		loop->npressured++;
		rv__conn_stop_receiving(c);
	}

	/* 3. Nearly empty for long: the stalest holders go. */
	if (free_bufs(loop) <= total / 32 &&
	    now - loop->starved_at >= SHED_AFTER_MS) {
		n = holders(loop, hold);
		shed(loop, hold, n, low - free_bufs(loop));
	}
}
