/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loop.c - creating, running and destroying a loop. Its backend is chosen
 * in backend_select.c; the I/O itself is the backend's (uring/, ev/).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop/loop_internal.h"

static uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The defaults loop.h documents for the fields left 0. */
static void apply_defaults(struct rv_loop_config *cfg)
{
	if (!cfg->max_conns)
		cfg->max_conns = 1024;
	if (!cfg->output_limit)
		cfg->output_limit = 4u << 20;
	if (!cfg->zerocopy_threshold)
		cfg->zerocopy_threshold = 16384;
	if (!cfg->ring_fill)
		cfg->ring_fill = 64;
}

/* The buffers receives leave to rv_pool_get. */
static void apply_reserve(rv_loop *loop)
{
	struct rv_pool_stats st;

	rv_pool_stats(loop->pool, &st);
	if (loop->cfg.reserve == RV_LOOP_NO_RESERVE)
		loop->cfg.reserve = 0;
	else if (!loop->cfg.reserve)
		loop->cfg.reserve = st.total / 16;
	rv__pool_set_reserve(loop->pool, loop->cfg.reserve);
}

/* The receive cap in buffers of |pool|: 4 buffers unless the config says
 * otherwise; never 0, since a receive takes at least one. */
static void apply_recv_cap(rv_loop *loop)
{
	uint32_t size = rv_pool_buf_size(loop->pool);

	if (!loop->cfg.recv_cap)
		loop->cfg.recv_cap = 4 * size;
	loop->recv_bufs =
		(uint32_t)(((uint64_t)loop->cfg.recv_cap + size - 1) / size);
	if (!loop->recv_bufs)
		loop->recv_bufs = 1;
}

/* Another thread released the last view of one of our buffers (it may
 * call this from any thread): wake the loop, which recycles it. */
static void wake_owner(void *ctx)
{
	rv_loop *loop = ctx;
	uint64_t one = 1;

	if (write(loop->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending. */
	}
}

void rv__loop_collect(rv_loop *loop)
{
	uint64_t n;

	if (read(loop->wake_fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: collected already. */
	}
	rv__pool_drain_remote(loop->pool);
}

/* An RV_POOL_ATOMIC pool: views may be released on other threads, which
 * queue the buffers to us and wake us through an eventfd. */
static int watch_remote_releases(rv_loop *loop)
{
	int err;

	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake_fd < 0)
		return -errno;
	err = loop->backend->watch_wake(loop, loop->wake_fd);
	if (err) {
		close(loop->wake_fd);
		loop->wake_fd = -1;
		return err;
	}
	rv__pool_set_remote_hook(loop->pool, wake_owner, loop);
	return 0;
}

int rv__loop_create(const struct rv_loop_config *cfg, struct ev_loop *ev_host,
		    rv_loop **out)
{
	rv_loop *loop;
	int err;

	if (cfg && (!RV__RESERVED_OK(cfg, "rv_loop_config") ||
		    !RV__RESERVED_OK(&cfg->timeouts, "rv_conn_timeouts")))
		return -EINVAL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	if (cfg)
		loop->cfg = *cfg;
	apply_defaults(&loop->cfg);
	loop->ev_host = ev_host;
	rv__list_init(&loop->conns);
	rv__list_init(&loop->listeners);
	rv__list_init(&loop->parked);
	rv__list_init(&loop->held);
	rv__list_init(&loop->udps);
	rv__list_init(&loop->udp_parked);
	rv__list_init(&loop->timers);
	loop->now_ms = loop->epoch_ms = clock_ms();
	rv__wheel_init(&loop->timer_wheel, 0);
	rv__wheel_init(&loop->deadline_wheel, 0);
	err = rv_pool_create(&loop->cfg.pool, &loop->pool);
	if (err)
		goto fail;
	apply_recv_cap(loop);
	apply_reserve(loop);
	err = rv__budget_init(loop);
	if (err)
		goto fail;
	loop->wake_fd = -1;
	err = rv__loop_start_backend(loop);
	if (err)
		goto fail;
	if (loop->cfg.pool.flags & RV_POOL_ATOMIC) {
		err = watch_remote_releases(loop);
		if (err) {
			loop->backend->fini(loop);
			goto fail;
		}
	}
	rv__log(RV_LOG_DEBUG, "loop %p runs on the %s backend%s", (void *)loop,
		loop->backend->name,
		ev_host ? ", inside the application's libev loop" : "");
	*out = loop;
	return 0;
fail:
	rv_pool_destroy(loop->pool);
	free(loop->owner);
	free(loop->pressure_scratch);
	free(loop);
	return err;
}

int rv_loop_create(const struct rv_loop_config *cfg, rv_loop **out)
{
	return rv__loop_create(cfg, NULL, out);
}

uint64_t rv_loop_now(const rv_loop *loop)
{
	return loop->now_ms;
}

void rv__loop_update_time(rv_loop *loop)
{
	loop->now_ms = clock_ms();
}

void rv__loop_expire(rv_loop *loop)
{
	uint64_t t;

	loop->now_ms = clock_ms();
	t = rv__loop_wheel_time(loop);
	if (loop->timer_wheel.count)
		rv__wheel_advance(&loop->timer_wheel, t, rv__timer_fired, loop);
	else
		loop->timer_wheel.now = t;
	if (loop->deadline_wheel.count)
		rv__wheel_advance(&loop->deadline_wheel, t,
				  rv__conn_deadline_fired, loop);
	else
		loop->deadline_wheel.now = t;
}

/* Milliseconds from the loop's time (which may be ahead of the wheel's,
 * when the clock was read and the wheel not advanced yet) to the wheel's
 * next entry: 0 when it is due, -1 when the wheel is empty. */
static int64_t wheel_wait(const rv_loop *loop, const struct rv__wheel *w)
{
	int64_t next = rv__wheel_next(w);
	int64_t behind = (int64_t)(rv__loop_wheel_time(loop) - w->now);

	if (next < 0)
		return -1;
	return next > behind ? next - behind : 0;
}

int rv__loop_wait_ms(const rv_loop *loop, int timeout_ms)
{
	int64_t a = wheel_wait(loop, &loop->timer_wheel);
	int64_t b = wheel_wait(loop, &loop->deadline_wheel);
	int64_t next = a < 0 ? b : (b < 0 || a < b ? a : b);

	if (!rv__queue_empty(&loop->deferred))
		return 0; /* work waits: poll, do not sleep */
	if (next < 0)
		return timeout_ms;
	if (next > INT32_MAX)
		next = INT32_MAX;
	return timeout_ms < 0 || next < timeout_ms ? (int)next : timeout_ms;
}

int rv_loop_shutdown(rv_loop *loop)
{
	uint64_t deadline;

	if (loop->destroying)
		return 0;
	loop->destroying = true;
	if (loop->detach)
		loop->detach(loop);
	while (!rv__list_empty(&loop->listeners))
		rv_listener_close(rv__container_of(loop->listeners.next,
						   rv_listener, link));
	for (struct rv__link *n = loop->conns.next; n != &loop->conns;
	     n = n->next)
		rv__conn_cancel(rv__container_of(n, rv_conn, link));
	rv__udp_close_all(loop);
	/* Let the kernel finish every operation on those sockets: a buffer
	 * it may still write into cannot be given back. */
	deadline = clock_ms() + 10000;
	for (;;) {
		rv__loop_run_deferred(loop); /* lets go of the dead on it */
		rv__loop_flush_dirty(loop);
		if (!loop->nconns && !loop->closing_listeners && !loop->nudps)
			break;
		if (clock_ms() > deadline) {
			rv__log(RV_LOG_ERROR,
				"rv_loop_shutdown: the kernel has not finished "
				"%u connection(s) and %u UDP socket(s) after "
				"10 s",
				loop->nconns, loop->nudps);
			return -ETIMEDOUT;
		}
		loop->backend->run_once(loop, 100);
	}
	loop->backend->fini(loop);
	loop->backend_data = NULL;
	if (loop->wake_fd >= 0) {
		/* What other threads released so far is recycled now; what
		 * they release later waits in the pool's queue for
		 * rv_pool_destroy (or rv_pool_collect). */
		rv__pool_set_remote_hook(loop->pool, NULL, NULL);
		rv__pool_drain_remote(loop->pool);
		close(loop->wake_fd);
		loop->wake_fd = -1;
	}
	return 0;
}

int rv_loop_destroy(rv_loop *loop)
{
	int err;

	if (!loop)
		return 0;
	err = rv_loop_shutdown(loop);
	if (err)
		return err;
	err = rv_pool_destroy(loop->pool);
	if (err)
		return err;
	rv__timers_free_all(loop);
	rv__loop_io_cache_free(loop);
	free(loop->owner);
	free(loop->pressure_scratch);
	free(loop);
	return 0;
}

int rv_loop_run_once(rv_loop *loop, int timeout_ms)
{
	int n;

	if (loop->destroying)
		return -ESHUTDOWN;
	if (loop->running) {
		/* Called from one of its own callbacks: a pass inside a pass
		 * would hand out events the outer one is still handling. */
		rv__log(RV_LOG_ERROR, "rv_loop_run_once called from inside a "
				      "callback of the same loop; return from "
				      "the callback instead");
		return -EBUSY;
	}
	if (!loop->owned) {
		/* The thread that runs the loop owns its pool (it may have
		 * been made on another). */
		rv__pool_set_owner(loop->pool);
		loop->owned = true;
	}
	loop->running = true;
	if (loop->wake_fd >= 0)
		rv__pool_drain_remote(loop->pool);
	/* Timers and deadlines fire after the I/O of the pass, not before:
	 * a loop that ran late (a long callback, a busy machine) first takes
	 * the bytes that arrived meanwhile, so a peer that sent in time is
	 * not timed out for the loop's delay. Due ones make the wait 0. */
	rv__loop_update_time(loop);
	rv__loop_flush_dirty(loop);
	n = loop->backend->run_once(loop, rv__loop_wait_ms(loop, timeout_ms));
	rv__loop_expire(loop);
	rv__loop_run_deferred(loop);
	rv__loop_flush_dirty(loop);
	loop->running = false;
	return n;
}

int rv_loop_run(rv_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop) {
		int n = rv_loop_run_once(loop, -1);
		if (n < 0)
			return n;
	}
	return 0;
}

void rv_loop_stop(rv_loop *loop)
{
	loop->stop = 1;
}

rv_pool *rv_loop_pool(rv_loop *loop)
{
	return loop->pool;
}

const char *rv_loop_backend_name(const rv_loop *loop)
{
	return loop->backend->name;
}

void rv_loop_stats(const rv_loop *loop, struct rv_loop_stats *st)
{
	*st = loop->stats;
}

uint32_t rv_loop_conn_count(const rv_loop *loop)
{
	return loop->nconns;
}
