/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * options.h - command-line values the examples share, parsed strictly:
 * a value that is not entirely a number in range is an error (the caller
 * exits 2 naming the option), never a default in disguise.
 */
#ifndef EXAMPLES_OPTIONS_H
#define EXAMPLES_OPTIONS_H

#include <stdint.h>

#include <ringview/ringview.h>

/* Seconds (decimals allowed, up to 2,000,000) as a timeout in ms; 0 turns
 * it off (RV_NO_TIMEOUT). 0 or -EINVAL. */
int parse_seconds(const char *s, uint32_t *ms);

/* parse_seconds for the option --|name|: on a bad value, says so on
 * stderr (naming the option and the value) and returns -EINVAL. */
int seconds_option(const char *name, const char *arg, uint32_t *ms);

/* A whole number from |min| to |max| (decimal digits only) for the option
 * --|name|: 0, or -EINVAL after saying so on stderr. */
int count_option(const char *name, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out);

/* The backend named |arg| (auto, uring or io_uring, ev or libev) for
 * --backend: 0, or -EINVAL after saying so on stderr. */
int backend_option(const char *arg, enum rv_backend *out);

#endif
