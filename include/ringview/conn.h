/*
 * ringview/conn.h - TCP listeners and connections on an rv_loop.
 *
 * Received bytes arrive as views of the pool's buffers, appended to the
 * connection's input chain; on_data consumes what is complete and leaves
 * the rest for the next call. Sending takes ownership of views: the kernel
 * reads the buffers in place, and the references are dropped only when
 * the kernel is done with them (for zero-copy sends, at the notification).
 *
 * Lifetime: a connection's memory stays valid until its on_close callback
 * returns; after that the pointer must not be used. on_close runs exactly
 * once for every connection that on_open saw.
 */
#ifndef RINGVIEW_CONN_H
#define RINGVIEW_CONN_H

#include <stdint.h>

#include "chain.h"
#include "common.h"
#include "loop.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_conn rv_conn;
typedef struct rv_listener rv_listener;

struct rv_conn_ops {
	/* A connection was accepted. May be NULL. */
	void (*on_open)(rv_conn *c);
	/*
	 * New bytes were appended to |in|, which the connection owns. Consume
	 * complete messages (rv_chain_take, rv_chain_consume ...) and leave a
	 * partial one. Views taken out of |in| are the callback's to keep,
	 * send or release.
	 */
	void (*on_data)(rv_conn *c, rv_chain *in);
	/* The connection is closed: 0 after an orderly close, else a
	 * negative errno (-ECONNRESET, -ECANCELED at loop shutdown ...). The
	 * input chain is released after this returns. May be NULL. */
	void (*on_close)(rv_conn *c, int err);
};

/*
 * rv_listen_tcp listens on |host|:|port| (IPv4 or IPv6 literal, or NULL
 * for all IPv4 addresses; port 0 picks a free port, see
 * rv_listener_port) and accepts connections that use |ops| and carry
 * |user|. SO_REUSEADDR and SO_REUSEPORT are set, so one loop per thread
 * can listen on the same port.
 */
RV_EXPORT int rv_listen_tcp(rv_loop *loop, const char *host, uint16_t port,
			    const struct rv_conn_ops *ops, void *user,
			    rv_listener **out);

/* rv_listener_port: the port it listens on. */
RV_EXPORT uint16_t rv_listener_port(const rv_listener *l);

/* rv_listener_close stops accepting; open connections are not touched. */
RV_EXPORT void rv_listener_close(rv_listener *l);

/*
 * rv_conn_send queues |v| for sending and takes ownership of it (also on
 * failure, when it is released). -EPIPE when the connection is closing.
 * Bytes are sent in the order queued.
 */
RV_EXPORT int rv_conn_send(rv_conn *c, rv_view v);

/*
 * rv_conn_send_chain moves every view of |views| to the send queue and
 * takes ownership of them: |views| is left empty, also on failure (the
 * views are then released). -EPIPE when the connection is closing.
 */
RV_EXPORT int rv_conn_send_chain(rv_conn *c, rv_chain *views);

/*
 * rv_conn_close closes gracefully: stop reading, send what is queued, then
 * shut the socket down; on_close follows. Calling it again is a no-op.
 */
RV_EXPORT void rv_conn_close(rv_conn *c);

/* rv_conn_user / rv_conn_set_user: the application's pointer (starts as
 * the listener's |user|). */
RV_EXPORT void *rv_conn_user(const rv_conn *c);
RV_EXPORT void rv_conn_set_user(rv_conn *c, void *user);

/* rv_conn_loop: the loop the connection is on. */
RV_EXPORT rv_loop *rv_conn_loop(const rv_conn *c);

/* rv_conn_fd: the socket, for getsockopt and the like. Do not read,
 * write or close it. */
RV_EXPORT int rv_conn_fd(const rv_conn *c);

/* rv_conn_queued: bytes queued or in flight for sending. */
RV_EXPORT size_t rv_conn_queued(const rv_conn *c);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_CONN_H */
