/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_timer.c - timers and connections' deadlines on each backend, the
 * loop on the test's own thread: timers fire in order and never early,
 * repeat, stop and destroy themselves and each other from their
 * callbacks, close and abort connections; idle, read and write timeouts
 * each end 10,000 connections (opened by a child process, which has a
 * descriptor limit of its own) and none early. Pool whole at the end.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn_util.h"
#include "loop_util.h"

/* ---- timers ----------------------------------------------------------- */

struct shot {
	int order[16];
	uint64_t at[16];
	int n;
	rv_timer *t[16];
	uint64_t start;
};

static struct shot shots;

static void record(rv_timer *t, void *user)
{
	int id = (int)(intptr_t)user;

	shots.order[shots.n] = id;
	shots.at[shots.n] = rv_loop_now(rv_timer_loop(t));
	shots.n++;
}

TEST_BACKENDS(timer, fire_in_order_never_early)
ParameterizedTest(struct test_backend *b, timer, fire_in_order_never_early)
{
	static const uint64_t delay[] = {50, 10, 30, 20, 0, 30};
	static const int expect[] = {4, 1, 3, 2, 5, 0};
	rv_loop *loop = tl_loop(b, NULL);

	memset(&shots, 0, sizeof(shots));
	for (int i = 0; i < 6; i++)
		cr_assert_eq(rv_timer_create(loop, record, (void *)(intptr_t)i,
					     &shots.t[i]),
			     0);
	shots.start = tl_now_ms();
	for (int i = 0; i < 6; i++) {
		rv_timer_start(shots.t[i], delay[i], 0);
		cr_assert(rv_timer_active(shots.t[i]));
	}
	cr_assert(tl_run_until_count(loop, &shots.n, 6, 5000));
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(shots.order[i], expect[i], "firing %d was %d", i,
			     shots.order[i]);
		cr_assert_geq(shots.at[i], shots.start + delay[expect[i]],
			      "timer %d fired early", expect[i]);
		cr_assert_not(rv_timer_active(shots.t[expect[i]]));
	}
	/* Left for the loop to free (and LeakSanitizer to check). */
	tl_destroy(loop);
}

static int repeats;

static void repeat_five(rv_timer *t, void *user)
{
	(void)user;
	if (repeats < 5)
		cr_assert(rv_timer_active(t), "rescheduled before it runs");
	else
		cr_assert_not(rv_timer_active(t), "a one-shot is not");
	if (++repeats == 5)
		rv_timer_stop(t);
}

TEST_BACKENDS(timer, repeat_then_stop_inside)
ParameterizedTest(struct test_backend *b, timer, repeat_then_stop_inside)
{
	rv_loop *loop = tl_loop(b, NULL);
	uint64_t t0 = tl_now_ms();
	rv_timer *t;

	cr_assert_eq(rv_timer_create(loop, repeat_five, NULL, &t), 0);
	rv_timer_start(t, 10, 10);
	cr_assert(tl_run_until_count(loop, &repeats, 5, 5000));
	cr_assert_geq(tl_now_ms() - t0, 50, "five periods of 10 ms");
	tl_run_for(loop, 100);
	cr_assert_eq(repeats, 5, "stopped inside its callback");
	cr_assert_not(rv_timer_active(t));
	rv_timer_start(t, 0, 0); /* and started again */
	cr_assert(tl_run_until_count(loop, &repeats, 6, 5000));
	rv_timer_destroy(t);
	tl_destroy(loop);
}

static rv_timer *victim;
static int victim_fired, killer_fired;

static void victim_fn(rv_timer *t, void *user)
{
	(void)t;
	(void)user;
	victim_fired++;
}

/* Destroys the other timer, due in the same millisecond, then itself. */
static void killer_fn(rv_timer *t, void *user)
{
	(void)user;
	killer_fired++;
	rv_timer_destroy(victim);
	rv_timer_destroy(t);
	cr_assert_eq(
		rv_timer_create(rv_timer_loop(t), victim_fn, NULL, &victim), 0,
		"the loop still works for it");
	rv_timer_destroy(victim);
}

TEST_BACKENDS(timer, destroy_itself_and_another_inside)
ParameterizedTest(struct test_backend *b, timer,
		  destroy_itself_and_another_inside)
{
	rv_loop *loop = tl_loop(b, NULL);
	rv_timer *killer;

	cr_assert_eq(rv_timer_create(loop, killer_fn, NULL, &killer), 0);
	cr_assert_eq(rv_timer_create(loop, victim_fn, NULL, &victim), 0);
	rv_timer_start(killer, 20, 5);
	rv_timer_start(victim, 20, 0);
	cr_assert(tl_run_until_count(loop, &killer_fired, 1, 5000));
	tl_run_for(loop, 50);
	cr_assert_eq(killer_fired, 1, "destroyed: it does not repeat");
	cr_assert_eq(victim_fired, 0, "destroyed before its turn");
	tl_destroy(loop);
}

/* ---- a timer ends connections ----------------------------------------- */

struct ender {
	rv_conn *closer, *aborter;
	int closed, err_closer, err_aborter;
};

static struct ender ender;

static void ender_open(rv_conn *c)
{
	if (!ender.closer)
		ender.closer = c;
	else
		ender.aborter = c;
}

static void ender_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	rv_chain_consume(in, rv_chain_len(in));
}

static void ender_close(rv_conn *c, int err)
{
	if (c == ender.closer)
		ender.err_closer = err;
	else
		ender.err_aborter = err;
	ender.closed++;
}

static const struct rv_conn_ops ender_ops = {
	.on_open = ender_open, .on_data = ender_data, .on_close = ender_close};

static void end_them(rv_timer *t, void *user)
{
	(void)user;
	rv_conn_close(ender.closer);
	rv_conn_abort(ender.aborter);
	rv_timer_destroy(t);
}

TEST_BACKENDS(timer, closes_and_aborts_connections)
ParameterizedTest(struct test_backend *b, timer, closes_and_aborts_connections)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct rv_addr a;
	rv_listener *l;
	rv_conn *c;
	rv_timer *t;

	memset(&ender, 0, sizeof(ender));
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &echo_ops, NULL, &l),
		     0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(l), &a), 0);
	cr_assert_eq(rv_connect(loop, &a, &ender_ops, NULL, &c), 0);
	cr_assert_eq(rv_connect(loop, &a, &ender_ops, NULL, &c), 0);
	cr_assert_eq(rv_timer_create(loop, end_them, NULL, &t), 0);
	rv_timer_start(t, 50, 0);
	cr_assert(tl_run_until_count(loop, &ender.closed, 2, 5000));
	cr_assert_eq(ender.err_closer, 0);
	cr_assert_eq(ender.err_aborter, -ECONNABORTED);
	tl_destroy(loop);
}

/* ---- a loop that runs late ------------------------------------------- */

static struct {
	int opened, data, closed, err;
} late;

static void late_open(rv_conn *c)
{
	late.opened++;
	rv_conn_set_read_timeout(c, 100);
}

static void late_data(rv_conn *c, rv_chain *in)
{
	late.data++;
	rv_chain_consume(in, rv_chain_len(in));
	rv_conn_set_read_timeout(c, 0);
}

static void late_close(rv_conn *c, int err)
{
	(void)c;
	late.closed++;
	late.err = err;
}

static const struct rv_conn_ops late_ops = {
	.on_open = late_open, .on_data = late_data, .on_close = late_close};

/* The peer sends well within its read timeout, but the loop is busy
 * elsewhere (here: not run at all) until the deadline has long passed.
 * The byte that arrived in time is taken before the deadline is judged,
 * so the connection is not timed out for the loop's own delay. */
TEST_BACKENDS(deadline, a_late_loop_reads_before_it_times_out)
ParameterizedTest(struct test_backend *b, deadline,
		  a_late_loop_reads_before_it_times_out)
{
	rv_loop *loop = tl_loop(b, NULL);
	rv_listener *l;
	int fd;

	memset(&late, 0, sizeof(late));
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &late_ops, NULL, &l),
		     0);
	fd = tl_connect_raw(rv_listener_port(l));
	cr_assert(tl_run_until_count(loop, &late.opened, 1, 5000));
	cr_assert_eq(write(fd, "?", 1), 1, "sent at once, in time");
	/* The loop's delay, made on purpose: 3x the read timeout. */
	usleep(300 * 1000);
	cr_assert(tl_run_until_count(loop, &late.data, 1, 5000),
		  "the byte is delivered (closed %d, err %d)", late.closed,
		  late.err);
	tl_run_for(loop, 200);
	cr_assert_eq(late.closed, 0, "not timed out: %s",
		     rv_strerror(late.err));
	close(fd);
	cr_assert(tl_run_until_count(loop, &late.closed, 1, 5000));
	cr_assert_eq(late.err, 0, "closed by the peer");
	tl_destroy(loop);
}

/* ---- 10,000 connections and their deadlines --------------------------- */

#define CROWD 10000

/* What the crowd's connections do once open. */
enum crowd_mode {
	CROWD_SILENT,	/* send nothing, read nothing */
	CROWD_HALF_ASK, /* the even ones send one byte */
};

struct crowd {
	pid_t pid;
	int ctl; /* closing it tells the child to go */
};

/* A child opens |n| connections to |port|, each with a small receive
 * buffer that it never reads, then waits for its control pipe to close. */
static struct crowd crowd_start(uint16_t port, int n, enum crowd_mode mode)
{
	struct crowd cw;
	int ctl[2];

	cr_assert_eq(pipe(ctl), 0);
	cw.pid = fork();
	cr_assert_geq(cw.pid, 0);
	if (cw.pid == 0) {
		struct rlimit rl = {.rlim_cur = (rlim_t)n + 64,
				    .rlim_max = (rlim_t)n + 64};
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons(port)};
		char byte;

		close(ctl[1]);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(3);
		for (int i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
				   sizeof(small));
			if (fd < 0 ||
			    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				_exit(4);
			if (mode == CROWD_HALF_ASK && i % 2 == 0 &&
			    write(fd, "?", 1) != 1)
				_exit(5);
		}
		/* Hold them until the parent is done (or gone). */
		while (read(ctl[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ctl[0]);
	cw.ctl = ctl[1];
	return cw;
}

static void crowd_stop(struct crowd *cw)
{
	int status;

	close(cw->ctl);
	cr_assert_eq(waitpid(cw->pid, &status, 0), cw->pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the crowd's child exited with %d", WEXITSTATUS(status));
}

struct tally {
	int opened, closed, timed_out, asked;
	uint64_t min_life, max_life; /* ms, of the timed-out ones */
	uint64_t opened_at[CROWD];
	bool asked_by[CROWD];
	int write_ms; /* write mode: queue output and set SO_SNDBUF small */
};

static struct tally tally;

static void tally_open(rv_conn *c)
{
	int id = tally.opened++;

	cr_assert_lt(id, CROWD);
	tally.opened_at[id] = rv_loop_now(rv_conn_loop(c));
	rv_conn_set_user(c, (void *)(intptr_t)id);
	if (tally.write_ms) {
		static char payload[256 << 10];
		int small = 4096;
		rv_view v;
		setsockopt(rv_conn_fd(c), SOL_SOCKET, SO_SNDBUF, &small,
			   sizeof(small));
		cr_assert_eq(rv_view_wrap_const(payload, sizeof(payload), &v),
			     0);
		cr_assert_eq(rv_conn_send(c, v), 0);
	}
}

static void tally_read_open(rv_conn *c)
{
	tally_open(c);
	rv_conn_set_read_timeout(c, 500);
}

/* A byte is what the read timeout waited for: it is cleared. */
static void tally_data(rv_conn *c, rv_chain *in)
{
	int id = (int)(intptr_t)rv_conn_user(c);

	rv_chain_consume(in, rv_chain_len(in));
	rv_conn_set_read_timeout(c, 0);
	if (!tally.asked_by[id]) {
		tally.asked_by[id] = true;
		tally.asked++;
	}
}

static void tally_close(rv_conn *c, int err)
{
	int id = (int)(intptr_t)rv_conn_user(c);
	uint64_t life = rv_loop_now(rv_conn_loop(c)) - tally.opened_at[id];

	tally.closed++;
	if (err != -ETIMEDOUT)
		return;
	cr_assert_not(tally.asked_by[id], "an answered read timed out");
	tally.timed_out++;
	if (!tally.min_life || life < tally.min_life)
		tally.min_life = life;
	if (life > tally.max_life)
		tally.max_life = life;
}

static const struct rv_conn_ops tally_ops = {
	.on_open = tally_open, .on_data = tally_data, .on_close = tally_close};
static const struct rv_conn_ops tally_read_ops = {.on_open = tally_read_open,
						  .on_data = tally_data,
						  .on_close = tally_close};

/* Opens the crowd on a loop with |cfg|, waits for |timeouts| of them to
 * time out, and checks none went early (before |ms|). */
static void crowd_times_out(const struct test_backend *b,
			    struct rv_loop_config *cfg,
			    const struct rv_conn_ops *ops, enum crowd_mode mode,
			    int timeouts, uint64_t ms)
{
	rv_loop *loop;
	struct crowd cw;
	struct rv_loop_stats st;
	rv_listener *l;

	tl_need_fds(CROWD + 256);
	cfg->max_conns = CROWD;
	loop = tl_loop(b, cfg);
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, ops, NULL, &l), 0);
	cw = crowd_start(rv_listener_port(l), CROWD, mode);
	cr_assert(tl_run_until_count(loop, &tally.opened, CROWD, 60000),
		  "%d of %d connections opened", tally.opened, CROWD);
	cr_assert(tl_run_until_count(loop, &tally.timed_out, timeouts, 60000),
		  "%d of %d timed out", tally.timed_out, timeouts);
	tl_run_for(loop, 200);
	cr_assert_eq(tally.timed_out, timeouts, "and no more");
	cr_assert_geq(tally.min_life, ms, "none before its timeout (%llu ms)",
		      (unsigned long long)tally.min_life);
	rv_loop_stats(loop, &st);
	cr_assert_eq(st.timeouts, (uint64_t)timeouts);
	cr_log_info("%s: %d timed out after %llu to %llu ms", b->name, timeouts,
		    (unsigned long long)tally.min_life,
		    (unsigned long long)tally.max_life);
	crowd_stop(&cw);
	tl_destroy(loop);
}

TEST_BACKENDS(deadline, idle_10000)
ParameterizedTest(struct test_backend *b, deadline, idle_10000, .timeout = 240)
{
	struct rv_loop_config cfg = {.timeouts.idle_ms = 500};

	memset(&tally, 0, sizeof(tally));
	crowd_times_out(b, &cfg, &tally_ops, CROWD_SILENT, CROWD, 500);
}

TEST_BACKENDS(deadline, read_10000)
ParameterizedTest(struct test_backend *b, deadline, read_10000, .timeout = 240)
{
	struct rv_loop_config cfg = {0};

	memset(&tally, 0, sizeof(tally));
	crowd_times_out(b, &cfg, &tally_read_ops, CROWD_HALF_ASK, CROWD / 2,
			500);
	cr_assert_eq(tally.asked, CROWD / 2, "the other half were answered");
}

TEST_BACKENDS(deadline, write_10000)
ParameterizedTest(struct test_backend *b, deadline, write_10000, .timeout = 240)
{
	struct rv_loop_config cfg = {.timeouts.write_ms = 500};

	memset(&tally, 0, sizeof(tally));
	tally.write_ms = 500;
	crowd_times_out(b, &cfg, &tally_ops, CROWD_SILENT, CROWD, 500);
}
