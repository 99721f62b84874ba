/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn_util.c - a client connection that records what happens to it, and
 * an echo server's callbacks (conn_util.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "conn_util.h"
#include "loop_util.h"

void peer_open(rv_conn *c)
{
	struct peer *p = rv_conn_user(c);
	rv_view v;

	p->opened++;
	p->c = c;
	if (!p->greeting)
		return;
	cr_assert_eq(rv_view_wrap_const(p->greeting, strlen(p->greeting), &v),
		     0);
	cr_assert_eq(rv_conn_send(c, v), 0);
	if (p->shutdown_after_greeting)
		rv_conn_shutdown(c);
}

void peer_data(rv_conn *c, rv_chain *in)
{
	struct peer *p = rv_conn_user(c);
	size_t n = rv_chain_len(in);
	size_t room = sizeof(p->got) - p->got_len;

	rv_chain_copy_out(in, 0, p->got + p->got_len, n < room ? n : room);
	p->got_len += n < room ? n : room;
	p->total += n;
	rv_chain_consume(in, n);
}

void peer_eof(rv_conn *c)
{
	struct peer *p = rv_conn_user(c);

	p->eofs++;
}

void peer_close(rv_conn *c, int err)
{
	struct peer *p = rv_conn_user(c);

	p->closed++;
	p->err = err;
	p->c = NULL;
}

const struct rv_conn_ops peer_ops = {
	.on_open = peer_open,
	.on_data = peer_data,
	.on_eof = peer_eof,
	.on_close = peer_close,
};

void echo_data(rv_conn *c, rv_chain *in)
{
	rv_conn_send_chain(c, in);
}

const struct rv_conn_ops echo_ops = {.on_data = echo_data};

bool peer_closed(void *ctx)
{
	return ((struct peer *)ctx)->closed > 0;
}

static bool echo_back(void *ctx)
{
	struct peer *p = ctx;

	return p->got_len >= strlen(p->greeting);
}

/* Connect a peer greeting |greeting| to |addr| and wait for its echo. */
void echo_through(rv_loop *loop, const struct rv_addr *addr)
{
	struct peer p = {.greeting = "hello, ringview"};
	size_t n = strlen(p.greeting);
	rv_conn *c;

	cr_assert_eq(rv_connect(loop, addr, &peer_ops, &p, &c), 0);
	cr_assert_eq(p.opened, 0, "on_open never runs inside rv_connect");
	cr_assert(tl_run_until(loop, echo_back, &p, 5000),
		  "the echo came back (%zu of %zu bytes)", p.got_len, n);
	cr_assert_eq(p.opened, 1);
	cr_assert_eq(memcmp(p.got, p.greeting, n), 0);
	rv_conn_close(c);
	cr_assert(tl_run_until(loop, peer_closed, &p, 5000));
	cr_assert_eq(p.err, 0, "closed cleanly: %s", rv_strerror(p.err));
}
