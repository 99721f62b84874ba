/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn.c - the life of a connection, the same for every backend:
 *
 *   accepted, adopted, or connecting -> open (on_open)
 *     -> reading <-> not reading (paused, input full, output over the
 *        limit, waiting for buffers)
 *     -> half-closed (the peer's FIN with on_eof; rv_conn_shutdown)
 *     -> closing (rv_conn_close, or the peer's FIN without on_eof: send
 *        the rest, within the linger timeout)
 *     -> dead (socket shut down, or reset by an abort; waiting for the
 *        kernel's last completions) -> on_close -> freed
 *
 * The backend reports what the kernel did (bytes received, a send done,
 * EOF, an error, an operation finished); this file decides what follows.
 * Sending and flow control are in conn_flow.c, timeouts in
 * conn_timeouts.c, connecting and adopting in connect.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop_internal.h"

rv_conn *rv__conn_new(rv_loop *loop, int fd, const struct rv_conn_ops *ops,
		      void *user)
{
	rv_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->fd = fd;
	c->cb = ops;
	c->user = user;
	c->flags = RV__C_READING | RV__C_OPENED;
	c->input_limit = loop->cfg.input_limit;
	c->budget = loop->cfg.conn_budget;
	c->output_limit = (uint32_t)loop->cfg.output_limit;
	rv__conn_timeouts_init(c);
	rv__list_push(&loop->conns, &c->link);
	loop->nconns++;
	return c;
}

/* An open socket's options: Nagle off for TCP (an echo without it
 * stalls 40 ms on delayed ACKs). Unix sockets refuse it; that is fine. */
void rv__conn_sockopts(rv_conn *c)
{
	int one = 1;

	if (!(c->loop->cfg.flags & RV_LOOP_NO_NODELAY))
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The connection is open: tell the application, start reading. Holds an
 * operation so that on_open may close it without freeing it under us. */
void rv__conn_opened(rv_conn *c)
{
	c->ops++;
	rv__conn_touch(c);
	if (c->cb->on_open)
		c->cb->on_open(c);
	rv__conn_arm(c);
	rv__conn_op_done(c);
}

rv_conn *rv__conn_accepted(rv_listener *l, int fd)
{
	rv_conn *c = rv__conn_new(l->loop, fd, l->cb, l->user);

	if (!c) {
		rv__log(RV_LOG_WARN, "out of memory accepting a connection; "
				     "closing it");
		close(fd);
		return NULL;
	}
	l->loop->stats.accepted++;
	rv__conn_sockopts(c);
	rv__conn_opened(c);
	return c;
}

static void finalize(rv_conn *c)
{
	rv_loop *loop = c->loop;

	loop->backend->tcp->conn_close(c);
	close(c->fd);
	if (loop->paused_listeners) /* a descriptor is free again */
		rv__loop_resume_listeners(loop);
	if (loop->conn_walk == &c->link)
		loop->conn_walk =
			c->link.next != &loop->conns ? c->link.next : NULL;
	rv__list_del(&c->link);
	rv__conn_unpark(c);
	rv__conn_unhold(c);
	rv__wheel_del(&loop->deadline_wheel, &c->deadline);
	loop->nconns--;
	loop->stats.closed++;
	if ((c->flags & RV__C_OPENED) && c->cb->on_close)
		c->cb->on_close(c, c->err);
	rv__conn_io_free(c);
	if (c->held_bufs)
		rv__budget_disown(c); /* views the application kept */
	free(c);
}

void rv__conn_mark_dirty(rv_conn *c)
{
	if (!(c->flags & RV__C_DIRTY)) {
		c->flags |= RV__C_DIRTY;
		rv__queue_push(&c->loop->dirty, &c->dirty);
	}
}

void rv__conn_kill(rv_conn *c, int err)
{
	if (c->flags & RV__C_DEAD)
		return;
	if (!c->err)
		c->err = err;
	c->flags |= RV__C_DEAD;
	c->flags &= ~(RV__C_READING | RV__C_CLOSING);
	if (c->io)
		rv__chain_clear(&c->io->out);
	shutdown(c->fd, SHUT_RDWR);
	rv__conn_unpark(c);
	rv__conn_unhold(c);
	rv__conn_undefer(c);
	rv__wheel_del(&c->loop->deadline_wheel, &c->deadline);
	c->loop->backend->tcp->conn_kill(c);
	if (c->ops == 0)
		rv__conn_mark_dirty(c);
}

void rv__conn_abort(rv_conn *c, int err)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};

	if (c->flags & RV__C_ABORTED)
		return;
	if (!c->err)
		c->err = err;
	c->flags |= RV__C_ABORTED;
	c->loop->stats.aborts++;
	/* Disconnecting (connect to AF_UNSPEC) resets the connection now
	 * and purges the socket's queues, so the kernel lets go of the
	 * pages of zero-copy sends a peer would never read; the close with
	 * a zero linger resets it too, should anything be left. */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	connect(c->fd, &unspec, sizeof(unspec));
	rv__conn_kill(c, err);
}

void rv__conn_arm(rv_conn *c)
{
	if (rv__conn_wants_recv(c))
		c->loop->backend->tcp->recv_start(c);
}

void rv__conn_stop_receiving(rv_conn *c)
{
	rv__conn_unpark(c);
	if (!(c->flags & RV__C_RECV_ARMED))
		return;
	/* Stopped while its peer was sending: until it catches up, one
	 * buffer per receive, so that the next stop takes at most one more
	 * (a backend receiving continuously would take what the socket holds
	 * - megabytes - before it sees the stop). */
	if (c->flags & RV__C_READING)
		c->flags |= RV__C_RECV_STEP;
	c->loop->backend->tcp->recv_stop(c);
}

void rv__conn_maybe_finish(rv_conn *c)
{
	if ((c->flags & (RV__C_SENDING | RV__C_DEAD | RV__C_CONNECTING)) ||
	    rv__conn_out_len(c))
		return;
	if (c->flags & RV__C_CLOSING) {
		rv__conn_kill(c, 0);
	} else if ((c->flags & RV__C_WSHUT) && !(c->flags & RV__C_WSHUT_DONE)) {
		shutdown(c->fd, SHUT_WR);
		c->flags |= RV__C_WSHUT_DONE;
		rv__conn_linger_done(c);
		if (c->flags & RV__C_EOF) /* both sides are shut */
			rv__conn_kill(c, 0);
	}
}

void rv__conn_received(rv_conn *c, rv_chain *views)
{
	int err;

	if (!(c->flags & RV__C_READING)) {
		/* Closing: the application said it reads no more. */
		rv__chain_clear(views);
		return;
	}
	rv__budget_charge(c, views);
	/* |views| is the backend's scratch chain: keep its storage. */
	err = rv__conn_io_get(c);
	if (!err)
		err = rv__chain_move(&c->io->in, views);
	if (err) {
		rv__chain_clear(views);
		rv__conn_kill(c, err);
		return;
	}
	rv__conn_touch(c);
	c->cb->on_data(c, &c->io->in);
	rv__conn_check_input(c);
	rv__budget_check(c);
	rv__conn_io_put(c);
}

/* Nothing more will be read on |c|: its peer shut its side, or it is
 * closing. */
static void done_reading(rv_conn *c)
{
	c->flags &= ~RV__C_READING;
	rv__conn_stop_receiving(c);
	rv__conn_unhold(c);
}

void rv__conn_eof(rv_conn *c)
{
	if (c->flags & (RV__C_DEAD | RV__C_EOF))
		return;
	c->flags |= RV__C_EOF;
	done_reading(c);
	if (!c->cb->on_eof || (c->flags & RV__C_CLOSING)) {
		rv_conn_close(c);
		return;
	}
	c->cb->on_eof(c);
	if ((c->flags & RV__C_WSHUT_DONE) && !(c->flags & RV__C_DEAD))
		rv__conn_kill(c, 0); /* both sides are shut */
}

void rv__conn_fail(rv_conn *c, int err)
{
	rv__conn_kill(c, err);
}

void rv__conn_op_done(rv_conn *c)
{
	if (--c->ops == 0 && (c->flags & RV__C_DEAD))
		rv__conn_mark_dirty(c);
}

void rv__loop_flush_dirty(rv_loop *loop)
{
	struct rv__qnode *n;

	while ((n = rv__queue_pop(&loop->dirty))) {
		rv_conn *c = rv__container_of(n, rv_conn, dirty);
		c->flags &= ~RV__C_DIRTY;
		if (c->flags & RV__C_CONNECT_DONE) {
			c->flags &= ~RV__C_CONNECT_DONE;
			rv__conn_connected(c, c->err);
		}
		if (c->flags & RV__C_DEAD) {
			/* Freed once off both lists: when on one again (the
			 * connect report, or still on the deferred list),
			 * it comes back here later. */
			if (c->ops == 0 &&
			    !(c->flags & (RV__C_DIRTY | RV__C_DEFER_LINKED)))
				finalize(c);
			continue;
		}
		if (!(c->flags & (RV__C_SENDING | RV__C_CONNECTING)) &&
		    rv__conn_out_len(c))
			loop->backend->tcp->send_start(c);
		rv__conn_arm(c); /* back under its budget, say */
	}
	rv__loop_release_held(loop);
	rv__loop_pressure(loop);
}

void rv__loop_send_queued(rv_loop *loop)
{
	/* A send may queue more (an on_drain that resumes or sends): those
	 * connections join the list at its end and are visited too. Nothing
	 * here takes a connection off the list or frees one. */
	for (struct rv__qnode *n = loop->dirty.head; n; n = n->next) {
		rv_conn *c = rv__container_of(n, rv_conn, dirty);
		if (!(c->flags &
		      (RV__C_DEAD | RV__C_SENDING | RV__C_CONNECTING)) &&
		    rv__conn_out_len(c))
			loop->backend->tcp->send_start(c);
	}
}

void rv_conn_close(rv_conn *c)
{
	if (!(c->flags & (RV__C_CLOSING | RV__C_DEAD))) {
		c->flags |= RV__C_CLOSING;
		done_reading(c);
		rv__conn_linger_start(c);
		rv__conn_maybe_finish(c);
	}
}

void rv_conn_shutdown(rv_conn *c)
{
	if (c->flags & (RV__C_CLOSING | RV__C_DEAD | RV__C_WSHUT))
		return;
	c->flags |= RV__C_WSHUT;
	rv__conn_linger_start(c);
	rv__conn_maybe_finish(c);
}

void rv_conn_abort(rv_conn *c)
{
	rv__conn_abort(c, -ECONNABORTED);
}

void rv__conn_cancel(rv_conn *c)
{
	rv__conn_abort(c, -ECANCELED);
}

/* rv_conn_user, rv_conn_set_user, rv_conn_loop, rv_conn_fd */
RV__HANDLE_ACCESSORS(rv_conn, rv_conn)

rv_chain *rv_conn_input(rv_conn *c)
{
	/* Handed out to keep: the connection keeps its queues from now. */
	if (rv__conn_io_get(c))
		return NULL;
	c->flags |= RV__C_IO_PINNED;
	return &c->io->in;
}
