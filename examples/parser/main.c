/*
 * ringview-http - an HTTP/1.1 server whose requests are framed, parsed
 * and answered as views of the receive buffers (see http_server.h for the
 * four pipeline stages and the routes).
 *
 * Usage: ringview-http [--host ADDR] [--port N] [--buffers N]
 *                      [--buf-size BYTES] [--backend auto|uring|ev]
 *                      [--stats-interval SECONDS] [--max-head BYTES]
 *                      [--max-headers N] [--max-body BYTES] [--help]
 *
 *   curl http://127.0.0.1:8080/
 *   curl --data-binary @file http://127.0.0.1:8080/echo
 *   curl http://127.0.0.1:8080/stats
 *
 * Prints "listening on HOST:PORT" once ready, stats every
 * --stats-interval seconds and on SIGUSR1, and the final stats at
 * SIGINT/SIGTERM with any buffer still held (there should be none).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_server.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		stop_requested = 1;
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
		"  --stats-interval SECS   print stats every SECS, 0 = never (0)\n"
		"  --max-head BYTES        request line + headers (8192)\n"
		"  --max-headers N         header fields per request (100)\n"
		"  --max-body BYTES        request body (1048576)\n"
		"  --help                  this text\n"
		"Routes: GET /, POST /echo, GET /stats.\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

static void print_stats(rv_loop *loop, const struct http_server *srv,
			const char *when)
{
	printf("stats (%s): %u connections open, %llu accepted, %llu "
	       "requests, %llu bad requests; ",
	       when, rv_loop_conn_count(loop),
	       (unsigned long long)srv->connections,
	       (unsigned long long)srv->requests,
	       (unsigned long long)srv->bad_requests);
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
		{"max-head", required_argument, NULL, 'm'},
		{"max-headers", required_argument, NULL, 'n'},
		{"max-body", required_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rv_loop_config cfg = {.pool = {.count = 768, .size = 16384}};
	struct http_server srv = {0};
	const char *host = "127.0.0.1";
	unsigned long port = 8080;
	double interval = 0, next_stats;
	struct sigaction sa;
	rv_listener *listener;
	rv_loop *loop;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'b': cfg.pool.count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': cfg.pool.size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtod(optarg, NULL); break;
		case 'm': srv.limits.max_head = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': srv.limits.max_headers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'x': srv.limits.max_body = strtoull(optarg, NULL, 10); break;
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
	err = rv_listen_tcp(loop, host, (uint16_t)port, &http_conn_ops, &srv,
			    &listener);
	if (err) {
		fprintf(stderr, "cannot listen on %s:%lu: %s\n", host, port,
			rv_strerror(err));
		rv_loop_destroy(loop);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("listening on %s:%u (backend %s)\n", host,
	       rv_listener_port(listener), rv_loop_backend_name(loop));
	fflush(stdout);

	next_stats = now_s() + interval;
	while (!stop_requested) {
		err = rv_loop_run_once(loop, interval > 0 ? 100 : 1000);
		if (err < 0) {
			fprintf(stderr, "event loop failed: %s\n",
				rv_strerror(err));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(loop, &srv, "SIGUSR1");
		}
		if (interval > 0 && now_s() >= next_stats) {
			print_stats(loop, &srv, "interval");
			next_stats += interval;
		}
	}

	rv_loop_shutdown(loop);
	print_stats(loop, &srv, "final");
	if (rv_pool_leak_report(rv_loop_pool(loop), stdout) > 0) {
		fprintf(stderr, "buffers leaked: see above\n");
		return 1;
	}
	return rv_loop_destroy(loop) ? 1 : 0;
}
