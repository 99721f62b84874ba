/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * frame.c - the first two stages: bytes to requests.
 *
 * frame keeps what has arrived of a request in its own chain until
 * rv_http_frame can cut a whole request off it (the framer gathers a head
 * or body that trickles in, so a slow client pins few buffers); parse
 * turns the request's head into subviews. Either one answers bad input with an
 * error message that handle and encode turn into a status line, after which the
 * connection closes (what follows a bad request cannot be trusted).
 */
#include <errno.h>

#include "stages.h"

/* Requests framed per push: a connection that pipelines many has the rest
 * framed on the loop's next pass (rv_conn_defer), after the others had
 * their turn. */
#define REQUESTS_PER_PASS 16

static const struct rv_http_limits *limits_of(rv_pipeline *p)
{
	struct http_conn *hc = rv_pipeline_user(p);
	return &hc->srv->limits;
}

static int emit_error(rv_pipeline *p, int err)
{
	rv_msg m = {.kind = HTTP_MSG_ERROR,
		    .flags = (uint32_t)rv_http_status(err)};
	struct http_conn *hc = rv_pipeline_user(p);

	hc->srv->bad_requests++;
	rv_pipeline_emit(p, &m);
	return err;
}

/* The read timeout of |hc|'s connection as its request stands: the head
 * timeout from a head's first byte (not renewed by more bytes: a client
 * sending one byte a second still gets only that long), the body timeout
 * renewed by each body byte, none between requests. */
static void deadlines(struct http_conn *hc, struct http_frame_state *st,
		      bool progress)
{
	const struct http_server *srv = hc->srv;

	if (rv_http_framer_in_body(&st->framer)) {
		if (progress && srv->body_timeout_ms)
			rv_conn_set_read_timeout(hc->conn,
						 srv->body_timeout_ms);
	} else if (rv_chain_len(&st->in)) {
		if (!st->head_timed && srv->head_timeout_ms)
			rv_conn_set_read_timeout(hc->conn,
						 srv->head_timeout_ms);
		st->head_timed = true;
	} else {
		rv_conn_set_read_timeout(hc->conn, 0);
	}
}

/* Read |hc|'s connection only while nothing whole is left to frame
 * (|backlog|): the rest is framed first, next pass or at on_drain. */
static void read_backlog(struct http_conn *hc, bool backlog)
{
	if (backlog) {
		hc->backlogged = true;
		rv_conn_pause(hc->conn);
	} else if (hc->backlogged) {
		hc->backlogged = false;
		if (rv_conn_writable(hc->conn))
			rv_conn_resume(hc->conn);
	}
}

int http_frame_process(rv_pipeline *p, void *state, rv_msg *m)
{
	struct http_frame_state *st = state;
	struct http_conn *hc = rv_pipeline_user(p);
	struct rv_http_frame fr;
	unsigned framed = 0;
	bool progress;
	int r;

	if (!st->ready) {
		rv_http_framer_init(&st->framer, limits_of(p));
		rv_chain_init(&st->in);
		st->ready = true;
	}
	if (m->kind == HTTP_MSG_DETACH) {
		/* A client trickling a request costs its size, not a
		 * receive buffer per packet. */
		if (rv_chain_detach(&st->in) ||
		    rv_http_framer_detach(&st->framer))
			return emit_error(p, -ENOMEM);
		return 0;
	}
	if (m->kind != HTTP_MSG_BYTES)
		return rv_pipeline_emit(p, m);
	progress = rv_chain_len(&m->body) > 0;
	if (rv_chain_append_chain(&st->in, &m->body))
		return emit_error(p, -ENOMEM);
	while ((r = rv_http_frame(&st->framer, &st->in, &fr)) == 1) {
		rv_msg out = {.kind = HTTP_MSG_FRAME};
		rv_http_frame_to_msg(&fr, &out);
		st->head_timed = false; /* that request's head is whole */
		int err = rv_pipeline_emit(p, &out);
		if (err < 0)
			return err;
		if (hc->conn && !rv_conn_writable(hc->conn))
			break; /* its responses wait: on_drain goes on */
		if (++framed == REQUESTS_PER_PASS && hc->conn) {
			rv_conn_defer(hc->conn);
			break;
		}
	}
	if (r < 0)
		return emit_error(p, r);
	if (hc->conn) /* r == 1: it stopped early, requests may wait */
		read_backlog(hc, r == 1);
	if (hc->conn)
		deadlines(hc, st, progress);
	if (rv_http_framer_take_continue(&st->framer)) {
		rv_msg cont = {.kind = HTTP_MSG_CONTINUE};
		r = rv_pipeline_emit(p, &cont);
		if (r < 0)
			return r;
	}
	return 0;
}

void http_frame_fini(void *state)
{
	struct http_frame_state *st = state;

	if (!st->ready)
		return;
	rv_http_framer_fini(&st->framer);
	rv_chain_release(&st->in);
}

int http_parse_process(rv_pipeline *p, void *state, rv_msg *m)
{
	struct rv_http_frame fr;
	struct rv_http_request *req;
	rv_msg out = {.kind = HTTP_MSG_REQUEST, .ops = &rv_http_request_ops};
	int err;

	(void)state;
	if (m->kind != HTTP_MSG_FRAME)
		return rv_pipeline_emit(p, m);
	rv_http_frame_from_msg(m, &fr);
	err = rv_http_parse(&fr, limits_of(p), &req, NULL);
	if (err)
		return emit_error(p, err);
	out.obj = req;
	return rv_pipeline_emit(p, &out);
}
