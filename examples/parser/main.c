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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmdline.h"
#include "http_server.h"
#include "loops.h"
#include "serve.h"
#include "stats.h"

static struct rv_http_limits limits;
static uint32_t head_timeout_ms = 60000, body_timeout_ms = 60000;
static struct http_server *servers; /* one per thread: its counters */

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

/* The pool's 12 MiB are taken at start (RV_POOL_POPULATE): what the
 * server uses is known from the first second, not grown into. */
static struct cmdline args = {
	.program = "ringview-http",
	.usage = usage,
	.host = "127.0.0.1",
	.port = 8080,
	.cfg = {.pool = {.count = 768,
			 .size = 16384,
			 .flags = RV_POOL_POPULATE},
		.output_limit = 1u << 20,
		.timeouts = {.idle_ms = 75000, .write_ms = 60000}},
	.threads = 1,
};

/* ringview-http's figures in a text stats line (serve.h). */
static void print_figures(const struct loop_thread *t)
{
	const struct http_server *srv = t->user;

	printf("%u connections open, %llu accepted, %llu requests, %llu "
	       "bad requests; ",
	       rv_loop_conn_count(t->loop),
	       (unsigned long long)srv->connections,
	       (unsigned long long)srv->requests,
	       (unsigned long long)srv->bad_requests);
}

/* The same figures in a JSON stats line. */
static void add_figures(struct stats_json *j, const struct loop_thread *t)
{
	const struct http_server *srv = t->user;

	stats_json_u64(j, "connections_open", rv_loop_conn_count(t->loop));
	stats_json_u64(j, "accepted", srv->connections);
	stats_json_u64(j, "requests", srv->requests);
	stats_json_u64(j, "bad_requests", srv->bad_requests);
}

static const struct stats_figures http_figures = {
	.text = print_figures,
	.json = add_figures,
};

/* Open |t|'s listener; its connections count in their thread's server. */
static int open_listener(struct loop_thread *t, uint16_t port)
{
	struct http_server *srv = &servers[t->index];

	srv->limits = limits;
	srv->head_timeout_ms =
		head_timeout_ms == RV_NO_TIMEOUT ? 0 : head_timeout_ms;
	srv->body_timeout_ms =
		body_timeout_ms == RV_NO_TIMEOUT ? 0 : body_timeout_ms;
	t->user = srv;
	return loop_thread_listen_tcp(t, args.host, port, &http_conn_ops, srv);
}

/* A head is made contiguous (copied when it straddles buffers) and each
 * header field is a subview: beyond these a limit protects nothing. A
 * zero would mean the library's default, so it is not offered. */
#define MAX_HEAD_LIMIT	  (16u << 20)
#define MAX_HEADERS_LIMIT 65535u

/* The options that are ringview-http's own (cmdline.h). */
static int http_option(int opt, const char *arg)
{
	unsigned long n = 0;
	int bad;

	switch (opt) {
	case 'm':
		bad = count_option("max-head", arg, 1, MAX_HEAD_LIMIT, &n);
		limits.max_head = (uint32_t)n;
		return bad;
	case 'n':
		bad = count_option("max-headers", arg, 1, MAX_HEADERS_LIMIT,
				   &n);
		limits.max_headers = (uint32_t)n;
		return bad;
	case 'x':
		return size_option("max-body", arg, 1, UINT64_MAX,
				   &limits.max_body);
	case 'T':
		return seconds_option("head-timeout", arg, &head_timeout_ms);
	case 'Y':
		return seconds_option("body-timeout", arg, &body_timeout_ms);
	case 'K':
		return seconds_option("keepalive-timeout", arg,
				      &args.cfg.timeouts.idle_ms);
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		LISTEN_OPTIONS,
		STATS_OPTIONS,
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
	struct loop_threads lt = {.cfg = &args.cfg, .open = open_listener};
	int status;

	status = parse_cmdline(&args, argc, argv, opts, http_option);
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = args.threads;
	servers = calloc(args.threads, sizeof(*servers));
	if (!servers || loop_threads_start(&lt, (uint16_t)args.port)) {
		free(servers);
		return 1;
	}
	serve_announce(&lt, "", args.host);
	status = serve_until_stopped(&lt, &args, &http_figures);
	free(servers);
	return status;
}
