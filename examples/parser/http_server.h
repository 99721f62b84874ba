/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_server.h - the HTTP/1.1 server of examples/parser, as pieces a
 * program (main.c) or a test can put on its own rv_loop.
 *
 * Each connection runs a pipeline of four stages:
 *
 *   frame   bytes -> one request: head view + body chain (rv_http_frame)
 *   parse   head -> method, target, headers as subviews (rv_http_parse)
 *   handle  request -> response: status and body views
 *   encode  response -> header bytes in a small buffer, body views as
 *           they are; the sink sends both
 *
 * Routes: GET / (a fixed body), POST /echo (the request body sent back as
 * the very views it arrived in), GET /stats (pool and server counters as
 * JSON). HEAD works wherever GET does.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdint.h>

#include <ringview/ringview.h>

/* Shared by every connection of a listener: its |user|. */
struct http_server {
	struct rv_http_limits limits; /* zeros: the library's defaults */
	/* A request head must be whole this long after its first byte; a
	 * body may go this long without a byte. 0: no limit. (Idle
	 * keep-alive connections and peers that do not read are the loop's
	 * idle and write timeouts.) */
	uint32_t head_timeout_ms, body_timeout_ms;
	/* counters, touched by the loop's thread only */
	uint64_t connections;
	uint64_t requests;
	uint64_t bad_requests; /* answered 4xx/5xx by the framer or parser */
};

/* Connection callbacks; pass a struct http_server as the listener's user. */
extern const struct rv_conn_ops http_conn_ops;

/* What a pipeline instance carries: the connection it answers on. */
struct http_conn {
	struct http_server *srv;
	rv_conn *conn; /* NULL when a test drives the pipeline by hand */
	rv_pool *pool; /* for response headers (rv_pool_get_small) */
	rv_pipeline *pipeline;
	/* Whole requests received and not yet framed (their responses wait,
	 * or this pass framed its share): the connection is not read until
	 * they are, so a client pipelining faster than it reads costs a
	 * bounded backlog, not memory without end. */
	bool backlogged;
};

/* The four stages, in order; their names tag views in leak reports. */
enum {
	HTTP_STAGE_FRAME,
	HTTP_STAGE_PARSE,
	HTTP_STAGE_HANDLE,
	HTTP_STAGE_ENCODE,
	HTTP_STAGE_COUNT
};
extern const struct rv_stage http_stages[HTTP_STAGE_COUNT];

/*
 * Message kinds between the stages. A response carries its status and
 * options in |flags| and its body in |body|; what goes to the sink
 * (HTTP_MSG_WIRE) is bytes to send: |head| then |body|.
 */
enum http_msg_kind {
	HTTP_MSG_BYTES = 1, /* body: received bytes (into frame) */
	HTTP_MSG_FRAME,	    /* head + body + RV_HTTP_* flags (into parse) */
	HTTP_MSG_REQUEST,   /* obj: struct rv_http_request (into handle) */
	HTTP_MSG_ERROR,	    /* flags: status; the connection then closes */
	HTTP_MSG_CONTINUE,  /* the client waits for 100 Continue */
	HTTP_MSG_RESPONSE, /* flags: status | HTTP_RESP_*; body (into encode) */
	HTTP_MSG_WIRE,	   /* head + body to send; flags: HTTP_RESP_CLOSE */
	HTTP_MSG_DETACH, /* at the budget: move partial requests out of buffers
			  */
};

#define HTTP_RESP_STATUS(flags) ((flags)&0x3ffu)
#define HTTP_RESP_CLOSE		0x400u	/* close after sending */
#define HTTP_RESP_KEEP_ALIVE	0x800u	/* say keep-alive (HTTP/1.0 client) */
#define HTTP_RESP_JSON		0x1000u /* Content-Type: application/json */
#define HTTP_RESP_BINARY	0x2000u /* Content-Type: application/octet-stream */
#define HTTP_RESP_NO_BODY	0x4000u	 /* HEAD: Content-Length, no body */
#define HTTP_RESP_ALLOW_GET	0x8000u	 /* 405: Allow: GET, HEAD */
#define HTTP_RESP_ALLOW_POST	0x10000u /* 405: Allow: POST */

/* The sink that sends HTTP_MSG_WIRE on |user|'s connection (a struct
 * http_conn). */
int http_send_sink(rv_pipeline *p, rv_msg *m, void *user);

#endif
