/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/cursor.h - a borrowed reader over a view or a chain.
 *
 * A cursor reads without touching reference counts: a parser walks the
 * bytes inside one callback with bounds-checked getters that advance on
 * success and leave the cursor unchanged on failure. Reads that straddle
 * two views of a chain work; the bytes are copied (into the caller's
 * scratch, or into the integer read) only at the seam. rv_cursor_keep
 * turns a span the parser has read into an owned view - the only moment a
 * parser pays for a reference.
 *
 * A cursor borrows its view or chain: neither may be modified or released
 * while the cursor is in use.
 */
#ifndef RINGVIEW_CURSOR_H
#define RINGVIEW_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chain.h"
#include "common.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_cursor {
	const rv_view *_single; /* the view, when reading one view */
	const rv_chain *_chain; /* the chain, when reading a chain */
	const rv_view *_cur;	/* view holding the next byte (or NULL) */
	uint32_t _idx;		/* index of _cur in the chain */
	size_t _off;		/* offset of the next byte in _cur */
	size_t _pos;		/* bytes read since the start */
	size_t _len;		/* total bytes */
} rv_cursor;

/* rv_cursor_init_view / _chain start a cursor at the first byte. */
RV_EXPORT void rv_cursor_init_view(rv_cursor *cur, const rv_view *v);
RV_EXPORT void rv_cursor_init_chain(rv_cursor *cur, const rv_chain *c);

/* rv_cursor_pos: bytes read so far. rv_cursor_remaining: bytes left. */
static inline size_t rv_cursor_pos(const rv_cursor *cur)
{
	return cur->_pos;
}
static inline size_t rv_cursor_remaining(const rv_cursor *cur)
{
	return cur->_len - cur->_pos;
}

/* rv_cursor_seek moves the cursor to absolute position |pos| (back or
 * forth). -ERANGE when pos > total length. */
RV_EXPORT int rv_cursor_seek(rv_cursor *cur, size_t pos);

/* rv_cursor_get_* read the next value into |*out| and advance past it.
 * Each returns 0, or -ERANGE when fewer bytes remain (nothing changes).
 * Defined inline at the end of this header. */
static inline int rv_cursor_get_u8(rv_cursor *cur, uint8_t *out);
static inline int rv_cursor_get_u16be(rv_cursor *cur, uint16_t *out);
static inline int rv_cursor_get_u16le(rv_cursor *cur, uint16_t *out);
static inline int rv_cursor_get_u32be(rv_cursor *cur, uint32_t *out);
static inline int rv_cursor_get_u32le(rv_cursor *cur, uint32_t *out);
static inline int rv_cursor_get_u64be(rv_cursor *cur, uint64_t *out);
static inline int rv_cursor_get_u64le(rv_cursor *cur, uint64_t *out);

/* rv_cursor_peek_u8 reads the next byte without advancing. */
RV_EXPORT int rv_cursor_peek_u8(const rv_cursor *cur, uint8_t *out);

/* rv_cursor_get_bytes copies the next |n| bytes to |dst| and advances. */
RV_EXPORT int rv_cursor_get_bytes(rv_cursor *cur, void *dst, size_t n);

/* rv_cursor_skip advances by |n| bytes. */
RV_EXPORT int rv_cursor_skip(rv_cursor *cur, size_t n);

/*
 * rv_cursor_peek sets |*out| to the next |n| contiguous bytes without
 * advancing: a pointer into the view when they lie in one, otherwise a
 * copy in |scratch| (at least |n| bytes). |*out| stays valid while the
 * view/chain and |scratch| do. -ERANGE when fewer than |n| remain.
 */
RV_EXPORT int rv_cursor_peek(const rv_cursor *cur, size_t n, void *scratch,
			     const uint8_t **out);

/* rv_cursor_get_span is rv_cursor_peek followed by an advance of |n|. */
RV_EXPORT int rv_cursor_get_span(rv_cursor *cur, size_t n, void *scratch,
				 const uint8_t **out);

/* rv_cursor_find returns how many bytes after the cursor |needle| starts,
 * or -ENOENT; the cursor does not move. */
RV_EXPORT ssize_t rv_cursor_find(const rv_cursor *cur, const void *needle,
				 size_t needle_len);

/*
 * rv_cursor_keep sets |*out| to an owned view (+1 reference) of the bytes
 * from absolute position |start| up to the cursor - a span already read.
 * Zero-copy when the span lies in one view; otherwise copied once into a
 * fresh buffer (counted in stats.bytes_copied). start == pos gives a
 * cleared view. -ERANGE when start > pos; -ENOMEM.
 */
#define rv_cursor_keep(cur, start, out) \
	rv__cursor_keep((cur), (start), (out), RV__SITE)
RV_EXPORT int rv__cursor_keep(const rv_cursor *cur, size_t start, rv_view *out,
			      const char *site);

/* rv_cursor_keep_chain appends the span [start, pos) to |out| as views
 * (+1 reference each), never copying. -ERANGE, -ENOMEM (|out| unchanged). */
#define rv_cursor_keep_chain(cur, start, out) \
	rv__cursor_keep_chain((cur), (start), (out), RV__SITE)
RV_EXPORT int rv__cursor_keep_chain(const rv_cursor *cur, size_t start,
				    rv_chain *out, const char *site);

/* ---- inline definitions -------------------------------------------- */

/*
 * ABI: rv__cursor_keep, rv__cursor_keep_chain and rv__cursor_read, which
 * this header's macros and inline functions call, are compiled into
 * applications. They are not API - call the rv_ names - but they are ABI:
 * exported and versioned with it (src/libringview.map), and they keep
 * their meaning and arguments for as long as the SONAME stays.
 */

/* The general read: |n| bytes to |dst|, across seams. */
RV_EXPORT int rv__cursor_read(rv_cursor *cur, uint8_t *dst, size_t n);

/* Fast path: the value lies in the current view with bytes to spare (so
 * the cursor stays inside it); otherwise the general read. */
#define RV__CURSOR_GETTER(name, type, n)                                  \
	static inline int rv_cursor_get_##name(rv_cursor *cur, type *out) \
	{                                                                 \
		const rv_view *v = cur->_cur;                             \
		uint8_t tmp[n];                                           \
		int err;                                                  \
		if (RV_LIKELY(v && v->len - cur->_off > (n))) {           \
			if (v->_buf)                                      \
				rv__view_check(v, "rv_cursor read");      \
			*out = rv__load_##name(v->data + cur->_off);      \
			cur->_off += (n);                                 \
			cur->_pos += (n);                                 \
			return 0;                                         \
		}                                                         \
		err = rv__cursor_read(cur, tmp, (n));                     \
		if (err)                                                  \
			return err;                                       \
		*out = rv__load_##name(tmp);                              \
		return 0;                                                 \
	}
static inline uint8_t rv__load_u8(const uint8_t *p)
{
	return p[0];
}
RV__CURSOR_GETTER(u8, uint8_t, 1)
RV__CURSOR_GETTER(u16be, uint16_t, 2)
RV__CURSOR_GETTER(u16le, uint16_t, 2)
RV__CURSOR_GETTER(u32be, uint32_t, 4)
RV__CURSOR_GETTER(u32le, uint32_t, 4)
RV__CURSOR_GETTER(u64be, uint64_t, 8)
RV__CURSOR_GETTER(u64le, uint64_t, 8)
#undef RV__CURSOR_GETTER

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_CURSOR_H */
