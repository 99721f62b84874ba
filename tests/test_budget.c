/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_budget.c - what one connection, and many, may hold of the pool, on
 * each backend: the per-connection budget stops a connection that keeps
 * everything it receives and reads it again once it lets go; on_budget
 * moving kept bytes out of the buffers lets it read on, bytes intact; a
 * stopped connection takes at most one more buffer; under pool pressure
 * connections that outnumber the pool are all served (the loop wakes
 * itself to act) and holders that make no progress are shed. Every test
 * ends with the pool whole.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_util.h"
#include "loop_util.h"

#define BUF_SIZE 16384u

/* ---- a connection that keeps what it receives ------------------------- */

struct keeper {
	rv_conn *c;
	rv_chain kept;	 /* every view received, in order */
	size_t received; /* bytes in all */
	bool detach;	 /* on_budget moves |kept| out of the buffers */
	bool pause_each; /* pause after every on_data (one_more_buffer) */
	bool paused;	 /* ... and is paused now */
	size_t while_paused, max_while_paused;
	int pauses, budget_calls, closed, close_err;
	uint32_t max_buffers; /* rv_conn_buffers, the most seen */
};

static void keeper_open(rv_conn *c)
{
	struct keeper *k = rv_conn_user(c);

	k->c = c;
	rv_chain_init(&k->kept);
}

static void keeper_data(rv_conn *c, rv_chain *in)
{
	struct keeper *k = rv_conn_user(c);
	size_t n = rv_chain_len(in);

	k->received += n;
	if (k->paused) {
		k->while_paused += n;
		if (k->while_paused > k->max_while_paused && k->pauses > 1)
			k->max_while_paused = k->while_paused;
	}
	cr_assert_eq(rv_chain_append_chain(&k->kept, in), 0);
	if (rv_conn_buffers(c) > k->max_buffers)
		k->max_buffers = rv_conn_buffers(c);
	if (k->pause_each && !k->paused) {
		rv_conn_pause(c);
		k->paused = true;
		k->while_paused = 0;
		k->pauses++;
	}
}

static void keeper_budget(rv_conn *c, rv_chain *in)
{
	struct keeper *k = rv_conn_user(c);

	(void)in;
	k->budget_calls++;
	if (k->detach)
		cr_assert_eq(rv_chain_detach(&k->kept), 0);
}

static void keeper_close(rv_conn *c, int err)
{
	struct keeper *k = rv_conn_user(c);

	k->closed++;
	k->close_err = err;
	k->c = NULL;
	rv_chain_release(&k->kept);
}

static const struct rv_conn_ops keeper_ops = {.on_open = keeper_open,
					      .on_data = keeper_data,
					      .on_budget = keeper_budget,
					      .on_close = keeper_close};

/* One keeper per accepted connection, from an array the listener's user
 * points to. */
struct keepers {
	struct keeper *k;
	int n, opened;
	bool detach;
};

static void keepers_open(rv_conn *c)
{
	struct keepers *ks = rv_conn_user(c);
	struct keeper *k = &ks->k[ks->opened++];

	k->detach = ks->detach;
	rv_conn_set_user(c, k);
	keeper_open(c);
}

static const struct rv_conn_ops keepers_ops = {.on_open = keepers_open,
					       .on_data = keeper_data,
					       .on_budget = keeper_budget,
					       .on_close = keeper_close};

/* ---- a peer that sends a known pattern -------------------------------- */

struct feeder {
	int fd;
	size_t sent, want;
};

static uint8_t pattern_at(size_t off)
{
	return (uint8_t)(off * 7 + off / 251);
}

static void feed(struct feeder *f)
{
	uint8_t chunk[65536];
	size_t n = f->want - f->sent < sizeof(chunk) ? f->want - f->sent
						     : sizeof(chunk);
	ssize_t w;

	for (size_t i = 0; i < n; i++)
		chunk[i] = pattern_at(f->sent + i);
	w = n ? send(f->fd, chunk, n, MSG_DONTWAIT) : 0;
	if (w > 0)
		f->sent += (size_t)w;
}

static void feeder_start(struct feeder *f, rv_listener *l, size_t want)
{
	f->fd = tl_connect_raw(rv_listener_port(l));
	cr_assert_geq(f->fd, 0);
	fcntl(f->fd, F_SETFL, O_NONBLOCK);
	f->sent = 0;
	f->want = want;
}

/* The kept chain holds the pattern from its start, all |len| bytes. */
static void check_pattern(const rv_chain *kept, size_t len)
{
	size_t off = 0;

	cr_assert_eq(rv_chain_len(kept), len);
	for (uint32_t i = 0; i < rv_chain_count(kept); i++) {
		const rv_view *v = rv_chain_at(kept, i);
		for (size_t j = 0; j < v->len; j++, off++)
			if (v->data[j] != pattern_at(off))
				cr_assert_fail("byte %zu differs", off);
	}
}

struct feed_goal {
	struct feeder *f;
	struct keeper *k;
	rv_loop *loop;
	size_t until; /* received */
	bool release; /* the keeper lets go of what it kept, each pass */
};

static bool fed_until(void *ctx)
{
	struct feed_goal *g = ctx;

	feed(g->f);
	if (g->release && g->k->c)
		rv_chain_release(&g->k->kept);
	if (g->k->c && rv_conn_buffers(g->k->c) > g->k->max_buffers)
		g->k->max_buffers = rv_conn_buffers(g->k->c);
	return g->k->received >= g->until;
}

static struct rv_loop_stats stats_of(rv_loop *loop)
{
	struct rv_loop_stats st;

	rv_loop_stats(loop, &st);
	return st;
}

static uint32_t budget_of(rv_loop *loop)
{
	struct rv_pool_stats st;

	rv_pool_stats(rv_loop_pool(loop), &st);
	return st.total / 64;
}

/* ---- the budget ------------------------------------------------------- */

/* A connection that keeps every view stops being read at its budget (a
 * receive's worth past it at most), counted in stats.over_budget; the
 * peer is pushed back. Once it lets go, reading resumes to the end. */
TEST_BACKENDS(budget, stops_a_hoarder_and_resumes)
ParameterizedTest(struct test_backend *b, budget, stops_a_hoarder_and_resumes)
{
	struct rv_loop_config cfg = {.pool = {.count = 512, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper k = {0};
	struct feeder f;
	struct feed_goal g = {&f, &k, loop, 4u << 20, false};
	uint32_t budget = budget_of(loop); /* 8 */
	rv_listener *l;
	size_t stalled_at;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keeper_ops, &k, &l),
		     0);
	feeder_start(&f, l, 4u << 20);
	/* It cannot get it all while it keeps everything. */
	cr_assert_not(tl_run_until(loop, fed_until, &g, 1500),
		      "a hoarder received all 4 MiB");
	stalled_at = k.received;
	cr_assert_leq(k.max_buffers, budget + 4, "held %u buffers, budget %u",
		      k.max_buffers, budget);
	cr_assert_leq(stalled_at, (size_t)(budget + 4) * BUF_SIZE);
	cr_assert_geq(stats_of(loop).over_budget, 1);
	cr_assert_lt(f.sent, 4u << 20, "the peer was not pushed back");

	/* Let go: everything arrives. */
	g.release = true;
	cr_assert(tl_run_until(loop, fed_until, &g, 10000),
		  "received %zu of 4 MiB after letting go", k.received);
	rv_conn_abort(k.c);
	close(f.fd);
	tl_destroy(loop);
}

/* A hoarder aborted while at its budget lets go of its views in on_close:
 * the buffers coming back must not put the connection, being freed, back
 * on the loop's lists (a use after free the sanitizer build sees). The
 * loop serves the next connection as before. */
TEST_BACKENDS(budget, a_hoarder_aborted_at_its_budget_is_freed_cleanly)
ParameterizedTest(struct test_backend *b, budget,
		  a_hoarder_aborted_at_its_budget_is_freed_cleanly)
{
	struct rv_loop_config cfg = {.pool = {.count = 512, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper k = {0};
	struct feeder f;
	struct feed_goal g = {&f, &k, loop, 4u << 20, false};
	rv_listener *l, *echo;
	struct rv_addr a;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keeper_ops, &k, &l),
		     0);
	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &echo_ops, NULL, &echo), 0);
	feeder_start(&f, l, 4u << 20);
	cr_assert_not(tl_run_until(loop, fed_until, &g, 1500));
	cr_assert_geq(stats_of(loop).over_budget, 1);
	cr_assert_geq(rv_conn_buffers(k.c), budget_of(loop));
	rv_conn_abort(k.c);
	cr_assert(tl_run_until_count(loop, &k.closed, 1, 5000));
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(echo), &a), 0);
	echo_through(loop, &a);
	close(f.fd);
	tl_destroy(loop);
}

/* A connection that moves what it keeps out of the buffers at on_budget
 * is never stopped for long: it receives all 2 MiB, holding at most its
 * budget and a receive, and every byte is intact. */
TEST_BACKENDS(budget, on_budget_detach_reads_on)
ParameterizedTest(struct test_backend *b, budget, on_budget_detach_reads_on)
{
	struct rv_loop_config cfg = {.pool = {.count = 512, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper k = {.detach = true};
	struct feeder f;
	struct feed_goal g = {&f, &k, loop, 2u << 20, false};
	uint32_t budget = budget_of(loop);
	rv_listener *l;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keeper_ops, &k, &l),
		     0);
	feeder_start(&f, l, 2u << 20);
	cr_assert(tl_run_until(loop, fed_until, &g, 10000),
		  "received %zu of 2 MiB", k.received);
	cr_assert_gt(k.budget_calls, 0);
	cr_assert_leq(k.max_buffers, budget + 4, "held %u buffers, budget %u",
		      k.max_buffers, budget);
	check_pattern(&k.kept, 2u << 20);
	rv_conn_abort(k.c);
	close(f.fd);
	tl_destroy(loop);
}

/* ---- a stopped connection ------------------------------------------- */

static void resume_keeper(rv_timer *t, void *user)
{
	struct keeper *k = user;

	(void)t;
	if (k->c && k->paused) {
		k->paused = false;
		rv_conn_resume(k->c);
	}
	rv_chain_release(&k->kept);
}

static bool received_all(void *ctx)
{
	struct feed_goal *g = ctx;

	feed(g->f);
	return g->k->received >= g->until;
}

/* Paused after every delivery and resumed a little later, while its peer
 * sends without pause: after the first stop, at most one buffer arrives
 * between a pause and its resume (a backend receiving continuously would
 * bring in what the socket holds before it sees the stop). */
TEST_BACKENDS(budget, a_stopped_connection_takes_one_more_buffer_at_most)
ParameterizedTest(struct test_backend *b, budget,
		  a_stopped_connection_takes_one_more_buffer_at_most)
{
	struct rv_loop_config cfg = {.pool = {.count = 512, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper k = {.pause_each = true};
	struct feeder f;
	struct feed_goal g = {&f, &k, loop, 4u << 20, false};
	rv_listener *l;
	rv_timer *t;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keeper_ops, &k, &l),
		     0);
	cr_assert_eq(rv_timer_create(loop, resume_keeper, &k, &t), 0);
	rv_timer_start(t, 1, 1);
	feeder_start(&f, l, 4u << 20);
	cr_assert(tl_run_until(loop, received_all, &g, 20000),
		  "received %zu of 4 MiB", k.received);
	cr_assert_gt(k.pauses, 10);
	cr_assert_leq(k.max_while_paused, BUF_SIZE,
		      "%zu bytes arrived while paused", k.max_while_paused);
	rv_timer_destroy(t);
	rv_conn_abort(k.c);
	close(f.fd);
	tl_destroy(loop);
}

/* ---- pressure ---------------------------------------------------------- */

/* |n| clients of |l|, each of which sent "x": their sockets in |fds|. */
static void connect_each_sending_a_byte(rv_listener *l, int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		fds[i] = tl_connect_raw(rv_listener_port(l));
		cr_assert_geq(fds[i], 0);
		cr_assert_eq(send(fds[i], "x", 1, 0), 1);
	}
}

/* Run |loop| with long waits (the loop must wake itself to act on
 * pressure: nothing else will happen) until |n| keepers received a byte,
 * or |ms| pass. */
static bool all_received(rv_loop *loop, struct keeper *k, int n, int ms)
{
	uint64_t end = tl_now_ms() + (uint64_t)ms;

	for (;;) {
		int got = 0;
		for (int i = 0; i < n; i++)
			got += k[i].received > 0;
		if (got == n)
			return true;
		if (tl_now_ms() >= end)
			return false;
		cr_assert_geq(rv_loop_run_once(loop, ms), 0);
	}
}

/* 200 connections each send a byte to a 64-buffer pool and keep it, but
 * move it out of its buffer when asked (on_budget): every one is served,
 * the loop waking itself between rounds of pressure, and the pool ends
 * with most buffers free. */
TEST_BACKENDS(budget, pressure_serves_connections_that_outnumber_the_pool)
ParameterizedTest(struct test_backend *b, budget,
		  pressure_serves_connections_that_outnumber_the_pool)
{
	enum { N = 200 };
	struct rv_loop_config cfg = {.pool = {.count = 64, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper *k = calloc(N, sizeof(*k));
	struct keepers ks = {.k = k, .n = N, .detach = true};
	struct rv_pool_stats st;
	rv_listener *l;
	int fds[N];

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keepers_ops, &ks, &l),
		     0);
	connect_each_sending_a_byte(l, fds, N);
	cr_assert(all_received(loop, k, N, 10000),
		  "not every connection was served (%d opened)", ks.opened);
	rv_pool_stats(rv_loop_pool(loop), &st);
	cr_assert_geq(st.free, st.total / 2, "%u of %u free", st.free,
		      st.total);
	cr_assert_gt(stats_of(loop).pressure, 0);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(rv_chain_len(&k[i].kept), 1);
		cr_assert_eq(rv_chain_at(&k[i].kept, 0)->data[0], 'x');
		close(fds[i]);
	}
	tl_run_until_count(loop, &k[N - 1].closed, 1, 2000);
	tl_destroy(loop);
	free(k);
}

struct shed_goal {
	rv_loop *loop;
	struct keeper *k;
	int n;
};

static bool some_shed_and_pool_back(void *ctx)
{
	struct shed_goal *g = ctx;
	struct rv_pool_stats st;

	rv_pool_stats(rv_loop_pool(g->loop), &st);
	return stats_of(g->loop).shed > 0 && st.free >= st.total / 8;
}

/* 80 connections each send a byte to a 64-buffer pool and keep it in its
 * buffer (no on_budget to move it): the pool stays nearly empty, so after
 * a second the holders that made no progress are reset (-ENOBUFS), the
 * pool comes back, and a new client is served. */
TEST_BACKENDS(budget, pressure_sheds_holders_that_make_no_progress)
ParameterizedTest(struct test_backend *b, budget,
		  pressure_sheds_holders_that_make_no_progress, .timeout = 60)
{
	enum { N = 80 };
	struct rv_loop_config cfg = {.pool = {.count = 64, .size = BUF_SIZE}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct keeper *k = calloc(N, sizeof(*k));
	struct keepers ks = {.k = k, .n = N};
	struct shed_goal g = {loop, k, N};
	rv_listener *l, *echo_l;
	struct rv_addr a;
	int fds[N], reset = 0;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keepers_ops, &ks, &l),
		     0);
	connect_each_sending_a_byte(l, fds, N);
	cr_assert(tl_run_until(loop, some_shed_and_pool_back, &g, 10000),
		  "no holder was shed, or the pool did not come back");
	for (int i = 0; i < N; i++)
		if (k[i].closed && k[i].close_err == -ENOBUFS)
			reset++;
	cr_assert_gt(reset, 0, "no connection was reset with -ENOBUFS");
	cr_assert_eq(reset, (int)stats_of(loop).shed);

	/* A newcomer is served. */
	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &echo_ops, NULL, &echo_l),
		0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(echo_l), &a), 0);
	echo_through(loop, &a);
	for (int i = 0; i < N; i++) {
		if (k[i].c)
			rv_conn_abort(k[i].c);
		close(fds[i]);
	}
	tl_destroy(loop);
	free(k);
}
