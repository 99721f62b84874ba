/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring_udp.c - UDP on the io_uring backend.
 *
 * Receives: one multishot recvmsg per socket selects a buffer from the
 * pool's ring for each datagram; the kernel writes its recvmsg header
 * (the sender's address, the SO_RXQ_OVFL drop counter) in front of the
 * payload, which becomes the view. With the ring empty the receive ends
 * with -ENOBUFS and the socket parks (park.c) until buffers come back.
 *
 * Sends: one sendto per datagram; the view is held until its completion.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "loop/uring/uring_internal.h"

/* A UDP socket's recvmsg template: how much room the kernel leaves in
 * front of each datagram for the sender's address and control data. */
struct uudp {
	struct msghdr msg;
};

/* Room for SO_RXQ_OVFL's counter in front of each datagram. */
#define UDP_CONTROL CMSG_SPACE(sizeof(uint32_t))

static void udp_recv_start(rv_udp *x)
{
	struct uring *u = U(x->loop);
	struct uudp *ux = x->backend_data;
	struct io_uring_sqe *sqe = rv__uring_sqe(u);

	io_uring_prep_recvmsg_multishot(sqe, x->fd, &ux->msg, 0);
	rv__uring_select_buffer(sqe, rv__uring_ud(x, RV__TAG_UDP_RECV));
	x->flags |= RV__U_RECV_ARMED;
	x->ops++;
}

static int udp_open(rv_udp *x)
{
	struct uudp *ux = calloc(1, sizeof(*ux));

	if (!ux)
		return -ENOMEM;
	ux->msg.msg_namelen = sizeof(struct sockaddr_storage);
	ux->msg.msg_controllen = UDP_CONTROL;
	x->backend_data = ux;
	udp_recv_start(x);
	return 0;
}

static void udp_stop(rv_udp *x)
{
	if (x->flags & RV__U_RECV_ARMED)
		rv__uring_cancel(U(x->loop), rv__uring_ud(x, RV__TAG_UDP_RECV));
}

static void udp_send(rv_udp *x, struct rv__udp_send *op)
{
	struct io_uring_sqe *sqe = rv__uring_sqe(U(x->loop));

	/* send with a destination address (Linux 6.0): unlike sendmsg, no
	 * msghdr for the kernel to copy in. */
	io_uring_prep_sendto(sqe, x->fd, op->iov.iov_base, op->iov.iov_len, 0,
			     (const struct sockaddr *)&op->peer,
			     op->msg.msg_namelen);
	io_uring_sqe_set_data64(sqe, rv__uring_ud(op, RV__TAG_UDP_SEND));
}

/* A datagram in buffer |id|: the kernel's recvmsg header (name, control
 * data, lengths) first, then the payload, which becomes the view. */
static void udp_datagram(struct uring *u, rv_udp *x, uint32_t id, int res)
{
	struct uudp *ux = x->backend_data;
	size_t arena_len;
	uint8_t *base = rv__pool_arena(u->loop->pool, &arena_len) +
			(size_t)id * u->buf_size;
	struct io_uring_recvmsg_out *out =
		io_uring_recvmsg_validate(base, res, &ux->msg);
	struct cmsghdr *cm;
	uint8_t *payload;
	uint32_t len;
	rv_view v;

	if (!out) {
		/* Cannot happen (the kernel wrote the header); the buffer
		 * goes back through an empty view. */
		rv__pool_view(u->loop->pool, id, 0, 0, &v);
		rv_view_release(&v);
		return;
	}
	for (cm = io_uring_recvmsg_cmsg_firsthdr(out, &ux->msg); cm;
	     cm = io_uring_recvmsg_cmsg_nexthdr(out, &ux->msg, cm))
		rv__udp_control(x, cm);
	payload = io_uring_recvmsg_payload(out, &ux->msg);
	len = io_uring_recvmsg_payload_length(out, res, &ux->msg);
	rv__pool_view(u->loop->pool, id, (uint32_t)(payload - base), len, &v);
	rv__pool_count_received(u->loop->pool, len);
	rv__udp_deliver(x, v, io_uring_recvmsg_name(out),
			out->namelen < ux->msg.msg_namelen
				? out->namelen
				: ux->msg.msg_namelen,
			out->flags & MSG_TRUNC);
}

void rv__uring_on_udp_recv(struct uring *u, rv_udp *x, int res, uint32_t flags)
{
	bool more = flags & IORING_CQE_F_MORE;

	if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
		uint32_t id = flags >> IORING_CQE_BUFFER_SHIFT;
		rv__uring_bufring_take(u, id);
		u->loop->stats.recv_events++;
		udp_datagram(u, x, id, res);
	} else if (res == -ENOBUFS) {
		/* Datagrams wait in the socket (or the kernel drops them,
		 * counted by SO_RXQ_OVFL) until buffers come back. */
		rv__pool_count_enobufs(u->loop->pool);
		x->stats.enobufs++;
		u->starved = true;
		if (!more)
			rv__udp_park(x);
	} else if (res < 0 && res != -ECANCELED &&
		   !(x->flags & RV__U_CLOSING)) {
		rv__log(RV_LOG_DEBUG, "UDP receive on port %u: %s", x->port,
			strerror(-res));
	}
	if (!more) {
		x->flags &= ~RV__U_RECV_ARMED;
		if (!(x->flags & (RV__U_CLOSING | RV__U_PARKED)) &&
		    res != -ECANCELED)
			udp_recv_start(x);
		rv__udp_op_done(x);
	}
}

const struct rv__udp_backend rv__uring_udp = RV__UDP_BACKEND_OPS;
