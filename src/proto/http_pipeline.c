/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_pipeline.c - the HTTP framer's and parser's results as pipeline
 * messages (ringview/pipeline.h): a frame moved into a message and back,
 * and a parsed request as a message's object. The only file where HTTP
 * and pipelines meet; the framer and parser know nothing of pipelines.
 */
#include "proto/http_internal.h"
#include "ringview/pipeline.h"

/* A frame's scan results as a message's obj: they hold no reference. */
static void discard_pending(void *obj)
{
	rv__http_request_discard(obj);
}

static const struct rv_msg_ops pending_ops = {.release = discard_pending};

void rv_http_frame_to_msg(struct rv_http_frame *fr, rv_msg *m)
{
	m->head = fr->head;
	m->body = fr->body;
	m->flags = fr->flags;
	m->obj = fr->_req;
	m->ops = fr->_req ? &pending_ops : NULL;
	*fr = (struct rv_http_frame){.head = RV_VIEW_INIT};
	rv_chain_init(&fr->body);
}

void rv_http_frame_from_msg(rv_msg *m, struct rv_http_frame *fr)
{
	fr->head = m->head;
	fr->body = m->body;
	fr->flags = m->flags;
	fr->_req = m->ops == &pending_ops ? m->obj : NULL;
	if (m->obj && !fr->_req && m->ops)
		m->ops->release(m->obj); /* not a frame's: not ours to keep */
	m->head = RV_VIEW_INIT;
	rv_chain_init(&m->body);
	m->obj = NULL;
	m->ops = NULL;
}

static void request_release(void *obj)
{
	rv_http_request_free(obj);
}

static void request_tag(void *obj, const char *stage)
{
	rv_http_request_tag(obj, stage);
}

const struct rv_msg_ops rv_http_request_ops = {
	.release = request_release,
	.tag = request_tag,
};
