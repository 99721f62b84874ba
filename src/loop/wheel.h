/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * wheel.h - a hierarchical timing wheel: the loop's timers and every
 * connection's deadlines, at one millisecond's resolution.
 *
 * Six levels of 64 slots: level 0 holds what expires within the current
 * 64 ms, level 1 within the current 4 s, and so on up to 2^36 ms (two
 * years; later times wait on a list of their own). An entry goes to the level
 * of the highest 6-bit group in which its expiry differs from the wheel's
 * time, so each slot holds only times still ahead in its rotation; when
 * time reaches a slot of a higher level, its entries move down
 * ("cascade"), at most once per level in their lifetime. Adding and
 * removing are O(1) (a list insert or unlink and a bit); advancing costs
 * the entries that expire plus the slots it passes that are occupied,
 * found with a bitmap per level, never a scan of every entry.
 *
 * Not thread-safe: one wheel per loop, on the loop's thread.
 */
#ifndef RINGVIEW_WHEEL_H
#define RINGVIEW_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#include "loop/list.h"

#define RV__WHEEL_LEVELS 6
#define RV__WHEEL_SLOTS	 64

struct rv__wheel_entry {
	struct rv__link link; /* in a slot, or on the due list */
	uint64_t expires;     /* in the wheel's milliseconds */
};

struct rv__wheel {
	uint64_t now; /* every entry expiring at or before it has fired */
	uint32_t count;
	uint64_t occupied[RV__WHEEL_LEVELS];
	struct rv__link slot[RV__WHEEL_LEVELS][RV__WHEEL_SLOTS];
	struct rv__link far; /* beyond the levels' span: placed later */
};

/* What an expired entry does; it is off the wheel when this runs and may
 * be added again, or any other entry added or removed. */
typedef void (*rv__wheel_fn)(struct rv__wheel_entry *e, void *ctx);

void rv__wheel_init(struct rv__wheel *w, uint64_t now);

/* True while |e| is on the wheel. A zeroed entry is not. */
static inline bool rv__wheel_pending(const struct rv__wheel_entry *e)
{
	return rv__linked(&e->link);
}

/* Put |e| (not on the wheel) on it to expire at |expires|; a time not
 * after the wheel's expires at its next millisecond. */
void rv__wheel_add(struct rv__wheel *w, struct rv__wheel_entry *e,
		   uint64_t expires);

/* Take |e| off the wheel; a no-op when it is not on it. */
void rv__wheel_del(struct rv__wheel *w, struct rv__wheel_entry *e);

/* Move |e| to expire at |expires| (on the wheel or not). */
void rv__wheel_set(struct rv__wheel *w, struct rv__wheel_entry *e,
		   uint64_t expires);

/* Advance the wheel's time to |now| and call |fn| for each entry that
 * expired, earliest first (entries of the same millisecond in the order
 * they were added). Returns how many fired. */
uint32_t rv__wheel_advance(struct rv__wheel *w, uint64_t now, rv__wheel_fn fn,
			   void *ctx);

/* Milliseconds from the wheel's time until it next has work to do (an
 * expiry, or a cascade that may lead to one); -1 when it is empty. */
int64_t rv__wheel_next(const struct rv__wheel *w);

#endif /* RINGVIEW_WHEEL_H */
