/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * cmdline.c - strict command-line values for the bench programs; see
 * cmdline.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmdline.h"

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int bench_count_option(const char *prog, const char *name, const char *arg,
		       unsigned long long min, unsigned long long max,
		       unsigned long long *out)
{
	unsigned long long v = 0;
	char *end = NULL;

	if (all_digits(arg)) {
		errno = 0;
		v = strtoull(arg, &end, 10);
	}
	if (!end || *end || errno || v < min || v > max) {
		fprintf(stderr,
			"%s: --%s needs a whole number from %llu to %llu, "
			"not '%s'\n",
			prog, name, min, max, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int bench_missing_value(const char *prog, const char *name)
{
	fprintf(stderr, "%s: --%s needs a value (--help)\n", prog, name);
	return -EINVAL;
}

int bench_no_operands(const char *prog, int argc, char **argv, int first)
{
	if (first >= argc)
		return 0;
	fprintf(stderr,
		"%s: unexpected argument '%s': every value follows its "
		"option (--help)\n",
		prog, argv[first]);
	return -EINVAL;
}

void bench_print_version(const char *prog, const char *version)
{
	printf("%s ringview %s\n", prog, version);
}
