/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pool_internal.h - the pool as the buffer layer's own files see it: its
 * struct, the small-object arena, reference-site tracking, the remote list
 * of RV_POOL_ATOMIC pools, and the one recycling path.
 *
 * Private to src/core/. The loop reaches the pool through pool_lend.h.
 */
#ifndef RINGVIEW_POOL_INTERNAL_H
#define RINGVIEW_POOL_INTERNAL_H

#include <pthread.h>

#include "core/core_internal.h"
#include "core/pool_lend.h"

/* ---- small-object arena (small.c) ----------------------------------- */

#define RV__SMALL_CLASSES 6 /* 64, 128, ..., 2048 bytes */

struct rv__small_slab;

struct rv__small {
	struct rv_buf *free[RV__SMALL_CLASSES]; /* per-class free stacks */
	struct rv__small_slab *slabs;
	uint32_t next_id;	   /* ids handed to new chunks */
	uint32_t held;		   /* chunks in use */
	uint32_t freed_since_trim; /* releases since rv__small_trim */
	uint64_t bytes;		   /* bytes of slabs allocated */
};

/* Take a chunk of at least |len| bytes (len <= RV_COMPACT_MAX). */
struct rv_buf *rv__small_alloc(struct rv_pool *pool, size_t len);
void rv__small_recycle(struct rv_pool *pool, struct rv_buf *b);
void rv__small_destroy(struct rv__small *sm);
/* Give back the pages of every slab whose chunks are all free; returns
 * the bytes given back (they come back, zeroed, as chunks are used). */
uint64_t rv__small_trim(struct rv__small *sm);
/* Visit every chunk in use. */
void rv__small_each_held(const struct rv__small *sm,
			 void (*fn)(void *ctx, const struct rv_buf *b),
			 void *ctx);

/* ---- reference-site tracking (track.c) ------------------------------ */
/* A tracked buffer of an RV_POOL_ATOMIC pool has its list guarded by the
 * pool's lock; elsewhere a list is touched only by the owning thread. */

struct rv__track_ent {
	uint16_t site;
	uint32_t count;
};

struct rv__track_buf {
	struct rv__track_ent *ents;
	uint32_t len, cap;
	bool incomplete; /* a record was lost to a failed allocation */
};

const char *rv__track_site_name(uint16_t site);
const char *rv__track_site_stage(uint16_t site);
void rv__track_free(struct rv__track_buf *t);

/* ---- the pool (pool.c) ---------------------------------------------- */

struct rv_pool {
	uint8_t *arena;
	size_t arena_len;
	uint32_t count;
	uint32_t size;
	uint32_t pin_ratio;
	bool hugepages;
	bool tracking;
	bool atomic;	   /* RV_POOL_ATOMIC */
	const void *owner; /* rv__thread_self() of the owning thread;
			      read with relaxed atomics */

	struct rv_buf *bufs; /* one header per buffer, off the data pages */
	uint32_t *free_ids;  /* stack: most recently used on top */
	uint32_t nfree;
	uint32_t reserve; /* free ids receives leave for rv_pool_get */

	uint32_t in_use;  /* buffers with references */
	uint32_t sending; /* buffers with a send in flight */
	uint32_t high_water;

	uint64_t enobufs, recycles, bytes_received;
	uint64_t bytes_copied, pullup_copies, compactions;
	uint64_t trimmed_bytes; /* small-arena pages given back */

	rv__recycle_hook recycle_hook;
	void *recycle_ctx;

	struct rv__track_buf *track; /* per buffer, when tracking */
	struct rv__small small;

	/* RV_POOL_ATOMIC (remote.c): buffers and chunks whose last reference
	   went away on another thread wait on |remote|, a lock-free stack
	   (linked through |remote_next| by id for buffers, through their
	   first bytes for small chunks) that the owner takes whole. */
	struct rv_buf *remote;
	struct rv_buf **remote_next;
	uint32_t remote_busy;	  /* foreign threads inside a push */
	uint64_t remote_recycles; /* owner only */
	pthread_mutex_t lock;	  /* track lists of atomic pools; the hook */
	void (*remote_hook)(void *ctx);
	void *remote_ctx;
};

/* True on the pool's owning thread. */
static inline bool rv__pool_is_owner(const struct rv_pool *p)
{
	return __atomic_load_n(&p->owner, __ATOMIC_RELAXED) ==
	       rv__thread_self();
}

/* Abort: |what| ran for buffer |id| of |p| on a thread that does not own
 * it. Names the cause and the fix. */
__attribute__((noreturn, cold)) void rv__pool_panic_foreign(
	const struct rv_pool *p, uint32_t id, const char *what);

/* Abort unless on |p|'s owning thread (cheap; for out-of-line paths). */
static inline void rv__pool_check_owner(const struct rv_pool *p, uint32_t id,
					const char *what)
{
	if (RV_UNLIKELY(!rv__pool_is_owner(p)))
		rv__pool_panic_foreign(p, id, what);
}

/* ---- the remote list (remote.c; the loop's part is in pool_lend.h) -- */

/* rv__pool_drain_remote for rv_pool_destroy (says so when on the wrong
 * thread instead of aborting). */
uint32_t rv__pool_drain_for_destroy(rv_pool *p);

/* The last reference of |b|, a buffer or chunk of an atomic pool, went
 * away: recycle it here on the owner, else queue it for the owner. */
void rv__buf_last_ref(struct rv_buf *b);

/* Wait until no foreign thread is inside a push (before freeing |p|). */
void rv__pool_remote_quiesce(rv_pool *p);

/* Recycling happens here and only here (called from rv__buf_recycle), on
 * the owning thread (checked in every build). */
void rv__pool_recycle(struct rv_pool *pool, struct rv_buf *b);

/* ---- buffers the pool does not own (extbuf.c) ----------------------- */

/* Recycle a wrapped or copy buffer: free its bytes, keep its header. */
void rv__ext_recycle(struct rv_buf *b);

#endif /* RINGVIEW_POOL_INTERNAL_H */
