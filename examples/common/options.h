/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * options.h - command-line values the examples share, parsed strictly:
 * a value that is not entirely a number in range is an error (the caller
 * exits 2 naming the option), never a default in disguise.
 *
 * Every *_option function below takes the option's name without its
 * dashes and its value as given; on a bad value it says on stderr which
 * option, which value and what is allowed, and returns -EINVAL with
 * |*out| untouched.
 */
#ifndef EXAMPLES_OPTIONS_H
#define EXAMPLES_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include <ringview/ringview.h>

/* Seconds (digits and one optional '.', up to 2,000,000) as a timeout in
 * ms; 0 turns it off (RV_NO_TIMEOUT). 0 or -EINVAL. */
int parse_seconds(const char *s, uint32_t *ms);

/* parse_seconds for the option --|name|. */
int seconds_option(const char *name, const char *arg, uint32_t *ms);

/* A whole number from |min| to |max| (decimal digits only) for the option
 * --|name|. */
int count_option(const char *name, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out);

/* count_option for 64-bit sizes (bytes) on every platform. */
int size_option(const char *name, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out);

/* The backend named |arg| (auto, uring or io_uring, ev or libev) for
 * --backend. */
int backend_option(const char *arg, enum rv_backend *out);

/* An IPv4 or IPv6 literal for --host (what rv_listen_tcp and rv_udp_bind
 * take): checked here so that a typo is bad usage, not a failed start. */
int host_option(const char *arg);

/* How the stats lines are printed (--stats-format). */
enum stats_format {
	STATS_TEXT, /* one line for people; scripts match its words */
	STATS_JSON, /* one JSON object per line, the same figures (stats.h) */
};
int stats_format_option(const char *arg, enum stats_format *out);

/* After getopt_long: 0 when no argument is left at argv[first], else
 * -EINVAL after naming the first one (no example takes operands). */
int no_operands(int argc, char **argv, int first);

/* --version: "PROGRAM ringview X.Y.Z" on stdout (rv_version()). */
void print_version(const char *program);

/*
 * rv_loop_create (or rv_loop_create_ev) refused |cfg| with |err|: say so
 * on stderr in terms of the options that set it - the pool's --buffers
 * and --buf-size when the error is about memory or sizes, --backend when
 * one was asked for - so that the user knows which value to change.
 */
void loop_create_failed(const struct rv_loop_config *cfg, int err);

#endif
