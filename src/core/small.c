/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * small.c - the small-object arena that rv_view_compact copies into.
 *
 * A view of a few bytes kept for long (a session key, a cached header)
 * would otherwise pin a whole receive buffer. Compacting moves those bytes
 * into a chunk of a size class (64 .. 2048 bytes) carved from slabs; the
 * chunk is a buffer like any other, with its own header, reference count
 * and generation, and goes back to its class's free stack at its last
 * release. Slabs live until the pool is destroyed, so a stale view of a
 * recycled chunk is still caught by its generation; but the pages of a
 * slab whose chunks are all free go back to the kernel
 * (rv__small_trim: MADV_DONTNEED), so memory taken during a burst - an
 * attack of pipelined requests, say - is returned after it. The free
 * stacks are linked through the chunks' headers, never their pages. The arena
 * is the owning thread's: chunks of an RV_POOL_ATOMIC pool are atomic like its
 * buffers, and those released elsewhere come back through the remote list.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/pool_internal.h"

#define MIN_CLASS_SHIFT	    6 /* 64 bytes */
#define SLAB_DATA_BYTES	    16384u
#define MIN_CHUNKS_PER_SLAB 8u

struct rv__small_slab {
	struct rv__small_slab *next;
	uint32_t nchunks;
	uint32_t chunk_size;
	uint8_t *data;
	struct rv_buf hdr[]; /* one header per chunk */
};

static unsigned class_of(size_t len)
{
	unsigned cls = 0;

	while (((size_t)1 << (cls + MIN_CLASS_SHIFT)) < len)
		cls++;
	return cls;
}

/* A free chunk's |_live| (0 while it is free) links it to the next one,
 * so that the free stack survives its pages being given back. */
static void push_free(struct rv__small *sm, unsigned cls, struct rv_buf *b)
{
	b->_live = (uint64_t)(uintptr_t)sm->free[cls];
	sm->free[cls] = b;
}

static struct rv_buf *pop_free(struct rv__small *sm, unsigned cls)
{
	struct rv_buf *b = sm->free[cls];

	sm->free[cls] = (struct rv_buf *)(uintptr_t)b->_live;
	b->_live = 0;
	return b;
}

/* Carve a new slab for |cls| and push its chunks on the free stack. */
static int grow(struct rv_pool *pool, unsigned cls)
{
	struct rv__small *sm = &pool->small;
	uint32_t size = 1u << (cls + MIN_CLASS_SHIFT);
	uint32_t n = SLAB_DATA_BYTES / size;
	struct rv__small_slab *s;

	if (n < MIN_CHUNKS_PER_SLAB)
		n = MIN_CHUNKS_PER_SLAB;
	s = malloc(sizeof(*s) + n * sizeof(struct rv_buf));
	if (!s)
		return -ENOMEM;
	/* Pages of their own, so that they can be given back. */
	s->data = mmap(NULL, (size_t)n * size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->data == MAP_FAILED) {
		free(s);
		return -ENOMEM;
	}
	s->nchunks = n;
	s->chunk_size = size;
	s->next = sm->slabs;
	sm->slabs = s;
	sm->bytes += (uint64_t)n * size;
	for (uint32_t i = n; i-- > 0;) {
		struct rv_buf *b = &s->hdr[i];
		*b = (struct rv_buf){
			._base = s->data + (size_t)i * size,
			._pool = pool,
			._gen = 1,
			._cap = size,
			._id = sm->next_id + i,
			._kind = RV__BUF_SMALL,
			._flags = pool->atomic ? RV__BUF_ATOMIC : 0,
		};
		push_free(sm, cls, b);
	}
	sm->next_id += n;
	return 0;
}

struct rv_buf *rv__small_alloc(struct rv_pool *pool, size_t len)
{
	struct rv__small *sm = &pool->small;
	unsigned cls = class_of(len ? len : 1);
	struct rv_buf *b;

	if (cls >= RV__SMALL_CLASSES)
		return NULL;
	rv__pool_check_owner(pool, UINT32_MAX,
			     "rv_view_compact or rv_pool_get_small");
	if (!sm->free[cls] && grow(pool, cls) != 0)
		return NULL;
	b = pop_free(sm, cls);
	sm->held++;
	return b;
}

void rv__small_recycle(struct rv_pool *pool, struct rv_buf *b)
{
	struct rv__small *sm = &pool->small;
	unsigned cls = class_of(b->_cap);

	rv__pool_check_owner(pool, b->_id,
			     "release of the last view of a small chunk");
	b->_gen++;
	push_free(sm, cls, b);
	sm->held--;
	sm->freed_since_trim++;
}

uint64_t rv__small_trim(struct rv__small *sm)
{
	uint64_t released = 0;

	for (struct rv__small_slab *s = sm->slabs; s; s = s->next) {
		uint32_t i = 0;
		while (i < s->nchunks &&
		       !__atomic_load_n(&s->hdr[i]._refs, __ATOMIC_RELAXED))
			i++;
		if (i < s->nchunks)
			continue; /* a chunk is in use */
		madvise(s->data, (size_t)s->nchunks * s->chunk_size,
			MADV_DONTNEED);
		released += (uint64_t)s->nchunks * s->chunk_size;
	}
	sm->freed_since_trim = 0;
	return released;
}

void rv__small_destroy(struct rv__small *sm)
{
	struct rv__small_slab *s = sm->slabs;

	while (s) {
		struct rv__small_slab *next = s->next;
		munmap(s->data, (size_t)s->nchunks * s->chunk_size);
		free(s);
		s = next;
	}
	*sm = (struct rv__small){0};
}

void rv__small_each_held(const struct rv__small *sm,
			 void (*fn)(void *ctx, const struct rv_buf *b),
			 void *ctx)
{
	for (const struct rv__small_slab *s = sm->slabs; s; s = s->next)
		for (uint32_t i = 0; i < s->nchunks; i++)
			if (__atomic_load_n(&s->hdr[i]._refs, __ATOMIC_RELAXED))
				fn(ctx, &s->hdr[i]);
}
