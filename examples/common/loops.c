/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loops.c - one rv_loop per thread on one port (see loops.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loops.h"
#include "options.h"

atomic_int loop_threads_stop;

static pthread_barrier_t opened;
static atomic_int open_errors;

/* Make |t|'s loop and socket on the calling thread. */
static int open_one(struct loop_threads *lt, struct loop_thread *t,
		    uint16_t port)
{
	int err = rv_loop_create(lt->cfg, &t->loop);

	if (err) {
		loop_create_failed(lt->cfg, err);
		return err;
	}
	err = lt->open(t, port);
	if (err < 0) {
		rv_loop_destroy(t->loop);
		t->loop = NULL;
		return err;
	}
	return err; /* the port */
}

static void close_one(struct loop_threads *lt, struct loop_thread *t)
{
	if (lt->closing)
		lt->closing(t);
	rv_loop_shutdown(t->loop);
}

struct start_arg {
	struct loop_threads *lt;
	struct loop_thread *t;
};

static void *thread_main(void *arg)
{
	struct loop_threads *lt = ((struct start_arg *)arg)->lt;
	struct loop_thread *t = ((struct start_arg *)arg)->t;
	bool ok = open_one(lt, t, lt->port) >= 0;

	free(arg);
	if (!ok)
		atomic_fetch_add(&open_errors, 1);
	pthread_barrier_wait(&opened);
	if (!ok || atomic_load(&open_errors))
		goto out;
	while (!atomic_load(&loop_threads_stop))
		if (rv_loop_run_once(t->loop, 100) < 0)
			break;
out:
	if (t->loop)
		close_one(lt, t);
	return NULL;
}

int loop_thread_listen_tcp(struct loop_thread *t, const char *host,
			   uint16_t port, const struct rv_conn_ops *ops,
			   void *user)
{
	rv_listener *l;
	int err = rv_listen_tcp(t->loop, host, port, ops, user, &l);

	if (err) {
		fprintf(stderr, "cannot listen on %s:%u: %s\n", host, port,
			rv_strerror(err));
		return err;
	}
	t->socket = l;
	return rv_listener_port(l);
}

int loop_threads_start(struct loop_threads *lt, uint16_t port)
{
	sigset_t all, old;
	int bound;

	lt->threads = calloc(lt->count, sizeof(*lt->threads));
	if (!lt->threads)
		return -ENOMEM;
	for (unsigned i = 0; i < lt->count; i++)
		lt->threads[i].index = (int)i;
	bound = open_one(lt, &lt->threads[0], port);
	if (bound < 0) {
		free(lt->threads);
		return bound;
	}
	lt->port = (uint16_t)bound;
	/* Signals stay with this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_barrier_init(&opened, NULL, lt->count);
	for (unsigned i = 1; i < lt->count; i++) {
		struct start_arg *a = malloc(sizeof(*a));
		int err = a ? 0 : ENOMEM;
		if (a) {
			a->lt = lt;
			a->t = &lt->threads[i];
			err = pthread_create(&lt->threads[i].thread, NULL,
					     thread_main, a);
		}
		if (err) {
			/* Threads already started wait at the barrier. */
			fprintf(stderr, "cannot start thread %u: %s\n", i,
				strerror(err));
			exit(1);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_barrier_wait(&opened);
	if (atomic_load(&open_errors)) {
		loop_threads_join(lt);
		loop_threads_destroy(lt, NULL, NULL);
		return -EADDRINUSE;
	}
	return 0;
}

void loop_threads_join(struct loop_threads *lt)
{
	atomic_store(&loop_threads_stop, 1);
	close_one(lt, &lt->threads[0]);
	for (unsigned i = 1; i < lt->count; i++)
		pthread_join(lt->threads[i].thread, NULL);
}

int loop_threads_destroy(struct loop_threads *lt,
			 void (*report)(const struct loop_thread *t, void *arg),
			 void *arg)
{
	int status = 0;

	for (unsigned i = 0; i < lt->count; i++) {
		struct loop_thread *t = &lt->threads[i];
		if (!t->loop)
			continue;
		if (report)
			report(t, arg);
		if (rv_pool_leak_report(rv_loop_pool(t->loop), stdout) > 0) {
			fprintf(stderr, "buffers leaked: see above\n");
			status = 1;
			continue;
		}
		if (rv_loop_destroy(t->loop))
			status = 1;
	}
	free(lt->threads);
	lt->threads = NULL;
	return status;
}
