/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_http_server.c - examples/parser's HTTP server end to end over
 * loopback, on every backend: routes, keep-alive, pipelining, a client
 * that sends one byte at a time, 100-continue, and every kind of bad input
 * answered with its status and a close. Each test ends with the pool
 * whole.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_server.h"
#include "net_util.h"

#define KiB 1024u

/* ---- a small blocking HTTP client ----------------------------------- */

struct client {
	int fd;
	char *buf; /* bytes read and not yet consumed */
	size_t len, cap;
};

struct response {
	int status;
	char head[4096]; /* status line and headers, NUL-terminated */
	char *body;
	size_t body_len;
};

static void client_open(struct client *c, uint16_t port)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = test_connect(port);
	cr_assert_geq(c->fd, 0, "connect: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->cap = 64 * KiB;
	c->buf = malloc(c->cap);
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c->buf);
}

static void client_send(struct client *c, const void *p, size_t n)
{
	cr_assert_eq(send(c->fd, p, n, MSG_NOSIGNAL), (ssize_t)n, "send: %s",
		     strerror(errno));
}

static void client_send_str(struct client *c, const char *s)
{
	client_send(c, s, strlen(s));
}

/* Read more bytes; false at EOF or error. */
static bool fill(struct client *c)
{
	ssize_t r;

	if (c->len == c->cap) {
		c->cap *= 2;
		c->buf = realloc(c->buf, c->cap);
	}
	r = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (r <= 0)
		return false;
	c->len += (size_t)r;
	return true;
}

static void consume(struct client *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Read one response (Content-Length framed, as the server sends). */
static void read_response(struct client *c, struct response *r)
{
	char *end, *cl;
	size_t head_len;

	memset(r, 0, sizeof(*r));
	while (!(c->len >= 4 && (end = memmem(c->buf, c->len, "\r\n\r\n", 4))))
		cr_assert(fill(c), "connection ended before a response head");
	head_len = (size_t)(end - c->buf) + 4;
	cr_assert_lt(head_len, sizeof(r->head));
	memcpy(r->head, c->buf, head_len);
	consume(c, head_len);
	cr_assert_eq(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1, "%s",
		     r->head);
	cl = strstr(r->head, "Content-Length: ");
	if (r->status == 100)
		return;
	cr_assert_not_null(cl, "no Content-Length: %s", r->head);
	r->body_len = strtoul(cl + 16, NULL, 10);
	while (c->len < r->body_len)
		cr_assert(fill(c), "connection ended inside a body");
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, c->buf, r->body_len);
	r->body[r->body_len] = '\0';
	consume(c, r->body_len);
}

static void response_free(struct response *r)
{
	free(r->body);
	r->body = NULL;
}

/* The server closes: EOF (or a reset) comes, and nothing else. */
static void expect_closed(struct client *c)
{
	char b;
	ssize_t r;

	cr_assert_eq(c->len, 0, "unexpected bytes: %.*s", (int)c->len, c->buf);
	r = read(c->fd, &b, 1);
	cr_assert(r == 0 || (r < 0 && errno == ECONNRESET),
		  "expected the server to close (read %zd, %s)", r,
		  r < 0 ? strerror(errno) : "a byte");
}

/* ---- the server ----------------------------------------------------- */

static struct http_server srv;

static void start(struct test_server *s, const struct test_backend *be)
{
	memset(&srv, 0, sizeof(srv));
	*s = (struct test_server){
		.cfg = {.pool = {.count = 512, .size = 16 * KiB}},
		.ops = &http_conn_ops,
		.user = &srv,
	};
	cr_assert_eq(test_server_start_on(s, be), 0);
}

static void stop(struct test_server *s)
{
	test_server_stop(s);
	test_assert_pool_whole(s);
}

static const char hello[] = "Hello from ringview!\n";

TEST_BACKENDS(http, get_root_keep_alive)
ParameterizedTest(struct test_backend *be, http, get_root_keep_alive,
		  .timeout = 30)
{
	struct test_server s;
	struct client c;
	struct response r;

	start(&s, be);
	client_open(&c, s.port);
	for (int i = 0; i < 3; i++) {
		client_send_str(&c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
		read_response(&c, &r);
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(r.body, hello);
		cr_assert_null(strstr(r.head, "Connection: close"));
		response_free(&r);
	}
	client_send_str(&c, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
	memset(&r, 0, sizeof(r));
	{
		/* HEAD: the length of GET's body, and no body. */
		char *end;
		while (!(end = memmem(c.buf, c.len, "\r\n\r\n", 4)))
			cr_assert(fill(&c));
		cr_assert_not_null(strstr(c.buf, "Content-Length: 21\r\n"));
		consume(&c, (size_t)(end - c.buf) + 4);
	}
	client_close(&c);
	stop(&s);
	cr_assert_eq(srv.requests, 4);
}

/* POST /echo: bodies come back byte for byte, Content-Length or chunked. */
TEST_BACKENDS(http, echo_bodies)
ParameterizedTest(struct test_backend *be, http, echo_bodies, .timeout = 60)
{
	static const size_t sizes[] = {0,      1,	  1000, 16 * KiB + 1,
				       300000, 1024 * KiB};
	struct test_server s;
	struct client c;
	struct response r;
	char *body = malloc(1024 * KiB), head[256];

	for (size_t i = 0; i < 1024 * KiB; i++)
		body[i] = (char)test_pattern(7, i);
	start(&s, be);
	client_open(&c, s.port);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(head, sizeof(head),
			 "POST /echo HTTP/1.1\r\nHost: t\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 sizes[i]);
		client_send_str(&c, head);
		client_send(&c, body, sizes[i]);
		read_response(&c, &r);
		cr_assert_eq(r.status, 200, "size %zu", sizes[i]);
		cr_assert_eq(r.body_len, sizes[i]);
		cr_assert(memcmp(r.body, body, sizes[i]) == 0, "size %zu",
			  sizes[i]);
		response_free(&r);
	}
	/* Chunked, in chunks of 7919 bytes with an extension on each. */
	client_send_str(&c, "POST /echo HTTP/1.1\r\nHost: t\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n");
	for (size_t off = 0; off < 300000; off += 7919) {
		size_t n = 300000 - off < 7919 ? 300000 - off : 7919;
		snprintf(head, sizeof(head), "%zx;ext=1\r\n", n);
		client_send_str(&c, head);
		client_send(&c, body + off, n);
		client_send_str(&c, "\r\n");
	}
	client_send_str(&c, "0\r\nX-Trailer: yes\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, 300000);
	cr_assert(memcmp(r.body, body, 300000) == 0);
	response_free(&r);
	client_close(&c);
	stop(&s);
	/* Bodies that fit the connection's budget (8 of 512 buffers: 128
	 * KiB) are echoed as the views they came in; larger ones are moved
	 * out of the receive buffers once, as the budget is reached. */
	cr_assert_leq(s.final.bytes_copied, 300000 + 1024 * KiB + 300000,
		      "at most the bodies over the budget are copied, once");
	free(body);
}

/* Without a budget, bodies are echoed as they came: nothing is copied. */
TEST_BACKENDS(http, echo_bodies_zero_copy)
ParameterizedTest(struct test_backend *be, http, echo_bodies_zero_copy,
		  .timeout = 60)
{
	static const size_t sizes[] = {1, 1000, 16 * KiB + 1, 100000};
	struct test_server s;
	struct client c;
	struct response r;
	char *body = malloc(128 * KiB), head[256];

	for (size_t i = 0; i < 128 * KiB; i++)
		body[i] = (char)test_pattern(9, i);
	start(&s, be);
	client_open(&c, s.port);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(head, sizeof(head),
			 "POST /echo HTTP/1.1\r\nHost: t\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 sizes[i]);
		client_send_str(&c, head);
		client_send(&c, body, sizes[i]);
		read_response(&c, &r);
		cr_assert_eq(r.status, 200, "size %zu", sizes[i]);
		cr_assert(memcmp(r.body, body, sizes[i]) == 0);
		response_free(&r);
	}
	client_close(&c);
	stop(&s);
	cr_assert_eq(s.final.bytes_copied, 0,
		     "bodies within the budget: nothing copied");
	free(body);
}

/* 100 requests in one write: 100 responses, in order. */
TEST_BACKENDS(http, pipelined)
ParameterizedTest(struct test_backend *be, http, pipelined, .timeout = 30)
{
	struct test_server s;
	struct client c;
	struct response r;
	char *all = malloc(64 * KiB);
	size_t len = 0;

	for (int i = 0; i < 100; i++) {
		if (i % 3 == 0)
			len += (size_t)sprintf(
				all + len, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
		else if (i % 3 == 1)
			len += (size_t)sprintf(
				all + len,
				"POST /echo HTTP/1.1\r\nHost: t\r\n"
				"Content-Length: %d\r\n\r\nreq-%03d",
				7, i);
		else
			len += (size_t)sprintf(
				all + len,
				"GET /nothing-%d HTTP/1.1\r\nHost: t\r\n\r\n",
				i);
	}
	start(&s, be);
	client_open(&c, s.port);
	client_send(&c, all, len);
	for (int i = 0; i < 100; i++) {
		char want[16];
		read_response(&c, &r);
		if (i % 3 == 0) {
			cr_assert_eq(r.status, 200, "#%d", i);
			cr_assert_str_eq(r.body, hello);
		} else if (i % 3 == 1) {
			snprintf(want, sizeof(want), "req-%03d", i);
			cr_assert_eq(r.status, 200, "#%d", i);
			cr_assert_str_eq(r.body, want);
		} else {
			cr_assert_eq(r.status, 404, "#%d", i);
		}
		response_free(&r);
	}
	client_close(&c);
	stop(&s);
	cr_assert_eq(srv.requests, 100);
	free(all);
}

/* A client that sends every byte in its own segment: head and body are
 * gathered, not left pinning a receive buffer per byte. */
TEST_BACKENDS(http, slow_client_one_byte_at_a_time)
ParameterizedTest(struct test_backend *be, http, slow_client_one_byte_at_a_time,
		  .timeout = 60)
{
	struct test_server s;
	struct client c;
	struct response r;
	char req[512], body[301];
	size_t len;

	for (size_t i = 0; i < 300; i++)
		body[i] = (char)('a' + i % 26);
	body[300] = '\0';
	len = (size_t)snprintf(req, sizeof(req),
			       "POST /echo HTTP/1.1\r\nHost: t\r\n"
			       "User-Agent: trickle\r\n"
			       "Content-Length: 300\r\n\r\n%s",
			       body);
	start(&s, be);
	client_open(&c, s.port);
	for (size_t i = 0; i < len; i++) {
		client_send(&c, req + i, 1);
		/* Give each byte its own segment and its own receive. */
		usleep(300);
	}
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, body);
	response_free(&r);
	client_close(&c);
	stop(&s);
	cr_assert_leq(s.final.high_water, 20,
		      "%zu one-byte packets pinned %u buffers at once", len,
		      s.final.high_water);
	cr_assert_gt(s.final.bytes_copied, 0, "the trickle was gathered");
}

/* Expect: 100-continue gets its interim response before the body. */
TEST_BACKENDS(http, expect_continue)
ParameterizedTest(struct test_backend *be, http, expect_continue, .timeout = 30)
{
	struct test_server s;
	struct client c;
	struct response r;

	start(&s, be);
	client_open(&c, s.port);
	client_send_str(&c,
			"POST /echo HTTP/1.1\r\nHost: t\r\n"
			"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 100, "%s", r.head);
	client_send_str(&c, "12345");
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "12345");
	response_free(&r);
	client_close(&c);
	stop(&s);
}

/* HTTP/1.0 closes unless asked; Connection: close closes. */
TEST_BACKENDS(http, connection_management)
ParameterizedTest(struct test_backend *be, http, connection_management,
		  .timeout = 30)
{
	struct test_server s;
	struct client c;
	struct response r;

	start(&s, be);
	client_open(&c, s.port);
	client_send_str(&c, "GET / HTTP/1.0\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.head, "Connection: close"));
	response_free(&r);
	expect_closed(&c);
	client_close(&c);

	client_open(&c, s.port);
	for (int i = 0; i < 2; i++) {
		client_send_str(
			&c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
		read_response(&c, &r);
		cr_assert_eq(r.status, 200);
		cr_assert_not_null(strstr(r.head, "Connection: keep-alive"));
		response_free(&r);
	}
	client_close(&c);

	client_open(&c, s.port);
	client_send_str(&c,
			"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
			"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.head, "Connection: close"));
	response_free(&r);
	expect_closed(&c); /* the second request is never answered */
	client_close(&c);
	stop(&s);
}

TEST_BACKENDS(http, stats_json)
ParameterizedTest(struct test_backend *be, http, stats_json, .timeout = 30)
{
	struct test_server s;
	struct client c;
	struct response r;

	start(&s, be);
	client_open(&c, s.port);
	client_send_str(&c, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.head, "application/json"));
	cr_assert_not_null(strstr(r.body, "{\"pool\":{\"total\":512,"), "%s",
			   r.body);
	cr_assert_not_null(strstr(r.body, "\"requests\":1,"), "%s", r.body);
	response_free(&r);
	client_send_str(
		&c,
		"POST /stats HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
	read_response(&c, &r);
	cr_assert_eq(r.status, 405);
	cr_assert_not_null(strstr(r.head, "Allow: GET, HEAD\r\n"));
	response_free(&r);
	client_close(&c);
	stop(&s);
}

/* ---- bad input: the right status, then the connection closes -------- */

struct bad_case {
	const char *name;
	const char *req;
	int status;
};

static char big_head[10 * KiB], long_target[10 * KiB], many_headers[4 * KiB];

static void build_big_inputs(void)
{
	size_t n = (size_t)sprintf(big_head,
				   "GET / HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(big_head + n, 'a', 9 * KiB);
	strcpy(big_head + n + 9 * KiB, "\r\n\r\n");
	n = (size_t)sprintf(long_target, "GET /");
	memset(long_target + n, 'a', 9 * KiB);
	strcpy(long_target + n + 9 * KiB, " HTTP/1.1\r\nHost: t\r\n\r\n");
	n = (size_t)sprintf(many_headers, "GET / HTTP/1.1\r\nHost: t\r\n");
	for (int i = 0; i < 101; i++)
		n += (size_t)sprintf(many_headers + n, "X-%d: v\r\n", i);
	strcpy(many_headers + n, "\r\n");
}

TEST_BACKENDS(http, bad_input)
ParameterizedTest(struct test_backend *be, http, bad_input, .timeout = 60)
{
	const struct bad_case cases[] = {
		{"obs-fold", "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n",
		 400},
		{"bare LF", "GET / HTTP/1.1\nHost: t\r\n\r\n", 400},
		{"bare CR", "GET / HTTP/1.1\r\nHost: t\rX\r\n\r\n", 400},
		{"bad method", "G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n",
		 400},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		 400},
		{"CL and TE",
		 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n",
		 400},
		{"differing CL",
		 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
		 "Content-Length: 4\r\n\r\nabcd",
		 400},
		{"negative CL",
		 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
		 400},
		{"overflowing CL",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Content-Length: 99999999999999999999999\r\n\r\n",
		 400},
		{"bad chunk size",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
		 400},
		{"chunk without CRLF",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
		 400},
		{"body too large",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Content-Length: 2000000\r\n\r\n",
		 413},
		{"head too large", big_head, 431},
		{"too many headers", many_headers, 431},
		{"target too long", long_target, 414},
		{"gzip before chunked",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Transfer-Encoding: gzip, chunked\r\n\r\n",
		 501},
		{"gzip alone (no knowable length)",
		 "POST /echo HTTP/1.1\r\nHost: t\r\n"
		 "Transfer-Encoding: gzip\r\n\r\n",
		 400},
		{"Host port not digits", "GET / HTTP/1.1\r\nHost: t:8o\r\n\r\n",
		 400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505},
	};
	struct test_server s;

	build_big_inputs();
	start(&s, be);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client c;
		struct response r;
		client_open(&c, s.port);
		client_send_str(&c, cases[i].req);
		read_response(&c, &r);
		cr_assert_eq(r.status, cases[i].status, "%s: got %d (%s)",
			     cases[i].name, r.status, r.head);
		cr_assert_not_null(strstr(r.head, "Connection: close"), "%s",
				   cases[i].name);
		response_free(&r);
		expect_closed(&c);
		client_close(&c);
	}
	stop(&s);
	cr_assert_eq(srv.bad_requests, sizeof(cases) / sizeof(cases[0]));
	cr_assert_eq(srv.requests, 0);
}
