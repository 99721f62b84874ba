/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * core_internal.h - the buffer layer's private calls that the layers
 * above it (the loop, the protocols) may use: logging, fatal errors, the
 * calling thread's identity, views made from buffer headers, copies
 * counted in a pool's stats, and chain operations that keep storage.
 *
 * It includes only the buffer layer's public headers: nothing here knows
 * of sockets, loops or protocols. Names start with rv__; none is API.
 */
#ifndef RINGVIEW_CORE_INTERNAL_H
#define RINGVIEW_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringview/chain.h"
#include "ringview/common.h"
#include "ringview/cursor.h"
#include "ringview/pool.h"
#include "ringview/view.h"

/* ---- logging and fatal errors (log.c, error.c) ---------------------- */

void rv__log(enum rv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool rv__log_enabled(enum rv_log_level level);
__attribute__((noreturn, cold, format(printf, 1, 2))) void rv__panic(
	const char *fmt, ...);

/* ---- reserved space (reserved.c) ------------------------------------ */

/*
 * rv__reserved_ok: true when the |n| bytes at |p| - the _reserved field of
 * the caller's |what| (a struct's name) - are all zero. Otherwise logs an
 * error naming the fix and returns false; the caller then fails with
 * -EINVAL. Zero is what every caller that initializes its structs has, so
 * a later version may give those bytes a meaning (common.h: structs that
 * grow). RV__RESERVED_OK(s, what) checks (s)->_reserved.
 */
bool rv__reserved_ok(const void *p, size_t n, const char *what);
#define RV__RESERVED_OK(s, what) \
	rv__reserved_ok((s)->_reserved, sizeof((s)->_reserved), (what))

/* ---- threads -------------------------------------------------------- */

/* A thread's identity: the address of a thread-local byte (one instruction
 * to compute, unique among live threads). */
extern __thread char rv__thread_tag __attribute__((tls_model("initial-exec")));
static inline const void *rv__thread_self(void)
{
	return &rv__thread_tag;
}

/* ---- views of buffers ----------------------------------------------- */

/*
 * rv__buf_view sets |*out| to a writable view of the |len| bytes at |off|
 * in |b| and takes the one reference it owns, recorded against |site|.
 * The one place a view is made from a buffer header.
 */
static inline void rv__buf_view(struct rv_buf *b, size_t off, size_t len,
				const char *site, rv_view *out)
{
	out->data = b->_base + off;
	out->len = len;
	out->_buf = b;
	out->_gen = b->_gen;
	out->_flags = 0;
	out->_site = rv__buf_ref(b, len, site);
}

/*
 * rv__buf_refs_add takes |n| more references on |b| covering |live| more
 * bytes; rv__buf_refs_drop gives back |n| of them, which must leave at
 * least one (it never recycles). Batch changes for callers that count
 * several views at once (the HTTP parser's fields); atomic when |b|'s
 * pool is. Site tracking stays the caller's.
 */
void rv__buf_refs_add(struct rv_buf *b, uint32_t n, uint64_t live);
void rv__buf_refs_drop(struct rv_buf *b, uint32_t n, uint64_t live);

/*
 * rv__heap_view makes a writable view of a fresh malloc'd buffer of |n|
 * bytes (1 reference). Returns -ENOMEM or -EMSGSIZE (n > UINT32_MAX).
 */
int rv__heap_view(size_t n, rv_view *out, const char *site);
/* Bytes of heap views this thread freed since it last asked (and reset). */
size_t rv__heap_freed_take(void);

/* The pool whose stats a copy of |v|'s bytes should count in, or NULL
 * (view.c). */
struct rv_pool *rv__view_pool(const rv_view *v);

/* Record a copy of |n| bytes made on behalf of views of |pool| (may be
 * NULL). */
void rv__pool_count_copy(struct rv_pool *pool, size_t n, bool pullup);

/* rv__track_set_stage names the pipeline stage now running on this thread
 * (NULL: none) and returns the previous one (track.c). */
const char *rv__track_set_stage(const char *stage);

/* ---- chains (chain.c) ----------------------------------------------- */

/* rv_chain._flags: the chain belongs to the library (a connection's input)
 * and is refilled at once: the calls that take all its views leave its
 * storage in place instead of freeing it, so that a view passed from one
 * connection to another costs no malloc and free per receive. */
#define RV__CHAIN_KEEP_STORAGE 1u

/* Make room for |count| views in |c| so appends up to that cannot fail. */
int rv__chain_reserve(rv_chain *c, uint32_t count);

/* Release every view of |c| but keep its storage for reuse. */
void rv__chain_clear(rv_chain *c);

/* Move every view of |src| to the end of |dst|; |src| is left empty with
 * its storage kept (swapped with |dst|'s when |dst| was empty; each chain
 * keeps its _flags). On -ENOMEM both are unchanged. */
int rv__chain_move(rv_chain *dst, rv_chain *src);

/* |c| was emptied by a move: free its storage unless it keeps it
 * (RV__CHAIN_KEEP_STORAGE). Releases any views still in it. */
void rv__chain_done(rv_chain *c);

#endif /* RINGVIEW_CORE_INTERNAL_H */
