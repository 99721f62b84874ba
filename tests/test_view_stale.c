/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_view_stale.c - views: stale views and double releases abort.
 *
 * Each test checks, in a SIGABRT handler, that the abort came from
 * ringview's own check (not a sanitizer) and that its message names the
 * buffer id and both generations.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ringview/ringview.h>

#include "core_util.h"

#define BUF_SIZE  VIEW_BUF_SIZE
#define BUF_COUNT VIEW_BUF_COUNT

/* ---- abort checking ------------------------------------------------ */

static int g_cap_fd = -1, g_orig_stderr = -1;
static char g_want[4][32];
static int g_nwant;

static void on_abort(int sig)
{
	static char buf[32768];
	ssize_t n = pread(g_cap_fd, buf, sizeof(buf) - 1, 0);
	bool ok;

	(void)sig;
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	dup2(g_orig_stderr, 2);
	if (write(2, buf, (size_t)n) < 0) {
		/* nothing to do */
	}
	ok = n > 0 && strstr(buf, "ringview") && !strstr(buf, "Sanitizer") &&
	     !strstr(buf, "runtime error");
	for (int i = 0; i < g_nwant; i++)
		ok = ok && has_word(buf, g_want[i]);
	if (!ok) {
		static const char m[] =
			"test: abort did not come from ringview's "
			"check or its message lacks the buffer "
			"id / generations\n";
		if (write(2, m, sizeof(m) - 1) < 0) {
			/* nothing to do */
		}
		_exit(99);
	}
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
}

/*
 * From here on an abort passes only if stderr then holds a ringview message
 * (not a sanitizer's) naming buffer |id| and, unless |with_gens| is false,
 * generations |gen_a| and |gen_b|, as whole words.
 */
static void expect_abort_msg(uint32_t id, bool with_gens, uint32_t gen_a,
			     uint32_t gen_b)
{
	struct sigaction sa = {.sa_handler = on_abort};

	snprintf(g_want[0], sizeof(g_want[0]), "%u", id);
	snprintf(g_want[1], sizeof(g_want[1]), "%u", gen_a);
	snprintf(g_want[2], sizeof(g_want[2]), "%u", gen_b);
	g_nwant = with_gens ? 3 : 1;
	fflush(stderr);
	g_cap_fd = memfd_create("stderr", 0);
	cr_assert_geq(g_cap_fd, 0);
	g_orig_stderr = dup(2);
	cr_assert_geq(g_orig_stderr, 0);
	cr_assert_geq(dup2(g_cap_fd, 2), 0);
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGABRT, &sa, NULL), 0);
}

static void expect_abort(uint32_t id, uint32_t gen_a, uint32_t gen_b)
{
	expect_abort_msg(id, true, gen_a, gen_b);
}

/* Cycle a one-buffer pool STALE_CYCLES times so that generation numbers
 * in abort messages are distinctive, then take its buffer. */
#define STALE_CYCLES 1000u
static rv_view aged_buffer(void)
{
	rv_view v;
	for (unsigned i = 0; i < STALE_CYCLES; i++) {
		cr_assert_eq(rv_pool_get(pool, &v), 0);
		rv_view_release(&v);
	}
	cr_assert_eq(rv_pool_get(pool, &v), 0);
	return v;
}

static void stale_setup(void)
{
	pool_up(1, BUF_SIZE);
}

/* ---- stale views and double releases abort ------------------------- */

/* Releasing a stale copy (its buffer was recycled) aborts. */
Test(view, stale_release_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v;
	uint32_t id = v._buf->_id, gen = v._gen;

	rv_view_release(&v);
	cr_assert_eq(stats().recycles, STALE_CYCLES + 1);
	expect_abort(id, gen, gen + 1);
	rv_view_release(&copy);
}

/* Releasing a struct copy of an already-released view (the same reference
 * twice) aborts. */
Test(view, double_release_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer();
	rv_view s, dup;
	uint32_t id = v._buf->_id, gen = v._gen;

	cr_assert_eq(rv_view_slice(&v, 0, 10, &s), 0);
	dup = s;
	rv_view_release(&v);
	rv_view_release(&s);
	expect_abort(id, gen, gen + 1);
	rv_view_release(&dup);
}

/* A double release while another view still holds the buffer is caught:
 * at once when reference sites are tracked, else at the latest when that
 * other (now stale) view is used. */
Test(view, double_release_with_sibling_is_caught, .init = stale_setup,
     .signal = SIGABRT)
{
	rv_view a = aged_buffer();
	rv_view b = rv_view_retain(&a), dup = a;
	uint32_t id = a._buf->_id, gen = a._gen;

	rv_view_release(&a);
	expect_abort_msg(id, false, gen, gen + 1);
	rv_view_release(&dup); /* the bug: b's reference is gone */
	rv_view_release(&b);
}

/* Slicing a stale copy aborts. */
Test(view, stale_slice_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v, out;
	uint32_t id = v._buf->_id, gen = v._gen;

	rv_view_release(&v);
	expect_abort(id, gen, gen + 1);
	(void)rv_view_slice(&copy, 0, 1, &out);
}

/* Reading through a stale copy aborts. */
Test(view, stale_read_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v;
	uint32_t id = v._buf->_id, gen = v._gen;
	uint8_t x;

	rv_view_release(&v);
	expect_abort(id, gen, gen + 1);
	(void)rv_view_get_u8(&copy, 0, &x);
}

/* Retaining a stale copy aborts. */
Test(view, stale_retain_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v;
	uint32_t id = v._buf->_id, gen = v._gen;

	rv_view_release(&v);
	expect_abort(id, gen, gen + 1);
	rv_view r = rv_view_retain(&copy);
	(void)r;
}

/* Getting a writable pointer from a stale copy aborts. */
Test(view, stale_mut_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v;
	uint32_t id = v._buf->_id, gen = v._gen;

	rv_view_release(&v);
	expect_abort(id, gen, gen + 1);
	(void)rv_view_mut(&copy);
}

/* A stale copy is caught even after its buffer was handed out again (it is
 * held, but by a newer generation). */
Test(view, stale_after_reuse_aborts, .init = stale_setup, .signal = SIGABRT)
{
	rv_view v = aged_buffer(), copy = v, fresh;
	uint32_t id = v._buf->_id, gen = v._gen;

	rv_view_release(&v);
	cr_assert_eq(rv_pool_get(pool, &fresh), 0);
	cr_assert_eq(fresh._buf, copy._buf, "one-buffer pool reuses it");
	expect_abort(id, gen, gen + 1);
	rv_view_release(&copy);
}

/* A stale copy of a compacted view (its small chunk recycled) aborts too. */
Test(view, stale_small_chunk_aborts, .init = view_setup, .signal = SIGABRT)
{
	rv_view v = get_buf(), copy;
	uint32_t id, gen;

	cr_assert_eq(rv_view_truncate(&v, 10), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	copy = v;
	id = v._buf->_id;
	gen = v._gen;
	rv_view_release(&v);
	expect_abort(id, gen, gen + 1);
	(void)rv_view_get_u8(&copy, 0, &(uint8_t){0});
}

/* A stale copy of a wrapped view (its memory freed by the last release)
 * aborts too: the header promises this for every view, in every build. */
Test(view, stale_wrapped_view_aborts, .signal = SIGABRT)
{
	char *block = malloc(32);
	rv_view v, copy;

	memset(block, 'w', 32);
	cr_assert_eq(rv_view_wrap(block, 32, record_free, NULL, &v), 0);
	copy = v;
	rv_view_release(&v);
	cr_assert_eq(g_freed.calls, 1);
	expect_abort_msg(0, false, 0, 0);
	rv_view_release(&copy);
}

/* The dangerous form of the same bug: once the freed header is reused by a
 * new wrap, a stale copy of the old view must still abort - not drop the new
 * view's reference and free its memory under it. (glibc's malloc is steered
 * into reusing the header: its tcache bin is filled first.) */
Test(view, stale_wrapped_view_after_reuse_aborts, .signal = SIGABRT)
{
	char *a = malloc(32), *b = malloc(32);
	void *filler[7];
	rv_view va, vb, copy;
	size_t hdr;

	cr_assert_eq(rv_view_wrap(a, 32, record_free, NULL, &va), 0);
	hdr = malloc_usable_size(va._buf);
	for (int i = 0; i < 7; i++)
		filler[i] = malloc(hdr);
	copy = va;
	for (int i = 0; i < 7; i++)
		free(filler[i]);
	rv_view_release(&va);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(rv_view_wrap(b, 32, record_free, NULL, &vb), 0);
	cr_log_info("header reused: %s", copy._buf == vb._buf ? "yes" : "no");
	expect_abort_msg(0, false, 0, 0);
	rv_view_release(&copy); /* must abort */
	cr_assert_eq(g_freed.calls, 1,
		     "a stale copy released another wrap's last reference: "
		     "its memory was freed while its view is live");
	cr_assert_fail("a stale copy of a wrapped view did not abort");
}
