/*
 * track.c - which source line took each reference (a debug aid).
 *
 * Site strings ("file.c:123") are interned into a process-wide table so a
 * view can name its site in 16 bits. Each tracked buffer keeps a short
 * list of (site, count) pairs: +1 when a view takes a reference there, -1
 * when that view is released. A leak report prints what is left.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

#define SITE_SLOTS 65536u /* power of two; index 0 means "unknown" */

static const char *sites[SITE_SLOTS];
static uint32_t site_count = 1;
static uint16_t slot_to_index[SITE_SLOTS];
static const char *slot_key[SITE_SLOTS];
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;

/* Intern |site| (a string literal, so its address identifies it). */
static uint16_t intern(const char *site)
{
	uintptr_t h = (uintptr_t)site;
	uint16_t idx = 0;

	if (!site)
		return 0;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	pthread_mutex_lock(&site_lock);
	for (uint32_t i = 0; i < SITE_SLOTS; i++) {
		uint32_t slot = (uint32_t)(h + i) & (SITE_SLOTS - 1);
		if (slot_key[slot] == site) {
			idx = slot_to_index[slot];
			break;
		}
		if (!slot_key[slot]) {
			if (site_count >= SITE_SLOTS - 1)
				break; /* table full: report as unknown */
			slot_key[slot] = site;
			idx = (uint16_t)site_count++;
			slot_to_index[slot] = idx;
			sites[idx] = site;
			break;
		}
	}
	pthread_mutex_unlock(&site_lock);
	return idx;
}

const char *rv__track_site_name(uint16_t site)
{
	return site && sites[site] ? sites[site] : "(unknown site)";
}

static struct rv__track_buf *track_of(struct rv_buf *b)
{
	if (b->_kind != RV__BUF_POOL || !b->_pool->track)
		return NULL;
	return &b->_pool->track[b->_id];
}

uint16_t rv__track_add(struct rv_buf *b, const char *site)
{
	struct rv__track_buf *t = track_of(b);
	uint16_t idx = intern(site);

	if (!t)
		return idx;
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

void rv__track_free(struct rv__track_buf *t)
{
	free(t->ents);
	*t = (struct rv__track_buf){0};
}
