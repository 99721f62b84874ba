/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pool_lend.h - what the loop's backends may do with a pool: take free
 * buffer ids to receive into (or lend them to the kernel's buffer ring),
 * give them back, make views of the bytes received, be told of each
 * recycled id, count what they did, and mark buffers that sends hold.
 * Also how a loop takes its pool over on the thread that runs it and is
 * woken for releases made on other threads.
 *
 * Part of the buffer layer (src/core/pool_lend.c, remote.c); the loop
 * layer includes it, never the pool's struct.
 */
#ifndef RINGVIEW_POOL_LEND_H
#define RINGVIEW_POOL_LEND_H

#include <stdbool.h>
#include <stdint.h>

#include "ringview/pool.h"
#include "ringview/view.h"

/* ---- buffer ids ------------------------------------------------------ */

/*
 * rv__pool_take_id takes a free buffer id for a receive: 0, or -ENOBUFS
 * when only the application's reserve is left (rv__pool_set_reserve).
 * rv__pool_put_id gives back an id that was taken and never viewed.
 */
int rv__pool_take_id(rv_pool *pool, uint32_t *id);
void rv__pool_put_id(rv_pool *pool, uint32_t id);

/* Buffers no view holds (in the free list, the ring or a read). */
uint32_t rv__pool_unused(const rv_pool *pool);

/* Free ids a receive may take (those beyond the reserve). */
uint32_t rv__pool_free_ids(const rv_pool *pool);

/*
 * rv__pool_set_reserve keeps |n| free buffers out of the receive path for
 * rv_pool_get: receives - and the kernel's ring - never take the last
 * |n|. rv__pool_reserve_short: the free list holds fewer than that, so a
 * recycled id should go there rather than to the ring.
 */
void rv__pool_set_reserve(rv_pool *pool, uint32_t n);
bool rv__pool_reserve_short(const rv_pool *pool);

/*
 * rv__pool_view makes a view of |len| bytes at |off| in buffer |id|, just
 * received into (one reference; the buffer becomes held).
 */
void rv__pool_view(rv_pool *pool, uint32_t id, uint32_t off, uint32_t len,
		   rv_view *out);

/* The arena's first byte and length (registering it, reading into it). */
uint8_t *rv__pool_arena(const rv_pool *pool, size_t *len);

/*
 * A backend may take over recycled ids: the hook receives each id whose
 * buffer's last reference was released, instead of the free list (the
 * io_uring backend puts it back in its buffer ring). fn NULL: the free
 * list again.
 */
typedef void (*rv__recycle_hook)(void *ctx, struct rv_pool *pool, uint32_t id);
void rv__pool_set_recycle_hook(rv_pool *pool, rv__recycle_hook fn, void *ctx);

/* ---- memory that returns --------------------------------------------- */

/* True once |frees| small chunks were released since the last trim. */
bool rv__pool_trim_due(const rv_pool *pool, uint32_t frees);
/* Give the pages of wholly free small-arena slabs back to the kernel;
 * returns the bytes. */
uint64_t rv__pool_trim(rv_pool *pool);

/* ---- counting -------------------------------------------------------- */

void rv__pool_count_received(rv_pool *pool, size_t n);
void rv__pool_count_enobufs(rv_pool *pool);

/* A send in flight holds a reference on |b|: "sending" until it ends. */
void rv__buf_send_begin(struct rv_buf *b);
void rv__buf_send_end(struct rv_buf *b);

/* ---- threads (remote.c) ---------------------------------------------- */

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

#endif /* RINGVIEW_POOL_LEND_H */
