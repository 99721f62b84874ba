/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * baseline.h - the socket plumbing the hand-written baselines share
 * (epoll-echo, uring-echo, mmsg-echo, epoll-proxy): opening the listening
 * socket, printing the "listening on" line the bench scripts wait for,
 * the descriptor limits and stopping at SIGINT or SIGTERM. Nothing of
 * ringview: the baselines must stay what a user writes without the
 * library; only this setup, which does not bear on what they measure, is
 * written once.
 */
#ifndef RV_BENCH_BASELINE_H
#define RV_BENCH_BASELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

/* The project's version, for --version: bench/meson.build passes it from
 * meson.build's version:, the one place it is set. rv_version() is not
 * the baselines' to call (they do not link ringview). */
#ifndef RV_BENCH_VERSION
#error "RV_BENCH_VERSION is not defined: build with meson (bench/meson.build passes it)"
#endif

/*
 * Parse the options of a baseline that takes only --host ADDR, --port N,
 * --help and --version: *host and *port keep their defaults unless given.
 * --help prints |usage| to stdout, --version "PROG ringview X.Y.Z", and
 * both exit 0. Returns 0, or -1 after printing why (a bad port or host,
 * an unknown option or a stray argument): the caller exits 2.
 */
int baseline_parse_host_port(int argc, char **argv, const char *prog,
			     void (*usage)(FILE *f), const char **host,
			     const char **port);

/* |arg| is a numeric address the listening socket can take (what
 * getaddrinfo takes with AI_NUMERICHOST): 0, or -1 after saying that
 * --host needs one. Checked with the options, so that a typo is bad usage
 * (exit 2) rather than a failed start. */
int baseline_host_option(const char *prog, const char *arg);

/* Set by SIGINT and SIGTERM once baseline_catch_stop has run. */
extern volatile sig_atomic_t baseline_stop;

/*
 * SIGINT and SIGTERM set baseline_stop. No SA_RESTART: a signal ends a
 * blocking wait (io_uring_enter, epoll_wait) with EINTR. With |waitmask|
 * they are also blocked from now on, and *waitmask is the signal mask
 * without them, for epoll_pwait: a signal then arrives only inside the
 * wait, never between the check of baseline_stop and the wait.
 */
void baseline_catch_stop(sigset_t *waitmask);

/* Raise RLIMIT_NOFILE to its hard limit: many idle connections need many
 * descriptors. |prog| prefixes the message when that fails. */
void baseline_raise_nofile(const char *prog);

/*
 * A non-blocking TCP listening socket (SO_REUSEADDR, SO_REUSEPORT: other
 * processes of the same user may listen on the same port) on the numeric
 * |host| and |port|, or -1 after printing why. On success prints
 * "listening on ADDR:PORT" with the real port (for --port 0) and flushes.
 */
int baseline_listen_tcp(const char *prog, const char *host, const char *port);

/* The same for a (blocking) UDP socket; the line then reads "listening on
 * udp ADDR:PORT". */
int baseline_bind_udp(const char *prog, const char *host, const char *port);

/*
 * Out of descriptors, a pending connection cannot be accepted and keeps
 * the listener ready (or ends every accept at once): free the spare
 * descriptor *spare_fd, accept the connection and close it (the peer sees
 * a reset), then take the spare again - the trick libuv and nginx use.
 * Warns once, prefixed by |prog|.
 */
void baseline_shed_connection(const char *prog, int listen_fd, int *spare_fd);

#endif
