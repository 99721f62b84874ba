/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * track.c - which source line, and which pipeline stage, took each
 * reference (a debug aid).
 *
 * A site is a pair: the "file.c:123" string of the line that took the
 * reference, and the name of the pipeline stage that was running then or
 * that the view was last handed to (rv_view_tag), or NULL. Pairs are
 * interned into a process-wide table so a view can name its site in 16
 * bits. Each tracked buffer keeps a short list of (site, count) pairs: +1
 * when a view takes a reference there, -1 when that view is released. A
 * leak report prints what is left.
 *
 * The lists of an RV_POOL_ATOMIC pool's buffers change on any thread,
 * under the pool's lock. Those of a plain pool change only on its owning
 * thread, and this is where debug builds (which track by default) catch a
 * view of a plain pool retained, sliced or released on another thread.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/pool_internal.h"

#define SITE_SLOTS 65536u /* power of two; index 0 means "unknown" */

struct site {
	const char *where; /* a string literal: its address identifies it */
	const char *stage; /* or NULL */
};

static struct site sites[SITE_SLOTS];
static uint32_t site_count = 1;
static uint16_t slot_to_index[SITE_SLOTS];
static struct site slot_key[SITE_SLOTS];
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;

/* The stage running on this thread (set by the pipeline). */
static __thread const char *current_stage
	__attribute__((tls_model("initial-exec")));

const char *rv__track_set_stage(const char *stage)
{
	const char *old = current_stage;

	current_stage = stage;
	return old;
}

/* Intern the pair (|where|, |stage|). */
static uint16_t intern(const char *where, const char *stage)
{
	uintptr_t h = (uintptr_t)where ^ ((uintptr_t)stage << 7);
	uint16_t idx = 0;

	if (!where && !stage)
		return 0;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	h >>= 32;
	pthread_mutex_lock(&site_lock);
	for (uint32_t i = 0; i < SITE_SLOTS; i++) {
		uint32_t slot = (uint32_t)(h + i) & (SITE_SLOTS - 1);
		struct site *k = &slot_key[slot];
		if (k->where == where && k->stage == stage &&
		    slot_to_index[slot]) {
			idx = slot_to_index[slot];
			break;
		}
		if (!slot_to_index[slot]) {
			if (site_count >= SITE_SLOTS - 1)
				break; /* table full: report as unknown */
			idx = (uint16_t)site_count++;
			*k = (struct site){where, stage};
			slot_to_index[slot] = idx;
			sites[idx] = *k;
			break;
		}
	}
	pthread_mutex_unlock(&site_lock);
	return idx;
}

const char *rv__track_site_name(uint16_t site)
{
	return site && sites[site].where ? sites[site].where : "(unknown site)";
}

const char *rv__track_site_stage(uint16_t site)
{
	return sites[site].stage;
}

static struct rv__track_buf *track_of(struct rv_buf *b)
{
	if (b->_kind != RV__BUF_POOL || !b->_pool->track)
		return NULL;
	return &b->_pool->track[b->_id];
}

static uint16_t add_entry(struct rv__track_buf *t, uint16_t idx);
static void drop_entry(struct rv_buf *b, struct rv__track_buf *t,
		       uint16_t site);

/* Take the list's lock (atomic pools) or check the thread (plain ones). */
static void list_enter(struct rv_buf *b, const char *what)
{
	if (b->_flags & RV__BUF_ATOMIC)
		pthread_mutex_lock(&b->_pool->lock);
	else
		rv__pool_check_owner(b->_pool, b->_id, what);
}

static void list_leave(struct rv_buf *b)
{
	if (b->_flags & RV__BUF_ATOMIC)
		pthread_mutex_unlock(&b->_pool->lock);
}

uint16_t rv__track_add(struct rv_buf *b, const char *site)
{
	struct rv__track_buf *t = track_of(b);
	uint16_t idx = intern(site, current_stage);

	if (!t)
		return idx;
	list_enter(b, "a view (retain, slice or get) was taken");
	idx = add_entry(t, idx);
	list_leave(b);
	return idx;
}

/* Count one more reference at |idx| in |t|. */
static uint16_t add_entry(struct rv__track_buf *t, uint16_t idx)
{
	for (uint32_t i = 0; i < t->len; i++) {
		if (t->ents[i].site == idx) {
			t->ents[i].count++;
			return idx;
		}
	}
	if (t->len == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 4;
		struct rv__track_ent *e = realloc(t->ents, cap * sizeof(*e));
		if (!e) {
			/* Lose the record, not the reference; the list is no
			 * longer complete, so a drop not found is no error. */
			t->incomplete = true;
			return idx;
		}
		t->ents = e;
		t->cap = cap;
	}
	t->ents[t->len++] = (struct rv__track_ent){.site = idx, .count = 1};
	return idx;
}

void rv__track_drop(struct rv_buf *b, uint16_t site)
{
	struct rv__track_buf *t = track_of(b);

	if (!t)
		return;
	list_enter(b, "rv_view_release");
	drop_entry(b, t, site);
	list_leave(b);
}

static void drop_entry(struct rv_buf *b, struct rv__track_buf *t, uint16_t site)
{
	for (uint32_t i = 0; i < t->len; i++) {
		if (t->ents[i].site != site)
			continue;
		if (--t->ents[i].count == 0)
			t->ents[i] = t->ents[--t->len];
		return;
	}
	/* No live reference was taken at this view's site: this exact
	 * reference was released before, through another copy of the view. */
	if (!t->incomplete)
		rv__panic("rv_view_release: pool buffer %u released more often "
			  "than references were taken at %s (double release "
			  "through a copy of a view)",
			  b->_id, rv__track_site_name(site));
}

/* Move one reference's record from |site| to |tag|. */
uint16_t rv__track_retag(struct rv_buf *b, uint16_t site, const char *tag)
{
	struct rv__track_buf *t = track_of(b);
	uint16_t idx = intern(sites[site].where, tag);

	if (!t || idx == site)
		return idx;
	list_enter(b, "rv_view_tag");
	drop_entry(b, t, site);
	idx = add_entry(t, idx);
	list_leave(b);
	return idx;
}

void rv__track_free(struct rv__track_buf *t)
{
	free(t->ents);
	*t = (struct rv__track_buf){0};
}
