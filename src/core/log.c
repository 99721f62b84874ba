/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * log.c - where the library's messages go. One sink for the whole process,
 * stderr by default, level from RINGVIEW_LOG.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

static rv_log_fn log_fn;
static void *log_ctx;
static int log_level = -1; /* -1: not yet read from the environment */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static int level_from_env(void)
{
	const char *s = getenv("RINGVIEW_LOG");
	if (!s)
		return RV_LOG_WARN;
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return RV_LOG_WARN;
}

void rv_set_log(rv_log_fn fn, void *ctx, enum rv_log_level max_level)
{
	log_fn = fn;
	log_ctx = ctx;
	log_level = (int)max_level;
}

bool rv__log_enabled(enum rv_log_level level)
{
	if (log_level < 0)
		log_level = level_from_env();
	return (int)level <= log_level;
}

void rv__log(enum rv_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!rv__log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn) {
		log_fn(log_ctx, level, msg);
		return;
	}
	fprintf(stderr, "ringview: %s: %s\n", level_names[level], msg);
}
