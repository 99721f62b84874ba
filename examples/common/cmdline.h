/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * cmdline.h - the command line every example shares: the options they
 * all take (where to listen, the pool, the backend; for the servers the
 * stats lines, --threads and the idle and write timeouts), --version,
 * --help, and the getopt_long loop that reads them and hands each other
 * option to the example.
 *
 * Each example keeps its own table of options, so that its entries stand
 * in the order its --help lists them (getopt_long names them in that
 * order when an abbreviation is ambiguous). The groups below are the
 * entries it takes from here; parse_cmdline handles their values.
 */
#ifndef EXAMPLES_CMDLINE_H
#define EXAMPLES_CMDLINE_H

#include <getopt.h>
#include <stdio.h>

#include <ringview/ringview.h>

#include "options.h"

/*
 * The groups of entries an example's table takes from here, listed among
 * its own: {LISTEN_OPTIONS, {...}, STATS_OPTIONS, ...}. parse_cmdline
 * also handles these entries where the example places them:
 *   {"threads", required_argument, NULL, 't'}        (the servers)
 *   {"idle-timeout", required_argument, NULL, 'I'}   (cfg.timeouts.idle_ms)
 *   {"write-timeout", required_argument, NULL, 'W'}  (cfg.timeouts.write_ms)
 *   {"version", no_argument, NULL, 'v'}
 *   {"help", no_argument, NULL, 'h'}
 * so the example's own options take other letters than these and those
 * below. (Not clang-formatted: it would indent each entry differently.)
 */
/* clang-format off */
#define LISTEN_OPTIONS \
	{"host", required_argument, NULL, 'H'}, \
	{"port", required_argument, NULL, 'p'}, \
	{"buffers", required_argument, NULL, 'b'}, \
	{"buf-size", required_argument, NULL, 's'}, \
	{"backend", required_argument, NULL, 'B'}
#define STATS_OPTIONS \
	{"stats-interval", required_argument, NULL, 'i'}, \
	{"stats-format", required_argument, NULL, 'f'}
/* clang-format on */

/* What the shared options say. The example sets every field first: its
 * name for --version, its --help text and the defaults (threads 1). */
struct cmdline {
	const char *program;
	void (*usage)(FILE *f, const char *argv0);
	const char *host;
	unsigned long port;
	struct rv_loop_config cfg; /* --buffers, --buf-size, --backend,
				    * --idle-timeout, --write-timeout */
	unsigned threads;
	double stats_interval; /* seconds; 0: never */
	enum stats_format stats_format;
};

/*
 * parse_cmdline reads argv with getopt_long over |opts| into |cl|; an
 * option that is not one of those above goes to |own| (NULL when the
 * example has none), which returns 0, -EINVAL after saying on stderr what
 * is wrong, or -ENOENT for a letter it does not know. Then no operand may
 * follow.
 *
 * Returns 0 to run, 1 to exit 0 (--help or --version was answered), or
 * 2 for bad usage (said on stderr: the option and its value, or getopt's
 * message and the usage text).
 */
int parse_cmdline(struct cmdline *cl, int argc, char **argv,
		  const struct option *opts,
		  int (*own)(int opt, const char *arg));

#endif
