/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * fuzz_http.c - libFuzzer target: the HTTP/1.1 framer and parser fed any
 * bytes in any pieces must give the same results as in one piece, and
 * leak nothing.
 *
 * Input: byte 0 chooses how to split (bits 0-1) and the limits (bit 2:
 * small limits, so the limit checks are reached with short inputs); byte
 * 1 is the split's parameter; the rest is the byte stream of one
 * connection. It is fed twice through rv_http_frame + rv_http_parse:
 *
 *   whole   in one receive buffer;
 *   split   in pieces, each in its own receive buffer (of another pool):
 *             0  pieces of 1 + byte1 % 64 bytes
 *             1  pseudo-random sizes 1..16 (xorshift seeded by byte 1)
 *             2  one byte per piece
 *             3  two pieces, cut at byte1 / 256 of the length
 *           (pieces are at most SPLIT_BUF and, for inputs above 4096
 *           bytes, at least size / SPLIT_COUNT bytes long)
 *
 * Each feeding frames and parses until an error (of rv_http_frame or
 * rv_http_parse: a server then closes the connection) or until no more
 * progress, and writes what it got to a log: per request the method,
 * target, version, header count, a hash of the header names and values,
 * the body length and a hash of the body; or the error. abort() when
 *   - the two logs differ (the framer is not split-independent),
 *   - a pool has a buffer or small chunk still held afterwards (a leak of
 *     a view; LeakSanitizer reports leaked heap copies),
 *   - a parsed request breaks a documented promise (a header count above
 *     the limit, a subview outside its head, a body above the limit).
 *
 * Run: build-fuzz/tests/fuzz/fuzz_http CORPUS_DIR tests/fuzz/corpus
 * (see tests/fuzz/meson.build). A crash file replays with
 * build-fuzz/tests/fuzz/fuzz_http FILE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#define MAX_INPUT 16384u /* longer inputs are skipped */
#define SPLIT_BUF 1024u	 /* bytes per buffer of the split pool */
/* Buffers of the split pool: enough for 4096 one-byte pieces (libFuzzer's
 * default -max_len); longer inputs get pieces of at least
 * size / SPLIT_COUNT bytes. The leak check reads every buffer, so no
 * more than that. */
#define SPLIT_COUNT 4096u

static rv_pool *whole_pool, *split_pool;

/* ---- the outcome log ------------------------------------------------ */

struct log {
	uint8_t *p;
	size_t len, cap;
};

static void log_put(struct log *l, const void *p, size_t n)
{
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		while (cap < l->len + n)
			cap *= 2;
		l->p = realloc(l->p, cap);
		if (!l->p)
			abort();
		l->cap = cap;
	}
	memcpy(l->p + l->len, p, n);
	l->len += n;
}

static void log_printf(struct log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_printf(struct log *l, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	log_put(l, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A view's bytes, escaped so the log stays one line per event. */
static void log_view(struct log *l, const char *name, const rv_view *v)
{
	log_printf(l, " %s=", name);
	for (size_t i = 0; i < v->len; i++) {
		uint8_t c = v->data[i];
		if (c > 0x20 && c < 0x7f && c != '\\')
			log_put(l, &c, 1);
		else
			log_printf(l, "\\x%02x", c);
	}
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* ---- checks --------------------------------------------------------- */

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http: broken promise: %s\n", what);
		abort();
	}
}

static int inside(const rv_view *v, const rv_view *head)
{
	return v->data >= head->data && v->len <= head->len &&
	       (size_t)(v->data - head->data) <= head->len - v->len;
}

static void record_request(struct log *l, const struct rv_http_request *r,
			   const struct rv_http_limits *lim)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t n = rv_chain_count(&r->body);

	check(r->num_headers <= lim->max_headers, "header count above limit");
	check(rv_chain_len(&r->body) <= lim->max_body, "body above limit");
	check(r->head.len <= lim->max_head, "head above limit");
	check(inside(&r->method, &r->head) && inside(&r->target, &r->head) &&
		      inside(&r->version, &r->head),
	      "request-line subview outside the head");
	check(r->method.len && r->target.len && r->version.len == 8,
	      "empty method/target or odd version");
	log_printf(l, "request");
	log_view(l, "method", &r->method);
	log_view(l, "target", &r->target);
	log_view(l, "version", &r->version);
	log_printf(l, " keep_alive=%d flags=%#x headers=%u", r->keep_alive,
		   r->flags, r->num_headers);
	for (uint32_t i = 0; i < r->num_headers; i++) {
		const struct rv_http_header *hd = &r->headers[i];
		check(inside(&hd->name, &r->head) &&
			      inside(&hd->value, &r->head),
		      "header subview outside the head");
		h = fnv(h, hd->name.data, hd->name.len);
		h = fnv(h, (const uint8_t *)":", 1);
		h = fnv(h, hd->value.data, hd->value.len);
		h = fnv(h, (const uint8_t *)"\n", 1);
	}
	log_printf(l, " header_hash=%016llx", (unsigned long long)h);
	h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < n; i++) {
		const rv_view *v = rv_chain_at(&r->body, i);
		h = fnv(h, v->data, v->len);
	}
	log_printf(l, " body=%zu body_hash=%016llx\n", rv_chain_len(&r->body),
		   (unsigned long long)h);
}

/* ---- feeding -------------------------------------------------------- */

struct feed {
	rv_http_framer f;
	rv_chain in;
	const struct rv_http_limits *lim;
	struct log log;
	int done; /* an error ended the connection */
};

/* Frame and parse what |in| holds; log each request or the error. */
static void drain(struct feed *fd)
{
	struct rv_http_frame fr;
	struct rv_http_request *req;
	const char *why;
	int r;

	while (!fd->done) {
		r = rv_http_frame(&fd->f, &fd->in, &fr);
		if (r == 0)
			return;
		if (r < 0) {
			check(rv_http_status(r) >= 400, "error without status");
			log_printf(&fd->log, "frame error %d (%s): %s\n", r,
				   rv_strerror(r), rv_http_framer_why(&fd->f));
			fd->done = 1;
			return;
		}
		r = rv_http_parse(&fr, fd->lim, &req, &why);
		check(rv_view_is_null(&fr.head) && rv_chain_len(&fr.body) == 0,
		      "frame not emptied by rv_http_parse");
		if (r) {
			check(why != NULL, "parse error without a reason");
			log_printf(&fd->log, "parse error %d (%s): %s\n", r,
				   rv_strerror(r), why);
			fd->done = 1;
			return;
		}
		record_request(&fd->log, req, fd->lim);
		rv_http_request_free(req);
	}
}

/* Append |n| bytes at |p| as one receive of |pool|. */
static void receive(struct feed *fd, rv_pool *pool, const uint8_t *p, size_t n)
{
	rv_view v;

	if (rv_pool_get(pool, &v))
		abort(); /* sized so this cannot happen */
	memcpy(rv_view_mut(&v), p, n);
	rv_view_truncate(&v, n);
	if (rv_chain_append(&fd->in, &v))
		abort();
}

static void feed_start(struct feed *fd, const struct rv_http_limits *lim)
{
	memset(fd, 0, sizeof(*fd));
	rv_http_framer_init(&fd->f, lim);
	rv_chain_init(&fd->in);
	fd->lim = lim;
}

/* End a feeding: note what is left over, release everything. */
static void feed_end(struct feed *fd)
{
	if (!fd->done)
		log_printf(&fd->log, "end, %zu bytes left unframed\n",
			   rv_chain_len(&fd->in));
	rv_chain_release(&fd->in);
	rv_http_framer_fini(&fd->f);
}

static size_t piece_len(int mode, uint8_t param, uint32_t *rng, size_t off,
			size_t n)
{
	size_t k, least = (n + SPLIT_COUNT - 1) / SPLIT_COUNT;

	switch (mode) {
	case 0:
		k = 1 + param % 64u;
		break;
	case 1:
		*rng ^= *rng << 13;
		*rng ^= *rng >> 17;
		*rng ^= *rng << 5;
		k = 1 + *rng % 16u;
		break;
	case 2:
		k = 1;
		break;
	default: {
		size_t cut = n * param / 256u;
		k = off < cut ? cut - off : n - off;
		break;
	}
	}
	if (k < least)
		k = least;
	if (k > SPLIT_BUF)
		k = SPLIT_BUF;
	return k < n - off ? k : n - off;
}

static void pool_empty(rv_pool *pool, const char *which)
{
	struct rv_pool_stats st;

	rv_pool_stats(pool, &st);
	if (st.free != st.total || st.small_held) {
		fprintf(stderr,
			"fuzz_http: %s pool: %u of %u buffers and %u small "
			"chunks still held\n",
			which, st.total - st.free, st.total, st.small_held);
		rv_pool_leak_report(pool, stderr);
		abort();
	}
}

static void dump_log(const char *name, const struct log *l)
{
	fprintf(stderr, "--- %s:\n%.*s", name, (int)l->len, (const char *)l->p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rv_pool_config whole = {
		.count = 2, .size = MAX_INPUT, .flags = RV_POOL_TRACK_REFS};
	struct rv_pool_config split = {.count = SPLIT_COUNT,
				       .size = SPLIT_BUF,
				       .flags = RV_POOL_TRACK_REFS};

	(void)argc;
	(void)argv;
	if (rv_pool_create(&whole, &whole_pool) ||
	    rv_pool_create(&split, &split_pool)) {
		fprintf(stderr, "fuzz_http: cannot create the pools\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rv_http_limits small = {
		.max_head = 512, .max_headers = 8, .max_body = 1024};
	static const struct rv_http_limits deflt = {
		.max_head = RV_HTTP_DEFAULT_MAX_HEAD,
		.max_headers = RV_HTTP_DEFAULT_MAX_HEADERS,
		.max_body = RV_HTTP_DEFAULT_MAX_BODY};
	const struct rv_http_limits *lim;
	struct feed whole, split;
	uint32_t rng;
	int mode;
	uint8_t param;

	if (size < 2 || size - 2 > MAX_INPUT)
		return -1; /* not added to the corpus */
	mode = data[0] & 3;
	lim = data[0] & 4 ? &small : &deflt;
	param = data[1];
	rng = 0x9e3779b9u ^ param;
	data += 2;
	size -= 2;

	feed_start(&whole, lim);
	if (size)
		receive(&whole, whole_pool, data, size);
	drain(&whole);
	feed_end(&whole);

	feed_start(&split, lim);
	for (size_t off = 0; off < size && !split.done;) {
		size_t k = piece_len(mode, param, &rng, off, size);
		receive(&split, split_pool, data + off, k);
		off += k;
		drain(&split);
	}
	feed_end(&split);

	pool_empty(whole_pool, "whole");
	pool_empty(split_pool, "split");
	if (whole.log.len != split.log.len ||
	    memcmp(whole.log.p, split.log.p, whole.log.len)) {
		fprintf(stderr,
			"fuzz_http: split mode %d (param %u) gives "
			"other results than one piece\n",
			mode, param);
		dump_log("whole", &whole.log);
		dump_log("split", &split.log);
		abort();
	}
	free(whole.log.p);
	free(split.log.p);
	return 0;
}
