/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * server.c - connections of examples/parser: one pipeline each, fed with
 * whatever the loop received, ending in a sink that sends.
 */
#include <errno.h>
#include <stdlib.h>

#include "stages.h"

const struct rv_stage http_stages[HTTP_STAGE_COUNT] = {
	[HTTP_STAGE_FRAME] = {.name = "frame",
			      .process = http_frame_process,
			      .fini = http_frame_fini,
			      .state_size = sizeof(struct http_frame_state)},
	[HTTP_STAGE_PARSE] = {.name = "parse", .process = http_parse_process},
	[HTTP_STAGE_HANDLE] = {.name = "handle",
			       .process = http_handle_process},
	[HTTP_STAGE_ENCODE] = {.name = "encode",
			       .process = http_encode_process},
};

int http_send_sink(rv_pipeline *p, rv_msg *m, void *user)
{
	struct http_conn *hc = user;
	int err = 0;

	(void)p;
	if (m->kind != HTTP_MSG_WIRE)
		return 0; /* nothing else reaches the wire; released */
	if (m->head.len)
		err = rv_conn_send(hc->conn, m->head);
	m->head = RV_VIEW_INIT; /* rv_conn_send took it, even on failure */
	if (!err && rv_chain_len(&m->body))
		err = rv_conn_send_chain(hc->conn, &m->body);
	if (m->flags & HTTP_RESP_CLOSE) {
		rv_conn_close(hc->conn);
		return -ECONNABORTED; /* stop: nothing more is read */
	}
	return err;
}

static void on_open(rv_conn *c)
{
	struct http_server *srv = rv_conn_user(c);
	struct http_conn *hc = calloc(1, sizeof(*hc));

	if (!hc || rv_pipeline_create(http_stages, HTTP_STAGE_COUNT,
				      http_send_sink, hc, &hc->pipeline)) {
		free(hc);
		rv_conn_set_user(c, NULL);
		rv_conn_close(c);
		return;
	}
	hc->srv = srv;
	hc->conn = c;
	hc->pool = rv_loop_pool(rv_conn_loop(c));
	srv->connections++;
	rv_conn_set_user(c, hc);
}

static void on_data(rv_conn *c, rv_chain *in)
{
	struct http_conn *hc = rv_conn_user(c);
	rv_msg m = {.kind = HTTP_MSG_BYTES};

	if (!hc) {
		rv_chain_release(in);
		return;
	}
	if (rv_pipeline_stopped(hc->pipeline)) {
		rv_chain_release(in); /* closing: ignore the rest */
		return;
	}
	rv_chain_init(&m.body);
	if (rv_chain_append_chain(&m.body, in) ||
	    rv_pipeline_push(hc->pipeline, &m) < 0) {
		rv_conn_close(c);
		return;
	}
	/* A client that does not read its responses: read no more of it,
	 * and frame none of what it already sent, until they drain. */
	if (!rv_conn_writable(c))
		rv_conn_pause(c);
}

/* The responses drained: frame what the client sent meanwhile (nothing
 * new may arrive to call on_data), and read it again unless whole
 * requests wait (the frame stage resumes once they are framed). */
static void on_drain(rv_conn *c)
{
	struct http_conn *hc = rv_conn_user(c);

	if (!hc || !hc->backlogged)
		rv_conn_resume(c);
	rv_conn_defer(c);
}

/* At its budget: what the frame stage keeps of a partial request moves
 * out of the receive buffers, so the connection can be read on. */
static void on_budget(rv_conn *c, rv_chain *in)
{
	struct http_conn *hc = rv_conn_user(c);
	rv_msg m = {.kind = HTTP_MSG_DETACH};

	(void)in; /* the loop detached it already */
	if (hc && !rv_pipeline_stopped(hc->pipeline) &&
	    rv_pipeline_push(hc->pipeline, &m) < 0)
		rv_conn_close(c);
}

static void on_close(rv_conn *c, int err)
{
	struct http_conn *hc = rv_conn_user(c);

	(void)err;
	if (!hc)
		return;
	rv_pipeline_destroy(hc->pipeline);
	free(hc);
	rv_conn_set_user(c, NULL);
}

const struct rv_conn_ops http_conn_ops = {
	.on_open = on_open,
	.on_data = on_data,
	.on_close = on_close,
	.on_budget = on_budget,
	.on_drain = on_drain,
};
