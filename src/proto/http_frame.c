/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_frame.c - cut HTTP/1.1 requests out of a connection's byte stream.
 *
 * The framer finds where a request head ends, reads the three headers that
 * decide how long the body is (Content-Length, Transfer-Encoding) or how
 * the client waits for it (Expect), and collects the body as views: a
 * Content-Length body is taken as it lies in the receive buffers, a
 * chunked body has its framing consumed and its data taken chunk by
 * chunk. Everything else in the head is left to rv_http_parse.
 *
 * State survives between calls, so bytes may arrive in any pieces. The
 * only bytes ever copied are a head that straddles two receive buffers
 * (pulled up into one) and chunk-size lines (at most CHUNK_LINE_MAX bytes,
 * copied to a stack buffer to be read).
 */
#include <errno.h>
#include <string.h>

#include "core/core_internal.h"
#include "proto/http_internal.h"

#define CHUNK_LINE_MAX 4096 /* chunk size plus extensions */

/* A client that sends its body a few bytes per packet would pin one
 * receive buffer per packet. Body pieces wait in a tail chain; when
 * TRICKLE_VIEWS of them hold fewer than TRICKLE_BYTES, they are copied
 * into one buffer. Bodies that arrive in full buffers are never copied. */
#define TRICKLE_VIEWS 8
#define TRICKLE_BYTES 2048

enum state {
	S_HEAD = 0,
	S_BODY,	      /* Content-Length bytes still to come */
	S_CHUNK_SIZE, /* a chunk-size line */
	S_CHUNK_DATA, /* chunk data */
	S_CHUNK_CRLF, /* the CRLF after chunk data */
	S_TRAILERS,   /* trailer lines up to the blank line */
	S_FAILED,
};

/* Private flag: a 100 Continue was already due for this request. */
#define F_CONTINUE_SIGNALLED 0x100u

void rv_http_framer_init(rv_http_framer *f, const struct rv_http_limits *lim)
{
	memset(f, 0, sizeof(*f));
	if (lim)
		f->_lim = *lim;
	if (!f->_lim.max_head)
		f->_lim.max_head = RV_HTTP_DEFAULT_MAX_HEAD;
	if (!f->_lim.max_headers)
		f->_lim.max_headers = RV_HTTP_DEFAULT_MAX_HEADERS;
	if (!f->_lim.max_body)
		f->_lim.max_body = RV_HTTP_DEFAULT_MAX_BODY;
	rv_chain_init(&f->_body);
	rv_chain_init(&f->_tail);
}

void rv_http_framer_fini(rv_http_framer *f)
{
	rv__http_request_discard(f->_req);
	f->_req = NULL;
	rv_view_release(&f->_head);
	rv_chain_release(&f->_body);
	rv_chain_release(&f->_tail);
}

int rv_http_framer_detach(rv_http_framer *f)
{
	/* The head stays: the scan's fields point into its buffer (they
	 * become references at parse time), and it is one buffer at most. */
	int err = rv_chain_detach(&f->_body);

	return err ? err : rv_chain_detach(&f->_tail);
}

void rv_http_frame_release(struct rv_http_frame *fr)
{
	rv__http_request_discard(fr->_req);
	fr->_req = NULL;
	rv_view_release(&fr->head);
	rv_chain_release(&fr->body);
	fr->flags = 0;
}

bool rv_http_framer_in_body(const rv_http_framer *f)
{
	return f->_state != S_HEAD && f->_state != S_FAILED;
}

const char *rv_http_framer_why(const rv_http_framer *f)
{
	return f->_why ? f->_why : "no error";
}

bool rv_http_framer_take_continue(rv_http_framer *f)
{
	bool due = f->_continue_due;

	f->_continue_due = false;
	return due;
}

static int fail(rv_http_framer *f, int err, const char *why)
{
	f->_state = S_FAILED;
	f->_why = why;
	/* A 100 Continue not yet sent is no longer due. */
	f->_continue_due = false;
	/* Remember the error: every later call returns it again. */
	f->_err = err;
	rv__http_request_discard(f->_req);
	f->_req = NULL;
	rv_view_release(&f->_head);
	rv_chain_release(&f->_body);
	rv_chain_release(&f->_tail);
	return err;
}

/* Set up the body's framing from the scanned head. */
static int start_body(rv_http_framer *f, const struct rv__http_scan *s)
{
	if (s->expect_continue)
		f->_flags |= RV_HTTP_EXPECT_CONTINUE;
	if (s->chunked) {
		f->_flags |= RV_HTTP_CHUNKED;
		f->_state = S_CHUNK_SIZE;
		return 0;
	}
	if (s->length > f->_lim.max_body)
		return fail(f, -EFBIG, "Content-Length above the body limit");
	f->_left = s->length;
	f->_state = S_BODY;
	return 0;
}

/* The head is the first |n| bytes of |in|, scanned into |s|: take it. */
static int take_scanned(rv_http_framer *f, rv_chain *in, size_t n,
			struct rv__http_scan *s)
{
	int err = rv_chain_take_view(in, n, &f->_head);

	if (err)
		return fail(f, err, "out of memory for the request head");
	f->_req = rv__http_request_new(s, &f->_head);
	if (!f->_req)
		return fail(f, -ENOMEM, "out of memory for the request");
	f->_scanned = 0;
	f->_flags = 0;
	f->_body_len = 0;
	f->_trailer_len = 0;
	err = start_body(f, s);
	return err ? err : 1;
}

/* At the head limit: 414 when the request line alone passes it (no line
 * end within the limit, RFC 9112 3), else 431. */
static int too_large(rv_http_framer *f, const rv_chain *in)
{
	ssize_t lf = rv_chain_find_byte(in, 0, '\n');

	if (lf < 0 || (size_t)lf >= f->_lim.max_head)
		return fail(f, -ENAMETOOLONG,
			    "request line longer than the head limit");
	return fail(f, -EMSGSIZE, "request head larger than the limit");
}

/* A head that trickles in a few bytes per receive would pin a receive
 * buffer per piece, and make every search walk all the pieces: past
 * TRICKLE_VIEWS pieces, copy them into one buffer (at most max_head bytes,
 * since an incomplete head is never longer). */
static void gather_head(rv_chain *in)
{
	rv_view all;

	if (rv_chain_count(in) <= TRICKLE_VIEWS)
		return;
	if (rv_chain_pullup(in, rv_chain_len(in), &all) == 0)
		rv_view_release(&all); /* the chain keeps the copy */
}

/* Skip empty lines before a request: a server should ignore them (RFC
 * 9112 2.2); they cost nothing and are never kept. */
static void skip_empty_lines(rv_chain *in)
{
	uint8_t two[2];

	while (rv_chain_copy_out(in, 0, two, 2) == 0 && two[0] == '\r' &&
	       two[1] == '\n')
		rv_chain_consume(in, 2);
}

/*
 * Find, check and take the head: 1, 0 for more bytes, or fail. Usually
 * the whole head is in the first view and one scan of it does everything.
 * Otherwise the end is searched for across views from where the last
 * search stopped (so a head that trickles in costs linear time), and the
 * head is scanned once it is complete.
 */
static int find_head(rv_http_framer *f, rv_chain *in, struct rv__http_scan *s)
{
	size_t len, max = f->_lim.max_head;
	ssize_t at;
	int r;

	if (f->_scanned == 0) {
		const rv_view *first;
		size_t n;

		skip_empty_lines(in);
		first = rv_chain_at(in, 0);
		if (!first || (rv_chain_len(in) == 1 && first->data[0] == '\r'))
			return 0; /* maybe the start of an empty line */
		n = first->len < max ? first->len : max;
		r = rv__http_scan_head(first->data, n, f->_lim.max_headers, s);
		if (r > 0)
			return take_scanned(f, in, (size_t)r, s);
		if (r < 0) {
			/* Fail as the path below would with these bytes in
			 * any pieces: any split must fail alike. */
			const uint8_t *end =
				memmem(first->data, n, "\r\n\r\n", 4);
			const uint8_t *lf = memmem(first->data, n, "\n\n", 2);
			if (lf && (!end || lf < end))
				return fail(f, -EBADMSG,
					    "bare LF (lines must end in CRLF)");
			if (end)
				return fail(f, r, s->why);
		}
		if (n == max)
			return too_large(f, in);
	}
	len = rv_chain_len(in);
	at = rv_chain_find(in, f->_scanned, "\r\n\r\n", 4);
	{
		/* A head ended by bare LFs would never complete: an empty
		 * bare-LF line before the end (within the limit) fails. */
		ssize_t lf = rv_chain_find(in, f->_scanned, "\n\n", 2);
		if (lf >= 0 && (at < 0 || lf < at) && (size_t)lf + 2 <= max)
			return fail(f, -EBADMSG,
				    "bare LF (lines must end in CRLF)");
	}
	if (at < 0) {
		if (len >= max)
			return too_large(f, in);
		f->_scanned = len >= 3 ? len - 3 : 0;
		gather_head(in);
		return 0;
	}
	if ((size_t)at + 4 > max)
		return too_large(f, in);
	/* The head lies across views: make it one (a copy), then scan. */
	{
		rv_view head;
		if (rv_chain_pullup(in, (size_t)at + 4, &head))
			return fail(f, -ENOMEM,
				    "out of memory for the request head");
		r = rv__http_scan_head(head.data, head.len, f->_lim.max_headers,
				       s);
		rv_view_release(&head);
	}
	if (r < 0)
		return fail(f, r, s->why);
	if ((size_t)r != (size_t)at + 4)
		return fail(f, -EBADMSG, "malformed request head");
	return take_scanned(f, in, (size_t)r, s);
}

static int take_head(rv_http_framer *f, rv_chain *in)
{
	struct rv__http_field stack[RV__HTTP_STACK_FIELDS];
	struct rv__http_scan s = {.fields = stack,
				  .cap = RV__HTTP_STACK_FIELDS};
	int r = find_head(f, in, &s);

	rv__http_scan_fini(&s);
	return r;
}

/* Move the tail to the body once it is big enough or |done|, gathering
 * tiny pieces first. */
static int settle_tail(rv_http_framer *f, bool done)
{
	size_t len = rv_chain_len(&f->_tail);
	uint32_t count = rv_chain_count(&f->_tail);
	rv_view all;

	if (count >= TRICKLE_VIEWS && len <= TRICKLE_BYTES) {
		/* The chain keeps the one copy; |all| is an extra reference. */
		if (rv_chain_pullup(&f->_tail, len, &all) == 0)
			rv_view_release(&all);
		count = rv_chain_count(&f->_tail);
	}
	if (count && (done || len >= TRICKLE_BYTES || count >= TRICKLE_VIEWS) &&
	    rv__chain_move(&f->_body, &f->_tail))
		return fail(f, -ENOMEM, "out of memory for the body");
	return 0;
}

/* Move up to |*left| bytes of body from |in| to the framer's body. */
static int take_body(rv_http_framer *f, rv_chain *in)
{
	size_t n = rv_chain_len(in);
	int err;

	if (n > f->_left)
		n = (size_t)f->_left;
	if (!n)
		return 0;
	err = rv_chain_take(in, n, &f->_tail);
	if (err)
		return fail(f, err, "out of memory for the body");
	f->_left -= n;
	f->_body_len += n;
	return settle_tail(f, false);
}

/* Copy the line at the front of |in| (without its CRLF) into |buf|:
 * its length, -EAGAIN when incomplete, or fail. */
static ssize_t peek_line(rv_http_framer *f, rv_chain *in, char *buf, size_t max,
			 const char *too_long)
{
	ssize_t at = rv_chain_find(in, 0, "\r\n", 2);

	if (at < 0) {
		if (rv_chain_len(in) > max)
			return fail(f, -EBADMSG, too_long);
		return -EAGAIN;
	}
	if ((size_t)at >= max)
		return fail(f, -EBADMSG, too_long);
	rv_chain_copy_out(in, 0, buf, (size_t)at);
	if (memchr(buf, '\r', (size_t)at) || memchr(buf, '\n', (size_t)at))
		return fail(f, -EBADMSG, "bare CR or LF in chunked framing");
	return at;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)rv__ascii_lower((uint8_t)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Read a chunk-size line: 1*HEXDIG [ BWS ";" chunk-ext ]. */
static int chunk_size(rv_http_framer *f, rv_chain *in)
{
	char line[CHUNK_LINE_MAX];
	ssize_t n = peek_line(f, in, line, sizeof(line),
			      "chunk-size line too long");
	uint64_t size = 0;
	ssize_t i = 0;

	if (n < 0)
		return n == -EAGAIN ? 0 : (int)n;
	for (; i < n && hex(line[i]) >= 0; i++) {
		if (size > (UINT64_MAX >> 4))
			return fail(f, -EBADMSG, "chunk size overflows");
		size = size << 4 | (uint64_t)hex(line[i]);
	}
	if (i == 0)
		return fail(f, -EBADMSG, "chunk size is not hexadecimal");
	while (i < n && rv__http_ows((uint8_t)line[i]))
		i++;
	if (i < n && line[i] != ';')
		return fail(f, -EBADMSG, "junk after the chunk size");
	for (; i < n; i++)
		if ((uint8_t)line[i] < 0x20 && line[i] != '\t')
			return fail(f, -EBADMSG,
				    "control byte in a chunk extension");
	if (size > f->_lim.max_body - f->_body_len)
		return fail(f, -EFBIG, "chunked body above the body limit");
	rv_chain_consume(in, (size_t)n + 2);
	f->_left = size;
	f->_state = size ? S_CHUNK_DATA : S_TRAILERS;
	return 1;
}

/* Skip one trailer line; 2 at the blank line that ends the request. */
static int trailer(rv_http_framer *f, rv_chain *in)
{
	char line[CHUNK_LINE_MAX];
	ssize_t n = peek_line(f, in, line, sizeof(line), "trailer too long");
	const char *colon;

	if (n < 0)
		return n == -EAGAIN ? 0 : (int)n;
	rv_chain_consume(in, (size_t)n + 2);
	if (n == 0)
		return 2;
	f->_trailer_len += (size_t)n + 2;
	if (f->_trailer_len > f->_lim.max_head)
		return fail(f, -EMSGSIZE,
			    "trailers larger than the head limit");
	colon = memchr(line, ':', (size_t)n);
	if (!colon || colon == line || rv__http_ows((uint8_t)line[0]))
		return fail(f, -EBADMSG, "malformed trailer line");
	return 1;
}

static int complete(rv_http_framer *f, struct rv_http_frame *out)
{
	int err = settle_tail(f, true);

	if (err)
		return err;
	out->head = f->_head;
	f->_head = RV_VIEW_INIT;
	out->_req = f->_req;
	f->_req = NULL;
	out->body = f->_body;
	rv_chain_init(&f->_body);
	out->flags = f->_flags & (RV_HTTP_CHUNKED | RV_HTTP_EXPECT_CONTINUE);
	f->_state = S_HEAD;
	f->_flags = 0;
	f->_continue_due = false;
	return 1;
}

/* Out of input inside a body: maybe the client waits for 100 Continue. */
static int need_more(rv_http_framer *f)
{
	if ((f->_flags & RV_HTTP_EXPECT_CONTINUE) &&
	    !(f->_flags & F_CONTINUE_SIGNALLED)) {
		f->_flags |= F_CONTINUE_SIGNALLED;
		f->_continue_due = true;
	}
	return 0;
}

/* The rest of a Content-Length body or of a chunk's data: 1 when it is
 * all in, 0 when more must come, or an error. */
static int body_bytes(rv_http_framer *f, rv_chain *in)
{
	int r = take_body(f, in);

	if (r < 0)
		return r;
	return f->_left ? need_more(f) : 1;
}

int rv_http_frame(rv_http_framer *f, rv_chain *in, struct rv_http_frame *out)
{
	int r;

	for (;;) {
		switch ((enum state)f->_state) {
		case S_HEAD:
			r = take_head(f, in);
			if (r <= 0)
				return r;
			break;
		case S_BODY:
			r = body_bytes(f, in);
			return r <= 0 ? r : complete(f, out);
		case S_CHUNK_SIZE:
			r = chunk_size(f, in);
			if (r <= 0)
				return r < 0 ? r : need_more(f);
			break;
		case S_CHUNK_DATA:
			r = body_bytes(f, in);
			if (r <= 0)
				return r;
			f->_state = S_CHUNK_CRLF;
			break;
		case S_CHUNK_CRLF: {
			uint8_t two[2];
			if (rv_chain_len(in) < 2)
				return need_more(f);
			rv_chain_copy_out(in, 0, two, 2);
			if (two[0] != '\r' || two[1] != '\n')
				return fail(f, -EBADMSG,
					    "chunk data not followed by CRLF");
			rv_chain_consume(in, 2);
			f->_state = S_CHUNK_SIZE;
			break;
		}
		case S_TRAILERS:
			r = trailer(f, in);
			if (r < 0)
				return r;
			if (r == 0)
				return need_more(f);
			if (r == 2)
				return complete(f, out);
			break;
		case S_FAILED:
		default:
			return f->_err;
		}
	}
}
