/*
 * test_loop_threads.c - an rv_loop whose pool is RV_POOL_ATOMIC hands the
 * views it receives to worker threads, which release them there, at load,
 * while the loop echoes the same bytes back: every byte comes back, the
 * loop recycles what the workers released (woken through its eventfd),
 * and after shutdown every buffer is free. Runs on every backend.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "../net_util.h"

#define WORKERS 2
#define QUEUE 4096

/* A bounded queue of views between the loop thread and the workers. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	rv_view items[QUEUE];
	unsigned head, len;
	bool done;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static atomic_ullong worker_bytes, dropped;

static void push(rv_view v)
{
	pthread_mutex_lock(&q.lock);
	if (q.len == QUEUE) {
		/* Workers behind: keep the loop going, drop the copy. */
		pthread_mutex_unlock(&q.lock);
		atomic_fetch_add(&dropped, 1);
		rv_view_release(&v);
		return;
	}
	q.items[(q.head + q.len++) % QUEUE] = v;
	pthread_cond_signal(&q.cond);
	pthread_mutex_unlock(&q.lock);
}

/* A worker keeps up to 8 views, then releases them all: releases happen
 * here, on a thread that is not the pool's. */
static void *worker(void *arg)
{
	rv_view kept[8];
	unsigned n = 0;

	(void)arg;
	for (;;) {
		rv_view v;
		pthread_mutex_lock(&q.lock);
		while (!q.len && !q.done)
			pthread_cond_wait(&q.cond, &q.lock);
		if (!q.len && q.done) {
			pthread_mutex_unlock(&q.lock);
			break;
		}
		v = q.items[q.head];
		q.head = (q.head + 1) % QUEUE;
		q.len--;
		pthread_mutex_unlock(&q.lock);
		atomic_fetch_add(&worker_bytes, v.len);
		kept[n++] = v;
		if (n == 8) {
			while (n)
				rv_view_release(&kept[--n]);
		}
	}
	while (n)
		rv_view_release(&kept[--n]);
	return NULL;
}

/* Echo, and hand a reference to every received view to the workers. */
static void on_data(rv_conn *c, rv_chain *in)
{
	for (uint32_t i = 0; i < rv_chain_count(in); i++)
		push(rv_view_retain(rv_chain_at(in, i)));
	rv_conn_send_chain(c, in);
}

static const struct rv_conn_ops ops = {.on_data = on_data};

TEST_BACKENDS(loop_threads, views_released_on_workers)
ParameterizedTest(struct test_backend *be, loop_threads,
		  views_released_on_workers, .timeout = 120)
{
	struct test_server s = {
		.cfg = {.pool = {.count = 256, .size = 4096,
				 .flags = RV_POOL_ATOMIC}},
		.ops = &ops,
	};
	pthread_t w[WORKERS];

	q.done = false;
	q.head = q.len = 0;
	atomic_store(&worker_bytes, 0);
	atomic_store(&dropped, 0);
	for (int i = 0; i < WORKERS; i++)
		cr_assert_eq(pthread_create(&w[i], NULL, worker, NULL), 0);
	cr_assert_eq(test_server_start_on(&s, be), 0);
	cr_assert_eq(test_echo_clients(s.port, 20, 256 * 1024, 4096, false,
				       60),
		     0, "every byte came back");
	pthread_mutex_lock(&q.lock);
	q.done = true;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	test_server_stop(&s);
	cr_assert_gt(atomic_load(&worker_bytes), 0);
	cr_assert_gt(s.final.remote_recycles, 0,
		     "buffers released on workers were recycled by the loop");
	cr_assert(s.final.atomic);
	cr_log_info("workers saw %llu bytes (%llu views dropped), %llu remote "
		    "recycles", (unsigned long long)atomic_load(&worker_bytes),
		    (unsigned long long)atomic_load(&dropped),
		    (unsigned long long)s.final.remote_recycles);
	test_assert_pool_whole(&s);
}
