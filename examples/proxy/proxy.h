/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * proxy.h - ringview-proxy's pairs: each accepted client is paired with a
 * connection to an upstream, and the views received on one side are sent
 * on the other as they are (nothing is copied).
 *
 * A pair holds at most max_pair_bytes queued per direction (plus what the
 * receive that crossed the mark brought in): past it the side that reads
 * is paused until the side that writes drains (on_drain). A FIN passes
 * through as a FIN (half-close), a reset as a reset. An upstream that
 * refuses, cannot be reached or does not answer within the connect
 * timeout gets the client closed at once; one that resets mid-stream gets
 * the client reset.
 *
 * Ownership: a pair belongs to its two connections and is freed when the
 * second one closes. struct proxy is the listener's user (one per loop
 * thread); it must outlive every pair of its loop.
 */
#ifndef EXAMPLES_PROXY_H
#define EXAMPLES_PROXY_H

#include <stdint.h>

#include <ringview/ringview.h>

struct proxy_stats {
	uint64_t pairs_total;	   /* clients accepted */
	uint64_t pairs_open;	   /* pairs not yet freed */
	uint64_t bytes_up;	   /* client -> upstream */
	uint64_t bytes_down;	   /* upstream -> client */
	uint64_t connect_failures; /* upstream refused, unreachable, slow */
	uint64_t pauses;	   /* a side paused for the other's queue */
	uint64_t resets;	   /* pairs ended by a reset, either side */
};

struct proxy {
	/* set by the caller */
	const struct rv_addr *upstreams; /* round robin over them */
	unsigned nupstreams;
	uint32_t max_pair_bytes; /* queued per direction, at most */
	/* kept by the pairs */
	unsigned next_upstream;
	struct proxy_stats stats;
};

/* The listener's callbacks: its user is a struct proxy. */
extern const struct rv_conn_ops proxy_client_ops;

#endif
