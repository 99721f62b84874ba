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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <ringview/ev.h>
#include <ringview/ringview.h>

#include "cmdline.h"

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		LISTEN_OPTIONS,
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cmdline args = {
		.program = "ringview-embed",
		.usage = usage,
		.host = "127.0.0.1",
		.port = 7000,
		.cfg = {.pool = {.count = 1024, .size = 16384}},
		.threads = 1,
	};
	struct ev_loop *evl;
	ev_timer tick;
	ev_signal sigint, sigterm;
	rv_listener *listener;
	rv_loop *loop;
	int err;

	err = parse_cmdline(&args, argc, argv, opts, NULL);
	if (err)
		return err == 1 ? 0 : 2;

	/* The program's loop, as it had it before ringview. */
	evl = ev_default_loop(EVFLAG_AUTO);
	signal(SIGPIPE, SIG_IGN);

	/* ringview joins it. */
	err = rv_loop_create_ev(&args.cfg, evl, &loop);
	if (err) {
		loop_create_failed(&args.cfg, err);
		ev_loop_destroy(evl);
		return 1;
	}
	err = rv_listen_tcp(loop, args.host, (uint16_t)args.port, &echo_ops,
			    NULL, &listener);
	if (err) {
		fprintf(stderr, "cannot listen on %s:%lu: %s\n", args.host,
			args.port, rv_strerror(err));
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

	printf("listening on %s:%u (backend %s, inside libev)\n", args.host,
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
