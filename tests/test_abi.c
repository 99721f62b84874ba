/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_abi.c - what the ABI policy (README) promises at run time: every
 * struct that grows refuses a _reserved field that is not zero, with
 * -EINVAL, its output untouched and a log line naming the fix; the stats
 * calls write zeros into their structs' reserve; and a backend missing
 * from this build is -ENOTSUP, its calls present all the same.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ringview/ringview.h>

#if defined(RV_HAVE_EV) || __has_include(<ev.h>)
#include <ringview/ev.h>
#else
/* ringview/ev.h needs <ev.h>, absent here; the calls exist all the same. */
struct ev_loop;
int rv_loop_create_ev(const struct rv_loop_config *cfg, struct ev_loop *evl,
		      rv_loop **out);
struct ev_loop *rv_loop_ev(const rv_loop *loop);
#endif

/* ---- the log: what the library said --------------------------------- */

static char said[1024];

static void keep_log(void *ctx, enum rv_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	snprintf(said, sizeof(said), "%s", msg);
}

static void quiet_log(void)
{
	said[0] = '\0';
	rv_set_log(keep_log, NULL, RV_LOG_ERROR);
}

/* The last error names |what|, the reserve and the fix. */
static void expect_said(const char *what)
{
	cr_assert(strstr(said, what), "log: '%s', want '%s'", said, what);
	cr_assert(strstr(said, "_reserved"), "log: '%s'", said);
	cr_assert(strstr(said, "initialize the struct"), "log: '%s'", said);
	said[0] = '\0';
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void on_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	rv_chain_release(in);
}

static void on_datagram(rv_udp *u, rv_view v, const struct sockaddr *peer,
			socklen_t peer_len, unsigned flags)
{
	(void)u;
	(void)peer;
	(void)peer_len;
	(void)flags;
	rv_view_release(&v);
}

static int process(rv_pipeline *p, void *state, rv_msg *m)
{
	(void)state;
	return rv_pipeline_emit(p, m);
}

/* A loop on whichever backend works here (skipped when none does). */
static rv_loop *make_loop(void)
{
	struct rv_loop_config cfg = {.pool = {.count = 16, .size = 4096}};
	rv_loop *loop = NULL;
	int err = rv_loop_create(&cfg, &loop);

	if (err)
		cr_skip_test("no backend can run here: %s", rv_strerror(err));
	return loop;
}

TestSuite(abi, .init = quiet_log);

/* ---- configs: a reserve that is not zero is refused ----------------- */

Test(abi, pool_config_reserve)
{
	struct rv_pool_config cfg = {.count = 4, .size = 4096};
	rv_pool *sentinel = (rv_pool *)&cfg, *p = sentinel;

	cfg._reserved[3] = 1;
	cr_assert_eq(rv_pool_create(&cfg, &p), -EINVAL);
	cr_assert_eq(p, sentinel, "|*out| changed on failure");
	expect_said("rv_pool_config");

	cfg._reserved[3] = 0;
	cr_assert_eq(rv_pool_create(&cfg, &p), 0);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

Test(abi, loop_config_reserve)
{
	struct rv_loop_config base = {.pool = {.count = 16, .size = 4096}};
	struct rv_loop_config cfg;
	rv_loop *sentinel = (rv_loop *)&cfg, *loop = sentinel;

	cfg = base;
	cfg._reserved[7] = 1;
	cr_assert_eq(rv_loop_create(&cfg, &loop), -EINVAL);
	expect_said("rv_loop_config");

	cfg = base;
	cfg.timeouts._reserved[0] = 1;
	cr_assert_eq(rv_loop_create(&cfg, &loop), -EINVAL);
	expect_said("rv_conn_timeouts");

	cfg = base;
	cfg.pool._reserved[1] = 1;
	cr_assert_eq(rv_loop_create(&cfg, &loop), -EINVAL);
	expect_said("rv_pool_config");
	cr_assert_eq(loop, sentinel, "|*out| changed on failure");
}

Test(abi, ops_reserve)
{
	struct rv_conn_ops ops = {.on_data = on_data};
	struct rv_udp_ops uops = {.on_datagram = on_datagram};
	rv_listener *l = NULL;
	rv_conn *c = NULL;
	rv_udp *u = NULL;
	struct rv_addr addr;
	rv_loop *loop = make_loop();
	int sv[2];

	ops._reserved[5] = (void (*)(void))on_data;
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &ops, NULL, &l),
		     -EINVAL);
	expect_said("rv_conn_ops");
	cr_assert_eq(rv_addr_ip("127.0.0.1", 9, &addr), 0);
	cr_assert_eq(rv_connect(loop, &addr, &ops, NULL, &c), -EINVAL);
	expect_said("rv_conn_ops");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rv_conn_adopt(loop, sv[0], &ops, NULL, &c), -EINVAL);
	expect_said("rv_conn_ops");
	/* The descriptor stays the caller's after a failure. */
	cr_assert_eq(close(sv[0]), 0);
	cr_assert_eq(close(sv[1]), 0);
	cr_assert_null(l);
	cr_assert_null(c);

	uops._reserved[0] = (void (*)(void))on_datagram;
	cr_assert_eq(rv_udp_bind(loop, "127.0.0.1", 0, &uops, NULL, &u),
		     -EINVAL);
	expect_said("rv_udp_ops");
	cr_assert_null(u);
	cr_assert_eq(rv_loop_conn_count(loop), 0);
	cr_assert_eq(rv_loop_destroy(loop), 0);
}

Test(abi, stage_reserve)
{
	struct rv_stage stages[2] = {
		{.name = "first", .process = process},
		{.name = "second", .process = process},
	};
	rv_pipeline *sentinel = (rv_pipeline *)stages, *p = sentinel;

	stages[1]._reserved[1] = 1;
	cr_assert_eq(rv_pipeline_create(stages, 2, NULL, NULL, &p), -EINVAL);
	cr_assert_eq(p, sentinel, "|*out| changed on failure");
	expect_said("rv_stage");
}

/* ---- stats: the whole struct is written, zeros in the reserve -------- */

Test(abi, stats_reserve_zero)
{
	struct rv_udp_ops uops = {.on_datagram = on_datagram};
	struct rv_loop_stats ls;
	struct rv_pool_stats ps;
	struct rv_udp_stats us;
	rv_loop *loop = make_loop();
	rv_udp *u;

	memset(&ls, 0xa5, sizeof(ls));
	memset(&ps, 0xa5, sizeof(ps));
	memset(&us, 0xa5, sizeof(us));
	rv_loop_stats(loop, &ls);
	rv_pool_stats(rv_loop_pool(loop), &ps);
	cr_assert_eq(rv_udp_bind(loop, "127.0.0.1", 0, &uops, NULL, &u), 0);
	rv_udp_stats(u, &us);

	cr_assert(all_zero(ls._reserved, sizeof(ls._reserved)));
	cr_assert(all_zero(ps._reserved, sizeof(ps._reserved)));
	cr_assert(all_zero(us._reserved, sizeof(us._reserved)));
	cr_assert_eq(ps.total, 16);
	cr_assert_eq(ls.accepted, 0);
	cr_assert_eq(us.received, 0);
	cr_assert_eq(rv_loop_destroy(loop), 0);
}

/* ---- backends this build lacks: present, and -ENOTSUP ---------------- */

Test(abi, missing_backends)
{
	struct rv_loop_config cfg = {.pool = {.count = 16, .size = 4096}};
	rv_loop *loop = NULL;
	int checked = 0;

	(void)cfg;
	(void)loop;
#ifndef RV_HAVE_EV
	cr_assert_eq(rv_loop_create_ev(&cfg, NULL, &loop), -ENOTSUP);
	cr_assert_null(loop);
	cfg.backend = RV_BACKEND_EV;
	cr_assert_eq(rv_loop_create(&cfg, &loop), -ENOTSUP);
	cr_assert_null(loop);
	checked++;
#endif
#ifndef RV_HAVE_URING
	cfg.backend = RV_BACKEND_URING;
	cr_assert_eq(rv_loop_create(&cfg, &loop), -ENOTSUP);
	cr_assert_null(loop);
	checked++;
#endif
	if (!checked)
		cr_skip_test(
			"this build has both backends: nothing is missing");
}
