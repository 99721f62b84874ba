/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ev_clock.h - time for an rv_loop driven by an application's libev loop
 * (ringview/ev.h), where rv_loop_run_once never runs: an ev_check of the
 * highest priority reads the clock and fires due timers and deadlines
 * first thing after every wake-up, and an ev_timer, set before the libev
 * loop blocks, wakes it at the nearest one. Used by embed.c (io_uring)
 * and by the libev backend when it runs on the application's loop.
 */
#ifndef RINGVIEW_EV_CLOCK_H
#define RINGVIEW_EV_CLOCK_H

#include <ev.h>

#include "loop/loop_internal.h"

struct rv__ev_clock {
	ev_check check;
	ev_timer wake;
};

/* Start |ck|'s watchers on |evl| for |loop|. */
void rv__ev_clock_start(struct rv__ev_clock *ck, rv_loop *loop,
			struct ev_loop *evl);
/* Set the wake-up for the nearest timer or deadline: from an ev_prepare,
 * after the work that may have started some. */
void rv__ev_clock_arm(struct rv__ev_clock *ck, rv_loop *loop,
		      struct ev_loop *evl);
void rv__ev_clock_stop(struct rv__ev_clock *ck, struct ev_loop *evl);

#endif /* RINGVIEW_EV_CLOCK_H */
