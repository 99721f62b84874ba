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
 *                      [--stats-interval SECONDS] [--stats-format text|json]
 *                      [--max-head BYTES] [--max-headers N]
 *                      [--max-body BYTES] [--threads N]
 *                      [--head-timeout SECS] [--body-timeout SECS]
 *                      [--keepalive-timeout SECS] [--write-timeout SECS]
 *                      [--version] [--help]
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
 * SIGINT/SIGTERM with any buffer still held (there should be none); with
 * --stats-format json each stats line is a JSON object (stats.h). Exit
 * status 0 after a clean shutdown, 1 when the server could not start or
 * leaked, 2 for bad usage (a value out of range, a stray argument), said
 * on stderr with the option.
 */
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
#include "stats.h"

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
static enum stats_format stats_format;
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
		"  --stats-format FORMAT   text, or json: an object per line "
		"(text)\n"
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
		"  --version               print the version and exit\n"
		"  --help                  this text\n"
		"Routes: GET /, POST /echo, GET /stats.\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

/* The figures of print_stats, as one JSON object (stats.h). */
static void print_stats_json(const struct loop_thread *t, const char *when)
{
	const struct http_server *srv = t->user;
	struct stats_json j;

	stats_json_begin(&j, stdout, when, t->index, nthreads);
	stats_json_u64(&j, "connections_open", rv_loop_conn_count(t->loop));
	stats_json_u64(&j, "accepted", srv->connections);
	stats_json_u64(&j, "requests", srv->requests);
	stats_json_u64(&j, "bad_requests", srv->bad_requests);
	stats_json_end(&j, rv_loop_pool(t->loop));
}

static void print_stats(const struct loop_thread *t, const char *when)
{
	const struct http_server *srv = t->user;

	if (stats_format == STATS_JSON) {
		print_stats_json(t, when);
		return;
	}
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

/* A head is made contiguous (copied when it straddles buffers) and each
 * header field is a subview: beyond these a limit protects nothing. A
 * zero would mean the library's default, so it is not offered. */
#define MAX_HEAD_LIMIT	  (16u << 20)
#define MAX_HEADERS_LIMIT 65535u

/* Every option into the globals above: 0, 1 to exit 0 (--help,
 * --version), or 2 for bad usage (said on stderr). */
static int parse_options(int argc, char **argv, unsigned long *port,
			 double *interval)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"stats-format", required_argument, NULL, 'f'},
		{"max-head", required_argument, NULL, 'm'},
		{"max-headers", required_argument, NULL, 'n'},
		{"max-body", required_argument, NULL, 'x'},
		{"threads", required_argument, NULL, 't'},
		{"head-timeout", required_argument, NULL, 'T'},
		{"body-timeout", required_argument, NULL, 'Y'},
		{"keepalive-timeout", required_argument, NULL, 'K'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long n = 0;
	uint32_t ms = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case 'H':
			bad = host_option(optarg);
			host = optarg;
			break;
		case 'p':
			bad = count_option("port", optarg, 0, 65535, port);
			break;
		case 'b':
			bad = count_option("buffers", optarg, 1,
					   RV_POOL_MAX_COUNT, &n);
			cfg.pool.count = (uint32_t)n;
			break;
		case 's':
			bad = count_option("buf-size", optarg, 64,
					   RV_POOL_MAX_SIZE, &n);
			cfg.pool.size = (uint32_t)n;
			break;
		case 'B':
			bad = backend_option(optarg, &cfg.backend);
			break;
		case 'i':
			bad = seconds_option("stats-interval", optarg, &ms);
			*interval = ms == RV_NO_TIMEOUT ? 0 : ms / 1000.0;
			break;
		case 'f':
			bad = stats_format_option(optarg, &stats_format);
			break;
		case 'm':
			bad = count_option("max-head", optarg, 1,
					   MAX_HEAD_LIMIT, &n);
			limits.max_head = (uint32_t)n;
			break;
		case 'n':
			bad = count_option("max-headers", optarg, 1,
					   MAX_HEADERS_LIMIT, &n);
			limits.max_headers = (uint32_t)n;
			break;
		case 'x':
			bad = size_option("max-body", optarg, 1, UINT64_MAX,
					  &limits.max_body);
			break;
		case 't':
			bad = count_option("threads", optarg, 1, 256, &n);
			nthreads = (unsigned)n;
			break;
		case 'T':
			bad = seconds_option("head-timeout", optarg,
					     &head_timeout_ms);
			break;
		case 'Y':
			bad = seconds_option("body-timeout", optarg,
					     &body_timeout_ms);
			break;
		case 'K':
			bad = seconds_option("keepalive-timeout", optarg,
					     &cfg.timeouts.idle_ms);
			break;
		case 'W':
			bad = seconds_option("write-timeout", optarg,
					     &cfg.timeouts.write_ms);
			break;
		case 'v':
			print_version("ringview-http");
			return 1;
		case 'h':
			usage(stdout, argv[0]);
			return 1;
		default: /* getopt_long said what was wrong */
			usage(stderr, argv[0]);
			return 2;
		}
		if (bad)
			return 2;
	}
	return no_operands(argc, argv, optind) ? 2 : 0;
}

int main(int argc, char **argv)
{
	unsigned long port = 8080;
	double interval = 0, next_stats;
	struct loop_threads lt = {.cfg = &cfg, .open = open_listener};
	struct loop_thread *main_t;
	struct sigaction sa;
	int err, status;

	status = parse_options(argc, argv, &port, &interval);
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = nthreads;
	servers = calloc(nthreads, sizeof(*servers));
	if (!servers || loop_threads_start(&lt, (uint16_t)port)) {
		free(servers);
		return 1;
	}
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
