/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_internal.h - what the HTTP framer and parser share: the one-pass
 * scan of a request head (http_scan.c) and the request it is turned into
 * (http_parse.c).
 */
#ifndef RINGVIEW_HTTP_INTERNAL_H
#define RINGVIEW_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ringview/http.h"

/* Optional white space (RFC 9110 5.6.3): a space or a horizontal tab. */
static inline bool rv__http_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

struct rv__http_span {
	uint32_t off, len;
};

struct rv__http_field {
	struct rv__http_span name, value;
};

/* What a scan found: where things lie, and what frames the body. */
struct rv__http_scan {
	struct rv__http_span method, target, version;
	uint8_t major, minor;
	bool keep_alive;	/* the connection persists (set at the end) */
	bool keep_alive_listed; /* Connection lists keep-alive */
	bool close;		/* Connection lists close */
	bool has_length;	/* Content-Length seen (all equal) */
	bool has_te;		/* Transfer-Encoding seen */
	bool chunked;		/* ... and its last coding so far is chunked */
	bool te_other;		/* ... and lists a coding other than chunked */
	bool expect_continue;
	uint64_t length;
	uint32_t num; /* header fields */
	uint32_t cap; /* room in |fields| */
	struct rv__http_field *fields;
	bool fields_heap; /* |fields| was grown onto the heap */
	const char *why;  /* set with an error */
};

/* Fields a scan keeps on the caller's stack before using the heap. */
#define RV__HTTP_STACK_FIELDS 64

/*
 * rv__http_scan_head checks the head at |p| (|len| bytes available, the
 * limit already applied) against the grammar and the framing rules, and
 * fills |s| (whose |fields|/|cap| the caller provides). Returns the
 * head's length once its blank line is found, 0 when more bytes are
 * needed, or a negative errno with |s->why|. Never reads past p + len.
 */
int rv__http_scan_head(const uint8_t *p, size_t len, uint32_t max_headers,
		       struct rv__http_scan *s);

/* Free what a scan put on the heap. */
void rv__http_scan_fini(struct rv__http_scan *s);

/* A request whose field views point into |head|'s buffer but hold no
 * reference yet (rv_http_parse makes them owners); its own head is still
 * cleared. NULL on -ENOMEM. */
struct rv_http_request *rv__http_request_new(const struct rv__http_scan *s,
					     const rv_view *head);

/* Free a request made by rv__http_request_new that never became an
 * owner (its views hold nothing). */
void rv__http_request_discard(struct rv_http_request *r);

#endif
