/*
 * http_parse.c - an HTTP/1.1 request head turned into subviews.
 *
 * The head is one contiguous view (rv_http_frame made it so). One pass
 * checks every byte against the grammar of RFC 9110/9112 and records
 * where the method, target, version and each header name and value lie;
 * only then is the request allocated and each of those slices taken as a
 * view of the head with its own reference. A bad byte anywhere rejects the
 * whole request, so nothing half-parsed is ever handed out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ringview/http.h"

/* Byte classes (RFC 9110 5.6.2 tchar; field-vchar; request-target). */
#define C_TOKEN 0x1u
#define C_VALUE 0x2u  /* field-vchar, SP, HTAB */
#define C_TARGET 0x4u /* visible ASCII */

static uint8_t classes[256];

__attribute__((constructor)) static void init_classes(void)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	for (int c = 0; c < 256; c++) {
		uint8_t k = 0;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c && strchr(tchar, c)))
			k |= C_TOKEN;
		if ((c > 0x20 && c < 0x7f) || c >= 0x80 || c == ' ' ||
		    c == '\t')
			k |= C_VALUE;
		if (c > 0x20 && c < 0x7f)
			k |= C_TARGET;
		classes[c] = k;
	}
}

struct span {
	uint32_t off, len;
};

struct field {
	struct span name, value;
};

/* Where everything lies in the head, before any view is taken. */
struct layout {
	struct span method, target, version;
	uint8_t major, minor;
	uint32_t num;
	struct field *fields;
	uint32_t cap;
};

struct parse {
	const uint8_t *base, *p, *end;
	const char *why;
};

static int bad(struct parse *ps, int err, const char *why)
{
	ps->why = why;
	return err;
}

/* Scan bytes of class |k|; returns the span, possibly empty. */
static struct span scan(struct parse *ps, uint8_t k)
{
	const uint8_t *start = ps->p;

	while (ps->p < ps->end && (classes[*ps->p] & k))
		ps->p++;
	return (struct span){(uint32_t)(start - ps->base),
			     (uint32_t)(ps->p - start)};
}

/* Expect CRLF at the cursor and step over it. */
static int crlf(struct parse *ps)
{
	if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n') {
		ps->p += 2;
		return 0;
	}
	if (ps->p < ps->end && *ps->p == '\r')
		return bad(ps, -EBADMSG, "bare CR");
	if (ps->p < ps->end && *ps->p == '\n')
		return bad(ps, -EBADMSG, "bare LF (lines must end in CRLF)");
	return -1;
}

static int request_line(struct parse *ps, struct layout *l)
{
	const uint8_t *v;
	int err;

	l->method = scan(ps, C_TOKEN);
	if (!l->method.len || ps->p >= ps->end || *ps->p != ' ')
		return bad(ps, -EBADMSG, "invalid method");
	ps->p++;
	l->target = scan(ps, C_TARGET);
	if (!l->target.len || ps->p >= ps->end || *ps->p != ' ')
		return bad(ps, -EBADMSG, "invalid request target");
	ps->p++;
	v = ps->p;
	if (ps->end - v < 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return bad(ps, -EBADMSG, "invalid HTTP version");
	l->version = (struct span){(uint32_t)(v - ps->base), 8};
	l->major = (uint8_t)(v[5] - '0');
	l->minor = (uint8_t)(v[7] - '0');
	ps->p += 8;
	err = crlf(ps);
	if (err)
		return err == -1 ? bad(ps, -EBADMSG, "junk after the version")
				 : err;
	if (l->major != 1)
		return bad(ps, -EPROTONOSUPPORT, "HTTP major version is not 1");
	return 0;
}

/* One header line; 1 at the blank line that ends the head. */
static int header_line(struct parse *ps, struct layout *l, uint32_t max)
{
	struct field f;
	const uint8_t *last;
	int err;

	err = crlf(ps);
	if (err == 0)
		return ps->p == ps->end ? 1
					: bad(ps, -EBADMSG, "bytes after the head");
	if (err != -1)
		return err;
	/* A head not from the framer may end without its blank line. */
	if (ps->p == ps->end)
		return bad(ps, -EBADMSG, "head without a blank line");
	if (*ps->p == ' ' || *ps->p == '\t')
		return bad(ps, -EBADMSG, "obsolete line folding");
	f.name = scan(ps, C_TOKEN);
	if (!f.name.len || ps->p >= ps->end || *ps->p != ':')
		return bad(ps, -EBADMSG, "invalid header name");
	ps->p++;
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
	f.value = scan(ps, C_VALUE);
	last = ps->base + f.value.off + f.value.len;
	while (f.value.len && (last[-1] == ' ' || last[-1] == '\t'))
		last--, f.value.len--;
	err = crlf(ps);
	if (err)
		return err == -1 ? bad(ps, -EBADMSG,
				       "control byte in a header value")
				 : err;
	if (l->num == max)
		return bad(ps, -EMSGSIZE, "too many headers");
	if (l->num == l->cap) {
		uint32_t cap = l->cap * 2;
		struct field *nf = malloc(cap * sizeof(*nf));
		if (!nf)
			return bad(ps, -ENOMEM, "out of memory");
		memcpy(nf, l->fields, l->num * sizeof(*nf));
		if (l->cap > 64)
			free(l->fields);
		l->fields = nf;
		l->cap = cap;
	}
	l->fields[l->num++] = f;
	return 0;
}

static bool span_is(const struct parse *ps, struct span s, const char *lc)
{
	rv_view v = {.data = ps->base + s.off, .len = s.len};
	return rv_http_token_eq(&v, lc);
}

/* Note which of "close" and "keep-alive" Connection's tokens name. */
static void connection_tokens(const uint8_t *s, size_t n, bool *close,
			      bool *keep_alive)
{
	while (n) {
		size_t len = 0;
		rv_view tok;

		while (n && (*s == ' ' || *s == '\t' || *s == ','))
			s++, n--;
		while (len < n && s[len] != ',' && s[len] != ' ' &&
		       s[len] != '\t')
			len++;
		tok = (rv_view){.data = s, .len = len};
		if (rv_http_token_eq(&tok, "close"))
			*close = true;
		else if (rv_http_token_eq(&tok, "keep-alive"))
			*keep_alive = true;
		s += len, n -= len;
	}
}

/*
 * Semantics beyond the grammar: Host, keep-alive. "close" anywhere ends
 * the connection, whatever else is listed (RFC 9112 9.3); otherwise 1.1
 * persists and 1.0 persists only with "keep-alive".
 */
static int semantics(struct parse *ps, const struct layout *l, bool *keep)
{
	uint32_t hosts = 0;
	bool close = false, keep_alive = false;

	for (uint32_t i = 0; i < l->num; i++) {
		const struct field *f = &l->fields[i];
		if (span_is(ps, f->name, "host"))
			hosts++;
		else if (span_is(ps, f->name, "connection"))
			connection_tokens(ps->base + f->value.off,
					  f->value.len, &close, &keep_alive);
	}
	if (l->minor >= 1 && hosts != 1)
		return bad(ps, -EBADMSG, hosts ? "more than one Host header"
					       : "HTTP/1.1 request without Host");
	if (hosts > 1)
		return bad(ps, -EBADMSG, "more than one Host header");
	*keep = !close && (l->minor >= 1 || keep_alive);
	return 0;
}

static void take(const rv_view *head, struct span s, rv_view *out)
{
	/* Cannot fail: every span was found inside the head. */
	(void)rv_view_slice(head, s.off, s.len, out);
}

int rv_http_parse(struct rv_http_frame *fr, const struct rv_http_limits *lim,
		  struct rv_http_request **out, const char **why)
{
	struct field stack_fields[64];
	struct layout l = {.fields = stack_fields, .cap = 64};
	struct parse ps = {.base = fr->head.data, .p = fr->head.data,
			   .end = fr->head.data + fr->head.len};
	uint32_t max = lim && lim->max_headers ? lim->max_headers
					       : RV_HTTP_DEFAULT_MAX_HEADERS;
	struct rv_http_request *r = NULL;
	bool keep = false;
	int err;

	if (!fr->head.len) {
		err = bad(&ps, -EBADMSG, "empty request head");
		goto out;
	}
	err = request_line(&ps, &l);
	while (!err)
		err = header_line(&ps, &l, max);
	if (err < 0)
		goto out;
	err = semantics(&ps, &l, &keep);
	if (err)
		goto out;
	r = malloc(sizeof(*r) + l.num * sizeof(r->headers[0]));
	if (!r) {
		err = bad(&ps, -ENOMEM, "out of memory");
		goto out;
	}
	r->head = fr->head;
	fr->head = RV_VIEW_INIT;
	take(&r->head, l.method, &r->method);
	take(&r->head, l.target, &r->target);
	take(&r->head, l.version, &r->version);
	r->version_major = l.major;
	r->version_minor = l.minor;
	r->keep_alive = keep;
	r->flags = fr->flags;
	r->body = fr->body;
	rv_chain_init(&fr->body);
	r->num_headers = l.num;
	for (uint32_t i = 0; i < l.num; i++) {
		take(&r->head, l.fields[i].name, &r->headers[i].name);
		take(&r->head, l.fields[i].value, &r->headers[i].value);
	}
	*out = r;
	err = 0;
out:
	if (l.fields != stack_fields)
		free(l.fields);
	if (err)
		rv_http_frame_release(fr);
	if (why)
		*why = err ? ps.why : NULL;
	return err;
}

void rv_http_request_free(struct rv_http_request *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->num_headers; i++) {
		rv_view_release(&r->headers[i].name);
		rv_view_release(&r->headers[i].value);
	}
	rv_view_release(&r->method);
	rv_view_release(&r->target);
	rv_view_release(&r->version);
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

static void request_release(void *obj)
{
	rv_http_request_free(obj);
}

static void request_tag(void *obj, const char *stage)
{
	rv_http_request_tag(obj, stage);
}

const struct rv_msg_ops rv_http_request_ops = {
	.release = request_release,
	.tag = request_tag,
};

bool rv_http_token_eq(const rv_view *v, const char *s)
{
	size_t i = 0;

	for (; i < v->len && s[i]; i++) {
		uint8_t a = v->data[i], b = (uint8_t)s[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return false;
	}
	return i == v->len && !s[i];
}

const struct rv_http_header *
rv_http_find_header(const struct rv_http_request *r, const char *name)
{
	for (uint32_t i = 0; i < r->num_headers; i++)
		if (rv_http_token_eq(&r->headers[i].name, name))
			return &r->headers[i];
	return NULL;
}
