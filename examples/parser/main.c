/*
 * ringview-http - an HTTP/1.1 server whose requests are framed, parsed
 * and answered as views of the receive buffers (see http_server.h for the
 * four pipeline stages and the routes).
 *
 * Usage: ringview-http [--host ADDR] [--port N] [--buffers N]
 *                      [--buf-size BYTES] [--backend auto|uring|ev]
 *                      [--stats-interval SECONDS] [--max-head BYTES]
 *                      [--max-headers N] [--max-body BYTES] [--threads N]
 *                      [--help]
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
 * SIGINT/SIGTERM with any buffer still held (there should be none).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_server.h"

static atomic_int stop_requested; /* read by every thread */
static atomic_int stats_requested;

/* One loop, its listener and its counters; one per thread. */
struct worker {
	int index;
	pthread_t thread;
	rv_loop *loop;
	rv_listener *listener;
	struct http_server srv;
};

static struct rv_loop_config cfg = {.pool = {.count = 768, .size = 16384}};
static struct rv_http_limits limits;
static const char *host = "127.0.0.1";
static unsigned nthreads = 1;
static uint16_t shared_port;
static pthread_barrier_t started;
static int start_errors;

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
		"  --threads N             N loops on N threads, one port (1)\n"
		"  --help                  this text\n"
		"Routes: GET /, POST /echo, GET /stats.\n"
		"SIGUSR1 prints stats; SIGINT/SIGTERM stop the server.\n",
		argv0);
}

static void print_stats(const struct worker *w, const char *when)
{
	printf("stats (%s", when);
	if (nthreads > 1)
		printf(", thread %d of %u", w->index, nthreads);
	printf("): %u connections open, %llu accepted, %llu requests, %llu "
	       "bad requests; ",
	       rv_loop_conn_count(w->loop),
	       (unsigned long long)w->srv.connections,
	       (unsigned long long)w->srv.requests,
	       (unsigned long long)w->srv.bad_requests);
	rv_pool_stats_print(rv_loop_pool(w->loop), stdout);
	fflush(stdout);
}

/* Make |w|'s loop and listener on the thread that will run them. */
static int worker_start(struct worker *w, uint16_t port)
{
	int err = rv_loop_create(&cfg, &w->loop);

	if (err) {
		fprintf(stderr, "cannot start: %s\n", rv_strerror(err));
		return err;
	}
	w->srv.limits = limits;
	err = rv_listen_tcp(w->loop, host, port, &http_conn_ops, &w->srv,
			    &w->listener);
	if (err) {
		fprintf(stderr, "cannot listen on %s:%u: %s\n", host, port,
			rv_strerror(err));
		rv_loop_destroy(w->loop);
		w->loop = NULL;
	}
	return err;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	int err = worker_start(w, shared_port);

	if (err)
		__atomic_add_fetch(&start_errors, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&started);
	if (err)
		return NULL;
	while (!stop_requested)
		if (rv_loop_run_once(w->loop, 100) < 0)
			break;
	rv_loop_shutdown(w->loop);
	return NULL;
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
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long port = 8080;
	double interval = 0, next_stats;
	struct worker *workers, *main_w;
	struct sigaction sa;
	sigset_t block, old;
	int opt, err, status = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'b': cfg.pool.count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': cfg.pool.size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtod(optarg, NULL); break;
		case 'm': limits.max_head = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': limits.max_headers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'x': limits.max_body = strtoull(optarg, NULL, 10); break;
		case 't': nthreads = (unsigned)strtoul(optarg, NULL, 10); break;
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
	if (nthreads < 1 || nthreads > 256) {
		fprintf(stderr, "--threads must be 1 to 256\n");
		return 2;
	}
	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		return 1;
	for (unsigned i = 0; i < nthreads; i++)
		workers[i].index = (int)i;

	/* Thread 0 is this one: it listens first (port 0 picks the port the
	 * others then share) and handles the signals. */
	main_w = &workers[0];
	if (worker_start(main_w, (uint16_t)port)) {
		free(workers);
		return 1;
	}
	shared_port = rv_listener_port(main_w->listener);
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_barrier_init(&started, NULL, nthreads);
	for (unsigned i = 1; i < nthreads; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_thread,
				   &workers[i])) {
			fprintf(stderr, "cannot create thread %u\n", i);
			return 1;
		}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_barrier_wait(&started);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start_errors)
		stop_requested = 1;
	else
		printf("listening on %s:%u (backend %s)%s\n", host, shared_port,
		       rv_loop_backend_name(main_w->loop),
		       nthreads > 1 ? " on several threads" : "");
	fflush(stdout);

	next_stats = now_s() + interval;
	while (!stop_requested) {
		err = rv_loop_run_once(main_w->loop, interval > 0 ? 100 : 1000);
		if (err < 0) {
			fprintf(stderr, "event loop failed: %s\n",
				rv_strerror(err));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(main_w, "SIGUSR1");
		}
		if (interval > 0 && now_s() >= next_stats) {
			print_stats(main_w, "interval");
			next_stats += interval;
		}
	}
	stop_requested = 1;

	rv_loop_shutdown(main_w->loop);
	for (unsigned i = 1; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	for (unsigned i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		if (!w->loop)
			continue;
		print_stats(w, "final");
		if (rv_pool_leak_report(rv_loop_pool(w->loop), stdout) > 0) {
			fprintf(stderr, "buffers leaked: see above\n");
			status = 1;
			continue;
		}
		if (rv_loop_destroy(w->loop))
			status = 1;
	}
	free(workers);
	return start_errors ? 1 : status;
}
