/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * options.c - strict command-line values (options.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#include "options.h"

int parse_seconds(const char *s, uint32_t *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0) || v > 2e6)
		return -EINVAL;
	*ms = v == 0 ? RV_NO_TIMEOUT : (uint32_t)(v * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int seconds_option(const char *name, const char *arg, uint32_t *ms)
{
	if (parse_seconds(arg, ms) == 0)
		return 0;
	fprintf(stderr,
		"--%s needs a number of seconds (up to 2000000), not '%s'\n",
		name, arg);
	return -EINVAL;
}

int count_option(const char *name, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	char *end = NULL;

	/* strtoul alone would take " 5", "+5", "-5" (as a huge number). */
	if (*arg >= '0' && *arg <= '9') {
		errno = 0;
		v = strtoul(arg, &end, 10);
	}
	if (!end || *end || errno || v < min || v > max) {
		fprintf(stderr,
			"--%s needs a whole number from %lu to %lu, not "
			"'%s'\n",
			name, min, max, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int backend_option(const char *arg, enum rv_backend *out)
{
	if (!strcmp(arg, "auto"))
		*out = RV_BACKEND_AUTO;
	else if (!strcmp(arg, "uring") || !strcmp(arg, "io_uring"))
		*out = RV_BACKEND_URING;
	else if (!strcmp(arg, "ev") || !strcmp(arg, "libev"))
		*out = RV_BACKEND_EV;
	else {
		fprintf(stderr, "--backend needs auto, uring or ev, not '%s'\n",
			arg);
		return -EINVAL;
	}
	return 0;
}
