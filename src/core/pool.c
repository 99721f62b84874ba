/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * pool.c - the arena of receive buffers: creation, the free list, the one
 * place where buffers are recycled, stats and the leak report. What other
 * threads release into an RV_POOL_ATOMIC pool is in remote.c; what the
 * loop's backends do with the pool is in pool_lend.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/pool_internal.h"

#define HUGE_PAGE_SIZE (2u << 20)

static bool tracking_wanted(uint32_t flags)
{
	const char *env = getenv("RINGVIEW_DEBUG_REFS");

	if (flags & RV_POOL_TRACK_REFS)
		return true;
	if (flags & RV_POOL_NO_TRACK_REFS)
		return false;
	if (env && *env)
		return strcmp(env, "0") != 0;
#ifdef RV_TRACK_REFS_DEFAULT
	return true;
#else
	return false;
#endif
}

/* Fault |len| bytes at |mem| in, writable. */
static void populate_pages(uint8_t *mem, size_t len, size_t page)
{
#ifdef MADV_POPULATE_WRITE
	if (madvise(mem, len, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	for (size_t off = 0; off < len; off += page) /* before Linux 5.14 */
		mem[off] = 0;
}

/* Map the arena: huge pages when asked and available, else normal pages
 * with transparent huge pages advised; faulted in with RV_POOL_POPULATE. */
static int map_arena(struct rv_pool *p, size_t len, uint32_t flags)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	bool want_huge = flags & RV_POOL_HUGEPAGES;
	int populate = (flags & RV_POOL_POPULATE) ? MAP_POPULATE : 0;
	void *mem = MAP_FAILED;

	if (want_huge) {
		size_t hlen = (len + HUGE_PAGE_SIZE - 1) &
			      ~(size_t)(HUGE_PAGE_SIZE - 1);
		mem = mmap(NULL, hlen, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | populate,
			   -1, 0);
		if (mem != MAP_FAILED) {
			p->arena_len = hlen;
			p->hugepages = true;
		} else {
			rv__log(RV_LOG_INFO,
				"no huge pages for a %zu-byte pool (%s); using "
				"normal pages - reserve some with "
				"vm.nr_hugepages",
				hlen, strerror(errno));
		}
	}
	if (mem == MAP_FAILED) {
		len = (len + page - 1) & ~(page - 1);
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return -ENOMEM;
		p->arena_len = len;
		if (want_huge)
			madvise(mem, len, MADV_HUGEPAGE);
		/* After the advice, so that the faults can take huge pages. */
		if (populate)
			populate_pages(mem, len, page);
	}
	p->arena = mem;
	return 0;
}

/* Free |p| and whatever of its parts exist (creation may have failed
 * half-way). */
static void free_pool(struct rv_pool *p)
{
	if (p->arena)
		munmap(p->arena, p->arena_len);
	free(p->bufs);
	free(p->free_ids);
	free(p->track);
	free(p->remote_next);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int rv_pool_create(const struct rv_pool_config *cfg, rv_pool **out)
{
	struct rv_pool_config c = cfg ? *cfg : (struct rv_pool_config){0};
	struct rv_pool *p;
	int err;

	if (!RV__RESERVED_OK(&c, "rv_pool_config"))
		return -EINVAL;
	if (c.count == 0)
		c.count = 256;
	if (c.size == 0)
		c.size = 16384;
	if (c.pin_ratio == 0)
		c.pin_ratio = 8;
	if (c.count > RV_POOL_MAX_COUNT || c.size > RV_POOL_MAX_SIZE)
		return -EINVAL;
	c.size = (c.size + 63u) & ~63u;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->count = c.count;
	p->size = c.size;
	p->pin_ratio = c.pin_ratio;
	p->tracking = tracking_wanted(c.flags);
	p->atomic = (c.flags & RV_POOL_ATOMIC) != 0;
	p->owner = rv__thread_self();
	pthread_mutex_init(&p->lock, NULL);

	err = map_arena(p, (size_t)c.count * c.size, c.flags);
	if (err)
		goto fail;
	err = -ENOMEM;
	p->bufs = calloc(c.count, sizeof(*p->bufs));
	p->free_ids = malloc(c.count * sizeof(*p->free_ids));
	if (!p->bufs || !p->free_ids)
		goto fail;
	if (p->tracking) {
		p->track = calloc(c.count, sizeof(*p->track));
		if (!p->track)
			goto fail;
	}
	if (p->atomic) {
		p->remote_next = calloc(c.count, sizeof(*p->remote_next));
		if (!p->remote_next)
			goto fail;
	}
	for (uint32_t i = 0; i < c.count; i++) {
		struct rv_buf *b = &p->bufs[i];
		b->_base = p->arena + (size_t)i * c.size;
		b->_pool = p;
		b->_gen = 1;
		b->_cap = c.size;
		b->_id = i;
		b->_kind = RV__BUF_POOL;
		b->_flags = (uint16_t)((p->tracking ? RV__BUF_TRACKED : 0) |
				       (p->atomic ? RV__BUF_ATOMIC : 0));
		/* Stack order: id 0 is on top, so ids are handed out in order.
		 */
		p->free_ids[i] = c.count - 1 - i;
	}
	p->nfree = c.count;
	*out = p;
	return 0;
fail:
	free_pool(p);
	return err;
}

/* Log each line of the leak report as its own message. */
static void log_leak_report(const rv_pool *p)
{
	char *text = NULL, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		rv__log(RV_LOG_ERROR, "pool has buffers still held");
		return;
	}
	rv_pool_leak_report(p, f);
	fclose(f);
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		rv__log(RV_LOG_ERROR, "%s", line);
	free(text);
}

int rv_pool_destroy(rv_pool *p)
{
	if (!p)
		return 0;
	rv__pool_drain_for_destroy(p); /* checks the thread */
	if (p->in_use || p->small.held) {
		rv__log(RV_LOG_ERROR,
			"rv_pool_destroy: %u buffer(s) and %u small chunk(s) "
			"are still held by views; release them first",
			p->in_use, p->small.held);
		log_leak_report(p);
		return -EBUSY;
	}
	if (p->track)
		for (uint32_t i = 0; i < p->count; i++)
			rv__track_free(&p->track[i]);
	/* The last pusher may still be in the hook, under the lock. */
	rv__pool_remote_quiesce(p);
	rv__small_destroy(&p->small);
	free_pool(p);
	return 0;
}

int rv__pool_get(rv_pool *p, rv_view *out, const char *site)
{
	struct rv_buf *b;

	if (p->atomic)
		rv__pool_check_owner(p, UINT32_MAX, "rv_pool_get");
	if (RV_UNLIKELY(p->nfree == 0)) {
		p->enobufs++;
		return -ENOBUFS;
	}
	b = &p->bufs[p->free_ids[--p->nfree]];
	if (++p->in_use > p->high_water)
		p->high_water = p->in_use;
	rv__buf_view(b, 0, b->_cap, site, out);
	return 0;
}

void rv__pool_recycle(struct rv_pool *p, struct rv_buf *b)
{
	/* The last release of a plain pool's view on another thread. */
	rv__pool_check_owner(p, b->_id, "release of the last view");
	/* A new generation makes every stale copy of an old view detectable. */
	b->_gen++;
	b->_live = 0;
	p->in_use--;
	p->recycles++;
	if (p->recycle_hook) {
		p->recycle_hook(p->recycle_ctx, p, b->_id);
		return;
	}
	p->free_ids[p->nfree++] = b->_id;
}

void rv__pool_count_copy(struct rv_pool *p, size_t n, bool pullup)
{
	if (!p)
		return;
	if (p->atomic) { /* pullup of shared views runs on any thread */
		__atomic_fetch_add(&p->bytes_copied, n, __ATOMIC_RELAXED);
		if (pullup)
			__atomic_fetch_add(&p->pullup_copies, 1,
					   __ATOMIC_RELAXED);
		return;
	}
	p->bytes_copied += n;
	if (pullup)
		p->pullup_copies++;
}

uint32_t rv_pool_buf_size(const rv_pool *p)
{
	return p->size;
}

/* Counts other threads may change at the same time (atomic pools). */
static uint32_t buf_refs(const struct rv_buf *b)
{
	return __atomic_load_n(&b->_refs, __ATOMIC_RELAXED);
}

static uint64_t buf_live(const struct rv_buf *b)
{
	return __atomic_load_n(&b->_live, __ATOMIC_RELAXED);
}

void rv_pool_stats(const rv_pool *p, struct rv_pool_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->total = p->count;
	st->free = p->count - p->in_use;
	st->available = p->nfree;
	st->in_ring = st->free - p->nfree;
	st->reserve = p->reserve;
	st->held = p->in_use - p->sending;
	st->sending = p->sending;
	st->high_water = p->high_water;
	st->buf_size = p->size;
	st->enobufs = p->enobufs;
	st->recycles = p->recycles;
	st->bytes_received = p->bytes_received;
	st->bytes_copied = __atomic_load_n(&p->bytes_copied, __ATOMIC_RELAXED);
	st->pullup_copies =
		__atomic_load_n(&p->pullup_copies, __ATOMIC_RELAXED);
	st->compactions = p->compactions;
	st->small_held = p->small.held;
	st->small_bytes = p->small.bytes;
	st->small_trimmed = p->trimmed_bytes;
	st->hugepages = p->hugepages;
	st->tracking = p->tracking;
	st->atomic = p->atomic;
	st->remote_recycles = p->remote_recycles;
	for (uint32_t i = 0; i < p->count; i++) {
		const struct rv_buf *b = &p->bufs[i];
		uint64_t live = buf_live(b);
		if (buf_refs(b) && live * p->pin_ratio <= p->size) {
			st->pinned++;
			st->pinned_bytes += live;
		}
	}
}

void rv_pool_stats_print(const rv_pool *p, FILE *f)
{
	struct rv_pool_stats s;

	rv_pool_stats(p, &s);
	fprintf(f,
		"buffers %u total, %u free (%u in the kernel's ring), %u "
		"held, %u sending, high-water %u; enobufs %llu, recycles "
		"%llu, received %llu B, copied %llu B; pinned %u (%llu B), "
		"compactions %llu\n",
		s.total, s.free, s.in_ring, s.held, s.sending, s.high_water,
		(unsigned long long)s.enobufs, (unsigned long long)s.recycles,
		(unsigned long long)s.bytes_received,
		(unsigned long long)s.bytes_copied, s.pinned,
		(unsigned long long)s.pinned_bytes,
		(unsigned long long)s.compactions);
}

static void report_sites(const rv_pool *p, uint32_t id, FILE *f)
{
	const struct rv__track_buf *t;

	if (!p->track)
		return;
	t = &p->track[id];
	if (p->atomic)
		pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&p->lock);
	fputs("; taken at", f);
	for (uint32_t i = 0; i < t->len; i++) {
		const char *stage = rv__track_site_stage(t->ents[i].site);
		fprintf(f, "%s %s%s%s (x%u)", i ? "," : "",
			rv__track_site_name(t->ents[i].site),
			stage ? " in stage " : "", stage ? stage : "",
			t->ents[i].count);
	}
	if (p->atomic)
		pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&p->lock);
}

static void report_chunk(void *ctx, const struct rv_buf *b)
{
	FILE *f = ctx;

	fprintf(f,
		"small chunk %u (%u-byte class) held: %u reference(s), %llu "
		"byte(s) in views\n",
		b->_id, b->_cap, buf_refs(b), (unsigned long long)buf_live(b));
}

int rv_pool_leak_report(const rv_pool *p, FILE *f)
{
	int n = 0;

	for (uint32_t i = 0; i < p->count; i++) {
		const struct rv_buf *b = &p->bufs[i];
		uint32_t refs = buf_refs(b);
		if (!refs)
			continue;
		n++;
		fprintf(f,
			"buffer %u held: %u reference(s), %u by sends, %llu "
			"byte(s) in views, generation %u",
			b->_id, refs, b->_sending,
			(unsigned long long)buf_live(b), b->_gen);
		report_sites(p, i, f);
		fputc('\n', f);
	}
	rv__small_each_held(&p->small, report_chunk, f);
	return n + (int)p->small.held;
}
