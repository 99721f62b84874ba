/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/view.h - reference-counted views of buffers.
 *
 * A view is a small value {data, len} over bytes held by a buffer: a
 * receive buffer of a pool, a small chunk that a view was compacted into,
 * or foreign memory wrapped with rv_view_wrap. Views are passed by value;
 * every view owns exactly one reference to its buffer. The buffer is
 * recycled (given back to its pool or freed) when its last reference is
 * released - never earlier, never twice.
 *
 * Ownership in one sentence: whoever holds an rv_view must either release
 * it or move it into something that takes ownership (a chain, a send).
 * Copying the struct does not take a reference; use rv_view_retain.
 *
 * A released view is all zeros ("cleared"). Releasing a cleared view is a
 * no-op. Using a stale copy of a view after its buffer was recycled aborts
 * with the buffer id and both generation numbers, in every build.
 *
 * Threads: a view of a buffer of a pool created with RV_POOL_ATOMIC may be
 * handed to another thread and retained, sliced and released there; its
 * buffer is still recycled by the pool's owning thread (see pool.h). All
 * other views are single-threaded: every view of a buffer of a plain pool
 * stays on the pool's thread (debug builds abort otherwise), and a view of
 * wrapped memory or of a copy (rv_view_wrap, pullup, cursor keep) may move
 * to another thread only together with every other view of its buffer.
 *
 * Functions are declared first; the hot ones are defined inline at the end
 * of this header. Several are macros so that debug builds can record the
 * file:line that took each reference (see rv_pool_config.flags).
 */
#ifndef RINGVIEW_VIEW_H
#define RINGVIEW_VIEW_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rv_pool;

/*
 * struct rv_buf is the header of one buffer. It is public only so that the
 * hot paths can be inline; its fields are private.
 */
struct rv_buf {
	uint8_t *_base;	       /* first byte of the buffer's memory */
	struct rv_pool *_pool; /* owning pool; NULL for wrapped memory */
	uint32_t _refs;	       /* live references (views, sends) */
	uint32_t _gen;	       /* bumped at every recycle */
	uint32_t _cap;	       /* capacity in bytes */
	uint32_t _id;	       /* index within the pool or its small arena */
	uint16_t _kind;	       /* enum rv__buf_kind */
	uint16_t _flags;       /* RV__BUF_* */
	uint32_t _sending;     /* references held by sends in flight */
	uint64_t _live;	       /* bytes covered by live views (pinning) */
};

enum rv__buf_kind {
	RV__BUF_POOL = 1,  /* receive buffer of a pool */
	RV__BUF_SMALL = 2, /* chunk of a pool's small-object arena */
	RV__BUF_WRAP = 3,  /* foreign memory, freed by a callback */
	RV__BUF_HEAP = 4,  /* malloc'd copy made by pullup or keep */
};

#define RV__BUF_TRACKED 0x1u /* record file:line of each reference */
#define RV__BUF_ATOMIC	0x2u /* atomic counts: views may cross threads */
/* Buffers whose reference changes take the out-of-line path. */
#define RV__BUF_SLOW (RV__BUF_TRACKED | RV__BUF_ATOMIC)

typedef struct rv_view {
	const uint8_t *data; /* first byte of the view; read-only access */
	size_t len;	     /* bytes in the view */
	struct rv_buf *_buf;
	uint32_t _gen;
	uint16_t _flags;
	uint16_t _site;
} rv_view;

#define RV_VIEW_READONLY 0x1u

/* RV_VIEW_INIT is a cleared view: holds nothing, releasing it is a no-op. */
#ifdef __cplusplus
#define RV_VIEW_INIT (rv_view{})
#else
#define RV_VIEW_INIT ((rv_view){0})
#endif

/* rv_free_fn is called exactly once when the last view of wrapped memory
 * is released. */
typedef void (*rv_free_fn)(void *ctx, void *ptr, size_t len);

/* ---- lifetime ------------------------------------------------------- */

/*
 * rv_view_retain returns another owner of the same bytes (+1 reference).
 * |v| must be a live view; retaining a cleared view returns a cleared view.
 */
/* rv_view rv_view_retain(const rv_view *v);  -- a macro, see below */

/*
 * rv_view_release drops |v|'s reference and clears |v|. When it was the
 * last reference, the buffer is recycled. Releasing a cleared view does
 * nothing. Releasing a stale copy aborts with a message.
 */
static inline void rv_view_release(rv_view *v);

/*
 * rv_view_slice sets |*out| to the |len| bytes of |v| starting at |off|
 * (+1 reference; |out| inherits read-only). Returns -ERANGE when the range
 * does not lie inside |v| (including overflowing off + len) and -EINVAL
 * when |v| is cleared; |*out| is untouched on failure.
 */
/* int rv_view_slice(const rv_view *v, size_t off, size_t len, rv_view *out); */

/*
 * rv_view_split_to moves the first |n| bytes of |*v| into |*head|, which
 * gets one new reference; |*v| keeps the rest. -ERANGE when n > v->len.
 */
/* int rv_view_split_to(rv_view *v, size_t n, rv_view *head); */

/* rv_view_advance drops the first |n| bytes from |*v| in place (no
 * reference change). -ERANGE when n > v->len. */
static inline int rv_view_advance(rv_view *v, size_t n);

/* rv_view_truncate keeps only the first |n| bytes of |*v| in place.
 * -ERANGE when n > v->len. */
static inline int rv_view_truncate(rv_view *v, size_t n);

/* rv_view_readonly makes |*v| read-only in place; views sliced from it
 * afterwards are read-only too. There is no way back. */
static inline void rv_view_readonly(rv_view *v);

/* rv_view_is_readonly: true when |v| is read-only (made so with
 * rv_view_readonly, sliced from a read-only view, or wrapped constant). */
static inline bool rv_view_is_readonly(const rv_view *v);

/* rv_view_is_null: true for a cleared view. */
static inline bool rv_view_is_null(const rv_view *v);

/*
 * rv_view_mut returns a writable pointer to |v|'s bytes, or NULL when |v|
 * is read-only or cleared. Writes are seen by every view of the buffer.
 */
static inline uint8_t *rv_view_mut(const rv_view *v);

/*
 * rv_view_wrap makes a view of |len| bytes at |ptr|, memory the pool does
 * not own. |free_fn| (may be NULL) is called exactly once with |ctx|, |ptr|
 * and |len| when the last view is released. Its reference count is not
 * atomic: the views of wrapped memory must all be on one thread at a time.
 * -EINVAL when |ptr| is NULL and |len| is not 0; -ENOMEM leaves |ptr| to the
 * caller and never calls |free_fn|.
 */
RV_EXPORT int rv__view_wrap(void *ptr, size_t len, rv_free_fn free_fn,
			    void *ctx, unsigned flags, rv_view *out,
			    const char *site);
#define rv_view_wrap(ptr, len, free_fn, ctx, out) \
	rv__view_wrap((ptr), (len), (free_fn), (ctx), 0, (out), RV__SITE)

/* rv_view_wrap_const wraps constant memory (a string literal) as a
 * read-only view; nothing is freed. */
#define rv_view_wrap_const(ptr, len, out)                                  \
	rv__view_wrap((void *)(uintptr_t)(const void *)(ptr), (len), NULL, \
		      NULL, RV_VIEW_READONLY, (out), RV__SITE)

/*
 * rv_view_compact copies a small view out of its receive buffer into the
 * pool's small-object arena and releases the receive buffer, so a view
 * kept for long does not pin a whole buffer. |*v| is replaced in place (its
 * flags kept). Views that do not pin a receive buffer are left alone.
 * -EMSGSIZE when v->len exceeds RV_COMPACT_MAX; -ENOMEM; on failure |*v|
 * is unchanged. Call it on the thread that owns the view's pool (for an
 * RV_POOL_ATOMIC pool too: the small arena is the owner's).
 */
#define RV_COMPACT_MAX 2048
RV_EXPORT int rv_view_compact(rv_view *v);

/*
 * rv_view_detach copies a view of any size out of its receive buffer and
 * releases that buffer, like rv_view_compact: up to RV_COMPACT_MAX bytes
 * into the small-object arena, larger ones into memory of their own (a
 * store keeping values of any size pins no receive buffer). |*v| is
 * replaced in place, its flags kept; counted in the pool's compactions
 * and bytes_copied. Views that pin no receive buffer are left alone.
 * -ENOMEM leaves |*v| unchanged. Call it on the pool's owning thread.
 */
RV_EXPORT int rv_view_detach(rv_view *v);

/*
 * rv_view_tag attributes |v|'s reference to |tag| (a pipeline stage's
 * name; a string that outlives the pool, such as a literal) instead of the
 * line that took it, so a leak report names who held it last. A no-op
 * unless the pool tracks references.
 */
static inline void rv_view_tag(rv_view *v, const char *tag);

/* ---- reads ---------------------------------------------------------- */

/* rv_view_get_* read a value at byte offset |off|. Each returns 0, or
 * -ERANGE when the value does not lie inside |v| (|*out| untouched). */
static inline int rv_view_get_u8(const rv_view *v, size_t off, uint8_t *out);
static inline int rv_view_get_u16be(const rv_view *v, size_t off,
				    uint16_t *out);
static inline int rv_view_get_u16le(const rv_view *v, size_t off,
				    uint16_t *out);
static inline int rv_view_get_u32be(const rv_view *v, size_t off,
				    uint32_t *out);
static inline int rv_view_get_u32le(const rv_view *v, size_t off,
				    uint32_t *out);
static inline int rv_view_get_u64be(const rv_view *v, size_t off,
				    uint64_t *out);
static inline int rv_view_get_u64le(const rv_view *v, size_t off,
				    uint64_t *out);

/* rv_view_copy_out copies |n| bytes at |off| to |dst|. -ERANGE when they
 * are not all inside |v| (nothing copied). */
static inline int rv_view_copy_out(const rv_view *v, size_t off, void *dst,
				   size_t n);

/* rv_view_write copies |n| bytes from |src| into |v| at |off|. -EPERM when
 * |v| is read-only, -ERANGE when out of bounds (nothing written). */
static inline int rv_view_write(const rv_view *v, size_t off, const void *src,
				size_t n);

/* rv_view_find returns the offset of the first |needle| in |v| at or
 * after |from|, or -ENOENT. An empty needle matches at |from|. */
RV_EXPORT ssize_t rv_view_find(const rv_view *v, size_t from,
			       const void *needle, size_t needle_len);

/* rv_view_find_byte returns the offset of the first |c| at or after
 * |from|, or -ENOENT. */
RV_EXPORT ssize_t rv_view_find_byte(const rv_view *v, size_t from, uint8_t c);

/* rv_view_eq: true when |v| holds exactly the |len| bytes at |p|. */
static inline bool rv_view_eq(const rv_view *v, const void *p, size_t len);

/* rv_view_eq_view: true when |a| and |b| hold the same bytes. */
static inline bool rv_view_eq_view(const rv_view *a, const rv_view *b);

/* rv_view_eq_nocase: true when |v| holds the |len| bytes at |p|, ASCII
 * letters compared without case (header names, commands). */
static inline bool rv_view_eq_nocase(const rv_view *v, const void *p,
				     size_t len);

/* rv_view_hexdump writes |v| to |f| as offset, hex and ASCII columns,
 * prefixed by a line naming its buffer, generation and reference count. */
RV_EXPORT void rv_view_hexdump(const rv_view *v, FILE *f);

/* ---- inline definitions (private helpers first) --------------------- */

/*
 * ABI: rv__view_wrap, rv__buf_recycle, rv__panic_stale,
 * rv__panic_underflow, rv__track_add, rv__track_drop, rv__track_retag,
 * rv__buf_ref_slow and rv__buf_unref_slow, which this header's macros and
 * inline functions call, are compiled into applications, and so are the
 * fields of struct rv_buf and rv_view that the inline code reads. They are
 * not API - call the rv_ names - but they are ABI: exported and versioned
 * with it (src/libringview.map), and they keep their meaning, arguments
 * and layouts for as long as the SONAME stays.
 */

RV_EXPORT void rv__buf_recycle(struct rv_buf *b);
RV_EXPORT __attribute__((noreturn, cold)) void rv__panic_stale(
	const struct rv_buf *b, uint32_t view_gen, const char *op);
RV_EXPORT __attribute__((noreturn, cold)) void rv__panic_underflow(
	const struct rv_buf *b, const char *op);
RV_EXPORT uint16_t rv__track_add(struct rv_buf *b, const char *site);
RV_EXPORT void rv__track_drop(struct rv_buf *b, uint16_t site);
RV_EXPORT uint16_t rv__track_retag(struct rv_buf *b, uint16_t site,
				   const char *tag);
/* The out-of-line reference changes of tracked and atomic buffers. */
RV_EXPORT uint16_t rv__buf_ref_slow(struct rv_buf *b, size_t len,
				    const char *site);
RV_EXPORT void rv__buf_unref_slow(struct rv_buf *b, size_t len, uint16_t site);

/* Bytes covered by live views changed by |delta| (pinning stats). */
static inline void rv__buf_live_add(struct rv_buf *b, int64_t delta)
{
	if (RV_UNLIKELY(b->_flags & RV__BUF_ATOMIC))
		__atomic_fetch_add(&b->_live, (uint64_t)delta,
				   __ATOMIC_RELAXED);
	else
		b->_live += (uint64_t)delta;
}

/* A view whose generation no longer matches its buffer's is stale. */
static inline void rv__view_check(const rv_view *v, const char *op)
{
	if (RV_UNLIKELY(v->_buf->_gen != v->_gen))
		rv__panic_stale(v->_buf, v->_gen, op);
}

/* Take one more reference on |b| for a view of |len| bytes. */
static inline uint16_t rv__buf_ref(struct rv_buf *b, size_t len,
				   const char *site)
{
	if (RV_UNLIKELY(b->_flags & RV__BUF_SLOW))
		return rv__buf_ref_slow(b, len, site);
	if (RV_UNLIKELY(b->_refs == UINT32_MAX))
		rv__panic_underflow(b, "reference count overflow in retain");
	b->_refs++;
	b->_live += len;
	return 0;
}

static inline rv_view rv__view_retain(const rv_view *v, const char *site)
{
	rv_view out = *v;
	if (!v->_buf)
		return RV_VIEW_INIT;
	rv__view_check(v, "rv_view_retain");
	out._site = rv__buf_ref(v->_buf, v->len, site);
	return out;
}
#define rv_view_retain(v) rv__view_retain((v), RV__SITE)

static inline void rv_view_release(rv_view *v)
{
	struct rv_buf *b = v->_buf;
	if (!b)
		return;
	rv__view_check(v, "rv_view_release");
	if (RV_UNLIKELY(b->_flags & RV__BUF_SLOW)) {
		size_t len = v->len;
		uint16_t site = v->_site;
		*v = RV_VIEW_INIT;
		rv__buf_unref_slow(b, len, site);
		return;
	}
	if (RV_UNLIKELY(b->_refs == 0))
		rv__panic_underflow(b, "rv_view_release");
	b->_live -= v->len;
	*v = RV_VIEW_INIT;
	if (--b->_refs == 0)
		rv__buf_recycle(b);
}

static inline int rv__view_slice(const rv_view *v, size_t off, size_t len,
				 rv_view *out, const char *site)
{
	if (RV_UNLIKELY(!v->_buf))
		return -EINVAL;
	rv__view_check(v, "rv_view_slice");
	if (RV_UNLIKELY(off > v->len || len > v->len - off))
		return -ERANGE; /* -ERANGE */
	out->data = v->data + off;
	out->len = len;
	out->_buf = v->_buf;
	out->_gen = v->_gen;
	out->_flags = v->_flags;
	out->_site = rv__buf_ref(v->_buf, len, site);
	return 0;
}
#define rv_view_slice(v, off, len, out) \
	rv__view_slice((v), (off), (len), (out), RV__SITE)

static inline int rv__view_split_to(rv_view *v, size_t n, rv_view *head,
				    const char *site)
{
	int err = rv__view_slice(v, 0, n, head, site);
	if (err)
		return err;
	/* head now covers n bytes; v gives them up without a ref change. */
	v->data += n;
	v->len -= n;
	rv__buf_live_add(v->_buf, -(int64_t)n);
	return 0;
}
#define rv_view_split_to(v, n, head) \
	rv__view_split_to((v), (n), (head), RV__SITE)

static inline int rv_view_advance(rv_view *v, size_t n)
{
	if (v->_buf)
		rv__view_check(v, "rv_view_advance");
	if (RV_UNLIKELY(n > v->len))
		return -ERANGE;
	v->data += n;
	v->len -= n;
	if (v->_buf)
		rv__buf_live_add(v->_buf, -(int64_t)n);
	return 0;
}

static inline int rv_view_truncate(rv_view *v, size_t n)
{
	if (v->_buf)
		rv__view_check(v, "rv_view_truncate");
	if (RV_UNLIKELY(n > v->len))
		return -ERANGE;
	if (v->_buf)
		rv__buf_live_add(v->_buf, -(int64_t)(v->len - n));
	v->len = n;
	return 0;
}

static inline void rv_view_tag(rv_view *v, const char *tag)
{
	if (v->_buf && RV_UNLIKELY(v->_buf->_flags & RV__BUF_TRACKED))
		v->_site = rv__track_retag(v->_buf, v->_site, tag);
}

static inline void rv_view_readonly(rv_view *v)
{
	v->_flags |= RV_VIEW_READONLY;
}

static inline bool rv_view_is_readonly(const rv_view *v)
{
	return (v->_flags & RV_VIEW_READONLY) != 0;
}

static inline bool rv_view_is_null(const rv_view *v)
{
	return v->_buf == NULL;
}

static inline uint8_t *rv_view_mut(const rv_view *v)
{
	if (!v->_buf || (v->_flags & RV_VIEW_READONLY))
		return NULL;
	rv__view_check(v, "rv_view_mut");
	return (uint8_t *)(uintptr_t)v->data;
}

/* Bounds check shared by the readers: |n| bytes at |off| inside |v|. */
static inline const uint8_t *rv__view_at(const rv_view *v, size_t off, size_t n)
{
	if (RV_UNLIKELY(off > v->len || n > v->len - off))
		return NULL;
	if (v->_buf)
		rv__view_check(v, "rv_view read");
	return v->data + off;
}

static inline int rv_view_copy_out(const rv_view *v, size_t off, void *dst,
				   size_t n)
{
	const uint8_t *p = rv__view_at(v, off, n);
	if (!p)
		return -ERANGE;
	if (n)
		memcpy(dst, p, n);
	return 0;
}

static inline int rv_view_write(const rv_view *v, size_t off, const void *src,
				size_t n)
{
	if (v->_flags & RV_VIEW_READONLY)
		return -EPERM;
	const uint8_t *p = rv__view_at(v, off, n);
	if (!p)
		return -ERANGE;
	if (n)
		memcpy((uint8_t *)(uintptr_t)p, src, n);
	return 0;
}

static inline int rv_view_get_u8(const rv_view *v, size_t off, uint8_t *out)
{
	const uint8_t *p = rv__view_at(v, off, 1);
	if (!p)
		return -ERANGE;
	*out = p[0];
	return 0;
}

/* Byte-order readers of unaligned memory, used by views and cursors. */
static inline uint16_t rv__load_u16be(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint16_t rv__load_u16le(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}
static inline uint32_t rv__load_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t rv__load_u32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t rv__load_u64be(const uint8_t *p)
{
	return (uint64_t)rv__load_u32be(p) << 32 | rv__load_u32be(p + 4);
}
static inline uint64_t rv__load_u64le(const uint8_t *p)
{
	return (uint64_t)rv__load_u32le(p + 4) << 32 | rv__load_u32le(p);
}

#define RV__VIEW_GETTER(name, type, n)                                     \
	static inline int rv_view_get_##name(const rv_view *v, size_t off, \
					     type *out)                    \
	{                                                                  \
		const uint8_t *p = rv__view_at(v, off, n);                 \
		if (!p)                                                    \
			return -ERANGE;                                    \
		*out = rv__load_##name(p);                                 \
		return 0;                                                  \
	}
RV__VIEW_GETTER(u16be, uint16_t, 2)
RV__VIEW_GETTER(u16le, uint16_t, 2)
RV__VIEW_GETTER(u32be, uint32_t, 4)
RV__VIEW_GETTER(u32le, uint32_t, 4)
RV__VIEW_GETTER(u64be, uint64_t, 8)
RV__VIEW_GETTER(u64le, uint64_t, 8)
#undef RV__VIEW_GETTER

static inline bool rv_view_eq(const rv_view *v, const void *p, size_t len)
{
	if (v->len != len)
		return false;
	if (v->_buf)
		rv__view_check(v, "rv_view_eq");
	return len == 0 || memcmp(v->data, p, len) == 0;
}

static inline uint8_t rv__ascii_lower(uint8_t c)
{
	return (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static inline bool rv_view_eq_nocase(const rv_view *v, const void *p,
				     size_t len)
{
	const uint8_t *q = (const uint8_t *)p;

	if (v->len != len)
		return false;
	if (v->_buf)
		rv__view_check(v, "rv_view_eq_nocase");
	for (size_t i = 0; i < len; i++)
		if (rv__ascii_lower(v->data[i]) != rv__ascii_lower(q[i]))
			return false;
	return true;
}

static inline bool rv_view_eq_view(const rv_view *a, const rv_view *b)
{
	if (b->_buf)
		rv__view_check(b, "rv_view_eq_view");
	return rv_view_eq(a, b->data, b->len);
}

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_VIEW_H */
