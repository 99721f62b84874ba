/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * remote.c - buffers shared between threads (RV_POOL_ATOMIC).
 *
 * A buffer of an atomic pool carries RV__BUF_ATOMIC, which sends every
 * reference change of its views down the out-of-line path here: atomic
 * increments and decrements of the count, relaxed atomics for the bytes
 * covered (pinning stats), and the site lists under the pool's lock when
 * tracked. Tracked buffers of plain pools come through here too, where
 * the owning thread is checked (in track.c) before their lists change.
 *
 * Recycling stays on the owning thread (buffer rings are not
 * thread-safe): when the last reference goes away elsewhere, the buffer
 * is pushed on the pool's remote list, a lock-free stack that the owner
 * takes whole (so there is no ABA), and the remote hook is called when the
 * push found the list empty - once per batch - so the owner can be woken.
 */
#include <sched.h>

#include "core/pool_internal.h"

__thread char rv__thread_tag __attribute__((tls_model("initial-exec")));

/* Links of the remote list: a side array for pool buffers (their pages
 * stay untouched), the first bytes of the (free) chunk for small ones. */
static void set_next(struct rv_pool *p, struct rv_buf *b, struct rv_buf *next)
{
	if (b->_kind == RV__BUF_POOL)
		p->remote_next[b->_id] = next;
	else
		*(struct rv_buf **)(void *)b->_base = next;
}

static struct rv_buf *get_next(const struct rv_pool *p, const struct rv_buf *b)
{
	if (b->_kind == RV__BUF_POOL)
		return p->remote_next[b->_id];
	return *(struct rv_buf **)(void *)b->_base;
}

uint16_t rv__buf_ref_slow(struct rv_buf *b, size_t len, const char *site)
{
	if (!(b->_flags & RV__BUF_ATOMIC)) {
		/* Tracked, single-threaded (rv__track_add checks the thread).
		 */
		uint16_t idx = rv__track_add(b, site);
		if (RV_UNLIKELY(b->_refs == UINT32_MAX))
			rv__panic_underflow(
				b, "reference count overflow in retain");
		b->_refs++;
		b->_live += len;
		return idx;
	}
	if (RV_UNLIKELY(__atomic_fetch_add(&b->_refs, 1, __ATOMIC_RELAXED) ==
			UINT32_MAX))
		rv__panic_underflow(b, "reference count overflow in retain");
	__atomic_fetch_add(&b->_live, (uint64_t)len, __ATOMIC_RELAXED);
	if (b->_flags & RV__BUF_TRACKED)
		return rv__track_add(b, site);
	return 0;
}

void rv__buf_unref_slow(struct rv_buf *b, size_t len, uint16_t site)
{
	uint32_t old;

	if (!(b->_flags & RV__BUF_ATOMIC)) {
		if (RV_UNLIKELY(b->_refs == 0))
			rv__panic_underflow(b, "rv_view_release");
		rv__track_drop(b, site); /* checks the thread */
		b->_live -= len;
		if (--b->_refs == 0)
			rv__buf_recycle(b);
		return;
	}
	/* Everything this thread did with the buffer happens before the
	 * decrement (release); the thread that sees zero acquires it. */
	if (b->_flags & RV__BUF_TRACKED)
		rv__track_drop(b, site);
	__atomic_fetch_sub(&b->_live, (uint64_t)len, __ATOMIC_RELAXED);
	old = __atomic_fetch_sub(&b->_refs, 1, __ATOMIC_ACQ_REL);
	if (RV_UNLIKELY(old == 0))
		rv__panic_underflow(b, "rv_view_release");
	if (old == 1)
		rv__buf_last_ref(b);
}

void rv__buf_refs_add(struct rv_buf *b, uint32_t n, uint64_t live)
{
	if (b->_flags & RV__BUF_ATOMIC) {
		if (RV_UNLIKELY(__atomic_add_fetch(&b->_refs, n,
						   __ATOMIC_RELAXED) < n))
			rv__panic_underflow(b, "reference count overflow");
		__atomic_fetch_add(&b->_live, live, __ATOMIC_RELAXED);
		return;
	}
	if (RV_UNLIKELY(b->_refs > UINT32_MAX - n))
		rv__panic_underflow(b, "reference count overflow");
	b->_refs += n;
	b->_live += live;
}

void rv__buf_refs_drop(struct rv_buf *b, uint32_t n, uint64_t live)
{
	if (b->_flags & RV__BUF_ATOMIC) {
		__atomic_fetch_sub(&b->_live, live, __ATOMIC_RELAXED);
		if (RV_UNLIKELY(__atomic_fetch_sub(&b->_refs, n,
						   __ATOMIC_RELEASE) <= n))
			rv__panic_underflow(b, "reference count drop");
		return;
	}
	if (RV_UNLIKELY(b->_refs <= n))
		rv__panic_underflow(b, "reference count drop");
	b->_refs -= n;
	b->_live -= live;
}

/* Queue |b| for the owner; wake it when the list was empty. */
static void remote_push(struct rv_pool *p, struct rv_buf *b)
{
	struct rv_buf *head;

	/* Counted before the push is visible, so rv_pool_destroy, which
	 * sees every push before it may free the pool, also sees this. */
	__atomic_fetch_add(&p->remote_busy, 1, __ATOMIC_RELAXED);
	head = __atomic_load_n(&p->remote, __ATOMIC_RELAXED);
	do
		set_next(p, b, head);
	while (!__atomic_compare_exchange_n(&p->remote, &head, b, true,
					    __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	if (!head) {
		pthread_mutex_lock(&p->lock);
		if (p->remote_hook)
			p->remote_hook(p->remote_ctx);
		pthread_mutex_unlock(&p->lock);
	}
	__atomic_fetch_sub(&p->remote_busy, 1, __ATOMIC_RELEASE);
}

void rv__buf_last_ref(struct rv_buf *b)
{
	struct rv_pool *p = b->_pool;

	if (rv__pool_is_owner(p))
		rv__buf_recycle(b);
	else
		remote_push(p, b);
}

/* Recycle what other threads queued; |what| names the caller for the
 * message when it runs on the wrong thread. */
static uint32_t drain(rv_pool *p, const char *what)
{
	struct rv_buf *b;
	uint32_t n = 0;

	if (!p->atomic)
		return 0;
	rv__pool_check_owner(p, UINT32_MAX, what);
	if (!__atomic_load_n(&p->remote, __ATOMIC_RELAXED))
		return 0;
	b = __atomic_exchange_n(&p->remote, NULL, __ATOMIC_ACQUIRE);
	while (b) {
		struct rv_buf *next = get_next(p, b);
		rv__buf_recycle(b); /* overwrites a chunk's link */
		b = next;
		n++;
	}
	p->remote_recycles += n;
	return n;
}

uint32_t rv__pool_drain_remote(rv_pool *p)
{
	return drain(p, "collecting released buffers");
}

uint32_t rv_pool_collect(rv_pool *p)
{
	return drain(p, "rv_pool_collect");
}

uint32_t rv__pool_drain_for_destroy(rv_pool *p)
{
	return drain(p, "rv_pool_destroy");
}

void rv__pool_set_remote_hook(rv_pool *p, rv__remote_hook fn, void *ctx)
{
	pthread_mutex_lock(&p->lock);
	p->remote_hook = fn;
	p->remote_ctx = ctx;
	pthread_mutex_unlock(&p->lock);
}

void rv__pool_set_owner(rv_pool *p)
{
	__atomic_store_n(&p->owner, rv__thread_self(), __ATOMIC_RELAXED);
}

void rv__pool_remote_quiesce(rv_pool *p)
{
	while (__atomic_load_n(&p->remote_busy, __ATOMIC_ACQUIRE))
		sched_yield();
}

void rv__pool_panic_foreign(const struct rv_pool *p, uint32_t id,
			    const char *what)
{
	char buf[32] = "";

	if (id != UINT32_MAX)
		snprintf(buf, sizeof(buf), " (buffer %u)", id);
	if (p->atomic)
		rv__panic("%s%s on a thread that does not own the pool: only "
			  "the owning thread may take, compact into or recycle "
			  "its buffers and collect; views may be released "
			  "anywhere",
			  what, buf);
	rv__panic("%s%s on a thread that does not own the pool: its "
		  "reference counts are not atomic, so its views must stay on "
		  "the thread that created it. To hand views to other threads, "
		  "create the pool with RV_POOL_ATOMIC",
		  what, buf);
}
