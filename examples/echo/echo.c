/*
 * ringview-echo - a TCP echo server whose bytes are never copied in user
 * space: each received view is sent back as it is, and its buffer returns
 * to the kernel's ring when the send completes (with --backend ev: to the
 * pool's free list once the kernel has taken the bytes). With --backend
 * auto, io_uring is used where the kernel allows it, else libev.
 *
 * Usage: ringview-echo [--host ADDR] [--port N] [--buffers N]
 *                      [--buf-size BYTES] [--backend auto|uring|ev]
 *                      [--stats-interval SECONDS] [--udp] [--help]
 *
 * With --udp it echoes datagrams instead: each one goes back to its
 * sender as the same view it arrived in.
 *
 * Prints "listening on HOST:PORT" once ready, a stats line every
 * --stats-interval seconds (0: never) and on SIGUSR1, and the final stats
 * at SIGINT/SIGTERM, including any buffer still held (there should be
 * none). Exit status 0 after a clean shutdown.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ringview/ringview.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		stop_requested = 1;
}

/* The whole server: whatever arrived goes back, as the same views. */
static void echo_data(rv_conn *c, rv_chain *in)
{
	int err = rv_conn_send_chain(c, in);

	if (err)
		fprintf(stderr, "send: %s\n", rv_strerror(err));
}

static const struct rv_conn_ops echo_ops = {
	.on_data = echo_data,
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

static rv_udp *udp_socket;           /* with --udp */
static struct rv_udp_stats udp_last; /* its counters before shutdown */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"  --host ADDR             address to listen on (127.0.0.1)\n"
		"  --port N                TCP port, 0 for any (7000)\n"
		"  --buffers N             receive buffers in the pool (768)\n"
		"  --buf-size BYTES        bytes per buffer (16384)\n"
		"  --backend NAME          auto, uring or ev (auto)\n"
		"  --stats-interval SECS   print stats every SECS, 0 = never (0)\n"
		"  --udp                   echo UDP datagrams instead of TCP\n"
		"  --help                  this text\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

static void print_stats(rv_loop *loop, const char *when)
{
	struct rv_loop_stats ls;

	rv_loop_stats(loop, &ls);
	printf("stats (%s): %u connections open, %llu accepted, %llu sends "
	       "(%llu zero-copy, %llu copied by the kernel), %llu waits for "
	       "buffers; ",
	       when, rv_loop_conn_count(loop), (unsigned long long)ls.accepted,
	       (unsigned long long)ls.sends, (unsigned long long)ls.zc_sends,
	       (unsigned long long)ls.zc_copied, (unsigned long long)ls.parked);
	if (udp_socket || udp_last.received) {
		struct rv_udp_stats us = udp_last;
		if (udp_socket)
			rv_udp_stats(udp_socket, &us);
		printf("udp: %llu datagrams in (%llu truncated, %llu dropped by "
		       "the kernel), %llu out (%llu send errors, %llu dropped); ",
		       (unsigned long long)us.received,
		       (unsigned long long)us.truncated,
		       (unsigned long long)us.kernel_drops,
		       (unsigned long long)us.sent,
		       (unsigned long long)us.send_errors,
		       (unsigned long long)us.send_dropped);
	}
	rv_pool_stats_print(rv_loop_pool(loop), stdout);
	fflush(stdout);
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
		{"udp", no_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* 768 x 16 KiB = 12 MiB caps what the server holds: when every buffer
	 * is in use, receives wait and TCP keeps the bytes in the socket,
	 * so memory stays flat however many clients push data at once.
	 * (bench/run-echo.sh: 500 connections x 64 KiB ran at 1.00x the
	 * epoll baseline's MiB/s with 0.44x its peak memory; 512 buffers
	 * gave 0.85x and 0.32x.) */
	struct rv_loop_config cfg = {.pool = {.count = 768, .size = 16384}};
	const char *host = "127.0.0.1";
	unsigned long port = 7000;
	double interval = 0, next_stats;
	struct sigaction sa;
	rv_listener *listener = NULL;
	bool udp = false;
	rv_loop *loop;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'b': cfg.pool.count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': cfg.pool.size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtod(optarg, NULL); break;
		case 'u': udp = true; break;
		case 'B':
			if (parse_backend(optarg, &cfg.backend)) {
				fprintf(stderr, "unknown backend '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (port > 65535) {
		fprintf(stderr, "port %lu is out of range\n", port);
		return 2;
	}

	err = rv_loop_create(&cfg, &loop);
	if (err) {
		fprintf(stderr, "cannot start: %s\n", rv_strerror(err));
		return 1;
	}
	if (udp)
		err = rv_udp_bind(loop, host, (uint16_t)port, &udp_echo_ops,
				  NULL, &udp_socket);
	else
		err = rv_listen_tcp(loop, host, (uint16_t)port, &echo_ops,
				    NULL, &listener);
	if (err) {
		fprintf(stderr, "cannot listen on %s%s:%lu: %s\n",
			udp ? "udp " : "", host, port, rv_strerror(err));
		rv_loop_destroy(loop);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("listening on %s%s:%u (backend %s)\n", udp ? "udp " : "", host,
	       udp ? rv_udp_port(udp_socket) : rv_listener_port(listener),
	       rv_loop_backend_name(loop));
	fflush(stdout);

	next_stats = now_s() + interval;
	while (!stop_requested) {
		int timeout = interval > 0 ? 100 : 1000;
		err = rv_loop_run_once(loop, timeout);
		if (err < 0) {
			fprintf(stderr, "event loop failed: %s\n",
				rv_strerror(err));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(loop, "SIGUSR1");
		}
		if (interval > 0 && now_s() >= next_stats) {
			print_stats(loop, "interval");
			next_stats += interval;
		}
	}

	if (udp_socket)
		rv_udp_stats(udp_socket, &udp_last);
	udp_socket = NULL; /* freed by the shutdown */
	rv_loop_shutdown(loop);
	print_stats(loop, "final");
	if (rv_pool_leak_report(rv_loop_pool(loop), stdout) > 0) {
		fprintf(stderr, "buffers leaked: see above\n");
		return 1;
	}
	err = rv_loop_destroy(loop);
	return err ? 1 : 0;
}
