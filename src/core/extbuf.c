/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * extbuf.c - buffers the pool does not own: wrapped foreign memory and
 * copies made by pullup and cursor keep.
 *
 * Their headers are never given back to malloc. A recycled header goes to
 * a per-thread free list (handed to other threads when its thread exits)
 * with its generation bumped, so a stale copy of a
 * view of wrapped or copied memory still meets a header whose generation
 * no longer matches, and aborts - the same guarantee as pool buffers -
 * instead of reading freed memory. The bytes themselves (a copy's data,
 * or the wrapped memory via its free callback) are released at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool_internal.h"

#define HEADERS_PER_SLAB 64

struct ext_hdr {
	struct rv_buf buf; /* first, so a struct rv_buf * converts back */
	rv_free_fn free_fn;
	void *ctx;
	void *ptr;
	size_t len;
	struct ext_hdr *next_free;
};

/* initial-exec: a shared library's TLS otherwise costs a call per access */
static __thread struct ext_hdr *free_headers
	__attribute__((tls_model("initial-exec")));
static __thread uint32_t next_id __attribute__((tls_model("initial-exec")));
/* For the loop's trimming: whether freed copies may be worth giving back. */
static __thread size_t heap_freed __attribute__((tls_model("initial-exec")));

/*
 * Headers of threads that exited wait here for other threads: never
 * freed (a stale view may still point at one), never leaked either.
 */
static struct ext_hdr *orphans;
static pthread_mutex_t orphans_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/* At thread exit, hand the thread's free headers to the orphan list. */
static void on_thread_exit(void *unused)
{
	struct ext_hdr *h = free_headers, *last = h;

	(void)unused;
	if (!h)
		return;
	while (last->next_free)
		last = last->next_free;
	pthread_mutex_lock(&orphans_lock);
	last->next_free = orphans;
	orphans = h;
	pthread_mutex_unlock(&orphans_lock);
	free_headers = NULL;
}

static void make_exit_key(void)
{
	pthread_key_create(&exit_key, on_thread_exit);
}

/* Refill this thread's list: orphans first, else a new slab. */
static int refill(void)
{
	struct ext_hdr *slab;

	pthread_once(&exit_key_once, make_exit_key);
	pthread_setspecific(exit_key, &exit_key); /* any non-NULL value */
	pthread_mutex_lock(&orphans_lock);
	free_headers = orphans;
	orphans = NULL;
	pthread_mutex_unlock(&orphans_lock);
	if (free_headers)
		return 0;
	slab = calloc(HEADERS_PER_SLAB, sizeof(*slab));
	if (!slab)
		return -ENOMEM;
	for (int i = HEADERS_PER_SLAB - 1; i >= 0; i--) {
		slab[i].buf._gen = 1;
		slab[i].buf._id = next_id + (uint32_t)i;
		slab[i].next_free = free_headers;
		free_headers = &slab[i];
	}
	next_id += HEADERS_PER_SLAB;
	return 0;
}

static struct ext_hdr *header_get(void)
{
	struct ext_hdr *h;

	if (!free_headers && refill() != 0)
		return NULL;
	h = free_headers;
	free_headers = h->next_free;
	h->next_free = NULL;
	return h;
}

/* Fill |h| as a buffer of |kind| over |len| bytes at |ptr| and make the
 * first view of it. */
static void start(struct ext_hdr *h, uint16_t kind, void *ptr, size_t len,
		  rv_view *out, const char *site)
{
	h->buf._base = ptr;
	h->buf._pool = NULL;
	h->buf._cap = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	h->buf._kind = kind;
	h->buf._flags = 0;
	h->ptr = ptr;
	h->len = len;
	rv__buf_view(&h->buf, 0, len, site, out);
}

int rv__view_wrap(void *ptr, size_t len, rv_free_fn free_fn, void *ctx,
		  unsigned flags, rv_view *out, const char *site)
{
	struct ext_hdr *h;

	if (!ptr && len)
		return -EINVAL;
	h = header_get();
	if (!h)
		return -ENOMEM;
	h->free_fn = free_fn;
	h->ctx = ctx;
	start(h, RV__BUF_WRAP, ptr, len, out, site);
	out->_flags = (uint16_t)(flags & RV_VIEW_READONLY);
	return 0;
}

int rv__heap_view(size_t n, rv_view *out, const char *site)
{
	struct ext_hdr *h;
	void *data;

	if (n > UINT32_MAX)
		return -EMSGSIZE;
	data = malloc(n ? n : 1);
	if (!data)
		return -ENOMEM;
	h = header_get();
	if (!h) {
		free(data);
		return -ENOMEM;
	}
	h->free_fn = NULL;
	h->ctx = NULL;
	start(h, RV__BUF_HEAP, data, n, out, site);
	return 0;
}

size_t rv__heap_freed_take(void)
{
	size_t n = heap_freed;

	heap_freed = 0;
	return n;
}

void rv__ext_recycle(struct rv_buf *b)
{
	struct ext_hdr *h = (struct ext_hdr *)(void *)b;

	if (b->_kind == RV__BUF_WRAP) {
		if (h->free_fn)
			h->free_fn(h->ctx, h->ptr, h->len);
	} else {
		free(h->ptr);
		heap_freed += h->len;
	}
	b->_gen++;
	b->_live = 0;
	b->_base = NULL;
	h->free_fn = NULL;
	h->ctx = h->ptr = NULL;
	h->next_free = free_headers;
	free_headers = h;
}
