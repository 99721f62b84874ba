/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pair.c - a client and its upstream (proxy.h): bytes each way as the
 * views they arrived in, pauses when the other side is full, FIN for FIN,
 * reset for reset.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "proxy.h"

enum { CLIENT, UPSTREAM };

struct pair {
	struct proxy *px;
	rv_conn *side[2]; /* NULL once that side's on_close ran */
	bool connected;	  /* the upstream's on_open ran */
	bool paused[2];	  /* that side paused because the other is full */
	bool reset;	  /* counted in stats.resets */
};

static const struct rv_conn_ops upstream_ops;

static int side_of(const struct pair *p, const rv_conn *c)
{
	return p->side[UPSTREAM] == c ? UPSTREAM : CLIENT;
}

/* ---- opening -------------------------------------------------------- */

static void client_open(rv_conn *client)
{
	struct proxy *px = rv_conn_user(client);
	struct pair *p = calloc(1, sizeof(*p));
	const struct rv_addr *to;
	int err;

	if (!p) {
		rv_conn_set_user(client, NULL);
		rv_conn_abort(client);
		return;
	}
	p->px = px;
	p->side[CLIENT] = client;
	px->stats.pairs_total++;
	px->stats.pairs_open++;
	rv_conn_set_user(client, p);
	rv_conn_set_limits(client, 0, px->max_pair_bytes);
	/* Nothing is read from the client until the upstream answers. */
	rv_conn_pause(client);
	to = &px->upstreams[px->next_upstream++ % px->nupstreams];
	err = rv_connect(rv_conn_loop(client), to, &upstream_ops, p,
			 &p->side[UPSTREAM]);
	if (err) { /* no callback runs for it: the client goes now */
		p->side[UPSTREAM] = NULL;
		px->stats.connect_failures++;
		rv_conn_close(client);
		return;
	}
	rv_conn_set_limits(p->side[UPSTREAM], 0, px->max_pair_bytes);
}

static void upstream_open(rv_conn *upstream)
{
	struct pair *p = rv_conn_user(upstream);

	p->connected = true;
	if (p->side[CLIENT])
		rv_conn_resume(p->side[CLIENT]);
}

/* ---- bytes ------------------------------------------------------------ */

static void pass_on(rv_conn *c, rv_chain *in)
{
	struct pair *p = rv_conn_user(c);
	int me = side_of(p, c);
	rv_conn *other = p->side[!me];
	size_t n = rv_chain_len(in);

	if (!other) { /* the other side is gone: this one is closing too */
		rv_chain_release(in);
		return;
	}
	if (me == CLIENT)
		p->px->stats.bytes_up += n;
	else
		p->px->stats.bytes_down += n;
	/* The views go out as they came; the send takes them, even when it
	 * fails (the other side shut or died: its on_close follows). */
	rv_conn_send_chain(other, in);
	if (!rv_conn_writable(other) && !p->paused[me]) {
		p->paused[me] = true;
		p->px->stats.pauses++;
		rv_conn_pause(c);
	}
}

/* |c|'s queue drained to half its limit: the side feeding it reads on. */
static void drained(rv_conn *c)
{
	struct pair *p = rv_conn_user(c);
	int feeder = !side_of(p, c);

	if (p->paused[feeder] && p->side[feeder]) {
		p->paused[feeder] = false;
		rv_conn_resume(p->side[feeder]);
	}
}

/* A FIN passes through as a FIN: the other peer may still answer. */
static void eof(rv_conn *c)
{
	struct pair *p = rv_conn_user(c);
	rv_conn *other = p->side[!side_of(p, c)];

	if (other)
		rv_conn_shutdown(other);
	else
		rv_conn_close(c);
}

/* ---- closing ---------------------------------------------------------- */

/* How |err| ended a side: cleanly (both sides shut, an idle timeout, the
 * loop shutting down), or by a reset or failure the other peer should
 * learn of as a reset. */
static bool ended_cleanly(int err)
{
	return err == 0 || err == -ETIMEDOUT || err == -ECANCELED;
}

static void gone(rv_conn *c, int err)
{
	struct pair *p = rv_conn_user(c);
	int me;
	rv_conn *other;

	if (!p)
		return;
	me = side_of(p, c);
	other = p->side[!me];
	p->side[me] = NULL;
	if (me == UPSTREAM && !p->connected) {
		/* Refused, unreachable or too slow: the client goes now,
		 * with nothing of it read. */
		if (other) {
			p->px->stats.connect_failures++;
			rv_conn_close(other);
		}
	} else if (other && !p->connected) {
		rv_conn_abort(other); /* the client left before it connected */
	} else if (other && ended_cleanly(err)) {
		rv_conn_close(other); /* what is queued still goes */
	} else if (other) {
		if (!p->reset) {
			p->reset = true;
			p->px->stats.resets++;
		}
		rv_conn_abort(other);
	}
	if (!p->side[CLIENT] && !p->side[UPSTREAM]) {
		p->px->stats.pairs_open--;
		free(p);
	}
}

const struct rv_conn_ops proxy_client_ops = {
	.on_open = client_open,
	.on_data = pass_on,
	.on_drain = drained,
	.on_eof = eof,
	.on_close = gone,
};

static const struct rv_conn_ops upstream_ops = {
	.on_open = upstream_open,
	.on_data = pass_on,
	.on_drain = drained,
	.on_eof = eof,
	.on_close = gone,
};
