/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * net_util.h - helpers for the network tests: a server loop running in
 * its own thread, and echo clients that verify every byte.
 */
#ifndef RINGVIEW_TESTS_NET_UTIL_H
#define RINGVIEW_TESTS_NET_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringview/ringview.h>

/* A backend for the network tests: the parameter of a ParameterizedTest,
 * so that every test body runs, unchanged, on each backend built in.
 * Criterion copies parameters into the test's process (a fresh exec, so
 * other addresses differ): no pointers in here. */
struct test_backend {
	enum rv_backend backend;
	char name[16]; /* what rv_loop_backend_name says */
	bool zc_fixed; /* sends zero-copy from registered buffers */
};

/* Every backend built into the library (static, as Criterion needs). */
extern struct test_backend test_backends[];
extern const size_t test_backend_count;

/* TEST_BACKENDS(suite, name) goes before ParameterizedTest(struct
 * test_backend *b, suite, name, ...): one run per backend. */
#define TEST_BACKENDS(suite, name)                                             \
	ParameterizedTestParameters(suite, name)                               \
	{                                                                      \
		return cr_make_param_array(struct test_backend, test_backends, \
					   test_backend_count);                \
	}

struct test_server;
/* Called from an embedded server's own libev timer (see test_server). */
typedef void (*test_tick_fn)(struct test_server *s, rv_loop *loop);

typedef int (*test_setup_fn)(struct test_server *s, rv_loop *loop);

struct test_server {
	/* set before test_server_start */
	struct rv_loop_config cfg;
	const struct rv_conn_ops *ops; /* NULL: plain echo */
	void *user;
	/* Called on the server thread once the loop listens, before the
	 * test goes on (e.g. to bind a UDP socket); its error fails the
	 * start. May be NULL. */
	test_setup_fn setup;
	uint16_t udp_port; /* for the setup hook to fill in */
	/* Embedded: the server thread owns a libev loop, attaches the rv_loop
	 * to it (rv_loop_create_ev) and runs ev_run itself, with a timer of
	 * its own every tick_ms (default 2) that counts ticks and calls
	 * on_tick (may be NULL). Not embedded, on_tick is called after every
	 * rv_loop_run_once (at least every 20 ms). */
	bool embed;
	unsigned tick_ms;
	test_tick_fn on_tick;
	atomic_uint ticks;
	/* filled in */
	uint16_t port;
	int start_err;
	const char *backend;
	struct rv_pool_stats final; /* after rv_loop_shutdown */
	struct rv_loop_stats loop_final;
	int leaked; /* rv_pool_leak_report count */
	int destroy_err;
	/* private */
	pthread_t thread;
	int ready[2];
	volatile int stop;
	rv_loop *loop;
	void *evl, *wake; /* embedded: the libev loop and its ev_async */
};

/* Start |s| in a thread; returns 0 or the loop's error. */
int test_server_start(struct test_server *s);
/*
 * Start |s| on backend |b| (a Criterion test only). When the system
 * refuses |b| (io_uring forbidden or missing: EPERM, ENOSYS) the test is
 * skipped, visibly; a server that runs on another backend than |b| fails
 * the test. Returns 0 or the loop's error.
 */
int test_server_start_on(struct test_server *s, const struct test_backend *b);
/* Stop it, shut the loop down and record the final stats. */
void test_server_stop(struct test_server *s);

/* The invariant every network test ends with (Criterion assertions):
 * after shutdown every buffer is free, none is sending, none leaked, and
 * the loop was destroyed cleanly. */
void test_assert_pool_whole(const struct test_server *s);

/* The byte at |off| of connection |id|'s stream. */
static inline uint8_t test_pattern(uint32_t id, uint64_t off)
{
	uint64_t x = (off / 251) * 2654435761u + id * 40503u + off;
	return (uint8_t)(x ^ (x >> 7));
}

/*
 * test_echo_clients opens |nconns| connections to 127.0.0.1:|port|, sends
 * |bytes| pattern bytes on each in writes of at most |chunk| bytes, reads
 * everything back and checks it in order. |half_close|: shut the write
 * side after sending and expect EOF after the echo. Gives up after
 * |timeout_s|. Returns the number of connections that failed.
 */
int test_echo_clients(uint16_t port, int nconns, size_t bytes, size_t chunk,
		      bool half_close, double timeout_s);

/* Connect a blocking socket to 127.0.0.1:|port| (with a 10 s timeout on
 * reads and writes); -1 on failure. */
int test_connect(uint16_t port);

/* Read exactly |n| bytes (blocking socket); returns bytes read. */
size_t test_read_full(int fd, void *buf, size_t n);

#endif
