/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/loop.h - the event loop: one pool, one io_uring (or libev loop)
 * and every connection and listener on it. Single-threaded: every call on
 * a loop, its connections and its pool's views is made on the thread that
 * runs it. Run one loop per thread to use several cores.
 */
#ifndef RINGVIEW_LOOP_H
#define RINGVIEW_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_loop rv_loop;

enum rv_backend {
	RV_BACKEND_AUTO = 0, /* io_uring, else libev (with a log line why) */
	RV_BACKEND_URING = 1,
	RV_BACKEND_EV = 2,
};

/* Accepted sockets keep Nagle's algorithm (TCP_NODELAY is set by default:
 * an echo without it stalls 40 ms on delayed ACKs). */
#define RV_LOOP_NO_NODELAY 0x1u
/* Never use zero-copy sends. */
#define RV_LOOP_NO_ZEROCOPY 0x2u
/* Do not use receive bundles even where the kernel has them. */
#define RV_LOOP_NO_BUNDLES 0x4u

/* A timeout that never expires (in struct rv_conn_timeouts). */
#define RV_NO_TIMEOUT UINT32_MAX

/*
 * How long a connection may take, in milliseconds (conn.h says what each
 * does when it expires). In rv_loop_config every connection's defaults,
 * 0 taking the default named here; in rv_conn_set_timeouts, 0 leaves the
 * connection's value as it is. RV_NO_TIMEOUT turns one off. At most 24
 * days (longer is cut to that).
 */
struct rv_conn_timeouts {
	uint32_t connect_ms; /* an outbound connect completes; 10 s */
	uint32_t idle_ms;    /* nothing received or sent; off */
	uint32_t write_ms;   /* queued output makes no progress; off */
	uint32_t linger_ms; /* a close or shutdown sends what is queued; 10 s */
	uint64_t _reserved[2]; /* zero: see common.h, structs that grow */
};

struct rv_loop_config {
	struct rv_pool_config pool; /* receive buffers (see pool.h) */
	enum rv_backend backend;    /* RINGVIEW_BACKEND overrides AUTO */
	uint32_t flags;		    /* RV_LOOP_* */
	/* Connections the completion queue is sized for; 0 means 1024. More
	 * work, but the CQ may then overflow (handled, slower). */
	uint32_t max_conns;
	/* Bytes queued for sending on one connection beyond which it is full
	 * (rv_conn_writable) until half of them are sent; unless it has an
	 * on_drain callback, the loop stops reading it meanwhile. 0 means
	 * 4 MiB; at most 4 GiB - 1. */
	size_t output_limit;
	/* Most bytes one receive may take (fairness between sockets);
	 * 0 means 4 buffers. */
	uint32_t recv_cap;
	/* Sends of a view at least this large use zero-copy; 0 means 16 KiB. */
	uint32_t zerocopy_threshold;
	/* Buffers kept in the kernel's ring at first; the loop grows it when
	 * receives run dry while buffers are free. 0 means 64. */
	uint32_t ring_fill;
	/* Every connection's timeouts (see above). */
	struct rv_conn_timeouts timeouts;
	/* Bytes a connection's input chain may hold (received and not yet
	 * consumed) before the loop stops reading it, until the application
	 * consumes below it. 0 means no limit. */
	uint32_t input_limit;
	/* Free buffers receives never take, so that the application's
	 * rv_pool_get finds some (for output it builds in pool buffers).
	 * 0 means count / 16; RV_LOOP_NO_RESERVE none. */
	uint32_t reserve;
	/* Receive buffers one connection may hold (see conn.h: charged from
	 * its receive until recycled, wherever the views went) before the
	 * loop stops reading it. 0 means count / 64, so that 64 connections
	 * are needed to hold the whole pool (12 of a 768-buffer pool, 4 of
	 * the default 256), and never less than one receive (recv_cap);
	 * RV_LOOP_NO_BUDGET none. */
	uint32_t conn_budget;
	uint64_t _reserved[8]; /* zero: see common.h, structs that grow */
};
#define RV_LOOP_NO_RESERVE UINT32_MAX
#define RV_LOOP_NO_BUDGET  UINT32_MAX

/*
 * rv_loop_create makes a loop with its pool as |cfg| asks (NULL: defaults)
 * and stores it in |*out|. With RV_BACKEND_URING, a kernel without usable
 * io_uring is an error (-ENOSYS, -EPERM ...) and the log says why; with
 * AUTO the loop falls back to libev and logs one line naming the cause.
 * A backend asked for (in |cfg| or RINGVIEW_BACKEND) that this build of
 * ringview lacks (-Dio_uring=disabled, -Dlibev=disabled, or its library
 * missing) is -ENOTSUP, logged with the fix. -EINVAL when a reserved field
 * of |cfg| (of it, cfg->pool or cfg->timeouts) is not zero (common.h).
 */
RV_EXPORT int rv_loop_create(const struct rv_loop_config *cfg, rv_loop **out);

/*
 * rv_loop_shutdown closes every listener and aborts every connection
 * (reset, queued output dropped: their on_close runs with -ECANCELED),
 * so it never waits on a peer, and waits only for the kernel to let go of
 * every buffer (zero-copy sends included); the pool stays, so its stats
 * and leak report can be read before rv_loop_destroy. -ETIMEDOUT when the
 * kernel has not finished after 10 s. Calling it again is a no-op. The
 * loop cannot run after it. A server that wants its clients' answers to
 * go out closes them first (rv_conn_close) and runs the loop until they
 * are gone.
 */
RV_EXPORT int rv_loop_shutdown(rv_loop *loop);

/*
 * rv_loop_destroy shuts the loop down (rv_loop_shutdown) and frees it, its
 * pool and the timers the application has not destroyed. Returns -EBUSY, after
 * logging a leak report, when the application still holds views of the pool;
 * the loop is then shut down but not freed - release them and call it again.
 */
RV_EXPORT int rv_loop_destroy(rv_loop *loop);

/* rv_loop_run processes events until rv_loop_stop is called. Returns 0, or
 * a negative errno when the kernel interface fails. */
RV_EXPORT int rv_loop_run(rv_loop *loop);

/*
 * rv_loop_run_once waits at most |timeout_ms| (-1: no limit, 0: poll) for
 * events - less when a timer or deadline is due sooner - processes all
 * that are ready, fires what is due, and returns the number of events (0
 * on timeout or a signal), or a negative errno. Called from inside one of
 * the loop's own callbacks it refuses with -EBUSY (on either backend):
 * return from the callback instead.
 */
RV_EXPORT int rv_loop_run_once(rv_loop *loop, int timeout_ms);

/* rv_loop_stop makes rv_loop_run return after the current batch. It is
 * async-signal-safe: a SIGINT handler may call it. */
RV_EXPORT void rv_loop_stop(rv_loop *loop);

/* rv_loop_pool returns the loop's pool (for stats, rv_pool_get ...). */
RV_EXPORT rv_pool *rv_loop_pool(rv_loop *loop);

/* rv_loop_backend_name: "io_uring" or "libev". */
RV_EXPORT const char *rv_loop_backend_name(const rv_loop *loop);

struct rv_loop_stats {
	uint64_t accepted;	   /* connections accepted */
	uint64_t closed;	   /* connections closed (on_close ran) */
	uint64_t recv_events;	   /* receive completions with data */
	uint64_t sends;		   /* send operations submitted */
	uint64_t zc_sends;	   /* ... of which zero-copy */
	uint64_t zc_fixed_sends;   /* ... of which from registered buffers */
	uint64_t zc_copied;	   /* zero-copy sends the kernel copied */
	uint64_t parked;	   /* receives that waited for buffers */
	uint32_t ring_fill;	   /* buffers the kernel's ring is kept at */
	uint64_t connects;	   /* rv_connect calls that made a connection */
	uint64_t connect_failures; /* ... of which failed (not timeouts) */
	uint64_t adopted;	   /* rv_conn_adopt */
	uint64_t timeouts;	   /* connections ended by a timeout */
	uint64_t aborts;	   /* connections reset (abort, timeouts) */
	uint64_t over_budget;	   /* times a connection hit its budget */
	uint64_t compacted;	   /* input chains detached at the budget */
	uint64_t pressure; /* passes that found the pool low and acted */
	uint64_t shed;	   /* connections reset to free a nearly empty pool */
	uint64_t accept_backoffs;  /* accepts paused: out of descriptors */
	uint64_t recv_kicks;	   /* io_uring receives posted anew: they had
				    missed their socket's end (or bytes) */
	uint64_t files_registered; /* io_uring (Linux 6.13+): connections
				    whose socket is registered with the ring
				    now - at their second send, when the
				    descriptor is below the open-file limit
				    the loop was made with (at most 65,536) */
	uint64_t _reserved[7];	   /* zero: see common.h, structs that grow */
};

/* rv_loop_stats fills |*st| with the loop's counters (the pool's are in
 * rv_pool_stats). */
RV_EXPORT void rv_loop_stats(const rv_loop *loop, struct rv_loop_stats *st);

/*
 * rv_loop_now: the loop's time in milliseconds, CLOCK_MONOTONIC read once
 * per pass of the loop (the time timers and deadlines count from).
 */
RV_EXPORT uint64_t rv_loop_now(const rv_loop *loop);

/* rv_loop_conn_count: open connections. */
RV_EXPORT uint32_t rv_loop_conn_count(const rv_loop *loop);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_LOOP_H */
