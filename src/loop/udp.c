/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * udp.c - UDP sockets on a loop: binding, the public calls, counting, and
 * the life cycle both backends share. The backends receive and send; a
 * socket is freed only when no kernel operation, queued send or running
 * callback refers to it any more.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop_internal.h"

/* The largest payload of an IPv4 UDP datagram. */
#define UDP_MAX_PAYLOAD 65507u

int rv_udp_bind(rv_loop *loop, const char *host, uint16_t port,
		const struct rv_udp_ops *ops, void *user, rv_udp **out)
{
	struct rv_addr addr;
	rv_udp *u;
	int err, fd, one = 1;

	if (!loop || !ops || !ops->on_datagram || loop->destroying ||
	    !RV__RESERVED_OK(ops, "rv_udp_ops"))
		return -EINVAL;
	if (rv_addr_ip(host, port, &addr)) {
		rv__log(RV_LOG_ERROR, "'%s' is not an IPv4 or IPv6 address",
			host);
		return -EINVAL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	fd = rv__socket_bound(&addr, SOCK_DGRAM | SOCK_NONBLOCK, &u->port);
	if (fd < 0) {
		rv__log(RV_LOG_ERROR, "cannot bind UDP %s:%u: %s",
			host ? host : "0.0.0.0", port, rv_strerror(fd));
		free(u);
		return fd;
	}
	/* Each datagram then carries the count of datagrams the kernel
	 * dropped for want of room in this socket's queue. */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	u->loop = loop;
	u->fd = fd;
	u->cb = ops;
	u->user = user;
	rv__list_push(&loop->udps, &u->link);
	loop->nudps++;
	err = loop->backend->udp->open(u);
	if (err) {
		rv__list_del(&u->link);
		loop->nudps--;
		close(fd);
		free(u->backend_data);
		free(u);
		return err;
	}
	if (out)
		*out = u;
	return 0;
}

uint16_t rv_udp_port(const rv_udp *u)
{
	return u->port;
}

/* rv_udp_user, rv_udp_set_user, rv_udp_loop, rv_udp_fd */
RV__HANDLE_ACCESSORS(rv_udp, rv_udp)

void rv_udp_stats(const rv_udp *u, struct rv_udp_stats *st)
{
	*st = u->stats;
}

int rv_udp_send(rv_udp *u, rv_view v, const struct sockaddr *peer,
		socklen_t peer_len)
{
	struct rv__udp_send *op;

	if (u->flags & RV__U_CLOSING) {
		rv_view_release(&v);
		return -EPIPE;
	}
	if (!peer || peer_len == 0 || peer_len > sizeof(op->peer)) {
		rv_view_release(&v);
		return -EINVAL;
	}
	if (v.len > UDP_MAX_PAYLOAD) {
		rv_view_release(&v);
		return -EMSGSIZE;
	}
	if (u->queued >= RV__UDP_MAX_QUEUED) {
		/* As a full socket buffer would: drop, and say so. */
		u->stats.send_dropped++;
		rv_view_release(&v);
		return -ENOBUFS;
	}
	op = malloc(sizeof(*op));
	if (!op) {
		rv_view_release(&v);
		return -ENOMEM;
	}
	op->u = u;
	op->v = v;
	memcpy(&op->peer, peer, peer_len);
	op->iov.iov_base = (void *)(uintptr_t)v.data;
	op->iov.iov_len = v.len;
	op->msg = (struct msghdr){.msg_name = &op->peer,
				  .msg_namelen = peer_len,
				  .msg_iov = &op->iov,
				  .msg_iovlen = 1};
	op->link.prev = op->link.next = NULL;
	u->queued++;
	if (v._buf)
		rv__buf_send_begin(v._buf);
	u->loop->backend->udp->send(u, op);
	return 0;
}

void rv__udp_send_done(rv_udp *u, struct rv__udp_send *op, int res)
{
	if (res >= 0)
		u->stats.sent++;
	else
		u->stats.send_errors++;
	if (op->v._buf)
		rv__buf_send_end(op->v._buf);
	rv_view_release(&op->v);
	free(op);
	u->queued--;
	rv__udp_maybe_free(u);
}

void rv__udp_deliver(rv_udp *u, rv_view v, const struct sockaddr *peer,
		     socklen_t peer_len, bool truncated)
{
	if (u->flags & RV__U_CLOSING) {
		rv_view_release(&v); /* closing: nobody listens any more */
		return;
	}
	u->stats.received++;
	u->stats.received_bytes += v.len;
	if (truncated)
		u->stats.truncated++;
	u->busy++;
	u->cb->on_datagram(u, v, peer, peer_len,
			   truncated ? RV_UDP_TRUNCATED : 0);
	u->busy--;
	rv__udp_maybe_free(u);
}

void rv__udp_control(rv_udp *u, const struct cmsghdr *cm)
{
	uint32_t counter;

	if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_RXQ_OVFL)
		return;
	memcpy(&counter, CMSG_DATA(cm), sizeof(counter));
	rv__udp_kernel_drops(u, counter);
}

void rv__udp_kernel_drops(rv_udp *u, uint32_t counter)
{
	/* The counter only grows (and wraps at 2^32). */
	u->stats.kernel_drops += (uint32_t)(counter - u->drops_seen);
	u->drops_seen = counter;
}

void rv__udp_op_done(rv_udp *u)
{
	u->ops--;
	rv__udp_maybe_free(u);
}

static void close_with(rv_udp *u, int err)
{
	if (u->flags & RV__U_CLOSING)
		return;
	u->flags |= RV__U_CLOSING;
	u->err = err;
	rv__udp_unpark(u);
	u->loop->backend->udp->stop(u);
	rv__udp_maybe_free(u);
}

void rv_udp_close(rv_udp *u)
{
	if (u)
		close_with(u, 0);
}

void rv__udp_close_all(rv_loop *loop)
{
	struct rv__link *n = loop->udps.next;

	while (n != &loop->udps) {
		rv_udp *u = rv__container_of(n, rv_udp, link);
		n = n->next; /* |u| may be freed right away */
		close_with(u, -ECANCELED);
	}
}

void rv__udp_maybe_free(rv_udp *u)
{
	if (!(u->flags & RV__U_CLOSING) || u->ops || u->queued || u->busy ||
	    (u->flags & RV__U_CLOSED))
		return;
	u->flags |= RV__U_CLOSED;
	close(u->fd);
	u->fd = -1;
	if (u->cb->on_close)
		u->cb->on_close(u, u->err);
	rv__list_del(&u->link);
	u->loop->nudps--;
	free(u->backend_data);
	free(u);
}
