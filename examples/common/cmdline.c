/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * cmdline.c - the command line the examples share (cmdline.h).
 */
#include <errno.h>

#include "cmdline.h"

/* Give |cl| the value of |opt|, one of the shared options: 0, -EINVAL
 * (said on stderr), or -ENOENT when |opt| is not one of them. */
static int shared_option(struct cmdline *cl, int opt, const char *arg)
{
	unsigned long n = 0;
	uint32_t ms = 0;
	int bad;

	switch (opt) {
	case 'H':
		bad = host_option(arg);
		cl->host = arg;
		return bad;
	case 'p':
		return count_option("port", arg, 0, 65535, &cl->port);
	case 'b':
		bad = count_option("buffers", arg, 1, RV_POOL_MAX_COUNT, &n);
		cl->cfg.pool.count = (uint32_t)n;
		return bad;
	case 's':
		bad = count_option("buf-size", arg, 64, RV_POOL_MAX_SIZE, &n);
		cl->cfg.pool.size = (uint32_t)n;
		return bad;
	case 'B':
		return backend_option(arg, &cl->cfg.backend);
	case 'i':
		bad = seconds_option("stats-interval", arg, &ms);
		cl->stats_interval = ms == RV_NO_TIMEOUT ? 0 : ms / 1000.0;
		return bad;
	case 'f':
		return stats_format_option(arg, &cl->stats_format);
	case 't':
		bad = count_option("threads", arg, 1, 256, &n);
		cl->threads = (unsigned)n;
		return bad;
	case 'I':
		return seconds_option("idle-timeout", arg,
				      &cl->cfg.timeouts.idle_ms);
	case 'W':
		return seconds_option("write-timeout", arg,
				      &cl->cfg.timeouts.write_ms);
	}
	return -ENOENT;
}

int parse_cmdline(struct cmdline *cl, int argc, char **argv,
		  const struct option *opts,
		  int (*own)(int opt, const char *arg))
{
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int err;
		switch (opt) {
		case 'v':
			print_version(cl->program);
			return 1;
		case 'h':
			cl->usage(stdout, argv[0]);
			return 1;
		}
		err = shared_option(cl, opt, optarg);
		if (err == -ENOENT && own)
			err = own(opt, optarg);
		if (err == -ENOENT) { /* '?': getopt_long said what was wrong */
			cl->usage(stderr, argv[0]);
			return 2;
		}
		if (err)
			return 2;
	}
	return no_operands(argc, argv, optind) ? 2 : 0;
}
