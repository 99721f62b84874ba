/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/conn.h - TCP (and Unix stream) listeners and connections on an
 * rv_loop: accepted, connected out, or adopted from a socket made
 * elsewhere - the same connection either way.
 *
 * Received bytes arrive as views of the pool's buffers, appended to the
 * connection's input chain; on_data consumes what is complete and leaves
 * the rest for the next call. Sending takes ownership of views: the kernel
 * reads the buffers in place, and the references are dropped only when
 * the kernel is done with them (for zero-copy sends, at the notification).
 *
 * Lifetime: a connection's memory stays valid until its on_close callback
 * returns; after that the pointer must not be used. on_close runs exactly
 * once for every connection that on_open saw, and for every connection
 * rv_connect returned (a connect that fails reaches on_close, not
 * on_open). Every call below may be made from any callback of the loop,
 * a timer's included, on any connection.
 *
 * Flow control names its side. A connection's own limits throttle only
 * itself: its budget stops reading it while it holds that many receive
 * buffers (the pool is shared: no peer may take it all); its input limit
 * stops reading it while its input chain is full; its output limit makes it
 * "full" (rv_conn_writable false). Without an on_drain callback the loop then
 * stops reading that same connection until half the output is sent - right for
 * an echo, whose output comes from its own input. A proxy moving bytes from A
 * to B sets on_drain on B, pauses A (rv_conn_pause) when B is full, and resumes
 * A in B's on_drain: then at most B's output limit, plus what A's receive had
 * in flight, is held for the pair.
 *
 * Closing, in order of politeness: rv_conn_shutdown (half-close: send
 * what is queued, then FIN; keep reading), rv_conn_close (stop reading,
 * send what is queued, close), rv_conn_abort (reset now, drop what is
 * queued). A close or shutdown that cannot send its output within the
 * linger timeout is aborted; nothing waits forever on a peer.
 *
 * Timeouts (struct rv_conn_timeouts in loop.h, defaults from the loop's
 * config, changed with rv_conn_set_timeouts) end a connection with
 * -ETIMEDOUT in on_close: idle (nothing received or sent) and read
 * (rv_conn_set_read_timeout) close it; write (queued output made no
 * progress: the peer does not read), linger and connect abort it. A pass
 * of the loop takes its I/O before it judges deadlines: bytes that
 * arrived in time count even when the loop itself ran late.
 */
#ifndef RINGVIEW_CONN_H
#define RINGVIEW_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
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
	/* The connection is open: accepted, adopted or connected. May be
	 * NULL. */
	void (*on_open)(rv_conn *c);
	/*
	 * New bytes were appended to |in|, which the connection owns. Consume
	 * complete messages (rv_chain_take, rv_chain_consume ...) and leave a
	 * partial one. Views taken out of |in| are the callback's to keep,
	 * send or release. |in| is good for the call (rv_conn_input gives
	 * one to keep).
	 */
	void (*on_data)(rv_conn *c, rv_chain *in);
	/* The connection is closed: 0 after an orderly close, else a
	 * negative errno (-ECONNRESET, -ECONNREFUSED and -ETIMEDOUT for a
	 * connect, -ETIMEDOUT for a timeout, -ECONNABORTED after
	 * rv_conn_abort, -ECANCELED at loop shutdown ...). The input chain is
	 * released after this returns. May be NULL. */
	void (*on_close)(rv_conn *c, int err);
	/*
	 * The peer shut its write side (FIN): nothing more will arrive. With
	 * on_eof set the connection stays open for sending: answer, then
	 * rv_conn_shutdown (or rv_conn_close); it closes once both sides are
	 * shut. NULL: the loop closes it (as rv_conn_close: what is queued
	 * is still sent).
	 */
	void (*on_eof)(rv_conn *c);
	/*
	 * The connection's queued output, after passing its output limit,
	 * has drained to half of it: whoever feeds it may resume (see the
	 * overview). With on_drain set the loop never stops reading this
	 * connection for its own output. NULL: it does.
	 */
	void (*on_drain)(rv_conn *c);
	/*
	 * The connection holds its budget of receive buffers (see
	 * rv_conn_set_budget), after the loop moved its input chain's bytes
	 * into memory of their own (rv_chain_detach). Views the application
	 * keeps of it (a parser's partial message) still pin theirs: detach
	 * them now (rv_chain_detach, rv_view_detach) and reading goes on;
	 * otherwise the loop stops reading the connection until half of its
	 * buffers are back. May be NULL.
	 */
	void (*on_budget)(rv_conn *c, rv_chain *in);
	void (*_reserved[6])(void); /* NULL: see common.h, structs that grow */
};

/* ---- listening, connecting, adopting ---------------------------------- */

/* Each call below refuses |ops| without on_data, or whose _reserved
 * field is not all NULL (common.h, structs that grow), with -EINVAL. */

/*
 * rv_listen listens on |addr| (IPv4, IPv6 or a Unix socket, see addr.h;
 * port 0 picks a free port, see rv_listener_port) and accepts connections
 * that use |ops| and carry |user|. For IP, SO_REUSEADDR and SO_REUSEPORT
 * are set, so one loop per thread can listen on the same port. A Unix
 * socket path must not exist yet (-EADDRINUSE: remove the stale file).
 */
RV_EXPORT int rv_listen(rv_loop *loop, const struct rv_addr *addr,
			const struct rv_conn_ops *ops, void *user,
			rv_listener **out);

/* rv_listen_tcp is rv_listen on |host| (an IPv4 or IPv6 literal, NULL for
 * all IPv4 addresses) and |port|. */
RV_EXPORT int rv_listen_tcp(rv_loop *loop, const char *host, uint16_t port,
			    const struct rv_conn_ops *ops, void *user,
			    rv_listener **out);

/* rv_listener_port: the port it listens on (0 for a Unix socket). */
RV_EXPORT uint16_t rv_listener_port(const rv_listener *l);

/* rv_listener_close stops accepting; open connections are not touched. */
RV_EXPORT void rv_listener_close(rv_listener *l);

/*
 * rv_connect starts connecting to |addr| and stores the new connection,
 * which uses |ops| and carries |user|, in |*out|. It returns at once:
 * on_open runs when the connection is made; when it cannot be (refused,
 * unreachable, or not made within the connect timeout) on_close runs
 * with the errno instead. Sends queued meanwhile go out once connected.
 * Returns -EINVAL for a bad address or a loop shutting down, or the
 * socket's -errno (-EMFILE ...); no callback runs then.
 */
RV_EXPORT int rv_connect(rv_loop *loop, const struct rv_addr *addr,
			 const struct rv_conn_ops *ops, void *user,
			 rv_conn **out);

/*
 * rv_conn_adopt makes a connection of |fd|, a connected stream socket made
 * elsewhere (socketpair, an inherited descriptor, a connect done by
 * hand). The loop owns |fd| from then on (it is made non-blocking and
 * closed with the connection); on_open runs before rv_conn_adopt returns.
 * -EINVAL for a descriptor that is not a socket, -ENOMEM; |fd| stays the
 * caller's after a failure.
 */
RV_EXPORT int rv_conn_adopt(rv_loop *loop, int fd,
			    const struct rv_conn_ops *ops, void *user,
			    rv_conn **out);

/* ---- sending ---------------------------------------------------------- */

/*
 * rv_conn_send queues |v| for sending and takes ownership of it (also on
 * failure, when it is released). -EPIPE when the connection is closing,
 * shut for writing or closed. Bytes are sent in the order queued.
 */
RV_EXPORT int rv_conn_send(rv_conn *c, rv_view v);

/*
 * rv_conn_send_chain moves every view of |views| to the send queue and
 * takes ownership of them: |views| is left empty, also on failure (the
 * views are then released). -EPIPE as rv_conn_send. A chain of yours is
 * freed as well; a connection's input chain (the one on_data got, of this
 * connection or another) keeps its storage for the next receive, so that
 * passing input on costs no allocation.
 */
RV_EXPORT int rv_conn_send_chain(rv_conn *c, rv_chain *views);

/* rv_conn_queued: bytes queued or in flight for sending. */
RV_EXPORT size_t rv_conn_queued(const rv_conn *c);

/* rv_conn_writable: false from the moment the queued output passes the
 * output limit until it has drained to half of it (on_drain then). */
RV_EXPORT bool rv_conn_writable(const rv_conn *c);

/*
 * rv_conn_defer has on_data called again on the loop's next pass, with the
 * input chain as it is then, even if nothing new arrives: for a handler
 * that does a share of the work per call (a few pipelined requests), so
 * that one busy connection cannot hold the loop while others wait. The
 * loop does not sleep while work is deferred. A no-op when already so.
 */
RV_EXPORT void rv_conn_defer(rv_conn *c);

/* ---- flow control ----------------------------------------------------- */

/*
 * rv_conn_pause stops reading |c| until rv_conn_resume; the peer's bytes
 * wait in the kernel (TCP pushes back). Bytes a receive already took may
 * still reach on_data. Both are no-ops when already so.
 */
RV_EXPORT void rv_conn_pause(rv_conn *c);
RV_EXPORT void rv_conn_resume(rv_conn *c);

/*
 * rv_conn_set_limits sets |c|'s input limit (bytes its input chain may
 * hold before reading stops; 0: none) and output limit (bytes queued
 * before it is full; 0 keeps the current one). At most 4 GiB - 1.
 */
RV_EXPORT void rv_conn_set_limits(rv_conn *c, size_t input_limit,
				  size_t output_limit);

/*
 * rv_conn_buffers: receive buffers |c| holds - filled by its receives and
 * not yet recycled, wherever their views are (its input chain, the
 * application's parser or cache, another connection's send queue).
 * rv_conn_set_budget caps them (0: no cap; the loop's conn_budget by
 * default): at the cap the loop stops reading |c| until half of them
 * came back. A receive in flight may take one more batch past it.
 */
RV_EXPORT uint32_t rv_conn_buffers(const rv_conn *c);
RV_EXPORT void rv_conn_set_budget(rv_conn *c, uint32_t buffers);

/* ---- timeouts --------------------------------------------------------- */

/* rv_conn_set_timeouts changes |c|'s timeouts: each field not 0 replaces
 * the current value (RV_NO_TIMEOUT: off), counted from now. */
RV_EXPORT void rv_conn_set_timeouts(rv_conn *c,
				    const struct rv_conn_timeouts *t);

/*
 * rv_conn_set_read_timeout gives |c| |ms| from now to get what it waits
 * for (a request head, say); when it expires before it is cleared
 * (ms = 0), the connection is closed with -ETIMEDOUT.
 */
RV_EXPORT void rv_conn_set_read_timeout(rv_conn *c, uint32_t ms);

/* ---- closing ---------------------------------------------------------- */

/*
 * rv_conn_close closes gracefully: stop reading, send what is queued,
 * then shut the socket down; on_close follows (0, or -ETIMEDOUT when the
 * output could not go within the linger timeout and the connection was
 * aborted). Calling it again is a no-op.
 */
RV_EXPORT void rv_conn_close(rv_conn *c);

/*
 * rv_conn_shutdown shuts the write side once what is queued is sent (the
 * peer reads end-of-file); reading goes on until the peer shuts its own,
 * and then the connection closes (on_close with 0). Sends after it fail
 * with -EPIPE. The linger timeout bounds the sending.
 */
RV_EXPORT void rv_conn_shutdown(rv_conn *c);

/*
 * rv_conn_abort resets the connection now: queued output is dropped, what
 * the kernel still had to send is discarded (zero-copy sends included,
 * their views released), the peer gets a RST; on_close follows with
 * -ECONNABORTED, once the kernel has let go of every buffer. Works in any
 * state, after rv_conn_close too.
 */
RV_EXPORT void rv_conn_abort(rv_conn *c);

/* ---- the rest --------------------------------------------------------- */

/* rv_conn_user / rv_conn_set_user: the application's pointer (starts as
 * the listener's or rv_connect's |user|). */
RV_EXPORT void *rv_conn_user(const rv_conn *c);
RV_EXPORT void rv_conn_set_user(rv_conn *c, void *user);

/* rv_conn_loop: the loop the connection is on. */
RV_EXPORT rv_loop *rv_conn_loop(const rv_conn *c);

/* rv_conn_fd: the socket, for getsockopt and the like. Do not read,
 * write, shut down or close it. */
RV_EXPORT int rv_conn_fd(const rv_conn *c);

/*
 * rv_conn_input: the connection's input chain (what on_data gets), to
 * consume from outside on_data - after a pause, say. Reading resumes
 * when it falls below the input limit. The pointer is good until
 * on_close returns; NULL only when the chain could not be made (out of
 * memory). (An idle connection holds no chains - they are made when bytes
 * arrive and given back when it is quiet - so on_data's |in| is good for
 * the call; one handed out here stays the connection's.)
 */
RV_EXPORT rv_chain *rv_conn_input(rv_conn *c);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_CONN_H */
