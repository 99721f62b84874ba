/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/ev.h - an rv_loop inside a libev loop the application owns.
 *
 * A server that already runs a libev loop adopts ringview without giving
 * up its loop: it makes the rv_loop with rv_loop_create_ev, listens and
 * serves as usual, and keeps calling ev_run itself. Its own watchers
 * (timers, signals, other sockets) run beside ringview's connections.
 *
 * Either backend works embedded. With libev, the loop's watchers live on
 * the application's loop. With io_uring, an eventfd registered with the
 * ring is watched by one ev_io: when it fires the ring's completions are
 * processed; an ev_prepare hands what was prepared to the kernel just
 * before the application's loop blocks.
 *
 * This header is not part of ringview.h: include it (it includes <ev.h>)
 * and link with libev. Both calls exist in every build of ringview, so
 * that its exported symbols do not depend on the build's options (README:
 * ABI policy); in a build without the libev backend (-Dlibev=disabled, or
 * libev missing) rv_loop_create_ev returns -ENOTSUP and logs why, and
 * rv_loop_ev returns NULL.
 */
#ifndef RINGVIEW_EV_H
#define RINGVIEW_EV_H

#if defined(RV_BUILDING_LIBRARY) && !defined(RV_HAVE_EV)
struct ev_loop; /* the library without libev: src/loop/embed_none.c */
#else
#include <ev.h>
#endif

#include "common.h"
#include "loop.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * rv_loop_create_ev makes a loop like rv_loop_create (the same config,
 * the same backend choice: RV_BACKEND_AUTO, RINGVIEW_BACKEND, the same
 * fallback and errors) whose events are driven by |evl|, a libev loop the
 * caller owns, and stores it in |*out|. -EINVAL when |evl| is NULL;
 * -ENOTSUP, whatever the arguments, when ringview was built without libev.
 *
 * Contract, from then on:
 *  - Run |evl| with ev_run (or ev_run(EVRUN_ONCE/NOWAIT)) on the thread
 *    that made the rv_loop; do not also call rv_loop_run or
 *    rv_loop_run_once on it.
 *  - The rv_loop keeps watchers active on |evl|, so ev_run(evl, 0) does not
 *    return by itself while the rv_loop lives: stop with ev_break.
 *  - Any watcher callback of the application may use ringview (send on a
 *    connection, close it, release views); the work is started before
 *    |evl| next blocks.
 *  - Call rv_loop_destroy (or rv_loop_shutdown) before ev_loop_destroy:
 *    it stops every watcher ringview started on |evl|; |evl| stays the
 *    caller's and is never destroyed by ringview. On failure nothing is
 *    left on |evl|.
 */
RV_EXPORT int rv_loop_create_ev(const struct rv_loop_config *cfg,
				struct ev_loop *evl, rv_loop **out);

/*
 * rv_loop_ev returns the libev loop |loop| runs on: the application's
 * one for a loop made by rv_loop_create_ev, the loop's own with the libev
 * backend (the application may start its own watchers on it; they run
 * inside rv_loop_run), or NULL for an io_uring loop that is not embedded
 * (always NULL when ringview was built without libev).
 */
RV_EXPORT struct ev_loop *rv_loop_ev(const rv_loop *loop);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_EV_H */
