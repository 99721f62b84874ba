/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/chain.h - an ordered queue of views: a byte stream.
 *
 * A chain holds the bytes a connection received and has not consumed yet,
 * as views of the receive buffers. A message that straddles two buffers is
 * just a range of the chain. The chain owns every view in it: appending
 * moves a view in, take moves bytes out, release drops them all.
 *
 * Adjacent views that are contiguous in the same buffer are merged on
 * append (common when the kernel fills one buffer in several receives).
 *
 * A chain is a plain struct: put it anywhere, start it with RV_CHAIN_INIT
 * or rv_chain_init, end it with rv_chain_release.
 */
#ifndef RINGVIEW_CHAIN_H
#define RINGVIEW_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "common.h"
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_chain {
	rv_view *_views; /* ring of _cap slots (a power of two) */
	uint32_t _head;	 /* slot of the first view */
	uint32_t _count; /* views in the chain */
	uint32_t _cap;
	uint32_t _flags; /* private to the library (RV__CHAIN_*) */
	size_t _len;	 /* bytes in the chain */
} rv_chain;

#ifdef __cplusplus
#define RV_CHAIN_INIT (rv_chain{})
#else
#define RV_CHAIN_INIT ((rv_chain){0})
#endif

/* rv_chain_init makes |c| an empty chain (no allocation). */
RV_EXPORT void rv_chain_init(rv_chain *c);

/* rv_chain_release releases every view in |c| and frees its storage; |c|
 * is then empty and may be reused. */
RV_EXPORT void rv_chain_release(rv_chain *c);

/* rv_chain_len: bytes in |c|. rv_chain_count: views in |c|. */
static inline size_t rv_chain_len(const rv_chain *c)
{
	return c->_len;
}
static inline uint32_t rv_chain_count(const rv_chain *c)
{
	return c->_count;
}

/* rv_chain_at returns the |i|-th view of |c| (borrowed: do not release
 * it), or NULL when i >= count. Valid until |c| is next modified. */
static inline const rv_view *rv_chain_at(const rv_chain *c, uint32_t i)
{
	if (i >= c->_count)
		return NULL;
	return &c->_views[(c->_head + i) & (c->_cap - 1)];
}

/*
 * rv_chain_append moves |*v| to the end of |c| and clears |*v|. An empty
 * or cleared view is released and not stored. On -ENOMEM |*v| is still the
 * caller's.
 */
RV_EXPORT int rv_chain_append(rv_chain *c, rv_view *v);

/* rv_chain_append_chain moves every view of |src| to the end of |dst|;
 * |src| is left empty. On -ENOMEM both are unchanged. */
RV_EXPORT int rv_chain_append_chain(rv_chain *dst, rv_chain *src);

/*
 * rv_chain_detach moves |c|'s bytes out of the receive buffers they pin:
 * each run of views of pool buffers is copied into one block of its own
 * (the pool's small-object arena up to RV_COMPACT_MAX bytes, the heap
 * above) and the buffers are released. Other views stay as they are. For
 * partial messages kept while a slow peer trickles the rest. Counted in
 * the pool's compactions and bytes_copied. On -ENOMEM |c| is unchanged.
 * Call it on the thread that owns the views' pool.
 */
RV_EXPORT int rv_chain_detach(rv_chain *c);

/*
 * ABI: rv__chain_retain, rv__chain_take, rv__chain_take_view and
 * rv__chain_pullup, which the macros below call, are compiled into
 * applications. They are not API - call the rv_ names - but they are ABI:
 * exported and versioned with it (src/libringview.map), and they keep
 * their meaning and arguments for as long as the SONAME stays.
 */

/*
 * rv_chain_retain appends to |dst| another reference to every view of
 * |src| (one new reference each, no copy): the same bytes, owned twice -
 * to send one chain on several connections, say. |src| is unchanged.
 * -EINVAL when they are the same chain; on -ENOMEM |dst| is unchanged.
 */
#define rv_chain_retain(src, dst) rv__chain_retain((src), (dst), RV__SITE)
RV_EXPORT int rv__chain_retain(const rv_chain *src, rv_chain *dst,
			       const char *site);

/*
 * rv_chain_find returns the offset of the first |needle| in |c| at or
 * after |from|, searching across view boundaries, or -ENOENT. A parser
 * that waits for more data can pass from = len - needle_len + 1 next time.
 */
RV_EXPORT ssize_t rv_chain_find(const rv_chain *c, size_t from,
				const void *needle, size_t needle_len);

/* rv_chain_find_byte: offset of the first |ch| at or after |from|, or
 * -ENOENT. */
RV_EXPORT ssize_t rv_chain_find_byte(const rv_chain *c, size_t from,
				     uint8_t ch);

/*
 * rv_chain_take moves the first |n| bytes of |c| to the end of |out| (an
 * initialised chain). A view cut in two gives one new reference to the
 * part that moves; no byte is copied. -ERANGE when n > len; -ENOMEM. On
 * failure both chains are unchanged.
 */
#define rv_chain_take(c, n, out) rv__chain_take((c), (n), (out), RV__SITE)
RV_EXPORT int rv__chain_take(rv_chain *c, size_t n, rv_chain *out,
			     const char *site);

/*
 * rv_chain_take_view removes the first |n| bytes of |c| and sets |*out| to
 * one contiguous view of them: zero-copy when they lie in one view, else
 * copied once into a fresh buffer (counted in the pool's stats). n == 0
 * gives a cleared view. -ERANGE when n > len; -ENOMEM.
 */
#define rv_chain_take_view(c, n, out) \
	rv__chain_take_view((c), (n), (out), RV__SITE)
RV_EXPORT int rv__chain_take_view(rv_chain *c, size_t n, rv_view *out,
				  const char *site);

/*
 * rv_chain_pullup makes the first |n| bytes of |c| contiguous and sets
 * |*out| to a new reference to them; the chain keeps its bytes. Zero-copy
 * when they already lie in one view; otherwise they are copied once into a
 * fresh buffer that replaces them in the chain (so pulling up again costs
 * nothing), counted in the pool's stats.bytes_copied. -ERANGE when
 * n > len or n == 0; -ENOMEM.
 */
#define rv_chain_pullup(c, n, out) rv__chain_pullup((c), (n), (out), RV__SITE)
RV_EXPORT int rv__chain_pullup(rv_chain *c, size_t n, rv_view *out,
			       const char *site);

/* rv_chain_consume releases the first |n| bytes of |c| (bytes a parser has
 * finished with). -ERANGE when n > len (nothing consumed). */
RV_EXPORT int rv_chain_consume(rv_chain *c, size_t n);

/* rv_chain_pop moves the first view of |c| into |*out|. -ENOENT when |c|
 * is empty. */
RV_EXPORT int rv_chain_pop(rv_chain *c, rv_view *out);

/* rv_chain_copy_out copies |n| bytes at offset |off| to |dst|. -ERANGE
 * when they are not all in |c|. */
RV_EXPORT int rv_chain_copy_out(const rv_chain *c, size_t off, void *dst,
				size_t n);

/*
 * rv_chain_to_iovec fills up to |max_iov| entries of |iov| with the views
 * of |c| from the start, for sendmsg/writev. Returns the number filled.
 * The iovecs borrow the chain's memory: keep the chain until the kernel
 * has taken the bytes.
 */
RV_EXPORT int rv_chain_to_iovec(const rv_chain *c, struct iovec *iov,
				int max_iov);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_CHAIN_H */
