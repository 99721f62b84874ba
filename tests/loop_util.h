/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loop_util.h - helpers for tests that run a loop on the test's own
 * thread: the loop on a given backend (skipped visibly where the system
 * refuses it), passes of the loop until a condition holds or a deadline
 * passes (never a sleep), and the end-of-test check that every buffer
 * came back.
 */
#ifndef RINGVIEW_TESTS_LOOP_UTIL_H
#define RINGVIEW_TESTS_LOOP_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <ringview/ringview.h>

#include "net_util.h"

/* A loop on |b| with |cfg| (NULL: defaults; its backend is set to |b|'s);
 * skips the test where io_uring is refused, asserts otherwise. */
rv_loop *tl_loop(const struct test_backend *b, struct rv_loop_config *cfg);

/* Run |loop| until |done(ctx)| is true (checked after every pass) or
 * |ms| pass; returns whether it became true. */
bool tl_run_until(rv_loop *loop, bool (*done)(void *ctx), void *ctx, int ms);

/* The same, on a counter: until |*n| reaches |want|. */
bool tl_run_until_count(rv_loop *loop, const volatile int *n, int want, int ms);

/* Run |loop| for |ms| whatever happens (to see that nothing does). */
void tl_run_for(rv_loop *loop, int ms);

/* End of test: shut |loop| down, check every buffer is free and none
 * leaked, destroy it (asserts). */
void tl_destroy(rv_loop *loop);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t tl_now_ms(void);

/* Raise the soft descriptor limit to |want| (or the hard limit); skips
 * the test when the hard limit is lower. */
void tl_need_fds(unsigned want);

/* A blocking socket connected to 127.0.0.1:|port|, or -1. */
int tl_connect_raw(uint16_t port);

#endif
