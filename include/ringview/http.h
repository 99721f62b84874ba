/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http.h - HTTP/1.1 requests framed and parsed as views of the receive
 * buffers.
 *
 * Two steps, usable apart or as two pipeline stages:
 *
 *   rv_http_frame  takes one request off the front of a connection's input
 *                  chain: its head (request line to blank line) as one
 *                  view and its body as a chain of views, chunk framing
 *                  removed. Incremental: call it again as bytes arrive;
 *                  any split of the input gives the same frames. It
 *                  checks the whole head as it goes (the body is never
 *                  cut on headers that are not known to be well-formed),
 *                  so most bad requests fail here.
 *   rv_http_parse  turns a frame into a request whose method, target,
 *                  version, header names and values are subviews of the
 *                  head, each holding its own reference, so any of them
 *                  may outlive the rest.
 *
 * Only the head is ever copied, and only when it straddles two receive
 * buffers (rv_chain_pullup; counted in the pool's bytes_copied). Bodies
 * are never copied.
 *
 * Strict by design (the input is hostile): lines end in CRLF; a bare CR or
 * LF, obs-fold, a NUL or control byte, an invalid token, a bad version,
 * Content-Length together with Transfer-Encoding, differing or malformed
 * Content-Length, a bad chunk size and a missing or repeated Host in
 * HTTP/1.1 are all rejected. Errors are negative errnos, each with an HTTP
 * status (rv_http_status) and a reason for logs.
 */
#ifndef RINGVIEW_HTTP_H
#define RINGVIEW_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "common.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits; a zero field takes its default. */
struct rv_http_limits {
	uint32_t max_head;     /* request line + headers + CRLF; 8192 */
	uint32_t max_headers;  /* header fields; 100 */
	uint64_t max_body;     /* decoded body bytes; 1 MiB */
	uint64_t _reserved[2]; /* zero: see common.h, structs that grow */
};
#define RV_HTTP_DEFAULT_MAX_HEAD    8192u
#define RV_HTTP_DEFAULT_MAX_HEADERS 100u
#define RV_HTTP_DEFAULT_MAX_BODY    (1024u * 1024u)

/*
 * Errors and the status each answers with (rv_http_status):
 *   -EBADMSG          400 malformed request (also: a Transfer-Encoding
 *                         whose last coding is not chunked)
 *   -ENAMETOOLONG     414 request line alone larger than max_head
 *   -EMSGSIZE         431 head larger than max_head, too many headers
 *   -EFBIG            413 body larger than max_body
 *   -ENOTSUP          501 a transfer coding other than chunked before
 *                         the final chunked
 *   -EPROTONOSUPPORT  505 an HTTP major version other than 1
 */
RV_EXPORT int rv_http_status(int err);

/* rv_http_reason: the reason phrase of |status| ("Not Found"), or
 * "Unknown". */
RV_EXPORT const char *rv_http_reason(int status);

/* ---- framing -------------------------------------------------------- */

#define RV_HTTP_CHUNKED		0x1u /* body came chunked */
#define RV_HTTP_EXPECT_CONTINUE 0x2u /* Expect: 100-continue */

/* One request as it came off the wire; owns its views. */
struct rv_http_frame {
	rv_view head;  /* request line through the blank line */
	rv_chain body; /* decoded body; empty when there is none */
	uint32_t flags;
	struct rv_http_request *_req; /* the scan's results, for parse */
};

/* Framer state for one connection. Fields are private. */
typedef struct rv_http_framer {
	struct rv_http_limits _lim;
	uint32_t _state;
	uint32_t _flags;
	size_t _scanned;     /* head bytes searched for its end so far */
	uint64_t _left;	     /* bytes left in the body or current chunk */
	uint64_t _body_len;  /* decoded body bytes so far */
	size_t _trailer_len; /* trailer bytes so far */
	rv_view _head;	     /* head of the request whose body is awaited */
	rv_chain _body;
	rv_chain _tail; /* newest body pieces, gathered when tiny */
	struct rv_http_request *_req; /* fields of _head, not yet owners */
	const char *_why;
	int _err; /* the error that stopped it (S_FAILED), or 0 */
	bool _continue_due;
} rv_http_framer;

/* rv_http_framer_init prepares |f| with |lim| (NULL: defaults). */
RV_EXPORT void rv_http_framer_init(rv_http_framer *f,
				   const struct rv_http_limits *lim);

/* rv_http_framer_fini releases a partly framed request. */
RV_EXPORT void rv_http_framer_fini(rv_http_framer *f);

/*
 * rv_http_frame takes the next request off the front of |in|. Returns 1
 * with |*out| set (the caller owns it: rv_http_frame_release), 0 when it
 * needs more bytes (those of a partial body move from |in| into the
 * framer), or a negative errno (see rv_http_status) after which the
 * connection must be closed: the framer keeps failing. Bytes after a
 * complete request stay in |in| (pipelining).
 */
RV_EXPORT int rv_http_frame(rv_http_framer *f, rv_chain *in,
			    struct rv_http_frame *out);

/* rv_http_framer_in_body: true while a request's head has been framed and
 * its body (or its trailers) has not all arrived - for a body timeout.
 * (Otherwise the bytes of the next head, if any, wait in the caller's
 * chain.) */
RV_EXPORT bool rv_http_framer_in_body(const rv_http_framer *f);

/* rv_http_framer_why: why the last error happened, for logs. */
RV_EXPORT const char *rv_http_framer_why(const rv_http_framer *f);

/* rv_http_framer_take_continue: true, once, when a head with
 * "Expect: 100-continue" was framed and its body has not all arrived: the
 * server should now send "HTTP/1.1 100 Continue". */
RV_EXPORT bool rv_http_framer_take_continue(rv_http_framer *f);

/*
 * rv_http_framer_detach moves the body |f| keeps of a request not yet
 * whole out of the receive buffers it pins, into memory of its own
 * (rv_chain_detach): for a connection at its budget while a client
 * trickles a body. (The head is one buffer at most, and an incomplete
 * head stays in the caller's chain: rv_chain_detach that.) 0 or -ENOMEM
 * (then some of it may still pin buffers).
 */
RV_EXPORT int rv_http_framer_detach(rv_http_framer *f);

/* rv_http_frame_release releases the frame's views. */
RV_EXPORT void rv_http_frame_release(struct rv_http_frame *fr);

/* ---- parsing -------------------------------------------------------- */

struct rv_http_header {
	rv_view name;  /* as sent; compare with rv_http_token_eq */
	rv_view value; /* without leading and trailing whitespace */
};

struct rv_http_request {
	rv_view head;	/* the whole head */
	rv_view method; /* subviews of head ... */
	rv_view target;
	rv_view version; /* "HTTP/1.1" */
	uint8_t version_major, version_minor;
	bool keep_alive;       /* per version and Connection */
	uint32_t flags;	       /* RV_HTTP_CHUNKED, RV_HTTP_EXPECT_CONTINUE */
	rv_chain body;	       /* from the frame */
	uint64_t _field_bytes; /* bytes the field views cover */
	uint32_t num_headers;
#ifdef __cplusplus
/* ISO C++ has no flexible array member; g++ and clang++ accept one as an
 * extension, which -pedantic would report in every C++ user's build. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
	struct rv_http_header headers[]; /* num_headers entries */
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif
};

/*
 * rv_http_parse parses |fr|'s head into a new request (|*out|, freed with
 * rv_http_request_free) that takes over the frame's views; |fr| is empty
 * afterwards, also on failure. Returns 0, -EBADMSG, -EMSGSIZE (more than
 * |lim|->max_headers), -EPROTONOSUPPORT or -ENOMEM; |*why| (may be NULL)
 * then says what was wrong.
 */
RV_EXPORT int rv_http_parse(struct rv_http_frame *fr,
			    const struct rv_http_limits *lim,
			    struct rv_http_request **out, const char **why);

/* rv_http_request_free releases every view of |r| and frees it. NULL is a
 * no-op. */
RV_EXPORT void rv_http_request_free(struct rv_http_request *r);

/* rv_http_request_tag tags every view of |r| with |stage| (rv_view_tag). */
RV_EXPORT void rv_http_request_tag(struct rv_http_request *r,
				   const char *stage);

/* rv_http_find_header: the first header called |name| (any case), or
 * NULL. Borrowed: valid while |r| lives. */
RV_EXPORT const struct rv_http_header *rv_http_find_header(
	const struct rv_http_request *r, const char *name);

/* rv_http_token_eq: |v| equals |s| ignoring ASCII case. */
RV_EXPORT bool rv_http_token_eq(const rv_view *v, const char *s);

/* ---- as pipeline stages (ringview/pipeline.h) -------------------------
 *
 * The framer and parser do not need pipelines; these calls carry their
 * results through one (src/proto/http_pipeline.c). The message types are
 * declared in pipeline.h, which a program using them includes.
 */
struct rv_msg;
struct rv_msg_ops;

/*
 * rv_http_frame_to_msg moves |fr| into the empty pipeline message |m|
 * (head, body, flags, and what the framer learnt of the head, so parsing
 * does not scan it again); rv_http_frame_from_msg moves such a message
 * back into |fr|. Either leaves its source empty.
 */
RV_EXPORT void rv_http_frame_to_msg(struct rv_http_frame *fr, struct rv_msg *m);
RV_EXPORT void rv_http_frame_from_msg(struct rv_msg *m,
				      struct rv_http_frame *fr);

/* rv_http_request_ops lets a request be a pipeline message's obj. */
RV_EXPORT extern const struct rv_msg_ops rv_http_request_ops;

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_HTTP_H */
