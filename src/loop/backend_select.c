/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * backend_select.c - the one place a loop's backend is chosen: the
 * config's, else RINGVIEW_BACKEND's, else the build's default; io_uring
 * first for AUTO, libev when it cannot run, with one line saying why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop/loop_internal.h"

/* What RV_BACKEND_AUTO means when RINGVIEW_BACKEND is not set (meson
 * option default_backend). */
#ifndef RV_DEFAULT_BACKEND
#define RV_DEFAULT_BACKEND RV_BACKEND_AUTO
#endif

#ifdef RV_HAVE_URING
#define BACKEND_URING (&rv__backend_uring)
#else
#define BACKEND_URING NULL
#endif
#ifdef RV_HAVE_EV
#define BACKEND_EV (&rv__backend_ev)
#else
#define BACKEND_EV NULL
#endif

/* RINGVIEW_BACKEND=uring|io_uring|ev|libev|auto overrides an AUTO config. */
static enum rv_backend backend_from_env(enum rv_backend asked)
{
	const char *s = getenv("RINGVIEW_BACKEND");

	if (asked != RV_BACKEND_AUTO)
		return asked;
	if (!s || !*s)
		return RV_DEFAULT_BACKEND;
	if (!strcmp(s, "uring") || !strcmp(s, "io_uring"))
		return RV_BACKEND_URING;
	if (!strcmp(s, "ev") || !strcmp(s, "libev"))
		return RV_BACKEND_EV;
	if (strcmp(s, "auto"))
		rv__log(RV_LOG_WARN,
			"RINGVIEW_BACKEND=%s is not one of auto, "
			"uring, ev; using auto",
			s);
	return RV_BACKEND_AUTO;
}

void rv__loop_why(rv_loop *loop, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang 14's analyzer loses va_start's initialisation of an x86-64
	 * va_list (an array type) and reports every v*printf after it. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): see above */
	vsnprintf(loop->why, sizeof(loop->why), fmt, ap);
	va_end(ap);
}

/* Start |be| on |loop|; on failure loop->why says why. */
static int try_backend(rv_loop *loop, const struct rv__backend *be)
{
	int err;

	loop->why[0] = '\0';
	loop->backend = be;
	err = be->init(loop);
	if (err) {
		loop->backend = NULL;
		if (!loop->why[0])
			rv__loop_why(loop, "the %s backend cannot start: %s",
				     be->name, rv_strerror(err));
	}
	return err;
}

/* Start |be|, a backend asked for: without it (|be| NULL) log |missing|;
 * when it cannot start, log why, followed by |fallback_hint|. */
static int start_asked(rv_loop *loop, const struct rv__backend *be,
		       const char *missing, const char *fallback_hint)
{
	int err;

	if (!be) {
		rv__log(RV_LOG_ERROR, "%s", missing);
		return -ENOTSUP;
	}
	err = try_backend(loop, be);
	if (err)
		rv__log(RV_LOG_ERROR, "%s%s", loop->why, fallback_hint);
	return err;
}

/*
 * Asked for by name, a backend that cannot run is an error that says why;
 * AUTO prefers io_uring and falls back to libev with one warning that
 * names the cause and the fix.
 */
int rv__loop_start_backend(rv_loop *loop)
{
	const struct rv__backend *uring = BACKEND_URING, *ev = BACKEND_EV;
	int err;

	switch (backend_from_env(loop->cfg.backend)) {
	case RV_BACKEND_URING:
		return start_asked(loop, uring,
				   "this ringview was built without the "
				   "io_uring backend (liburing >= 2.5 was not "
				   "found); use the libev backend "
				   "(RINGVIEW_BACKEND=ev)",
				   "; or use the libev backend "
				   "(RINGVIEW_BACKEND=ev)");
	case RV_BACKEND_EV:
		return start_asked(loop, ev,
				   "this ringview was built without the libev "
				   "backend (libev was not found); install "
				   "libev-dev and rebuild, or use "
				   "RINGVIEW_BACKEND=uring",
				   "");
	case RV_BACKEND_AUTO:
	default:
		break;
	}
	if (uring) {
		err = try_backend(loop, uring);
		if (!err)
			return 0;
		if (!ev) {
			rv__log(RV_LOG_ERROR,
				"%s (and this ringview was built without the "
				"libev backend)",
				loop->why);
			return err;
		}
		rv__log(RV_LOG_WARN,
			"%s; using the libev backend instead "
			"(RINGVIEW_BACKEND=ev chooses it without this "
			"warning)",
			loop->why);
	}
	return start_asked(loop, ev,
			   "this ringview was built without any event-loop "
			   "backend (neither liburing nor libev was found)",
			   "");
}
