/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * serve.c - the main thread of a threaded example (serve.h).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "serve.h"

static atomic_int stats_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		loop_threads_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How the stats lines of one run are printed. */
struct stats_printer {
	const struct stats_figures *figures;
	enum stats_format format;
	unsigned threads;
};

/* One stats line for |t|; |kind| says why: "SIGUSR1", "interval" or
 * "final". */
static void print_stats(const struct stats_printer *p,
			const struct loop_thread *t, const char *kind)
{
	const rv_pool *pool = rv_loop_pool(t->loop);
	struct stats_json j;

	if (p->format == STATS_JSON) {
		stats_json_begin(&j, stdout, kind, t->index, p->threads);
		p->figures->json(&j, t);
		stats_json_end(&j, pool);
		return;
	}
	stats_text_begin(stdout, kind, t->index, p->threads);
	p->figures->text(t);
	rv_pool_stats_print(pool, stdout);
	fflush(stdout);
}

static void print_final(const struct loop_thread *t, void *printer)
{
	print_stats(printer, t, "final");
}

void serve_announce(const struct loop_threads *lt, const char *kind,
		    const char *host)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening on %s%s:%u (backend %s)%s\n", kind, host, lt->port,
	       rv_loop_backend_name(lt->threads[0].loop),
	       lt->count > 1 ? " on several threads" : "");
	fflush(stdout);
}

int serve_until_stopped(struct loop_threads *lt, const struct cmdline *args,
			const struct stats_figures *figures)
{
	struct stats_printer printer = {figures, args->stats_format, lt->count};
	struct loop_thread *main_t = &lt->threads[0];
	double interval = args->stats_interval;
	double next_stats = now_s() + interval;

	while (!loop_threads_stop) {
		int err = rv_loop_run_once(main_t->loop,
					   interval > 0 ? 100 : 1000);
		if (err < 0) {
			fprintf(stderr, "event loop failed: %s\n",
				rv_strerror(err));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(&printer, main_t, "SIGUSR1");
		}
		if (interval > 0 && now_s() >= next_stats) {
			print_stats(&printer, main_t, "interval");
			next_stats += interval;
		}
	}
	loop_threads_join(lt); /* every loop is shut down: final stats */
	return loop_threads_destroy(lt, print_final, &printer);
}
