/*
 * options.c - strict command-line values (options.h).
 */
#include <errno.h>
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
