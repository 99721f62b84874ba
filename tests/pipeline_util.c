/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pipeline_util.c - what the pipeline tests share (pipeline_util.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core_util.h"
#include "pipeline_util.h"

/* Fill a pool buffer with |len| bytes of |s| and return its view. */
rv_view bytes_view(const void *s, size_t len)
{
	rv_view v;

	cr_assert_eq(rv_pool_get(pool, &v), 0);
	cr_assert_leq(len, v.len);
	memcpy(rv_view_mut(&v), s, len);
	rv_view_truncate(&v, len);
	return v;
}

rv_msg bytes_msg(const char *s)
{
	rv_msg m = RV_MSG_INIT;
	rv_view v = bytes_view(s, strlen(s));

	cr_assert_eq(rv_chain_append(&m.body, &v), 0);
	return m;
}

static void log_bytes(struct sink_log *log, const rv_view *v)
{
	cr_assert_lt(log->len + v->len, sizeof(log->text));
	memcpy(log->text + log->len, v->data, v->len);
	log->len += v->len;
}

int record_sink(rv_pipeline *p, rv_msg *m, void *user)
{
	struct sink_log *log = user;

	(void)p;
	if (log->calls < 64)
		log->kinds[log->calls] = m->kind;
	log->calls++;
	if (m->head._buf)
		log_bytes(log, &m->head);
	for (uint32_t i = 0; i < rv_chain_count(&m->body); i++)
		log_bytes(log, rv_chain_at(&m->body, i));
	log->text[log->len++] = '|';
	log->text[log->len] = '\0';
	return log->fail_with; /* what it leaves in |m| is released */
}
