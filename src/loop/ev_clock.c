/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev_clock.c - timers and deadlines of an rv_loop on an application's
 * libev loop (ev_clock.h).
 */
#include "loop/ev_clock.h"

/* After every wake-up, before the other watchers of this pass: the loop's
 * time, then what is due. */
static void on_check(struct ev_loop *evl, ev_check *w, int revents)
{
	rv_loop *loop = w->data;

	(void)evl;
	(void)revents;
	rv__loop_expire(loop);
	rv__loop_run_deferred(loop);
}

/* Only wakes the loop up; on_check does the work. */
static void on_wake(struct ev_loop *evl, ev_timer *w, int revents)
{
	(void)evl;
	(void)w;
	(void)revents;
}

void rv__ev_clock_start(struct rv__ev_clock *ck, rv_loop *loop,
			struct ev_loop *evl)
{
	ev_check_init(&ck->check, on_check);
	ck->check.data = loop;
	ev_set_priority(&ck->check, EV_MAXPRI);
	ev_check_start(evl, &ck->check);
	ev_init(&ck->wake, on_wake);
}

void rv__ev_clock_arm(struct rv__ev_clock *ck, rv_loop *loop,
		      struct ev_loop *evl)
{
	int ms = rv__loop_wait_ms(loop, -1);

	ev_timer_stop(evl, &ck->wake);
	if (ms < 0)
		return;
	ev_timer_set(&ck->wake, ms / 1e3, 0.);
	ev_timer_start(evl, &ck->wake);
}

void rv__ev_clock_stop(struct rv__ev_clock *ck, struct ev_loop *evl)
{
	ev_check_stop(evl, &ck->check);
	ev_timer_stop(evl, &ck->wake);
}
