/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_parse.c - an HTTP/1.1 request whose fields are subviews of its head.
 *
 * The scan (http_scan.c) already checked the head and found where every
 * field lies - usually inside rv_http_frame, which needed the framing
 * headers anyway. What is left is to make each field a view of the head
 * with its own reference. All of them share the head's buffer, so the
 * references are taken, and given back in rv_http_request_free, as one
 * count instead of one at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "proto/http_internal.h"

/* The views of |r| other than head: method, target, version, then each
 * header's name and value. */
#define FIELD_VIEWS(r) (3u + 2u * (r)->num_headers)

static rv_view *field_view(struct rv_http_request *r, uint32_t i)
{
	if (i < 3)
		return i == 0 ? &r->method : i == 1 ? &r->target : &r->version;
	i -= 3;
	return i % 2 ? &r->headers[i / 2].value : &r->headers[i / 2].name;
}

struct rv_http_request *rv__http_request_new(const struct rv__http_scan *s,
					     const rv_view *head)
{
	struct rv_http_request *r =
		malloc(sizeof(*r) + s->num * sizeof(r->headers[0]));
	/* Every field is a view of |head|'s buffer, complete but for its
	 * reference, which rv_http_parse adds for all of them at once. */
	rv_view v = {
		._buf = head->_buf, ._gen = head->_gen, ._flags = head->_flags};
	uint64_t bytes = s->method.len + s->target.len + s->version.len;

	if (!r)
		return NULL;
#define FIELD(dst, sp) \
	(v.data = head->data + (sp).off, v.len = (sp).len, (dst) = v)
	r->head = RV_VIEW_INIT;
	FIELD(r->method, s->method);
	FIELD(r->target, s->target);
	FIELD(r->version, s->version);
	for (uint32_t i = 0; i < s->num; i++) {
		FIELD(r->headers[i].name, s->fields[i].name);
		FIELD(r->headers[i].value, s->fields[i].value);
		bytes += s->fields[i].name.len + s->fields[i].value.len;
	}
#undef FIELD
	r->version_major = s->major;
	r->version_minor = s->minor;
	r->keep_alive = s->keep_alive;
	r->flags = (s->chunked ? RV_HTTP_CHUNKED : 0) |
		   (s->expect_continue ? RV_HTTP_EXPECT_CONTINUE : 0);
	rv_chain_init(&r->body);
	r->num_headers = s->num;
	r->_field_bytes = bytes;
	return r;
}

void rv__http_request_discard(struct rv_http_request *r)
{
	free(r); /* its views never held a reference */
}

/* Make the field views of |r| owners: one reference each on r->head's
 * buffer, counted in one step. */
static void own_fields(struct rv_http_request *r)
{
	struct rv_buf *b = r->head._buf;
	uint32_t n = FIELD_VIEWS(r);

	if (!b)
		return; /* a head that is no buffer's: nothing to count */
	rv__buf_refs_add(b, n, r->_field_bytes);
	if (RV_UNLIKELY(b->_flags & RV__BUF_TRACKED))
		for (uint32_t i = 0; i < n; i++)
			field_view(r, i)->_site = rv__track_add(b, RV__SITE);
}

/* Scan a head that did not come from rv_http_frame. */
static int scan_frame(const struct rv_http_frame *fr, uint32_t max,
		      struct rv_http_request **out, const char **why)
{
	struct rv__http_field stack[RV__HTTP_STACK_FIELDS];
	struct rv__http_scan s = {.fields = stack,
				  .cap = RV__HTTP_STACK_FIELDS};
	int r = rv__http_scan_head(fr->head.data, fr->head.len, max, &s);

	if (r >= 0 && (size_t)r != fr->head.len) {
		s.why = r ? "bytes after the head"
			  : "head without a blank line";
		r = -EBADMSG;
	}
	if (r >= 0) {
		*out = rv__http_request_new(&s, &fr->head);
		if (!*out) {
			s.why = "out of memory";
			r = -ENOMEM;
		}
	}
	*why = s.why;
	rv__http_scan_fini(&s);
	return r < 0 ? r : 0;
}

int rv_http_parse(struct rv_http_frame *fr, const struct rv_http_limits *lim,
		  struct rv_http_request **out, const char **why)
{
	uint32_t max = lim && lim->max_headers ? lim->max_headers
					       : RV_HTTP_DEFAULT_MAX_HEADERS;
	struct rv_http_request *r = fr->_req;
	const char *reason = NULL;
	int err = 0;

	fr->_req = NULL;
	if (!r && !fr->head.len) {
		err = -EBADMSG;
		reason = "empty request head";
	} else if (!r) {
		err = scan_frame(fr, max, &r, &reason);
	}
	if (why)
		*why = reason;
	if (err) {
		rv_http_frame_release(fr);
		return err;
	}
	r->head = fr->head;
	fr->head = RV_VIEW_INIT;
	r->body = fr->body;
	rv_chain_init(&fr->body);
	r->flags = fr->flags;
	own_fields(r);
	*out = r;
	return 0;
}

void rv_http_request_free(struct rv_http_request *r)
{
	struct rv_buf *b;
	uint32_t n = 0;
	uint64_t live = 0;

	if (!r)
		return;
	b = r->head._buf;
	if (b)
		rv__view_check(&r->head, "rv_http_request_free");
	/* Fields still on the head's buffer go back in one count; one the
	 * caller replaced or released is handled like any view. */
	for (uint32_t i = 0; i < FIELD_VIEWS(r); i++) {
		rv_view *v = field_view(r, i);
		if (b && v->_buf == b && v->_gen == r->head._gen) {
			if (RV_UNLIKELY(b->_flags & RV__BUF_TRACKED))
				rv__track_drop(b, v->_site);
			live += v->len;
			n++;
		} else {
			rv_view_release(v);
		}
	}
	if (n) {
		/* The head holds one more reference than its fields. */
		rv__buf_refs_drop(b, n, live);
	}
	rv_view_release(&r->head);
	rv_chain_release(&r->body);
	free(r);
}

void rv_http_request_tag(struct rv_http_request *r, const char *stage)
{
	uint32_t n = rv_chain_count(&r->body);

	for (uint32_t i = 0; i < r->num_headers; i++) {
		rv_view_tag(&r->headers[i].name, stage);
		rv_view_tag(&r->headers[i].value, stage);
	}
	rv_view_tag(&r->method, stage);
	rv_view_tag(&r->target, stage);
	rv_view_tag(&r->version, stage);
	rv_view_tag(&r->head, stage);
	for (uint32_t i = 0; i < n; i++)
		rv_view_tag((rv_view *)rv_chain_at(&r->body, i), stage);
}

bool rv_http_token_eq(const rv_view *v, const char *s)
{
	return rv_view_eq_nocase(v, s, strlen(s));
}

const struct rv_http_header *rv_http_find_header(
	const struct rv_http_request *r, const char *name)
{
	for (uint32_t i = 0; i < r->num_headers; i++)
		if (rv_http_token_eq(&r->headers[i].name, name))
			return &r->headers[i];
	return NULL;
}
