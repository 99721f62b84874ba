/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring_tcp.c - TCP on the io_uring backend.
 *
 * Accepting: one multishot accept per listener.
 *
 * Receiving: one multishot recv per connection selects buffers from the
 * pool's provided buffer ring (uring_bufring.c), with bundles where the
 * kernel has them, at most recv_cap bytes per completion. Each completion
 * becomes views appended to the connection's input. A receive that finds
 * the ring empty ends with -ENOBUFS and parks its connection (park.c).
 *
 * Sending: one send in flight per connection over up to SEND_IOV views;
 * the views stay referenced (state "sending") until the completion, or for
 * zero-copy sends until the kernel's notification. Zero-copy sends of one
 * view use the pool's buffers registered as fixed buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/uring/uring_internal.h"
#include "ringview/timer.h"

#define SEND_IOV 32
#define SEND_MAX (1u << 30) /* bytes per send (a longer one is short) */

/* One send in flight: it holds references to the views it sends. */
struct rv__uring_send {
	rv_conn *c;
	rv_chain views; /* what this send holds references to */
	size_t len;
	bool zc;
	struct msghdr msg;
	struct iovec iov[SEND_IOV];
	struct rv__uring_send *next_free;
};

/* ---- the registered descriptor ---------------------------------------
 *
 * A connection's socket is registered with the ring (uring.c: slot = its
 * number) at its second send: one io_uring_register call at the start
 * and one at the end, which a connection that answers once (a request, a
 * probe, a scan) does not pay for, and which one that goes on sending
 * pays back in a few dozen messages. Its operations then name the slot.
 * The slot is cleared before the descriptor is closed (conn_close), so
 * the table never keeps a closed socket alive, and a descriptor number
 * reused later is registered afresh.
 */
static void file_register(struct uring *u, rv_conn *c)
{
	int err;

	if (!(c->flags & RV__C_SENT_ONCE)) {
		c->flags |= RV__C_SENT_ONCE;
		return;
	}
	if ((c->flags & RV__C_FILE_FIXED) || c->fd < 0 ||
	    (uint32_t)c->fd >= u->nfiles)
		return;
	err = io_uring_register_files_update(&u->ring, (unsigned)c->fd, &c->fd,
					     1);
	if (err == 1) {
		c->flags |= RV__C_FILE_FIXED;
		c->loop->stats.files_registered++;
		return;
	}
	/* Not worth a system call per send to try again: the loop stops
	 * registering (what is registered stays so until it closes). */
	rv__log(RV_LOG_INFO,
		"registering socket %d with io_uring failed (%s); "
		"connections of this loop are not registered from now on",
		c->fd, rv_strerror(err));
	u->nfiles = 0;
}

/* Name |c|'s registered slot in |sqe| instead of its descriptor. */
static void sqe_file(const rv_conn *c, struct io_uring_sqe *sqe)
{
	if (c->flags & RV__C_FILE_FIXED) {
		sqe->fd = c->fd;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
}

static void conn_close(rv_conn *c)
{
	static const int none = -1;
	int err;

	if (!(c->flags & RV__C_FILE_FIXED))
		return;
	c->flags &= ~RV__C_FILE_FIXED;
	c->loop->stats.files_registered--;
	/* Clearing a slot in use does not fail while the ring lives; if it
	 * did, the socket would live on until its number is registered
	 * again (which replaces it) or the loop ends. */
	err = io_uring_register_files_update(&U(c->loop)->ring, (unsigned)c->fd,
					     &none, 1);
	if (err != 1)
		rv__log(RV_LOG_WARN,
			"clearing io_uring's slot of socket %d failed (%s): "
			"the socket stays open until the loop is destroyed",
			c->fd, rv_strerror(err));
}

/* ---- receiving ------------------------------------------------------ */

static void recv_arm(rv_conn *c)
{
	struct uring *u = U(c->loop);
	size_t room = rv__conn_input_room(c);
	struct io_uring_sqe *sqe = rv__uring_sqe(u);

	if (room < SIZE_MAX || (c->flags & RV__C_RECV_STEP)) {
		/* An input limit, or a connection stopped lately: one
		 * receive at a time into one buffer, of no more than the room
		 * left (a multishot would go on until its cancel is seen, and
		 * a bundle takes what has arrived). */
		io_uring_prep_recv(
			sqe, c->fd, NULL,
			room < u->buf_size ? (unsigned)room : u->buf_size, 0);
		c->flags |= RV__C_RECV_SINGLE;
	} else {
		io_uring_prep_recv_multishot(sqe, c->fd, NULL, u->recv_cap, 0);
		if (u->bundles)
			sqe->ioprio |= IORING_RECVSEND_BUNDLE;
		else
			c->flags |= RV__C_RECV_SINGLE;
	}
	sqe_file(c, sqe);
	rv__uring_select_buffer(sqe, rv__uring_ud(c, RV__TAG_RECV));
	c->flags |= RV__C_RECV_ARMED;
	c->flags &= ~(RV__C_RECV_QUIET1 | RV__C_RECV_QUIET);
	c->ops++;
}

static void recv_start(rv_conn *c)
{
	c->flags &= ~RV__C_WOKEN;
	recv_arm(c);
}

static void recv_stop(rv_conn *c)
{
	rv__uring_cancel(U(c->loop), rv__uring_ud(c, RV__TAG_RECV));
}

/* Turn a completion of |res| bytes into views of the buffers it filled:
 * one buffer, or with a bundle several, taken in ring order. */
static void take_received(struct uring *u, rv_conn *c, int res, uint32_t flags)
{
	uint32_t first = flags >> IORING_CQE_BUFFER_SHIFT;
	uint32_t nbufs = 1, left = (uint32_t)res;
	rv_chain *got = &u->scratch;

	if (!(c->flags & RV__C_RECV_SINGLE))
		nbufs = (left + u->buf_size - 1) / u->buf_size;
	rv__uring_bufring_take(u, first);
	for (uint32_t i = 0; i < nbufs; i++) {
		uint32_t id = i ? rv__uring_bufring_pop(u) : first;
		uint32_t len = left < u->buf_size ? left : u->buf_size;
		rv_view v;
		rv__pool_view(u->loop->pool, id, 0, len, &v);
		left -= len;
		/* Views of distinct buffers never merge; the chain's storage
		 * grows by one slot at most per append. */
		if (rv_chain_append(got, &v) != 0)
			rv_view_release(&v);
	}
	rv__pool_count_received(u->loop->pool, (size_t)res);
	rv__conn_received(c, got);
}

void rv__uring_on_recv(struct uring *u, rv_conn *c, int res, uint32_t flags)
{
	bool more = flags & IORING_CQE_F_MORE;

	/* It ran: the sweep looks at it again. */
	c->flags &= ~(RV__C_RECV_QUIET1 | RV__C_RECV_QUIET);
	if (res > 0) {
		u->loop->stats.recv_events++;
		/* Less than a buffer: the socket is drained, the peer no
		 * longer ahead - receive continuously again. */
		if ((c->flags & RV__C_RECV_SINGLE) &&
		    (uint32_t)res < u->buf_size)
			c->flags &= ~RV__C_RECV_STEP;
		take_received(u, c, res, flags);
	} else if (res == 0) {
		if (!(c->flags & RV__C_DEAD))
			rv__conn_eof(c);
	} else if (res == -ENOBUFS) {
		rv__pool_count_enobufs(u->loop->pool);
		/* The ring ran dry: grow it at the end of this pass (once,
		 * however many connections saw it). */
		u->starved = true;
		if (!more)
			rv__conn_park(c);
	} else if (res == -EINVAL && u->recv_cap) {
		rv__log(RV_LOG_INFO, "this kernel refuses a byte limit on "
				     "multishot receives; receiving without");
		u->recv_cap = 0;
	} else if (res != -ECANCELED && !(c->flags & RV__C_DEAD)) {
		rv__conn_fail(c, res);
	}
	if (!more) {
		/* A multishot ends for many reasons (cancel, no buffers, CQ
		 * overflow, a short bundle); re-arm unless we stopped it. */
		c->flags &= ~(RV__C_RECV_ARMED | RV__C_RECV_SINGLE);
		if (res != 0)
			rv__conn_arm(c);
		rv__conn_op_done(c);
	}
}

/* ---- sending -------------------------------------------------------- */

/* An empty table of fixed buffers, filled as buffers are first sent. */
void rv__uring_tcp_setup(struct uring *u)
{
	struct rv_pool_stats st;
	uint32_t n;

	rv_pool_stats(u->loop->pool, &st);
	n = st.total < 16384 ? st.total : 16384; /* the kernel's limit */
	u->fixed = calloc(n, 1);
	if (!u->fixed)
		return;
	if (io_uring_register_buffers_sparse(&u->ring, n) == 0) {
		u->nfixed = n;
		return;
	}
	rv__log(RV_LOG_DEBUG, "no sparse fixed-buffer table; zero-copy sends "
			      "will pin pages per call");
	free(u->fixed);
	u->fixed = NULL;
}

static struct rv__uring_send *op_get(struct uring *u)
{
	struct rv__uring_send *op = u->free_sends;

	if (op) {
		u->free_sends = op->next_free;
		return op;
	}
	op = malloc(sizeof(*op));
	if (op)
		rv_chain_init(&op->views);
	return op;
}

static void op_put(struct uring *u, struct rv__uring_send *op)
{
	op->next_free = u->free_sends;
	u->free_sends = op;
}

static void op_sending(struct rv__uring_send *op, bool begin)
{
	for (uint32_t i = 0; i < rv_chain_count(&op->views); i++) {
		struct rv_buf *b = rv_chain_at(&op->views, i)->_buf;
		if (begin)
			rv__buf_send_begin(b);
		else
			rv__buf_send_end(b);
	}
}

static void op_finish(struct uring *u, struct rv__uring_send *op)
{
	op_sending(op, false);
	rv__chain_clear(&op->views); /* its storage serves the next send */
	op_put(u, op);
}

/* The fixed-buffer index of |v| for send_zc_fixed, or -1. */
static int fixed_index(struct uring *u, const rv_view *v)
{
	struct rv_buf *b = v->_buf;
	size_t arena_len;
	uint8_t *arena;
	struct iovec iov;

	if (b->_kind != RV__BUF_POOL || b->_id >= u->nfixed)
		return -1;
	if (!u->fixed[b->_id]) {
		arena = rv__pool_arena(u->loop->pool, &arena_len);
		iov.iov_base = arena + (size_t)b->_id * u->buf_size;
		iov.iov_len = u->buf_size;
		if (io_uring_register_buffers_update_tag(&u->ring, b->_id, &iov,
							 NULL, 1) != 1)
			return -1;
		u->fixed[b->_id] = 1;
	}
	return (int)b->_id;
}

static void prep_send(struct uring *u, struct rv__uring_send *op,
		      struct io_uring_sqe *sqe)
{
	const int flags = MSG_NOSIGNAL | MSG_WAITALL;
	const rv_view *v = rv_chain_at(&op->views, 0);
	int idx;

	if (!op->zc) {
		/* One view (the common case for small messages): a plain send
		 * spares the kernel importing a msghdr and an iovec. */
		if (rv_chain_count(&op->views) == 1)
			io_uring_prep_send(sqe, op->c->fd, v->data, v->len,
					   flags);
		else
			io_uring_prep_sendmsg(sqe, op->c->fd, &op->msg, flags);
		return;
	}
	u->loop->stats.zc_sends++;
	idx = rv_chain_count(&op->views) == 1 ? fixed_index(u, v) : -1;
	if (idx >= 0) {
		u->loop->stats.zc_fixed_sends++;
		io_uring_prep_send_zc_fixed(sqe, op->c->fd, v->data, v->len,
					    flags, IORING_SEND_ZC_REPORT_USAGE,
					    (unsigned)idx);
	} else {
		io_uring_prep_sendmsg_zc(sqe, op->c->fd, &op->msg, flags);
		sqe->ioprio |= IORING_SEND_ZC_REPORT_USAGE;
	}
}

static void send_start(rv_conn *c)
{
	struct uring *u = U(c->loop);
	struct rv__uring_send *op;
	struct io_uring_sqe *sqe;
	size_t n = 0;
	int err;

	rv_chain *out = &c->io->out; /* not empty: there is something to send */

	/* At most SEND_MAX bytes: c->io->inflight counts them in 32 bits. */
	for (uint32_t i = 0; i < SEND_IOV && i < rv_chain_count(out); i++)
		n += rv_chain_at(out, i)->len;
	if (n > SEND_MAX)
		n = SEND_MAX;
	op = op_get(u);
	if (!op) {
		rv__conn_fail(c, -ENOMEM);
		return;
	}
	err = rv_chain_take(out, n, &op->views);
	if (err) {
		op_put(u, op);
		rv__conn_fail(c, err);
		return;
	}
	op->c = c;
	op->len = n;
	op->zc = u->zerocopy && !(c->flags & RV__C_NO_ZC) &&
		 n >= c->loop->cfg.zerocopy_threshold;
	memset(&op->msg, 0, sizeof(op->msg));
	op->msg.msg_iov = op->iov;
	op->msg.msg_iovlen =
		(size_t)rv_chain_to_iovec(&op->views, op->iov, SEND_IOV);
	op_sending(op, true);

	file_register(u, c);
	sqe = rv__uring_sqe(u);
	prep_send(u, op, sqe);
	sqe_file(c, sqe);
	c->loop->stats.sends++;
	io_uring_sqe_set_data64(sqe, rv__uring_ud(op, RV__TAG_SEND));
	c->flags |= RV__C_SENDING;
	c->io->inflight = (uint32_t)n;
	c->io->inflight_views = rv_chain_count(&op->views);
	c->ops++;
}

/* Put the bytes a short send left behind back at the front of the queue.
 * They stay referenced by |op| too when it waits for a notification. */
static int requeue_rest(rv_conn *c, struct rv__uring_send *op, size_t sent)
{
	rv_chain rest = RV_CHAIN_INIT;
	rv_cursor cur;
	int err;

	rv_cursor_init_chain(&cur, &op->views);
	rv_cursor_seek(&cur, op->len);
	err = rv_cursor_keep_chain(&cur, sent, &rest);
	if (!err)
		err = rv_chain_append_chain(&rest, &c->io->out);
	if (err) {
		rv_chain_release(&rest);
		return err;
	}
	c->io->out = rest;
	return 0;
}

void rv__uring_on_send(struct uring *u, struct rv__uring_send *op, int res,
		       uint32_t flags)
{
	rv_conn *c = op->c;

	if (flags & IORING_CQE_F_NOTIF) {
		/* The kernel no longer reads the pages: drop the references. */
		if ((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED)
			c->loop->stats.zc_copied++;
		if ((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED &&
		    !(c->flags & RV__C_NO_ZC)) {
			rv__log(RV_LOG_DEBUG,
				"zero-copy send on fd %d was "
				"copied (loopback?); using plain "
				"sends on it",
				c->fd);
			c->flags |= RV__C_NO_ZC;
		}
		op_finish(u, op);
		rv__conn_op_done(c);
		return;
	}
	c->flags &= ~RV__C_SENDING;
	c->io->inflight = 0;
	c->io->inflight_views = 0;
	if (!(c->flags & RV__C_DEAD)) {
		if (res == -EOPNOTSUPP && op->zc) {
			/* Not every socket takes zero-copy sends (Unix ones
			 * do not): send the same bytes the plain way. */
			c->flags |= RV__C_NO_ZC;
			res = 0;
		}
		if (res < 0) {
			rv__conn_fail(c, res);
		} else if ((size_t)res < op->len) {
			int err = requeue_rest(c, op, (size_t)res);
			if (err)
				rv__conn_fail(c, err);
		}
	}
	/* A zero-copy send's references live until its notification, which
	 * also ends its share of the connection's operation count; the next
	 * send may start meanwhile. */
	bool wait_notif = op->zc && (flags & IORING_CQE_F_MORE);
	if (!wait_notif)
		op_finish(u, op);
	rv__conn_send_done(c);
	if (!wait_notif)
		rv__conn_op_done(c);
}

/* ---- accepting ------------------------------------------------------ */

static void accept_arm(struct uring *u, rv_listener *l)
{
	struct io_uring_sqe *sqe = rv__uring_sqe(u);

	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, rv__uring_ud(l, RV__TAG_ACCEPT));
	l->ops++;
}

static int listen_start(rv_listener *l)
{
	accept_arm(U(l->loop), l);
	return 0;
}

static void listen_stop(rv_listener *l)
{
	if (l->ops)
		rv__uring_cancel(U(l->loop), rv__uring_ud(l, RV__TAG_ACCEPT));
}

void rv__uring_on_accept(struct uring *u, rv_listener *l, int res,
			 uint32_t flags)
{
	if (res >= 0) {
		if (l->closing)
			close(res);
		else
			rv__conn_accepted(l, res);
	} else if (rv__accept_error_is_resource(res)) {
		/* Re-armed now it would fail at once, again and again: back
		 * off (listen.c resumes it). */
		if (flags & IORING_CQE_F_MORE)
			rv__uring_cancel(u, rv__uring_ud(l, RV__TAG_ACCEPT));
		rv__listener_backoff(l, res);
	} else if (res != -ECANCELED) {
		rv__log(RV_LOG_WARN, "accept on port %u failed: %s", l->port,
			rv_strerror(res));
	}
	if (!(flags & IORING_CQE_F_MORE)) {
		if (!l->closing && !l->paused)
			accept_arm(u, l);
		rv__listener_op_done(l);
	}
}

static void listen_resume(rv_listener *l)
{
	/* The multishot ended (or was cancelled) when it backed off; a
	 * cancel may still be in flight, then both complete. */
	accept_arm(U(l->loop), l);
}

/* ---- receives that missed their peer's end --------------------------
 *
 * A multishot receive that has just delivered the last bytes of a socket
 * reset meanwhile (a client that sends a few bytes and resets, as often as
 * it likes) may wait for a wakeup that came before it was armed again, and
 * never end: its connection would hold its socket and buffers for good.
 * So, once a second, each connection holding buffers that has received
 * nothing for a second is looked at with a non-blocking MSG_PEEK - and
 * every connection so, once every ten seconds: when the socket has ended,
 * failed, or has bytes the receive did not deliver, the receive is posted
 * anew, and finds them at once.
 *
 * A receive found quiet after it last ran (posted, or delivered) cannot
 * have missed anything that came before: what comes later wakes it. So a
 * connection is looked at twice after each time its receive ran, then
 * only every RECHECK_ROUNDS walks (a minute): twice, in two passes, so
 * that the second look surely comes after the kernel got a receive
 * posted in the pass of the first (RV__C_RECV_QUIET1, RV__C_RECV_QUIET;
 * the sweep runs at most once a pass, however late the pass is). The
 * minute is for a multishot that went back to waiting without a
 * completion, which clears nothing. A crowd of idle connections costs
 * two MSG_PEEKs each, then one a minute.
 *
 * The walk over every connection is spread over the ten seconds: each
 * tick of SWEEP_TICK_MS looks at the next hundredth of them, where the
 * last tick stopped (loop->conn_walk). A loop with 19,000 idle
 * connections so makes 190 MSG_PEEKs every 100 ms (a fraction of a
 * millisecond), not 19,000 at once - which stalled the connections it
 * served for 20-40 ms every ten seconds.
 */
#define STALE_MS	1000
#define SWEEP_TICK_MS	100
#define TICKS_PER_STALE (STALE_MS / SWEEP_TICK_MS)
#define TICKS_PER_ROUND 100 /* ticks to look at every connection once */
#define RECHECK_ROUNDS	6   /* walks before quiet ones are looked at again */

/* Post |c|'s receive anew if its socket has news it did not deliver;
 * one found quiet twice is looked at only when |recheck|. */
static void check_stale(struct uring *u, rv_conn *c, uint32_t now, bool recheck)
{
	char byte;
	ssize_t r;

	if (c->scan_mark == u->loop->scan_mark ||
	    (c->flags & (RV__C_DEAD | RV__C_RECV_ARMED)) != RV__C_RECV_ARMED ||
	    ((c->flags & RV__C_RECV_QUIET) && !recheck) ||
	    (int32_t)(now - c->progress_at) < STALE_MS)
		return;
	c->scan_mark = u->loop->scan_mark;
	r = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		/* Quiet, and alive. */
		c->flags |= c->flags & RV__C_RECV_QUIET1 ? RV__C_RECV_QUIET
							 : RV__C_RECV_QUIET1;
		return;
	}
	if (r < 0 && errno == EINTR)
		return;
	u->loop->stats.recv_kicks++;
	recv_stop(c); /* its completion posts it again (rv__uring_on_recv) */
}

/* The next ceil(nconns / TICKS_PER_ROUND) connections from where the
 * last tick stopped; at the list's end, the next tick starts over. */
static void sweep_slice(struct uring *u, uint32_t now)
{
	rv_loop *loop = u->loop;
	uint32_t n = (loop->nconns + TICKS_PER_ROUND - 1) / TICKS_PER_ROUND;
	struct rv__link *at =
		loop->conn_walk ? loop->conn_walk : loop->conns.next;

	bool recheck = u->sweep_rounds % RECHECK_ROUNDS == RECHECK_ROUNDS - 1;

	for (; n && at != &loop->conns; n--) {
		rv_conn *c = rv__container_of(at, rv_conn, link);
		at = at->next; /* check_stale frees nothing */
		check_stale(u, c, now, recheck);
	}
	loop->conn_walk = at == &loop->conns ? NULL : at;
	if (!loop->conn_walk)
		u->sweep_rounds++;
}

static void sweep(rv_timer *t, void *user)
{
	struct uring *u = user;
	rv_loop *loop = u->loop;
	uint32_t now = (uint32_t)rv__loop_wheel_time(loop);

	(void)t;
	/* A late pass fires the timer once per tick it missed: one sweep a
	 * pass (the two looks at a connection must be in two passes). */
	if (u->swept_at == loop->now_ms)
		return;
	u->swept_at = loop->now_ms;
	loop->scan_mark++;
	if (++u->sweeps % TICKS_PER_STALE == 0)
		for (uint32_t i = 0; i < loop->nowner; i++)
			if (loop->owner[i])
				check_stale(u, loop->owner[i], now, false);
	sweep_slice(u, now);
}

int rv__uring_sweep_start(struct uring *u)
{
	int err = rv_timer_create(u->loop, sweep, u, &u->sweep);

	if (!err)
		rv_timer_start(u->sweep, SWEEP_TICK_MS, SWEEP_TICK_MS);
	return err;
}

/* ---- connections and the table ------------------------------------ */

static void conn_kill(rv_conn *c)
{
	/* The socket is shut down, so the recv ends by itself; cancel it
	 * anyway in case the kernel has it parked on an empty ring. */
	if (c->flags & RV__C_RECV_ARMED)
		recv_stop(c);
	if (c->flags & RV__C_CONNECTING)
		rv__uring_cancel(U(c->loop), rv__uring_ud(c, RV__TAG_CONNECT));
}

/* ---- connecting ------------------------------------------------------ */

/* The address of a connect in flight: the kernel may read it until the
 * operation is issued, so it lives until the completion. */
struct connect_op {
	struct rv_addr addr;
};

static int connect_start(rv_conn *c, const struct rv_addr *addr)
{
	struct connect_op *op = malloc(sizeof(*op));
	struct io_uring_sqe *sqe;

	if (!op)
		return -ENOMEM;
	op->addr = *addr;
	c->backend_data = op;
	sqe = rv__uring_sqe(U(c->loop));
	io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&op->addr.ss,
			      op->addr.len);
	io_uring_sqe_set_data64(sqe, rv__uring_ud(c, RV__TAG_CONNECT));
	c->ops++;
	return 0;
}

void rv__uring_on_connect(struct uring *u, rv_conn *c, int res)
{
	(void)u;
	free(c->backend_data);
	c->backend_data = NULL;
	rv__conn_connected(c, res);
	rv__conn_op_done(c);
}

void rv__uring_tcp_fini(struct uring *u)
{
	struct rv__uring_send *op;

	while ((op = u->free_sends)) {
		u->free_sends = op->next_free;
		rv_chain_release(&op->views);
		free(op);
	}
	rv_chain_release(&u->scratch);
	free(u->fixed);
	u->fixed = NULL;
	rv_timer_destroy(u->sweep);
	u->sweep = NULL;
}

const struct rv__tcp_backend rv__uring_tcp = RV__TCP_BACKEND_OPS;
