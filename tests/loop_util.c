/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loop_util.c - a loop on the test's own thread (loop_util.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop_util.h"

uint64_t tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

rv_loop *tl_loop(const struct test_backend *b, struct rv_loop_config *cfg)
{
	struct rv_loop_config def = {0};
	rv_loop *loop = NULL;
	int err;

	if (!cfg)
		cfg = &def;
	cfg->backend = b->backend;
	err = rv_loop_create(cfg, &loop);
	if (b->backend == RV_BACKEND_URING && (err == -EPERM || err == -ENOSYS))
		cr_skip_test("io_uring is not usable here (%s); the test runs "
			     "on the other backends",
			     rv_strerror(err));
	cr_assert_eq(err, 0, "rv_loop_create: %s", rv_strerror(err));
	cr_assert_str_eq(rv_loop_backend_name(loop), b->name);
	return loop;
}

bool tl_run_until(rv_loop *loop, bool (*done)(void *ctx), void *ctx, int ms)
{
	uint64_t end = tl_now_ms() + (uint64_t)ms;

	while (!done(ctx)) {
		uint64_t now = tl_now_ms();
		int n;

		if (now >= end)
			return false;
		n = rv_loop_run_once(loop,
				     (int)(end - now < 50 ? end - now : 50));
		cr_assert_geq(n, 0, "rv_loop_run_once: %s", rv_strerror(n));
	}
	return true;
}

struct count_goal {
	const volatile int *n;
	int want;
};

static bool count_reached(void *ctx)
{
	struct count_goal *g = ctx;

	return *g->n >= g->want;
}

bool tl_run_until_count(rv_loop *loop, const volatile int *n, int want, int ms)
{
	struct count_goal g = {n, want};

	return tl_run_until(loop, count_reached, &g, ms);
}

static bool never(void *ctx)
{
	(void)ctx;
	return false;
}

void tl_run_for(rv_loop *loop, int ms)
{
	tl_run_until(loop, never, NULL, ms);
}

void tl_destroy(rv_loop *loop)
{
	struct rv_pool_stats st;
	int err = rv_loop_shutdown(loop);

	cr_assert_eq(err, 0, "rv_loop_shutdown: %s", rv_strerror(err));
	rv_pool_stats(rv_loop_pool(loop), &st);
	cr_assert_eq(st.free, st.total, "free %u != total %u after shutdown",
		     st.free, st.total);
	cr_assert_eq(st.sending, 0);
	cr_assert_eq(rv_pool_leak_report(rv_loop_pool(loop), stderr), 0);
	cr_assert_eq(rv_loop_destroy(loop), 0);
}

void tl_need_fds(unsigned want)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < want)
		cr_skip_test("needs %u descriptors, the hard limit is %llu",
			     want, (unsigned long long)rl.rlim_max);
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
}

int tl_connect_raw(uint16_t port)
{
	return test_connect(port);
}
