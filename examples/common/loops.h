/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loops.h - one rv_loop per thread, all serving one port: the plumbing the
 * examples share for --threads N.
 *
 * Each thread makes its own loop (an io_uring ring is best driven by the
 * thread that made it) with its own pool, and opens its own socket on the
 * same port (SO_REUSEPORT: the kernel spreads connections and datagrams
 * over them). Nothing is shared. Thread 0 is the caller's: it opens first,
 * so port 0 picks the port the others then take, and it keeps the signals.
 */
#ifndef EXAMPLES_LOOPS_H
#define EXAMPLES_LOOPS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <ringview/ringview.h>

struct loop_thread {
	int index;
	pthread_t thread;
	rv_loop *loop;
	void *socket; /* the example's: a listener or a UDP socket */
	void *user;   /* the example's per-thread state */
};

struct loop_threads {
	/* set by the caller */
	unsigned count;
	const struct rv_loop_config *cfg;
	/* Open |t|'s socket on |t->loop| at |port|: the bound port, or a
	 * negative errno (after saying why on stderr). */
	int (*open)(struct loop_thread *t, uint16_t port);
	/* Before |t|'s loop shuts down, on its thread (may be NULL). */
	void (*closing)(struct loop_thread *t);
	/* filled in */
	struct loop_thread *threads; /* count entries; [0] is the caller's */
	uint16_t port;
};

/* loop_thread_listen_tcp is the work of an |open| callback that serves
 * TCP: a listener on |t|'s loop at |host|:|port| with |ops| and |user|,
 * kept in t->socket. The bound port, or a negative errno after saying on
 * stderr where it could not listen. */
int loop_thread_listen_tcp(struct loop_thread *t, const char *host,
			   uint16_t port, const struct rv_conn_ops *ops,
			   void *user);

/* Set (by a signal handler, say) to stop every loop within 100 ms. */
extern atomic_int loop_threads_stop;

/* loop_threads_start makes every loop and socket. 0, or the first error
 * (then whatever started has been stopped and freed). */
int loop_threads_start(struct loop_threads *lt, uint16_t port);

/* loop_threads_join stops every loop and waits for the threads; each loop
 * is shut down and keeps its final stats. Run loop 0 yourself until then. */
void loop_threads_join(struct loop_threads *lt);

/* loop_threads_destroy calls |report| (may be NULL) with |arg| for each
 * loop (its final stats), prints any leaked buffer and frees everything:
 * 0, or 1 after a leak. */
int loop_threads_destroy(struct loop_threads *lt,
			 void (*report)(const struct loop_thread *t, void *arg),
			 void *arg);

#endif
