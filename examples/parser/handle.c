/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * handle.c - the handle stage: a request in, a response out.
 *
 * The response body is always views: a constant string, a small buffer
 * with /stats's JSON, or - for POST /echo - the request's own body views,
 * moved over without a copy. The request (its head and subviews) is
 * released by the pipeline when this stage returns; the body views moved
 * into the response keep their receive buffers until they are sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stages.h"

static const char hello[] = "Hello from ringview!\n";

/* A body of formatted text in a small buffer of the pool. */
static int text_body(struct http_conn *hc, rv_chain *body, const char *fmt, ...)
{
	rv_view v;
	va_list ap;
	int n, err;

	err = rv_pool_get_small(hc->pool, RV_COMPACT_MAX, &v);
	if (err)
		return err;
	va_start(ap, fmt);
	/* clang 14's analyzer loses va_start's initialisation of an x86-64
	 * va_list (an array type) and reports every v*printf after it. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): see above */
	n = vsnprintf((char *)rv_view_mut(&v), v.len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= v.len) {
		rv_view_release(&v);
		return -EMSGSIZE;
	}
	rv_view_truncate(&v, (size_t)n);
	return rv_chain_append(body, &v);
}

static int const_body(rv_chain *body, const char *s)
{
	rv_view v;
	int err = rv_view_wrap_const(s, strlen(s), &v);

	return err ? err : rv_chain_append(body, &v);
}

static int stats_body(struct http_conn *hc, rv_chain *body)
{
	struct rv_pool_stats ps;
	const struct http_server *srv = hc->srv;

	rv_pool_stats(hc->pool, &ps);
	return text_body(
		hc, body,
		"{\"pool\":{\"total\":%u,\"free\":%u,\"held\":%u,"
		"\"sending\":%u,\"high_water\":%u,\"buf_size\":%u,"
		"\"enobufs\":%llu,\"recycles\":%llu,\"bytes_received\":%llu,"
		"\"bytes_copied\":%llu,\"pinned\":%u},"
		"\"server\":{\"connections\":%llu,\"requests\":%llu,"
		"\"bad_requests\":%llu}}\n",
		ps.total, ps.free, ps.held, ps.sending, ps.high_water,
		ps.buf_size, (unsigned long long)ps.enobufs,
		(unsigned long long)ps.recycles,
		(unsigned long long)ps.bytes_received,
		(unsigned long long)ps.bytes_copied, ps.pinned,
		(unsigned long long)srv->connections,
		(unsigned long long)srv->requests,
		(unsigned long long)srv->bad_requests);
}

/* The path part of the target (before any query). A target in absolute
 * form (http://host:port/path?query, which RFC 9112 3.2.2 has servers
 * accept) routes like its path. */
static rv_view path_of(const struct rv_http_request *r)
{
	static const uint8_t root[] = "/";
	rv_view path = {.data = r->target.data, .len = r->target.len};
	const uint8_t *end = path.data + path.len, *p;
	const void *q;

	for (p = path.data; p < end && *p != '/' && *p != ':'; p++)
		;
	if (p != path.data && end - p >= 3 && !memcmp(p, "://", 3)) {
		for (p += 3; p < end && *p != '/' && *p != '?'; p++)
			;
		path.data = p < end && *p == '/' ? p : root;
		path.len = p < end && *p == '/' ? (size_t)(end - p) : 1;
	}
	q = memchr(path.data, '?', path.len);
	if (q)
		path.len = (size_t)((const uint8_t *)q - path.data);
	return path;
}

static bool is(const rv_view *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->data, s, v->len);
}

/* Route |req|; fill the response's flags and body. */
static int route(struct http_conn *hc, struct rv_http_request *req,
		 uint32_t *flags, rv_chain *body)
{
	rv_view path = path_of(req);
	bool get = is(&req->method, "GET"), head = is(&req->method, "HEAD");

	if (head)
		*flags |= HTTP_RESP_NO_BODY;
	if (is(&path, "/")) {
		if (!get && !head)
			goto not_allowed_get;
		*flags |= 200;
		return const_body(body, hello);
	}
	if (is(&path, "/stats")) {
		if (!get && !head)
			goto not_allowed_get;
		*flags |= 200 | HTTP_RESP_JSON;
		return stats_body(hc, body);
	}
	if (is(&path, "/echo")) {
		if (!is(&req->method, "POST")) {
			*flags |= 405 | HTTP_RESP_ALLOW_POST;
			return const_body(body, "405 Method Not Allowed\n");
		}
		*flags |= 200 | HTTP_RESP_BINARY;
		/* Zero-copy: the response takes the request's body views. */
		return rv_chain_append_chain(body, &req->body);
	}
	*flags |= 404;
	return const_body(body, "404 Not Found\n");
not_allowed_get:
	*flags |= 405 | HTTP_RESP_ALLOW_GET;
	return const_body(body, "405 Method Not Allowed\n");
}

int http_handle_process(rv_pipeline *p, void *state, rv_msg *m)
{
	struct http_conn *hc = rv_pipeline_user(p);
	rv_msg out = {.kind = HTTP_MSG_RESPONSE};
	struct rv_http_request *req;
	int err;

	(void)state;
	if (m->kind == HTTP_MSG_ERROR) {
		int status = (int)m->flags;
		out.flags = (uint32_t)status | HTTP_RESP_CLOSE;
		err = text_body(hc, &out.body, "%d %s\n", status,
				rv_http_reason(status));
		if (err)
			return err;
		return rv_pipeline_emit(p, &out);
	}
	if (m->kind != HTTP_MSG_REQUEST)
		return rv_pipeline_emit(p, m);
	req = m->obj;
	hc->srv->requests++;
	if (!req->keep_alive)
		out.flags |= HTTP_RESP_CLOSE;
	else if (req->version_minor == 0)
		out.flags |= HTTP_RESP_KEEP_ALIVE;
	err = route(hc, req, &out.flags, &out.body);
	if (err) {
		rv_msg_release(&out);
		return err;
	}
	return rv_pipeline_emit(p, &out);
}
