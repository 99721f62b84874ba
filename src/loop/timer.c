/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * timer.c - the application's timers (ringview/timer.h), on the loop's
 * timer wheel (wheel.c). The loop advances the wheel once per pass
 * (rv__loop_expire); a repeating timer is put back on the wheel before
 * its function runs, so the function may stop, restart or destroy it.
 */
#include <errno.h>
#include <stdlib.h>

#include "loop/loop_internal.h"
#include "ringview/timer.h"

struct rv_timer {
	struct rv__wheel_entry entry; /* first: the wheel hands it back */
	rv_loop *loop;
	rv_timer_fn fn;
	void *user;
	uint64_t repeat_ms;
	struct rv__link link; /* loop->timers: freed with the loop */
	bool firing;	      /* inside fn: destroy waits for it */
	bool destroyed;	      /* destroyed inside fn */
};

int rv_timer_create(rv_loop *loop, rv_timer_fn fn, void *user, rv_timer **out)
{
	rv_timer *t;

	if (!loop || !fn || !out || loop->destroying)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->fn = fn;
	t->user = user;
	rv__list_push(&loop->timers, &t->link);
	*out = t;
	return 0;
}

void rv_timer_start(rv_timer *t, uint64_t after_ms, uint64_t repeat_ms)
{
	t->repeat_ms = repeat_ms;
	rv__loop_update_time(t->loop);
	rv__wheel_set(&t->loop->timer_wheel, &t->entry,
		      rv__loop_wheel_time(t->loop) + after_ms);
}

void rv_timer_stop(rv_timer *t)
{
	rv__wheel_del(&t->loop->timer_wheel, &t->entry);
}

bool rv_timer_active(const rv_timer *t)
{
	return rv__wheel_pending(&t->entry);
}

rv_loop *rv_timer_loop(const rv_timer *t)
{
	return t->loop;
}

static void timer_free(rv_timer *t)
{
	/* rv__timers_free_all frees the list's first timer until none is
	 * left; the analyzer misses that rv__list_del moved the head past it
	 * (see list.h) and takes the next one for the freed one. */
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see above */
	rv__wheel_del(&t->loop->timer_wheel, &t->entry);
	rv__list_del(&t->link);
	free(t);
}

void rv_timer_destroy(rv_timer *t)
{
	if (!t)
		return;
	if (t->firing) {
		rv__wheel_del(&t->loop->timer_wheel, &t->entry);
		t->destroyed = true;
		return;
	}
	timer_free(t);
}

void rv__timer_fired(struct rv__wheel_entry *e, void *ctx)
{
	rv_timer *t = rv__container_of(e, rv_timer, entry);
	rv_loop *loop = ctx;

	if (t->repeat_ms)
		rv__wheel_add(&loop->timer_wheel, &t->entry,
			      loop->timer_wheel.now + t->repeat_ms);
	t->firing = true;
	t->fn(t, t->user);
	t->firing = false;
	if (t->destroyed)
		timer_free(t);
}

void rv__timers_free_all(rv_loop *loop)
{
	while (!rv__list_empty(&loop->timers))
		timer_free(rv__container_of(loop->timers.next, rv_timer, link));
}
