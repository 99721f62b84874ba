/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * conn_timeouts.c - a connection's deadlines: idle, read, write, and the
 * hard one (connect, or the linger of a close).
 *
 * Each connection has one entry on the loop's deadline wheel, armed at
 * the earliest of its deadlines or earlier. The hot path - the idle and
 * write deadlines pushed later at every receive and send - only stores a
 * number: the entry fires at the old time, finds nothing due, and is put
 * back at the new earliest. So a deadline costs O(1) to arm, push or
 * clear, and a connection wakes the wheel at most once per timeout.
 */
#include <errno.h>

#include "loop/loop_internal.h"

#define DEFAULT_CONNECT_MS 10000u
#define DEFAULT_LINGER_MS  10000u
/* Deadlines are compared modulo 2^32 ms: keep them within half of it. */
#define MAX_MS ((uint32_t)INT32_MAX - 1)

static uint32_t now32(const rv_loop *loop)
{
	return (uint32_t)rv__loop_wheel_time(loop);
}

/* |at| has come (wrap-around safe); 0 is no deadline. */
static bool due(uint32_t at, uint32_t now)
{
	return at && (int32_t)(now - at) >= 0;
}

/* |ms| from now, never 0 (which means none). */
static uint32_t after(const rv_loop *loop, uint32_t ms)
{
	uint32_t at = now32(loop) + ms;

	return at ? at : 1;
}

/* A timeout as configured: 0 is |def|, RV_NO_TIMEOUT is off (0). */
static uint32_t timeout_value(uint32_t ms, uint32_t def)
{
	if (ms == 0)
		ms = def;
	if (ms == RV_NO_TIMEOUT)
		return 0;
	return ms < MAX_MS ? ms : MAX_MS;
}

/* Put the wheel entry at |at| unless it already fires no later. */
static void arm_at(rv_conn *c, uint32_t at)
{
	rv_loop *loop = c->loop;
	struct rv__wheel *w = &loop->deadline_wheel;
	uint64_t when;

	if (!at || (c->flags & RV__C_DEAD))
		return;
	when = rv__loop_wheel_time(loop) +
	       (uint64_t)(int64_t)(int32_t)(at - now32(loop));
	if (rv__wheel_pending(&c->deadline) && c->deadline.expires <= when)
		return;
	rv__wheel_set(w, &c->deadline, when);
}

/* The earliest deadline still set, or 0. */
static uint32_t earliest(const rv_conn *c)
{
	const uint32_t at[] = {c->dl.idle_at, c->dl.read_at, c->dl.write_at,
			       c->dl.hard_at};
	uint32_t now = now32(c->loop), best = 0;

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (at[i] &&
		    (!best || (int32_t)(at[i] - now) < (int32_t)(best - now)))
			best = at[i];
	return best;
}

void rv__conn_timeouts_init(rv_conn *c)
{
	const struct rv_conn_timeouts *t = &c->loop->cfg.timeouts;

	c->dl.connect_ms = timeout_value(t->connect_ms, DEFAULT_CONNECT_MS);
	c->dl.idle_ms = timeout_value(t->idle_ms, RV_NO_TIMEOUT);
	c->dl.write_ms = timeout_value(t->write_ms, RV_NO_TIMEOUT);
	c->dl.linger_ms = timeout_value(t->linger_ms, DEFAULT_LINGER_MS);
}

void rv__conn_touch(rv_conn *c)
{
	c->progress_at = now32(c->loop);
	if (!c->dl.idle_ms)
		return;
	c->dl.idle_at = after(c->loop, c->dl.idle_ms);
	if (!rv__wheel_pending(&c->deadline))
		arm_at(c, c->dl.idle_at);
}

void rv__conn_write_progress(rv_conn *c)
{
	c->progress_at = now32(c->loop);
	if (!c->dl.write_ms)
		return;
	if (!rv_conn_queued(c)) {
		c->dl.write_at = 0;
		return;
	}
	c->dl.write_at = after(c->loop, c->dl.write_ms);
	if (!rv__wheel_pending(&c->deadline))
		arm_at(c, c->dl.write_at);
}

void rv__conn_connect_start(rv_conn *c)
{
	rv__loop_update_time(c->loop);
	c->dl.hard_at = c->dl.connect_ms ? after(c->loop, c->dl.connect_ms) : 0;
	arm_at(c, c->dl.hard_at);
}

void rv__conn_linger_start(rv_conn *c)
{
	if (c->dl.hard_at || !c->dl.linger_ms)
		return; /* connecting: the connect timeout still holds */
	rv__loop_update_time(c->loop);
	c->dl.hard_at = after(c->loop, c->dl.linger_ms);
	arm_at(c, c->dl.hard_at);
}

void rv__conn_linger_done(rv_conn *c)
{
	c->dl.hard_at = 0;
}

void rv_conn_set_timeouts(rv_conn *c, const struct rv_conn_timeouts *t)
{
	rv__loop_update_time(c->loop);
	if (t->connect_ms && (c->flags & RV__C_CONNECTING)) {
		c->dl.connect_ms = timeout_value(t->connect_ms, 0);
		rv__conn_linger_done(c);
		rv__conn_connect_start(c);
	} else if (t->connect_ms) {
		c->dl.connect_ms = timeout_value(t->connect_ms, 0);
	}
	if (t->idle_ms) {
		c->dl.idle_ms = timeout_value(t->idle_ms, 0);
		c->dl.idle_at = 0;
		rv__conn_touch(c);
	}
	if (t->write_ms) {
		c->dl.write_ms = timeout_value(t->write_ms, 0);
		c->dl.write_at = 0;
		rv__conn_write_progress(c);
	}
	if (t->linger_ms)
		c->dl.linger_ms = timeout_value(t->linger_ms, 0);
	arm_at(c, earliest(c));
}

void rv_conn_set_read_timeout(rv_conn *c, uint32_t ms)
{
	rv__loop_update_time(c->loop);
	ms = timeout_value(ms ? ms : RV_NO_TIMEOUT, 0);
	c->dl.read_at = ms ? after(c->loop, ms) : 0;
	arm_at(c, c->dl.read_at);
}

/* A deadline has come: end the connection as the timeout says. */
static void expire(rv_conn *c, uint32_t now)
{
	rv_loop *loop = c->loop;

	if (due(c->dl.hard_at, now) ||
	    (due(c->dl.write_at, now) && rv_conn_queued(c)) ||
	    due(c->dl.read_at, now) || due(c->dl.idle_at, now))
		loop->stats.timeouts++;
	if (due(c->dl.hard_at, now)) {
		/* A connect not made in time, or output not sent within the
		 * linger of a close: reset. */
		rv__conn_abort(c, -ETIMEDOUT);
	} else if (due(c->dl.write_at, now) && rv_conn_queued(c)) {
		/* The peer has not read for write_ms: nothing will go out. */
		rv__conn_abort(c, -ETIMEDOUT);
	} else if (due(c->dl.read_at, now) || due(c->dl.idle_at, now)) {
		c->dl.read_at = c->dl.idle_at = 0;
		if (!c->err)
			c->err = -ETIMEDOUT;
		rv_conn_close(c);
	}
}

void rv__conn_deadline_fired(struct rv__wheel_entry *e, void *ctx)
{
	rv_conn *c = rv__container_of(e, rv_conn, deadline);
	uint32_t now = now32(ctx);

	if (c->flags & RV__C_DEAD)
		return;
	if (due(c->dl.write_at, now) && !rv_conn_queued(c))
		c->dl.write_at = 0;
	expire(c, now);
	if (!(c->flags & RV__C_DEAD))
		arm_at(c, earliest(c));
}
