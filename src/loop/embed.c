/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * embed.c - an rv_loop driven by a libev loop the application owns
 * (ringview/ev.h).
 *
 * The libev backend needs nothing more: its watchers simply go on the
 * application's loop (loop->ev_host), and its own ev_prepare flushes the
 * dirty list there. A backend with a kernel queue (io_uring) gets these
 * watchers on that loop:
 *   - an ev_io on an eventfd the kernel signals when completions are
 *     ready: read it, then process them (run_once with no wait);
 *   - an ev_prepare, run before the loop blocks: start queued output,
 *     free closed connections, submit everything prepared since, and set
 *     the wake-up for the nearest timer (ev_clock.c);
 *   - the clock's ev_check, which fires due timers and deadlines.
 */
#include <errno.h>
#include <ev.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loop/ev_clock.h"
#include "loop/loop_internal.h"
#include "ringview/ev.h"

struct embed {
	ev_prepare prepare;
	ev_io io;
	struct rv__ev_clock clock;
	int efd;
	bool failed; /* run_once failed once: said so */
};

static void on_prepare(struct ev_loop *evl, ev_prepare *w, int revents)
{
	rv_loop *loop = w->data;

	(void)revents;
	rv__loop_flush_dirty(loop);
	loop->backend->embed->submit(loop);
	rv__ev_clock_arm(&((struct embed *)loop->embed)->clock, loop, evl);
}

static void on_eventfd(struct ev_loop *evl, ev_io *w, int revents)
{
	rv_loop *loop = w->data;
	struct embed *em = loop->embed;
	uint64_t count;
	int n;

	(void)evl;
	(void)revents;
	/* Reset the count first, so that completions posted from here on
	 * signal it again. */
	if (read(em->efd, &count, sizeof(count)) < 0 && errno != EAGAIN &&
	    !em->failed) {
		em->failed = true;
		rv__log(RV_LOG_ERROR, "reading the io_uring eventfd: %s",
			rv_strerror(-errno));
	}
	/* As inside rv_loop_run_once: a callback must not run it again. */
	loop->running = true;
	n = loop->backend->run_once(loop, 0);
	loop->running = false;
	if (n < 0 && !em->failed) {
		em->failed = true;
		rv__log(RV_LOG_ERROR,
			"the %s backend failed inside the "
			"application's libev loop: %s",
			loop->backend->name, rv_strerror(n));
	}
}

static void detach(rv_loop *loop);

static int attach(rv_loop *loop)
{
	struct embed *em = calloc(1, sizeof(*em));
	int err;

	if (!em)
		return -ENOMEM;
	em->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (em->efd < 0) {
		err = -errno;
		free(em);
		return err;
	}
	err = loop->backend->embed->watch_eventfd(loop, em->efd);
	if (err < 0) {
		rv__log(RV_LOG_ERROR,
			"cannot register an eventfd with the "
			"%s backend to run in a libev loop: %s",
			loop->backend->name, rv_strerror(err));
		close(em->efd);
		free(em);
		return err;
	}
	ev_prepare_init(&em->prepare, on_prepare);
	em->prepare.data = loop;
	ev_io_init(&em->io, on_eventfd, em->efd, EV_READ);
	em->io.data = loop;
	ev_prepare_start(loop->ev_host, &em->prepare);
	ev_io_start(loop->ev_host, &em->io);
	rv__ev_clock_start(&em->clock, loop, loop->ev_host);
	loop->embed = em;
	loop->detach = detach;
	return 0;
}

static void detach(rv_loop *loop)
{
	struct embed *em = loop->embed;

	ev_prepare_stop(loop->ev_host, &em->prepare);
	ev_io_stop(loop->ev_host, &em->io);
	rv__ev_clock_stop(&em->clock, loop->ev_host);
	/* The ring keeps its own reference to the eventfd until it exits. */
	close(em->efd);
	free(em);
	loop->embed = NULL;
	loop->detach = NULL;
}

int rv_loop_create_ev(const struct rv_loop_config *cfg, struct ev_loop *evl,
		      rv_loop **out)
{
	rv_loop *loop;
	int err;

	if (!evl || !out)
		return -EINVAL;
	err = rv__loop_create(cfg, evl, &loop);
	if (err)
		return err;
	if (loop->backend->embed) {
		err = attach(loop);
		if (err) {
			rv_loop_destroy(loop);
			return err;
		}
	}
	*out = loop;
	return 0;
}

struct ev_loop *rv_loop_ev(const rv_loop *loop)
{
	if (loop->ev_host)
		return loop->ev_host;
	return rv__ev_backend_loop(loop);
}
