/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_loop_threads.c - an rv_loop whose pool is RV_POOL_ATOMIC hands
 * every view it receives to worker threads, which release them there, at
 * load, while the loop echoes the same bytes back. Every byte comes back,
 * the loop recycles what the workers released (woken through its
 * eventfd), and after shutdown every buffer is free. One test per
 * backend. Self-contained (no Criterion-only helpers), so that it also
 * runs under ThreadSanitizer through harness.h.
 */
#ifdef RV_TEST_HARNESS
#include "harness.h" /* ThreadSanitizer: Criterion's runner cannot start */
#else
#include <criterion/criterion.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ringview/ringview.h>

#define WORKERS	   2
#define QUEUE	   4096
#define CLIENTS	   8
#define BYTES_EACH (256 * 1024)

/* ---- the workers: they get a reference to every received view ---------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	rv_view items[QUEUE];
	unsigned head, len;
	bool done;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static atomic_ullong worker_bytes;

static void push(rv_view v)
{
	pthread_mutex_lock(&q.lock);
	if (q.len == QUEUE) {
		pthread_mutex_unlock(&q.lock);
		rv_view_release(&v); /* workers behind: drop this copy */
		return;
	}
	q.items[(q.head + q.len++) % QUEUE] = v;
	pthread_cond_signal(&q.cond);
	pthread_mutex_unlock(&q.lock);
}

/* Keep up to 8 views, then release them all, here, off the loop thread;
 * release early when the queue runs empty. */
static void *worker(void *arg)
{
	rv_view kept[8];
	unsigned n = 0;

	(void)arg;
	for (;;) {
		rv_view v;
		pthread_mutex_lock(&q.lock);
		if (!q.len && n) {
			/* Nothing more for now: release what is kept before
			 * waiting. Kept while idle, the views would hold their
			 * connection at its budget (4 buffers here) for good:
			 * the loop stops reading it, the client waits for its
			 * echo, and no more views come. */
			pthread_mutex_unlock(&q.lock);
			while (n)
				rv_view_release(&kept[--n]);
			continue;
		}
		while (!q.len && !q.done)
			pthread_cond_wait(&q.cond, &q.lock);
		if (!q.len) {
			pthread_mutex_unlock(&q.lock);
			break;
		}
		v = q.items[q.head];
		q.head = (q.head + 1) % QUEUE;
		q.len--;
		pthread_mutex_unlock(&q.lock);
		atomic_fetch_add(&worker_bytes, v.len);
		kept[n++] = v;
		if (n == 8)
			while (n)
				rv_view_release(&kept[--n]);
	}
	while (n)
		rv_view_release(&kept[--n]);
	return NULL;
}

/* ---- the server: echo, and a reference for the workers ---------------- */

static void on_data(rv_conn *c, rv_chain *in)
{
	for (uint32_t i = 0; i < rv_chain_count(in); i++)
		push(rv_view_retain(rv_chain_at(in, i)));
	rv_conn_send_chain(c, in);
}

static const struct rv_conn_ops ops = {.on_data = on_data};

struct server {
	enum rv_backend backend;
	int err;
	uint16_t port;
	atomic_int ready, stop;
	struct rv_pool_stats final;
	int leaked;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	struct rv_loop_config cfg = {
		.backend = s->backend,
		.pool = {.count = 256, .size = 4096, .flags = RV_POOL_ATOMIC},
	};
	rv_listener *l;
	rv_loop *loop;

	s->err = rv_loop_create(&cfg, &loop);
	if (!s->err) {
		s->err = rv_listen_tcp(loop, "127.0.0.1", 0, &ops, NULL, &l);
		if (s->err)
			rv_loop_destroy(loop);
		else
			s->port = rv_listener_port(l);
	}
	atomic_store(&s->ready, 1);
	if (s->err)
		return NULL;
	while (!atomic_load(&s->stop))
		if (rv_loop_run_once(loop, 20) < 0)
			break;
	rv_loop_shutdown(loop);
	rv_pool_stats(rv_loop_pool(loop), &s->final);
	s->leaked = rv_pool_leak_report(rv_loop_pool(loop), stderr);
	if (!s->leaked)
		rv_loop_destroy(loop);
	return NULL;
}

/* ---- clients: all connected at once, every byte checked --------------- */

static uint8_t pattern(int id, size_t off)
{
	return (uint8_t)(off * 31 + (size_t)id * 7 + (off >> 9));
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 20};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

/* Write 4 KiB, read 4 KiB back, on every connection in turn. */
static void run_clients(uint16_t port)
{
	int fds[CLIENTS];
	uint8_t out[4096], in[4096];

	for (int i = 0; i < CLIENTS; i++) {
		fds[i] = connect_to(port);
		cr_assert(fds[i] >= 0, "connect: %s", strerror(errno));
	}
	for (size_t off = 0; off < BYTES_EACH; off += sizeof(out)) {
		for (int i = 0; i < CLIENTS; i++) {
			for (size_t k = 0; k < sizeof(out); k++)
				out[k] = pattern(i, off + k);
			cr_assert_eq(
				send(fds[i], out, sizeof(out), MSG_NOSIGNAL),
				(ssize_t)sizeof(out));
		}
		for (int i = 0; i < CLIENTS; i++) {
			size_t got = 0;
			while (got < sizeof(in)) {
				ssize_t r = read(fds[i], in + got,
						 sizeof(in) - got);
				cr_assert(r > 0, "echo ended at %zu: %s",
					  off + got,
					  r < 0 ? strerror(errno) : "EOF");
				got += (size_t)r;
			}
			for (size_t k = 0; k < sizeof(in); k++)
				cr_assert_eq(in[k], pattern(i, off + k),
					     "byte %zu of connection %d",
					     off + k, i);
		}
	}
	for (int i = 0; i < CLIENTS; i++)
		close(fds[i]);
}

/* Tell the workers no more views come; wait until they released all. */
static void finish_workers(pthread_t *w)
{
	pthread_mutex_lock(&q.lock);
	q.done = true;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
}

static void run(enum rv_backend backend, const char *name)
{
	struct server s = {.backend = backend};
	pthread_t srv, w[WORKERS];

	q.done = false;
	q.head = q.len = 0;
	atomic_store(&worker_bytes, 0);
	for (int i = 0; i < WORKERS; i++)
		cr_assert_eq(pthread_create(&w[i], NULL, worker, NULL), 0);
	cr_assert_eq(pthread_create(&srv, NULL, serve, &s), 0);
	while (!atomic_load(&s.ready))
		usleep(1000); /* the server thread says when it listens */
	if (s.err == -EPERM || s.err == -ENOSYS || s.err == -ENOTSUP) {
		pthread_join(srv, NULL);
		finish_workers(w);
		cr_skip_test("%s is not usable here (%s)", name,
			     rv_strerror(s.err));
		return;
	}
	cr_assert_eq(s.err, 0, "server start on %s: %s", name,
		     rv_strerror(s.err));
	run_clients(s.port);
	/* The workers finish; then the loop, which recycles what they
	 * released last, and shuts down. */
	finish_workers(w);
	atomic_store(&s.stop, 1);
	pthread_join(srv, NULL);
	cr_assert(atomic_load(&worker_bytes) > 0, "the workers saw bytes");
	cr_assert(s.final.remote_recycles > 0,
		  "buffers released on workers were recycled by the loop");
	cr_assert_eq(s.leaked, 0);
	cr_assert_eq(s.final.free, s.final.total, "every buffer is free");
	cr_assert_eq(s.final.sending, 0);
	cr_log_info("%s: workers saw %llu bytes, %llu remote recycles", name,
		    (unsigned long long)atomic_load(&worker_bytes),
		    (unsigned long long)s.final.remote_recycles);
}

Test(loop_threads, io_uring, .timeout = 120)
{
	run(RV_BACKEND_URING, "io_uring");
}

Test(loop_threads, libev, .timeout = 120)
{
	run(RV_BACKEND_EV, "libev");
}
