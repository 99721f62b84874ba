/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * encode.c - the encode stage: a response's status and options become a
 * header written into a small buffer of the pool; the body goes on as the
 * same views. The sink sends the two back to back (one sendmsg).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "stages.h"

#define HEADER_MAX 512

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* "Server: ...\r\nDate: ...\r\n", formatted at most once a second per
 * thread: every response carries it. */
static const char *server_and_date(size_t *len)
{
	static __thread char text[80];
	static __thread size_t text_len;
	static __thread time_t when;
	time_t now = time(NULL);
	struct tm tm;

	if (now != when || !text_len) {
		gmtime_r(&now, &tm);
		text_len = strftime(text, sizeof(text),
				    "Server: ringview\r\n"
				    "Date: %a, %d %b %Y %H:%M:%S GMT\r\n",
				    &tm);
		when = now;
	}
	*len = text_len;
	return text;
}

/* Appends to a fixed buffer; |p| passes |end| on overflow. */
struct out {
	char *p, *end;
};

static void put(struct out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) >= n)
		memcpy(o->p, s, n);
	o->p += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u64(struct out *o, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
	while ((v /= 10));
	put(o, digits + sizeof(digits) - n, n);
}

static const char *content_type(uint32_t flags)
{
	if (flags & HTTP_RESP_JSON)
		return "Content-Type: application/json\r\n";
	if (flags & HTTP_RESP_BINARY)
		return "Content-Type: application/octet-stream\r\n";
	return "Content-Type: text/plain\r\n";
}

static const char *connection(uint32_t flags)
{
	if (flags & HTTP_RESP_CLOSE)
		return "Connection: close\r\n";
	if (flags & HTTP_RESP_KEEP_ALIVE)
		return "Connection: keep-alive\r\n";
	return "";
}

static const char *allow(uint32_t flags)
{
	if (flags & HTTP_RESP_ALLOW_GET)
		return "Allow: GET, HEAD\r\n";
	if (flags & HTTP_RESP_ALLOW_POST)
		return "Allow: POST\r\n";
	return "";
}

static int encode_response(rv_pipeline *p, rv_msg *m)
{
	struct http_conn *hc = rv_pipeline_user(p);
	int status = (int)HTTP_RESP_STATUS(m->flags);
	rv_msg out = {.kind = HTTP_MSG_WIRE,
		      .flags = m->flags & HTTP_RESP_CLOSE};
	struct out o;
	const char *date;
	size_t n, date_len;
	int err;

	err = rv_pool_get_small(hc->pool, HEADER_MAX, &out.head);
	if (err)
		return err;
	/* Plain appends, not snprintf: this runs once per response. */
	/* A new small view is writable; were it not, nothing is written. */
	o.p = (char *)rv_view_mut(&out.head);
	if (!o.p) {
		rv_view_release(&out.head);
		return -EINVAL;
	}
	o.end = o.p + HEADER_MAX;
	put(&o, "HTTP/1.1 ", 9);
	put_u64(&o, (uint64_t)status);
	put(&o, " ", 1);
	put_str(&o, rv_http_reason(status));
	put(&o, "\r\n", 2);
	date = server_and_date(&date_len);
	put(&o, date, date_len);
	put(&o, "Content-Length: ", 16);
	put_u64(&o, rv_chain_len(&m->body));
	put(&o, "\r\n", 2);
	put_str(&o, content_type(m->flags));
	put_str(&o, allow(m->flags));
	put_str(&o, connection(m->flags));
	put(&o, "\r\n", 2);
	n = (size_t)(o.p - (char *)rv_view_mut(&out.head));
	if (n > HEADER_MAX) {
		rv_view_release(&out.head);
		return -EMSGSIZE;
	}
	rv_view_truncate(&out.head, n);
	if (!(m->flags & HTTP_RESP_NO_BODY)) {
		out.body = m->body;
		rv_chain_init(&m->body);
	}
	return rv_pipeline_emit(p, &out);
}

int http_encode_process(rv_pipeline *p, void *state, rv_msg *m)
{
	rv_msg out = {.kind = HTTP_MSG_WIRE};
	int err;

	(void)state;
	if (m->kind == HTTP_MSG_RESPONSE)
		return encode_response(p, m);
	if (m->kind == HTTP_MSG_CONTINUE) {
		err = rv_view_wrap_const(continue_line,
					 sizeof(continue_line) - 1, &out.head);
		return err ? err : rv_pipeline_emit(p, &out);
	}
	return rv_pipeline_emit(p, m);
}
