/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * wheel - what connections' deadlines cost (src/loop/conn_timeouts.c on
 * the timing wheel of src/loop/wheel.c), in ns, with the same harness and
 * options as micro (bench/lib/harness.h).
 *
 * Rows:
 *   deadline push (what a receive does)   the idle deadline moved later:
 *       rv__conn_touch, a store while the wheel entry waits (lazy)
 *   deadline reset, eager (wheel set)     the same done by moving the
 *       entry on the wheel every time (rv__wheel_set): what the lazy push
 *       avoids
 *   tick, 100k connections' deadlines     one millisecond of loop time
 *       with 100,000 connections whose idle deadline (60 s) is pushed by
 *       traffic on 100 of them per tick, in turn (each every second): the
 *       pushes, the wheel advanced, and every entry that comes due handled
 *       (re-armed: the connections are active, none times out). Divide by
 *       100,000 for the cost per connection per tick.
 *   tick, scanning 100k deadlines         the same tick done by looking at
 *       every deadline: the baseline a wheel is for.
 *
 * It links the library's objects (the wheel and the connection internals
 * are not API): the connections are real rv_conn, with no socket, on a
 * real loop whose clock the benchmark moves by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "loop/loop_internal.h"

#define CONNS	100000u
#define IDLE_MS 60000u
#define ACTIVE	100u /* connections with traffic per tick */

struct bench_ctx {
	rv_loop *loop;
	rv_conn **conns;
	uint32_t *scan; /* the scanning baseline's deadlines */
	uint32_t next;	/* the next connection with traffic */
};

static volatile uint64_t sink;

/* The next connection with traffic: each in turn. */
static uint32_t next_active(struct bench_ctx *cx)
{
	uint32_t i = cx->next;

	cx->next = i + 1 == CONNS ? 0 : i + 1;
	return i;
}

static void nop_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	(void)in;
}

static const struct rv_conn_ops ops = {.on_data = nop_data};

static double b_push(struct bench_ctx *cx, uint64_t iters)
{
	rv_conn *c = cx->conns[0];
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		rv__conn_touch(c);
		clobber();
	}
	return per_op(t0, now_ns(), iters);
}

static double b_eager(struct bench_ctx *cx, uint64_t iters)
{
	rv_conn *c = cx->conns[1];
	struct rv__wheel *w = &cx->loop->deadline_wheel;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		rv__wheel_set(w, &c->deadline,
			      rv__loop_wheel_time(cx->loop) + IDLE_MS +
				      (i & 7));
		clobber();
	}
	return per_op(t0, now_ns(), iters);
}

/* One millisecond passes: traffic on ACTIVE connections, then the wheel
 * catches up with the clock. */
static double b_tick(struct bench_ctx *cx, uint64_t iters)
{
	rv_loop *loop = cx->loop;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		loop->now_ms++;
		for (unsigned k = 0; k < ACTIVE; k++)
			rv__conn_touch(cx->conns[next_active(cx)]);
		rv__wheel_advance(&loop->deadline_wheel,
				  rv__loop_wheel_time(loop),
				  rv__conn_deadline_fired, loop);
	}
	return per_op(t0, now_ns(), iters);
}

static double b_scan(struct bench_ctx *cx, uint64_t iters)
{
	uint32_t now = 1;
	uint64_t due = 0, t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++, now++) {
		for (unsigned k = 0; k < ACTIVE; k++)
			cx->scan[next_active(cx)] = now + IDLE_MS;
		for (uint32_t k = 0; k < CONNS; k++)
			due += (int32_t)(now - cx->scan[k]) >= 0;
		clobber();
	}
	sink = due;
	return per_op(t0, now_ns(), iters);
}

static const struct bench benches[] = {
	{.name = "baseline: empty loop", .fn = bench_empty_loop},
	{.name = "deadline push (what a receive does)", .fn = b_push},
	{.name = "deadline reset, eager (wheel set)", .fn = b_eager},
	{.name = "tick, 100k connections' deadlines",
	 .fn = b_tick,
	 .iter_div = 200,
	 .note = "per ms of loop time; / 100000 = per connection"},
	{.name = "tick, scanning 100k deadlines",
	 .fn = b_scan,
	 .iter_div = 2000,
	 .note = "the baseline: every deadline looked at"},
};

int main(int argc, char **argv)
{
	struct rv_loop_config cfg = {.timeouts.idle_ms = IDLE_MS,
				     .pool = {.count = 16, .size = 4096}};
	struct bench_opts op = {0};
	struct bench_ctx cx = {0};
	char title[96];
	int failed, err;

	bench_parse(argc, argv, "wheel", &op);
	err = rv_loop_create(&cfg, &cx.loop);
	if (err) {
		fprintf(stderr, "wheel: rv_loop_create: %s\n",
			rv_strerror(err));
		return 2;
	}
	cx.conns = calloc(CONNS, sizeof(*cx.conns));
	cx.scan = calloc(CONNS, sizeof(*cx.scan));
	if (!cx.conns || !cx.scan)
		return 2;
	/* Their deadlines spread over 1 to 60 s ahead; each gets traffic
	 * within the first second, so none times out. */
	for (uint32_t i = 0; i < CONNS; i++) {
		cx.conns[i] = rv__conn_new(cx.loop, -1, &ops, NULL);
		if (!cx.conns[i])
			return 2;
		cx.loop->now_ms =
			cx.loop->epoch_ms + 1000 + i % (IDLE_MS - 1000);
		rv__conn_touch(cx.conns[i]);
		cx.scan[i] = 1000 + i % (IDLE_MS - 1000) + IDLE_MS;
	}
	cx.loop->now_ms = cx.loop->epoch_ms + IDLE_MS;
	snprintf(title, sizeof(title),
		 "ringview %s, deadlines of %u connections (idle %u ms)",
		 rv_version(), CONNS, IDLE_MS);
	failed = bench_run(&op, title, benches,
			   sizeof(benches) / sizeof(benches[0]), &cx);
	printf("wheel: %u deadlines pending, %llu connections timed out "
	       "(expected 0: all stay active)\n",
	       cx.loop->deadline_wheel.count,
	       (unsigned long long)cx.loop->stats.timeouts);
	/* The connections have no socket: free them as the loop would. */
	for (uint32_t i = 0; i < CONNS; i++)
		rv__conn_kill(cx.conns[i], -ECANCELED);
	rv__loop_flush_dirty(cx.loop);
	rv_loop_destroy(cx.loop);
	free(cx.conns);
	free(cx.scan);
	return failed < 0 ? 2 : 0;
}
