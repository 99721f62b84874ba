/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_wheel.c - the timing wheel under the loop's timers and deadlines
 * (src/loop/wheel.c), against a plain model: thousands of entries over
 * every level and beyond its span, added, removed and re-added from the
 * callbacks, time advanced by small steps and by jumps to the next event.
 * Every entry fires exactly once per time it was set, at that very
 * millisecond, never early, never late.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "loop/wheel.h"

#define N 20000

struct ent {
	struct rv__wheel_entry e;
	uint64_t want;
	bool on;
};

static struct ent ents[N];
static struct rv__wheel w;
static uint64_t last_fire;
static unsigned fired;

static uint64_t rnd(uint64_t n)
{
	return (((uint64_t)rand() << 31) ^ (uint64_t)rand()) % n;
}

static void fire(struct rv__wheel_entry *e, void *ctx)
{
	struct ent *x = (struct ent *)e;

	(void)ctx;
	cr_assert(x->on, "fired while not set");
	cr_assert_eq(x->want, w.now, "set for %llu, fired at %llu",
		     (unsigned long long)x->want, (unsigned long long)w.now);
	cr_assert_geq(w.now, last_fire, "out of order");
	last_fire = w.now;
	x->on = false;
	fired++;
	/* Callbacks may add entries and remove any other. */
	if (rand() % 4 == 0) {
		x->want = w.now + 1 + rnd(100000);
		rv__wheel_add(&w, e, x->want);
		x->on = true;
	}
	if (rand() % 8 == 0) {
		struct ent *y = &ents[rnd(N)];
		if (y->on) {
			rv__wheel_del(&w, &y->e);
			y->on = false;
		}
	}
}

Test(wheel, fires_each_entry_at_its_millisecond)
{
	srand(7);
	rv__wheel_init(&w, 1000);
	cr_assert_eq(rv__wheel_next(&w), -1, "empty");
	for (int i = 0; i < N; i++) {
		/* Most within minutes, a fifth beyond the levels' span. */
		uint64_t d = 1 + (i % 5 == 0 ? rnd(1ull << 38) : rnd(200000));
		ents[i].want = w.now + d;
		rv__wheel_add(&w, &ents[i].e, ents[i].want);
		ents[i].on = true;
	}
	cr_assert_eq(w.count, N);
	for (int step = 0; w.count && step < 10000000; step++) {
		int64_t next = rv__wheel_next(&w);
		cr_assert_geq(next, 0);
		rv__wheel_advance(
			&w, w.now + (step % 3 ? (uint64_t)next : 1 + rnd(5000)),
			fire, NULL);
		if (step % 512 == 0)
			for (int i = 0; i < N; i++)
				cr_assert(!ents[i].on || ents[i].want > w.now,
					  "entry %d overdue", i);
	}
	cr_assert_eq(w.count, 0);
	for (int i = 0; i < N; i++)
		cr_assert_not(ents[i].on);
	cr_assert_geq(fired, N - N / 8);
}

Test(wheel, set_moves_and_del_is_idempotent)
{
	struct ent a = {0}, b = {0};

	rv__wheel_init(&w, 0);
	rv__wheel_add(&w, &a.e, 100);
	a.want = 100;
	a.on = true;
	cr_assert(rv__wheel_pending(&a.e));
	rv__wheel_set(&w, &a.e, 5000);
	a.want = 5000;
	cr_assert_eq(w.count, 1);
	rv__wheel_del(&w, &b.e);    /* never added: a no-op */
	rv__wheel_add(&w, &b.e, 0); /* the past: its next millisecond */
	b.want = 1;
	b.on = true;
	cr_assert_eq(rv__wheel_next(&w), 1);
	last_fire = 0;
	cr_assert_eq(rv__wheel_advance(&w, 4999, fire, NULL), 1);
	cr_assert_not(b.on);
	cr_assert(a.on);
	rv__wheel_del(&w, &a.e);
	rv__wheel_del(&w, &a.e);
	cr_assert_eq(w.count, 0);
	cr_assert_eq(rv__wheel_next(&w), -1);
	cr_assert_eq(rv__wheel_advance(&w, 100000, fire, NULL), 0);
}
