/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/pool.h - the arena of receive buffers.
 *
 * A pool is one page-aligned arena of |count| buffers of |size| bytes.
 * Each buffer has an id, a reference count and a state:
 *   free     in the free list (or, with io_uring, the kernel's buffer ring)
 *   held     one or more views refer to it
 *   sending  a send in flight holds a reference
 * A buffer is recycled - its id given back - in exactly one place, when its
 * last reference is released. A backend may take over where recycled ids
 * go (the io_uring backend puts them back in its buffer ring).
 *
 * Threads. A pool belongs to the thread that created it (an rv_loop takes
 * its pool over when it runs on another thread). Only that thread takes
 * buffers from it (rv_pool_get, receives), compacts into it and recycles
 * its buffers. By default its reference counts are plain integers: every
 * view of its buffers must be retained, sliced and released on the owning
 * thread, and a release elsewhere aborts (debug builds check every
 * reference change, all builds check the last release).
 *
 * A pool created with RV_POOL_ATOMIC has atomic reference counts: its
 * views may be handed to other threads (worker stages) and retained,
 * sliced and released there. When the last reference goes away on another
 * thread, the buffer is queued to the owner, which recycles it the next
 * time it collects: an rv_loop does that for you; a pool used without a
 * loop calls rv_pool_collect on its owning thread.
 */
#ifndef RINGVIEW_POOL_H
#define RINGVIEW_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_pool rv_pool;

/* Ask for huge pages for the arena; falls back to normal pages (with
 * transparent huge pages advised) when none are available. */
#define RV_POOL_HUGEPAGES 0x1u
/* Record the file:line that took every reference, for leak reports. On
 * by default in debug builds of the library and when the environment
 * variable RINGVIEW_DEBUG_REFS=1 is set. */
#define RV_POOL_TRACK_REFS 0x2u
/* Never record reference sites, even in debug builds. */
#define RV_POOL_NO_TRACK_REFS 0x4u
/* Atomic reference counts: views may be retained and released on other
 * threads; the owning thread recycles what they release (rv_pool_collect).
 * Reference changes cost an atomic operation each. */
#define RV_POOL_ATOMIC 0x8u
/* Fault the whole arena in at creation (MAP_POPULATE): the memory the pool
 * will use is taken, and shows in RSS, from the start rather than as
 * receives first touch each buffer; no page faults on the receive path.
 * For servers; creation costs about 1 ms per 4 MiB. */
#define RV_POOL_POPULATE 0x10u

#define RV_POOL_MAX_COUNT 32768u /* a buffer ring's entry limit */
#define RV_POOL_MAX_SIZE  (1u << 30)

struct rv_pool_config {
	uint32_t count; /* buffers; 1 .. RV_POOL_MAX_COUNT; 0 means 256 */
	uint32_t size;	/* bytes per buffer; rounded up to a multiple of 64;
			   0 means 16 KiB. Page-aligned when a multiple
			   of the page size. */
	uint32_t flags; /* RV_POOL_* */
	/* A held buffer counts as pinned when its live views cover at most
	   size / pin_ratio bytes; 0 means 8. */
	uint32_t pin_ratio;
	uint64_t _reserved[4]; /* zero: see common.h, structs that grow */
};

struct rv_pool_stats {
	uint32_t total;	     /* buffers in the pool */
	uint32_t free;	     /* free: available + in_ring */
	uint32_t available;  /* free for rv_pool_get now */
	uint32_t in_ring;    /* free, lent to the kernel's receive ring */
	uint32_t reserve;    /* of |available|, kept from receives */
	uint32_t held;	     /* held by views only */
	uint32_t sending;    /* with a send in flight */
	uint32_t high_water; /* most buffers ever held or sending at once */
	uint32_t buf_size;   /* bytes per buffer */
	uint64_t enobufs;    /* times a receive found no free buffer */
	uint64_t recycles;   /* buffers given back after their last view */
	uint64_t bytes_received;
	uint64_t bytes_copied; /* copied by pullup, keep at a seam, compact */
	uint64_t pullup_copies;
	/* pinning: held buffers whose live views cover few bytes */
	uint32_t pinned;	/* such buffers */
	uint64_t pinned_bytes;	/* bytes their views cover */
	uint64_t compactions;	/* views moved by rv_view_compact */
	uint32_t small_held;	/* small-arena chunks in use */
	uint64_t small_bytes;	/* bytes of small-arena slabs allocated */
	uint64_t small_trimmed; /* bytes of free slabs given back to the
				  kernel (over time; they come back as used) */
	bool hugepages;		/* arena is on huge pages */
	bool tracking;		/* reference sites are recorded */
	bool atomic;		/* created with RV_POOL_ATOMIC */
	/* buffers and chunks released last on another thread and recycled
	   by the owner (included in recycles for buffers) */
	uint64_t remote_recycles;
	uint64_t _reserved[8]; /* zero: see common.h, structs that grow */
};

/*
 * rv_pool_create makes a pool as |cfg| asks (NULL: defaults) and stores it
 * in |*out|. -EINVAL for a count or size out of range or a _reserved field
 * that is not zero (common.h), -ENOMEM when the arena cannot be mapped.
 */
RV_EXPORT int rv_pool_create(const struct rv_pool_config *cfg, rv_pool **out);

/*
 * rv_pool_destroy frees |pool| when no buffer is held. When views remain,
 * it logs a leak report (rv_pool_leak_report) at RV_LOG_ERROR, frees
 * nothing and returns -EBUSY: release them and call it again. NULL is a
 * no-op. Call it on the owning thread; it first recycles what other
 * threads released (rv_pool_collect).
 */
RV_EXPORT int rv_pool_destroy(rv_pool *pool);

/*
 * ABI: rv__pool_get and rv__pool_get_small, which the macros below call,
 * are compiled into applications. They are not API - call the rv_ names -
 * but they are ABI: exported and versioned with it (src/libringview.map),
 * and they keep their meaning and arguments for as long as the SONAME
 * stays.
 */

/*
 * rv_pool_get takes a free buffer and sets |*out| to a writable view of
 * all of it (one reference). -ENOBUFS when none is available (counted in
 * stats.enobufs). Fill it, truncate it to what was written, and release
 * it (or hand it on) like any view. A loop's pool lends buffers to the
 * kernel for receiving (stats.in_ring) and keeps a reserve receives never
 * take (struct rv_loop_config.reserve), so that rv_pool_get finds some.
 */
#define rv_pool_get(pool, out) rv__pool_get((pool), (out), RV__SITE)
RV_EXPORT int rv__pool_get(rv_pool *pool, rv_view *out, const char *site);

/*
 * rv_pool_get_small sets |*out| to a writable view of |len| bytes (1 ..
 * RV_COMPACT_MAX) from the pool's small-object arena - room for a
 * response header or a length prefix without taking a whole receive
 * buffer. -EINVAL for len 0, -EMSGSIZE above RV_COMPACT_MAX, -ENOMEM.
 * Truncate it to what was written; release it like any view.
 */
#define rv_pool_get_small(pool, len, out) \
	rv__pool_get_small((pool), (len), (out), RV__SITE)
RV_EXPORT int rv__pool_get_small(rv_pool *pool, size_t len, rv_view *out,
				 const char *site);

/*
 * rv_pool_collect recycles every buffer and small chunk of |pool| whose
 * last view was released on another thread since the last collect, and
 * returns how many. Call it on the owning thread (elsewhere it aborts); an
 * rv_loop does it for you. Returns 0 for a pool without RV_POOL_ATOMIC.
 */
RV_EXPORT uint32_t rv_pool_collect(rv_pool *pool);

/* rv_pool_stats fills |*st| with the pool's counters. The pinning fields
 * cost one pass over the held buffers. Call it on the owning thread. */
RV_EXPORT void rv_pool_stats(const rv_pool *pool, struct rv_pool_stats *st);

/* rv_pool_buf_size returns the bytes per buffer. */
RV_EXPORT uint32_t rv_pool_buf_size(const rv_pool *pool);

/*
 * rv_pool_leak_report writes one line per held buffer or small chunk to
 * |f|: its id, state, reference count, bytes covered, and - when
 * reference sites are tracked - the file:line that took each reference.
 * Returns the number of held buffers and chunks.
 */
RV_EXPORT int rv_pool_leak_report(const rv_pool *pool, FILE *f);

/* rv_pool_stats_print writes the stats as one human-readable line. */
RV_EXPORT void rv_pool_stats_print(const rv_pool *pool, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_POOL_H */
