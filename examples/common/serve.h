/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * serve.h - the rest of a threaded example's main() once its loops are
 * started (loops.h): the signals, the "listening on" line, loop 0 run on
 * the main thread with its stats lines, and the shutdown with the final
 * stats.
 *
 * SIGINT and SIGTERM stop every loop (loop_threads_stop); SIGUSR1 asks
 * for a stats line from loop 0; SIGPIPE is ignored (a peer gone while we
 * send is an error returned, not a death).
 */
#ifndef EXAMPLES_SERVE_H
#define EXAMPLES_SERVE_H

#include "cmdline.h"
#include "loops.h"
#include "stats.h"

/* An example's own figures in its stats lines. serve prints the rest
 * around them, in the format --stats-format asked for: the opening (kind,
 * thread) and the pool's figures (stats.h). */
struct stats_figures {
	/* The figures as text on stdout, each clause ending in "; ". */
	void (*text)(const struct loop_thread *t);
	/* The same figures, in the same order, as members of |j|. */
	void (*json)(struct stats_json *j, const struct loop_thread *t);
};

/*
 * serve_announce installs the signal handlers, then prints
 * "listening on KINDHOST:PORT (backend NAME)" and, with several threads,
 * " on several threads"; |kind| is "" or, say, "udp ". Scripts signal the
 * server once they read that line, so the handlers come first.
 */
void serve_announce(const struct loop_threads *lt, const char *kind,
		    const char *host);

/*
 * serve_until_stopped runs loop 0 on the calling thread until SIGINT,
 * SIGTERM or a failure of the loop (said on stderr), printing a stats
 * line at SIGUSR1 and every --stats-interval (both from |args|). Then it
 * stops and joins every thread and frees them (loop_threads_destroy),
 * after each loop's final stats line: 0, or 1 after a leak.
 */
int serve_until_stopped(struct loop_threads *lt, const struct cmdline *args,
			const struct stats_figures *figures);

#endif
