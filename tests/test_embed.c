/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_embed.c - an rv_loop inside a libev loop the application owns
 * (ringview/ev.h), on each backend: echo connections are served while the
 * application's own timer keeps firing, the application's callbacks may
 * send on connections, and destroying the rv_loop leaves the application's
 * loop as it was.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <ev.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ringview/ev.h>

#include "net_util.h"

#define KiB 1024u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Echo under load - many connections, half-closes, a long run of round
 * trips - while the application's 2 ms timer keeps firing throughout. */
TEST_BACKENDS(embed, echo_while_app_timer_fires)
ParameterizedTest(struct test_backend *be, embed, echo_while_app_timer_fires,
		  .timeout = 60)
{
	struct test_server s = {
		.cfg = {.pool = {.count = 256, .size = 4096}},
		.embed = true,
		.tick_ms = 2,
	};
	unsigned t0, t1, t2, rounds = 0;
	double start, end;
	char out[100], in[100];
	int fd;

	cr_assert_eq(test_server_start_on(&s, be), 0);
	t0 = atomic_load(&s.ticks);
	cr_assert_eq(
		test_echo_clients(s.port, 100, 64 * KiB, 16 * KiB, false, 30),
		0);
	cr_assert_eq(
		test_echo_clients(s.port, 10, 300 * KiB, 32 * KiB, true, 30),
		0);
	/* At least 300 ms and 100 round trips (a busy machine takes longer;
	 * nothing here depends on its speed): the timer must not wait for
	 * them. */
	fd = test_connect(s.port);
	cr_assert_geq(fd, 0);
	t1 = atomic_load(&s.ticks);
	start = now_s();
	do {
		for (size_t k = 0; k < sizeof(out); k++)
			out[k] = (char)test_pattern(rounds, k);
		cr_assert_eq(send(fd, out, sizeof(out), MSG_NOSIGNAL),
			     (ssize_t)sizeof(out));
		cr_assert_eq(test_read_full(fd, in, sizeof(in)), sizeof(in));
		cr_assert(memcmp(in, out, sizeof(in)) == 0);
		rounds++;
		end = now_s();
	} while ((end - start < 0.3 || rounds < 100) && end - start < 20);
	t2 = atomic_load(&s.ticks);
	close(fd);
	test_server_stop(&s);
	cr_log_info("%u round trips; ticks %u before, %u in %.0f ms", rounds,
		    t1 - t0, t2 - t1, (end - start) * 1e3);
	cr_assert_geq(rounds, 100, "only %u round trips in %.0f ms", rounds,
		      (end - start) * 1e3);
	/* 150 expected on an idle machine in 300 ms; on a busy one the loop
	 * wakes less often, but then a round trip spans a tick or more. A
	 * timer starved by the echo would show a handful either way. */
	cr_assert_geq(t2 - t1, rounds / 4 < 50 ? rounds / 4 : 50,
		      "the application's timer fired %u times "
		      "in %u round trips (%.0f ms) of echo",
		      t2 - t1, rounds, (end - start) * 1e3);
	cr_assert_eq(s.loop_final.accepted, 111);
	cr_assert_eq(s.loop_final.closed, 111);
	test_assert_pool_whole(&s);
}

/* ---- sending from the application's own callbacks -------------------- */

#define MAX_TICK_CONNS 8
static rv_conn *tick_conns[MAX_TICK_CONNS];
static const char tick_msg[] = "tick\n";

static void tick_open(rv_conn *c)
{
	for (int i = 0; i < MAX_TICK_CONNS; i++) {
		if (!tick_conns[i]) {
			tick_conns[i] = c;
			return;
		}
	}
}

static void tick_close(rv_conn *c, int err)
{
	(void)err;
	for (int i = 0; i < MAX_TICK_CONNS; i++)
		if (tick_conns[i] == c)
			tick_conns[i] = NULL;
}

static void tick_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	rv_chain_consume(in, rv_chain_len(in));
}

static const struct rv_conn_ops tick_ops = {
	.on_open = tick_open,
	.on_data = tick_data,
	.on_close = tick_close,
};

/* The application's timer (not a ringview callback) sends on every open
 * connection, from pool buffers: the sends go out before libev next
 * blocks. (The server's thread: no Criterion assertions here. A closing
 * connection refuses the send with -EPIPE; the client would notice.) */
static void send_ticks(struct test_server *s, rv_loop *loop)
{
	(void)s;
	for (int i = 0; i < MAX_TICK_CONNS; i++) {
		rv_view v;
		if (!tick_conns[i] || rv_pool_get(rv_loop_pool(loop), &v))
			continue;
		rv_view_write(&v, 0, tick_msg, sizeof(tick_msg) - 1);
		rv_view_truncate(&v, sizeof(tick_msg) - 1);
		rv_conn_send(tick_conns[i], v);
	}
}

TEST_BACKENDS(embed, app_timer_sends)
ParameterizedTest(struct test_backend *be, embed, app_timer_sends,
		  .timeout = 60)
{
	/* More buffers than io_uring keeps in its ring (64), so that the
	 * application can take some. */
	struct test_server s = {
		.cfg = {.pool = {.count = 128, .size = 4096}},
		.ops = &tick_ops,
		.embed = true,
		.tick_ms = 5,
		.on_tick = send_ticks,
	};
	char buf[20 * (sizeof(tick_msg) - 1)];
	int fds[3];

	cr_assert_eq(test_server_start_on(&s, be), 0);
	for (int i = 0; i < 3; i++) {
		fds[i] = test_connect(s.port);
		cr_assert_geq(fds[i], 0);
	}
	/* Twenty ticks each, whole and in order (reads time out after
	 * 10 s: a send left unflushed would hang here). */
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(test_read_full(fds[i], buf, sizeof(buf)),
			     sizeof(buf));
		for (size_t k = 0; k < sizeof(buf); k += sizeof(tick_msg) - 1)
			cr_assert(memcmp(buf + k, tick_msg,
					 sizeof(tick_msg) - 1) == 0);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	test_server_stop(&s);
	cr_assert_eq(s.loop_final.closed, 3);
	test_assert_pool_whole(&s);
}

/* ---- the application's loop before and after ------------------------- */

static int app_ticks;

static void count_tick(struct ev_loop *evl, ev_timer *w, int revents)
{
	(void)revents;
	if (++app_ticks == 3)
		ev_timer_stop(evl, w);
}

/* rv_loop_ev names the application's loop; after rv_loop_destroy nothing
 * of ringview's is left on it: ev_run returns as soon as the
 * application's own last watcher stops. */
TEST_BACKENDS(embed, destroy_leaves_app_loop)
ParameterizedTest(struct test_backend *be, embed, destroy_leaves_app_loop,
		  .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096},
				     .backend = be->backend};
	struct ev_loop *evl = ev_loop_new(EVFLAG_AUTO);
	rv_listener *l;
	rv_loop *loop;
	ev_timer t;
	int err;

	cr_assert_not_null(evl);
	cr_assert_eq(rv_loop_create_ev(NULL, NULL, &loop), -EINVAL);
	err = rv_loop_create_ev(&cfg, evl, &loop);
	if (be->backend == RV_BACKEND_URING &&
	    (err == -EPERM || err == -ENOSYS))
		cr_skip_test("io_uring is not usable here (%s)",
			     rv_strerror(err));
	cr_assert_eq(err, 0);
	cr_assert_str_eq(rv_loop_backend_name(loop), be->name);
	cr_assert_eq(rv_loop_ev(loop), evl);
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &tick_ops, NULL, &l),
		     0);
	ev_run(evl, EVRUN_NOWAIT);
	cr_assert_eq(rv_loop_destroy(loop), 0);

	ev_timer_init(&t, count_tick, 0.001, 0.001);
	ev_timer_start(evl, &t);
	ev_run(evl, 0); /* returns once the timer stops: nothing else left */
	cr_assert_eq(app_ticks, 3);
	ev_loop_destroy(evl);
}

/* Without embedding, the libev backend exposes its own loop, so an
 * application can add watchers that run inside rv_loop_run. */
Test(embed, ev_backend_own_loop, .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096},
				     .backend = RV_BACKEND_EV};
	rv_loop *loop;
	ev_timer t;

	cr_assert_eq(rv_loop_create(&cfg, &loop), 0);
	cr_assert_not_null(rv_loop_ev(loop));
	ev_timer_init(&t, count_tick, 0.001, 0.001);
	ev_timer_start(rv_loop_ev(loop), &t);
	for (int i = 0; i < 200 && app_ticks < 3; i++)
		cr_assert_geq(rv_loop_run_once(loop, 10), 0);
	cr_assert_eq(app_ticks, 3);
	cr_assert_eq(rv_loop_destroy(loop), 0);
}

#ifdef RV_HAVE_URING
/* An io_uring loop that is not embedded has no libev loop. */
Test(embed, uring_not_embedded_has_no_ev_loop, .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096},
				     .backend = RV_BACKEND_URING};
	rv_loop *loop;
	int err = rv_loop_create(&cfg, &loop);

	if (err == -EPERM || err == -ENOSYS)
		cr_skip_test("io_uring is not usable here (%s)",
			     rv_strerror(err));
	cr_assert_eq(err, 0);
	cr_assert_null(rv_loop_ev(loop));
	cr_assert_eq(rv_loop_destroy(loop), 0);
}
#endif

/* Timers and deadlines of an embedded loop: nothing calls
 * rv_loop_run_once, the application only runs its libev loop. */
static int embed_fires, embed_closed, embed_err;
static struct ev_loop *embed_evl;

static void embed_tick(rv_timer *t, void *user)
{
	(void)user;
	if (++embed_fires == 5)
		rv_timer_stop(t);
}

static void embed_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	rv_chain_consume(in, rv_chain_len(in));
}

/* It may run just before the application's loop would block (connections
 * are freed there): break out so the test sees it. */
static void embed_close(rv_conn *c, int err)
{
	(void)c;
	embed_closed++;
	embed_err = err;
	ev_break(embed_evl, EVBREAK_ONE);
}

static const struct rv_conn_ops idle_ops = {.on_data = embed_data,
					    .on_close = embed_close};

TEST_BACKENDS(embed, timers_and_deadlines_run_on_the_app_loop)
ParameterizedTest(struct test_backend *be, embed,
		  timers_and_deadlines_run_on_the_app_loop, .timeout = 60)
{
	struct rv_loop_config cfg = {.backend = be->backend,
				     .timeouts.idle_ms = 100};
	struct ev_loop *evl = ev_loop_new(EVFLAG_AUTO);
	double start = now_s();
	uint64_t t0;
	rv_loop *loop;
	rv_timer *t;
	rv_conn *c;
	int sp[2], err;

	embed_evl = evl;
	err = rv_loop_create_ev(&cfg, evl, &loop);
	if (be->backend == RV_BACKEND_URING &&
	    (err == -EPERM || err == -ENOSYS))
		cr_skip_test("io_uring is not usable here");
	cr_assert_eq(err, 0);
	cr_assert_eq(rv_timer_create(loop, embed_tick, NULL, &t), 0);
	t0 = rv_loop_now(loop);
	rv_timer_start(t, 20, 10);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	cr_assert_eq(rv_conn_adopt(loop, sp[0], &idle_ops, NULL, &c), 0);
	while ((embed_fires < 5 || !embed_closed) && now_s() - start < 5)
		ev_run(evl, EVRUN_ONCE);
	cr_assert_eq(embed_fires, 5, "the timer fired on the app's loop");
	cr_assert_geq(rv_loop_now(loop) - t0, 60);
	cr_assert_eq(embed_closed, 1, "the idle connection timed out");
	cr_assert_eq(embed_err, -ETIMEDOUT);
	close(sp[1]);
	rv_timer_destroy(t);
	cr_assert_eq(rv_loop_destroy(loop), 0);
	ev_loop_destroy(evl);
}
