/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * budget.c - how much of the pool each connection holds, and the cap.
 *
 * Every receive buffer filled for a connection is charged to it until the
 * buffer is recycled - wherever its views went meanwhile: the input chain,
 * a parser's partial message, a cache, another connection's send queue.
 * So a peer that trickles a request a few bytes per packet, or sends a
 * body the application keeps, is charged for every buffer it pins. At its
 * budget the loop stops reading the connection (TCP pushes back on the
 * peer) until half of it has come back.
 *
 * The owner of each buffer is kept in an array indexed by buffer id, set
 * at the receive and cleared at the recycle: O(1) both ways. A connection
 * freed while buffers it filled live on (views the application kept)
 * clears its entries then, in one pass over the array.
 */
#include <errno.h>
#include <stdlib.h>

#include "loop/loop_internal.h"

int rv__budget_init(rv_loop *loop)
{
	struct rv_pool_stats st;
	uint32_t budget = loop->cfg.conn_budget;

	rv_pool_stats(loop->pool, &st);
	loop->owner = calloc(st.total, sizeof(*loop->owner));
	loop->pressure_scratch = calloc(st.total, sizeof(*loop->owner));
	if (!loop->owner || !loop->pressure_scratch)
		return -ENOMEM;
	loop->nowner = st.total;
	if (budget == RV_LOOP_NO_BUDGET)
		budget = 0;
	else if (budget == 0)
		budget = st.total / 64;
	/* A connection must be able to take at least one whole receive. */
	if (budget && budget < loop->recv_bufs)
		budget = loop->recv_bufs;
	loop->cfg.conn_budget = budget;
	return 0;
}

void rv__budget_charge(rv_conn *c, const rv_chain *views)
{
	rv_loop *loop = c->loop;

	for (uint32_t i = 0; i < rv_chain_count(views); i++) {
		const struct rv_buf *b = rv_chain_at(views, i)->_buf;
		if (b->_kind != RV__BUF_POOL || b->_id >= loop->nowner)
			continue;
		loop->owner[b->_id] = c;
		c->held_bufs++;
	}
}

static bool under(const rv_conn *c)
{
	return !c->budget || c->held_bufs < c->budget ||
	       (c->flags & (RV__C_OVER_BUDGET | RV__C_DEAD));
}

void rv__budget_detach(rv_conn *c)
{
	if (rv__conn_in_len(c) && rv_chain_detach(&c->io->in) == 0)
		c->loop->stats.compacted++;
	if (c->held_bufs && c->cb->on_budget && !(c->flags & RV__C_DEAD))
		c->cb->on_budget(c, rv__conn_input_arg(c));
}

void rv__budget_check(rv_conn *c)
{
	if (under(c))
		return;
	/* Give buffers back before stopping: the partial message in the
	 * input chain, and what the application keeps (a parser's partial
	 * request, for one), copied into memory of their own. A peer that
	 * trickles a message then costs its size. */
	rv__budget_detach(c);
	if (under(c))
		return;
	c->flags |= RV__C_OVER_BUDGET;
	c->loop->stats.over_budget++;
	rv__conn_stop_receiving(c);
}

void rv__budget_recycled(rv_loop *loop, uint32_t id)
{
	rv_conn *c;

	if (id >= loop->nowner || !(c = loop->owner[id]))
		return;
	loop->owner[id] = NULL;
	c->held_bufs--;
	/* Resume at half the budget, not at every buffer back. */
	if ((c->flags & RV__C_OVER_BUDGET) && c->held_bufs <= c->budget / 2) {
		c->flags &= ~RV__C_OVER_BUDGET;
		/* The end of the batch arms it. Not a dead one: it may be
		 * being freed (its views released by finalize). */
		if (!(c->flags & RV__C_DEAD))
			rv__conn_mark_dirty(c);
	}
}

void rv__budget_disown(rv_conn *c)
{
	rv_loop *loop = c->loop;

	for (uint32_t i = 0; c->held_bufs && i < loop->nowner; i++)
		if (loop->owner[i] == c) {
			loop->owner[i] = NULL;
			c->held_bufs--;
		}
}

uint32_t rv_conn_buffers(const rv_conn *c)
{
	return c->held_bufs;
}

void rv_conn_set_budget(rv_conn *c, uint32_t buffers)
{
	c->budget = buffers;
	if (c->flags & RV__C_OVER_BUDGET) {
		if (buffers && c->held_bufs > buffers / 2)
			return;
		c->flags &= ~RV__C_OVER_BUDGET;
		rv__conn_arm(c);
	} else {
		rv__budget_check(c);
	}
}
