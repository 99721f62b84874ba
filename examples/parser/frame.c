/*
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

int http_frame_process(rv_pipeline *p, void *state, rv_msg *m)
{
	struct http_frame_state *st = state;
	struct rv_http_frame fr;
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
	if (rv_chain_append_chain(&st->in, &m->body))
		return emit_error(p, -ENOMEM);
	while ((r = rv_http_frame(&st->framer, &st->in, &fr)) == 1) {
		rv_msg out = {.kind = HTTP_MSG_FRAME};
		rv_http_frame_to_msg(&fr, &out);
		r = rv_pipeline_emit(p, &out);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return emit_error(p, r);
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
