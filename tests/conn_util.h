/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn_util.h - what the connection tests share: a client connection
 * (struct peer, peer_ops) that greets, records what it receives and how
 * it ended; an echo server's callbacks; a round trip through an address.
 */
#ifndef RINGVIEW_TESTS_CONN_UTIL_H
#define RINGVIEW_TESTS_CONN_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <ringview/ringview.h>

/* A connection's record; its rv_conn_user. */
struct peer {
	int opened, closed, eofs;
	int err;	       /* on_close's */
	char got[4096];	       /* the first bytes received */
	size_t got_len, total; /* kept, received in all */
	const char *greeting;  /* sent on open, when set */
	bool shutdown_after_greeting;
	rv_conn *c; /* while open */
};

void peer_open(rv_conn *c);
void peer_data(rv_conn *c, rv_chain *in);
void peer_eof(rv_conn *c);
void peer_close(rv_conn *c, int err);
extern const struct rv_conn_ops peer_ops;

/* Sends back what it gets, as the same views. */
void echo_data(rv_conn *c, rv_chain *in);
extern const struct rv_conn_ops echo_ops;

/* A predicate for tl_run_until: the peer |ctx| is closed. */
bool peer_closed(void *ctx);

/* Connect a peer greeting "hello, ringview" to |addr|, wait for the echo,
 * close it cleanly (asserts). */
void echo_through(rv_loop *loop, const struct rv_addr *addr);

#endif
