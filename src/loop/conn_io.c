/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn_io.c - a connection's input and output queues, which it holds only
 * while it has bytes in hand.
 *
 * Most connections of a large server are idle: a keep-alive client
 * between requests, a push channel waiting for news. Their queues are
 * empty, yet two chains and the send in flight are 72 bytes - more than a
 * third of a connection. So an idle connection has none (c->io is NULL):
 * it takes them when bytes arrive or are queued, and gives them back when
 * both queues are empty again with nothing in flight. The loop keeps up to
 * IO_CACHE_MAX given back, with their chains' storage, so that a busy
 * connection going to and fro between idle and not costs a pointer swap,
 * not an allocation.
 *
 * Given back only where no pointer into them is held: the end of a
 * receive's or a send's handling, never inside a callback (nor in anything
 * a callback may call). rv_conn_input hands c->io->in to the application
 * to keep: from then on the connection keeps its queues
 * (RV__C_IO_PINNED). A callback that gets the input chain of a connection
 * with none - on_data called again after rv_conn_defer, on_budget - gets
 * the loop's empty one (rv__conn_input_arg): there is nothing to read.
 */
#include <errno.h>
#include <stdlib.h>

#include "loop/loop_internal.h"

#define IO_CACHE_MAX 64u
/* Chain storage kept with a cached one: slots for this many views. A
 * chain grown larger (a pipelining peer's many small views) is freed, so
 * that the cache keeps at most IO_CACHE_MAX small arrays, whatever the
 * peers did. */
#define IO_KEEP_SLOTS 16u

int rv__conn_io_get(rv_conn *c)
{
	rv_loop *loop = c->loop;
	struct rv__conn_io *io = loop->io_cache;

	if (c->io)
		return 0;
	if (io) {
		loop->io_cache = io->next_free;
		loop->io_cached--;
	} else {
		io = calloc(1, sizeof(*io));
		if (!io)
			return -ENOMEM;
	}
	/* Its last user may have replaced a chain whole (rv_chain_detach,
	 * rv_chain_release): say again what each is. */
	io->in._flags = RV__CHAIN_KEEP_STORAGE;
	io->out._flags = 0;
	io->inflight = 0;
	io->inflight_views = 0;
	c->io = io;
	return 0;
}

static void io_release(rv_loop *loop, struct rv__conn_io *io)
{
	if (loop->io_cached < IO_CACHE_MAX) {
		if (io->in._cap > IO_KEEP_SLOTS)
			rv_chain_release(&io->in);
		if (io->out._cap > IO_KEEP_SLOTS)
			rv_chain_release(&io->out);
		io->next_free = loop->io_cache;
		loop->io_cache = io;
		loop->io_cached++;
		return;
	}
	rv_chain_release(&io->in);
	rv_chain_release(&io->out);
	free(io);
}

void rv__conn_io_put(rv_conn *c)
{
	struct rv__conn_io *io = c->io;

	if (!io || (c->flags & (RV__C_IO_PINNED | RV__C_SENDING)) ||
	    rv_chain_count(&io->in) || rv_chain_count(&io->out) || io->inflight)
		return;
	c->io = NULL;
	io_release(c->loop, io);
}

rv_chain *rv__conn_input_arg(rv_conn *c)
{
	rv_chain *none = &c->loop->no_input;

	if (c->io)
		return &c->io->in;
	/* Only ever empty: what a callback leaves in it is not anyone's. */
	rv__chain_clear(none);
	return none;
}

void rv__conn_io_free(rv_conn *c)
{
	struct rv__conn_io *io = c->io;

	if (!io)
		return;
	c->io = NULL;
	rv__chain_clear(&io->in);
	rv__chain_clear(&io->out);
	io_release(c->loop, io);
}

void rv__loop_io_cache_free(rv_loop *loop)
{
	struct rv__conn_io *io;

	while ((io = loop->io_cache)) {
		loop->io_cache = io->next_free;
		rv_chain_release(&io->in);
		rv_chain_release(&io->out);
		free(io);
	}
	loop->io_cached = 0;
	rv_chain_release(&loop->no_input);
}
