/*
 * backend_uring.c - the io_uring backend.
 *
 * Receives: one multishot recv per connection selects buffers from a
 * provided buffer ring filled with pool buffers (bundles where the kernel
 * has them). Each completion becomes views appended to the connection's
 * input. The ring holds only `fill` buffers - as many as the load needs -
 * and the rest wait in the pool's most-recently-used free list, so memory
 * follows load rather than pool size. A recycled buffer goes straight back
 * into the ring when it is below `fill`.
 *
 * When the ring is empty the kernel ends a multishot recv with -ENOBUFS:
 * the connection is parked (TCP keeps its bytes) and re-armed, oldest
 * first, once buffers are back in the ring.
 *
 * Sends: one sendmsg in flight per connection over up to SEND_IOV views;
 * the views stay referenced (state "sending") until the completion, or for
 * zero-copy sends until the kernel's notification.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop_internal.h"

#define SEND_IOV 32
#define BGID 0

/* What a completion's user_data points at, in its low three bits. */
enum tag {
	TAG_ACCEPT = 1,
	TAG_RECV = 2,
	TAG_SEND = 3,
	TAG_IGNORE = 4,
	TAG_UDP_RECV = 5,
	TAG_UDP_SEND = 6,
	TAG_WAKE = 7,
};
#define TAG_MASK 7ull

struct send_op {
	rv_conn *c;
	rv_chain views;        /* what this send holds references to */
	size_t len;
	bool zc;
	struct msghdr msg;
	struct iovec iov[SEND_IOV];
	struct send_op *next_free;
};

struct uring {
	rv_loop *loop;
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	uint32_t br_entries;
	uint32_t *shadow;      /* buffer ids in the order the ring holds them */
	uint32_t sh_head;      /* next id the kernel will take */
	uint32_t sh_tail;      /* one past the last id added */
	uint32_t committed;    /* sh_tail as last published to the kernel */
	uint32_t fill;         /* buffers to keep in the ring */
	bool starved;          /* a receive found the ring empty this pass */
	rv_chain scratch;      /* views of one completion, storage reused */
	uint32_t buf_size;
	uint32_t recv_cap;     /* bytes per receive; 0 when unsupported */
	bool bundles;
	bool zerocopy;
	/* Pool buffers registered as fixed buffers for send_zc, on first
	 * use: registering pins pages, so only buffers that are sent get
	 * registered and memory still follows load. */
	uint32_t nfixed;       /* table size; 0 when unavailable */
	uint8_t *fixed;        /* per buffer id: registered yet? */
	struct rv__link parked;
	struct rv__link udp_parked; /* UDP sockets waiting for buffers */
	struct send_op *free_ops;
};

/* A UDP socket's recvmsg template: how much room the kernel leaves in
 * front of each datagram for the sender's address and control data. */
struct uudp {
	struct msghdr msg;
};

static struct uring *U(const rv_loop *loop)
{
	return loop->be_state;
}

static inline uint64_t ud(void *p, enum tag t)
{
	return (uint64_t)(uintptr_t)p | t;
}

static struct io_uring_sqe *get_sqe(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		/* The submission queue is full: hand it to the kernel. */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	if (!sqe)
		rv__panic("io_uring submission queue full after submit");
	return sqe;
}

/* ---- the buffer ring ------------------------------------------------ */

static uint32_t in_ring(const struct uring *u)
{
	return u->sh_tail - u->sh_head;
}

static void ring_add(struct uring *u, uint32_t id)
{
	uint32_t mask = u->br_entries - 1;
	size_t arena_len;
	uint8_t *arena = rv__pool_arena(u->loop->pool, &arena_len);

	io_uring_buf_ring_add(u->br, arena + (size_t)id * u->buf_size,
			      u->buf_size, (unsigned short)id,
			      io_uring_buf_ring_mask(u->br_entries),
			      (int)(u->sh_tail - u->committed));
	u->shadow[u->sh_tail & mask] = id;
	u->sh_tail++;
}

/* Publish the buffers added since last time to the kernel. */
static void ring_commit(struct uring *u)
{
	if (u->sh_tail != u->committed) {
		io_uring_buf_ring_advance(u->br, (int)(u->sh_tail - u->committed));
		u->committed = u->sh_tail;
	}
}

/* Top the ring up to `fill` from the pool's most recently used buffers. */
static void ring_refill(struct uring *u)
{
	uint32_t id;

	while (in_ring(u) < u->fill &&
	       rv__pool_take_id(u->loop->pool, &id) == 0)
		ring_add(u, id);
	ring_commit(u);
}

/*
 * After a pass in which receives found the ring empty while the pool had
 * buffers to spare, double the ring's fill - once per pass, not once per
 * starved connection: the kernel cycles through every buffer in the ring,
 * so a ring larger than the load needs spreads receives over more memory
 * (and more cache misses) than the load has in flight.
 */
static void grow_ring(struct uring *u)
{
	if (!u->starved)
		return;
	u->starved = false;
	if (rv__pool_free_ids(u->loop->pool) && u->fill < u->br_entries / 2)
		u->fill *= 2;
}

/* The pool's recycle hook: a buffer whose last view went away. */
static void on_recycle(void *ctx, rv_pool *pool, uint32_t id)
{
	struct uring *u = ctx;

	if (in_ring(u) < u->fill)
		ring_add(u, id);
	else
		rv__pool_put_id(pool, id);
}

/* ---- receiving ------------------------------------------------------ */

static void recv_arm(rv_conn *c)
{
	struct uring *u = U(c->loop);
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_recv_multishot(sqe, c->fd, NULL, u->recv_cap, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	if (u->bundles)
		sqe->ioprio |= IORING_RECVSEND_BUNDLE;
	io_uring_sqe_set_data64(sqe, ud(c, TAG_RECV));
	c->flags |= RV__C_RECV_ARMED;
	c->ops++;
}

static bool wants_recv(const rv_conn *c)
{
	return (c->flags & RV__C_READING) &&
	       !(c->flags & (RV__C_THROTTLED | RV__C_DEAD | RV__C_PARKED |
			     RV__C_RECV_ARMED));
}

static void be_recv_start(rv_conn *c)
{
	if (wants_recv(c))
		recv_arm(c);
}

static void cancel(struct uring *u, uint64_t target)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_cancel64(sqe, target, 0);
	io_uring_sqe_set_data64(sqe, ud(NULL, TAG_IGNORE));
}

static void unpark(rv_conn *c)
{
	if (c->flags & RV__C_PARKED) {
		rv__list_del(&c->park);
		c->flags &= ~RV__C_PARKED;
	}
}

static void be_recv_stop(rv_conn *c)
{
	unpark(c);
	if (c->flags & RV__C_RECV_ARMED)
		cancel(U(c->loop), ud(c, TAG_RECV));
}

/* The kernel took buffer |id|, which must be the ring's next. */
static void take_ring_head(struct uring *u, uint32_t id)
{
	uint32_t mask = u->br_entries - 1;

	if (u->shadow[u->sh_head & mask] != id)
		rv__panic("io_uring returned buffer %u but the ring's next is "
			  "%u (buffer ring out of order)",
			  id, u->shadow[u->sh_head & mask]);
	u->sh_head++;
}

/* Turn a completion of |res| bytes into views of the buffers it filled:
 * one buffer, or with a bundle several, taken in ring order. */
static void take_received(struct uring *u, rv_conn *c, int res,
			  uint32_t flags)
{
	uint32_t mask = u->br_entries - 1;
	uint32_t first = flags >> IORING_CQE_BUFFER_SHIFT;
	uint32_t nbufs = 1, left = (uint32_t)res;
	rv_chain *got = &u->scratch;

	if (u->bundles)
		nbufs = (left + u->buf_size - 1) / u->buf_size;
	take_ring_head(u, first);
	u->sh_head--; /* taken again below, with the rest of a bundle */
	for (uint32_t i = 0; i < nbufs; i++) {
		uint32_t id = u->shadow[u->sh_head++ & mask];
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

static void on_recv(struct uring *u, rv_conn *c, int res, uint32_t flags)
{
	bool more = flags & IORING_CQE_F_MORE;

	if (res > 0) {
		u->loop->stats.recv_events++;
		take_received(u, c, res, flags);
	} else if (res == 0) {
		if (!(c->flags & RV__C_DEAD))
			rv__conn_eof(c);
	} else if (res == -ENOBUFS) {
		rv__pool_count_enobufs(u->loop->pool);
		/* The ring ran dry: grow it at the end of this pass (once,
		 * however many connections saw it). */
		u->starved = true;
		if (!more && (c->flags & RV__C_READING) &&
		    !(c->flags & (RV__C_DEAD | RV__C_PARKED))) {
			c->flags |= RV__C_PARKED;
			rv__list_push(&u->parked, &c->park);
			u->loop->stats.parked++;
		}
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
		c->flags &= ~RV__C_RECV_ARMED;
		if (res != 0)
			be_recv_start(c);
		rv__conn_op_done(c);
	}
}

static void udp_recv_arm(rv_udp *x);

/* Re-arm parked connections, oldest first, as many as the ring can feed;
 * UDP sockets too (they share the ring). */
static void unpark_some(struct uring *u)
{
	uint32_t budget = in_ring(u);
	/* A TCP receive may fill up to recv_cap bytes of buffers at once:
	 * re-arm only as many as the ring can feed whole, or most find it
	 * empty again at once (and park again). At least one, since a
	 * receive takes only what has arrived. */
	uint32_t per_recv =
		u->recv_cap ? (u->recv_cap + u->buf_size - 1) / u->buf_size : 1;
	uint32_t conns = budget / per_recv ? budget / per_recv : 1;

	while (budget && !rv__list_empty(&u->udp_parked)) {
		rv_udp *x = rv__container_of(u->udp_parked.next, rv_udp, park);
		rv__list_del(&x->park);
		x->flags &= ~RV__U_PARKED;
		udp_recv_arm(x);
		budget--;
	}
	if (conns > budget)
		conns = budget;
	while (conns-- && !rv__list_empty(&u->parked)) {
		rv_conn *c = rv__container_of(u->parked.next, rv_conn, park);
		unpark(c);
		be_recv_start(c);
	}
}

/* ---- sending -------------------------------------------------------- */

static struct send_op *op_get(struct uring *u)
{
	struct send_op *op = u->free_ops;

	if (op) {
		u->free_ops = op->next_free;
		return op;
	}
	op = malloc(sizeof(*op));
	if (op)
		rv_chain_init(&op->views);
	return op;
}

static void op_put(struct uring *u, struct send_op *op)
{
	op->next_free = u->free_ops;
	u->free_ops = op;
}

static void op_sending(struct send_op *op, bool begin)
{
	for (uint32_t i = 0; i < rv_chain_count(&op->views); i++) {
		struct rv_buf *b = rv_chain_at(&op->views, i)->_buf;
		if (begin)
			rv__buf_send_begin(b);
		else
			rv__buf_send_end(b);
	}
}

static void op_finish(struct uring *u, struct send_op *op)
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

static void prep_send(struct uring *u, struct send_op *op,
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

static void be_send_start(rv_conn *c)
{
	struct uring *u = U(c->loop);
	struct send_op *op;
	struct io_uring_sqe *sqe;
	size_t n = 0;
	int err;

	for (uint32_t i = 0; i < SEND_IOV && i < rv_chain_count(&c->out); i++)
		n += rv_chain_at(&c->out, i)->len;
	op = op_get(u);
	if (!op) {
		rv__conn_fail(c, -ENOMEM);
		return;
	}
	err = rv_chain_take(&c->out, n, &op->views);
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
	op->msg.msg_iovlen = (size_t)rv_chain_to_iovec(&op->views, op->iov,
							SEND_IOV);
	op_sending(op, true);

	sqe = get_sqe(u);
	prep_send(u, op, sqe);
	c->loop->stats.sends++;
	io_uring_sqe_set_data64(sqe, ud(op, TAG_SEND));
	c->flags |= RV__C_SENDING;
	c->inflight = n;
	c->ops++;
}

/* Put the bytes a short send left behind back at the front of the queue.
 * They stay referenced by |op| too when it waits for a notification. */
static int requeue_rest(rv_conn *c, struct send_op *op, size_t sent)
{
	rv_chain rest = RV_CHAIN_INIT;
	rv_cursor cur;
	int err;

	rv_cursor_init_chain(&cur, &op->views);
	rv_cursor_seek(&cur, op->len);
	err = rv_cursor_keep_chain(&cur, sent, &rest);
	if (!err)
		err = rv_chain_append_chain(&rest, &c->out);
	if (err) {
		rv_chain_release(&rest);
		return err;
	}
	c->out = rest;
	return 0;
}

static void on_send(struct uring *u, struct send_op *op, int res,
		    uint32_t flags)
{
	rv_conn *c = op->c;

	if (flags & IORING_CQE_F_NOTIF) {
		/* The kernel no longer reads the pages: drop the references. */
		if ((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED)
			c->loop->stats.zc_copied++;
		if ((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED &&
		    !(c->flags & RV__C_NO_ZC)) {
			rv__log(RV_LOG_DEBUG, "zero-copy send on fd %d was "
					      "copied (loopback?); using plain "
					      "sends on it", c->fd);
			c->flags |= RV__C_NO_ZC;
		}
		op_finish(u, op);
		rv__conn_op_done(c);
		return;
	}
	c->flags &= ~RV__C_SENDING;
	c->inflight = 0;
	if (!(c->flags & RV__C_DEAD)) {
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
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud(l, TAG_ACCEPT));
	l->ops++;
}

static int be_listen_start(rv_listener *l)
{
	accept_arm(U(l->loop), l);
	return 0;
}

static void be_listen_stop(rv_listener *l)
{
	if (l->ops)
		cancel(U(l->loop), ud(l, TAG_ACCEPT));
}

static void on_accept(struct uring *u, rv_listener *l, int res, uint32_t flags)
{
	if (res >= 0) {
		if (l->closing)
			close(res);
		else
			rv__conn_accepted(l, res);
	} else if (res != -ECANCELED) {
		rv__log(RV_LOG_WARN, "accept on port %u failed: %s%s", l->port,
			rv_strerror(res),
			res == -EMFILE ? " (raise the limit with ulimit -n)" : "");
	}
	if (!(flags & IORING_CQE_F_MORE)) {
		if (!l->closing)
			accept_arm(u, l);
		rv__listener_op_done(l);
	}
}

/* ---- UDP ------------------------------------------------------------ */

/* Room for SO_RXQ_OVFL's counter in front of each datagram. */
#define UDP_CONTROL CMSG_SPACE(sizeof(uint32_t))

static void udp_recv_arm(rv_udp *x)
{
	struct uring *u = U(x->loop);
	struct uudp *ux = x->be;
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_recvmsg_multishot(sqe, x->fd, &ux->msg, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, ud(x, TAG_UDP_RECV));
	x->flags |= RV__U_RECV_ARMED;
	x->ops++;
}

static int be_udp_start(rv_udp *x)
{
	struct uudp *ux = calloc(1, sizeof(*ux));

	if (!ux)
		return -ENOMEM;
	ux->msg.msg_namelen = sizeof(struct sockaddr_storage);
	ux->msg.msg_controllen = UDP_CONTROL;
	x->be = ux;
	udp_recv_arm(x);
	return 0;
}

static void be_udp_stop(rv_udp *x)
{
	if (x->flags & RV__U_PARKED) {
		rv__list_del(&x->park);
		x->flags &= ~RV__U_PARKED;
	}
	if (x->flags & RV__U_RECV_ARMED)
		cancel(U(x->loop), ud(x, TAG_UDP_RECV));
}

static void be_udp_send(rv_udp *x, struct rv__udp_send *op)
{
	struct io_uring_sqe *sqe = get_sqe(U(x->loop));

	/* send with a destination address (Linux 6.0): unlike sendmsg, no
	 * msghdr for the kernel to copy in. */
	io_uring_prep_sendto(sqe, x->fd, op->iov.iov_base, op->iov.iov_len, 0,
			     (const struct sockaddr *)&op->peer,
			     op->msg.msg_namelen);
	io_uring_sqe_set_data64(sqe, ud(op, TAG_UDP_SEND));
}

/* A datagram in buffer |id|: the kernel's recvmsg header (name, control
 * data, lengths) first, then the payload, which becomes the view. */
static void udp_datagram(struct uring *u, rv_udp *x, uint32_t id, int res)
{
	struct uudp *ux = x->be;
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
	     cm = io_uring_recvmsg_cmsg_nexthdr(out, &ux->msg, cm)) {
		uint32_t drops;
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_RXQ_OVFL)
			continue;
		memcpy(&drops, CMSG_DATA(cm), sizeof(drops));
		rv__udp_kernel_drops(x, drops);
	}
	payload = io_uring_recvmsg_payload(out, &ux->msg);
	len = io_uring_recvmsg_payload_length(out, res, &ux->msg);
	rv__pool_view(u->loop->pool, id, (uint32_t)(payload - base), len, &v);
	rv__pool_count_received(u->loop->pool, len);
	rv__udp_deliver(x, v, io_uring_recvmsg_name(out),
			out->namelen < ux->msg.msg_namelen ? out->namelen
							   : ux->msg.msg_namelen,
			out->flags & MSG_TRUNC);
}

static void on_udp_recv(struct uring *u, rv_udp *x, int res, uint32_t flags)
{
	bool more = flags & IORING_CQE_F_MORE;

	if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
		uint32_t id = flags >> IORING_CQE_BUFFER_SHIFT;
		take_ring_head(u, id);
		u->loop->stats.recv_events++;
		udp_datagram(u, x, id, res);
	} else if (res == -ENOBUFS) {
		/* Datagrams wait in the socket (or the kernel drops them,
		 * counted by SO_RXQ_OVFL) until buffers come back. */
		rv__pool_count_enobufs(u->loop->pool);
		x->stats.enobufs++;
		u->starved = true;
		if (!more && !(x->flags & (RV__U_CLOSING | RV__U_PARKED))) {
			x->flags |= RV__U_PARKED;
			rv__list_push(&u->udp_parked, &x->park);
		}
	} else if (res < 0 && res != -ECANCELED && !(x->flags & RV__U_CLOSING)) {
		rv__log(RV_LOG_DEBUG, "UDP receive on port %u: %s", x->port,
			strerror(-res));
	}
	if (!more) {
		x->flags &= ~RV__U_RECV_ARMED;
		if (!(x->flags & (RV__U_CLOSING | RV__U_PARKED)) &&
		    res != -ECANCELED)
			udp_recv_arm(x);
		rv__udp_op_done(x);
	}
}

/* ---- releases on other threads -------------------------------------- */

static void wake_arm(struct uring *u)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_poll_multishot(sqe, u->loop->wake_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, ud(u->loop, TAG_WAKE));
}

static int be_watch_wake(rv_loop *loop, int fd)
{
	(void)fd; /* loop->wake_fd */
	wake_arm(U(loop));
	return 0;
}

static void on_wake(struct uring *u, int res, uint32_t flags)
{
	if (res > 0)
		rv__loop_collect(u->loop);
	if (!(flags & IORING_CQE_F_MORE) && res != -ECANCELED &&
	    !u->loop->destroying)
		wake_arm(u);
}

/* ---- the loop ------------------------------------------------------- */

static void be_conn_kill(rv_conn *c)
{
	/* The socket is shut down, so the recv ends by itself; cancel it
	 * anyway in case the kernel has it parked on an empty ring. */
	be_recv_stop(c);
}

static void dispatch(struct uring *u, struct io_uring_cqe *cqe)
{
	void *p = (void *)(uintptr_t)(cqe->user_data & ~TAG_MASK);

	switch (cqe->user_data & TAG_MASK) {
	case TAG_RECV:
		on_recv(u, p, cqe->res, cqe->flags);
		break;
	case TAG_SEND:
		on_send(u, p, cqe->res, cqe->flags);
		break;
	case TAG_ACCEPT:
		on_accept(u, p, cqe->res, cqe->flags);
		break;
	case TAG_WAKE:
		on_wake(u, cqe->res, cqe->flags);
		break;
	case TAG_UDP_RECV:
		on_udp_recv(u, p, cqe->res, cqe->flags);
		break;
	case TAG_UDP_SEND: {
		struct rv__udp_send *op = p;
		rv__udp_send_done(op->u, op, cqe->res);
		break;
	}
	default:
		break;
	}
}

static int be_run_once(rv_loop *loop, int timeout_ms)
{
	struct uring *u = U(loop);
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	unsigned head, n = 0, wait_nr = 1;
	int ret;

	/* A poll asks for a full CQ with no time to wait: the kernel then
	 * runs all deferred task work, not just its batch of 20 (the rest
	 * would wait, unsignalled, for the next entry - an embedding's
	 * eventfd would never fire for it). */
	if (timeout_ms == 0)
		wait_nr = u->ring.cq.ring_entries;
	ring_refill(u);
	unpark_some(u);
	ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, wait_nr,
					       timeout_ms < 0 ? NULL : &ts,
					       NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		dispatch(u, cqe);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	grow_ring(u);
	return (int)n;
}

/* Say why io_uring cannot be used, and what to do about it (logged by
 * rv_loop_create: an error when io_uring was asked for, a warning when it
 * falls back to libev). */
static void explain_setup_failure(rv_loop *loop, int err)
{
	char val[16] = "";
	int fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, val, sizeof(val) - 1);
		val[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	if (err == -ENOSYS)
		rv__loop_why(loop, "io_uring is not available: this kernel has "
				   "no io_uring_setup (ENOSYS: older than 5.1 "
				   "or built without CONFIG_IO_URING)");
	else if (err == -EPERM && val[0] == '1')
		rv__loop_why(loop, "io_uring is restricted by "
				   "kernel.io_uring_disabled=1 (EPERM); add "
				   "this user to the group in "
				   "kernel.io_uring_group or set sysctl "
				   "kernel.io_uring_disabled=0");
	else if (err == -EPERM && val[0] && val[0] != '0')
		rv__loop_why(loop,
			     "io_uring is disabled by "
			     "kernel.io_uring_disabled=%s (EPERM); enable "
			     "it with sysctl kernel.io_uring_disabled=0",
			     val);
	else if (err == -EPERM)
		rv__loop_why(loop, "io_uring_setup was refused (EPERM), "
				   "probably by a seccomp profile (container "
				   "runtimes often forbid io_uring); allow "
				   "io_uring_setup, io_uring_enter and "
				   "io_uring_register in the profile");
	else if (err == -ENOMEM)
		rv__loop_why(loop,
			     "io_uring_setup failed: %s (before Linux "
			     "5.12 rings count against the locked-memory "
			     "limit: raise ulimit -l)",
			     rv_strerror(err));
	else
		rv__loop_why(loop, "io_uring_setup failed: %s",
			     rv_strerror(err));
}

static int setup_ring(struct uring *u, const struct rv_loop_config *cfg)
{
	struct io_uring_params p;
	uint32_t cq = cfg->max_conns * 4;
	int ret;

	if (cq < 4096)
		cq = 4096;
	if (cq > 65536)
		cq = 65536;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
	p.cq_entries = cq;
	ret = io_uring_queue_init_params(1024, &u->ring, &p);
	if (ret == -EINVAL) {
		rv__log(RV_LOG_INFO, "the kernel refused SINGLE_ISSUER | "
				     "DEFER_TASKRUN; using default task work");
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		ret = io_uring_queue_init_params(1024, &u->ring, &p);
	}
	if (ret < 0) {
		explain_setup_failure(u->loop, ret);
		return ret;
	}
	u->bundles = (p.features & IORING_FEAT_RECVSEND_BUNDLE) &&
		     !(cfg->flags & RV_LOOP_NO_BUNDLES);
	return 0;
}

static int setup_buffers(struct uring *u, const struct rv_loop_config *cfg)
{
	rv_pool *pool = u->loop->pool;
	struct rv_pool_stats st;
	int ret = 0;

	rv_pool_stats(pool, &st);
	u->buf_size = st.buf_size;
	u->br_entries = 1;
	while (u->br_entries < st.total)
		u->br_entries <<= 1;
	u->br = io_uring_setup_buf_ring(&u->ring, u->br_entries, BGID, 0, &ret);
	if (!u->br) {
		rv__loop_why(u->loop, "io_uring cannot register a provided "
				      "buffer ring (%s); it needs Linux 5.19 "
				      "or later", rv_strerror(ret));
		return ret ? ret : -ENOMEM;
	}
	u->shadow = calloc(u->br_entries, sizeof(*u->shadow));
	if (!u->shadow)
		return -ENOMEM;
	u->fill = cfg->ring_fill < st.total ? cfg->ring_fill : st.total;
	u->recv_cap = cfg->recv_cap ? cfg->recv_cap : 4 * u->buf_size;
	rv__pool_set_recycle_hook(pool, on_recycle, u);
	ring_refill(u);
	return 0;
}

/* An empty table of fixed buffers, filled as buffers are first sent. */
static void setup_fixed(struct uring *u)
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

static void be_fini(rv_loop *loop)
{
	struct uring *u = U(loop);
	struct send_op *op;

	if (!u)
		return;
	/* Views the application still holds now recycle to the free list. */
	rv__pool_set_recycle_hook(loop->pool, NULL, NULL);
	if (u->br) {
		while (u->sh_head != u->sh_tail)
			rv__pool_put_id(loop->pool,
					u->shadow[u->sh_head++ &
						  (u->br_entries - 1)]);
		io_uring_free_buf_ring(&u->ring, u->br, u->br_entries, BGID);
	}
	if (u->ring.ring_fd > 0)
		io_uring_queue_exit(&u->ring);
	while ((op = u->free_ops)) {
		u->free_ops = op->next_free;
		rv_chain_release(&op->views);
		free(op);
	}
	rv_chain_release(&u->scratch);
	free(u->shadow);
	free(u->fixed);
	free(u);
	loop->be_state = NULL;
}

static int be_init(rv_loop *loop)
{
	struct uring *u = calloc(1, sizeof(*u));
	struct io_uring_probe *probe;
	int err;

	if (!u)
		return -ENOMEM;
	u->loop = loop;
	u->ring.ring_fd = -1;
	rv__list_init(&u->parked);
	rv__list_init(&u->udp_parked);
	loop->be_state = u;
	err = setup_ring(u, &loop->cfg);
	if (err) {
		free(u);
		loop->be_state = NULL;
		return err;
	}
	probe = io_uring_get_probe_ring(&u->ring);
	u->zerocopy = probe &&
		      io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC) &&
		      !(loop->cfg.flags & RV_LOOP_NO_ZEROCOPY);
	io_uring_free_probe(probe);
	if (u->zerocopy)
		setup_fixed(u);
	err = setup_buffers(u, &loop->cfg);
	if (err) {
		be_fini(loop);
		return err;
	}
	/* Incremental buffer consumption (IOU_PBUF_RING_INC) is not used:
	 * with bundles and a per-receive cap, whole buffers waste little. */
	rv__log(RV_LOG_DEBUG, "io_uring: bundles %s, zero-copy sends %s "
			      "(%u fixed slots), ring of %u entries filled to %u",
		u->bundles ? "yes" : "no", u->zerocopy ? "yes" : "no",
		u->nfixed, u->br_entries, u->fill);
	return 0;
}

/* ---- embedding in a libev loop (ringview/ev.h) ------------------------ */

static int be_watch_eventfd(rv_loop *loop, int efd)
{
	return io_uring_register_eventfd(&U(loop)->ring, efd);
}

static void be_submit(rv_loop *loop)
{
	struct uring *u = U(loop);

	ring_refill(u);
	unpark_some(u);
	io_uring_submit(&u->ring);
}

static uint32_t be_ring_fill(const rv_loop *loop)
{
	return U(loop)->fill;
}

const struct rv__backend rv__backend_uring = {
	.name = "io_uring",
	.init = be_init,
	.fini = be_fini,
	.run_once = be_run_once,
	.listen_start = be_listen_start,
	.listen_stop = be_listen_stop,
	.recv_start = be_recv_start,
	.recv_stop = be_recv_stop,
	.send_start = be_send_start,
	.conn_kill = be_conn_kill,
	.udp_start = be_udp_start,
	.udp_stop = be_udp_stop,
	.udp_send = be_udp_send,
	.watch_wake = be_watch_wake,
	.ring_fill = be_ring_fill,
	.watch_eventfd = be_watch_eventfd,
	.submit = be_submit,
};
