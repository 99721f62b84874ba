/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_threads.c - views of an RV_POOL_ATOMIC pool handed to worker
 * threads: retained, sliced and released there, recycled only by the
 * owning thread (rv_pool_collect); the remote hook wakes the owner once
 * per batch; a plain pool's view released on another thread aborts with a
 * message that names the fix.
 *
 * Linked with the library's objects (not the shared library) to reach the
 * internal hooks the event loop uses: the recycle hook tells on which
 * thread each buffer was recycled.
 */
#ifdef RV_TEST_HARNESS
#include "harness.h" /* ThreadSanitizer: Criterion's runner cannot start */
#else
#include <criterion/criterion.h>
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ringview/ringview.h>

#include "loop/loop_internal.h"

/* ---- the owner's recycle hook: who recycled what ------------------- */

struct owner {
	rv_pool *pool;
	pthread_t self;
	atomic_ulong on_owner, elsewhere; /* recycles by thread */
	atomic_ulong wakeups;		  /* remote hook calls */
	int efd;			  /* written by the remote hook */
};

static void on_recycle(void *ctx, rv_pool *pool, uint32_t id)
{
	struct owner *o = ctx;

	if (pthread_equal(pthread_self(), o->self))
		atomic_fetch_add(&o->on_owner, 1);
	else
		atomic_fetch_add(&o->elsewhere, 1);
	rv__pool_put_id(pool, id);
}

static void on_remote(void *ctx)
{
	struct owner *o = ctx;
	uint64_t one = 1;

	atomic_fetch_add(&o->wakeups, 1);
	if (o->efd >= 0 && write(o->efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static rv_pool *atomic_pool(struct owner *o, uint32_t count, uint32_t size,
			    uint32_t flags)
{
	struct rv_pool_config cfg = {
		.count = count, .size = size, .flags = RV_POOL_ATOMIC | flags};
	int err = rv_pool_create(&cfg, &o->pool);

	cr_assert_eq(err, 0, "rv_pool_create: %s", rv_strerror(err));
	o->self = pthread_self();
	o->efd = -1;
	rv__pool_set_recycle_hook(o->pool, on_recycle, o);
	rv__pool_set_remote_hook(o->pool, on_remote, o);
	return o->pool;
}

static struct rv_pool_stats stats_of(const rv_pool *p)
{
	struct rv_pool_stats st;

	rv_pool_stats(p, &st);
	return st;
}

/* ---- a queue of views from the owner to one worker ----------------- */

#define QCAP 256

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rv_view items[QCAP];
	uint32_t head, len;
	bool closed;
};

static void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

static void queue_fini(struct queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}

/* Hand |v| over (ownership moves); false when the queue is full. */
static bool queue_try_push(struct queue *q, rv_view *v)
{
	bool ok = false;

	pthread_mutex_lock(&q->mu);
	if (q->len < QCAP) {
		q->items[(q->head + q->len++) % QCAP] = *v;
		*v = RV_VIEW_INIT;
		ok = true;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Take the next view; false once the queue is closed and empty. */
static bool queue_pop(struct queue *q, rv_view *out)
{
	bool ok = false;

	pthread_mutex_lock(&q->mu);
	while (!q->len && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->len) {
		*out = q->items[q->head];
		q->head = (q->head + 1) % QCAP;
		q->len--;
		ok = true;
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

/* ---- views at load ------------------------------------------------- */

#define WORKERS	 3
#define PARTS	 4 /* subviews per buffer */
#define PART_LEN 64
#define KEEP	 8 /* views a worker keeps for a while */

/* Every byte of part |k| of buffer number |i| after its 4-byte tag. */
static uint8_t part_byte(uint32_t i, uint32_t k)
{
	return (uint8_t)(i * 7u + k * 13u + 1u);
}

struct worker {
	struct queue q;
	pthread_t thread;
	uint64_t views, bad;
};

/* Check a part: its tag names the buffer and part it was cut from, and
 * the bytes are still the ones written for it (a buffer recycled while
 * this view lived would have been overwritten by the owner). */
static bool part_ok(const rv_view *v)
{
	uint32_t tag, i, k;
	uint8_t c;

	if (v->len != PART_LEN || rv_view_get_u32be(v, 0, &tag))
		return false;
	i = tag >> 2;
	k = tag & 3u;
	for (size_t off = 4; off < v->len; off++)
		if (rv_view_get_u8(v, off, &c) || c != part_byte(i, k))
			return false;
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	rv_view keep[KEEP] = {0};
	rv_view v, copy;
	rv_view half =
		RV_VIEW_INIT; /* GCC 12 -O2 cannot see split_to fill it */
	uint32_t n = 0;

	rv__track_set_stage("worker");
	while (queue_pop(&w->q, &v)) {
		w->views++;
		if (!part_ok(&v))
			w->bad++;
		/* Retain and slice here, on a thread that does not own the
		 * pool, then release some now and keep one for a while. */
		copy = rv_view_retain(&v);
		if (rv_view_slice(&copy, 4, PART_LEN / 2, &half) != 0)
			w->bad++;
		rv_view_release(&copy);
		if (rv_view_advance(&half, 1) != 0 ||
		    rv_view_truncate(&half, 8))
			w->bad++;
		rv_view_release(&half);
		if (n++ % 3 == 0) {
			rv_view_release(&keep[n % KEEP]);
			keep[n % KEEP] = v; /* released later, maybe last */
		} else {
			rv_view_release(&v);
		}
		/* Keep the views alive long enough to overlap the others. */
		if (n % 64 == 0)
			sched_yield();
	}
	for (int i = 0; i < KEEP; i++) {
		if (keep[i]._buf && !part_ok(&keep[i]))
			w->bad++;
		rv_view_release(&keep[i]);
	}
	return NULL;
}

/* The owner waits for the remote hook when the pool ran dry. */
static void wait_for_release(struct owner *o)
{
	struct pollfd pfd = {.fd = o->efd, .events = POLLIN};
	uint64_t cnt;

	cr_assert_geq(poll(&pfd, 1, 5000), 1, "no release woke the owner");
	if (read(o->efd, &cnt, sizeof(cnt)) != sizeof(cnt))
		cr_assert_fail("eventfd read: %s", strerror(errno));
}

static void run_load(uint32_t flags, uint32_t buffers)
{
	static struct worker ws[WORKERS];
	struct owner o = {0};
	rv_pool *p = atomic_pool(&o, 32, 1024, flags);
	struct rv_pool_stats st;
	uint64_t collected = 0, views = 0, bad = 0, gets = 0;

	o.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	cr_assert_geq(o.efd, 0);
	for (int w = 0; w < WORKERS; w++) {
		memset(&ws[w], 0, sizeof(ws[w]));
		queue_init(&ws[w].q);
		cr_assert_eq(pthread_create(&ws[w].thread, NULL, worker_main,
					    &ws[w]),
			     0);
	}
	for (uint32_t i = 0; i < buffers; i++) {
		rv_view buf;
		uint8_t *mem;
		int err;

		while ((err = rv_pool_get(p, &buf)) == -ENOBUFS) {
			uint32_t n = rv_pool_collect(p);
			collected += n;
			if (!n)
				wait_for_release(&o);
		}
		cr_assert_eq(err, 0, "rv_pool_get: %s", rv_strerror(err));
		gets++;
		mem = rv_view_mut(&buf);
		cr_assert_not_null(mem);
		for (uint32_t k = 0; k < PARTS; k++) {
			uint8_t *part = mem + k * PART_LEN;
			uint32_t tag = i << 2 | k;
			part[0] = (uint8_t)(tag >> 24);
			part[1] = (uint8_t)(tag >> 16);
			part[2] = (uint8_t)(tag >> 8);
			part[3] = (uint8_t)tag;
			memset(part + 4, part_byte(i, k), PART_LEN - 4);
		}
		cr_assert_eq(rv_view_truncate(&buf, PARTS * PART_LEN), 0);
		for (uint32_t k = 0; k < PARTS; k++) {
			rv_view part;
			struct queue *q = &ws[(i + k) % WORKERS].q;

			cr_assert_eq(rv_view_slice(&buf, k * PART_LEN, PART_LEN,
						   &part),
				     0);
			/* A full queue: the owner keeps working meanwhile. */
			while (!queue_try_push(q, &part))
				collected += rv_pool_collect(p);
		}
		/* Sometimes the owner's release is the last one. */
		if (i % 5 == 0) {
			rv_view tail;
			cr_assert_eq(rv_view_split_to(&buf, PART_LEN, &tail),
				     0);
			rv_view_release(&tail);
		}
		rv_view_release(&buf);
		if (i % 16 == 0)
			collected += rv_pool_collect(p);
	}
	for (int w = 0; w < WORKERS; w++) {
		queue_close(&ws[w].q);
		cr_assert_eq(pthread_join(ws[w].thread, NULL), 0);
		views += ws[w].views;
		bad += ws[w].bad;
		queue_fini(&ws[w].q);
	}
	collected += rv_pool_collect(p);

	st = stats_of(p);
	cr_expect_eq(bad, 0, "%llu views saw wrong bytes",
		     (unsigned long long)bad);
	cr_expect_eq(views, (uint64_t)buffers * PARTS);
	cr_expect_eq(st.free, st.total, "free %u of %u", st.free, st.total);
	cr_expect_eq(st.recycles, gets);
	cr_expect_eq(atomic_load(&o.elsewhere), 0,
		     "%lu buffers recycled on a worker thread",
		     atomic_load(&o.elsewhere));
	cr_expect_eq(atomic_load(&o.on_owner), gets);
	cr_expect_eq(st.remote_recycles, collected);
	cr_expect_gt(collected, 0, "no buffer was released last on a worker");
	cr_expect_leq(atomic_load(&o.wakeups), collected);
	cr_expect_gt(atomic_load(&o.wakeups), 0);
	cr_expect(st.atomic);
	cr_log_info("%u buffers, %llu views, %llu recycled by collect, %lu "
		    "wake-ups",
		    buffers, (unsigned long long)views,
		    (unsigned long long)collected, atomic_load(&o.wakeups));
	cr_assert_eq(rv_pool_destroy(p), 0);
	close(o.efd);
}

Test(threads, workers_release_owner_recycles, .timeout = 60)
{
	run_load(0, 20000); /* tracked in debug builds */
}

Test(threads, workers_release_untracked, .timeout = 60)
{
	run_load(RV_POOL_NO_TRACK_REFS, 20000);
}

Test(threads, workers_release_tracked, .timeout = 60)
{
	run_load(RV_POOL_TRACK_REFS, 10000);
}

/* ---- the remote hook and rv_pool_collect --------------------------- */

struct batch {
	rv_view *views;
	uint32_t n;
};

static void *release_batch(void *arg)
{
	struct batch *b = arg;

	for (uint32_t i = 0; i < b->n; i++)
		rv_view_release(&b->views[i]);
	return NULL;
}

/* Release |n| views on a new thread and wait for it. */
static void release_on_thread(rv_view *views, uint32_t n)
{
	struct batch b = {views, n};
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, release_batch, &b), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
}

Test(threads, hook_once_per_batch_and_collect_counts)
{
	struct owner o = {0};
	rv_pool *p = atomic_pool(&o, 16, 256, 0);
	rv_view v[16], part;

	for (int i = 0; i < 10; i++)
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
	cr_assert_eq(rv_pool_collect(p), 0, "nothing was released");

	release_on_thread(v, 8);
	cr_assert_eq(atomic_load(&o.wakeups), 1, "one batch, one wake-up");
	cr_assert_eq(stats_of(p).free, 6, "queued, not recycled yet");
	cr_assert_eq(rv_pool_collect(p), 8);
	cr_assert_eq(stats_of(p).free, 14);
	cr_assert_eq(rv_pool_collect(p), 0);

	/* Two releases with no collect between them: still one batch. */
	release_on_thread(&v[8], 1);
	release_on_thread(&v[9], 1);
	cr_assert_eq(atomic_load(&o.wakeups), 2);
	cr_assert_eq(rv_pool_collect(p), 2);

	/* A release on the owner recycles at once, with no wake-up; a
	 * reference kept by a worker defers it to the worker. */
	cr_assert_eq(rv_pool_get(p, &v[0]), 0);
	rv_view_release(&v[0]);
	cr_assert_eq(stats_of(p).free, 16);
	cr_assert_eq(rv_pool_get(p, &v[0]), 0);
	cr_assert_eq(rv_view_slice(&v[0], 1, 2, &part), 0);
	rv_view_release(&v[0]);
	cr_assert_eq(stats_of(p).free, 15, "the slice still holds it");
	release_on_thread(&part, 1);
	cr_assert_eq(atomic_load(&o.wakeups), 3);
	cr_assert_eq(rv_pool_collect(p), 1);

	cr_assert_eq(atomic_load(&o.elsewhere), 0);
	cr_assert_eq(atomic_load(&o.on_owner), 12);
	cr_assert_eq(stats_of(p).remote_recycles, 11);
	cr_assert_eq(stats_of(p).free, 16);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

/* Small chunks of an atomic pool come back through the same list. */
Test(threads, small_chunks_come_back_to_owner)
{
	struct owner o = {0};
	rv_pool *p = atomic_pool(&o, 4, 4096, 0);
	rv_view v[3];

	cr_assert_eq(rv_pool_get_small(p, 100, &v[0]), 0);
	cr_assert_eq(rv_pool_get(p, &v[1]), 0);
	cr_assert_eq(rv_view_truncate(&v[1], 10), 0);
	cr_assert_eq(rv_view_compact(&v[1]), 0);
	cr_assert_eq(stats_of(p).free, 4, "compact released the buffer");
	v[2] = rv_view_retain(&v[1]);
	release_on_thread(v, 3);
	cr_assert_eq(stats_of(p).small_held, 2, "queued, not recycled yet");
	cr_assert_eq(rv_pool_collect(p), 2);
	cr_assert_eq(stats_of(p).small_held, 0);
	cr_assert_eq(atomic_load(&o.wakeups), 1);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

/* rv_pool_destroy collects what other threads released. */
Test(threads, destroy_collects_first)
{
	struct owner o = {0};
	rv_pool *p = atomic_pool(&o, 8, 256, 0);
	rv_view v[8];

	for (int i = 0; i < 8; i++)
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
	release_on_thread(v, 8);
	cr_assert_eq(stats_of(p).free, 0);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

/* The leak report of an atomic pool names where workers took references. */
Test(threads, leak_report_names_worker_sites)
{
	struct owner o = {0};
	rv_pool *p = atomic_pool(&o, 4, 256, RV_POOL_TRACK_REFS);
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	rv_view v, kept;

	cr_assert_eq(rv_pool_get(p, &v), 0);
	kept = rv_view_retain(&v);
	release_on_thread(&v, 1);
	f = open_memstream(&text, &len);
	cr_assert_eq(rv_pool_leak_report(p, f), 1);
	fclose(f);
	cr_assert(strstr(text, "test_threads.c:"), "report: %s", text);
	free(text);
	rv_view_release(&kept);
	cr_assert_eq(rv_pool_destroy(p), 0);
}

/* ---- misuse: a plain pool's view on another thread ----------------- */

static void *release_one(void *arg)
{
	rv_view_release(arg);
	return NULL;
}

static void *retain_one(void *arg)
{
	rv_view copy = rv_view_retain((rv_view *)arg);
	(void)copy;
	return NULL;
}

/* The release of a plain pool's view on another thread aborts (debug
 * builds: at once, in the tracked path; every build: at the last
 * release, which this one is). */
Test(threads, plain_pool_release_elsewhere_aborts, .signal = SIGABRT)
{
	struct rv_pool_config cfg = {.count = 2, .size = 256};
	rv_pool *p;
	rv_view v;
	pthread_t t;

	cr_assert_eq(rv_pool_create(&cfg, &p), 0);
	cr_assert_eq(rv_pool_get(p, &v), 0);
	cr_assert_eq(pthread_create(&t, NULL, release_one, &v), 0);
	pthread_join(t, NULL);
}

/* Run |fn| on |v| on another thread in a child process with stderr in a
 * file; return what the child wrote, and check it died of SIGABRT. */
static char *abort_message(uint32_t flags, void *(*fn)(void *))
{
	char path[] = "/tmp/rv-threads-XXXXXX";
	int fd = mkstemp(path), status;
	static char msg[2048];
	ssize_t n;
	pid_t pid;

	cr_assert_geq(fd, 0);
	unlink(path);
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rv_pool_config cfg = {
			.count = 2, .size = 256, .flags = flags};
		rv_pool *p;
		rv_view v, keep;
		pthread_t t;

		dup2(fd, 2);
		if (rv_pool_create(&cfg, &p) || rv_pool_get(p, &v))
			_exit(2);
		keep = rv_view_retain(&v); /* so only tracking can catch it */
		(void)keep;
		pthread_create(&t, NULL, fn, &v);
		pthread_join(t, NULL);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "the child did not abort (status %#x)", status);
	n = pread(fd, msg, sizeof(msg) - 1, 0);
	close(fd);
	msg[n > 0 ? n : 0] = '\0';
	return msg;
}

Test(threads, plain_pool_messages_name_the_fix)
{
	const char *m;

	/* Tracked (as in debug builds): caught at the first foreign
	 * retain or release, not only at the last. */
	m = abort_message(RV_POOL_TRACK_REFS, release_one);
	cr_assert(strstr(m, "rv_view_release") && strstr(m, "RV_POOL_ATOMIC") &&
			  strstr(m, "does not own the pool"),
		  "message: %s", m);
	m = abort_message(RV_POOL_TRACK_REFS, retain_one);
	cr_assert(strstr(m, "RV_POOL_ATOMIC"), "message: %s", m);
}

/* Untracked (release builds): the last release is caught. */
static void *release_last(void *arg)
{
	rv_view *v = arg;
	rv_view other = *v; /* stands for the retain abort_message made */

	rv_view_release(v);
	rv_view_release(&other);
	return NULL;
}

Test(threads, plain_pool_untracked_last_release_aborts)
{
	const char *m = abort_message(RV_POOL_NO_TRACK_REFS, release_last);

	cr_assert(strstr(m, "RV_POOL_ATOMIC") &&
			  strstr(m, "release of the last view"),
		  "message: %s", m);
}
