/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_echo.c - the loop, connections and the zero-copy echo over
 * loopback: every byte comes back in order, under any pool size, and the
 * pool is whole again at the end of every test. Every test runs once per
 * backend built in (io_uring, libev), with the same assertions.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_util.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

static struct rv_loop_config small_cfg(uint32_t count, uint32_t size)
{
	return (struct rv_loop_config){.pool = {.count = count, .size = size}};
}

/* One connection, messages from 1 byte to 1 MiB, each checked. */
TEST_BACKENDS(echo, sizes_1B_to_1MiB)
ParameterizedTest(struct test_backend *be, echo, sizes_1B_to_1MiB,
		  .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(256, 4096)};
	static const size_t sizes[] = {1,    2,	   63,	  64,	  4095,
				       4096, 4097, 65536, 100000, 1 * MiB};
	char *out = malloc(MiB), *in = malloc(MiB);

	cr_assert_eq(test_server_start_on(&s, be), 0);
	int fd = test_connect(s.port);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			out[k] = (char)test_pattern((uint32_t)i, k);
		cr_assert_eq(send(fd, out, sizes[i], MSG_NOSIGNAL),
			     (ssize_t)sizes[i]);
		cr_assert_eq(test_read_full(fd, in, sizes[i]), sizes[i],
			     "size %zu", sizes[i]);
		cr_assert(memcmp(in, out, sizes[i]) == 0, "size %zu", sizes[i]);
	}
	close(fd);
	test_server_stop(&s);
	cr_assert_geq(s.final.bytes_received, 1 * MiB);
	cr_assert_eq(s.final.bytes_copied, 0, "the echo copied bytes");
	test_assert_pool_whole(&s);
	free(out);
	free(in);
}

/* 200 connections at once, 64 KiB each, all verified. */
TEST_BACKENDS(echo, concurrent_200)
ParameterizedTest(struct test_backend *be, echo, concurrent_200, .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(1024, 4096)};

	cr_assert_eq(test_server_start_on(&s, be), 0);
	cr_assert_eq(
		test_echo_clients(s.port, 200, 64 * KiB, 16 * KiB, false, 30),
		0);
	test_server_stop(&s);
	test_assert_pool_whole(&s);
}

/* 8 buffers of 4 KiB for 64 connections sending 1 MiB each: the ring runs
 * dry again and again, connections wait, and no byte is lost. One receive
 * may take 64 KiB, more than the pool: a 64 KiB write runs it dry by
 * itself, on every backend, however fast the server keeps up. */
TEST_BACKENDS(echo, tiny_pool_64_conns_1MiB)
ParameterizedTest(struct test_backend *be, echo, tiny_pool_64_conns_1MiB,
		  .timeout = 120)
{
	struct test_server s = {.cfg = small_cfg(8, 4096)};

	s.cfg.recv_cap = 64 * KiB;
	cr_assert_eq(test_server_start_on(&s, be), 0);
	cr_assert_eq(
		test_echo_clients(s.port, 64, 1 * MiB, 64 * KiB, false, 90), 0);
	test_server_stop(&s);
	cr_assert_gt(s.final.enobufs, 0, "the pool never ran dry");
	cr_assert_eq(s.final.bytes_received, 64ull * MiB);
	test_assert_pool_whole(&s);
}

/* The peer shuts its write side: everything is echoed, then EOF. */
TEST_BACKENDS(echo, half_close)
ParameterizedTest(struct test_backend *be, echo, half_close, .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(64, 4096)};

	cr_assert_eq(test_server_start_on(&s, be), 0);
	cr_assert_eq(
		test_echo_clients(s.port, 10, 300 * KiB, 32 * KiB, true, 30),
		0);
	test_server_stop(&s);
	test_assert_pool_whole(&s);
}

static atomic_int closes, close_errors, last_close_err;

static void count_close(rv_conn *c, int err)
{
	(void)c;
	atomic_fetch_add(&closes, 1);
	if (err) {
		atomic_fetch_add(&close_errors, 1);
		atomic_store(&last_close_err, err);
	}
}

static void echo_data(rv_conn *c, rv_chain *in)
{
	rv_conn_send_chain(c, in);
}

static const struct rv_conn_ops counting_echo = {
	.on_data = echo_data,
	.on_close = count_close,
};

/* A peer that resets mid-stream: the connection closes with an error and
 * every buffer comes back. */
TEST_BACKENDS(echo, peer_reset_mid_stream)
ParameterizedTest(struct test_backend *be, echo, peer_reset_mid_stream,
		  .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(64, 4096),
				.ops = &counting_echo};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	char buf[256 * 1024];

	memset(buf, 'r', sizeof(buf));
	cr_assert_eq(test_server_start_on(&s, be), 0);
	for (int i = 0; i < 20; i++) {
		int fd = test_connect(s.port);
		cr_assert_geq(fd, 0);
		/* Send without reading, so the server has output queued. */
		cr_assert_gt(send(fd, buf, sizeof(buf), MSG_NOSIGNAL), 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd); /* RST */
	}
	/* Wait (bounded) for all 20 closes, not for a guessed time. */
	for (int i = 0; i < 500 && atomic_load(&closes) < 20; i++)
		usleep(10000);
	cr_assert_eq(atomic_load(&closes), 20);
	test_server_stop(&s);
	cr_assert_gt(atomic_load(&close_errors), 0, "no reset was seen");
	test_assert_pool_whole(&s);
}

/* ---- views still referenced elsewhere while being sent ---------------- */

static rv_chain kept; /* zero: an empty chain */
static atomic_int held_while_kept = -1, held_after_release = -1;

/* Keep a reference to every received view, and send the views too. */
static void keep_and_echo(rv_conn *c, rv_chain *in)
{
	for (uint32_t i = 0; i < rv_chain_count(in); i++) {
		rv_view extra = rv_view_retain(rv_chain_at(in, i));
		rv_chain_append(&kept, &extra);
	}
	rv_conn_send_chain(c, in);
}

static void release_kept(rv_conn *c, int err)
{
	struct rv_pool_stats st;
	rv_pool *pool = rv_loop_pool(rv_conn_loop(c));

	(void)err;
	rv_pool_stats(pool, &st);
	atomic_store(&held_while_kept, (int)st.held);
	rv_chain_release(&kept);
	rv_pool_stats(pool, &st);
	atomic_store(&held_after_release, (int)(st.held + st.sending));
	atomic_fetch_add(&closes, 1);
}

static const struct rv_conn_ops keeping_echo = {
	.on_data = keep_and_echo,
	.on_close = release_kept,
};

/* Zero-copy sends of views the application also holds: the buffers stay
 * until both the send and the application are done with them. */
TEST_BACKENDS(echo, zerocopy_send_of_retained_views)
ParameterizedTest(struct test_backend *be, echo,
		  zerocopy_send_of_retained_views, .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(128, 4096),
				.ops = &keeping_echo};
	char out[100000], in[100000];

	s.cfg.zerocopy_threshold = 1; /* every send tries zero-copy */
	/* It keeps every buffer until the connection closes: no budget. */
	s.cfg.conn_budget = RV_LOOP_NO_BUDGET;
	for (size_t k = 0; k < sizeof(out); k++)
		out[k] = (char)test_pattern(7, k);
	cr_assert_eq(test_server_start_on(&s, be), 0);
	int fd = test_connect(s.port);
	cr_assert_eq(send(fd, out, sizeof(out), MSG_NOSIGNAL),
		     (ssize_t)sizeof(out));
	cr_assert_eq(test_read_full(fd, in, sizeof(in)), sizeof(in));
	cr_assert(memcmp(in, out, sizeof(in)) == 0);
	close(fd);
	for (int i = 0; i < 500 && atomic_load(&closes) < 1; i++)
		usleep(10000);
	test_server_stop(&s);
	cr_assert_geq(atomic_load(&held_while_kept), 100000 / 4096,
		      "sent buffers were recycled while still referenced");
	cr_assert_eq(atomic_load(&held_after_release), 0);
	test_assert_pool_whole(&s);
}

/* Single-view zero-copy sends come from the pool's registered (fixed)
 * buffers; each new connection tries zero-copy again. */
TEST_BACKENDS(echo, zerocopy_fixed_buffers)
ParameterizedTest(struct test_backend *be, echo, zerocopy_fixed_buffers,
		  .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(64, 4096)};
	char out[1000], in[1000];

	if (!be->zc_fixed)
		cr_skip_test("the %s backend has no registered buffers to send "
			     "from (its sends copy into the socket at once)",
			     be->name);
	s.cfg.zerocopy_threshold = 1;
	cr_assert_eq(test_server_start_on(&s, be), 0);
	for (uint32_t i = 0; i < 10; i++) {
		int fd = test_connect(s.port);
		cr_assert_geq(fd, 0);
		for (size_t k = 0; k < sizeof(out); k++)
			out[k] = (char)test_pattern(i, k);
		cr_assert_eq(send(fd, out, sizeof(out), 0),
			     (ssize_t)sizeof(out));
		cr_assert_eq(test_read_full(fd, in, sizeof(in)), sizeof(in));
		cr_assert(memcmp(in, out, sizeof(in)) == 0);
		close(fd);
	}
	test_server_stop(&s);
	cr_assert_geq(s.loop_final.zc_fixed_sends, 1,
		      "no send used a registered buffer");
	cr_assert_eq(s.loop_final.accepted, 10);
	cr_assert_eq(s.loop_final.closed, 10);
	test_assert_pool_whole(&s);
}

/* ---- backpressure ------------------------------------------------------ */

/* A client that sends 8 MiB before reading anything: the server stops
 * reading at its output limit instead of holding it all. */
TEST_BACKENDS(echo, backpressure_bounds_memory)
ParameterizedTest(struct test_backend *be, echo, backpressure_bounds_memory,
		  .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(1024, 4096)};

	s.cfg.output_limit = 256 * KiB;
	cr_assert_eq(test_server_start_on(&s, be), 0);
	cr_assert_eq(test_echo_clients(s.port, 1, 8 * MiB, 8 * MiB, false, 30),
		     0);
	test_server_stop(&s);
	/* Output limit plus what the kernel delivered before reads stopped:
	 * far less than the 8 MiB the client pushed. */
	cr_assert_lt(s.final.high_water, 2 * MiB / 4096,
		     "high water %u buffers", s.final.high_water);
	test_assert_pool_whole(&s);
}

/* Shutting the loop down with connections open closes them with
 * -ECANCELED and gives every buffer back. */
TEST_BACKENDS(echo, shutdown_with_open_connections)
ParameterizedTest(struct test_backend *be, echo, shutdown_with_open_connections,
		  .timeout = 60)
{
	struct test_server s = {.cfg = small_cfg(64, 4096),
				.ops = &counting_echo};
	int fds[10];
	char b = 'x';

	cr_assert_eq(test_server_start_on(&s, be), 0);
	for (int i = 0; i < 10; i++) {
		fds[i] = test_connect(s.port);
		cr_assert_geq(fds[i], 0);
		cr_assert_eq(send(fds[i], &b, 1, 0), 1);
		cr_assert_eq(test_read_full(fds[i], &b, 1), 1);
	}
	test_server_stop(&s);
	cr_assert_eq(atomic_load(&closes), 10);
	cr_assert_eq(atomic_load(&last_close_err), -ECANCELED);
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	test_assert_pool_whole(&s);
}
