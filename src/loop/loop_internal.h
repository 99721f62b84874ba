/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loop_internal.h - the loop layer's private header: the loop, listeners,
 * connections and UDP sockets as the backends see them, the life-cycle
 * calls a backend reports to (conn.c, udp.c, park.c), and the small table
 * of operations every backend supplies.
 *
 * The layer above the buffers: it includes the buffer layer's private
 * headers (core/) and its own public headers, never a protocol's.
 */
#ifndef RINGVIEW_LOOP_INTERNAL_H
#define RINGVIEW_LOOP_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/core_internal.h"
#include "core/pool_lend.h"
#include "loop/list.h"
#include "loop/wheel.h"
#include "ringview/addr.h"
#include "ringview/conn.h"
#include "ringview/loop.h"
#include "ringview/udp.h"

struct rv_listener {
	rv_loop *loop;
	int fd;
	uint16_t port;
	bool closing;
	uint32_t ops; /* kernel operations outstanding */
	const struct rv_conn_ops *cb;
	void *user;
	struct rv__link link; /* loop->listeners */
	void *backend_data;   /* the backend's per-listener state */
	/* Out of descriptors: accepting pauses (listen.c). */
	bool paused;
	struct rv_timer *backoff;
	uint64_t backoff_count, backoff_logged_at;
};

/* Connection flags. */
#define RV__C_READING	   0x0001u  /* the application wants bytes */
#define RV__C_RECV_ARMED   0x0002u  /* a receive is posted (backend's) */
#define RV__C_SENDING	   0x0004u  /* a send is in flight */
#define RV__C_CLOSING	   0x0008u  /* close once the queue is sent */
#define RV__C_DEAD	   0x0010u  /* shut down; waiting for ops to finish */
#define RV__C_EOF	   0x0020u  /* the peer shut its write side */
#define RV__C_THROTTLED	   0x0040u  /* own output over the limit: not reading */
#define RV__C_PARKED	   0x0080u  /* waiting for buffers (-ENOBUFS) */
#define RV__C_NO_ZC	   0x0100u  /* zero-copy sends were copied: stop */
#define RV__C_OPENED	   0x0200u  /* on_open ran, or will: on_close must */
#define RV__C_WOKEN	   0x0400u  /* just unparked: may read before others */
#define RV__C_CONNECTING   0x0800u  /* an outbound connect is under way */
#define RV__C_CONNECT_DONE 0x1000u  /* ... ended at once: report it (dirty) */
#define RV__C_PAUSED	   0x2000u  /* the application paused reading */
#define RV__C_INPUT_FULL   0x4000u  /* input chain at its limit: not reading */
#define RV__C_OVER_LIMIT   0x8000u  /* output passed its limit, not drained */
#define RV__C_WSHUT	   0x10000u /* shut the write side once sent */
#define RV__C_WSHUT_DONE   0x20000u /* ... done (FIN sent) */
#define RV__C_ABORTED	   0x40000u /* reset: queues purged */
#define RV__C_RECV_SINGLE  0x80000u /* the posted receive takes one buffer */
#define RV__C_OVER_BUDGET  0x100000u  /* at its budget: not reading */
#define RV__C_PRESSURED	   0x200000u  /* the pool is low: not reading */
#define RV__C_DEFERRED	   0x400000u  /* on_data again next pass */
#define RV__C_RECV_STEP	   0x800000u  /* stopped lately: one buffer a receive */
#define RV__C_DIRTY	   0x1000000u /* on loop->dirty */
#define RV__C_DEFER_LINKED 0x2000000u /* on loop->deferred (maybe dying) */
#define RV__C_IO_PINNED	   0x4000000u /* rv_conn_input handed out its io */
/* (io_uring) the sweep found it quiet once, twice, since its receive last
 * ran (uring_tcp.c) */
#define RV__C_RECV_QUIET1 0x8000000u
#define RV__C_RECV_QUIET  0x10000000u
/* io_uring: it has sent once; its descriptor is registered with the ring
 * (a fixed file at the slot of its number), from its second send on. */
#define RV__C_SENT_ONCE	 0x20000000u
#define RV__C_FILE_FIXED 0x40000000u

/*
 * Deadlines are kept in the loop's wheel time (ms since its creation)
 * cut to 32 bits, compared with wrap-around arithmetic, and 0 means
 * none: a timeout may be up to 24 days. One wheel entry per connection
 * is armed at the earliest; pushing a deadline later (the idle deadline
 * at every receive) needs no wheel operation: the entry fires early,
 * finds nothing due and is armed again at the new earliest
 * (conn_timeouts.c).
 */
struct rv__conn_deadlines {
	uint32_t idle_at;  /* nothing received or sent since: close */
	uint32_t read_at;  /* rv_conn_set_read_timeout's: close */
	uint32_t write_at; /* queued output made no progress since: abort */
	uint32_t hard_at;  /* connect, or the linger of a close: abort */
	uint32_t idle_ms, write_ms, linger_ms, connect_ms;
};

/*
 * What a connection holds only while it has bytes in hand: its input and
 * output queues. An idle connection has none (io is NULL), so that a
 * crowd of idle connections costs a struct rv_conn each and no more
 * (conn_io.c). Taken when bytes arrive or are queued, given back when
 * both queues are empty and nothing is in flight; the loop keeps a few
 * given back for the next connection that needs one.
 */
struct rv__conn_io {
	rv_chain in;  /* received, not yet consumed */
	rv_chain out; /* queued for sending */
	union {
		struct {
			uint32_t inflight; /* bytes in the send in flight */
			uint32_t inflight_views; /* ... in how many views */
		};
		struct rv__conn_io *next_free; /* in loop->io_cache */
	};
};

struct rv_conn {
	rv_loop *loop;
	const struct rv_conn_ops *cb;
	void *user;
	struct rv__conn_io *io; /* NULL while it holds no bytes */
	void *backend_data; /* the backend's per-connection state, or NULL */
	int fd;
	uint32_t flags;
	uint32_t ops;	       /* kernel operations outstanding */
	int err;	       /* first error, reported to on_close */
	uint32_t held_bufs;    /* receive buffers it filled, not yet back */
	uint32_t budget;       /* ... beyond which it is not read; 0: none */
	uint32_t progress_at;  /* wheel ms of its last receive or send */
	uint32_t input_limit;  /* bytes of input beyond which it stops */
	uint32_t output_limit; /* bytes of output beyond which it is full */
	uint32_t scan_mark;    /* seen in the current scan (loop->scan_mark) */
	struct rv__link link;  /* loop->conns */
	/* loop->parked: waiting for buffers (RV__C_PARKED); or loop->held:
	 * waiting for the application to consume its input
	 * (RV__C_INPUT_FULL) - never both: neither is reading. */
	struct rv__link park;
	struct rv__qnode dirty; /* loop->dirty (RV__C_DIRTY) */
	struct rv__qnode defer; /* loop->deferred (RV__C_DEFER_LINKED) */
	struct rv__wheel_entry deadline; /* at the earliest of |dl| */
	struct rv__conn_deadlines dl;
};

/* What an idle connection costs: one allocation of 192 bytes (malloc's
 * chunk for up to 184), the figure bench/c100k reports per idle
 * connection. A field added here must pay for itself elsewhere. */
_Static_assert(sizeof(struct rv_conn) <= 184,
	       "struct rv_conn outgrew its 192-byte allocation");

/* UDP socket flags. */
#define RV__U_RECV_ARMED 0x1u /* receiving (backend's state) */
#define RV__U_CLOSING	 0x2u /* close once sends are done */
#define RV__U_PARKED	 0x4u /* waiting for buffers */
#define RV__U_CLOSED	 0x8u /* on_close ran */

/* Sends waiting per UDP socket before rv_udp_send drops (-ENOBUFS). */
#define RV__UDP_MAX_QUEUED 4096u

/* One datagram being sent: owns its view until the kernel is done. */
struct rv__udp_send {
	struct rv__link link; /* the backend's queue, when it keeps one */
	rv_udp *u;
	rv_view v;
	struct sockaddr_storage peer;
	struct msghdr msg;
	struct iovec iov;
};

struct rv_udp {
	rv_loop *loop;
	int fd;
	uint16_t port;
	uint32_t flags;
	uint32_t ops;	 /* kernel operations outstanding */
	uint32_t busy;	 /* callbacks running: the socket stays */
	uint32_t queued; /* sends not completed */
	int err;	 /* reported to on_close */
	const struct rv_udp_ops *cb;
	void *user;
	struct rv_udp_stats stats;
	uint32_t drops_seen;  /* SO_RXQ_OVFL's counter at the last datagram */
	struct rv__link link; /* loop->udps */
	struct rv__link park; /* loop->udp_parked: waiting for buffers */
	void *backend_data;   /* the backend's state, freed with the socket */
};

/* The accessors every handle (rv_conn, rv_udp) has, written once: its
 * application pointer, its loop and its socket. */
#define RV__HANDLE_ACCESSORS(type, prefix)          \
	void *prefix##_user(const type *h)          \
	{                                           \
		return h->user;                     \
	}                                           \
	void prefix##_set_user(type *h, void *user) \
	{                                           \
		h->user = user;                     \
	}                                           \
	rv_loop *prefix##_loop(const type *h)       \
	{                                           \
		return h->loop;                     \
	}                                           \
	int prefix##_fd(const type *h)              \
	{                                           \
		return h->fd;                       \
	}

/* ---- the backend interface --------------------------------------------
 *
 * A backend does the I/O; everything decided about a connection (when to
 * read, park, throttle, close) is decided above it, once, in conn.c,
 * park.c and udp.c. Each backend has one file per transport, which fills
 * the transport's table. As in Redis's ae, every backend defines the same
 * static functions, named as in the tables below, and fills each table
 * with its RV__*_OPS macro: one contract, spelled once.
 */

/* TCP (uring_tcp.c, ev_tcp.c). */
struct rv__tcp_backend {
	/* Accept on l->fd: 0 or -errno. Stop for good (closing). Accept
	 * again after the backend stopped for a backoff (it reported a
	 * resource error with rv__listener_backoff and accepts no more). */
	int (*listen_start)(rv_listener *l);
	void (*listen_stop)(rv_listener *l);
	void (*listen_resume)(rv_listener *l);
	/* Post a receive on |c|; called only when rv__conn_wants_recv. */
	void (*recv_start)(rv_conn *c);
	/* Withdraw the posted receive (RV__C_RECV_ARMED). */
	void (*recv_stop)(rv_conn *c);
	/* Send what c->io->out holds; called with nothing in flight. */
	void (*send_start)(rv_conn *c);
	/* Abandon every operation on |c| (its socket is shut down). */
	void (*conn_kill)(rv_conn *c);
	/* Connect |c|'s socket (non-blocking) to |addr|: 0 when under way
	 * (rv__conn_connected reports it), 1 when connected at once, or a
	 * negative errno when it failed at once. */
	int (*connect_start)(rv_conn *c, const struct rv_addr *addr);
	/* |c| is about to be closed, nothing in flight: let go of whatever
	 * the backend holds on its descriptor. */
	void (*conn_close)(rv_conn *c);
};
#define RV__TCP_BACKEND_OPS                                               \
	{                                                                 \
		.listen_start = listen_start, .listen_stop = listen_stop, \
		.listen_resume = listen_resume, .recv_start = recv_start, \
		.recv_stop = recv_stop, .send_start = send_start,         \
		.conn_kill = conn_kill, .connect_start = connect_start,   \
		.conn_close = conn_close,                                 \
	}

/* UDP (uring_udp.c, ev_udp.c). */
struct rv__udp_backend {
	/* Make the socket's state and start receiving: 0 or -errno. */
	int (*open)(rv_udp *u);
	/* Receive again after waiting for buffers (RV__U_PARKED cleared). */
	void (*recv_start)(rv_udp *u);
	/* Stop receiving for good (closing): cancel what is posted. */
	void (*stop)(rv_udp *u);
	/* Send |op|; the backend owns it and reports rv__udp_send_done. */
	void (*send)(rv_udp *u, struct rv__udp_send *op);
};
#define RV__UDP_BACKEND_OPS                                     \
	{                                                       \
		.open = udp_open, .recv_start = udp_recv_start, \
		.stop = udp_stop, .send = udp_send,             \
	}

/* Running inside an application's libev loop (embed.c, ringview/ev.h),
 * for a backend with a kernel queue of its own. */
struct rv__embed_backend {
	/* Make the kernel signal |efd| (an eventfd) whenever run_once(loop,
	 * 0) has completions to process. The caller keeps |efd| open until
	 * after fini. */
	int (*watch_eventfd)(rv_loop *loop, int efd);
	/* Hand everything prepared to the kernel without waiting: called
	 * just before the application's loop blocks. */
	void (*submit)(rv_loop *loop);
};

struct rv__backend {
	const char *name;
	int (*init)(rv_loop *loop);
	void (*fini)(rv_loop *loop);
	/* Wait up to timeout_ms (-1: no limit) and process events; returns
	 * how many, or a negative errno when the kernel interface fails. */
	int (*run_once)(rv_loop *loop, int timeout_ms);
	/* Watch |fd|, an eventfd other threads write to when they released
	 * the last view of a buffer of this loop's (RV_POOL_ATOMIC) pool:
	 * call rv__loop_collect when it is readable. */
	int (*watch_wake)(rv_loop *loop, int fd);
	const struct rv__tcp_backend *tcp;
	const struct rv__udp_backend *udp;
	/* NULL for a backend whose watchers go on the application's libev
	 * loop itself. */
	const struct rv__embed_backend *embed;
};
/* A backend's table: its name, its transports' tables and its embedding
 * (or NULL); the rest are its static functions of the slots' names. */
#define RV__BACKEND_OPS(name_, tcp_, udp_, embed_)                             \
	{                                                                      \
		.name = (name_), .init = init, .fini = fini,                   \
		.run_once = run_once, .watch_wake = watch_wake, .tcp = (tcp_), \
		.udp = (udp_), .embed = (embed_),                              \
	}

#ifdef RV_HAVE_URING
extern const struct rv__backend rv__backend_uring;
#endif
struct ev_loop;

#ifdef RV_HAVE_EV
extern const struct rv__backend rv__backend_ev;
/* The libev loop a loop on the libev backend runs on, else NULL. */
struct ev_loop *rv__ev_backend_loop(const rv_loop *loop);
#endif

struct rv_loop {
	rv_pool *pool;
	/* Time: CLOCK_MONOTONIC in ms, read once per pass (rv_loop_now);
	 * the wheels count from the loop's creation (epoch_ms). */
	uint64_t now_ms;
	uint64_t epoch_ms;
	struct rv__wheel timer_wheel;	 /* rv_timer (timer.c) */
	struct rv__wheel deadline_wheel; /* connections' deadlines */
	struct rv__link timers;		 /* every rv_timer, to free them */
	rv_conn **owner; /* per buffer id: the connection it was filled for */
	uint32_t nowner;
	/* pressure.c: when the pool runs low */
	rv_conn **pressure_scratch; /* nowner entries */
	uint32_t scan_mark, npressured;
	/* wheel ms; 0: none */
	uint32_t pressure_at, starved_at, shed_logged_at, trimmed_at;
	size_t heap_freed; /* bytes of heap copies freed, not trimmed */
	struct rv_timer *pressure_timer; /* the next look when owed (lazy) */
	bool running;			 /* inside rv_loop_run_once */
	const struct rv__backend *backend;
	void *backend_data;
	struct rv_loop_config cfg; /* defaults applied */
	struct rv_loop_stats stats;
	uint32_t recv_bufs; /* buffers one receive may fill */
	volatile sig_atomic_t stop;
	bool destroying;
	uint32_t nconns;
	uint32_t closing_listeners; /* closed, kernel not done with them */
	uint32_t paused_listeners;  /* backing off (listen.c) */
	struct rv__link conns;	    /* every open connection */
	/* Where a walk over conns a bit at a time resumes (the io_uring
	 * sweep), or NULL; a connection freed moves it on. */
	struct rv__link *conn_walk;
	struct rv__link listeners;
	struct rv__queue dirty;	   /* connections with output to start */
	struct rv__link parked;	   /* connections waiting for buffers, FIFO */
	struct rv__link held;	   /* connections with their input full */
	struct rv__queue deferred; /* connections rv_conn_defer'd */
	struct rv__conn_io *io_cache; /* given back, for the next (conn_io.c) */
	rv_chain no_input; /* the input of a connection with no io: empty */
	uint32_t io_cached;
	struct rv__link udps;	    /* UDP sockets not yet freed */
	struct rv__link udp_parked; /* UDP sockets waiting for buffers */
	uint32_t nudps;
	int wake_fd; /* eventfd for releases on other threads */
	bool owned;  /* the pool belongs to the running thread */
	/* The application's libev loop the rv_loop runs on (ringview/ev.h),
	 * or NULL when it runs by itself. */
	struct ev_loop *ev_host;
	/* Undoes what the embedding set up; called first by rv_loop_shutdown.
	 */
	void (*detach)(rv_loop *loop);
	void *embed;   /* the embedding's state */
	char why[320]; /* why the last backend could not start */
};

/* ---- loop.c, backend_select.c, addr.c ------------------------------- */

/* Make a loop (rv_loop_create), running on |ev_host| when not NULL. */
int rv__loop_create(const struct rv_loop_config *cfg, struct ev_loop *ev_host,
		    rv_loop **out);

/* Choose and start the loop's backend (backend_select.c): the config's,
 * the environment's or the build's default; logs why one cannot run. */
int rv__loop_start_backend(rv_loop *loop);

/*
 * rv__loop_why records why a backend cannot run here, as one sentence
 * naming the cause and the fix (e.g. "io_uring_setup was refused (EPERM)
 * ...: allow ... in the seccomp profile"). A backend's init calls it
 * instead of logging; rv_loop_create logs it once - as an error when that
 * backend was asked for, as a warning when it falls back to another.
 */
void rv__loop_why(rv_loop *loop, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Recycle what other threads released (the wake fd fired). */
void rv__loop_collect(rv_loop *loop);

/* ---- time (loop.c, timer.c) ------------------------------------------- */

/* The loop's cached time on its wheels' scale (ms since its creation). */
static inline uint64_t rv__loop_wheel_time(const rv_loop *loop)
{
	return loop->now_ms - loop->epoch_ms;
}

/* Read the clock into loop->now_ms: for a timer or deadline started
 * outside a pass, or late in one, so that it never fires early. */
void rv__loop_update_time(rv_loop *loop);

/* Read the clock, then fire every timer and deadline that is due. */
void rv__loop_expire(rv_loop *loop);

/* How long the loop may wait for I/O: |timeout_ms| (-1: no limit), cut
 * to the nearest timer or deadline. */
int rv__loop_wait_ms(const rv_loop *loop, int timeout_ms);

/* The wheels' callbacks (timer.c, conn_timeouts.c). */
void rv__timer_fired(struct rv__wheel_entry *e, void *ctx);
void rv__conn_deadline_fired(struct rv__wheel_entry *e, void *ctx);
/* Free the timers the application left (rv_loop_destroy). */
void rv__timers_free_all(rv_loop *loop);

/* The port of a bound IPv4 or IPv6 socket address. */
uint16_t rv__addr_port(const struct sockaddr_storage *ss);

/* A socket of |type| (SOCK_STREAM: listening; SOCK_DGRAM; may carry
 * SOCK_NONBLOCK) bound to |a| - with SO_REUSEADDR and SO_REUSEPORT for IP
 * - and its port in |*port| (0 for Unix sockets). Returns the descriptor
 * or a negative errno. */
int rv__socket_bound(const struct rv_addr *a, int type, uint16_t *port);

/* ---- conn.c, listen.c: what the backends report ----------------------- */

/* A new connection of |fd| on |loop| (calloc'd, listed, counted, the
 * loop's limits and timeouts), not yet open; NULL without memory. */
rv_conn *rv__conn_new(rv_loop *loop, int fd, const struct rv_conn_ops *ops,
		      void *user);
/* Set an open socket's options (TCP_NODELAY). */
void rv__conn_sockopts(rv_conn *c);
/* |c| is open: on_open, then reading. */
void rv__conn_opened(rv_conn *c);
rv_conn *rv__conn_accepted(rv_listener *l, int fd);
/* An outbound connect ended: 0 or a negative errno (connect.c). */
void rv__conn_connected(rv_conn *c, int res);
/* Moves every view of |views| to the connection's input; |views| is left
 * empty with its storage kept (a backend reuses one scratch chain). */
void rv__conn_received(rv_conn *c, rv_chain *views);
void rv__conn_eof(rv_conn *c);
void rv__conn_fail(rv_conn *c, int err);
void rv__conn_send_done(rv_conn *c);
void rv__conn_op_done(rv_conn *c);
void rv__loop_flush_dirty(rv_loop *loop);
/* Start the output queued so far in this pass now, not at its end: for a
 * backend that sends inline (libev) the sent views' buffers come back at
 * once. Every connection stays on the dirty list and none is freed, so a
 * backend may call it from inside an event callback (conn.c). */
void rv__loop_send_queued(rv_loop *loop);
void rv__listener_op_done(rv_listener *l);
/* Accept failed for want of descriptors or memory (rv__accept_error_is_
 * resource): the backend has stopped accepting on |l|; it resumes after
 * a backoff, or when a connection closes and frees a descriptor. */
bool rv__accept_error_is_resource(int err);
void rv__listener_backoff(rv_listener *l, int err);
void rv__loop_resume_listeners(rv_loop *loop);
/* Close |c| abruptly with -ECANCELED (loop shutdown). */
void rv__conn_cancel(rv_conn *c);
/* Shut |c|'s socket down, drop its output, abandon its operations; it
 * is freed, after on_close(err), once the kernel is done with it. */
void rv__conn_kill(rv_conn *c, int err);
/* The same after resetting the connection (RST, queues purged). */
void rv__conn_abort(rv_conn *c, int err);
/* Queue |c| for the end of the batch: to start its output (so many sends
 * from one on_data become one system call), to report a connect, or to
 * free it once dead. A connection is never freed while a callback or the
 * backend may still hold its pointer. */
void rv__conn_mark_dirty(rv_conn *c);
/* A closing or shutting connection whose queue is empty is done. */
void rv__conn_maybe_finish(rv_conn *c);
/* No more receives for now: leave the parked line, withdraw the posted
 * receive. */
void rv__conn_stop_receiving(rv_conn *c);

/*
 * conn_flow.c: after on_data, stop reading at the input limit
 * (check_input); leave the held list, the input no longer full or no
 * longer read (unhold); resume the held connections whose input the
 * application consumed (release_held).
 */
void rv__conn_check_input(rv_conn *c);
void rv__conn_unhold(rv_conn *c);
void rv__loop_release_held(rv_loop *loop);
/* Call on_data again for the connections that deferred work (after this
 * pass's I/O, so that every connection gets its turn). */
void rv__loop_run_deferred(rv_loop *loop);
/* No longer deferred (dying); it leaves the list at the next
 * rv__loop_run_deferred, and is freed only after. */
void rv__conn_undefer(rv_conn *c);

/*
 * conn_timeouts.c: the loop's timeouts for a new connection
 * (timeouts_init); something received or sent moves the idle deadline
 * (touch); output queued or making progress moves the write deadline
 * (write_progress); the connect timeout starts (connect_start); the
 * linger timeout of a close or shutdown starts, and ends once the output
 * went (linger_start, linger_done).
 */
void rv__conn_timeouts_init(rv_conn *c);
void rv__conn_touch(rv_conn *c);
void rv__conn_write_progress(rv_conn *c);
void rv__conn_connect_start(rv_conn *c);
void rv__conn_linger_start(rv_conn *c);
void rv__conn_linger_done(rv_conn *c);

/*
 * conn_io.c: a connection's queues, there only while it holds bytes.
 * io_get gives |c| its queues if it has none (0, or -ENOMEM: nothing
 * changed); io_put gives them back when both are empty, nothing is in
 * flight and rv_conn_input has not handed them out - call it where no one
 * holds a pointer into them (the end of a completion's handling);
 * io_free releases what they hold and gives them back whatever they hold
 * (a connection freed); io_cache_free frees the loop's spare ones.
 */
int rv__conn_io_get(rv_conn *c);
/* The input chain a callback gets: c->io->in, or the loop's empty one. */
rv_chain *rv__conn_input_arg(rv_conn *c);
void rv__conn_io_put(rv_conn *c);
void rv__conn_io_free(rv_conn *c);
void rv__loop_io_cache_free(rv_loop *loop);
static inline size_t rv__conn_in_len(const rv_conn *c)
{
	return c->io ? rv_chain_len(&c->io->in) : 0;
}
static inline size_t rv__conn_out_len(const rv_conn *c)
{
	return c->io ? rv_chain_len(&c->io->out) : 0;
}

/* True when |c| should have a receive posted and has none. */
static inline bool rv__conn_wants_recv(const rv_conn *c)
{
	return (c->flags & RV__C_READING) &&
	       !(c->flags &
		 (RV__C_THROTTLED | RV__C_DEAD | RV__C_PARKED |
		  RV__C_RECV_ARMED | RV__C_PAUSED | RV__C_INPUT_FULL |
		  RV__C_CONNECTING | RV__C_OVER_BUDGET));
}

/* Bytes |c| may still receive before its input limit; SIZE_MAX when it
 * has none. A backend caps its receives to it, so that the limit holds
 * to the byte (with io_uring: one-shot receives of that size). */
static inline size_t rv__conn_input_room(const rv_conn *c)
{
	size_t len = rv__conn_in_len(c);

	if (!c->input_limit)
		return SIZE_MAX;
	return len < c->input_limit ? c->input_limit - len : 0;
}

/* Post a receive on |c| when it wants one (rv__conn_wants_recv). */
void rv__conn_arm(rv_conn *c);

/*
 * budget.c: the owners of receive buffers, and each connection's cap.
 * budget_init makes the owner array and settles the default budget;
 * charge makes |c| the owner of the buffers of |views| (a receive);
 * check stops reading |c| at its budget; recycled is told by the
 * backend's recycle hook of every buffer back, before anything else;
 * disown clears what a freed connection still owned.
 */
int rv__budget_init(rv_loop *loop);
void rv__budget_charge(rv_conn *c, const rv_chain *views);
void rv__budget_check(rv_conn *c);
void rv__budget_recycled(rv_loop *loop, uint32_t id);
void rv__budget_disown(rv_conn *c);
/* Move |c|'s partial messages out of their buffers: its input chain, and
 * what the application keeps (on_budget). */
void rv__budget_detach(rv_conn *c);

/* pressure.c: at the end of a pass, act if the pool runs low, and give
 * memory back once the peers that took it are gone. */
void rv__loop_pressure(rv_loop *loop);

/* ---- park.c: waiting for buffers, the same for every backend ----------
 *
 * A receive that finds no free buffer parks its connection or socket: its
 * backend has withdrawn the receive (the kernel keeps the bytes), and it
 * waits in FIFO order. The backend decides how many to wake as buffers
 * come back; the oldest are woken first and re-armed.
 */

/* Park |c| (counted in stats.parked); a no-op when it is not reading. */
void rv__conn_park(rv_conn *c);
/* Take |c| off the parked list, if it is on it. */
void rv__conn_unpark(rv_conn *c);
/* Re-arm up to |n| parked connections, oldest first; each is flagged
 * RV__C_WOKEN. Returns how many. */
uint32_t rv__loop_unpark_conns(rv_loop *loop, uint32_t n);
void rv__udp_park(rv_udp *u);
void rv__udp_unpark(rv_udp *u);
/* Let up to |n| parked UDP sockets receive again, oldest first. */
uint32_t rv__loop_unpark_udps(rv_loop *loop, uint32_t n);
static inline bool rv__loop_has_parked(const rv_loop *loop)
{
	return !rv__list_empty(&loop->parked);
}

/* ---- udp.c: the UDP socket life cycle, shared by the backends ---------- */

/* Deliver a datagram (counts it; |v| goes to the application). */
void rv__udp_deliver(rv_udp *u, rv_view v, const struct sockaddr *peer,
		     socklen_t peer_len, bool truncated);
/* The kernel's SO_RXQ_OVFL counter as of the last datagram. */
void rv__udp_kernel_drops(rv_udp *u, uint32_t counter);
/* A control message that came with a datagram (the drop counter). */
void rv__udp_control(rv_udp *u, const struct cmsghdr *cm);
/* A send is done (res: bytes or -errno): release and free |op|. */
void rv__udp_send_done(rv_udp *u, struct rv__udp_send *op, int res);
/* A kernel operation on |u| ended. */
void rv__udp_op_done(rv_udp *u);
/* Close every UDP socket of |loop| (shutdown). */
void rv__udp_close_all(rv_loop *loop);
/* Free |u| if it is closing and nothing refers to it any more. */
void rv__udp_maybe_free(rv_udp *u);

#endif /* RINGVIEW_LOOP_INTERNAL_H */
