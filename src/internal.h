/*
 * internal.h - private declarations shared by the library's sources.
 * Nothing here is part of the API; names start with rv__.
 */
#ifndef RINGVIEW_INTERNAL_H
#define RINGVIEW_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringview/ringview.h"

/* ---- logging and fatal errors (log.c, error.c) ---------------------- */

void rv__log(enum rv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool rv__log_enabled(enum rv_log_level level);
__attribute__((noreturn, cold, format(printf, 1, 2))) void
rv__panic(const char *fmt, ...);

/* ---- threads -------------------------------------------------------- */

/* A thread's identity: the address of a thread-local byte (one instruction
 * to compute, unique among live threads). */
extern __thread char rv__thread_tag __attribute__((tls_model("initial-exec")));
static inline const void *rv__thread_self(void)
{
	return &rv__thread_tag;
}

/* ---- small-object arena (small.c) ----------------------------------- */

#define RV__SMALL_CLASSES 6 /* 64, 128, ..., 2048 bytes */

struct rv__small_slab;

struct rv__small {
	struct rv_buf *free[RV__SMALL_CLASSES]; /* per-class free stacks */
	struct rv__small_slab *slabs;
	uint32_t next_id;  /* ids handed to new chunks */
	uint32_t held;     /* chunks in use */
	uint64_t bytes;    /* bytes of slabs allocated */
};

/* Take a chunk of at least |len| bytes (len <= RV_COMPACT_MAX). */
struct rv_buf *rv__small_alloc(struct rv_pool *pool, size_t len);
void rv__small_recycle(struct rv_pool *pool, struct rv_buf *b);
void rv__small_destroy(struct rv__small *sm);
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
/* rv__track_set_stage names the pipeline stage now running on this thread
 * (NULL: none) and returns the previous one. */
const char *rv__track_set_stage(const char *stage);
void rv__track_free(struct rv__track_buf *t);

/* ---- the pool (pool.c) ---------------------------------------------- */

/*
 * A backend may take over recycled ids: the hook receives each id whose
 * buffer's last reference was released, instead of the free list.
 */
typedef void (*rv__recycle_hook)(void *ctx, struct rv_pool *pool, uint32_t id);

struct rv_pool {
	uint8_t *arena;
	size_t arena_len;
	uint32_t count;
	uint32_t size;
	uint32_t pin_ratio;
	bool hugepages;
	bool tracking;
	bool atomic;             /* RV_POOL_ATOMIC */
	const void *owner;       /* rv__thread_self() of the owning thread;
				    read with relaxed atomics */

	struct rv_buf *bufs;     /* one header per buffer, off the data pages */
	uint32_t *free_ids;      /* stack: most recently used on top */
	uint32_t nfree;

	uint32_t in_use;         /* buffers with references */
	uint32_t sending;        /* buffers with a send in flight */
	uint32_t high_water;

	uint64_t enobufs, recycles, bytes_received;
	uint64_t bytes_copied, pullup_copies, compactions;

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
	uint32_t remote_busy;     /* foreign threads inside a push */
	uint64_t remote_recycles; /* owner only */
	pthread_mutex_t lock;     /* track lists of atomic pools; the hook */
	void (*remote_hook)(void *ctx);
	void *remote_ctx;
};

/* True on the pool's owning thread. */
static inline bool rv__pool_is_owner(const struct rv_pool *p)
{
	return __atomic_load_n(&p->owner, __ATOMIC_RELAXED) == rv__thread_self();
}

/* Abort: |what| ran for buffer |id| of |p| on a thread that does not own
 * it. Names the cause and the fix. */
__attribute__((noreturn, cold)) void
rv__pool_panic_foreign(const struct rv_pool *p, uint32_t id, const char *what);

/* Abort unless on |p|'s owning thread (cheap; for out-of-line paths). */
static inline void rv__pool_check_owner(const struct rv_pool *p, uint32_t id,
					const char *what)
{
	if (RV_UNLIKELY(!rv__pool_is_owner(p)))
		rv__pool_panic_foreign(p, id, what);
}

/* ---- threads and the remote list (remote.c) --------------------------- */

/*
 * rv__pool_set_owner makes the calling thread |p|'s owner: the one that
 * takes and recycles its buffers. The loop calls it when it runs on a
 * thread other than the one that created it. Hand-over must be ordered
 * (thread creation or a lock) with the old owner's last use.
 */
void rv__pool_set_owner(rv_pool *p);

/*
 * A remote hook runs on the thread that queued a buffer for the owner,
 * once per transition of the remote list from empty to non-empty, so the
 * owner can be woken once per batch (an eventfd write). It runs under the
 * pool's lock: it must be short and must not touch views of the pool.
 */
typedef void (*rv__remote_hook)(void *ctx);

/* rv__pool_set_remote_hook sets (fn NULL: clears) the hook. When it
 * returns, the old hook is not running and will not run again. */
void rv__pool_set_remote_hook(rv_pool *p, rv__remote_hook fn, void *ctx);

/* rv__pool_drain_remote recycles everything queued by other threads and
 * returns how many; owner only (aborts elsewhere). 0 for plain pools. */
uint32_t rv__pool_drain_remote(rv_pool *p);

/* The same, for rv_pool_destroy (says so when on the wrong thread). */
uint32_t rv__pool_drain_for_destroy(rv_pool *p);

/* The last reference of |b|, a buffer or chunk of an atomic pool, went
 * away: recycle it here on the owner, else queue it for the owner. */
void rv__buf_last_ref(struct rv_buf *b);

/* Wait until no foreign thread is inside a push (before freeing |p|). */
void rv__pool_remote_quiesce(rv_pool *p);

/*
 * rv__buf_refs_add takes |n| more references on |b| covering |live| more
 * bytes; rv__buf_refs_drop gives back |n| of them, which must leave at
 * least one (it never recycles). Batch changes for callers that count
 * several views at once (the HTTP parser's fields); atomic when |b|'s
 * pool is. Site tracking stays the caller's.
 */
void rv__buf_refs_add(struct rv_buf *b, uint32_t n, uint64_t live);
void rv__buf_refs_drop(struct rv_buf *b, uint32_t n, uint64_t live);

/* Recycling happens here and only here (called from rv__buf_recycle), on
 * the owning thread (checked in every build). */
void rv__pool_recycle(struct rv_pool *pool, struct rv_buf *b);

/* Record a copy of |n| bytes made on behalf of views of |pool| (may be
 * NULL). */
void rv__pool_count_copy(struct rv_pool *pool, size_t n, bool pullup);

/* ---- buffers the pool does not own (extbuf.c) ----------------------- */

/* Recycle a wrapped or copy buffer: free its bytes, keep its header. */
void rv__ext_recycle(struct rv_buf *b);

/*
 * rv__heap_view makes a writable view of a fresh malloc'd buffer of |n|
 * bytes (1 reference). Returns -ENOMEM or -EMSGSIZE (n > UINT32_MAX).
 */
int rv__heap_view(size_t n, rv_view *out, const char *site);

/* The pool whose stats a copy of |v|'s bytes should count in, or NULL
 * (view.c). */
struct rv_pool *rv__view_pool(const rv_view *v);

/* ---- chains (chain.c) ----------------------------------------------- */

/* Make room for |count| views in |c| so appends up to that cannot fail. */
int rv__chain_reserve(rv_chain *c, uint32_t count);

/* Release every view of |c| but keep its storage for reuse. */
void rv__chain_clear(rv_chain *c);

/* Move every view of |src| to the end of |dst|; |src| is left empty with
 * its storage kept (swapped with |dst|'s when |dst| was empty). On -ENOMEM
 * both are unchanged. */
int rv__chain_move(rv_chain *dst, rv_chain *src);

#endif /* RINGVIEW_INTERNAL_H */
