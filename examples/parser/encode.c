/*
 * encode.c - the encode stage: a response's status and options become a
 * header written into a small buffer of the pool; the body goes on as the
 * same views. The sink sends the two back to back (one sendmsg).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stages.h"

#define HEADER_MAX 512

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* The Date header's value, formatted at most once a second per thread. */
static const char *http_date(void)
{
	static __thread char text[40];
	static __thread time_t when;
	time_t now = time(NULL);
	struct tm tm;

	if (now != when || !text[0]) {
		gmtime_r(&now, &tm);
		strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		when = now;
	}
	return text;
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
	int n, err;

	err = rv_pool_get_small(hc->pool, HEADER_MAX, &out.head);
	if (err)
		return err;
	n = snprintf((char *)rv_view_mut(&out.head), HEADER_MAX,
		     "HTTP/1.1 %d %s\r\nServer: ringview\r\nDate: %s\r\n"
		     "Content-Length: %zu\r\n%s%s%s\r\n",
		     status, rv_http_reason(status), http_date(),
		     rv_chain_len(&m->body), content_type(m->flags),
		     allow(m->flags), connection(m->flags));
	if (n < 0 || n >= HEADER_MAX) {
		rv_view_release(&out.head);
		return -EMSGSIZE;
	}
	rv_view_truncate(&out.head, (size_t)n);
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
