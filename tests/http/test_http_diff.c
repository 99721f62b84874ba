/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/test_http_diff.c - every corpus case through libhttp-parser
 * 2.9 and through ringview: the same requests (method, target, version,
 * headers, body, keep-alive) or both reject, except where the case says
 * why libhttp-parser decides otherwise - and then it must, so that the
 * reason stays true. Ringview always gives the corpus's outcome.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

/* ---- libhttp-parser's view ----------------------------------------- */

struct hp {
	struct outcome *o;
	struct flat_req *cur;
	bool in_message, in_head, after_value;
};

static void grow(struct bytes *b, const char *p, size_t n)
{
	uint8_t *q = realloc(b->p, b->len + n + 1);

	cr_assert_not_null(q);
	memcpy(q + b->len, p, n);
	b->p = q;
	b->len += n;
}

static int on_begin(http_parser *p)
{
	struct hp *h = p->data;

	h->cur = outcome_add(h->o);
	h->in_message = h->in_head = true;
	h->after_value = false;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct hp *h = p->data;

	grow(&h->cur->target, at, n);
	return 0;
}

/* Field and value callbacks come in pieces; a field after a value starts
 * the next header. Trailers (after the head) are not headers. */
static int on_field(http_parser *p, const char *at, size_t n)
{
	struct hp *h = p->data;
	struct flat_req *r = h->cur;

	if (!h->in_head)
		return 0;
	if (h->after_value || !r->num_headers)
		flat_add_header(r);
	h->after_value = false;
	grow(&r->headers[r->num_headers - 1].name, at, n);
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
	struct hp *h = p->data;
	struct flat_req *r = h->cur;

	if (!h->in_head)
		return 0;
	h->after_value = true;
	grow(&r->headers[r->num_headers - 1].value, at, n);
	return 0;
}

static int on_head_done(http_parser *p)
{
	struct hp *h = p->data;
	const char *m = http_method_str((enum http_method)p->method);

	h->in_head = false;
	grow(&h->cur->method, m, strlen(m));
	h->cur->major = (uint8_t)p->http_major;
	h->cur->minor = (uint8_t)p->http_minor;
	/* Values as ringview gives them: without trailing whitespace. */
	for (uint32_t i = 0; i < h->cur->num_headers; i++) {
		struct bytes *v = &h->cur->headers[i].value;
		while (v->len &&
		       (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t'))
			v->len--;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct hp *h = p->data;

	grow(&h->cur->body, at, n);
	return 0;
}

static int on_complete(http_parser *p)
{
	struct hp *h = p->data;

	h->cur->keep_alive = http_should_keep_alive(p) != 0;
	h->in_message = false;
	return 0;
}

/* |c| in one piece through libhttp-parser; any error is -EBADMSG. */
static void hp_run(const struct corpus_case *c, struct outcome *o)
{
	http_parser_settings s;
	http_parser p;
	struct hp h = {.o = o};

	memset(o, 0, sizeof(*o));
	http_parser_settings_init(&s);
	s.on_message_begin = on_begin;
	s.on_url = on_url;
	s.on_header_field = on_field;
	s.on_header_value = on_value;
	s.on_headers_complete = on_head_done;
	s.on_body = on_body;
	s.on_message_complete = on_complete;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &h;
	http_parser_execute(&p, &s, c->raw, c->len);
	if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
		o->err = -EBADMSG;
	else
		o->pending = h.in_message;
	if (h.in_message) {
		/* A request it did not finish is not one it gave. */
		struct outcome last = {.num = 1, .reqs = {o->reqs[--o->num]}};
		outcome_free(&last);
	}
}

/* ---- the comparison ------------------------------------------------ */

ParameterizedTestParameters(http_diff, corpus)
{
	size_t *idx = cr_malloc(corpus_len * sizeof(*idx));

	for (size_t i = 0; i < corpus_len; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, corpus_len);
}

ParameterizedTest(size_t *ip, http_diff, corpus, .init = corpus_init)
{
	const struct corpus_case *c = &corpus[*ip];
	struct outcome want, rv, hp;
	char why[512];
	const char *d;

	outcome_expected(c, &want);
	corpus_run(c, NULL, 0, &heap_feeder, &rv);
	d = outcome_diff(&want, &rv, true, why, sizeof(why));
	cr_assert_null(d, "%s: ringview: %s", c->name, d);

	hp_run(c, &hp);
	d = outcome_diff(&rv, &hp, false, why, sizeof(why));
	if (c->http_parser_diverges) {
		cr_assert_not_null(d,
				   "%s: marked \"libhttp-parser %s\", but it "
				   "agrees with ringview",
				   c->name, c->http_parser_diverges);
		cr_log_info("%s: libhttp-parser %s: ringview vs it: %s",
			    c->name, c->http_parser_diverges, d);
	} else {
		cr_assert_null(d, "%s: ringview vs libhttp-parser: %s", c->name,
			       d);
	}
	outcome_free(&want);
	outcome_free(&rv);
	outcome_free(&hp);
}

/* The comparison is not vacuous: a request both accept is compared. */
Test(http_diff, compares_requests, .init = corpus_init)
{
	const struct corpus_case *c = &corpus[0];
	struct outcome rv, hp;
	char why[512];

	corpus_run(c, NULL, 0, &heap_feeder, &rv);
	hp_run(c, &hp);
	cr_assert_eq(hp.num, 1);
	cr_assert_null(outcome_diff(&rv, &hp, false, why, sizeof(why)));
	hp.reqs[0].keep_alive = !hp.reqs[0].keep_alive;
	cr_assert_not_null(outcome_diff(&rv, &hp, false, why, sizeof(why)));
	hp.reqs[0].keep_alive = !hp.reqs[0].keep_alive;
	hp.reqs[0].headers[0].value.p[0] ^= 1;
	cr_assert_not_null(outcome_diff(&rv, &hp, false, why, sizeof(why)));
	outcome_free(&rv);
	outcome_free(&hp);
}
