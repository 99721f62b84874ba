/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev_udp.c - UDP on the libev backend.
 *
 * Receives: when the socket is readable, up to UDP_BATCH datagrams, each
 * with recvmsg into a free pool buffer (the sender's address and the
 * SO_RXQ_OVFL drop counter come back beside it, not in the buffer). With
 * no free buffer the socket stops reading until one is recycled; the
 * kernel keeps datagrams meanwhile, or drops them and counts.
 *
 * Sends: sendto at once; the kernel copies the datagram, so the view is
 * released on return. Only when the socket buffer is full do sends wait,
 * in order, for writability.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "loop/ev/ev_internal.h"

#define UDP_BATCH 64 /* datagrams per readiness, for fairness */

struct eudp {
	ev_io r, w;
	struct rv__link sendq; /* sends waiting for writability */
};

static void on_udp_readable(struct ev_loop *evl, ev_io *w, int revents);
static void on_udp_writable(struct ev_loop *evl, ev_io *w, int revents);

static int udp_open(rv_udp *u)
{
	struct eudp *eu = calloc(1, sizeof(*eu));

	if (!eu)
		return -ENOMEM;
	ev_io_init(&eu->r, on_udp_readable, u->fd, EV_READ);
	ev_io_init(&eu->w, on_udp_writable, u->fd, EV_WRITE);
	eu->r.data = eu->w.data = u;
	rv__list_init(&eu->sendq);
	u->backend_data = eu;
	ev_io_start(E(u->loop)->evl, &eu->r);
	u->flags |= RV__U_RECV_ARMED;
	return 0;
}

static void udp_stop(rv_udp *u)
{
	struct eudp *eu = u->backend_data;

	ev_io_stop(E(u->loop)->evl, &eu->r);
	u->flags &= ~RV__U_RECV_ARMED;
	/* Queued sends still go out; the writer stops when they are done. */
}

/* Buffers came back: receive again. */
static void udp_recv_start(rv_udp *u)
{
	struct eudp *eu = u->backend_data;

	ev_io_start(E(u->loop)->evl, &eu->r);
	u->flags |= RV__U_RECV_ARMED;
}

/* No free buffer: stop reading until one comes back. */
static void park(struct evb *e, rv_udp *u)
{
	struct eudp *eu = u->backend_data;

	ev_io_stop(e->evl, &eu->r);
	u->flags &= ~RV__U_RECV_ARMED;
	rv__udp_park(u);
	u->stats.enobufs++;
	rv__pool_count_enobufs(e->loop->pool);
}

static void kernel_drops(rv_udp *u, struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR(msg, cm))
		rv__udp_control(u, cm);
}

/* Receive one datagram: 1, 0 when there is none, -1 to stop. */
static int receive_one(struct evb *e, rv_udp *u)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(uint32_t))];
	} control;
	struct sockaddr_storage peer;
	struct iovec iov;
	struct msghdr msg = {.msg_name = &peer,
			     .msg_namelen = sizeof(peer),
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	uint32_t id;
	ssize_t n;
	rv_view v;

	if (rv__pool_take_id(e->loop->pool, &id)) {
		park(e, u);
		return -1;
	}
	iov.iov_base = e->arena + (size_t)id * e->buf_size;
	iov.iov_len = e->buf_size;
	do
		n = recvmsg(u->fd, &msg, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = errno;
		rv__pool_put_id(e->loop->pool, id);
		if (err != EAGAIN && err != EWOULDBLOCK)
			rv__log(RV_LOG_DEBUG, "UDP receive on port %u: %s",
				u->port, strerror(err));
		return 0;
	}
	kernel_drops(u, &msg);
	rv__pool_view(e->loop->pool, id, 0, (uint32_t)n, &v);
	rv__pool_count_received(e->loop->pool, (size_t)n);
	e->loop->stats.recv_events++;
	rv__udp_deliver(u, v, (struct sockaddr *)&peer, msg.msg_namelen,
			msg.msg_flags & MSG_TRUNC);
	return 1;
}

static void on_udp_readable(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_udp *u = w->data;
	struct evb *e = E(u->loop);

	(void)evl;
	(void)revents;
	e->nevents++;
	u->busy++;
	for (int i = 0; i < UDP_BATCH && !(u->flags & RV__U_CLOSING); i++)
		if (receive_one(e, u) <= 0)
			break;
	u->busy--;
	rv__udp_maybe_free(u);
}

/* Send |op| now: false when the socket is full (try again later). */
static bool try_send(rv_udp *u, struct rv__udp_send *op)
{
	ssize_t r;

	do
		r = sendto(u->fd, op->iov.iov_base, op->iov.iov_len,
			   MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)&op->peer,
			   op->msg.msg_namelen);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	if (op->link.next)
		rv__list_del(&op->link);
	rv__udp_send_done(u, op, r < 0 ? -errno : (int)r);
	return true;
}

static void udp_send(rv_udp *u, struct rv__udp_send *op)
{
	struct eudp *eu = u->backend_data;

	if (rv__list_empty(&eu->sendq) && try_send(u, op))
		return;
	rv__list_push(&eu->sendq, &op->link);
	ev_io_start(E(u->loop)->evl, &eu->w);
}

static void on_udp_writable(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_udp *u = w->data;
	struct eudp *eu = u->backend_data;

	(void)revents;
	E(u->loop)->nevents++;
	u->busy++;
	while (!rv__list_empty(&eu->sendq)) {
		struct rv__udp_send *op = rv__container_of(
			eu->sendq.next, struct rv__udp_send, link);
		if (!try_send(u, op))
			break;
	}
	if (rv__list_empty(&eu->sendq))
		ev_io_stop(evl, &eu->w);
	u->busy--;
	rv__udp_maybe_free(u);
}

const struct rv__udp_backend rv__ev_udp = RV__UDP_BACKEND_OPS;
