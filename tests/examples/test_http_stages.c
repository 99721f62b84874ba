/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_http_stages.c - the four stages of examples/parser (frame, parse,
 * handle, encode) driven by hand, without a loop: pipelined requests get
 * their answers in order, and a bad one stops the pipeline with a 400.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "http_server.h"
#include "pipeline_util.h"

TestSuite(http_stages, .init = view_setup, .fini = pool_teardown);

static struct sink_log wire_log;

/* The HTTP stages reach their connection through the pipeline's user, so
 * this sink keeps its log in a global. */
static int wire_sink(rv_pipeline *p, rv_msg *m, void *user)
{
	(void)user;
	return record_sink(p, m, &wire_log);
}

Test(http_stages, pipelined_requests_are_answered_in_order)
{
	static const char reqs[] =
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
		"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: x\r\n b\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_server srv = {0};
	struct http_conn hc = {.srv = &srv, .pool = pool};
	rv_msg m = bytes_msg(reqs);
	const char *t;
	int err;
	rv_pipeline *p;

	memset(&wire_log, 0, sizeof(wire_log));
	cr_assert_eq(rv_pipeline_create(http_stages, HTTP_STAGE_COUNT,
					wire_sink, &hc, &p),
		     0);
	m.kind = HTTP_MSG_BYTES;
	err = rv_pipeline_push(p, &m);
	cr_assert_eq(err, -EBADMSG,
		     "the folded header stops the pipeline (%d: %s)", err,
		     wire_log.text);
	cr_assert_eq(wire_log.calls, 4, "three answers and the 400");
	t = wire_log.text;
	cr_assert(strstr(t, "HTTP/1.1 200 OK") == t, "%s", t);
	t = strstr(t, "|HTTP/1.1 200 OK");
	cr_assert_not_null(t);
	cr_assert_not_null(strstr(t, "application/octet-stream"));
	cr_assert_not_null(strstr(t, "\r\n\r\nabc|"));
	t = strstr(t, "|HTTP/1.1 404 Not Found");
	cr_assert_not_null(t);
	t = strstr(t, "|HTTP/1.1 400 Bad Request");
	cr_assert_not_null(t, "%s", wire_log.text);
	cr_assert_not_null(strstr(t, "Connection: close"));
	cr_assert_eq(srv.requests, 3);
	cr_assert_eq(srv.bad_requests, 1);
	rv_pipeline_destroy(p);
	assert_idle();
}
