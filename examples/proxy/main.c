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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <ringview/ringview.h>

#include "cmdline.h"
#include "loops.h"
#include "proxy.h"
#include "serve.h"
#include "stats.h"

#define MAX_UPSTREAMS 64

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

/* Upstreams get 10 s to answer; a peer that reads nothing of what is
 * queued for it for 60 s is reset. Every pair shares the pool and holds
 * a buffer only while its bytes cross: 256 buffers (4 MiB) carry 500
 * pairs of 64 KiB messages as fast as 768 do (bench/proxy), and the pool
 * is not faulted in at start, so RSS follows the load. */
static struct cmdline args = {
	.program = "ringview-proxy",
	.usage = usage,
	.host = "127.0.0.1",
	.port = 8000,
	.cfg = {.pool = {.count = 256, .size = 16384},
		.timeouts = {.connect_ms = 10000, .write_ms = 60000}},
	.threads = 1,
};

/* ringview-proxy's figures in a text stats line (serve.h). */
static void print_figures(const struct loop_thread *t)
{
	const struct proxy_stats *s = &((struct proxy *)t->user)->stats;

	printf("pairs %llu open, %llu in all; bytes %llu up, %llu down; "
	       "%llu connect failures, %llu pauses, %llu resets; ",
	       (unsigned long long)s->pairs_open,
	       (unsigned long long)s->pairs_total,
	       (unsigned long long)s->bytes_up,
	       (unsigned long long)s->bytes_down,
	       (unsigned long long)s->connect_failures,
	       (unsigned long long)s->pauses, (unsigned long long)s->resets);
}

/* The same figures in a JSON stats line. */
static void add_figures(struct stats_json *j, const struct loop_thread *t)
{
	const struct proxy_stats *s = &((struct proxy *)t->user)->stats;

	stats_json_u64(j, "pairs_open", s->pairs_open);
	stats_json_u64(j, "pairs_total", s->pairs_total);
	stats_json_u64(j, "bytes_up", s->bytes_up);
	stats_json_u64(j, "bytes_down", s->bytes_down);
	stats_json_u64(j, "connect_failures", s->connect_failures);
	stats_json_u64(j, "pauses", s->pauses);
	stats_json_u64(j, "resets", s->resets);
}

static const struct stats_figures proxy_figures = {
	.text = print_figures,
	.json = add_figures,
};

static int open_listener(struct loop_thread *t, uint16_t port)
{
	struct proxy *px = &proxies[t->index];

	px->upstreams = upstreams;
	px->nupstreams = nupstreams;
	px->max_pair_bytes =
		(uint32_t)(max_pair_bytes ? max_pair_bytes
					  : 4ul * rv_pool_buf_size(rv_loop_pool(
							  t->loop)));
	/* Threads start at different upstreams. */
	px->next_upstream = (unsigned)t->index;
	t->user = px;
	return loop_thread_listen_tcp(t, args.host, port, &proxy_client_ops,
				      px);
}

/* --upstream: one more address to connect to, round robin. */
static int upstream_option(const char *arg)
{
	if (nupstreams == MAX_UPSTREAMS) {
		fprintf(stderr, "--upstream: at most %d\n", MAX_UPSTREAMS);
		return -EINVAL;
	}
	if (rv_addr_parse(arg, &upstreams[nupstreams])) {
		fprintf(stderr,
			"--upstream needs HOST:PORT, [V6]:PORT or unix:PATH, "
			"not '%s'\n",
			arg);
		return -EINVAL;
	}
	nupstreams++;
	return 0;
}

/* The options that are ringview-proxy's own (cmdline.h). */
static int proxy_option(int opt, const char *arg)
{
	switch (opt) {
	case 'U':
		return upstream_option(arg);
	case 'C':
		return seconds_option("connect-timeout", arg,
				      &args.cfg.timeouts.connect_ms);
	case 'm':
		return count_option("max-pair-bytes", arg, 1, UINT32_MAX,
				    &max_pair_bytes);
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"upstream", required_argument, NULL, 'U'},
		LISTEN_OPTIONS,
		{"threads", required_argument, NULL, 't'},
		{"connect-timeout", required_argument, NULL, 'C'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"max-pair-bytes", required_argument, NULL, 'm'},
		STATS_OPTIONS,
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct loop_threads lt = {.cfg = &args.cfg, .open = open_listener};
	int status;

	status = parse_cmdline(&args, argc, argv, opts, proxy_option);
	if (!status && !nupstreams) {
		fprintf(stderr, "--upstream is needed: where to connect "
				"(--help)\n");
		status = 2;
	}
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = args.threads;
	proxies = calloc(args.threads, sizeof(*proxies));
	if (!proxies || loop_threads_start(&lt, (uint16_t)args.port)) {
		free(proxies);
		return 1;
	}
	serve_announce(&lt, "", args.host);
	status = serve_until_stopped(&lt, &args, &proxy_figures);
	free(proxies);
	return status;
}
