/*
 * backend_ev_internal.h - the libev backend's state, shared by its TCP
 * part (backend_ev.c) and its UDP part (backend_ev_udp.c).
 */
#ifndef RINGVIEW_BACKEND_EV_INTERNAL_H
#define RINGVIEW_BACKEND_EV_INTERNAL_H

#include <ev.h>

#include "loop_internal.h"

struct evb {
	rv_loop *loop;
	struct ev_loop *evl;
	bool own_evl; /* ours to destroy (not the application's) */
	uint8_t *arena;
	uint32_t buf_size;
	uint32_t recv_bufs;	/* buffers one read may fill (fairness) */
	uint32_t credit;	/* buffers freed since the last wake-up */
	uint32_t wake_batch;	/* buffers freed per waiter woken */
	uint32_t total;		/* buffers in the pool */
	unsigned nevents;	/* events handled in this run_once */
	rv_chain scratch;	/* views of one read, storage reused */
	ev_prepare prepare;	/* flushes the loop's dirty list */
	ev_timer timeout;	/* run_once's time limit */
	struct rv__link parked; /* connections waiting for buffers, FIFO */
	struct rv__link udp_parked; /* UDP sockets waiting for buffers */
	ev_io wake;		/* releases on other threads (loop->wake_fd) */
};

static inline struct evb *E(const rv_loop *loop)
{
	return loop->be_state;
}

/* backend_ev_udp.c */
int rv__ev_udp_start(rv_udp *u);
void rv__ev_udp_stop(rv_udp *u);
void rv__ev_udp_send(rv_udp *u, struct rv__udp_send *op);
/* A buffer came back: UDP sockets waiting for one may read again. */
void rv__ev_udp_wake(struct evb *e);

#endif
