/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pipeline.c - stages run in order on one thread, messages moved between
 * them by value.
 *
 * Emitting is a plain call into the next stage, so a message never waits
 * in a queue and a pipeline needs no allocation per message. The cost is
 * recursion depth equal to the number of stages, which is small by
 * design.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/core_internal.h"
#include "ringview/pipeline.h"

struct rv_pipeline {
	const struct rv_stage *stages;
	unsigned n;
	unsigned current; /* stage now running; n while the sink runs */
	bool running;	  /* inside rv_pipeline_push */
	int stopped;	  /* error that stopped the pipeline, or 0 */
	rv_sink_fn sink;
	void *user;
	void **states; /* one zeroed block per stage, or NULL */
};

void rv_msg_release(rv_msg *m)
{
	rv_view_release(&m->head);
	rv_chain_release(&m->body);
	if (m->obj && m->ops)
		m->ops->release(m->obj);
	*m = RV_MSG_INIT;
}

void rv_msg_tag(rv_msg *m, const char *stage)
{
	uint32_t n = rv_chain_count(&m->body);

	rv_view_tag(&m->head, stage);
	for (uint32_t i = 0; i < n; i++)
		rv_view_tag((rv_view *)rv_chain_at(&m->body, i), stage);
	if (m->obj && m->ops && m->ops->tag)
		m->ops->tag(m->obj, stage);
}

int rv_pipeline_create(const struct rv_stage *stages, unsigned n,
		       rv_sink_fn sink, void *user, rv_pipeline **out)
{
	rv_pipeline *p;

	if (!stages || n == 0 || !out)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!stages[i].process ||
		    !RV__RESERVED_OK(&stages[i], "rv_stage"))
			return -EINVAL;
	p = calloc(1, sizeof(*p) + n * sizeof(void *));
	if (!p)
		return -ENOMEM;
	p->stages = stages;
	p->n = n;
	p->sink = sink;
	p->user = user;
	p->states = (void **)(p + 1);
	for (unsigned i = 0; i < n; i++) {
		if (!stages[i].state_size)
			continue;
		p->states[i] = calloc(1, stages[i].state_size);
		if (!p->states[i]) {
			for (unsigned j = 0; j < i; j++)
				free(p->states[j]);
			free(p);
			return -ENOMEM;
		}
	}
	*out = p;
	return 0;
}

void rv_pipeline_destroy(rv_pipeline *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->stages[i].fini)
			p->stages[i].fini(p->states[i]);
		free(p->states[i]);
	}
	free(p);
}

/* Run stage |i| (or the sink when i == n) on |m|. */
static int run_stage(rv_pipeline *p, unsigned i, rv_msg *m)
{
	unsigned saved = p->current;
	const char *saved_stage;
	rv_msg own = *m;
	int err;

	*m = RV_MSG_INIT;
	if (p->stopped) {
		rv_msg_release(&own);
		return -EPIPE;
	}
	p->current = i;
	if (i == p->n) {
		saved_stage = rv__track_set_stage(NULL);
		err = p->sink ? p->sink(p, &own, p->user) : 0;
	} else {
		/* References taken or handed over from now on belong to
		 * this stage in leak reports. */
		saved_stage = rv__track_set_stage(p->stages[i].name);
		rv_msg_tag(&own, p->stages[i].name);
		err = p->stages[i].process(p, p->states[i], &own);
	}
	/* What the stage or sink left in its message is released here, so
	 * a stage that passes on only part of it need not clean up. */
	rv_msg_release(&own);
	rv__track_set_stage(saved_stage);
	p->current = saved;
	if (err < 0 && !p->stopped)
		p->stopped = err;
	return err < 0 ? err : 0;
}

int rv_pipeline_push(rv_pipeline *p, rv_msg *m)
{
	int err;

	if (p->running) {
		/* Pushing from inside a stage would run stages out of order. */
		rv_msg_release(m);
		return -EBUSY;
	}
	p->running = true;
	err = run_stage(p, 0, m);
	p->running = false;
	return err;
}

int rv_pipeline_emit(rv_pipeline *p, rv_msg *m)
{
	if (!p->running || p->current >= p->n) {
		/* Only a stage may emit; a sink that emits is a bug. */
		rv_msg_release(m);
		return -EINVAL;
	}
	return run_stage(p, p->current + 1, m);
}

void *rv_pipeline_user(const rv_pipeline *p)
{
	return p->user;
}

const char *rv_pipeline_stage_name(const rv_pipeline *p)
{
	if (!p->running || p->current >= p->n)
		return NULL;
	return p->stages[p->current].name;
}

int rv_pipeline_stopped(const rv_pipeline *p)
{
	return p->stopped;
}
