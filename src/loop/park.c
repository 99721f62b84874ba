/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * park.c - connections and UDP sockets waiting for receive buffers.
 *
 * When a receive finds no free buffer (io_uring ends the multishot with
 * -ENOBUFS; libev finds the free list empty) nothing is lost: the kernel
 * keeps the bytes, the backend withdraws the receive and the socket waits
 * here, oldest first. The backend knows when buffers come back and how
 * many a receive takes, so it says how many to wake; waking is the same
 * for both.
 */
#include "loop/loop_internal.h"

/* A connection or UDP socket joins the back of the line: its node |n|
 * goes on |line| and |parked| is set in its |flags|. */
static void join(struct rv__link *line, struct rv__link *n, uint32_t *flags,
		 uint32_t parked)
{
	*flags |= parked;
	rv__list_push(line, n);
}

/* ... and leaves it, from wherever it stands. */
static void leave(struct rv__link *n, uint32_t *flags, uint32_t parked)
{
	if (*flags & parked) {
		rv__list_del(n);
		*flags &= ~parked;
	}
}

void rv__conn_park(rv_conn *c)
{
	if (!(c->flags & RV__C_READING) ||
	    (c->flags & (RV__C_DEAD | RV__C_PARKED)))
		return;
	c->flags &= ~RV__C_WOKEN;
	join(&c->loop->parked, &c->park, &c->flags, RV__C_PARKED);
	c->loop->stats.parked++;
}

void rv__conn_unpark(rv_conn *c)
{
	leave(&c->park, &c->flags, RV__C_PARKED);
}

uint32_t rv__loop_unpark_conns(rv_loop *loop, uint32_t n)
{
	uint32_t woken = 0;

	while (woken < n && !rv__list_empty(&loop->parked)) {
		rv_conn *c = rv__container_of(loop->parked.next, rv_conn, park);
		rv__conn_unpark(c);
		/* It was stopped with bytes waiting: it may read now even
		 * while others still wait (the libev backend's ticket). */
		c->flags |= RV__C_WOKEN;
		rv__conn_arm(c);
		woken++;
	}
	return woken;
}

void rv__udp_park(rv_udp *u)
{
	if (!(u->flags & (RV__U_CLOSING | RV__U_PARKED)))
		join(&u->loop->udp_parked, &u->park, &u->flags, RV__U_PARKED);
}

void rv__udp_unpark(rv_udp *u)
{
	leave(&u->park, &u->flags, RV__U_PARKED);
}

uint32_t rv__loop_unpark_udps(rv_loop *loop, uint32_t n)
{
	uint32_t woken = 0;

	while (woken < n && !rv__list_empty(&loop->udp_parked)) {
		rv_udp *u =
			rv__container_of(loop->udp_parked.next, rv_udp, park);
		rv__udp_unpark(u);
		loop->backend->udp->recv_start(u);
		woken++;
	}
	return woken;
}
