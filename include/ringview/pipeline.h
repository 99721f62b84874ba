/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pipeline.h - stages that pass views to each other.
 *
 * A pipeline is a short array of stages run one after the other on the
 * same thread. Each stage receives a message - a handful of views it now
 * owns - and emits messages to the next stage, which owns them from then
 * on. The last stage emits to a sink (typically: send on a connection).
 * Nothing is copied between stages: a message carries views, and a stage
 * that wants to keep a view after passing the message on takes its own
 * reference (rv_view_retain) - the buffer then stays until that is
 * released too.
 *
 * Every message that enters a stage has its views tagged with the stage's
 * name (when the pool tracks references, see RV_POOL_TRACK_REFS), so a
 * leak report says which stage kept which buffer.
 *
 * A pipeline instance belongs to one connection (or one stream); stages
 * keep per-instance state (a partial frame, a parser) in a block the
 * pipeline allocates for them.
 */
#ifndef RINGVIEW_PIPELINE_H
#define RINGVIEW_PIPELINE_H

#include "chain.h"
#include "common.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_pipeline rv_pipeline;
typedef struct rv_msg rv_msg;

/* How a message's |obj| holds views: how to release it and how to tag the
 * views inside it. */
struct rv_msg_ops {
	/* Release every view |obj| holds and free it. Required. */
	void (*release)(void *obj);
	/* Tag every view |obj| holds with |stage| (rv_view_tag). May be
	 * NULL: the views keep the tag they had. */
	void (*tag)(void *obj, const char *stage);
	void (*_reserved[2])(void); /* NULL: see common.h, structs that grow */
};

/*
 * struct rv_msg is what flows between stages. All fields are optional: a
 * message may carry one view (|head|), a chain of views (|body|), and an
 * object of the stages' own design that holds more (|obj|, released and
 * tagged through |ops|). |kind| and |flags| mean what the stages agree on.
 * A message owns what it carries; RV_MSG_INIT is an empty one.
 */
struct rv_msg {
	uint32_t kind;
	uint32_t flags;
	rv_view head;
	rv_chain body;
	void *obj;
	const struct rv_msg_ops *ops;
};

#ifdef __cplusplus
#define RV_MSG_INIT (rv_msg{})
#else
#define RV_MSG_INIT ((rv_msg){0})
#endif

/* rv_msg_release releases everything |m| carries; |m| is then empty. */
RV_EXPORT void rv_msg_release(rv_msg *m);

/* rv_msg_tag tags every view |m| carries with |stage| (a string that
 * outlives the pool, such as a literal); a no-op unless references are
 * tracked. */
RV_EXPORT void rv_msg_tag(rv_msg *m, const char *stage);

/*
 * struct rv_stage describes one stage. |process| receives |m|, which it
 * owns: it passes it (or new messages) on with rv_pipeline_emit, moves
 * out what it keeps, and whatever |m| still holds when |process| returns
 * is released by the pipeline. References taken while a stage runs are
 * attributed to it in leak reports. Returning a negative errno stops the
 * pipeline: rv_pipeline_push returns that error and no stage runs again
 * until rv_pipeline_destroy (the connection is expected to close). |state|
 * is the stage's zeroed block of |state_size| bytes for this instance;
 * |fini| (may be NULL) releases what it holds when the instance is
 * destroyed.
 */
struct rv_stage {
	const char *name; /* tags views in leak reports; must outlive pools */
	int (*process)(rv_pipeline *p, void *state, rv_msg *m);
	void (*fini)(void *state);
	size_t state_size;
	uint64_t _reserved[2]; /* zero: see common.h, structs that grow */
};

/* The sink receives what the last stage emits; what it leaves in |m| is
 * released when it returns. A negative errno stops the pipeline like a
 * stage's. */
typedef int (*rv_sink_fn)(rv_pipeline *p, rv_msg *m, void *user);

/*
 * rv_pipeline_create makes an instance of the |n| stages |stages| (which
 * must outlive it) that ends in |sink|, carrying |user|. -EINVAL for no
 * stages, or a stage without |process| or whose _reserved field is not
 * zero (common.h); -ENOMEM.
 */
RV_EXPORT int rv_pipeline_create(const struct rv_stage *stages, unsigned n,
				 rv_sink_fn sink, void *user,
				 rv_pipeline **out);

/* rv_pipeline_destroy calls every stage's |fini| (from the first stage to
 * the last) and frees the instance. NULL is a no-op. */
RV_EXPORT void rv_pipeline_destroy(rv_pipeline *p);

/*
 * rv_pipeline_push gives |m| to the first stage and returns when every
 * message it led to has reached the sink or been released. |m| is empty
 * afterwards, also on failure. Returns 0, or the negative errno with which
 * a stage or the sink stopped the pipeline (then, and on every later
 * call, -EPIPE when it was already stopped).
 */
RV_EXPORT int rv_pipeline_push(rv_pipeline *p, rv_msg *m);

/*
 * rv_pipeline_emit, called by a stage's |process|, passes |m| to the next
 * stage (or the sink after the last) and returns what that stage
 * returned. |m| is empty afterwards, also on failure.
 */
RV_EXPORT int rv_pipeline_emit(rv_pipeline *p, rv_msg *m);

/* rv_pipeline_user: the |user| given at creation. */
RV_EXPORT void *rv_pipeline_user(const rv_pipeline *p);

/* rv_pipeline_stage_name: the name of the stage now running, or NULL
 * outside a stage. */
RV_EXPORT const char *rv_pipeline_stage_name(const rv_pipeline *p);

/* rv_pipeline_stopped: the error that stopped |p|, or 0. */
RV_EXPORT int rv_pipeline_stopped(const rv_pipeline *p);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_PIPELINE_H */
