/*
 * conn.c - the life of a connection, the same for every backend:
 *
 *   accepted -> reading <-> throttled (output over the limit)
 *            -> closing (rv_conn_close or the peer's EOF: send the rest)
 *            -> dead (socket shut down; waiting for the kernel's last
 *               completions) -> on_close -> freed
 *
 * The backend reports what the kernel did (bytes received, a send done,
 * EOF, an error, an operation finished); this file decides what follows.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop_internal.h"

static size_t output_limit(const rv_conn *c)
{
	return c->loop->cfg.output_limit;
}

size_t rv_conn_queued(const rv_conn *c)
{
	return rv_chain_len(&c->out) + c->inflight;
}

static void finalize(rv_conn *c)
{
	rv_loop *loop = c->loop;

	close(c->fd);
	rv__list_del(&c->link);
	if (rv__linked(&c->dirty))
		rv__list_del(&c->dirty);
	rv__conn_unpark(c);
	loop->nconns--;
	loop->stats.closed++;
	if ((c->flags & RV__C_OPENED) && c->cb->on_close)
		c->cb->on_close(c, c->err);
	rv_chain_release(&c->in);
	rv_chain_release(&c->out);
	free(c);
}

/* Queue |c| for the end of the batch: to start its output (so many sends
 * from one on_data become one system call), or to free it once dead. A
 * connection is never freed while a callback or the backend may still
 * hold its pointer. */
static void mark_dirty(rv_conn *c)
{
	if (!rv__linked(&c->dirty))
		rv__list_push(&c->loop->dirty, &c->dirty);
}

/* Shut the socket down and abandon what is queued; the connection is
 * freed once the kernel has finished every operation on it. */
static void kill_conn(rv_conn *c, int err)
{
	if (c->flags & RV__C_DEAD)
		return;
	if (!c->err)
		c->err = err;
	c->flags |= RV__C_DEAD;
	c->flags &= ~(RV__C_READING | RV__C_CLOSING);
	rv_chain_release(&c->out);
	shutdown(c->fd, SHUT_RDWR);
	rv__conn_unpark(c);
	c->loop->backend->tcp->conn_kill(c);
	if (c->ops == 0)
		mark_dirty(c);
}

void rv__conn_arm(rv_conn *c)
{
	if (rv__conn_wants_recv(c))
		c->loop->backend->tcp->recv_start(c);
}

/* No more receives for now: leave the parked list, withdraw the posted
 * receive. */
static void stop_receiving(rv_conn *c)
{
	rv__conn_unpark(c);
	if (c->flags & RV__C_RECV_ARMED)
		c->loop->backend->tcp->recv_stop(c);
}

/* A closing connection whose queue is empty is done. */
static void maybe_finish(rv_conn *c)
{
	if ((c->flags & RV__C_CLOSING) && !(c->flags & RV__C_SENDING) &&
	    rv_chain_len(&c->out) == 0)
		kill_conn(c, 0);
}

rv_conn *rv__conn_accepted(rv_listener *l, int fd)
{
	rv_loop *loop = l->loop;
	rv_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c) {
		rv__log(RV_LOG_WARN, "out of memory accepting a connection; "
				     "closing it");
		close(fd);
		return NULL;
	}
	c->loop = loop;
	c->fd = fd;
	c->cb = l->cb;
	c->user = l->user;
	c->flags = RV__C_READING | RV__C_OPENED;
	c->ops = 1; /* held until the end of this function */
	rv__list_push(&loop->conns, &c->link);
	loop->nconns++;
	loop->stats.accepted++;
	if (!(loop->cfg.flags & RV_LOOP_NO_NODELAY))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->cb->on_open)
		c->cb->on_open(c);
	rv__conn_arm(c);
	rv__conn_op_done(c);
	return c;
}

void rv__conn_received(rv_conn *c, rv_chain *views)
{
	int err;

	if (!(c->flags & RV__C_READING)) {
		/* Closing: the application said it reads no more. */
		rv_chain_release(views);
		return;
	}
	/* |views| is the backend's scratch chain: keep its storage. */
	err = rv__chain_move(&c->in, views);
	if (err) {
		rv__chain_clear(views);
		kill_conn(c, err);
		return;
	}
	c->cb->on_data(c, &c->in);
}

void rv__conn_eof(rv_conn *c)
{
	c->flags |= RV__C_EOF;
	rv_conn_close(c);
}

void rv__conn_fail(rv_conn *c, int err)
{
	kill_conn(c, err);
}

void rv__conn_op_done(rv_conn *c)
{
	if (--c->ops == 0 && (c->flags & RV__C_DEAD))
		mark_dirty(c);
}

void rv__conn_send_done(rv_conn *c)
{
	if (c->flags & RV__C_DEAD)
		return;
	if ((c->flags & RV__C_THROTTLED) &&
	    rv_conn_queued(c) <= output_limit(c) / 2) {
		c->flags &= ~RV__C_THROTTLED;
		rv__conn_arm(c);
	}
	if (rv_chain_len(&c->out))
		c->loop->backend->tcp->send_start(c);
	maybe_finish(c);
}

static void check_limit(rv_conn *c)
{
	if (rv_conn_queued(c) <= output_limit(c) ||
	    (c->flags & RV__C_THROTTLED))
		return;
	/* The peer does not read fast enough: stop reading from it rather
	 * than hold unbounded memory. */
	c->flags |= RV__C_THROTTLED;
	stop_receiving(c);
}

int rv_conn_send(rv_conn *c, rv_view v)
{
	int err;

	if (c->flags & RV__C_DEAD) {
		rv_view_release(&v);
		return -EPIPE;
	}
	err = rv_chain_append(&c->out, &v);
	if (err) {
		rv_view_release(&v);
		return err;
	}
	mark_dirty(c);
	check_limit(c);
	return 0;
}

int rv_conn_send_chain(rv_conn *c, rv_chain *views)
{
	int err;

	if (c->flags & RV__C_DEAD) {
		rv_chain_release(views);
		return -EPIPE;
	}
	err = rv__chain_move(&c->out, views);
	/* The connection's own input chain keeps its storage for the next
	 * receive (an echo sends it back whole); any other chain is left
	 * empty and freed, as documented. */
	if (views != &c->in)
		rv_chain_release(views);
	else if (err)
		rv__chain_clear(views);
	if (err)
		return err;
	mark_dirty(c);
	check_limit(c);
	return 0;
}

void rv__loop_flush_dirty(rv_loop *loop)
{
	while (!rv__list_empty(&loop->dirty)) {
		rv_conn *c = rv__container_of(loop->dirty.next, rv_conn, dirty);
		rv__list_del(&c->dirty);
		if (c->flags & RV__C_DEAD) {
			if (c->ops == 0)
				finalize(c);
		} else if (!(c->flags & RV__C_SENDING) &&
			   rv_chain_len(&c->out)) {
			loop->backend->tcp->send_start(c);
		}
	}
}

void rv_conn_close(rv_conn *c)
{
	if (c->flags & (RV__C_CLOSING | RV__C_DEAD))
		return;
	c->flags |= RV__C_CLOSING;
	c->flags &= ~RV__C_READING;
	stop_receiving(c);
	maybe_finish(c);
}

void *rv_conn_user(const rv_conn *c)
{
	return c->user;
}

void rv_conn_set_user(rv_conn *c, void *user)
{
	c->user = user;
}

rv_loop *rv_conn_loop(const rv_conn *c)
{
	return c->loop;
}

int rv_conn_fd(const rv_conn *c)
{
	return c->fd;
}

/* Called from the loop's shutdown: close everything, abruptly. */
void rv__conn_cancel(rv_conn *c)
{
	kill_conn(c, -ECANCELED);
}
