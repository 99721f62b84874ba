/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn_flow.c - what goes in and out of a connection, and how much may
 * wait: the send queue and its output limit (throttling the connection
 * itself, or telling whoever feeds it through on_drain), the input limit
 * (the application has not consumed what it got), and pausing.
 */
#include <errno.h>

#include "loop/loop_internal.h"

#define LIMIT_MAX UINT32_MAX
/* What a queued view costs besides its bytes - its slot in the queue and,
 * for a small response header, the rest of its block - counted against
 * the output limit, so that many tiny responses cannot hold many times
 * the limit in memory. */
#define VIEW_CHARGE 512u

/* Output charged against the limit. */
static size_t charged(const rv_conn *c)
{
	if (!c->io)
		return 0;
	return rv_conn_queued(c) +
	       (size_t)VIEW_CHARGE *
		       (rv_chain_count(&c->io->out) + c->io->inflight_views);
}

size_t rv_conn_queued(const rv_conn *c)
{
	return c->io ? rv_chain_len(&c->io->out) + c->io->inflight : 0;
}

bool rv_conn_writable(const rv_conn *c)
{
	return !(c->flags & RV__C_OVER_LIMIT);
}

/* The send queue passed the output limit: |c| is full. Without on_drain
 * the loop stops reading it (its peer does not read fast enough) rather
 * than hold unbounded memory. */
static void check_output(rv_conn *c)
{
	if (charged(c) <= c->output_limit || (c->flags & RV__C_OVER_LIMIT))
		return;
	c->flags |= RV__C_OVER_LIMIT;
	if (!c->cb->on_drain) {
		c->flags |= RV__C_THROTTLED;
		rv__conn_stop_receiving(c);
	}
}

/* Queued output went from nothing to something: the write timeout runs
 * from now. */
static void queued(rv_conn *c, size_t before)
{
	if (before == 0)
		rv__conn_write_progress(c);
	rv__conn_mark_dirty(c);
	check_output(c);
}

static bool refuse_send(const rv_conn *c)
{
	return c->flags & (RV__C_DEAD | RV__C_CLOSING | RV__C_WSHUT);
}

int rv_conn_send(rv_conn *c, rv_view v)
{
	size_t before = rv_conn_queued(c);
	int err;

	if (refuse_send(c)) {
		rv_view_release(&v);
		return -EPIPE;
	}
	if (!v.len) {
		rv_view_release(&v);
		return 0;
	}
	err = rv__conn_io_get(c);
	if (!err)
		err = rv_chain_append(&c->io->out, &v);
	if (err) {
		rv_view_release(&v);
		rv__conn_io_put(c);
		return err;
	}
	queued(c, before);
	return 0;
}

int rv_conn_send_chain(rv_conn *c, rv_chain *views)
{
	size_t before = rv_conn_queued(c);
	int err;

	if (refuse_send(c)) {
		rv__chain_done(views);
		return -EPIPE;
	}
	if (!rv_chain_count(views)) {
		rv__chain_done(views);
		return 0;
	}
	err = rv__conn_io_get(c);
	if (!err)
		err = rv__chain_move(&c->io->out, views);
	/* A connection's own input chain keeps its storage for the next
	 * receive (an echo sends it back whole, a proxy passes it to the
	 * other side); any other chain is left empty and freed. */
	rv__chain_done(views);
	if (err) {
		rv__conn_io_put(c);
		return err;
	}
	queued(c, before);
	return 0;
}

void rv__conn_send_done(rv_conn *c)
{
	if (c->flags & RV__C_DEAD)
		return;
	rv__conn_touch(c);
	rv__conn_write_progress(c);
	if ((c->flags & RV__C_OVER_LIMIT) &&
	    charged(c) <= c->output_limit / 2) {
		c->flags &= ~RV__C_OVER_LIMIT;
		if (c->flags & RV__C_THROTTLED) {
			c->flags &= ~RV__C_THROTTLED;
			rv__conn_arm(c);
		}
		if (c->cb->on_drain && !(c->flags & RV__C_DEAD))
			c->cb->on_drain(c);
	}
	if (c->flags & RV__C_DEAD)
		return;
	if (rv__conn_out_len(c) && !(c->flags & RV__C_SENDING))
		c->loop->backend->tcp->send_start(c);
	rv__conn_maybe_finish(c);
	rv__conn_io_put(c);
}

/* ---- input ------------------------------------------------------------ */

void rv__conn_check_input(rv_conn *c)
{
	if (!c->input_limit || rv__conn_in_len(c) < c->input_limit ||
	    !(c->flags & RV__C_READING) || (c->flags & RV__C_INPUT_FULL))
		return;
	rv__conn_stop_receiving(c);
	c->flags |= RV__C_INPUT_FULL;
	rv__list_push(&c->loop->held, &c->park);
}

void rv__conn_unhold(rv_conn *c)
{
	if (c->flags & RV__C_INPUT_FULL) {
		rv__list_del(&c->park);
		c->flags &= ~RV__C_INPUT_FULL;
	}
}

void rv__loop_release_held(rv_loop *loop)
{
	struct rv__link *n = loop->held.next;

	while (n != &loop->held) {
		rv_conn *c = rv__container_of(n, rv_conn, park);
		n = n->next;
		if (rv__conn_in_len(c) < c->input_limit) {
			rv__conn_unhold(c);
			rv__conn_arm(c);
		}
	}
}

void rv_conn_pause(rv_conn *c)
{
	c->flags |= RV__C_PAUSED;
	rv__conn_stop_receiving(c);
}

void rv_conn_resume(rv_conn *c)
{
	if (!(c->flags & RV__C_PAUSED))
		return;
	c->flags &= ~RV__C_PAUSED;
	rv__conn_arm(c);
}

void rv_conn_set_limits(rv_conn *c, size_t input_limit, size_t output_limit)
{
	c->input_limit =
		input_limit < LIMIT_MAX ? (uint32_t)input_limit : LIMIT_MAX;
	if (output_limit)
		c->output_limit = output_limit < LIMIT_MAX
					  ? (uint32_t)output_limit
					  : LIMIT_MAX;
	rv__conn_check_input(c);
	check_output(c);
}

/* ---- work left for the next pass -------------------------------------- */

void rv_conn_defer(rv_conn *c)
{
	if (c->flags & (RV__C_DEFERRED | RV__C_DEAD))
		return;
	c->flags |= RV__C_DEFERRED;
	if (!(c->flags & RV__C_DEFER_LINKED)) {
		c->flags |= RV__C_DEFER_LINKED;
		rv__queue_push(&c->loop->deferred, &c->defer);
	}
}

/* A dying connection stays on the list (a singly linked one cannot let go
 * of a node in its middle), no longer deferred; rv__loop_run_deferred
 * takes it off and leaves it to rv__loop_flush_dirty to free. */
void rv__conn_undefer(rv_conn *c)
{
	c->flags &= ~RV__C_DEFERRED;
}

void rv__loop_run_deferred(rv_loop *loop)
{
	/* Only those deferred so far: one that defers again waits for the
	 * next pass. */
	struct rv__queue now = loop->deferred;
	struct rv__qnode *n;

	loop->deferred.head = loop->deferred.tail = NULL;
	while ((n = rv__queue_pop(&now))) {
		rv_conn *c = rv__container_of(n, rv_conn, defer);
		bool deferred = c->flags & RV__C_DEFERRED;
		c->flags &= ~(RV__C_DEFERRED | RV__C_DEFER_LINKED);
		if (c->flags & RV__C_DEAD) {
			rv__conn_mark_dirty(c); /* freed there, when done */
			continue;
		}
		if (!deferred || !(c->flags & RV__C_OPENED))
			continue;
		c->cb->on_data(c, rv__conn_input_arg(c));
		rv__conn_check_input(c);
		rv__budget_check(c);
		rv__conn_io_put(c);
	}
}
