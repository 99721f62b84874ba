/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview-proxy - a TCP proxy that never copies a byte in user space:
 * every view received from a client goes out to its upstream as it is,
 * and back the same way (proxy.h).
 *
 * Usage: ringview-proxy --upstream HOST:PORT [--upstream ...] [options]
 *   (see usage() below, or --help)
 *
 * Prints "listening on HOST:PORT" once ready, a stats line every
 * --stats-interval seconds (0: never) and on SIGUSR1, and the final stats
 * at SIGINT/SIGTERM: pairs, bytes each way, connect failures, pauses,
 * resets and the pool (whose "copied" stays 0); with --stats-format json
 * each stats line is a JSON object (stats.h). Exit status 0 after a
 * clean shutdown, 1 when the server could not start or leaked, 2 for bad
 * usage (a value out of range, a stray argument), said on stderr with the
 * option.
 */
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ringview/ringview.h>

#include "loops.h"
#include "options.h"
#include "proxy.h"
#include "stats.h"

#define MAX_UPSTREAMS 64

static atomic_int stats_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		loop_threads_stop = 1;
}

/* Upstreams get 10 s to answer; a peer that reads nothing of what is
 * queued for it for 60 s is reset. Every pair shares the pool and holds
 * a buffer only while its bytes cross: 256 buffers (4 MiB) carry 500
 * pairs of 64 KiB messages as fast as 768 do (bench/proxy), and the pool
 * is not faulted in at start, so RSS follows the load. */
static struct rv_loop_config cfg = {
	.pool = {.count = 256, .size = 16384},
	.timeouts = {.connect_ms = 10000, .write_ms = 60000}};
static const char *host = "127.0.0.1";
static unsigned nthreads = 1;
static enum stats_format stats_format;
static struct rv_addr upstreams[MAX_UPSTREAMS];
static unsigned nupstreams;
static unsigned long max_pair_bytes; /* 0: 4 buffers */
static struct proxy *proxies;	     /* one per thread */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s --upstream HOST:PORT [options]\n"
		"  --upstream ADDR         where to connect: HOST:PORT, "
		"[V6]:PORT,\n"
		"                          unix:PATH; repeat it for round "
		"robin\n"
		"  --host ADDR             address to listen on (127.0.0.1)\n"
		"  --port N                TCP port, 0 for any (8000)\n"
		"  --buffers N             receive buffers in the pool (256)\n"
		"  --buf-size BYTES        bytes per buffer (16384)\n"
		"  --backend NAME          auto, uring or ev (auto)\n"
		"  --threads N             N loops on N threads, one port (1)\n"
		"  --connect-timeout SECS  upstream connect timeout (10)\n"
		"  --idle-timeout SECS     close a side idle for SECS, 0 = "
		"never (0)\n"
		"  --write-timeout SECS    reset a peer that reads nothing for "
		"SECS (60)\n"
		"  --max-pair-bytes BYTES  queued per direction of a pair "
		"before its\n"
		"                          reading side pauses (4 buffers)\n"
		"  --stats-interval SECS   print stats every SECS, 0 = never "
		"(0)\n"
		"  --stats-format FORMAT   text, or json: an object per line "
		"(text)\n"
		"  --version               print the version and exit\n"
		"  --help                  this text\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the proxy.\n",
		argv0);
}

/* The figures of print_stats, as one JSON object (stats.h). */
static void print_stats_json(const struct loop_thread *t, const char *when)
{
	const struct proxy_stats *s = &((struct proxy *)t->user)->stats;
	struct stats_json j;

	stats_json_begin(&j, stdout, when, t->index, nthreads);
	stats_json_u64(&j, "pairs_open", s->pairs_open);
	stats_json_u64(&j, "pairs_total", s->pairs_total);
	stats_json_u64(&j, "bytes_up", s->bytes_up);
	stats_json_u64(&j, "bytes_down", s->bytes_down);
	stats_json_u64(&j, "connect_failures", s->connect_failures);
	stats_json_u64(&j, "pauses", s->pauses);
	stats_json_u64(&j, "resets", s->resets);
	stats_json_end(&j, rv_loop_pool(t->loop));
}

static void print_stats(const struct loop_thread *t, const char *when)
{
	const struct proxy_stats *s = &((struct proxy *)t->user)->stats;

	if (stats_format == STATS_JSON) {
		print_stats_json(t, when);
		return;
	}
	printf("stats (%s", when);
	if (nthreads > 1)
		printf(", thread %d of %u", t->index, nthreads);
	printf("): pairs %llu open, %llu in all; bytes %llu up, %llu down; "
	       "%llu connect failures, %llu pauses, %llu resets; ",
	       (unsigned long long)s->pairs_open,
	       (unsigned long long)s->pairs_total,
	       (unsigned long long)s->bytes_up,
	       (unsigned long long)s->bytes_down,
	       (unsigned long long)s->connect_failures,
	       (unsigned long long)s->pauses, (unsigned long long)s->resets);
	rv_pool_stats_print(rv_loop_pool(t->loop), stdout);
	fflush(stdout);
}

static void print_final(struct loop_thread *t)
{
	print_stats(t, "final");
}

static int open_listener(struct loop_thread *t, uint16_t port)
{
	struct proxy *px = &proxies[t->index];
	rv_listener *l;
	int err;

	px->upstreams = upstreams;
	px->nupstreams = nupstreams;
	px->max_pair_bytes =
		(uint32_t)(max_pair_bytes ? max_pair_bytes
					  : 4ul * rv_pool_buf_size(rv_loop_pool(
							  t->loop)));
	/* Threads start at different upstreams. */
	px->next_upstream = (unsigned)t->index;
	t->user = px;
	err = rv_listen_tcp(t->loop, host, port, &proxy_client_ops, px, &l);
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

/* Every option into the globals above: 0, 1 to exit 0 (--help,
 * --version), or 2 for bad usage (said on stderr). */
static int parse_options(int argc, char **argv, unsigned long *port,
			 double *interval)
{
	static const struct option opts[] = {
		{"upstream", required_argument, NULL, 'U'},
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		{"threads", required_argument, NULL, 't'},
		{"connect-timeout", required_argument, NULL, 'C'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"max-pair-bytes", required_argument, NULL, 'm'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"stats-format", required_argument, NULL, 'f'},
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
		case 'U':
			if (nupstreams == MAX_UPSTREAMS) {
				fprintf(stderr, "--upstream: at most %d\n",
					MAX_UPSTREAMS);
				return 2;
			}
			if (rv_addr_parse(optarg, &upstreams[nupstreams])) {
				fprintf(stderr,
					"--upstream needs HOST:PORT, "
					"[V6]:PORT or unix:PATH, not '%s'\n",
					optarg);
				return 2;
			}
			nupstreams++;
			break;
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
		case 't':
			bad = count_option("threads", optarg, 1, 256, &n);
			nthreads = (unsigned)n;
			break;
		case 'C':
			bad = seconds_option("connect-timeout", optarg, &ms);
			cfg.timeouts.connect_ms = ms;
			break;
		case 'I':
			bad = seconds_option("idle-timeout", optarg, &ms);
			cfg.timeouts.idle_ms = ms;
			break;
		case 'W':
			bad = seconds_option("write-timeout", optarg, &ms);
			cfg.timeouts.write_ms = ms;
			break;
		case 'm':
			bad = count_option("max-pair-bytes", optarg, 1,
					   UINT32_MAX, &max_pair_bytes);
			break;
		case 'i':
			bad = seconds_option("stats-interval", optarg, &ms);
			*interval = ms == RV_NO_TIMEOUT ? 0 : ms / 1000.0;
			break;
		case 'f':
			bad = stats_format_option(optarg, &stats_format);
			break;
		case 'v':
			print_version("ringview-proxy");
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
	if (no_operands(argc, argv, optind))
		return 2;
	if (!nupstreams) {
		fprintf(stderr, "--upstream is needed: where to connect "
				"(--help)\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port = 8000;
	double interval = 0, next_stats;
	struct loop_threads lt = {.cfg = &cfg, .open = open_listener};
	struct loop_thread *main_t;
	struct sigaction sa;
	int err, status;

	status = parse_options(argc, argv, &port, &interval);
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = nthreads;
	proxies = calloc(nthreads, sizeof(*proxies));
	if (!proxies || loop_threads_start(&lt, (uint16_t)port)) {
		free(proxies);
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
	free(proxies);
	return status;
}
