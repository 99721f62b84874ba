/*
 * options.c - strict command-line values (options.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
