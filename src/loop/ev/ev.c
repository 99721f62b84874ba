/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev.c - the libev backend: the loop it runs on, buffers coming back to
 * the free list and the waiting connections they wake, releases of views
 * on other threads. TCP is in ev_tcp.c, UDP in ev_udp.c.
 *
 * The libev loop is the backend's own or, embedded (ringview/ev.h), the
 * application's. An ev_prepare starts queued output and frees closed
 * connections (rv__loop_flush_dirty) every time before that loop blocks,
 * so the application may simply call ev_run.
 */
#include <errno.h>
#include <stdlib.h>

#include "loop/ev/ev_internal.h"

/* ---- buffers coming back -------------------------------------------- */

/* |freed| buffers came back: wake one waiter per read's worth of them,
 * so a woken connection can take a whole read (not one buffer, then the
 * back of the queue again). When every buffer is free nothing else will
 * come back: wake someone regardless. */
void rv__ev_buffers_freed(struct evb *e, uint32_t freed)
{
	if (!rv__loop_has_parked(e->loop)) {
		e->credit = 0;
		return;
	}
	e->credit += freed;
	if (rv__pool_free_ids(e->loop->pool) == e->total &&
	    e->credit < e->wake_batch)
		e->credit = e->wake_batch;
	while (e->credit >= e->wake_batch && rv__loop_has_parked(e->loop)) {
		rv__loop_unpark_conns(e->loop, 1);
		e->credit -= e->wake_batch;
	}
}

/* The pool's recycle hook: the last view of buffer |id| is gone. */
static void on_recycle(void *ctx, rv_pool *pool, uint32_t id)
{
	struct evb *e = ctx;

	rv__budget_recycled(e->loop, id);
	rv__pool_put_id(pool, id);
	rv__ev_buffers_freed(e, 1);
	/* A datagram takes one buffer: every waiting UDP socket may try. */
	rv__loop_unpark_udps(e->loop, UINT32_MAX);
}

/* ---- the loop ------------------------------------------------------- */

/* Before libev blocks: start output queued by callbacks, free connections
 * that closed. Also what drives an embedded loop (ringview/ev.h). */
static void on_prepare(struct ev_loop *evl, ev_prepare *w, int revents)
{
	rv_loop *loop = w->data;
	struct evb *e = E(loop);
	uint32_t avail = rv__pool_free_ids(loop->pool);

	(void)revents;
	rv__loop_flush_dirty(loop);
	/* Wake-ups count freed buffers; a waiter that read fewer than a
	 * batch leaves some free with no one to wake for them. Before
	 * blocking, free buffers never sit idle while connections wait. */
	if (avail && rv__loop_has_parked(loop)) {
		rv__loop_unpark_conns(loop, (avail + e->wake_batch - 1) /
						    e->wake_batch);
		e->credit = 0;
	}
	/* On the application's loop nothing else sets the timers' wake-up
	 * (rv_loop_run_once does on the backend's own loop). */
	if (loop->ev_host)
		rv__ev_clock_arm(&E(loop)->clock, loop, evl);
}

static void on_timeout(struct ev_loop *evl, ev_timer *w, int revents)
{
	(void)evl;
	(void)w;
	(void)revents;
}

static int run_once(rv_loop *loop, int timeout_ms)
{
	struct evb *e = E(loop);

	e->nevents = 0;
	if (timeout_ms == 0) {
		ev_run(e->evl, EVRUN_NOWAIT);
		return (int)e->nevents;
	}
	if (timeout_ms > 0) {
		ev_now_update(e->evl);
		ev_timer_set(&e->timeout, timeout_ms / 1e3, 0.);
		ev_timer_start(e->evl, &e->timeout);
	}
	ev_run(e->evl, EVRUN_ONCE);
	ev_timer_stop(e->evl, &e->timeout);
	return (int)e->nevents;
}

static void on_wake(struct ev_loop *evl, ev_io *w, int revents)
{
	(void)evl;
	(void)revents;
	rv__loop_collect(w->data);
}

static int watch_wake(rv_loop *loop, int fd)
{
	struct evb *e = E(loop);

	ev_io_init(&e->wake, on_wake, fd, EV_READ);
	e->wake.data = loop;
	ev_io_start(e->evl, &e->wake);
	return 0;
}

static void fini(rv_loop *loop)
{
	struct evb *e = E(loop);

	if (!e)
		return;
	if (loop->wake_fd >= 0)
		ev_io_stop(e->evl, &e->wake);
	/* Views the application still holds now recycle to the free list. */
	rv__pool_set_recycle_hook(loop->pool, NULL, NULL);
	ev_prepare_stop(e->evl, &e->prepare);
	if (loop->ev_host)
		rv__ev_clock_stop(&e->clock, e->evl);
	ev_timer_stop(e->evl, &e->timeout);
	if (e->own_evl)
		ev_loop_destroy(e->evl);
	rv_chain_release(&e->scratch);
	free(e);
	loop->backend_data = NULL;
}

static int init(rv_loop *loop)
{
	struct evb *e = calloc(1, sizeof(*e));
	size_t len;

	if (!e)
		return -ENOMEM;
	e->loop = loop;
	e->evl = loop->ev_host;
	if (!e->evl) {
		/* epoll, whatever LIBEV_FLAGS says otherwise; libev leaves
		 * the signal mask alone. */
		e->evl = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
		if (!e->evl)
			e->evl = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
		if (!e->evl) {
			rv__loop_why(loop,
				     "libev cannot create an event loop "
				     "(out of file descriptors or memory?)");
			free(e);
			return -ENOMEM;
		}
		e->own_evl = true;
	}
	e->arena = rv__pool_arena(loop->pool, &len);
	e->buf_size = rv_pool_buf_size(loop->pool);
	/* Buffers receives may take: the reserve is the application's. */
	e->total = (uint32_t)(len / e->buf_size) - loop->cfg.reserve;
	e->recv_bufs = loop->recv_bufs < RV__EV_RECV_BUFS_MAX
			       ? loop->recv_bufs
			       : RV__EV_RECV_BUFS_MAX;
	/* A read's worth per waiter, but small pools wake one per buffer. */
	e->wake_batch =
		e->total / 8 < e->recv_bufs ? e->total / 8 : e->recv_bufs;
	if (e->wake_batch == 0)
		e->wake_batch = 1;
	ev_prepare_init(&e->prepare, on_prepare);
	e->prepare.data = loop;
	ev_prepare_start(e->evl, &e->prepare);
	if (loop->ev_host)
		rv__ev_clock_start(&e->clock, loop, e->evl);
	ev_init(&e->timeout, on_timeout);
	loop->backend_data = e;
	rv__pool_set_recycle_hook(loop->pool, on_recycle, e);
	rv__log(RV_LOG_DEBUG,
		"libev: %s loop, epoll: %s, %u buffer(s) of %u "
		"bytes per read",
		e->own_evl ? "own" : "the application's",
		ev_backend(e->evl) == EVBACKEND_EPOLL ? "yes" : "no",
		e->recv_bufs, e->buf_size);
	return 0;
}

struct ev_loop *rv__ev_backend_loop(const rv_loop *loop)
{
	return loop->backend == &rv__backend_ev && E(loop) ? E(loop)->evl
							   : NULL;
}

/* No embedding table: its watchers go on the application's loop. */
const struct rv__backend rv__backend_ev =
	RV__BACKEND_OPS("libev", &rv__ev_tcp, &rv__ev_udp, NULL);
