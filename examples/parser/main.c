/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview-http - an HTTP/1.1 server whose requests are framed, parsed
 * and answered as views of the receive buffers (see http_server.h for the
 * four pipeline stages and the routes).
 *
 * Usage: ringview-http [--host ADDR] [--port N] [--buffers N]
 *                      [--buf-size BYTES] [--backend auto|uring|ev]
 *                      [--stats-interval SECONDS] [--max-head BYTES]
 *                      [--max-headers N] [--max-body BYTES] [--threads N]
 *                      [--head-timeout SECS] [--body-timeout SECS]
 *                      [--keepalive-timeout SECS] [--write-timeout SECS]
 *                      [--help]
 *
 * Deadlines are on by default, as in nginx: a request head must be whole
 * 60 s after its first byte, a body may pause 60 s between bytes, an idle
 * keep-alive connection is closed after 75 s and a client that reads none
 * of its responses for 60 s is reset. Each connection may hold a budget of
 * the receive buffers (the loop's default: 1/64 of the pool) and 1 MiB of
 * queued responses; a client pipelining many requests gets 16 framed per
 * pass of the loop, the others their turn in between.
 *
 *   curl http://127.0.0.1:8080/
 *   curl --data-binary @file http://127.0.0.1:8080/echo
 *   curl http://127.0.0.1:8080/stats
 *
 * --threads N runs N loops on N threads, each with its own pool and
 * listener on the same port (SO_REUSEPORT); nothing is shared.
 *
 * Prints "listening on HOST:PORT" once ready, stats every
 * --stats-interval seconds and on SIGUSR1, and the final stats at
 * SIGINT/SIGTERM with any buffer still held (there should be none).
 */
#include <errno.h>
#include <stdatomic.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_server.h"
#include "loops.h"
#include "options.h"

/* SIGINT/SIGTERM set loop_threads_stop (loops.h), read by every thread. */
static atomic_int stats_requested;

/* The pool's 12 MiB are taken at start (RV_POOL_POPULATE): what the
 * server uses is known from the first second, not grown into. */
static struct rv_loop_config cfg = {
	.pool = {.count = 768, .size = 16384, .flags = RV_POOL_POPULATE},
	.output_limit = 1u << 20,
	.timeouts = {.idle_ms = 75000, .write_ms = 60000},
};
static struct rv_http_limits limits;
static uint32_t head_timeout_ms = 60000, body_timeout_ms = 60000;
static const char *host = "127.0.0.1";
static unsigned nthreads = 1;
static struct http_server *servers; /* one per thread: its counters */

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		loop_threads_stop = 1;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --host ADDR             address to listen on (127.0.0.1)\n"
		"  --port N                TCP port, 0 for any (8080)\n"
		"  --buffers N             receive buffers in the pool (768)\n"
		"  --buf-size BYTES        bytes per buffer (16384)\n"
		"  --backend NAME          auto, uring or ev (auto)\n"
		"  --stats-interval SECS   print stats every SECS, 0 = never "
		"(0)\n"
		"  --max-head BYTES        request line + headers (8192)\n"
		"  --max-headers N         header fields per request (100)\n"
		"  --max-body BYTES        request body (1048576)\n"
		"  --head-timeout SECS     a request head must be whole in "
		"SECS "
		"(60)\n"
		"  --body-timeout SECS     a body may pause SECS between bytes "
		"(60)\n"
		"  --keepalive-timeout SECS  close idle connections after SECS "
		"(75)\n"
		"  --write-timeout SECS    reset clients that read nothing for "
		"SECS (60)\n"
		"                          (0 turns a timeout off)\n"
		"  --threads N             N loops on N threads, one port (1)\n"
		"  --help                  this text\n"
		"Routes: GET /, POST /echo, GET /stats.\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

static void print_stats(const struct loop_thread *t, const char *when)
{
	const struct http_server *srv = t->user;

	printf("stats (%s", when);
	if (nthreads > 1)
		printf(", thread %d of %u", t->index, nthreads);
	printf("): %u connections open, %llu accepted, %llu requests, %llu "
	       "bad requests; ",
	       rv_loop_conn_count(t->loop),
	       (unsigned long long)srv->connections,
	       (unsigned long long)srv->requests,
	       (unsigned long long)srv->bad_requests);
	rv_pool_stats_print(rv_loop_pool(t->loop), stdout);
	fflush(stdout);
}

static void print_final(struct loop_thread *t)
{
	print_stats(t, "final");
}

/* Open |t|'s listener; its connections count in their thread's server. */
static int open_listener(struct loop_thread *t, uint16_t port)
{
	struct http_server *srv = &servers[t->index];
	rv_listener *l;
	int err;

	srv->limits = limits;
	srv->head_timeout_ms =
		head_timeout_ms == RV_NO_TIMEOUT ? 0 : head_timeout_ms;
	srv->body_timeout_ms =
		body_timeout_ms == RV_NO_TIMEOUT ? 0 : body_timeout_ms;
	t->user = srv;
	err = rv_listen_tcp(t->loop, host, port, &http_conn_ops, srv, &l);
	if (err) {
		fprintf(stderr, "cannot listen on %s:%u: %s\n", host, port,
			rv_strerror(err));
		return err;
	}
	t->socket = l;
	return rv_listener_port(l);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_backend(const char *s, enum rv_backend *out)
{
	if (!strcmp(s, "auto"))
		*out = RV_BACKEND_AUTO;
	else if (!strcmp(s, "uring") || !strcmp(s, "io_uring"))
		*out = RV_BACKEND_URING;
	else if (!strcmp(s, "ev") || !strcmp(s, "libev"))
		*out = RV_BACKEND_EV;
	else
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"max-head", required_argument, NULL, 'm'},
		{"max-headers", required_argument, NULL, 'n'},
		{"max-body", required_argument, NULL, 'x'},
		{"threads", required_argument, NULL, 't'},
		{"head-timeout", required_argument, NULL, 'T'},
		{"body-timeout", required_argument, NULL, 'Y'},
		{"keepalive-timeout", required_argument, NULL, 'K'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long port = 8080;
	double interval = 0, next_stats;
	struct loop_threads lt = {.cfg = &cfg, .open = open_listener};
	struct loop_thread *main_t;
	struct sigaction sa;
	int opt, err, status;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			cfg.pool.count = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			cfg.pool.size = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			interval = strtod(optarg, NULL);
			break;
		case 'm':
			limits.max_head = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			limits.max_headers =
				(uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			limits.max_body = strtoull(optarg, NULL, 10);
			break;
		case 't':
			nthreads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'B':
			if (parse_backend(optarg, &cfg.backend)) {
				fprintf(stderr, "unknown backend '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			if (seconds_option("head-timeout", optarg,
					   &head_timeout_ms))
				return 2;
			break;
		case 'Y':
			if (seconds_option("body-timeout", optarg,
					   &body_timeout_ms))
				return 2;
			break;
		case 'K':
			if (seconds_option("keepalive-timeout", optarg,
					   &cfg.timeouts.idle_ms))
				return 2;
			break;
		case 'W':
			if (seconds_option("write-timeout", optarg,
					   &cfg.timeouts.write_ms))
				return 2;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (port > 65535) {
		fprintf(stderr, "port %lu is out of range\n", port);
		return 2;
	}
	if (nthreads < 1 || nthreads > 256) {
		fprintf(stderr, "--threads must be 1 to 256\n");
		return 2;
	}
	lt.count = nthreads;
	servers = calloc(nthreads, sizeof(*servers));
	if (!servers || loop_threads_start(&lt, (uint16_t)port))
		return 1;
	main_t = &lt.threads[0];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening on %s:%u (backend %s)%s\n", host, lt.port,
	       rv_loop_backend_name(main_t->loop),
	       nthreads > 1 ? " on several threads" : "");
	fflush(stdout);

	next_stats = now_s() + interval;
	while (!loop_threads_stop) {
		err = rv_loop_run_once(main_t->loop, interval > 0 ? 100 : 1000);
		if (err < 0) {
			fprintf(stderr, "event loop failed: %s\n",
				rv_strerror(err));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(main_t, "SIGUSR1");
		}
		if (interval > 0 && now_s() >= next_stats) {
			print_stats(main_t, "interval");
			next_stats += interval;
		}
	}

	loop_threads_join(&lt); /* every loop is shut down: final stats */
	status = loop_threads_destroy(&lt, print_final);
	free(servers);
	return status;
}
