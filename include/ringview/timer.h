/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/timer.h - timers on an rv_loop.
 *
 * A timer calls its function once after a delay, or again and again at
 * an interval, on the loop's thread, between the loop's I/O events. Time
 * is the loop's: a monotonic clock in milliseconds, read once per pass of
 * the loop (rv_loop_now), so a callback that runs for a while does not
 * make the others late by more than it. Resolution is one millisecond;
 * a timer never fires early, and late only by what the loop was busy.
 *
 * Timers and connections' deadlines (conn.h) live on a timing wheel:
 * starting, stopping and restarting cost O(1), and the loop never sleeps
 * past the nearest one.
 *
 * Lifetime: the application creates a timer and destroys it; it may do
 * either, and anything else with any timer or connection (close, abort,
 * send), from inside a timer's callback, its own included. Timers still
 * there at rv_loop_destroy are freed with the loop.
 */
#ifndef RINGVIEW_TIMER_H
#define RINGVIEW_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "loop.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_timer rv_timer;

/* A timer's function: |t| fired; |user| is rv_timer_create's. */
typedef void (*rv_timer_fn)(rv_timer *t, void *user);

/*
 * rv_timer_create makes a stopped timer on |loop| that calls |fn| with
 * |user| and stores it in |*out|. -EINVAL for a NULL |fn| or a loop that
 * is shutting down, -ENOMEM.
 */
RV_EXPORT int rv_timer_create(rv_loop *loop, rv_timer_fn fn, void *user,
			      rv_timer **out);

/*
 * rv_timer_start (re)starts |t|: it fires |after_ms| from now (0: on the
 * loop's next pass), then, when |repeat_ms| is not 0, every |repeat_ms|
 * after each firing. A running timer is restarted. A repeating timer is
 * already rescheduled when its function runs, which may stop it.
 */
RV_EXPORT void rv_timer_start(rv_timer *t, uint64_t after_ms,
			      uint64_t repeat_ms);

/* rv_timer_stop stops |t| (a no-op when it is stopped); it can be started
 * again. */
RV_EXPORT void rv_timer_stop(rv_timer *t);

/* rv_timer_active: true while |t| is started. */
RV_EXPORT bool rv_timer_active(const rv_timer *t);

/* rv_timer_destroy stops and frees |t|; NULL is a no-op. Inside |t|'s own
 * function it is freed when the function returns. */
RV_EXPORT void rv_timer_destroy(rv_timer *t);

/* rv_timer_loop: the loop |t| is on. */
RV_EXPORT rv_loop *rv_timer_loop(const rv_timer *t);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_TIMER_H */
