/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring_internal.h - the io_uring backend's state, shared by its files:
 *
 *   uring.c          making the ring, submissions, completions and their
 *                    dispatch, the run loop, releases on other threads,
 *                    embedding
 *   uring_bufring.c  the provided buffer ring the kernel receives into
 *   uring_tcp.c      accepting, receiving and sending on TCP connections
 *   uring_udp.c      UDP sockets
 */
#ifndef RINGVIEW_URING_INTERNAL_H
#define RINGVIEW_URING_INTERNAL_H

#include <liburing.h>

#include "loop/loop_internal.h"

#define RV__URING_BGID 0 /* the buffer group of the pool's ring */

/* What a completion's user_data points at, in its low four bits (every
 * object it names comes from malloc, 16-byte aligned). */
enum rv__uring_tag {
	RV__TAG_ACCEPT = 1,
	RV__TAG_RECV = 2,
	RV__TAG_SEND = 3,
	RV__TAG_IGNORE = 4,
	RV__TAG_UDP_RECV = 5,
	RV__TAG_UDP_SEND = 6,
	RV__TAG_WAKE = 7,
	RV__TAG_CONNECT = 8,
};
#define RV__TAG_MASK 15ull

struct rv__uring_send;

struct uring {
	rv_loop *loop;
	struct io_uring ring;
	/* The provided buffer ring (uring_bufring.c). */
	struct io_uring_buf_ring *br;
	uint32_t br_entries;
	uint32_t *shadow;   /* buffer ids in the order the ring holds them */
	uint32_t sh_head;   /* next id the kernel will take */
	uint32_t sh_tail;   /* one past the last id added */
	uint32_t committed; /* sh_tail as last published to the kernel */
	uint32_t fill;	    /* buffers to keep in the ring */
	bool starved;	    /* a receive found the ring empty this pass */
	uint32_t buf_size;
	/* Receiving and sending (uring_tcp.c). */
	rv_chain scratch;  /* views of one completion, storage reused */
	uint32_t recv_cap; /* bytes per receive; 0 when unsupported */
	bool bundles;
	/* Registered file table (slots 0 .. nfiles-1, a connection's slot
	 * the number of its descriptor); 0 when the kernel refused it. */
	uint32_t nfiles;
	bool zerocopy;
	/* Pool buffers registered as fixed buffers for send_zc, on first
	 * use: registering pins pages, so only buffers that are sent get
	 * registered and memory still follows load. */
	uint32_t nfixed; /* table size; 0 when unavailable */
	uint8_t *fixed;	 /* per buffer id: registered yet? */
	struct rv__uring_send *free_sends;
	/* Receives that may have missed their socket's end (uring_tcp.c). */
	struct rv_timer *sweep;
	uint32_t sweeps;
	uint32_t sweep_rounds; /* walks over every connection done */
	uint64_t swept_at;     /* loop->now_ms of the pass that last swept */
};

static inline struct uring *U(const rv_loop *loop)
{
	return loop->backend_data;
}

/* user_data for an operation on |p|. */
static inline uint64_t rv__uring_ud(void *p, enum rv__uring_tag t)
{
	return (uint64_t)(uintptr_t)p | t;
}

/* A receive |sqe| takes its buffer from the pool's ring; its completion
 * carries |user_data|. */
static inline void rv__uring_select_buffer(struct io_uring_sqe *sqe,
					   uint64_t user_data)
{
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RV__URING_BGID;
	io_uring_sqe_set_data64(sqe, user_data);
}

/* uring.c */
/* A submission queue entry, submitting the queue first when it is full. */
struct io_uring_sqe *rv__uring_sqe(struct uring *u);
/* Cancel the operation whose user_data is |target| (its completion says
 * -ECANCELED, or what it had already done). */
void rv__uring_cancel(struct uring *u, uint64_t target);

/* uring_bufring.c */
int rv__uring_bufring_setup(struct uring *u);
void rv__uring_bufring_fini(struct uring *u);
/* Top the ring up to its fill from the pool's most recently used ids. */
void rv__uring_bufring_refill(struct uring *u);
/* After a pass in which receives found the ring empty, grow its fill. */
void rv__uring_bufring_grow(struct uring *u);
/* The kernel took buffer |id|, which must be the ring's next. */
void rv__uring_bufring_take(struct uring *u, uint32_t id);
/* The id the kernel took |i| buffers after the ring's head, taken. */
uint32_t rv__uring_bufring_pop(struct uring *u);
/* Re-arm parked connections and UDP sockets, as many as the ring feeds. */
void rv__uring_unpark(struct uring *u);

/* uring_tcp.c */
extern const struct rv__tcp_backend rv__uring_tcp;
void rv__uring_on_accept(struct uring *u, rv_listener *l, int res,
			 uint32_t flags);
void rv__uring_on_recv(struct uring *u, rv_conn *c, int res, uint32_t flags);
void rv__uring_on_connect(struct uring *u, rv_conn *c, int res);
void rv__uring_on_send(struct uring *u, struct rv__uring_send *op, int res,
		       uint32_t flags);
/* Prepare zero-copy sends: the fixed-buffer table (empty until used). */
void rv__uring_tcp_setup(struct uring *u);
void rv__uring_tcp_fini(struct uring *u);
/* Start looking for receives that missed their socket's end, once a
 * second. */
int rv__uring_sweep_start(struct uring *u);

/* uring_udp.c */
extern const struct rv__udp_backend rv__uring_udp;
void rv__uring_on_udp_recv(struct uring *u, rv_udp *x, int res, uint32_t flags);

#endif /* RINGVIEW_URING_INTERNAL_H */
