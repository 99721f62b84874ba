/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_pipeline.c - pipeline stages: order, ownership of messages, errors,
 * a length-prefixed framing as a second user of the API, leak reports
 * that name the stage, and the HTTP framer and parser as stages
 * (rv_http_frame_to_msg, rv_http_request_ops): a body kept by a later
 * stage outlives its request. The example server's own stages are tested
 * in tests/examples/.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_util.h"
#include "pipeline_util.h"

/* ---- stages for the generic tests ------------------------------------ */

/* Splits its body at every ',' and emits each piece (kind 2). */
static int split_commas(rv_pipeline *p, void *state, rv_msg *m)
{
	ssize_t at;
	int err;

	(void)state;
	while ((at = rv_chain_find_byte(&m->body, 0, ',')) >= 0) {
		rv_msg out = {.kind = 2};
		cr_assert_eq(rv_chain_take(&m->body, (size_t)at, &out.body), 0);
		rv_chain_consume(&m->body, 1);
		if ((err = rv_pipeline_emit(p, &out)))
			return err;
	}
	/* The rest of the body is left in |m|: the pipeline releases it. */
	return 0;
}

/* Passes messages on, and checks it is the one running. */
static int pass_named(rv_pipeline *p, void *state, rv_msg *m)
{
	(void)state;
	cr_assert_str_eq(rv_pipeline_stage_name(p), "pass");
	m->kind++;
	return rv_pipeline_emit(p, m);
}

/* Fails on a message that reads "bad". */
static int refuse_bad(rv_pipeline *p, void *state, rv_msg *m)
{
	(void)state;
	if (rv_chain_len(&m->body) == 3 &&
	    rv_chain_at(&m->body, 0)->data[0] == 'b')
		return -EPROTO;
	return rv_pipeline_emit(p, m);
}

static const struct rv_stage three[] = {
	{.name = "split", .process = split_commas},
	{.name = "pass", .process = pass_named},
	{.name = "refuse", .process = refuse_bad},
};

TestSuite(pipeline, .init = view_setup, .fini = pool_teardown);

Test(pipeline, stages_run_in_order_and_release_leftovers)
{
	struct sink_log log = {0};
	rv_pipeline *p;
	rv_msg m = bytes_msg("one,two,three,rest-without-comma");

	cr_assert_eq(rv_pipeline_create(three, 3, record_sink, &log, &p), 0);
	cr_assert_eq(rv_pipeline_push(p, &m), 0);
	cr_assert_eq(rv_chain_len(&m.body), 0, "push empties its message");
	cr_assert_eq(log.calls, 3);
	cr_assert_str_eq(log.text, "one|two|three|");
	cr_assert_eq(log.kinds[0], 3, "each stage saw it: kind 2, then +1");
	cr_assert_null(rv_pipeline_stage_name(p));
	rv_pipeline_destroy(p);
	assert_idle();
}

Test(pipeline, a_stage_error_stops_the_pipeline)
{
	struct sink_log log = {0};
	rv_pipeline *p;
	rv_msg m = bytes_msg("ok,bad,never,");

	cr_assert_eq(rv_pipeline_create(three, 3, record_sink, &log, &p), 0);
	cr_assert_eq(rv_pipeline_push(p, &m), -EPROTO);
	cr_assert_eq(rv_pipeline_stopped(p), -EPROTO);
	cr_assert_str_eq(log.text, "ok|", "nothing after the error ran");
	m = bytes_msg("later,");
	cr_assert_eq(rv_pipeline_push(p, &m), -EPIPE);
	cr_assert_eq(rv_chain_len(&m.body), 0, "refused message released");
	rv_pipeline_destroy(p);
	assert_idle();
}

Test(pipeline, a_sink_error_stops_it_too)
{
	struct sink_log log = {.fail_with = -ECONNRESET};
	rv_pipeline *p;
	rv_msg m = bytes_msg("a,b,c,");

	cr_assert_eq(rv_pipeline_create(three, 3, record_sink, &log, &p), 0);
	cr_assert_eq(rv_pipeline_push(p, &m), -ECONNRESET);
	cr_assert_eq(log.calls, 1);
	rv_pipeline_destroy(p);
	assert_idle();
}

static rv_pipeline *nested;

static int push_inside(rv_pipeline *p, void *state, rv_msg *m)
{
	rv_msg again = bytes_msg("x");

	(void)state;
	cr_assert_eq(rv_pipeline_push(p, &again), -EBUSY);
	cr_assert_eq(rv_chain_len(&again.body), 0);
	return rv_pipeline_emit(p, m);
}

Test(pipeline, misuse_is_refused)
{
	static const struct rv_stage bad_stage[] = {{.name = "x"}};
	static const struct rv_stage nest[] = {
		{.name = "nest", .process = push_inside}};
	rv_msg m = bytes_msg("abc");
	rv_pipeline *p;

	cr_assert_eq(rv_pipeline_create(bad_stage, 1, NULL, NULL, &p), -EINVAL);
	cr_assert_eq(rv_pipeline_create(three, 0, NULL, NULL, &p), -EINVAL);
	cr_assert_eq(rv_pipeline_create(nest, 1, NULL, NULL, &nested), 0);
	cr_assert_eq(rv_pipeline_emit(nested, &m), -EINVAL,
		     "emit outside a stage");
	cr_assert_eq(rv_chain_len(&m.body), 0);
	m = bytes_msg("abc");
	cr_assert_eq(rv_pipeline_push(nested, &m), 0);
	rv_pipeline_destroy(nested);
	assert_idle();
}

/* ---- a second user: length-prefixed binary frames -------------------- */

/* Frames are a 16-bit big-endian length and that many bytes. The stage
 * keeps a partial frame in its state between pushes. */
struct lp_state {
	rv_chain pending;
};

static int lp_frame(rv_pipeline *p, void *state, rv_msg *m)
{
	struct lp_state *st = state;
	uint8_t len[2];
	int err;

	cr_assert_eq(rv_chain_append_chain(&st->pending, &m->body), 0);
	while (rv_chain_copy_out(&st->pending, 0, len, 2) == 0) {
		size_t n = (size_t)len[0] << 8 | len[1];
		rv_msg out = {.kind = 7};
		if (rv_chain_len(&st->pending) < n + 2)
			break;
		rv_chain_consume(&st->pending, 2);
		cr_assert_eq(rv_chain_take(&st->pending, n, &out.body), 0);
		if ((err = rv_pipeline_emit(p, &out)))
			return err;
	}
	return 0;
}

static void lp_fini(void *state)
{
	rv_chain_release(&((struct lp_state *)state)->pending);
}

Test(pipeline, length_prefixed_frames_at_every_split)
{
	static const struct rv_stage lp[] = {
		{.name = "lp",
		 .process = lp_frame,
		 .fini = lp_fini,
		 .state_size = sizeof(struct lp_state)}};
	static const char wire[] = "\x00\x05"
				   "hello"
				   "\x00\x00"
				   "\x00\x03"
				   "abc"
				   "\x00\x01"
				   "Z";
	const size_t n = sizeof(wire) - 1;

	for (size_t cut = 0; cut <= n; cut++) {
		struct sink_log log = {0};
		rv_pipeline *p;
		rv_msg a = RV_MSG_INIT, b = RV_MSG_INIT;
		rv_view va = bytes_view(wire, cut),
			vb = bytes_view(wire + cut, n - cut);

		rv_chain_append(&a.body, &va);
		rv_chain_append(&b.body, &vb);
		cr_assert_eq(rv_pipeline_create(lp, 1, record_sink, &log, &p),
			     0);
		cr_assert_eq(rv_pipeline_push(p, &a), 0);
		cr_assert_eq(rv_pipeline_push(p, &b), 0);
		cr_assert_str_eq(log.text, "hello||abc|Z|", "cut at %zu", cut);
		rv_pipeline_destroy(p);
		assert_idle();
	}
}

/* ---- leak reports name the stage ------------------------------------- */

static rv_view kept_forever;

static int keep_a_view(rv_pipeline *p, void *state, rv_msg *m)
{
	(void)state;
	kept_forever = rv_view_retain(rv_chain_at(&m->body, 0));
	return rv_pipeline_emit(p, m);
}

static rv_msg stashed;

/* Keeps the whole message and never releases it. */
static int stash(rv_pipeline *p, void *state, rv_msg *m)
{
	(void)p;
	(void)state;
	stashed = *m;
	*m = RV_MSG_INIT;
	return 0;
}

static char *leak_report(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	rv_pool_leak_report(pool, f);
	fclose(f);
	return text;
}

Test(pipeline, a_leak_is_reported_with_the_stage_that_made_it)
{
	static const struct rv_stage leaky[] = {
		{.name = "split", .process = split_commas},
		{.name = "keeper", .process = keep_a_view},
		{.name = "stasher", .process = stash},
	};
	rv_pool *tracked = make_pool(4, 4096, RV_POOL_TRACK_REFS);
	rv_pool *plain = pool;
	rv_pipeline *p;
	rv_msg m;
	char *report;

	pool = tracked;
	m = bytes_msg("leak-me,");
	cr_assert_eq(rv_pipeline_create(leaky, 3, NULL, NULL, &p), 0);
	cr_assert_eq(rv_pipeline_push(p, &m), 0);
	rv_pipeline_destroy(p);
	report = leak_report();
	cr_log_info("%s", report);
	cr_assert(strstr(report, "in stage keeper"),
		  "the retained view names its stage: %s", report);
	cr_assert(strstr(report, "in stage stasher"),
		  "the stashed message names the stage that held it last: %s",
		  report);
	cr_assert_not(strstr(report, "in stage split"),
		      "split released what it had: %s", report);
	free(report);
	rv_view_release(&kept_forever);
	rv_msg_release(&stashed);
	pool_down_of(tracked);
	pool = plain;
}

/* ---- HTTP as stages: a body kept by a stage outlives its request ----- */

/* Frames requests off the received bytes (body) with the library's
 * framer, one message per request. Its state starts zeroed: the framer
 * is set up at the first message. */
struct frame_state {
	bool ready;
	rv_http_framer f;
};

static int frame_stage(rv_pipeline *p, void *state, rv_msg *m)
{
	struct frame_state *st = state;
	struct rv_http_frame fr;
	int r;

	if (!st->ready) {
		rv_http_framer_init(&st->f, NULL);
		st->ready = true;
	}
	while ((r = rv_http_frame(&st->f, &m->body, &fr)) == 1) {
		rv_msg out = RV_MSG_INIT;
		rv_http_frame_to_msg(&fr, &out);
		if ((r = rv_pipeline_emit(p, &out)))
			return r;
	}
	return r;
}

static void frame_fini(void *state)
{
	struct frame_state *st = state;

	if (st->ready)
		rv_http_framer_fini(&st->f);
}

/* Parses a framed request into the message's object. */
static int parse_stage(rv_pipeline *p, void *state, rv_msg *m)
{
	struct rv_http_frame fr;
	struct rv_http_request *r;
	int err;

	(void)state;
	rv_http_frame_from_msg(m, &fr);
	err = rv_http_parse(&fr, NULL, &r, NULL);
	if (err)
		return err;
	m->obj = r;
	m->ops = &rv_http_request_ops;
	return rv_pipeline_emit(p, m);
}

static rv_view kept_body;

static int keep_body(rv_pipeline *p, void *state, rv_msg *m)
{
	struct rv_http_request *r = m->obj;

	(void)p;
	(void)state;
	cr_assert_eq(m->ops, &rv_http_request_ops);
	cr_assert(rv_view_eq(&r->method, "POST", 4));
	cr_assert_eq(rv_chain_count(&r->body), 1);
	kept_body = rv_view_retain(rv_chain_at(&r->body, 0));
	return 0; /* the request itself is released when this returns */
}

Test(pipeline, http_body_kept_after_the_head_is_released)
{
	static const char head[] = "POST /echo HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 5\r\n\r\n";
	static const struct rv_stage stages[] = {
		{.name = "frame",
		 .process = frame_stage,
		 .fini = frame_fini,
		 .state_size = sizeof(struct frame_state)},
		{.name = "parse", .process = parse_stage},
		{.name = "keep", .process = keep_body},
	};
	rv_msg m = RV_MSG_INIT;
	rv_view h = bytes_view(head, sizeof(head) - 1);
	rv_view b = bytes_view("hello", 5);
	struct rv_pool_stats st;
	rv_pipeline *p;

	cr_assert_eq(rv_pipeline_create(stages, 3, NULL, NULL, &p), 0);
	/* The head and the body arrived in two receive buffers. */
	rv_chain_append(&m.body, &h);
	rv_chain_append(&m.body, &b);
	cr_assert_eq(rv_pipeline_push(p, &m), 0);

	st = stats();
	cr_assert_eq(st.held, 1, "only the body's buffer is held (%u)",
		     st.held);
	cr_assert_eq(st.free, st.total - 1);
	cr_assert_eq(kept_body.len, 5);
	cr_assert_eq(memcmp(kept_body.data, "hello", 5), 0);

	rv_view_release(&kept_body);
	st = stats();
	cr_assert_eq(st.free, st.total, "recycled when the body is released");
	rv_pipeline_destroy(p);
	assert_idle();
}
