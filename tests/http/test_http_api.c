/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/test_http_api.c - the framer's and parser's promises beyond
 * single requests: configurable limits, 100-continue, a failed framer
 * failing again, pipelined bytes left in the input, zero-copy bodies and
 * counted head copies, release semantics of subviews, and the helpers
 * (rv_http_find_header, rv_http_token_eq, rv_http_status, rv_http_reason).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core_util.h"
#include "corpus.h"

#define REQ_GH "GET / HTTP/1.1\r\nHost: a\r\n"

/* Appends a heap copy of |s| to |in|. */
static void feed(rv_chain *in, const void *s, size_t n)
{
	rv_view v;

	heap_feeder.piece(&heap_feeder, s, n, &v);
	cr_assert_eq(rv_chain_append(in, &v), 0);
}

#define FEED(in, lit) feed((in), (lit), sizeof(lit) - 1)

/* Frames and parses one request that must be complete in |in|. */
static struct rv_http_request *one(rv_http_framer *f, rv_chain *in,
				   const struct rv_http_limits *lim)
{
	struct rv_http_frame fr;
	struct rv_http_request *r = NULL;
	const char *why = NULL;
	int rc = rv_http_frame(f, in, &fr);

	cr_assert_eq(rc, 1, "rv_http_frame: %d (%s)", rc,
		     rv_http_framer_why(f));
	rc = rv_http_parse(&fr, lim, &r, &why);
	cr_assert_eq(rc, 0, "rv_http_parse: %d (%s)", rc, why);
	return r;
}

/* Frames then parses the |n| bytes at |s|; the error or 0. */
static int frame_parse(const void *s, size_t n,
		       const struct rv_http_limits *lim)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r = NULL;
	int rc;

	rv_http_framer_init(&f, lim);
	feed(&in, s, n);
	rc = rv_http_frame(&f, &in, &fr);
	if (rc == 1) {
		rc = rv_http_parse(&fr, lim, &r, NULL);
		rv_http_request_free(r);
	}
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
	return rc;
}

#define FRAME_PARSE(lit, lim) frame_parse((lit), sizeof(lit) - 1, (lim))

/* ---- limits -------------------------------------------------------- */

Test(http_api, limits_are_configurable)
{
	struct rv_http_limits head = {.max_head = 30}, body = {.max_body = 3},
			      hdrs = {.max_headers = 1};

	cr_assert_eq(FRAME_PARSE(REQ_GH "\r\n", &head), 0); /* 27 bytes */
	cr_assert_eq(FRAME_PARSE(REQ_GH "X: 1\r\n\r\n", &head), -EMSGSIZE);
	cr_assert_eq(FRAME_PARSE(REQ_GH "X: 1\r\n\r\n", NULL), 0);
	cr_assert_eq(FRAME_PARSE(REQ_GH "Content-Length: 3\r\n\r\nabc", &body),
		     0);
	cr_assert_eq(FRAME_PARSE(REQ_GH "Content-Length: 4\r\n\r\nabcd", &body),
		     -EFBIG);
	cr_assert_eq(FRAME_PARSE(REQ_GH "Transfer-Encoding: chunked\r\n\r\n"
					"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
				 &body),
		     -EFBIG);
	cr_assert_eq(FRAME_PARSE(REQ_GH "\r\n", &hdrs), 0);
	cr_assert_eq(FRAME_PARSE(REQ_GH "X: 1\r\n\r\n", &hdrs), -EMSGSIZE);
}

/* More headers than the parser's first array holds: it grows, twice. */
Test(http_api, many_headers_when_allowed)
{
	struct rv_http_limits lim = {.max_head = 1 << 16, .max_headers = 300};
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_request *r;
	char buf[300 * 16 + 64];
	size_t n = (size_t)sprintf(buf, REQ_GH);

	for (unsigned i = 1; i < 300; i++)
		n += (size_t)sprintf(buf + n, "H%u: %u\r\n", i, i * 7);
	n += (size_t)sprintf(buf + n, "\r\n");
	cr_assert_eq(frame_parse(buf, n, NULL), -EMSGSIZE);
	rv_http_framer_init(&f, &lim);
	feed(&in, buf, n);
	r = one(&f, &in, &lim);
	cr_assert_eq(r->num_headers, 300);
	cr_assert(rv_view_eq(&r->headers[299].name, "H299", 4));
	cr_assert(rv_view_eq(&r->headers[299].value, "2093", 4));
	rv_http_request_free(r);
	lim.max_headers = 299;
	cr_assert_eq(frame_parse(buf, n, &lim), -EMSGSIZE);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* A chunked body of exactly the default limit, sent as real data, and
 * one byte more. */
Test(http_api, chunked_body_at_default_limit)
{
	static char data[1 << 16];
	rv_http_framer f;
	struct rv_http_frame fr;
	rv_chain in = RV_CHAIN_INIT;

	memset(data, 'z', sizeof(data));
	for (int extra = 0; extra < 2; extra++) {
		rv_http_framer_init(&f, NULL);
		FEED(&in, "POST / HTTP/1.1\r\nHost: a\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n");
		for (int i = 0; i < 16; i++) {
			FEED(&in, "10000\r\n");
			feed(&in, data, sizeof(data));
			FEED(&in, "\r\n");
			cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
		}
		if (extra) {
			FEED(&in, "1\r\nz\r\n0\r\n\r\n");
			cr_assert_eq(rv_http_frame(&f, &in, &fr), -EFBIG);
		} else {
			FEED(&in, "0\r\n\r\n");
			cr_assert_eq(rv_http_frame(&f, &in, &fr), 1);
			cr_assert_eq(rv_chain_len(&fr.body),
				     RV_HTTP_DEFAULT_MAX_BODY);
			cr_assert_eq(fr.flags, RV_HTTP_CHUNKED);
			rv_http_frame_release(&fr);
		}
		rv_http_framer_fini(&f);
		rv_chain_release(&in);
	}
}

/* ---- 100-continue -------------------------------------------------- */

#define EXPECT_HEAD(len) \
	REQ_GH "Expect: 100-continue\r\nContent-Length: " len "\r\n\r\n"

Test(http_api, continue_once_while_body_missing)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r;

	rv_http_framer_init(&f, NULL);
	cr_assert_not(rv_http_framer_take_continue(&f));
	FEED(&in, EXPECT_HEAD("4"));
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert(rv_http_framer_take_continue(&f));
	cr_assert_not(rv_http_framer_take_continue(&f), "fired twice");
	FEED(&in, "ab");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert_not(rv_http_framer_take_continue(&f), "fired again");
	FEED(&in, "cd");
	r = one(&f, &in, NULL);
	cr_assert_not(rv_http_framer_take_continue(&f));
	cr_assert_eq(r->flags, RV_HTTP_EXPECT_CONTINUE);
	rv_http_request_free(r);

	/* Chunked, the next request on the same framer. */
	FEED(&in, REQ_GH "Expect: 100-Continue\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert(rv_http_framer_take_continue(&f));
	FEED(&in, "1\r\nx\r\n0\r\n\r\n");
	r = one(&f, &in, NULL);
	cr_assert_eq(r->flags, RV_HTTP_EXPECT_CONTINUE | RV_HTTP_CHUNKED);
	cr_assert_not(rv_http_framer_take_continue(&f));
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* RFC 9110 10.1.1: an HTTP/1.0 client's Expect: 100-continue is ignored
 * (it would not understand a 1xx). */
Test(http_api, no_continue_for_http10)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r;

	rv_http_framer_init(&f, NULL);
	FEED(&in, "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
		  "Content-Length: 2\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert_not(rv_http_framer_take_continue(&f));
	FEED(&in, "ok");
	r = one(&f, &in, NULL);
	cr_assert_eq(r->flags & RV_HTTP_EXPECT_CONTINUE, 0);
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

Test(http_api, no_continue_when_body_arrived_or_not_asked)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r;

	rv_http_framer_init(&f, NULL);
	FEED(&in, EXPECT_HEAD("2") "ok");
	r = one(&f, &in, NULL);
	cr_assert_not(rv_http_framer_take_continue(&f));
	rv_http_request_free(r);
	FEED(&in, REQ_GH "Content-Length: 2\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert_not(rv_http_framer_take_continue(&f));
	FEED(&in, "ok");
	r = one(&f, &in, NULL);
	cr_assert_eq(r->flags, 0);
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* A continue that was due is withdrawn when the request then fails. */
Test(http_api, no_continue_after_failure)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;

	rv_http_framer_init(&f, NULL);
	FEED(&in, REQ_GH "Expect: 100-continue\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	FEED(&in, "zz\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), -EBADMSG);
	cr_assert_not(rv_http_framer_take_continue(&f));
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* ---- failures and leftovers ---------------------------------------- */

Test(http_api, failed_framer_keeps_failing)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	const char *why;

	rv_http_framer_init(&f, NULL);
	cr_assert_str_eq(rv_http_framer_why(&f), "no error");
	FEED(&in, REQ_GH "Content-Length: 1x\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), -EBADMSG);
	why = rv_http_framer_why(&f);
	cr_assert_str_eq(why, "Content-Length is not a decimal number");
	FEED(&in, REQ_GH "\r\n");
	for (int i = 0; i < 3; i++) {
		size_t len = rv_chain_len(&in);
		cr_assert_eq(rv_http_frame(&f, &in, &fr), -EBADMSG);
		cr_assert_eq(rv_chain_len(&in), len,
			     "a failed framer ate input");
		cr_assert_eq(rv_http_framer_why(&f), why);
	}
	rv_http_framer_fini(&f);
	rv_chain_release(&in);

	/* The same for another errno. */
	rv_http_framer_init(&f, NULL);
	FEED(&in, REQ_GH "Transfer-Encoding: gzip, chunked\r\n\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), -ENOTSUP);
	FEED(&in, REQ_GH "\r\n");
	cr_assert_eq(rv_http_frame(&f, &in, &fr), -ENOTSUP);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

Test(http_api, bytes_after_a_request_stay_in_input)
{
	static const char rest[] = "GET /2 HTTP/1.1\r\nHo";
	uint8_t got[sizeof(rest)];
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r;

	rv_http_framer_init(&f, NULL);
	FEED(&in, REQ_GH "Content-Length: 3\r\n\r\nabc"
			 "GET /2 HTTP/1.1\r\nHo");
	r = one(&f, &in, NULL);
	cr_assert_eq(rv_chain_len(&in), sizeof(rest) - 1);
	cr_assert_eq(rv_chain_copy_out(&in, 0, got, sizeof(rest) - 1), 0);
	cr_assert_eq(memcmp(got, rest, sizeof(rest) - 1), 0);
	rv_http_request_free(r);
	cr_assert_eq(rv_http_frame(&f, &in, &fr), 0);
	cr_assert_eq(rv_chain_len(&in), sizeof(rest) - 1,
		     "an incomplete head stays in the input");
	FEED(&in, "st: b\r\n\r\nGET");
	r = one(&f, &in, NULL);
	cr_assert(rv_view_eq(&r->target, "/2", 2));
	cr_assert_eq(rv_chain_len(&in), 3);
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* A request fed one byte per view: the framer gathers the pieces, so the
 * input never holds more than a handful of views (one receive buffer each
 * in a server), head and body alike. */
Test(http_api, trickled_request_is_gathered)
{
	static const char req[] =
		REQ_GH "X-Pad: 0123456789012345678901\r\n"
		       "Content-Length: 40\r\n\r\n"
		       "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_frame fr;
	struct rv_http_request *r = NULL;
	uint32_t most = 0;
	int rc = 0;

	rv_http_framer_init(&f, NULL);
	for (size_t i = 0; i < sizeof(req) - 1 && rc == 0; i++) {
		feed(&in, req + i, 1);
		rc = rv_http_frame(&f, &in, &fr);
		if (rv_chain_count(&in) > most)
			most = rv_chain_count(&in);
		if (rc == 0 && rv_chain_count(&f._tail) > most)
			most = rv_chain_count(&f._tail);
	}
	cr_assert_eq(rc, 1, "%d (%s)", rc, rv_http_framer_why(&f));
	cr_assert_leq(most, 9, "%u one-byte views held at once", most);
	cr_assert_leq(rv_chain_count(&fr.body), 6, "body gathered: %u views",
		      rv_chain_count(&fr.body));
	cr_assert_eq(rv_http_parse(&fr, NULL, &r, NULL), 0);
	cr_assert_eq(rv_chain_len(&r->body), 40);
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}

/* ---- copies, zero-copy and release semantics (pool buffers) -------- */

Test(http_api, body_zero_copy_head_copied_once_at_a_seam)
{
	static const char req[] = REQ_GH "Content-Length: 6\r\n\r\nbodyXY";
	const size_t cut = 10, head_len = sizeof(req) - 1 - 6;
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_request *r;
	rv_view a, b;
	const uint8_t *body_at;

	pool_up(4, 4096);
	a = piece(req, cut, 0);
	b = piece(req + cut, sizeof(req) - 1 - cut, 100);
	body_at = b.data + (head_len - cut);
	append(&in, &a);
	append(&in, &b);
	rv_http_framer_init(&f, NULL);
	r = one(&f, &in, NULL);
	cr_assert_eq(stats().bytes_copied, head_len);
	cr_assert_eq(rv_chain_count(&r->body), 1);
	cr_assert_eq(rv_chain_at(&r->body, 0)->data, body_at,
		     "the body was copied");
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
	pool_down();
}

Test(http_api, subviews_outlive_the_request)
{
	static const char req[] = "POST /t HTTP/1.1\r\nHost: h\r\n"
				  "Content-Length: 4\r\n\r\nbody";
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_request *r;
	rv_view v, target, host, body;

	pool_up(4, 4096);
	v = piece(req, sizeof(req) - 1, 0);
	append(&in, &v);
	rv_http_framer_init(&f, NULL);
	r = one(&f, &in, NULL);
	cr_assert_eq(stats().bytes_copied, 0,
		     "a head in one buffer is not copied");
	cr_assert_eq(stats().held, 1);
	target = rv_view_retain(&r->target);
	host = rv_view_retain(&rv_http_find_header(r, "host")->value);
	body = rv_view_retain(rv_chain_at(&r->body, 0));
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);

	cr_assert_eq(stats().held, 1, "retained subviews hold the buffer");
	cr_assert(rv_view_eq(&target, "/t", 2));
	rv_view_release(&target);
	rv_view_release(&host);
	cr_assert_eq(stats().held, 1, "the body view still holds it");
	cr_assert(rv_view_eq(&body, "body", 4));
	rv_view_release(&body);
	cr_assert_eq(stats().held, 0);
	cr_assert_eq(stats().free, stats().total);
	pool_down();
}

/* A request as a pipeline message: its ops release every view. */
Test(http_api, request_ops_release)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_request *r;
	static const char req[] = REQ_GH "Content-Length: 1\r\n\r\nx";
	rv_view v;

	pool_up(4, 4096);
	v = piece(req, sizeof(req) - 1, 0);
	append(&in, &v);
	rv_http_framer_init(&f, NULL);
	r = one(&f, &in, NULL);
	rv_http_framer_fini(&f);
	cr_assert_eq(stats().held, 1);
	rv_http_request_ops.tag(r, "test");
	rv_http_request_ops.release(r);
	cr_assert_eq(stats().held, 0);
	rv_chain_release(&in);
	pool_down();
}

/* A parse that fails releases the frame: nothing is left held. */
Test(http_api, failed_parse_releases_the_frame)
{
	struct rv_http_frame fr;
	struct rv_http_request *r = NULL;
	const char *why = NULL;
	static const char head[] =
		"GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\n";
	rv_view b;

	/* The framer checks heads itself (a missing Host fails there), so
	 * the frame is made by hand, as a caller of rv_http_parse may. */
	pool_up(4, 4096);
	fr = (struct rv_http_frame){.head = piece(head, sizeof(head) - 1, 0)};
	b = piece("x", 1, 0);
	append(&fr.body, &b);
	cr_assert_eq(stats().held, 2);
	cr_assert_eq(rv_http_parse(&fr, NULL, &r, &why), -EBADMSG);
	cr_assert_null(r);
	cr_assert_str_eq(why, "HTTP/1.1 request without Host");
	cr_assert(rv_view_is_null(&fr.head));
	cr_assert_eq(rv_chain_len(&fr.body), 0);
	cr_assert_eq(stats().held, 0);
	pool_down();
}

/* rv_http_parse takes any frame, not only the framer's: every prefix of
 * a head, flush against a guard page, is rejected without over-reading. */
Test(http_api, parse_prefixes_of_a_head_against_a_guard_page)
{
	static const char head[] =
		"GET /x HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n\r\n";
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + page, page, PROT_NONE), 0);
	for (size_t n = 1; n < sizeof(head); n++) {
		struct rv_http_frame fr = {.head = RV_VIEW_INIT};
		struct rv_http_request *r = NULL;
		const char *why = NULL;
		int rc;

		memcpy(map + page - n, head, n);
		cr_assert_eq(
			rv_view_wrap(map + page - n, n, NULL, NULL, &fr.head),
			0);
		rc = rv_http_parse(&fr, NULL, &r, &why);
		if (n == sizeof(head) - 1) {
			cr_assert_eq(rc, 0, "whole head: %s", why);
			cr_assert(rv_view_eq(&r->headers[1].value, "z", 1));
		} else {
			cr_assert_eq(rc, -EBADMSG, "prefix of %zu bytes: %d", n,
				     rc);
			cr_assert_not_null(why);
		}
		cr_assert(rv_view_is_null(&fr.head));
		rv_http_request_free(r);
	}
	munmap(map, 2 * page);
}

/* ---- helpers ------------------------------------------------------- */

Test(http_api, find_header_and_token_eq)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	struct rv_http_request *r;
	const struct rv_http_header *h;
	rv_view t;

	rv_http_framer_init(&f, NULL);
	FEED(&in, REQ_GH "X-Dup:  one \r\nx-dup: two\r\nEmpty:\r\n\r\n");
	r = one(&f, &in, NULL);
	h = rv_http_find_header(r, "X-DUP");
	cr_assert_eq(h, &r->headers[1], "the first of two");
	cr_assert(rv_view_eq(&h->value, "one", 3));
	cr_assert_eq(rv_http_find_header(r, "host"), &r->headers[0]);
	cr_assert_eq(rv_http_find_header(r, "empty")->value.len, 0);
	cr_assert_null(rv_http_find_header(r, "X-Du"));
	cr_assert_null(rv_http_find_header(r, "X-Dupe"));
	cr_assert_null(rv_http_find_header(r, ""));
	rv_http_request_free(r);
	rv_http_framer_fini(&f);
	rv_chain_release(&in);

	t = (rv_view){.data = (const uint8_t *)"Keep-Alive", .len = 10};
	cr_assert(rv_http_token_eq(&t, "keep-alive"));
	cr_assert(rv_http_token_eq(&t, "KEEP-ALIVE"));
	cr_assert_not(rv_http_token_eq(&t, "keep-aliv"));
	cr_assert_not(rv_http_token_eq(&t, "keep-alives"));
	cr_assert_not(rv_http_token_eq(&t, "keep_alive"));
	t.len = 0;
	cr_assert(rv_http_token_eq(&t, ""));
	cr_assert_not(rv_http_token_eq(&t, "k"));
	/* Case folding is ASCII only: '@' + 32 is '`', not a letter. */
	t = (rv_view){.data = (const uint8_t *)"@[", .len = 2};
	cr_assert_not(rv_http_token_eq(&t, "`{"));
}

Test(http_api, status_and_reason)
{
	static const struct {
		int err, status;
		const char *reason;
	} map[] = {
		{0, 200, "OK"},
		{-EBADMSG, 400, "Bad Request"},
		{-EMSGSIZE, 431, "Request Header Fields Too Large"},
		{-EFBIG, 413, "Content Too Large"},
		{-ENOTSUP, 501, "Not Implemented"},
		{-EPROTONOSUPPORT, 505, "HTTP Version Not Supported"},
		{-ENOMEM, 503, "Service Unavailable"},
		{-EINVAL, 400, "Bad Request"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		cr_assert_eq(rv_http_status(map[i].err), map[i].status,
			     "status of %d", map[i].err);
		cr_assert_str_eq(rv_http_reason(map[i].status), map[i].reason);
	}
	cr_assert_str_eq(rv_http_reason(100), "Continue");
	cr_assert_str_eq(rv_http_reason(404), "Not Found");
	cr_assert_str_eq(rv_http_reason(299), "Unknown");
	cr_assert_str_eq(rv_http_reason(-1), "Unknown");
}
