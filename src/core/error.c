/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * error.c - error strings and the fatal errors that catch misuse of views.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

const char *rv_strerror(int err)
{
	const char *s;

	if (err == 0)
		return "Success";
	if (err > 0)
		return "Not a ringview error code (expected a negative errno)";
	/* strerrordesc_np is thread-safe and never localised. */
	s = strerrordesc_np(-err);
	return s ? s : "Unknown error";
}

void rv__panic(const char *fmt, ...)
{
	va_list ap;

	fputs("ringview: fatal: ", stderr);
	va_start(ap, fmt);
	/* clang 14's analyzer loses va_start's initialisation of an x86-64
	 * va_list (an array type) and reports every v*printf after it. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): see above */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

static const char *kind_name(const struct rv_buf *b)
{
	switch (b->_kind) {
	case RV__BUF_POOL:
		return "pool buffer";
	case RV__BUF_SMALL:
		return "small chunk";
	case RV__BUF_WRAP:
		return "wrapped buffer";
	case RV__BUF_HEAP:
		return "copy buffer";
	default:
		return "buffer";
	}
}

void rv__panic_stale(const struct rv_buf *b, uint32_t view_gen, const char *op)
{
	rv__panic("%s: use after recycle: %s %u is at generation %u but the "
		  "view was made at generation %u (a stale copy of a view was "
		  "used after its last reference was released)",
		  op, kind_name(b), b->_id, b->_gen, view_gen);
}

void rv__panic_underflow(const struct rv_buf *b, const char *op)
{
	rv__panic("%s: reference count of %s %u (generation %u) would go "
		  "out of range: a view was released more often than it was "
		  "taken",
		  op, kind_name(b), b->_id, b->_gen);
}
