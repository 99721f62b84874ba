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
#include <strings.h>

#include "core/pool_internal.h"

static rv_log_fn log_fn;
static void *log_ctx;
static int log_level = -1; /* -1: not yet read from the environment */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/*
 * The level RINGVIEW_LOG names, read once (rv__log_enabled caches it).
 * Case does not matter: "INFO" and "Debug" have one possible meaning, and
 * people type them that way from other tools' level names (syslog,
 * Python's logging, RUST_LOG), so refusing them would only make them try
 * again. Any other value is said once on stderr, with the accepted names,
 * and the default applies: a typo must not silently hide the debug output
 * that was asked for. Empty counts as unset (RINGVIEW_LOG= cmd).
 */
static int level_from_env(void)
{
	static int warned;
	const char *s = getenv("RINGVIEW_LOG");

	if (!s || !*s)
		return RV_LOG_WARN;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	/* Two threads may read the environment at once: one warning. */
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr,
			"ringview: warn: RINGVIEW_LOG=%s is not a level: use "
			"error, warn, info or debug; logging at warn\n",
			s);
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
	/* clang 14's analyzer loses va_start's initialisation of an x86-64
	 * va_list (an array type) and reports every v*printf after it. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): see above */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn) {
		log_fn(log_ctx, level, msg);
		return;
	}
	fprintf(stderr, "ringview: %s: %s\n", level_names[level], msg);
}
