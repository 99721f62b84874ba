/*
 * net_util.h - helpers for the network tests: a server loop running in
 * its own thread, and echo clients that verify every byte.
 */
#ifndef RINGVIEW_TESTS_NET_UTIL_H
#define RINGVIEW_TESTS_NET_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringview/ringview.h>

struct test_server {
	/* set before test_server_start */
	struct rv_loop_config cfg;
	const struct rv_conn_ops *ops; /* NULL: plain echo */
	void *user;
	/* filled in */
	uint16_t port;
	int start_err;
	const char *backend;
	struct rv_pool_stats final; /* after rv_loop_shutdown */
	struct rv_loop_stats loop_final;
	int leaked;                 /* rv_pool_leak_report count */
	int destroy_err;
	/* private */
	pthread_t thread;
	int ready[2];
	volatile int stop;
};

/* Start |s| in a thread; returns 0 or the loop's error. */
int test_server_start(struct test_server *s);
/* Stop it, shut the loop down and record the final stats. */
void test_server_stop(struct test_server *s);

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
