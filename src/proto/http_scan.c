/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_scan.c - one pass over an HTTP/1.1 request head.
 *
 * Checks every byte against the grammar of RFC 9110/9112, records where
 * the method, target, version and each header name and value lie, and
 * reads the headers that matter to framing and connection management as
 * it passes them (Content-Length, Transfer-Encoding, Expect, Connection,
 * Host). The framer can therefore cut the body on headers already known
 * to be well-formed, and the parser only has to turn offsets into views.
 *
 * Running out of bytes is never an error here: the scan says "need more"
 * and the framer tries again when the head is complete. Request targets
 * and header values - the long runs - are checked 16 bytes at a time with
 * SSE2 (baseline on x86-64); everything has a scalar path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/core_internal.h"
#include "proto/http_internal.h"

/* RFC 9110 5.6.2 tchar. */
static const uint8_t is_tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
	['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
	['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
	['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
	['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
	['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
	['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

#define NEED_MORE 0

static int bad(struct rv__http_scan *s, int err, const char *why)
{
	s->why = why;
	return err;
}

static const uint8_t *skip_tokens(const uint8_t *p, const uint8_t *end)
{
	while (p < end && is_tchar[*p])
		p++;
	return p;
}

/* First byte at or after |p| outside 0x21..0x7e (visible ASCII). */
static const uint8_t *skip_visible(const uint8_t *p, const uint8_t *end)
{
#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x21), del = _mm_set1_epi8(0x7f);

	for (; end - p >= 16; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* unsigned x >= 0x21 and x < 0x7f */
		int ok = _mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_max_epu8(x, lo), x));
		int hi = _mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_max_epu8(x, del), x));
		int stop = (~ok | hi) & 0xffff;
		if (stop)
			return p + __builtin_ctz((unsigned)stop);
	}
#endif
	while (p<end && * p> 0x20 && *p < 0x7f)
		p++;
	return p;
}

/* First byte at or after |p| that may not be in a field value: a control
 * byte other than HTAB, or DEL (obs-text, 0x80 and up, is allowed). */
static const uint8_t *skip_value(const uint8_t *p, const uint8_t *end)
{
	for (;;) {
#ifdef __SSE2__
		const __m128i sp = _mm_set1_epi8(0x20),
			      del = _mm_set1_epi8(0x7f);

		for (; end - p >= 16; p += 16) {
			__m128i x = _mm_loadu_si128(
				(const __m128i *)(const void *)p);
			int ok = _mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_max_epu8(x, sp), x));
			int d = _mm_movemask_epi8(_mm_cmpeq_epi8(x, del));
			int stop = (~ok | d) & 0xffff;
			if (stop) {
				p += __builtin_ctz((unsigned)stop);
				break;
			}
		}
#endif
		while (p < end && ((*p >= 0x20 && *p != 0x7f) || *p == '\t'))
			p++;
		/* The vector loop stops at HTAB too; step over it. */
		if (p < end && *p == '\t') {
			p++;
			continue;
		}
		return p;
	}
}

/* The |n| bytes at |p| equal the lower-case |lc| (of length |n|). */
static bool same_lc(const uint8_t *p, const char *lc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rv__ascii_lower(p[i]) != (uint8_t)lc[i])
			return false;
	return true;
}

/* The comma-separated list at [p, p + n): call |fn| on each element,
 * trimmed; stop at its non-zero return. */
static int each_element(struct rv__http_scan *s, const uint8_t *p, size_t n,
			int (*fn)(struct rv__http_scan *, const uint8_t *,
				  size_t))
{
	const uint8_t *end = p + n;

	while (p < end) {
		const uint8_t *e = memchr(p, ',', (size_t)(end - p));
		const uint8_t *a = p, *b = e ? e : end;
		int r;

		while (a < b && rv__http_ows(*a))
			a++;
		while (b > a && rv__http_ows(b[-1]))
			b--;
		if (b > a && (r = fn(s, a, (size_t)(b - a))))
			return r;
		p = e ? e + 1 : end;
	}
	return 0;
}

/* RFC 9112 6.3: in a request, chunked must be the last coding (else the
 * body's length cannot be known: 400); other codings before it are not
 * implemented (501, decided in finish, after the whole list). */
static int coding(struct rv__http_scan *s, const uint8_t *p, size_t n)
{
	bool is_chunked = n == 7 && same_lc(p, "chunked", 7);

	if (s->chunked)
		return bad(s, -EBADMSG,
			   is_chunked ? "Transfer-Encoding: chunked more than "
					"once"
				      : "Transfer-Encoding: chunked is not the "
					"last coding");
	if (is_chunked)
		s->chunked = true;
	else
		s->te_other = true;
	return 0;
}

static int connection_option(struct rv__http_scan *s, const uint8_t *p,
			     size_t n)
{
	/* "close" anywhere wins over keep-alive (RFC 9112 9.3); decided
	 * at the end of the head. */
	if (n == 5 && same_lc(p, "close", 5))
		s->close = true;
	else if (n == 10 && same_lc(p, "keep-alive", 10))
		s->keep_alive_listed = true;
	return 0;
}

static int content_length(struct rv__http_scan *s, const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	if (n == 0)
		return bad(s, -EBADMSG,
			   "Content-Length is not a decimal number");
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return bad(s, -EBADMSG,
				   "Content-Length is not a decimal number");
		if (v > (UINT64_MAX - 9) / 10)
			return bad(s, -EBADMSG, "Content-Length overflows");
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (s->has_length && v != s->length)
		return bad(s, -EBADMSG, "differing Content-Length headers");
	s->length = v;
	s->has_length = true;
	return 0;
}

/* RFC 9110 7.2 / RFC 3986 3.2.2: Host is uri-host [ ":" port ], so only
 * unreserved, pct-encoded and sub-delims characters, ':' and the brackets
 * of an IP literal - no space, '/', '@' ... (it may be empty). */
static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("-._~%!$&'()*+,;=:[]", c));
}

static bool hex_digit(uint8_t c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The port after a host: empty, or ':' and digits only. */
static bool host_port(const uint8_t *p, const uint8_t *end)
{
	if (p == end)
		return true;
	if (*p++ != ':')
		return false;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* uri-host [ ":" port ]: an IP literal in brackets, or a reg-name whose
 * '%' each start a pct-encoding; then digits only after a ':'. */
static int host_value(struct rv__http_scan *s, const uint8_t *v, size_t n)
{
	const uint8_t *p = v, *end = v + n;

	for (size_t i = 0; i < n; i++)
		if (!host_char(v[i]))
			return bad(s, -EBADMSG, "invalid character in Host");
	if (p < end && *p == '[') {
		while (++p < end && *p != ']')
			if (*p == '[' || *p == '%')
				return bad(s, -EBADMSG,
					   "invalid IP literal in Host");
		if (p == end)
			return bad(s, -EBADMSG, "unclosed IP literal in Host");
		p++;
	} else {
		for (; p < end && *p != ':'; p++) {
			if (*p == '[' || *p == ']')
				return bad(s, -EBADMSG,
					   "bracket outside an IP literal in "
					   "Host");
			if (*p == '%' && (end - p < 3 || !hex_digit(p[1]) ||
					  !hex_digit(p[2])))
				return bad(s, -EBADMSG,
					   "invalid percent-encoding in Host");
		}
	}
	if (!host_port(p, end))
		return bad(s, -EBADMSG, "invalid port in Host");
	return 0;
}

/* Act on the headers that frame the body or manage the connection. */
static int known_header(struct rv__http_scan *s, const uint8_t *base,
			const struct rv__http_field *f, uint32_t *hosts)
{
	const uint8_t *name = base + f->name.off, *val = base + f->value.off;
	size_t vlen = f->value.len;

	switch (f->name.len) {
	case 4:
		if (!same_lc(name, "host", 4))
			return 0;
		(*hosts)++;
		return host_value(s, val, vlen);
	case 6:
		if (same_lc(name, "expect", 6) && vlen == 12 &&
		    same_lc(val, "100-continue", 12))
			s->expect_continue = true;
		return 0;
	case 10:
		if (same_lc(name, "connection", 10))
			return each_element(s, val, vlen, connection_option);
		return 0;
	case 14:
		if (same_lc(name, "content-length", 14))
			return content_length(s, val, vlen);
		return 0;
	case 17:
		if (same_lc(name, "transfer-encoding", 17)) {
			s->has_te = true;
			return each_element(s, val, vlen, coding);
		}
		return 0;
	default:
		return 0;
	}
}

static int add_field(struct rv__http_scan *s, uint32_t max,
		     struct rv__http_field f)
{
	if (s->num == max)
		return bad(s, -EMSGSIZE, "too many headers");
	if (s->num == s->cap) {
		/* A caller that gave no room at all gets the usual start. */
		uint32_t cap = s->cap ? s->cap * 2 : RV__HTTP_STACK_FIELDS;
		struct rv__http_field *nf = malloc(cap * sizeof(*nf));
		if (!nf)
			return bad(s, -ENOMEM, "out of memory");
		memcpy(nf, s->fields, s->num * sizeof(*nf));
		if (s->fields_heap)
			free(s->fields);
		s->fields = nf;
		s->fields_heap = true;
		s->cap = cap;
	}
	s->fields[s->num++] = f;
	return 0;
}

/* Fewer than the 10 bytes of "HTTP/d.d\r\n" have come: NEED_MORE if
 * they can still become a version, else the error the whole line gives
 * (so the outcome does not depend on where the input was cut). */
static int partial_version(struct rv__http_scan *s, const uint8_t *p, size_t n)
{
	static const char shape[] = "HTTP/9.9";

	for (size_t i = 0; i < n && i < 8; i++) {
		bool ok = shape[i] == '9' ? p[i] >= '0' && p[i] <= '9'
					  : p[i] == (uint8_t)shape[i];
		if (!ok)
			return bad(s, -EBADMSG, "invalid HTTP version");
	}
	if (n > 8 && p[8] != '\r')
		return bad(s, -EBADMSG,
			   p[8] == '\n' ? "bare LF (lines must "
					  "end in CRLF)"
					: "junk after the version");
	return NEED_MORE;
}

/* The request line; the offset after it, NEED_MORE, or an error. */
static int request_line(struct rv__http_scan *s, const uint8_t *base,
			const uint8_t *end, const uint8_t **next)
{
	const uint8_t *p = base, *q;

	*next = base; /* set on every return, not only on success */
	q = skip_tokens(p, end);
	if (q == end)
		return NEED_MORE;
	if (q == p || *q != ' ')
		return bad(s, -EBADMSG, "invalid method");
	s->method = (struct rv__http_span){0, (uint32_t)(q - p)};
	p = q + 1;
	q = skip_visible(p, end);
	if (q == end)
		return NEED_MORE;
	if (q == p || *q != ' ')
		return bad(s, -EBADMSG, "invalid request target");
	s->target =
		(struct rv__http_span){(uint32_t)(p - base), (uint32_t)(q - p)};
	p = q + 1;
	if (end - p < 10)
		return partial_version(s, p, (size_t)(end - p));
	if (memcmp(p, "HTTP/", 5) || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
	    p[7] < '0' || p[7] > '9')
		return bad(s, -EBADMSG, "invalid HTTP version");
	s->version = (struct rv__http_span){(uint32_t)(p - base), 8};
	s->major = (uint8_t)(p[5] - '0');
	s->minor = (uint8_t)(p[7] - '0');
	if (p[8] != '\r' || p[9] != '\n')
		return bad(s, -EBADMSG,
			   p[8] == '\n' ? "bare LF (lines must "
					  "end in CRLF)"
					: "junk after the version");
	if (s->major != 1)
		return bad(s, -EPROTONOSUPPORT, "HTTP major version is not 1");
	*next = p + 10;
	return 1;
}

/* The checks that need the whole head. */
static int finish(struct rv__http_scan *s, uint32_t hosts)
{
	if (s->has_te && s->has_length)
		return bad(s, -EBADMSG,
			   "both Content-Length and Transfer-Encoding");
	if (s->has_te && !s->chunked)
		return bad(s, -EBADMSG,
			   "Transfer-Encoding does not end in chunked");
	if (s->te_other)
		return bad(s, -ENOTSUP, "Transfer-Encoding other than chunked");
	if (s->minor >= 1 && hosts != 1)
		return bad(s, -EBADMSG,
			   hosts ? "more than one Host header"
				 : "HTTP/1.1 request without Host");
	if (hosts > 1)
		return bad(s, -EBADMSG, "more than one Host header");
	if (s->minor == 0) {
		/* RFC 9112 6.1: HTTP/1.0 with Transfer-Encoding has faulty
		 * framing: close after it. RFC 9110 10.1.1: a 1.0 client
		 * gets no 100 Continue. */
		if (s->has_te)
			s->close = true;
		s->expect_continue = false;
	}
	s->keep_alive = !s->close && (s->minor >= 1 || s->keep_alive_listed);
	return 0;
}

int rv__http_scan_head(const uint8_t *base, size_t len, uint32_t max_headers,
		       struct rv__http_scan *s)
{
	const uint8_t *p, *end = base + len, *q, *next;
	uint32_t hosts = 0;
	int r;

	s->why = NULL;
	s->num = 0;
	s->keep_alive = s->keep_alive_listed = false;
	s->has_length = s->has_te = s->chunked = s->te_other = false;
	s->expect_continue = s->close = false;
	r = request_line(s, base, end, &p);
	if (r <= 0)
		return r;
	for (;;) {
		struct rv__http_field f;

		if (end - p < 2)
			return NEED_MORE;
		if (p[0] == '\r') {
			if (p[1] != '\n')
				return bad(s, -EBADMSG, "bare CR");
			r = finish(s, hosts);
			return r ? r : (int)(p + 2 - base);
		}
		if (p[0] == '\n')
			return bad(s, -EBADMSG,
				   "bare LF (lines must end in CRLF)");
		if (rv__http_ows(p[0]))
			return bad(s, -EBADMSG, "obsolete line folding");
		q = skip_tokens(p, end);
		if (q == end)
			return NEED_MORE;
		if (q == p || *q != ':')
			return bad(s, -EBADMSG, "invalid header name");
		f.name = (struct rv__http_span){(uint32_t)(p - base),
						(uint32_t)(q - p)};
		p = q + 1;
		while (p < end && rv__http_ows(*p))
			p++;
		q = skip_value(p, end);
		if (end - q < 2)
			return NEED_MORE;
		if (q[0] != '\r')
			return bad(s, -EBADMSG,
				   q[0] == '\n'
					   ? "bare LF (lines must end in CRLF)"
					   : "control byte in a header value");
		if (q[1] != '\n')
			return bad(s, -EBADMSG, "bare CR");
		next = q + 2;
		f.value.off = (uint32_t)(p - base);
		while (q > p && rv__http_ows(q[-1]))
			q--;
		f.value.len = (uint32_t)(q - p);
		if ((r = add_field(s, max_headers, f)) ||
		    (r = known_header(s, base, &f, &hosts)))
			return r;
		p = next;
	}
}

void rv__http_scan_fini(struct rv__http_scan *s)
{
	if (s->fields_heap)
		free(s->fields);
	s->fields_heap = false;
}
