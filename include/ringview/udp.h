/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * udp.h - datagrams as views.
 *
 * A UDP socket on an rv_loop receives each datagram into a receive buffer
 * of the loop's pool and hands it to the application as one view, with the
 * sender's address beside it. With io_uring, one multishot recvmsg with
 * buffer selection receives them all; the kernel writes a small header
 * (addresses, control data) in front of each datagram in its buffer, which
 * ringview parses and leaves out of the view. With libev, recvmsg on
 * readiness does the same into a free buffer.
 *
 * A datagram larger than what a buffer can hold (the buffer size minus
 * about 180 bytes of that header with io_uring) is cut by the kernel; it
 * is delivered flagged RV_UDP_TRUNCATED, holding only its first bytes, and
 * counted - never passed on as if whole. Datagrams the kernel dropped
 * because the socket's queue was full (no buffers for a while, a slow
 * application) are counted from SO_RXQ_OVFL.
 *
 * rv_udp_send sends one view as one datagram and holds its reference until
 * the kernel has taken the bytes, so echoing a received view back costs no
 * copy.
 */
#ifndef RINGVIEW_UDP_H
#define RINGVIEW_UDP_H

#include <stdint.h>
#include <sys/socket.h>

#include "common.h"
#include "loop.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_udp rv_udp;

/* The datagram was larger than a buffer: the view holds its first bytes. */
#define RV_UDP_TRUNCATED 0x1u

struct rv_udp_ops {
	/*
	 * A datagram from |peer| (|peer_len| bytes; borrowed for the call).
	 * |v| is the callback's to keep, send or release. |flags|:
	 * RV_UDP_TRUNCATED or 0.
	 */
	void (*on_datagram)(rv_udp *u, rv_view v, const struct sockaddr *peer,
			    socklen_t peer_len, unsigned flags);
	/* The socket is closed (rv_udp_close, loop shutdown) or failed: 0
	 * or a negative errno. May be NULL. The socket is freed after. */
	void (*on_close)(rv_udp *u, int err);
	void (*_reserved[4])(void); /* NULL: see common.h, structs that grow */
};

struct rv_udp_stats {
	uint64_t received; /* datagrams delivered */
	uint64_t received_bytes;
	uint64_t truncated;    /* delivered cut (RV_UDP_TRUNCATED) */
	uint64_t kernel_drops; /* dropped by the kernel: queue full */
	uint64_t sent;	       /* datagrams the kernel took */
	uint64_t send_errors;  /* refused by the kernel (reported by errno) */
	uint64_t send_dropped; /* not sent: over the queue limit */
	uint64_t enobufs;      /* receives that found no free buffer */
	uint64_t _reserved[4]; /* zero: see common.h, structs that grow */
};

/*
 * rv_udp_bind makes a UDP socket bound to |host|:|port| (an IPv4 or IPv6
 * literal; NULL for all IPv4 addresses; port 0 picks one) that delivers
 * datagrams to |ops| with |user|. SO_REUSEPORT is set, so one loop per
 * thread may bind the same port. -EINVAL for a bad address, or |ops|
 * without on_datagram or with a _reserved field not NULL (common.h), else
 * the socket call's -errno.
 */
RV_EXPORT int rv_udp_bind(rv_loop *loop, const char *host, uint16_t port,
			  const struct rv_udp_ops *ops, void *user,
			  rv_udp **out);

/* rv_udp_port: the port it is bound to. */
RV_EXPORT uint16_t rv_udp_port(const rv_udp *u);

/*
 * rv_udp_send sends |v| as one datagram to |peer| and takes ownership of
 * |v| (also on failure, when it is released). Returns 0 once queued;
 * -EMSGSIZE above 65507 bytes; -ENOBUFS when too many sends are already
 * waiting (the datagram is dropped and counted, as the kernel would);
 * -EPIPE when the socket is closing; -EINVAL for a bad address. Errors
 * the kernel reports later count in send_errors.
 */
RV_EXPORT int rv_udp_send(rv_udp *u, rv_view v, const struct sockaddr *peer,
			  socklen_t peer_len);

/* rv_udp_close stops receiving, lets queued sends finish, closes the
 * socket and calls on_close(u, 0); then |u| is freed. Calling it again is
 * a no-op. */
RV_EXPORT void rv_udp_close(rv_udp *u);

/* rv_udp_user / rv_udp_set_user: the application's pointer (starts as
 * rv_udp_bind's |user|). */
RV_EXPORT void *rv_udp_user(const rv_udp *u);
RV_EXPORT void rv_udp_set_user(rv_udp *u, void *user);

/* rv_udp_loop: the loop the socket is on. */
RV_EXPORT rv_loop *rv_udp_loop(const rv_udp *u);

/* rv_udp_fd: the socket, for setsockopt. Do not read, write or close. */
RV_EXPORT int rv_udp_fd(const rv_udp *u);

/* rv_udp_stats fills |*st| with the socket's counters (see struct
 * rv_udp_stats). */
RV_EXPORT void rv_udp_stats(const rv_udp *u, struct rv_udp_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_UDP_H */
