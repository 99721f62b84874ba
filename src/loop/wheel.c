/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * wheel.c - the hierarchical timing wheel of wheel.h.
 *
 * The invariant everything rests on: an entry at level l, slot s, expires
 * in the wheel's current rotation of level l + 1 (the bits above level l
 * equal the wheel time's) and s is ahead of the wheel's own slot at level
 * l. So the next time the wheel has work is the start of the first
 * occupied slot ahead at some level, found with one bitmap per level, and
 * time can jump straight there.
 */
#include "loop/wheel.h"

#define BITS 6
#define MASK ((uint64_t)RV__WHEEL_SLOTS - 1)
/* Time the levels cover: 2^36 ms. What expires beyond the current span
 * waits on the far list, placed again each time a new span starts. */
#define SPAN_BITS (BITS * RV__WHEEL_LEVELS)

void rv__wheel_init(struct rv__wheel *w, uint64_t now)
{
	w->now = now;
	w->count = 0;
	rv__list_init(&w->far);
	for (unsigned l = 0; l < RV__WHEEL_LEVELS; l++) {
		w->occupied[l] = 0;
		for (unsigned s = 0; s < RV__WHEEL_SLOTS; s++)
			rv__list_init(&w->slot[l][s]);
	}
}

/* Put |e|, which expires after the wheel's time, in its slot. */
static void place(struct rv__wheel *w, struct rv__wheel_entry *e)
{
	uint64_t at = e->expires;
	unsigned level, s;

	/* The highest 6-bit group in which |at| differs from now. */
	level = (unsigned)(63 - __builtin_clzll(at ^ w->now)) / BITS;
	if (level >= RV__WHEEL_LEVELS) {
		rv__list_push(&w->far, &e->link);
		return;
	}
	s = (unsigned)((at >> (BITS * level)) & MASK);
	rv__list_push(&w->slot[level][s], &e->link);
	w->occupied[level] |= 1ull << s;
}

void rv__wheel_add(struct rv__wheel *w, struct rv__wheel_entry *e,
		   uint64_t expires)
{
	e->expires = expires > w->now ? expires : w->now + 1;
	place(w, e);
	w->count++;
}

void rv__wheel_del(struct rv__wheel *w, struct rv__wheel_entry *e)
{
	struct rv__link *prev = e->link.prev, *next = e->link.next;
	const struct rv__link *first = &w->slot[0][0];

	if (!rv__linked(&e->link))
		return;
	rv__list_del(&e->link);
	w->count--;
	/* It was alone in its list when both neighbours are the head; if that
	 * head is a slot, the slot is now empty. */
	if (prev == next && prev >= first &&
	    prev < first + RV__WHEEL_LEVELS * RV__WHEEL_SLOTS) {
		size_t i = (size_t)(prev - first);
		w->occupied[i / RV__WHEEL_SLOTS] &=
			~(1ull << (i % RV__WHEEL_SLOTS));
	}
}

void rv__wheel_set(struct rv__wheel *w, struct rv__wheel_entry *e,
		   uint64_t expires)
{
	rv__wheel_del(w, e);
	rv__wheel_add(w, e, expires);
}

/* The start of the first occupied slot ahead of the wheel's time at any
 * level, or UINT64_MAX when the wheel is empty. */
static uint64_t next_time(const struct rv__wheel *w)
{
	uint64_t best = UINT64_MAX;

	for (unsigned l = 0; l < RV__WHEEL_LEVELS; l++) {
		unsigned shift = BITS * l;
		unsigned cur = (unsigned)((w->now >> shift) & MASK);
		uint64_t ahead =
			cur == MASK ? 0 : w->occupied[l] & (~0ull << (cur + 1));
		uint64_t t;

		if (!ahead)
			continue;
		t = (w->now >> (shift + BITS)) << (shift + BITS);
		t |= (uint64_t)__builtin_ctzll(ahead) << shift;
		if (t < best)
			best = t;
	}
	/* The far list waits for the next span. */
	if (best == UINT64_MAX && !rv__list_empty(&w->far))
		best = ((w->now >> SPAN_BITS) + 1) << SPAN_BITS;
	return best;
}

int64_t rv__wheel_next(const struct rv__wheel *w)
{
	uint64_t t = next_time(w);

	return t == UINT64_MAX ? -1 : (int64_t)(t - w->now);
}

/* Move every entry of slot |s| of level |l| to |due|. */
static void take_slot(struct rv__wheel *w, unsigned l, unsigned s,
		      struct rv__link *due)
{
	struct rv__link *head = &w->slot[l][s];

	while (!rv__list_empty(head)) {
		struct rv__link *n = head->next;
		rv__list_del(n);
		rv__list_push(due, n);
	}
	w->occupied[l] &= ~(1ull << s);
}

/* Time has reached the start of a slot at one or more levels: move their
 * entries down (or to |due|, those that expire now), highest level first,
 * then take level 0's slot. */
static void arrive(struct rv__wheel *w, struct rv__link *due)
{
	struct rv__link moving;

	rv__list_init(&moving);
	for (unsigned l = RV__WHEEL_LEVELS; l > 0; l--) {
		unsigned shift = BITS * l;
		unsigned s = (unsigned)((w->now >> shift) & MASK);

		if (w->now & ((1ull << shift) - 1))
			continue;
		if (l == RV__WHEEL_LEVELS) /* a new span: the far list */
			while (!rv__list_empty(&w->far)) {
				struct rv__link *n = w->far.next;
				rv__list_del(n);
				rv__list_push(&moving, n);
			}
		else if (w->occupied[l] & (1ull << s))
			take_slot(w, l, s, &moving);
		while (!rv__list_empty(&moving)) {
			struct rv__wheel_entry *e = rv__container_of(
				moving.next, struct rv__wheel_entry, link);
			rv__list_del(&e->link);
			if (e->expires <= w->now)
				rv__list_push(due, &e->link);
			else
				place(w, e);
		}
	}
	if (w->occupied[0] & (1ull << (w->now & MASK)))
		take_slot(w, 0, (unsigned)(w->now & MASK), due);
}

uint32_t rv__wheel_advance(struct rv__wheel *w, uint64_t now, rv__wheel_fn fn,
			   void *ctx)
{
	struct rv__link due;
	uint32_t fired = 0;

	rv__list_init(&due);
	while (w->now < now) {
		uint64_t t = next_time(w);

		if (t > now) {
			w->now = now;
			break;
		}
		w->now = t;
		arrive(w, &due);
		/* Each entry leaves |due| before it runs: a callback may add
		 * it again, or remove any other entry, |due| ones included. */
		while (!rv__list_empty(&due)) {
			struct rv__wheel_entry *e = rv__container_of(
				due.next, struct rv__wheel_entry, link);
			rv__list_del(&e->link);
			w->count--;
			fired++;
			fn(e, ctx);
		}
	}
	return fired;
}
