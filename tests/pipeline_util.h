/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pipeline_util.h - helpers for the pipeline tests (tests/test_pipeline.c,
 * tests/examples/test_http_stages.c): messages of bytes in pool buffers,
 * and a sink that records what reaches it.
 */
#ifndef RINGVIEW_TESTS_PIPELINE_UTIL_H
#define RINGVIEW_TESTS_PIPELINE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <ringview/ringview.h>

/* A pool buffer (of core_util's |pool|) holding the |len| bytes at |s|. */
rv_view bytes_view(const void *s, size_t len);

/* A message whose body is the string |s|, in one pool buffer. */
rv_msg bytes_msg(const char *s);

/* What record_sink saw. */
struct sink_log {
	int calls;
	char text[4096]; /* every message's bytes, each followed by '|' */
	size_t len;
	uint32_t kinds[64];
	int fail_with; /* returned by the sink when set */
};

/* A sink (rv_sink_fn) that appends each message to the sink_log |user|. */
int record_sink(rv_pipeline *p, rv_msg *m, void *user);

#endif
