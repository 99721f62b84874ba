/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/corpus_run.c - outcomes of the corpus's cases flattened into
 * plain bytes and compared, and the runner that feeds a case through a
 * framer and rv_http_parse; see corpus.h.
 */
#include "corpus.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- outcomes ------------------------------------------------------- */

struct bytes bytes_of(const void *p, size_t n)
{
	struct bytes b = {malloc(n ? n : 1), n};

	cr_assert_not_null(b.p);
	if (n)
		memcpy(b.p, p, n);
	return b;
}

static struct bytes str_bytes(const char *s)
{
	return bytes_of(s, strlen(s));
}

struct flat_req *outcome_add(struct outcome *o)
{
	struct flat_req *r;

	cr_assert_lt(o->num, OUTCOME_MAX_REQS, "more than %d requests",
		     OUTCOME_MAX_REQS);
	r = &o->reqs[o->num++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct flat_header *flat_add_header(struct flat_req *r)
{
	struct flat_header *h =
		realloc(r->headers, (r->num_headers + 1) * sizeof(*h));

	cr_assert_not_null(h);
	r->headers = h;
	h += r->num_headers++;
	memset(h, 0, sizeof(*h));
	return h;
}

void outcome_expected(const struct corpus_case *c, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < c->num_reqs; i++) {
		const struct corpus_req *q = &c->reqs[i];
		struct flat_req *r = outcome_add(o);

		r->method = str_bytes(q->method);
		r->target = str_bytes(q->target);
		r->body = bytes_of(q->body, q->body_len);
		r->major = 1;
		r->minor = q->minor;
		r->keep_alive = q->keep_alive;
		for (const struct corpus_header *h = q->headers; h->name; h++) {
			struct flat_header *fh = flat_add_header(r);
			fh->name = str_bytes(h->name);
			fh->value = str_bytes(h->value);
		}
	}
	o->err = c->err;
	o->pending = c->pending;
}

void outcome_add_request(struct outcome *o, const struct rv_http_request *q)
{
	struct flat_req *r = outcome_add(o);
	size_t n = rv_chain_len(&q->body);

	r->method = bytes_of(q->method.data, q->method.len);
	r->target = bytes_of(q->target.data, q->target.len);
	r->body = bytes_of(NULL, 0);
	r->body.len = n;
	if (n) {
		free(r->body.p);
		r->body.p = malloc(n);
		cr_assert_not_null(r->body.p);
		cr_assert_eq(rv_chain_copy_out(&q->body, 0, r->body.p, n), 0);
	}
	r->major = q->version_major;
	r->minor = q->version_minor;
	r->keep_alive = q->keep_alive;
	for (uint32_t i = 0; i < q->num_headers; i++) {
		struct flat_header *h = flat_add_header(r);
		h->name = bytes_of(q->headers[i].name.data,
				   q->headers[i].name.len);
		h->value = bytes_of(q->headers[i].value.data,
				    q->headers[i].value.len);
	}
}

void outcome_free(struct outcome *o)
{
	for (unsigned i = 0; i < o->num; i++) {
		struct flat_req *r = &o->reqs[i];
		for (uint32_t j = 0; j < r->num_headers; j++) {
			free(r->headers[j].name.p);
			free(r->headers[j].value.p);
		}
		free(r->headers);
		free(r->method.p);
		free(r->target.p);
		free(r->body.p);
	}
	memset(o, 0, sizeof(*o));
}

/* |b| printable: escapes, cut after 48 bytes. */
static const char *show(const struct bytes *b, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < b->len && o + 8 < size; i++) {
		uint8_t c = b->p[i];
		if (i == 48) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

static bool bytes_eq(const struct bytes *a, const struct bytes *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

static const char *differ(char *why, size_t n, unsigned i, const char *what,
			  const struct bytes *a, const struct bytes *b)
{
	char sa[256], sb[256];

	snprintf(why, n, "request %u: %s \"%s\" vs \"%s\"", i, what,
		 show(a, sa, sizeof(sa)), show(b, sb, sizeof(sb)));
	return why;
}

static const char *req_diff(const struct flat_req *a, const struct flat_req *b,
			    unsigned i, char *why, size_t n)
{
	if (!bytes_eq(&a->method, &b->method))
		return differ(why, n, i, "method", &a->method, &b->method);
	if (!bytes_eq(&a->target, &b->target))
		return differ(why, n, i, "target", &a->target, &b->target);
	if (a->major != b->major || a->minor != b->minor) {
		snprintf(why, n, "request %u: version %u.%u vs %u.%u", i,
			 a->major, a->minor, b->major, b->minor);
		return why;
	}
	if (a->keep_alive != b->keep_alive) {
		snprintf(why, n, "request %u: keep_alive %d vs %d", i,
			 a->keep_alive, b->keep_alive);
		return why;
	}
	if (a->num_headers != b->num_headers) {
		snprintf(why, n, "request %u: %u headers vs %u", i,
			 a->num_headers, b->num_headers);
		return why;
	}
	for (uint32_t j = 0; j < a->num_headers; j++) {
		const struct flat_header *x = &a->headers[j],
					 *y = &b->headers[j];
		if (!bytes_eq(&x->name, &y->name))
			return differ(why, n, i, "header name", &x->name,
				      &y->name);
		if (!bytes_eq(&x->value, &y->value))
			return differ(why, n, i, "header value", &x->value,
				      &y->value);
	}
	if (!bytes_eq(&a->body, &b->body))
		return differ(why, n, i, "body", &a->body, &b->body);
	return NULL;
}

const char *outcome_diff(const struct outcome *a, const struct outcome *b,
			 bool same_err, char *why, size_t why_len)
{
	unsigned n = a->num < b->num ? a->num : b->num;

	for (unsigned i = 0; i < n; i++)
		if (req_diff(&a->reqs[i], &b->reqs[i], i, why, why_len))
			return why;
	if (a->num != b->num) {
		snprintf(why, why_len, "%u requests vs %u", a->num, b->num);
		return why;
	}
	if ((a->err != 0) != (b->err != 0) || (same_err && a->err != b->err)) {
		snprintf(why, why_len, "error %d (%s) vs %d (%s)", a->err,
			 a->err ? rv_strerror(a->err) : "none", b->err,
			 b->err ? rv_strerror(b->err) : "none");
		return why;
	}
	if (a->pending != b->pending) {
		snprintf(why, why_len, "pending %d vs %d", a->pending,
			 b->pending);
		return why;
	}
	return NULL;
}

/* ---- running ringview ----------------------------------------------- */

static void heap_free(void *ctx, void *ptr, size_t len)
{
	(void)ctx, (void)len;
	free(ptr);
}

static void heap_piece(struct feeder *fd, const uint8_t *p, size_t n,
		       rv_view *out)
{
	void *copy = malloc(n);

	(void)fd;
	cr_assert_not_null(copy);
	memcpy(copy, p, n);
	cr_assert_eq(rv_view_wrap(copy, n, heap_free, NULL, out), 0);
}

struct feeder heap_feeder = {.piece = heap_piece};

/* Every view |r| hands out is a subview of its head. */
static void check_views(const struct rv_http_request *r)
{
	const rv_view *h = &r->head;

	cr_assert_eq(r->version_major, 1);
	cr_assert(r->version.len == 8 && !memcmp(r->version.data, "HTTP/1.", 7),
		  "version %.*s", (int)r->version.len,
		  (const char *)r->version.data);
	for (uint32_t i = 0; i < 2 * r->num_headers + 3; i++) {
		const rv_view *v = i == 0   ? &r->method
				   : i == 1 ? &r->target
				   : i == 2 ? &r->version
				   : i % 2  ? &r->headers[(i - 3) / 2].name
					    : &r->headers[(i - 3) / 2].value;
		cr_assert_eq(v->_buf, h->_buf, "view %u not of the head", i);
		cr_assert(v->data >= h->data &&
				  v->data + v->len <= h->data + h->len,
			  "view %u outside the head", i);
	}
}

/* Frames and parses all it can; the error, or 0. */
static int drain(const struct corpus_case *c, rv_http_framer *f, rv_chain *in,
		 struct feeder *fd, bool trickled, struct outcome *o)
{
	for (;;) {
		struct rv_http_frame fr = {.head = RV_VIEW_INIT};
		struct rv_http_request *req = NULL;
		const char *why = NULL;
		int r = rv_http_frame(f, in, &fr), err;

		if (r == 0)
			return 0;
		if (r < 0) {
			cr_assert_eq(rv_http_frame(f, in, &fr), r,
				     "%s: a failed framer must fail again",
				     c->name);
			cr_assert_str_neq(rv_http_framer_why(f), "no error");
			return r;
		}
		cr_assert_eq(r, 1);
		/* Zero-copy bodies, unless cut into so many tiny pieces that
		 * the framer gathers them (8 pieces under 2 KiB). */
		for (uint32_t i = 0;
		     fd->owns && !trickled && i < rv_chain_count(&fr.body);
		     i++) {
			const rv_view *v = rv_chain_at(&fr.body, i);
			cr_assert(fd->owns(fd, v->data, v->len),
				  "%s: body view %u was copied", c->name, i);
		}
		err = rv_http_parse(&fr, c->limits, &req, &why);
		cr_assert(rv_view_is_null(&fr.head) && !rv_chain_len(&fr.body),
			  "%s: parse left the frame set", c->name);
		if (err) {
			cr_assert_null(req);
			cr_assert_not_null(why);
			return err;
		}
		check_views(req);
		outcome_add_request(o, req);
		rv_http_request_free(req);
	}
}

void corpus_run(const struct corpus_case *c, const size_t *cuts, unsigned nc,
		struct feeder *fd, struct outcome *o)
{
	rv_http_framer f;
	rv_chain in = RV_CHAIN_INIT;
	size_t start = 0;

	memset(o, 0, sizeof(*o));
	rv_http_framer_init(&f, c->limits);
	for (unsigned i = 0; i <= nc && !o->err; i++) {
		size_t end = i < nc ? cuts[i] : c->len;

		cr_assert_geq(end, start);
		if (end > start) {
			rv_view v;
			fd->piece(fd, (const uint8_t *)c->raw + start,
				  end - start, &v);
			cr_assert_eq(rv_chain_append(&in, &v), 0);
		}
		start = end;
		o->err = drain(c, &f, &in, fd, nc + 1 >= 8, o);
	}
	/* Pending: bytes of a head wait in |in|, or the framer holds the
	 * head of a request whose body has not all come (private field: the
	 * API has no "idle" query). */
	o->pending =
		!o->err && (rv_chain_len(&in) || !rv_view_is_null(&f._head));
	rv_http_framer_fini(&f);
	rv_chain_release(&in);
}
