/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev_internal.h - the libev backend's state, shared by its files:
 *
 *   ev.c      the loop: running, buffers coming back and who they wake,
 *             releases on other threads, setting up and tearing down
 *   ev_tcp.c  accepting, reading into pool buffers, sending views
 *   ev_udp.c  UDP sockets
 */
#ifndef RINGVIEW_EV_INTERNAL_H
#define RINGVIEW_EV_INTERNAL_H

#include <ev.h>

#include "loop/ev_clock.h"
#include "loop/loop_internal.h"

#define RV__EV_RECV_BUFS_MAX 16 /* buffers one readv may fill */

struct evb {
	rv_loop *loop;
	struct ev_loop *evl;
	bool own_evl; /* ours to destroy (not the application's) */
	uint8_t *arena;
	uint32_t buf_size;
	uint32_t recv_bufs;  /* buffers one read may fill (fairness) */
	uint32_t credit;     /* buffers freed since the last wake-up */
	uint32_t wake_batch; /* buffers freed per waiter woken */
	uint32_t total;	     /* buffers in the pool */
	unsigned nevents;    /* events handled in this run_once */
	rv_chain scratch;    /* views of one read, storage reused */
	ev_prepare prepare;  /* flushes the loop's dirty list */
	ev_timer timeout;    /* run_once's time limit */
	ev_io wake;	     /* releases on other threads (loop->wake_fd) */
	/* On the application's loop (ringview/ev.h): timers' clock. */
	struct rv__ev_clock clock;
};

static inline struct evb *E(const rv_loop *loop)
{
	return loop->backend_data;
}

/* ev.c: |freed| buffers came back to the free list; wake waiters. */
void rv__ev_buffers_freed(struct evb *e, uint32_t freed);

/* ev_tcp.c */
extern const struct rv__tcp_backend rv__ev_tcp;

/* ev_udp.c */
extern const struct rv__udp_backend rv__ev_udp;

#endif /* RINGVIEW_EV_INTERNAL_H */
