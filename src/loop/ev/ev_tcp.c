/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev_tcp.c - TCP on the libev backend: readiness from ev_io, reads into
 * free pool buffers, sends of views with sendmsg.
 *
 * Receives: when a socket is readable, the connection takes a free buffer
 * from the pool and reads into it with a plain recv; when that fills it (a
 * bulk stream - and from then on at once) it takes as many as recv_cap
 * bytes fill and reads into them with one readv. So small messages cost
 * one recv, and one socket cannot take every buffer in one pass. The
 * filled buffers become views: the same views, chains and stats as with
 * io_uring; the others go straight back. A read that finds no free buffer
 * counts -ENOBUFS and parks the connection (its watcher stopped; TCP keeps
 * the bytes; park.c) until buffers are recycled (ev.c wakes it).
 *
 * Sends: sendmsg over the iovecs of the queued views (a plain send for
 * one view). The kernel copies the bytes during the call, so the views it
 * took are released at once (rv_chain_consume) and nothing stays in
 * flight: a connection never has kernel operations outstanding here. A
 * full socket waits for writability with a second ev_io, flagged
 * RV__C_SENDING meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "loop/ev/ev_internal.h"

#define SEND_IOV     64 /* views one sendmsg may take */
#define SEND_ROUNDS  16 /* sendmsg calls per connection per event */
#define ACCEPT_BATCH 64 /* accepts per readiness of a listener */

/* Per connection, in c->backend_data; freed when the connection is killed. */
struct econn {
	ev_io r, w;
	/* The last read filled every buffer it had: read into several
	 * (readv) next time. Otherwise one buffer and a plain recv, which
	 * the kernel serves faster - the common case of small messages. */
	bool wide;
};

/* Per listener, in l->backend_data. */
struct elisten {
	ev_io io;
};

static void on_readable(struct ev_loop *evl, ev_io *w, int revents);
static void on_writable(struct ev_loop *evl, ev_io *w, int revents);

/* The connection's watchers, made on first use; NULL without memory. */
static struct econn *conn_state(rv_conn *c)
{
	struct econn *ec = c->backend_data;

	if (ec)
		return ec;
	ec = malloc(sizeof(*ec));
	if (!ec)
		return NULL;
	ev_io_init(&ec->r, on_readable, c->fd, EV_READ);
	ev_io_init(&ec->w, on_writable, c->fd, EV_WRITE);
	ec->r.data = ec->w.data = c;
	ec->wide = false;
	c->backend_data = ec;
	return ec;
}

/* ---- receiving ------------------------------------------------------ */

static void recv_start(rv_conn *c)
{
	struct econn *ec = conn_state(c);

	if (!ec) {
		rv__conn_fail(c, -ENOMEM);
		return;
	}
	/* Woken from the parked queue: it was stopped with bytes pending,
	 * so read wide (its ticket, RV__C_WOKEN, is used in on_readable). */
	if (c->flags & RV__C_WOKEN)
		ec->wide = true;
	ev_io_start(E(c->loop)->evl, &ec->r);
	c->flags |= RV__C_RECV_ARMED;
}

static void stop_reading(rv_conn *c)
{
	struct econn *ec = c->backend_data;

	if (ec)
		ev_io_stop(E(c->loop)->evl, &ec->r);
	c->flags &= ~RV__C_RECV_ARMED;
}

static void recv_stop(rv_conn *c)
{
	stop_reading(c);
}

/* No free buffer: wait, with the watcher stopped, until one is recycled
 * (the caller has counted the -ENOBUFS). */
static void park(rv_conn *c)
{
	stop_reading(c);
	rv__conn_park(c);
}

/* Give back ids[from..n-1], newest first so the pool's free list keeps
 * its most-recently-used order. */
static void give_back(struct evb *e, const uint32_t *ids, uint32_t from,
		      uint32_t n)
{
	uint32_t count = n - from;

	while (n > from)
		rv__pool_put_id(e->loop->pool, ids[--n]);
	rv__ev_buffers_freed(e, count);
}

/* Turn the |got| bytes read into ids[] into views appended to |in| (room
 * reserved) and hand them to the connection, which leaves |in| empty. The
 * ids not filled go back first. */
static void hand_over(struct evb *e, rv_conn *c, const uint32_t *ids,
		      uint32_t n, size_t got, rv_chain *in)
{
	size_t left = got;
	uint32_t used = 0;

	while (left) {
		uint32_t len =
			left < e->buf_size ? (uint32_t)left : e->buf_size;
		rv_view v;
		rv__pool_view(e->loop->pool, ids[used++], 0, len, &v);
		rv_chain_append(in, &v); /* cannot fail: room is reserved */
		left -= len;
	}
	give_back(e, ids, used, n);
	e->loop->stats.recv_events++;
	rv__pool_count_received(e->loop->pool, got);
	rv__conn_received(c, in);
}

/* Read into |n| buffers: a plain recv for one, else one readv. */
static ssize_t read_bufs(struct evb *e, int fd, const uint32_t *ids, uint32_t n,
			 size_t room)
{
	struct iovec iov[RV__EV_RECV_BUFS_MAX];
	ssize_t r;

	for (uint32_t i = 0; i < n; i++) {
		iov[i].iov_base = e->arena + (size_t)ids[i] * e->buf_size;
		iov[i].iov_len = room < e->buf_size ? room : e->buf_size;
		room -= iov[i].iov_len;
	}
	do
		r = n == 1 ? recv(fd, iov[0].iov_base, iov[0].iov_len, 0)
			   : readv(fd, iov, (int)n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/*
 * One readiness: read until the socket is drained or recv_cap is reached
 * (at most two reads: one buffer first unless the last pass filled all it
 * had, then the rest of the cap). A read that finds no free buffer parks
 * the connection - after the bytes already read are handed over.
 */
static void on_readable(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_conn *c = w->data;
	struct econn *ec = c->backend_data;
	struct evb *e = E(c->loop);
	uint32_t ids[RV__EV_RECV_BUFS_MAX], n = 0;
	uint32_t want = ec->wide ? e->recv_bufs : 1;
	rv_chain *in = &e->scratch;
	bool starved = false, eof = false;
	size_t got = 0, room = rv__conn_input_room(c);
	int err = 0;

	(void)evl;
	(void)revents;
	e->nevents++;
	/* While connections wait for buffers, the others queue behind them
	 * rather than take each freed buffer first (a busy socket is always
	 * readable; a woken one waits its turn): first come, first served. */
	if (rv__loop_has_parked(e->loop) && !(c->flags & RV__C_WOKEN)) {
		park(c);
		rv__ev_buffers_freed(e, 0);
		return;
	}
	c->flags &= ~RV__C_WOKEN;
	/* Output queued earlier in this pass holds its buffers until the
	 * pass ends; when the pool runs short, send it now instead of
	 * parking this connection (with many sockets ready at once, a pass
	 * would otherwise hold a buffer per socket). */
	if (rv__pool_free_ids(e->loop->pool) < want &&
	    !rv__queue_empty(&e->loop->dirty)) {
		rv__loop_send_queued(e->loop);
		/* Its own send may have failed, or an on_drain paused it. */
		if ((c->flags & RV__C_DEAD) || !(c->flags & RV__C_RECV_ARMED))
			return;
	}
	if (rv__chain_reserve(in, e->recv_bufs)) {
		rv__conn_fail(c, -ENOMEM);
		return;
	}
	for (;;) {
		uint32_t first = n;
		ssize_t r;

		/* No more buffers than the input limit leaves room for. */
		if (room != SIZE_MAX &&
		    want > first + (room - got + e->buf_size - 1) / e->buf_size)
			want = first +
			       (uint32_t)((room - got + e->buf_size - 1) /
					  e->buf_size);
		while (n < want &&
		       rv__pool_take_id(e->loop->pool, &ids[n]) == 0)
			n++;
		if (n == first) {
			if (want > first) {
				rv__pool_count_enobufs(e->loop->pool);
				starved = true;
			}
			break;
		}
		r = read_bufs(e, c->fd, ids + first, n - first, room - got);
		if (r <= 0) {
			/* Drained (EAGAIN), or EOF / an error - which come
			 * after any bytes already read. */
			if (r == 0)
				eof = true;
			else if (r != -EAGAIN && r != -EWOULDBLOCK)
				err = (int)r;
			break;
		}
		got += (size_t)r;
		if ((size_t)r < (size_t)(n - first) * e->buf_size ||
		    n >= e->recv_bufs || got >= room)
			break;
		want = e->recv_bufs; /* a bulk stream: up to the cap */
	}
	/* Next time start wide when this pass ended with its buffers full. */
	ec->wide = !eof && !err && got != 0 && got == (size_t)n * e->buf_size;
	if (got)
		hand_over(e, c, ids, n, got, in);
	else
		give_back(e, ids, 0, n);
	/* on_data may have closed or killed |c| (and freed |ec|). */
	if (c->flags & RV__C_DEAD)
		return;
	if (err) {
		rv__conn_fail(c, err);
	} else if (eof) {
		stop_reading(c);
		rv__conn_eof(c);
	} else if (starved && (c->flags & RV__C_RECV_ARMED) &&
		   !rv__pool_free_ids(e->loop->pool)) {
		/* (Buffers that on_data released meanwhile woke no one:
		 * then the watcher simply stays on.) */
		park(c);
	}
}

/* ---- sending -------------------------------------------------------- */

/* Write what c->io->out holds until it is empty (0), the socket is full or
 * the connection has had its share for now (-EAGAIN), or an error. The
 * views the kernel took are released as it takes them. */
static int write_out(struct evb *e, rv_conn *c)
{
	struct iovec iov[SEND_IOV];
	struct msghdr msg;

	for (int round = 0; round < SEND_ROUNDS; round++) {
		size_t want = 0;
		ssize_t n;

		if (!rv__conn_out_len(c))
			return 0;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen =
			(size_t)rv_chain_to_iovec(&c->io->out, iov, SEND_IOV);
		for (size_t i = 0; i < msg.msg_iovlen; i++)
			want += iov[i].iov_len;
		/* One view (small messages): a plain send spares the kernel
		 * importing a msghdr and an iovec. */
		if (msg.msg_iovlen == 1)
			n = send(c->fd, iov[0].iov_base, want,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			return -errno;
		}
		e->loop->stats.sends++;
		rv_chain_consume(&c->io->out, (size_t)n);
		if ((size_t)n < want) /* the socket's buffer is full */
			break;
	}
	return rv__conn_out_len(c) ? -EAGAIN : 0;
}

/* Send now what can be sent; wait for writability for the rest. Then
 * report, like a completion would: conn.c lifts backpressure and finishes
 * a closing connection (which may kill, and so free, c->backend_data). */
static void flush_out(rv_conn *c)
{
	struct evb *e = E(c->loop);
	struct econn *ec = conn_state(c);
	int err;

	if (!ec) {
		rv__conn_fail(c, -ENOMEM);
		return;
	}
	err = write_out(e, c);
	if (err && err != -EAGAIN) {
		rv__conn_fail(c, err);
		return;
	}
	if (err == -EAGAIN) {
		c->flags |= RV__C_SENDING;
		ev_io_start(e->evl, &ec->w);
	} else {
		c->flags &= ~RV__C_SENDING;
		ev_io_stop(e->evl, &ec->w);
	}
	rv__conn_send_done(c);
}

static void send_start(rv_conn *c)
{
	/* Waiting for writability: on_writable sends the rest. */
	if (c->flags & RV__C_SENDING)
		return;
	flush_out(c);
}

/* The socket of a connect under way became writable: connected, or
 * failed (SO_ERROR says). */
static void connect_done(struct ev_loop *evl, rv_conn *c)
{
	struct econn *ec = c->backend_data;
	int err = 0;
	socklen_t len = sizeof(err);

	ev_io_stop(evl, &ec->w);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	rv__conn_connected(c, -err);
}

static void on_writable(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_conn *c = w->data;

	(void)revents;
	E(c->loop)->nevents++;
	if (c->flags & RV__C_CONNECTING)
		connect_done(evl, c);
	else
		flush_out(c);
}

static int connect_start(rv_conn *c, const struct rv_addr *addr)
{
	struct econn *ec = conn_state(c);

	if (!ec)
		return -ENOMEM;
	if (connect(c->fd, (const struct sockaddr *)&addr->ss, addr->len) == 0)
		return 1;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	ev_io_start(E(c->loop)->evl, &ec->w);
	return 0;
}

static void conn_close(rv_conn *c)
{
	(void)c; /* conn_kill let go of the watchers */
}

static void conn_kill(rv_conn *c)
{
	struct econn *ec = c->backend_data;

	if (ec) {
		ev_io_stop(E(c->loop)->evl, &ec->r);
		ev_io_stop(E(c->loop)->evl, &ec->w);
		free(ec);
		c->backend_data = NULL;
	}
	c->flags &= ~(RV__C_RECV_ARMED | RV__C_SENDING);
}

/* ---- accepting ------------------------------------------------------ */

static void on_accept(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_listener *l = w->data;
	struct elisten *el = l->backend_data;
	int err = 0;

	(void)revents;
	E(l->loop)->nevents++;
	/* Hold |l|: on_open may close it (listen_stop frees |el|). */
	l->ops++;
	for (int i = 0; i < ACCEPT_BATCH && !l->closing; i++) {
		int fd = accept4(l->fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			rv__conn_accepted(l, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			err = -errno;
		break;
	}
	if (err && !l->closing && rv__accept_error_is_resource(err)) {
		/* The listener stays readable: back off rather than spin
		 * (listen.c resumes it). */
		ev_io_stop(evl, &el->io);
		rv__listener_backoff(l, err);
	} else if (err && !l->closing) {
		rv__log(RV_LOG_WARN, "accept on port %u failed: %s", l->port,
			rv_strerror(err));
	}
	rv__listener_op_done(l);
}

static void listen_resume(rv_listener *l)
{
	struct elisten *el = l->backend_data;

	ev_io_start(E(l->loop)->evl, &el->io);
}

static int listen_start(rv_listener *l)
{
	struct elisten *el = calloc(1, sizeof(*el));
	int fl = fcntl(l->fd, F_GETFL);

	if (!el)
		return -ENOMEM;
	if (fl < 0 || fcntl(l->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		free(el);
		return -errno;
	}
	ev_io_init(&el->io, on_accept, l->fd, EV_READ);
	el->io.data = l;
	l->backend_data = el;
	ev_io_start(E(l->loop)->evl, &el->io);
	return 0;
}

static void listen_stop(rv_listener *l)
{
	struct elisten *el = l->backend_data;

	if (!el)
		return;
	ev_io_stop(E(l->loop)->evl, &el->io);
	free(el);
	l->backend_data = NULL;
}

const struct rv__tcp_backend rv__ev_tcp = RV__TCP_BACKEND_OPS;
