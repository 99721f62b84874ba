/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview-echo - a TCP echo server whose bytes are never copied in user
 * space: each received view is sent back as it is, and its buffer returns
 * to the kernel's ring when the send completes (with --backend ev: to the
 * pool's free list once the kernel has taken the bytes). With --backend
 * auto, io_uring is used where the kernel allows it, else libev.
 *
 * Usage: ringview-echo [--host ADDR] [--port N] [--buffers N]
 *                      [--buf-size BYTES] [--backend auto|uring|ev]
 *                      [--stats-interval SECONDS] [--stats-format text|json]
 *                      [--idle-timeout SECONDS] [--write-timeout SECONDS]
 *                      [--udp] [--threads N] [--version] [--help]
 *
 * A client that shuts its write side still gets every byte back, then
 * the server's FIN (on_eof: the server shuts its side once the echo is
 * out). --idle-timeout closes connections that sent nothing and were sent
 * nothing for that long (0, the default: never).
 *
 * With --udp it echoes datagrams instead: each one goes back to its
 * sender as the same view it arrived in. With --threads N it runs N loops,
 * one per thread, each with its own pool and its own socket on the same
 * port (SO_REUSEPORT: the kernel spreads connections and datagrams over
 * them); nothing is shared between the threads.
 *
 * Prints "listening on HOST:PORT" once ready, a stats line every
 * --stats-interval seconds (0: never) and on SIGUSR1, and the final stats
 * at SIGINT/SIGTERM, including any buffer still held (there should be
 * none); with --stats-format json each stats line is a JSON object
 * (stats.h). Exit status 0 after a clean shutdown, 1 when the server could
 * not start or leaked, 2 for bad usage (a value out of range, a stray
 * argument), said on stderr with the option.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <ringview/ringview.h>

#include "cmdline.h"
#include "loops.h"
#include "serve.h"
#include "stats.h"

/* The whole server: whatever arrived goes back, as the same views. */
static void echo_data(rv_conn *c, rv_chain *in)
{
	int err = rv_conn_send_chain(c, in);

	if (err)
		fprintf(stderr, "send: %s\n", rv_strerror(err));
}

/* The client shut its write side: shut ours once the echo is out. */
static void echo_eof(rv_conn *c)
{
	rv_conn_shutdown(c);
}

static const struct rv_conn_ops echo_ops = {
	.on_data = echo_data,
	.on_eof = echo_eof,
};

/* UDP: the datagram goes back to where it came from, as the same view.
 * A truncated one is not echoed: it is not the datagram that was sent. */
static void echo_datagram(rv_udp *u, rv_view v, const struct sockaddr *peer,
			  socklen_t peer_len, unsigned flags)
{
	if (flags & RV_UDP_TRUNCATED) {
		rv_view_release(&v);
		return;
	}
	rv_udp_send(u, v, peer, peer_len); /* counts its own failures */
}

static const struct rv_udp_ops udp_echo_ops = {
	.on_datagram = echo_datagram,
};

static bool udp_mode;

/* Per thread with --udp: the socket's counters before shutdown. */
struct udp_state {
	struct rv_udp_stats last;
};
static struct udp_state *udp_states; /* one per thread */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --host ADDR             address to listen on (127.0.0.1)\n"
		"  --port N                TCP port, 0 for any (7000)\n"
		"  --buffers N             receive buffers in the pool (768)\n"
		"  --buf-size BYTES        bytes per buffer (16384)\n"
		"  --backend NAME          auto, uring or ev (auto)\n"
		"  --stats-interval SECS   print stats every SECS, 0 = never "
		"(0)\n"
		"  --stats-format FORMAT   text, or json: an object per line "
		"(text)\n"
		"  --idle-timeout SECS     close connections idle for SECS, "
		"0 = never (0)\n"
		"  --write-timeout SECS    reset clients that read nothing for "
		"SECS, 0 = never (60)\n"
		"  --udp                   echo UDP datagrams instead of TCP\n"
		"  --threads N             N loops on N threads, one port (1)\n"
		"  --version               print the version and exit\n"
		"  --help                  this text\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

/* What every loop is started with (args.cfg), and the command line's
 * other values. A client that reads none of its echo for 60 s is reset;
 * each connection may hold the loop's default budget of buffers. The
 * pool's 12 MiB are taken at start (RV_POOL_POPULATE). */
static struct cmdline args = {
	.program = "ringview-echo",
	.usage = usage,
	.host = "127.0.0.1",
	.port = 7000,
	.cfg = {.pool = {.count = 768,
			 .size = 16384,
			 .flags = RV_POOL_POPULATE},
		.timeouts = {.write_ms = 60000}},
	.threads = 1,
};

/* |t|'s UDP counters: the socket's, or those it had at shutdown. */
static struct rv_udp_stats udp_stats(const struct loop_thread *t)
{
	const struct udp_state *us = t->user;
	struct rv_udp_stats st = us->last;

	if (t->socket)
		rv_udp_stats(t->socket, &st);
	return st;
}

/* ringview-echo's figures in a text stats line (serve.h). */
static void print_figures(const struct loop_thread *t)
{
	struct rv_loop_stats ls;

	rv_loop_stats(t->loop, &ls);
	printf("%u connections open, %llu accepted, %llu sends "
	       "(%llu zero-copy, %llu copied by the kernel), %llu waits for "
	       "buffers; ",
	       rv_loop_conn_count(t->loop), (unsigned long long)ls.accepted,
	       (unsigned long long)ls.sends, (unsigned long long)ls.zc_sends,
	       (unsigned long long)ls.zc_copied, (unsigned long long)ls.parked);
	if (udp_mode) {
		struct rv_udp_stats st = udp_stats(t);
		printf("udp: %llu datagrams in (%llu truncated, %llu dropped "
		       "by the kernel), %llu out (%llu send errors, %llu "
		       "dropped); ",
		       (unsigned long long)st.received,
		       (unsigned long long)st.truncated,
		       (unsigned long long)st.kernel_drops,
		       (unsigned long long)st.sent,
		       (unsigned long long)st.send_errors,
		       (unsigned long long)st.send_dropped);
	}
}

/* The same figures in a JSON stats line. */
static void add_figures(struct stats_json *j, const struct loop_thread *t)
{
	struct rv_loop_stats ls;

	rv_loop_stats(t->loop, &ls);
	stats_json_u64(j, "connections_open", rv_loop_conn_count(t->loop));
	stats_json_u64(j, "accepted", ls.accepted);
	stats_json_u64(j, "sends", ls.sends);
	stats_json_u64(j, "zc_sends", ls.zc_sends);
	stats_json_u64(j, "zc_copied", ls.zc_copied);
	stats_json_u64(j, "parked", ls.parked);
	if (udp_mode) {
		struct rv_udp_stats st = udp_stats(t);
		stats_json_open(j, "udp");
		stats_json_u64(j, "received", st.received);
		stats_json_u64(j, "truncated", st.truncated);
		stats_json_u64(j, "kernel_drops", st.kernel_drops);
		stats_json_u64(j, "sent", st.sent);
		stats_json_u64(j, "send_errors", st.send_errors);
		stats_json_u64(j, "send_dropped", st.send_dropped);
		stats_json_close(j);
	}
}

static const struct stats_figures echo_figures = {
	.text = print_figures,
	.json = add_figures,
};

/* Open |t|'s socket: a TCP listener, or with --udp a UDP socket. */
static int open_socket(struct loop_thread *t, uint16_t port)
{
	rv_udp *u;
	int err;

	if (!udp_mode)
		return loop_thread_listen_tcp(t, args.host, port, &echo_ops,
					      NULL);
	t->user = &udp_states[t->index];
	err = rv_udp_bind(t->loop, args.host, port, &udp_echo_ops, NULL, &u);
	if (err) {
		fprintf(stderr, "cannot listen on udp %s:%u: %s\n", args.host,
			port, rv_strerror(err));
		return err;
	}
	t->socket = u;
	return rv_udp_port(u);
}

/* Before shutdown: keep the UDP socket's counters (it is freed then). */
static void closing(struct loop_thread *t)
{
	struct udp_state *us = t->user;

	if (udp_mode && t->socket)
		rv_udp_stats(t->socket, &us->last);
	t->socket = NULL;
}

/* --udp, the one option that is ringview-echo's own (cmdline.h). */
static int echo_option(int opt, const char *arg)
{
	(void)arg; /* --udp takes none */
	if (opt != 'u')
		return -ENOENT;
	udp_mode = true;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		LISTEN_OPTIONS,
		STATS_OPTIONS,
		{"idle-timeout", required_argument, NULL, 'I'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"udp", no_argument, NULL, 'u'},
		{"threads", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct loop_threads lt = {
		.cfg = &args.cfg, .open = open_socket, .closing = closing};
	int status;

	status = parse_cmdline(&args, argc, argv, opts, echo_option);
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = args.threads;
	udp_states = calloc(args.threads, sizeof(*udp_states));
	if (!udp_states || loop_threads_start(&lt, (uint16_t)args.port)) {
		free(udp_states);
		return 1;
	}
	serve_announce(&lt, udp_mode ? "udp " : "", args.host);
	status = serve_until_stopped(&lt, &args, &echo_figures);
	free(udp_states);
	return status;
}
