/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview-embed - an existing libev program adopts ringview without
 * giving up its loop: the program owns the struct ev_loop, its timer and
 * signal watchers, and calls ev_run itself; ringview serves a zero-copy
 * echo on the same loop (see ringview/ev.h).
 *
 * Usage: ringview-embed [--host ADDR] [--port N] [--buffers N]
 *                       [--buf-size BYTES] [--backend auto|uring|ev]
 *                       [--version] [--help]
 *
 * Prints "listening on HOST:PORT (backend NAME, inside libev)" once ready
 * and, from the program's own 1 s timer, a line with the connections open
 * and the pool's free buffers. SIGINT/SIGTERM (libev signal watchers) stop
 * it; exit status 0 after a clean shutdown, 1 when it could not start, 2
 * for bad usage (a value out of range, a stray argument), said on stderr
 * with the option.
 */
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <ringview/ev.h>
#include <ringview/ringview.h>

#include "options.h"

/* Whatever arrives goes back, as the same views. */
static void echo_data(rv_conn *c, rv_chain *in)
{
	int err = rv_conn_send_chain(c, in);

	if (err)
		fprintf(stderr, "send: %s\n", rv_strerror(err));
}

static const struct rv_conn_ops echo_ops = {.on_data = echo_data};

/* The program's own watchers: they know nothing of ringview's. */
static void on_tick(struct ev_loop *evl, ev_timer *w, int revents)
{
	rv_loop *loop = w->data;
	struct rv_pool_stats st;

	(void)evl;
	(void)revents;
	rv_pool_stats(rv_loop_pool(loop), &st);
	printf("tick: %u connections, %u of %u buffers free\n",
	       rv_loop_conn_count(loop), st.free, st.total);
	fflush(stdout);
}

static void on_stop(struct ev_loop *evl, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(evl, EVBREAK_ALL);
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --host ADDR       address to listen on (127.0.0.1)\n"
		"  --port N          TCP port, 0 for any (7000)\n"
		"  --buffers N       receive buffers in the pool (1024)\n"
		"  --buf-size BYTES  bytes per buffer (16384)\n"
		"  --backend NAME    auto, uring or ev (auto)\n"
		"  --version         print the version and exit\n"
		"  --help            this text\n",
		argv0);
}

/* Every option into |cfg|, |host| and |port|: 0, 1 to exit 0 (--help,
 * --version), or 2 for bad usage (said on stderr). */
static int parse_options(int argc, char **argv, struct rv_loop_config *cfg,
			 const char **host, unsigned long *port)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long n = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case 'H':
			bad = host_option(optarg);
			*host = optarg;
			break;
		case 'p':
			bad = count_option("port", optarg, 0, 65535, port);
			break;
		case 'b':
			bad = count_option("buffers", optarg, 1,
					   RV_POOL_MAX_COUNT, &n);
			cfg->pool.count = (uint32_t)n;
			break;
		case 's':
			bad = count_option("buf-size", optarg, 64,
					   RV_POOL_MAX_SIZE, &n);
			cfg->pool.size = (uint32_t)n;
			break;
		case 'B':
			bad = backend_option(optarg, &cfg->backend);
			break;
		case 'v':
			print_version("ringview-embed");
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
	struct rv_loop_config cfg = {.pool = {.count = 1024, .size = 16384}};
	const char *host = "127.0.0.1";
	unsigned long port = 7000;
	struct ev_loop *evl;
	ev_timer tick;
	ev_signal sigint, sigterm;
	rv_listener *listener;
	rv_loop *loop;
	int err;

	err = parse_options(argc, argv, &cfg, &host, &port);
	if (err)
		return err == 1 ? 0 : 2;

	/* The program's loop, as it had it before ringview. */
	evl = ev_default_loop(EVFLAG_AUTO);
	signal(SIGPIPE, SIG_IGN);

	/* ringview joins it. */
	err = rv_loop_create_ev(&cfg, evl, &loop);
	if (err) {
		loop_create_failed(&cfg, err);
		ev_loop_destroy(evl);
		return 1;
	}
	err = rv_listen_tcp(loop, host, (uint16_t)port, &echo_ops, NULL,
			    &listener);
	if (err) {
		fprintf(stderr, "cannot listen on %s:%lu: %s\n", host, port,
			rv_strerror(err));
		rv_loop_destroy(loop);
		ev_loop_destroy(evl);
		return 1;
	}

	ev_timer_init(&tick, on_tick, 1., 1.);
	tick.data = loop;
	ev_timer_start(evl, &tick);
	ev_signal_init(&sigint, on_stop, SIGINT);
	ev_signal_start(evl, &sigint);
	ev_signal_init(&sigterm, on_stop, SIGTERM);
	ev_signal_start(evl, &sigterm);

	printf("listening on %s:%u (backend %s, inside libev)\n", host,
	       rv_listener_port(listener), rv_loop_backend_name(loop));
	fflush(stdout);

	ev_run(evl, 0); /* the program's loop, run by the program */

	/* ringview leaves first; the loop stays the program's. */
	err = rv_loop_destroy(loop);
	if (err)
		fprintf(stderr, "rv_loop_destroy: %s\n", rv_strerror(err));
	ev_timer_stop(evl, &tick);
	ev_signal_stop(evl, &sigint);
	ev_signal_stop(evl, &sigterm);
	ev_loop_destroy(evl);
	return err ? 1 : 0;
}
