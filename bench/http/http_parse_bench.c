/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http-parse-bench - HTTP/1.1 request parse throughput: ringview's framer
 * and parser against libhttp-parser 2.9, over the same bytes in one run.
 *
 * Usage:
 *   http-parse-bench [--runs N] [--iters N] [--quick] [--strict]
 *                    [--only P] [--version]
 *
 *   --runs N    timed runs of each parser (default 5); the table shows
 *               the median over the runs
 *   --iters N   passes over the request mix per run (default 20000)
 *   --quick     a short smoke run (what `meson test --benchmark` runs)
 *   --strict    exit 1 when ringview is below 2x http-parser
 *   --only P    time only P (ringview or http-parser), e.g. under perf
 *   --help      this text
 *   --version   print "http-parse-bench ringview X.Y.Z" (rv_version())
 *
 * A bad value, an unknown option or a stray argument exits 2, naming it.
 *
 * Pin it to one core of an idle machine, in a release build;
 * bench/http/run-http-parse.sh does that.
 *
 * The mix is 7 requests a server commonly sees (a browser GET with
 * cookies, an API GET with a bearer token, curl, wrk, a JSON POST, a
 * chunked POST, an HTTP/1.0 GET). Each is treated as one receive:
 *
 *   ringview     each request's bytes lie in their own pool buffer,
 *                written once before timing. Per request the loop retains
 *                that view into the connection's input chain (no copy),
 *                then rv_http_frame + rv_http_parse + rv_http_request_free,
 *                reading method, target, header count and body length.
 *   http-parser  http_parser_init + http_parser_execute per request, with
 *                callbacks that record pointer+length of the URL, each
 *                header name and value and each body piece, as a user
 *                would; the same results are read afterwards.
 *
 * Before timing, both parsers must accept every request and agree on the
 * header count, target length and body length of each; otherwise exit 1.
 * Runs alternate between the parsers so a slow spell hits both alike.
 */
#include <errno.h>
#include <http_parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#include "cmdline.h"
#include "harness.h"

#define PROG "http-parse-bench" /* in messages, and for --version */

#define MAX_HEADERS	64
#define MAX_BODY_PIECES 16

/* ---- the request mix ------------------------------------------------ */

struct sample {
	const char *name;
	const char *bytes;
	size_t len;
};

#define REQ(name, s)                   \
	{                              \
		name, s, sizeof(s) - 1 \
	}

static const struct sample mix[] = {
	REQ("browser GET",
	    "GET /products/2024/running-shoes?color=blue&size=42&sort=price "
	    "HTTP/1.1\r\n"
	    "Host: shop.example.com\r\n"
	    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) "
	    "Gecko/20100101 Firefox/121.0\r\n"
	    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "image/avif,image/webp,*/*;q=0.8\r\n"
	    "Accept-Language: en-US,en;q=0.5\r\n"
	    "Accept-Encoding: gzip, deflate, br\r\n"
	    "Referer: https://shop.example.com/products/2024\r\n"
	    "Connection: keep-alive\r\n"
	    "Cookie: session_id=8f14e45fceea167a5a36dedd4bea2543; "
	    "csrftoken=c9f0f895fb98ab9159f51fd0297e236d; theme=dark; "
	    "cart=3x1042,1x2203; _ga=GA1.2.1234567890.1700000000\r\n"
	    "Upgrade-Insecure-Requests: 1\r\n"
	    "Sec-Fetch-Dest: document\r\n"
	    "Sec-Fetch-Mode: navigate\r\n"
	    "Sec-Fetch-Site: same-origin\r\n"
	    "\r\n"),
	REQ("API GET (bearer)",
	    "GET /api/v2/users/4711/orders?limit=50&offset=100 HTTP/1.1\r\n"
	    "Host: api.example.com\r\n"
	    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	    "eyJzdWIiOiI0NzExIiwic2NvcGUiOiJvcmRlcnM6cmVhZCIsImV4cCI6MTcwMDAw"
	    "MDAwMH0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\r\n"
	    "Accept: application/json\r\n"
	    "User-Agent: okhttp/4.12.0\r\n"
	    "X-Request-Id: 2f1c3a9e-7b4d-4e8a-9c21-5d6f0e8b3a71\r\n"
	    "\r\n"),
	REQ("curl GET", "GET / HTTP/1.1\r\n"
			"Host: example.com\r\n"
			"User-Agent: curl/7.88.1\r\n"
			"Accept: */*\r\n"
			"\r\n"),
	REQ("wrk keep-alive GET", "GET /index.html HTTP/1.1\r\n"
				  "Host: 127.0.0.1:8080\r\n"
				  "Connection: keep-alive\r\n"
				  "\r\n"),
	REQ("JSON POST",
	    "POST /api/v2/orders HTTP/1.1\r\n"
	    "Host: api.example.com\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 331\r\n"
	    "Authorization: Bearer 3a71c9f0f895fb98ab9159f51fd0297e\r\n"
	    "Accept: application/json\r\n"
	    "\r\n"
	    "{\"customer\":4711,\"currency\":\"EUR\",\"items\":[{\"sku\":"
	    "\"SHOE-"
	    "RUN-42-BLUE\",\"qty\":1,\"price\":8999},{\"sku\":\"SOCK-3PK-M\",\""
	    "qty\":2,\"price\":1299}],\"shipping\":{\"name\":\"Ada Lovelace\","
	    "\"street\":\"12 Analytical Row\",\"city\":\"London\",\"zip\":\"N"
	    "W1 6XE\",\"country\":\"GB\"},\"note\":\"leave at the door, ple"
	    "ase\",\"coupon\":\"WINTER10\",\"gift\":false,\"newsletter\":"
	    "true}"),
	REQ("chunked POST", "POST /upload/logs HTTP/1.1\r\n"
			    "Host: ingest.example.com\r\n"
			    "Content-Type: text/plain\r\n"
			    "Transfer-Encoding: chunked\r\n"
			    "\r\n"
			    "3e\r\n"
			    "2024-11-26T14:03:13Z INFO  request done "
			    "status=200 dur=1.2ms\r\n\r\n"
			    "3d\r\n"
			    "2024-11-26T14:03:14Z WARN  slow upstream host=db1 "
			    "dur=812ms\r\n\r\n"
			    "20\r\n"
			    "2024-11-26T14:03:15Z INFO  bye\r\n\r\n"
			    "0\r\n"
			    "\r\n"),
	REQ("HTTP/1.0 GET", "GET /status?full=1 HTTP/1.0\r\n"
			    "User-Agent: ApacheBench/2.3\r\n"
			    "Accept: */*\r\n"
			    "\r\n"),
};
#define NREQ (sizeof(mix) / sizeof(mix[0]))

/* What a user reads from one parsed request. */
struct outcome {
	size_t target_len;
	uint32_t headers;
	size_t body_len;
};

/* ---- ringview ------------------------------------------------------- */

struct rv_side {
	rv_pool *pool;
	rv_view views[NREQ]; /* each request as a receive placed it */
	rv_http_framer framer;
	rv_chain in;
};

static int rv_side_init(struct rv_side *s)
{
	struct rv_pool_config cfg = {.count = 16,
				     .flags = RV_POOL_NO_TRACK_REFS};
	int err = rv_pool_create(&cfg, &s->pool);

	if (err)
		return err;
	for (size_t i = 0; i < NREQ; i++) {
		err = rv_pool_get(s->pool, &s->views[i]);
		if (err)
			return err;
		memcpy(rv_view_mut(&s->views[i]), mix[i].bytes, mix[i].len);
		rv_view_truncate(&s->views[i], mix[i].len);
	}
	rv_http_framer_init(&s->framer, NULL);
	rv_chain_init(&s->in);
	return 0;
}

static void rv_side_fini(struct rv_side *s)
{
	struct rv_pool_stats st;

	rv_http_framer_fini(&s->framer);
	rv_chain_release(&s->in);
	for (size_t i = 0; i < NREQ; i++)
		rv_view_release(&s->views[i]);
	rv_pool_stats(s->pool, &st);
	if (st.free != st.total)
		fprintf(stderr,
			"http-parse-bench: ringview leaked %u buffers\n",
			st.total - st.free);
	rv_pool_destroy(s->pool);
}

/* Parse request |i|; 0 with |*o| filled, or a negative errno. */
static inline int rv_one(struct rv_side *s, size_t i, struct outcome *o)
{
	struct rv_http_frame fr;
	struct rv_http_request *req;
	rv_view v = rv_view_retain(&s->views[i]);
	int r;

	r = rv_chain_append(&s->in, &v);
	if (r)
		return r;
	r = rv_http_frame(&s->framer, &s->in, &fr);
	if (r != 1)
		return r < 0 ? r : -EAGAIN;
	r = rv_http_parse(&fr, NULL, &req, NULL);
	if (r)
		return r;
	o->target_len = req->target.len;
	o->headers = req->num_headers;
	o->body_len = rv_chain_len(&req->body);
	escape(req);
	rv_http_request_free(req);
	return 0;
}

/* ---- http-parser ---------------------------------------------------- */

struct span {
	const char *at;
	size_t len;
};

/* What a user's callbacks collect: pointer+length pairs. */
struct hp_req {
	struct span url;
	struct span names[MAX_HEADERS], values[MAX_HEADERS];
	uint32_t num_headers;
	bool in_value;
	struct span body[MAX_BODY_PIECES];
	uint32_t num_body;
	size_t body_len;
	bool complete;
};

/* A callback may be called more than once for one string; extend the
 * span then (the bytes are contiguous within one execute call). */
static void extend(struct span *s, const char *at, size_t len)
{
	if (s->at)
		s->len = (size_t)(at + len - s->at);
	else
		*s = (struct span){at, len};
}

static int hp_url(http_parser *p, const char *at, size_t len)
{
	struct hp_req *r = p->data;
	extend(&r->url, at, len);
	return 0;
}

static int hp_field(http_parser *p, const char *at, size_t len)
{
	struct hp_req *r = p->data;
	if (r->in_value || r->num_headers == 0) {
		if (r->num_headers == MAX_HEADERS)
			return 1;
		r->num_headers++;
		r->in_value = false;
		r->names[r->num_headers - 1] = (struct span){0};
		r->values[r->num_headers - 1] = (struct span){0};
	}
	extend(&r->names[r->num_headers - 1], at, len);
	return 0;
}

static int hp_value(http_parser *p, const char *at, size_t len)
{
	struct hp_req *r = p->data;
	r->in_value = true;
	extend(&r->values[r->num_headers - 1], at, len);
	return 0;
}

static int hp_body(http_parser *p, const char *at, size_t len)
{
	struct hp_req *r = p->data;
	if (r->num_body == MAX_BODY_PIECES)
		return 1;
	r->body[r->num_body++] = (struct span){at, len};
	r->body_len += len;
	return 0;
}

static int hp_complete(http_parser *p)
{
	struct hp_req *r = p->data;
	r->complete = true;
	return 0;
}

static const http_parser_settings hp_settings = {
	.on_url = hp_url,
	.on_header_field = hp_field,
	.on_header_value = hp_value,
	.on_body = hp_body,
	.on_message_complete = hp_complete,
};

static inline int hp_one(const char *bytes, size_t len, struct outcome *o)
{
	http_parser p;
	struct hp_req r;
	size_t n;

	r.url = (struct span){0};
	r.num_headers = 0;
	r.in_value = false;
	r.num_body = 0;
	r.body_len = 0;
	r.complete = false;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &r;
	n = http_parser_execute(&p, &hp_settings, bytes, len);
	if (n != len || HTTP_PARSER_ERRNO(&p) != HPE_OK || !r.complete)
		return -EBADMSG;
	o->target_len = r.url.len;
	o->headers = r.num_headers;
	o->body_len = r.body_len;
	escape(&r);
	return 0;
}

/* ---- timing --------------------------------------------------------- */

static uint64_t sink;

/* ns for |iters| passes over the mix; 0 on a parse failure. */
static uint64_t time_rv(struct rv_side *s, uint64_t iters)
{
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t k = 0; k < iters; k++) {
		for (size_t i = 0; i < NREQ; i++) {
			struct outcome o;
			if (rv_one(s, i, &o))
				return 0;
			acc += o.headers + o.body_len + o.target_len;
		}
	}
	uint64_t t1 = now_ns();
	sink += acc;
	return t1 - t0;
}

static uint64_t time_hp(uint64_t iters)
{
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t k = 0; k < iters; k++) {
		for (size_t i = 0; i < NREQ; i++) {
			struct outcome o;
			if (hp_one(mix[i].bytes, mix[i].len, &o))
				return 0;
			acc += o.headers + o.body_len + o.target_len;
		}
	}
	uint64_t t1 = now_ns();
	sink += acc;
	return t1 - t0;
}

/* Both parsers accept every request and read the same from it. */
static bool verify(struct rv_side *s)
{
	bool ok = true;

	printf("%-20s %6s %8s %8s %8s\n", "request", "bytes", "headers",
	       "target", "body");
	for (size_t i = 0; i < NREQ; i++) {
		struct outcome a = {0}, b = {0};
		int ra = rv_one(s, i, &a),
		    rb = hp_one(mix[i].bytes, mix[i].len, &b);
		if (ra || rb) {
			fprintf(stderr,
				"http-parse-bench: %s rejected by %s%s%s\n",
				mix[i].name, ra ? "ringview (" : "",
				ra ? rv_strerror(ra) : "",
				rb ? (ra ? ") and http-parser" : "http-parser")
				   : ")");
			ok = false;
			continue;
		}
		if (a.headers != b.headers || a.body_len != b.body_len ||
		    a.target_len != b.target_len) {
			fprintf(stderr,
				"http-parse-bench: %s: ringview read %u "
				"headers, "
				"target %zu, body %zu; http-parser %u, %zu, "
				"%zu\n",
				mix[i].name, a.headers, a.target_len,
				a.body_len, b.headers, b.target_len,
				b.body_len);
			ok = false;
			continue;
		}
		printf("%-20s %6zu %8u %8zu %8zu\n", mix[i].name, mix[i].len,
		       a.headers, a.target_len, a.body_len);
	}
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2]
		     : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

static void row(const char *name, double ns, uint64_t iters, size_t bytes,
		const uint64_t *runs, int n)
{
	double reqs = (double)iters * NREQ;

	printf("%-12s %9.1f %12.0f %9.1f   ", name,
	       (double)bytes * (double)iters / ns * 1e3, reqs / ns * 1e9,
	       ns / reqs);
	for (int i = 0; i < n; i++)
		printf("%s%.1f", i ? " " : "", (double)runs[i] / reqs);
	printf("\n");
}

static void usage(FILE *f)
{
	fputs("usage: http-parse-bench [--runs N] [--iters N] [--quick] "
	      "[--strict] [--only P] [--version]\n"
	      "  --runs N    timed runs of each parser (default 5)\n"
	      "  --iters N   passes over the request mix per run "
	      "(default 20000)\n"
	      "  --quick     short smoke run\n"
	      "  --strict    exit 1 when ringview is below 2x http-parser\n"
	      "  --only P    time only P (ringview or http-parser)\n"
	      "  --version   print \"http-parse-bench ringview X.Y.Z\"\n"
	      "Run it pinned to one core: bench/http/run-http-parse.sh\n",
	      f);
}

/* The value of the option argv[*i], which it consumes; exits 2 when it
 * is missing. */
static const char *value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		bench_missing_value(PROG, argv[*i] + 2);
		exit(2);
	}
	return argv[++*i];
}

/* A whole number from 1 to |max| for --|name|, else exit 2. */
static unsigned long long count_arg(const char *name, const char *s,
				    unsigned long long max)
{
	unsigned long long v;

	if (bench_count_option(PROG, name, s, 1, max, &v) < 0)
		exit(2);
	return v;
}

/* --only: which parser, else exit 2. */
static const char *only_arg(const char *s)
{
	if (strcmp(s, "ringview") && strcmp(s, "http-parser")) {
		fprintf(stderr,
			PROG ": --only needs ringview or http-parser, not "
			     "'%s'\n",
			s);
		exit(2);
	}
	return s;
}

int main(int argc, char **argv)
{
	int runs = 5;
	uint64_t iters = 20000;
	bool strict = false;
	const char *only = NULL;
	struct rv_side s;
	size_t bytes = 0;
	int err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs")) {
			/* runs are kept in memory, one int counts them */
			runs = (int)count_arg("runs", value(argc, argv, &i),
					      10000);
		} else if (!strcmp(argv[i], "--iters")) {
			iters = count_arg("iters", value(argc, argv, &i),
					  100000000);
		} else if (!strcmp(argv[i], "--quick")) {
			runs = 3;
			iters = 2000;
		} else if (!strcmp(argv[i], "--strict")) {
			strict = true;
		} else if (!strcmp(argv[i], "--only")) {
			only = only_arg(value(argc, argv, &i));
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			bench_print_version(PROG, rv_version());
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, PROG ": unknown option %s (--help)\n",
				argv[i]);
			return 2;
		} else {
			bench_no_operands(PROG, argc, argv, i);
			return 2;
		}
	}

	err = rv_side_init(&s);
	if (err) {
		fprintf(stderr, "http-parse-bench: pool: %s\n",
			rv_strerror(err));
		return 1;
	}
	for (size_t i = 0; i < NREQ; i++)
		bytes += mix[i].len;
	printf("http-parse-bench: %zu requests, %zu bytes per pass, %llu "
	       "passes per run, %d runs; http-parser %lu.%lu.%lu\n\n",
	       NREQ, bytes, (unsigned long long)iters, runs,
	       (http_parser_version() >> 16) & 255,
	       (http_parser_version() >> 8) & 255, http_parser_version() & 255);
	if (!verify(&s)) {
		rv_side_fini(&s);
		return 1;
	}

	uint64_t *rv_ns = calloc((size_t)runs, sizeof(uint64_t));
	uint64_t *hp_ns = calloc((size_t)runs, sizeof(uint64_t));
	uint64_t *rv_sorted = calloc((size_t)runs, sizeof(uint64_t));
	uint64_t *hp_sorted = calloc((size_t)runs, sizeof(uint64_t));
	if (!rv_ns || !hp_ns || !rv_sorted || !hp_sorted) {
		fprintf(stderr, "http-parse-bench: out of memory\n");
		return 1;
	}
	if (only) {
		/* One parser alone, for a profiler: no comparison. */
		for (int r = 0; r < runs; r++)
			rv_ns[r] = only[0] == 'r' ? time_rv(&s, iters)
						  : time_hp(iters);
		printf("\n%s alone: %.1f ns/req (median of %d runs)\n", only,
		       median(rv_ns, runs) / ((double)iters * NREQ), runs);
		free(rv_ns);
		free(hp_ns);
		free(rv_sorted);
		free(hp_sorted);
		rv_side_fini(&s);
		return 0;
	}
	/* Warm up both, untimed. */
	time_rv(&s, iters / 10 + 1);
	time_hp(iters / 10 + 1);
	for (int r = 0; r < runs; r++) {
		/* Alternate which goes first. */
		if (r % 2) {
			hp_ns[r] = time_hp(iters);
			rv_ns[r] = time_rv(&s, iters);
		} else {
			rv_ns[r] = time_rv(&s, iters);
			hp_ns[r] = time_hp(iters);
		}
		if (!rv_ns[r] || !hp_ns[r]) {
			fprintf(stderr,
				"http-parse-bench: a parse failed while "
				"timing\n");
			return 1;
		}
	}
	memcpy(rv_sorted, rv_ns, (size_t)runs * sizeof(uint64_t));
	memcpy(hp_sorted, hp_ns, (size_t)runs * sizeof(uint64_t));
	double rv_med = median(rv_sorted, runs),
	       hp_med = median(hp_sorted, runs);
	double ratio = hp_med / rv_med;

	printf("\n%-12s %9s %12s %9s   %s\n", "parser", "MB/s", "requests/s",
	       "ns/req", "ns/req per run");
	row("ringview", rv_med, iters, bytes, rv_ns, runs);
	row("http-parser", hp_med, iters, bytes, hp_ns, runs);
	printf("\nratio ringview/http-parser (throughput, medians of %d runs): "
	       "%.2fx  target >= 2.00x: %s\n",
	       runs, ratio, ratio >= 2.0 ? "PASS" : "FAIL");

	free(rv_ns);
	free(hp_ns);
	free(rv_sorted);
	free(hp_sorted);
	rv_side_fini(&s);
	return strict && ratio < 2.0 ? 1 : 0;
}
