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
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ringview/ringview.h>

#include "loops.h"
#include "options.h"
#include "stats.h"

/* SIGINT/SIGTERM set loop_threads_stop (loops.h), read by every thread. */
static atomic_int stats_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		loop_threads_stop = 1;
}

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

/* What every loop is started with. */
/* A client that reads none of its echo for 60 s is reset; each
 * connection may hold the loop's default budget of buffers. The pool's
 * 12 MiB are taken at start (RV_POOL_POPULATE). */
static struct rv_loop_config cfg = {
	.pool = {.count = 768, .size = 16384, .flags = RV_POOL_POPULATE},
	.timeouts = {.write_ms = 60000}};
static const char *host = "127.0.0.1";
static bool udp_mode;
static unsigned nthreads = 1;
static enum stats_format stats_format;

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

/* The figures of print_stats, as one JSON object (stats.h). */
static void print_stats_json(const struct loop_thread *t, const char *when)
{
	struct rv_loop_stats ls;
	struct stats_json j;

	rv_loop_stats(t->loop, &ls);
	stats_json_begin(&j, stdout, when, t->index, nthreads);
	stats_json_u64(&j, "connections_open", rv_loop_conn_count(t->loop));
	stats_json_u64(&j, "accepted", ls.accepted);
	stats_json_u64(&j, "sends", ls.sends);
	stats_json_u64(&j, "zc_sends", ls.zc_sends);
	stats_json_u64(&j, "zc_copied", ls.zc_copied);
	stats_json_u64(&j, "parked", ls.parked);
	if (udp_mode) {
		const struct udp_state *us = t->user;
		struct rv_udp_stats st = us->last;
		if (t->socket)
			rv_udp_stats(t->socket, &st);
		stats_json_open(&j, "udp");
		stats_json_u64(&j, "received", st.received);
		stats_json_u64(&j, "truncated", st.truncated);
		stats_json_u64(&j, "kernel_drops", st.kernel_drops);
		stats_json_u64(&j, "sent", st.sent);
		stats_json_u64(&j, "send_errors", st.send_errors);
		stats_json_u64(&j, "send_dropped", st.send_dropped);
		stats_json_close(&j);
	}
	stats_json_end(&j, rv_loop_pool(t->loop));
}

static void print_stats(const struct loop_thread *t, const char *when)
{
	struct rv_loop_stats ls;

	if (stats_format == STATS_JSON) {
		print_stats_json(t, when);
		return;
	}
	rv_loop_stats(t->loop, &ls);
	printf("stats (%s", when);
	if (nthreads > 1)
		printf(", thread %d of %u", t->index, nthreads);
	printf("): %u connections open, %llu accepted, %llu sends "
	       "(%llu zero-copy, %llu copied by the kernel), %llu waits for "
	       "buffers; ",
	       rv_loop_conn_count(t->loop), (unsigned long long)ls.accepted,
	       (unsigned long long)ls.sends, (unsigned long long)ls.zc_sends,
	       (unsigned long long)ls.zc_copied, (unsigned long long)ls.parked);
	if (udp_mode) {
		const struct udp_state *us = t->user;
		struct rv_udp_stats st = us->last;
		if (t->socket)
			rv_udp_stats(t->socket, &st);
		printf("udp: %llu datagrams in (%llu truncated, %llu dropped "
		       "by "
		       "the kernel), %llu out (%llu send errors, %llu "
		       "dropped); ",
		       (unsigned long long)st.received,
		       (unsigned long long)st.truncated,
		       (unsigned long long)st.kernel_drops,
		       (unsigned long long)st.sent,
		       (unsigned long long)st.send_errors,
		       (unsigned long long)st.send_dropped);
	}
	rv_pool_stats_print(rv_loop_pool(t->loop), stdout);
	fflush(stdout);
}

static void print_final(struct loop_thread *t)
{
	print_stats(t, "final");
}

/* Open |t|'s socket: a TCP listener, or with --udp a UDP socket. */
static int open_socket(struct loop_thread *t, uint16_t port)
{
	int err;

	if (udp_mode) {
		rv_udp *u;
		t->user = &udp_states[t->index];
		err = rv_udp_bind(t->loop, host, port, &udp_echo_ops, NULL, &u);
		if (!err) {
			t->socket = u;
			return rv_udp_port(u);
		}
	} else {
		rv_listener *l;
		err = rv_listen_tcp(t->loop, host, port, &echo_ops, NULL, &l);
		if (!err) {
			t->socket = l;
			return rv_listener_port(l);
		}
	}
	fprintf(stderr, "cannot listen on %s%s:%u: %s\n",
		udp_mode ? "udp " : "", host, port, rv_strerror(err));
	return err;
}

/* Before shutdown: keep the UDP socket's counters (it is freed then). */
static void closing(struct loop_thread *t)
{
	struct udp_state *us = t->user;

	if (udp_mode && t->socket)
		rv_udp_stats(t->socket, &us->last);
	t->socket = NULL;
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
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'B'},
		{"stats-interval", required_argument, NULL, 'i'},
		{"stats-format", required_argument, NULL, 'f'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"write-timeout", required_argument, NULL, 'W'},
		{"udp", no_argument, NULL, 'u'},
		{"threads", required_argument, NULL, 't'},
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
		case 'I':
			bad = seconds_option("idle-timeout", optarg,
					     &cfg.timeouts.idle_ms);
			break;
		case 'W':
			bad = seconds_option("write-timeout", optarg,
					     &cfg.timeouts.write_ms);
			break;
		case 'u':
			udp_mode = true;
			break;
		case 't':
			bad = count_option("threads", optarg, 1, 256, &n);
			nthreads = (unsigned)n;
			break;
		case 'v':
			print_version("ringview-echo");
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
	unsigned long port = 7000;
	double interval = 0, next_stats;
	struct loop_threads lt = {
		.cfg = &cfg, .open = open_socket, .closing = closing};
	struct loop_thread *main_t;
	struct sigaction sa;
	int err, status;

	status = parse_options(argc, argv, &port, &interval);
	if (status)
		return status == 1 ? 0 : 2;
	lt.count = nthreads;
	udp_states = calloc(nthreads, sizeof(*udp_states));
	if (!udp_states || loop_threads_start(&lt, (uint16_t)port)) {
		free(udp_states);
		return 1;
	}
	main_t = &lt.threads[0];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening on %s%s:%u (backend %s)%s\n", udp_mode ? "udp " : "",
	       host, lt.port, rv_loop_backend_name(main_t->loop),
	       nthreads > 1 ? " on several threads" : "");
	fflush(stdout);

	next_stats = now_s() + interval;
	while (!loop_threads_stop) {
		int timeout = interval > 0 ? 100 : 1000;
		err = rv_loop_run_once(main_t->loop, timeout);
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
	free(udp_states);
	return status;
}
