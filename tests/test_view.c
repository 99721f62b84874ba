/*
 * test_view.c - views: references, bounds, read-only, reads, wrapping,
 * stale-view detection and compaction.
 *
 * Every test that makes a pool ends with pool_down(), which checks the
 * invariant free == total (and no small chunk held) and that the pool can
 * be destroyed. Tests that expect an abort check, in a SIGABRT handler,
 * that the abort came from ringview's own check (not a sanitizer) and that
 * its message names the buffer id and both generations.
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

/* ---- helpers ------------------------------------------------------- */

#define BUF_SIZE  4096u
#define BUF_COUNT 8u

static rv_pool *g_pool;

static struct rv_pool_stats stats(void)
{
	struct rv_pool_stats s;
	rv_pool_stats(g_pool, &s);
	return s;
}

static void pool_up_flags(uint32_t count, uint32_t size, uint32_t flags)
{
	struct rv_pool_config cfg = {
		.count = count, .size = size, .flags = flags};
	cr_assert_eq(rv_pool_create(&cfg, &g_pool), 0);
}

static void pool_up(uint32_t count, uint32_t size)
{
	pool_up_flags(count, size, 0);
}

static void setup(void)
{
	pool_up(BUF_COUNT, BUF_SIZE);
}

/* End of every pool test: nothing leaked, pool destroyable. */
static void pool_down(void)
{
	struct rv_pool_stats s = stats();
	cr_assert_eq(s.free, s.total, "leak: free %u != total %u", s.free,
		     s.total);
	cr_assert_eq(s.held, 0);
	cr_assert_eq(s.small_held, 0, "small chunks still held: %u",
		     s.small_held);
	cr_assert_eq(rv_pool_destroy(g_pool), 0);
	g_pool = NULL;
}

/* A writable view of a whole pool buffer, filled with pattern(i). */
static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 37u + 11u);
}

static rv_view get_buf(void)
{
	rv_view v;
	cr_assert_eq(rv_pool_get(g_pool, &v), 0);
	cr_assert_eq(v.len, BUF_SIZE);
	uint8_t *p = rv_view_mut(&v);
	cr_assert_not_null(p);
	for (size_t i = 0; i < v.len; i++)
		p[i] = pattern(i);
	return v;
}

/* A pool-backed view holding exactly |n| bytes of |s|; the buffer bytes
 * right after the view are |after| (to catch reads past the end). */
static rv_view view_of(const void *s, size_t n, const char *after)
{
	rv_view v;
	cr_assert_eq(rv_pool_get(g_pool, &v), 0);
	cr_assert_eq(rv_view_write(&v, 0, s, n), 0);
	if (after)
		cr_assert_eq(rv_view_write(&v, n, after, strlen(after)), 0);
	cr_assert_eq(rv_view_truncate(&v, n), 0);
	cr_assert_eq(v.len, n);
	return v;
}

static rv_view view_str(const char *s, const char *after)
{
	return view_of(s, strlen(s), after);
}

/* A view struct filled with junk, to check outputs are left untouched. */
static rv_view junk_view(void)
{
	rv_view v;
	memset(&v, 0xA5, sizeof(v));
	return v;
}

static bool is_junk(const rv_view *v)
{
	rv_view j = junk_view();
	return memcmp(v, &j, sizeof(j)) == 0;
}

static bool is_cleared(const rv_view *v)
{
	return v->data == NULL && v->len == 0 && rv_view_is_null(v) &&
	       v->_gen == 0 && v->_flags == 0;
}

/* Offsets/lengths worth trying against a view of |len| bytes. */
static size_t edge_values(size_t len, size_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i <= len + 2; i++)
		out[n++] = i;
	out[n++] = SIZE_MAX;
	out[n++] = SIZE_MAX - 1;
	out[n++] = SIZE_MAX - len;
	out[n++] = SIZE_MAX - len + 1;
	out[n++] = SIZE_MAX / 2 + 1;
	out[n++] = (size_t)UINT32_MAX + 1;
	return n;
}

/* ---- abort checking ------------------------------------------------ */

static int g_cap_fd = -1, g_orig_stderr = -1;
static char g_want[4][32];
static int g_nwant;

static bool has_word(const char *hay, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word)) {
		bool left = p == hay || !isalnum((unsigned char)p[-1]);
		bool right = !isalnum((unsigned char)p[wl]);
		if (left && right)
			return true;
	}
	return false;
}

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
		cr_assert_eq(rv_pool_get(g_pool, &v), 0);
		rv_view_release(&v);
	}
	cr_assert_eq(rv_pool_get(g_pool, &v), 0);
	return v;
}

static void stale_setup(void)
{
	pool_up(1, BUF_SIZE);
}

/* ---- slice ---------------------------------------------------------- */

/* A slice takes one reference: the buffer outlives the original view. */
Test(view, slice_takes_a_reference, .init = setup)
{
	rv_view v = get_buf(), s = junk_view();
	struct rv_pool_stats s0 = stats();

	cr_assert_eq(s0.free, BUF_COUNT - 1);
	cr_assert_eq(s0.held, 1);
	cr_assert_eq(rv_view_slice(&v, 10, 20, &s), 0);
	cr_assert_eq(stats().held, 1, "a slice does not take a new buffer");
	rv_view_release(&v);
	cr_assert_eq(stats().free, s0.free, "slice still holds the buffer");
	cr_assert_eq(stats().recycles, s0.recycles);
	for (size_t i = 0; i < 20; i++)
		cr_assert_eq(s.data[i], pattern(10 + i));
	rv_view_release(&s);
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* A slice points into the same bytes, at the right offset and length. */
Test(view, slice_shares_bytes, .init = setup)
{
	rv_view v = get_buf(), s, ss;

	cr_assert_eq(rv_view_slice(&v, 100, 50, &s), 0);
	cr_assert_eq(s.data, v.data + 100);
	cr_assert_eq(s.len, 50);
	cr_assert(!rv_view_is_readonly(&s));
	/* slice of a slice: offsets relative to the inner view */
	cr_assert_eq(rv_view_slice(&s, 5, 45, &ss), 0);
	cr_assert_eq(ss.data, v.data + 105);
	cr_assert_eq(ss.len, 45);
	rv_view_release(&v);
	rv_view_release(&s);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(ss.data[0], pattern(105));
	rv_view_release(&ss);
	pool_down();
}

/* Every off/len combination (including overflowing ones) on a small view:
 * -ERANGE exactly when out of bounds, |out| untouched then. */
Test(view, slice_bounds_exhaustive, .init = setup)
{
	const size_t L = 8;
	size_t vals[64];
	rv_view v = get_buf();
	size_t nv;

	cr_assert_eq(rv_view_advance(&v, 3), 0);  /* buffer bytes before */
	cr_assert_eq(rv_view_truncate(&v, L), 0); /* and after the view */
	nv = edge_values(L, vals);
	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], len = vals[j];
			bool fits = off <= L && len <= L - off;
			rv_view out = junk_view();
			int rc = rv_view_slice(&v, off, len, &out);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE,
					     "off %zu len %zu: rc %d", off, len,
					     rc);
				cr_assert(is_junk(&out),
					  "off %zu len %zu: out touched", off,
					  len);
				continue;
			}
			cr_assert_eq(rc, 0, "off %zu len %zu: rc %d", off, len,
				     rc);
			cr_assert_eq(out.data, v.data + off);
			cr_assert_eq(out.len, len);
			rv_view_release(&out);
		}
	}
	cr_assert_eq(stats().held, 1);
	cr_assert_eq(stats().recycles, 0, "failed slices must not release");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* Bounds are those of the view, not of the buffer under it. */
Test(view, slice_bounds_are_view_relative, .init = setup)
{
	rv_view v = get_buf(), out = junk_view();

	cr_assert_eq(rv_view_truncate(&v, 100), 0);
	cr_assert_eq(rv_view_slice(&v, 0, 101, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 100, 1, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 101, 0, &out), -ERANGE);
	cr_assert(is_junk(&out));
	cr_assert_eq(rv_view_advance(&v, 90), 0);
	cr_assert_eq(rv_view_slice(&v, 0, 11, &out), -ERANGE);
	cr_assert_eq(rv_view_slice(&v, 10, 0, &out), 0);
	cr_assert_eq(out.data, v.data + 10);
	rv_view_release(&out);
	rv_view_release(&v);
	pool_down();
}

/* Slicing a cleared view (never set, or released) is -EINVAL. */
Test(view, slice_of_cleared_view_is_einval, .init = setup)
{
	rv_view c = RV_VIEW_INIT, out = junk_view();

	cr_assert_eq(rv_view_slice(&c, 0, 0, &out), -EINVAL);
	cr_assert(is_junk(&out));
	c = get_buf();
	rv_view_release(&c);
	cr_assert_eq(rv_view_slice(&c, 0, 0, &out), -EINVAL);
	cr_assert_eq(rv_view_slice(&c, 0, 1, &out), -EINVAL);
	cr_assert(is_junk(&out));
	pool_down();
}

/* ---- retain / release ---------------------------------------------- */

/* retain returns another owner of the same bytes (+1 reference). */
Test(view, retain_takes_a_reference, .init = setup)
{
	rv_view v = get_buf();
	rv_view r = rv_view_retain(&v);
	rv_view r2 = rv_view_retain(&r);

	cr_assert_eq(r.data, v.data);
	cr_assert_eq(r.len, v.len);
	rv_view_release(&v);
	rv_view_release(&r);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(stats().recycles, 0);
	cr_assert_eq(r2.data[7], pattern(7));
	rv_view_release(&r2);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* Retaining a cleared view gives a cleared view. */
Test(view, retain_of_cleared_is_cleared)
{
	rv_view c = RV_VIEW_INIT;
	rv_view r = rv_view_retain(&c);
	cr_assert(is_cleared(&r));
	rv_view_release(&r);
	cr_assert(is_cleared(&r));
}

/* release clears the view; releasing the cleared view again is a no-op. */
Test(view, release_clears_and_second_release_is_noop, .init = setup)
{
	rv_view v = get_buf();
	struct rv_pool_stats s;

	rv_view_release(&v);
	cr_assert(is_cleared(&v));
	s = stats();
	cr_assert_eq(s.recycles, 1);
	rv_view_release(&v);
	rv_view_release(&v);
	cr_assert(is_cleared(&v));
	cr_assert_eq(stats().recycles, s.recycles);
	cr_assert_eq(stats().free, s.free);
	pool_down();
}

static int next_perm(int *a, int n)
{
	int i = n - 2, j = n - 1, t;
	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	while (a[j] <= a[i])
		j--;
	t = a[i], a[i] = a[j], a[j] = t;
	for (int l = i + 1, r = n - 1; l < r; l++, r--)
		t = a[l], a[l] = a[r], a[r] = t;
	return 1;
}

/* Make N views (N = 1..5, by get/retain/slice/split_to/slice-of-slice) of
 * one buffer and release them in every order; check the buffer is recycled
 * exactly once, at the last release. Returns the number of orders run. */
static unsigned release_every_order(void)
{
	unsigned runs = 0;

	for (int n = 1; n <= 5; n++) {
		int perm[5] = {0, 1, 2, 3, 4};
		do {
			rv_view v[5];
			struct rv_pool_stats s0, s;

			v[0] = get_buf();
			if (n > 1)
				v[1] = rv_view_retain(&v[0]);
			if (n > 2)
				cr_assert_eq(rv_view_slice(&v[0], 7, 30, &v[2]),
					     0);
			if (n > 3)
				cr_assert_eq(rv_view_split_to(&v[0], 5, &v[3]),
					     0);
			if (n > 4)
				cr_assert_eq(rv_view_slice(&v[2], 1, 2, &v[4]),
					     0);
			s0 = stats();
			cr_assert_eq(s0.held, 1);
			for (int k = 0; k < n - 1; k++) {
				rv_view_release(&v[perm[k]]);
				cr_assert(is_cleared(&v[perm[k]]));
				s = stats();
				cr_assert_eq(s.free, s0.free,
					     "n=%d step %d: recycled early", n,
					     k);
				cr_assert_eq(s.recycles, s0.recycles);
			}
			rv_view_release(&v[perm[n - 1]]);
			s = stats();
			cr_assert_eq(s.free, s0.free + 1, "n=%d: not recycled",
				     n);
			cr_assert_eq(s.recycles, s0.recycles + 1);
			/* all cleared now: releasing again is a no-op */
			for (int k = 0; k < n; k++)
				rv_view_release(&v[k]);
			cr_assert_eq(stats().recycles, s0.recycles + 1);
			runs++;
		} while (next_perm(perm, n));
	}
	return runs;
}

/* N views of a buffer released in every order (N = 1..5), with and without
 * reference-site tracking: recycled exactly once, and only at the last. */
Test(view, release_order_every_permutation)
{
	const uint32_t modes[] = {RV_POOL_TRACK_REFS, RV_POOL_NO_TRACK_REFS};

	for (int m = 0; m < 2; m++) {
		unsigned runs;
		pool_up_flags(BUF_COUNT, BUF_SIZE, modes[m]);
		cr_assert_eq(stats().tracking, m == 0);
		runs = release_every_order();
		cr_assert_eq(runs, 1 + 2 + 6 + 24 + 120);
		cr_assert_eq(stats().recycles, runs);
		pool_down();
	}
}

/* ---- split_to / advance / truncate --------------------------------- */

/* split_to: head gets the first n bytes and a new reference; v the rest. */
Test(view, split_to_moves_head, .init = setup)
{
	rv_view v = get_buf(), head = junk_view();
	const uint8_t *base = v.data;

	cr_assert_eq(rv_view_split_to(&v, 10, &head), 0);
	cr_assert_eq(head.data, base);
	cr_assert_eq(head.len, 10);
	cr_assert_eq(v.data, base + 10);
	cr_assert_eq(v.len, BUF_SIZE - 10);
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 0, "head holds its own reference");
	cr_assert_eq(head.data[9], pattern(9));
	rv_view_release(&head);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* split_to bounds: 0 and len work, len+1 and huge n are -ERANGE with both
 * views untouched. */
Test(view, split_to_bounds, .init = setup)
{
	rv_view v = get_buf(), head = junk_view(), before;

	cr_assert_eq(rv_view_truncate(&v, 16), 0);
	before = v;
	size_t bad[] = {17, 18, SIZE_MAX, SIZE_MAX - 15, (size_t)1 << 40};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rv_view_split_to(&v, bad[i], &head), -ERANGE,
			     "n = %zu", bad[i]);
		cr_assert(is_junk(&head));
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
	}
	cr_assert_eq(rv_view_split_to(&v, 0, &head), 0);
	cr_assert_eq(head.len, 0);
	cr_assert_eq(v.len, 16);
	rv_view_release(&head);
	head = junk_view();
	cr_assert_eq(rv_view_split_to(&v, 16, &head), 0);
	cr_assert_eq(head.len, 16);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(head.data[15], pattern(15));
	rv_view_release(&head);
	cr_assert_eq(stats().recycles, 0, "empty rest still owns a reference");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* advance and truncate work in place and change no reference count. */
Test(view, advance_truncate_in_place_no_ref_change, .init = setup)
{
	rv_view v = get_buf();
	const uint8_t *base = v.data;

	cr_assert_eq(rv_view_advance(&v, 100), 0);
	cr_assert_eq(v.data, base + 100);
	cr_assert_eq(v.len, BUF_SIZE - 100);
	cr_assert_eq(rv_view_truncate(&v, 50), 0);
	cr_assert_eq(v.data, base + 100);
	cr_assert_eq(v.len, 50);
	cr_assert_eq(v.data[0], pattern(100));
	cr_assert_eq(stats().held, 1);
	cr_assert_eq(stats().recycles, 0);
	rv_view_release(&v); /* the only reference: recycled now */
	cr_assert_eq(stats().recycles, 1);
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* advance/truncate bounds: n <= len works (down to empty), n > len is
 * -ERANGE and the view is unchanged. */
Test(view, advance_truncate_bounds, .init = setup)
{
	rv_view v = get_buf(), before;
	size_t bad[] = {11, 12, SIZE_MAX, SIZE_MAX - 9, (size_t)UINT32_MAX + 1};

	cr_assert_eq(rv_view_truncate(&v, 10), 0);
	before = v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rv_view_advance(&v, bad[i]), -ERANGE);
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
		cr_assert_eq(rv_view_truncate(&v, bad[i]), -ERANGE);
		cr_assert_eq(memcmp(&v, &before, sizeof(v)), 0);
	}
	cr_assert_eq(rv_view_truncate(&v, 10), 0, "truncate to len is a no-op");
	cr_assert_eq(v.len, 10);
	cr_assert_eq(rv_view_advance(&v, 0), 0);
	cr_assert_eq(v.len, 10);
	cr_assert_eq(rv_view_advance(&v, 10), 0);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(rv_view_advance(&v, 1), -ERANGE);
	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	cr_assert(!rv_view_is_null(&v), "an empty view still holds its buffer");
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	pool_down();
}

/* ---- read-only and memoryview semantics ---------------------------- */

/* A read-only view refuses writes: mut is NULL, write is -EPERM, bytes kept. */
Test(view, readonly_refuses_writes, .init = setup)
{
	rv_view v = get_buf();
	uint8_t x = 0xEE;

	cr_assert(!rv_view_is_readonly(&v));
	cr_assert_not_null(rv_view_mut(&v));
	rv_view_readonly(&v);
	cr_assert(rv_view_is_readonly(&v));
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, &x, 1), -EPERM);
	cr_assert_eq(rv_view_write(&v, 5, &x, 1), -EPERM);
	cr_assert_eq(v.data[0], pattern(0));
	cr_assert_eq(v.data[5], pattern(5));
	rv_view_release(&v);
	pool_down();
}

/* Slices, splits and retains of a read-only view are read-only; views made
 * before it was made read-only stay writable. */
Test(view, readonly_is_inherited, .init = setup)
{
	rv_view w = get_buf();
	rv_view ro = rv_view_retain(&w), s, h, r;

	rv_view_readonly(&ro);
	cr_assert(!rv_view_is_readonly(&w), "read-only is per view");
	cr_assert_eq(rv_view_slice(&ro, 1, 10, &s), 0);
	cr_assert(rv_view_is_readonly(&s));
	cr_assert_null(rv_view_mut(&s));
	cr_assert_eq(rv_view_write(&s, 0, "x", 1), -EPERM);
	cr_assert_eq(rv_view_split_to(&ro, 4, &h), 0);
	cr_assert(rv_view_is_readonly(&h));
	cr_assert(rv_view_is_readonly(&ro));
	r = rv_view_retain(&ro);
	cr_assert(rv_view_is_readonly(&r));
	rv_view_release(&s);
	rv_view_release(&h);
	rv_view_release(&r);
	rv_view_release(&ro);
	rv_view_release(&w);
	pool_down();
}

/* Writes through one view are seen by every other view of the buffer. */
Test(view, writes_visible_through_other_views, .init = setup)
{
	rv_view w = get_buf(), ro, s;

	cr_assert_eq(rv_view_slice(&w, 0, 64, &ro), 0);
	rv_view_readonly(&ro);
	cr_assert_eq(rv_view_slice(&w, 32, 32, &s), 0);
	cr_assert_eq(rv_view_write(&s, 0, "hello", 5), 0);
	cr_assert(memcmp(ro.data + 32, "hello", 5) == 0);
	cr_assert(memcmp(w.data + 32, "hello", 5) == 0);
	rv_view_mut(&w)[33] = 'E';
	cr_assert_eq(s.data[1], 'E');
	cr_assert_eq(ro.data[33], 'E');
	rv_view_release(&w);
	rv_view_release(&ro);
	rv_view_release(&s);
	pool_down();
}

/* ---- typed reads --------------------------------------------------- */

struct reader {
	const char *name;
	size_t width;
	bool be;
	int (*fn)(const rv_view *v, size_t off, uint64_t *out);
};

#define SENTINEL 0xA5A5A5A5A5A5A5A5ull
#define READER(nm, type, w, big)                                        \
	static int rd_##nm(const rv_view *v, size_t off, uint64_t *out) \
	{                                                               \
		type x = (type)SENTINEL;                                \
		int rc = rv_view_get_##nm(v, off, &x);                  \
		*out = x;                                               \
		return rc;                                              \
	}
READER(u8, uint8_t, 1, true)
READER(u16be, uint16_t, 2, true)
READER(u16le, uint16_t, 2, false)
READER(u32be, uint32_t, 4, true)
READER(u32le, uint32_t, 4, false)
READER(u64be, uint64_t, 8, true)
READER(u64le, uint64_t, 8, false)

static const struct reader readers[] = {
	{"u8", 1, true, rd_u8},	       {"u16be", 2, true, rd_u16be},
	{"u16le", 2, false, rd_u16le}, {"u32be", 4, true, rd_u32be},
	{"u32le", 4, false, rd_u32le}, {"u64be", 8, true, rd_u64be},
	{"u64le", 8, false, rd_u64le},
};

static uint64_t expect_value(const uint8_t *p, size_t w, bool be)
{
	uint64_t x = 0;
	for (size_t i = 0; i < w; i++)
		x |= (uint64_t)p[be ? i : w - 1 - i] << (8 * (w - 1 - i));
	return x;
}

static void check_reads(const rv_view *v)
{
	size_t offs[64];
	size_t L = v->len, no = edge_values(L, offs);

	for (size_t r = 0; r < sizeof(readers) / sizeof(readers[0]); r++) {
		const struct reader *rd = &readers[r];
		uint64_t mask =
			rd->width == 8 ? ~0ull : (1ull << (8 * rd->width)) - 1;
		for (size_t i = 0; i < no; i++) {
			size_t off = offs[i];
			bool fits = off <= L && rd->width <= L - off;
			uint64_t got;
			int rc = rd->fn(v, off, &got);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE,
					     "%s at %zu of %zu: %d", rd->name,
					     off, L, rc);
				cr_assert_eq(got, SENTINEL & mask,
					     "%s at %zu: out touched", rd->name,
					     off);
				continue;
			}
			cr_assert_eq(rc, 0, "%s at %zu of %zu: %d", rd->name,
				     off, L, rc);
			cr_assert_eq(
				got,
				expect_value(v->data + off, rd->width, rd->be),
				"%s at %zu: got %#llx", rd->name, off,
				(unsigned long long)got);
		}
	}
}

/* Typed reads at every offset: right value and byte order up to the last
 * valid offset, -ERANGE with out untouched from the first invalid one. */
Test(view, typed_reads_every_offset, .init = setup)
{
	rv_view v = get_buf(), s;

	cr_assert_eq(rv_view_slice(&v, 5, 17, &s), 0);
	check_reads(&s);
	/* spot-check the byte order by hand */
	{
		const uint8_t b[8] = {0x01, 0x02, 0x03, 0x04,
				      0x05, 0x06, 0x07, 0x08};
		rv_view k = view_of(b, 8, "\xff\xff\xff\xff");
		uint16_t x16;
		uint32_t x32;
		uint64_t x64;
		cr_assert_eq(rv_view_get_u16be(&k, 0, &x16), 0);
		cr_assert_eq(x16, 0x0102);
		cr_assert_eq(rv_view_get_u16le(&k, 6, &x16), 0);
		cr_assert_eq(x16, 0x0807);
		cr_assert_eq(rv_view_get_u32be(&k, 4, &x32), 0);
		cr_assert_eq(x32, 0x05060708);
		cr_assert_eq(rv_view_get_u32le(&k, 1, &x32), 0);
		cr_assert_eq(x32, 0x05040302);
		cr_assert_eq(rv_view_get_u64be(&k, 0, &x64), 0);
		cr_assert_eq(x64, 0x0102030405060708ull);
		cr_assert_eq(rv_view_get_u64le(&k, 0, &x64), 0);
		cr_assert_eq(x64, 0x0807060504030201ull);
		cr_assert_eq(rv_view_get_u32be(&k, 5, &x32), -ERANGE,
			     "reads must not see bytes past the view");
		rv_view_release(&k);
	}
	rv_view_release(&s);
	rv_view_release(&v);
	pool_down();
}

/* Typed reads on empty and cleared views fail cleanly. */
Test(view, typed_reads_on_empty_views, .init = setup)
{
	rv_view v = get_buf(), c = RV_VIEW_INIT;

	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	check_reads(&v);
	check_reads(&c);
	rv_view_release(&v);
	pool_down();
}

/* ---- find / eq / copy_out / write ---------------------------------- */

/* find: at start, middle, end, overlapping prefix, not found, never past the
 * view, empty needle at from, from at/beyond len. */
Test(view, find, .init = setup)
{
	rv_view v = view_str("GET /index HTTP/1.1\r\n", "\r\nXYZ");
	size_t L = v.len;

	cr_assert_eq(rv_view_find(&v, 0, "GET", 3), 0);
	cr_assert_eq(rv_view_find(&v, 0, "/index", 6), 4);
	cr_assert_eq(rv_view_find(&v, 0, "\r\n", 2), (ssize_t)L - 2);
	cr_assert_eq(rv_view_find(&v, 0, v.data, L), 0, "whole view");
	cr_assert_eq(rv_view_find(&v, 1, "GET", 3), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 4, "/index", 6), 4, "from == match");
	cr_assert_eq(rv_view_find(&v, 5, "/index", 6), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "POST", 4), -ENOENT);
	/* bytes after the view must not be searched */
	cr_assert_eq(rv_view_find(&v, 0, "XYZ", 3), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "\r\n\r\n", 4), -ENOENT);
	cr_assert_eq(rv_view_find(&v, 0, "1.1\r\n\r", 6), -ENOENT);
	/* needle longer than the view */
	cr_assert_eq(rv_view_find(&v, 0, "GET /index HTTP/1.1\r\n\r\n", L + 2),
		     -ENOENT);
	/* empty needle matches at from, up to from == len */
	cr_assert_eq(rv_view_find(&v, 0, "", 0), 0);
	cr_assert_eq(rv_view_find(&v, 7, "", 0), 7);
	cr_assert_eq(rv_view_find(&v, L, "", 0), (ssize_t)L);
	/* from beyond len */
	cr_assert_eq(rv_view_find(&v, L, "\n", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, L + 1, "", 0), -ENOENT);
	cr_assert_eq(rv_view_find(&v, L + 1, "G", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, SIZE_MAX, "G", 1), -ENOENT);
	cr_assert_eq(rv_view_find(&v, SIZE_MAX, "", 0), -ENOENT);
	rv_view_release(&v);

	/* overlapping partial matches */
	v = view_str("aaab", NULL);
	cr_assert_eq(rv_view_find(&v, 0, "aab", 3), 1);
	cr_assert_eq(rv_view_find(&v, 2, "ab", 2), 2);
	cr_assert_eq(rv_view_find(&v, 3, "b", 1), 3);
	rv_view_release(&v);
	pool_down();
}

/* find_byte: at start, middle, last byte, not found, never past the view,
 * from at/beyond len. */
Test(view, find_byte, .init = setup)
{
	rv_view v = view_str("key=value;", "Z");
	size_t L = v.len;

	cr_assert_eq(rv_view_find_byte(&v, 0, 'k'), 0);
	cr_assert_eq(rv_view_find_byte(&v, 0, '='), 3);
	cr_assert_eq(rv_view_find_byte(&v, 3, '='), 3);
	cr_assert_eq(rv_view_find_byte(&v, 4, '='), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, 0, ';'), (ssize_t)L - 1);
	cr_assert_eq(rv_view_find_byte(&v, L - 1, ';'), (ssize_t)L - 1);
	cr_assert_eq(rv_view_find_byte(&v, 0, 'e'), 1);
	cr_assert_eq(rv_view_find_byte(&v, 3, 'e'), 8);
	cr_assert_eq(rv_view_find_byte(&v, 0, '#'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, 0, 'Z'), -ENOENT, "past the view");
	cr_assert_eq(rv_view_find_byte(&v, 0, 0), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, L, ';'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, L + 1, 'k'), -ENOENT);
	cr_assert_eq(rv_view_find_byte(&v, SIZE_MAX, 'k'), -ENOENT);
	rv_view_release(&v);

	/* NUL bytes are ordinary bytes */
	v = view_of("ab\0cd", 5, NULL);
	cr_assert_eq(rv_view_find_byte(&v, 0, 0), 2);
	cr_assert_eq(rv_view_find(&v, 0, "\0c", 2), 2);
	rv_view_release(&v);
	pool_down();
}

/* eq and eq_view compare length and every byte, never past the view. */
Test(view, eq_and_eq_view, .init = setup)
{
	rv_view a = view_str("hello", "!"), b = view_str("hello", "?");
	rv_view c = view_str("hellO", NULL), e = RV_VIEW_INIT, s;

	cr_assert(rv_view_eq(&a, "hello", 5));
	cr_assert(!rv_view_eq(&a, "hello!", 6), "bytes past the view");
	cr_assert(!rv_view_eq(&a, "hell", 4));
	cr_assert(!rv_view_eq(&a, "jello", 5), "first byte differs");
	cr_assert(!rv_view_eq(&a, "hellO", 5), "last byte differs");
	cr_assert(rv_view_eq_view(&a, &b), "same bytes, different buffers");
	cr_assert(rv_view_eq_view(&b, &a));
	cr_assert(!rv_view_eq_view(&a, &c));
	cr_assert(!rv_view_eq_view(&a, &e));
	cr_assert(rv_view_eq(&e, "", 0));
	cr_assert(rv_view_eq_view(&e, &e));
	cr_assert_eq(rv_view_slice(&a, 1, 3, &s), 0);
	cr_assert(rv_view_eq(&s, "ell", 3));
	cr_assert(!rv_view_eq_view(&s, &a));
	cr_assert_eq(rv_view_truncate(&a, 0), 0);
	cr_assert(rv_view_eq_view(&a, &e), "empty equals cleared");
	rv_view_release(&a);
	rv_view_release(&b);
	rv_view_release(&c);
	rv_view_release(&s);
	pool_down();
}

/* copy_out at every off/n (overflows included): all or nothing. */
Test(view, copy_out_bounds, .init = setup)
{
	const size_t L = 8;
	rv_view v = view_str("01234567", "89");
	size_t vals[64], nv = edge_values(L, vals);

	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], n = vals[j];
			bool fits = off <= L && n <= L - off;
			char dst[16];
			memset(dst, '#', sizeof(dst));
			int rc = rv_view_copy_out(&v, off, dst, n);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE, "off %zu n %zu", off,
					     n);
				for (size_t k = 0; k < sizeof(dst); k++)
					cr_assert_eq(dst[k], '#',
						     "dst written");
				continue;
			}
			cr_assert_eq(rc, 0, "off %zu n %zu", off, n);
			cr_assert(memcmp(dst, &"01234567"[off], n) == 0);
			cr_assert_eq(dst[n], '#', "wrote past n");
		}
	}
	rv_view_release(&v);
	pool_down();
}

/* write at every off/n (overflows included): all or nothing, never past
 * the view. */
Test(view, write_bounds, .init = setup)
{
	const size_t L = 8;
	rv_view v = view_str("........", "||||");
	size_t vals[64], nv = edge_values(L, vals);
	const char src[16] = "ABCDEFGHIJKLMNO";

	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < nv; j++) {
			size_t off = vals[i], n = vals[j];
			bool fits = off <= L && n <= L - off;
			int rc;
			cr_assert_eq(rv_view_write(&v, 0, "........", 8), 0);
			rc = rv_view_write(&v, off, src, n);
			cr_assert(memcmp(v.data + L, "||||", 4) == 0,
				  "wrote past the view (off %zu n %zu)", off,
				  n);
			if (!fits) {
				cr_assert_eq(rc, -ERANGE, "off %zu n %zu", off,
					     n);
				cr_assert(rv_view_eq(&v, "........", 8));
				continue;
			}
			cr_assert_eq(rc, 0);
			cr_assert(memcmp(v.data + off, src, n) == 0);
		}
	}
	rv_view_release(&v);
	pool_down();
}

/* ---- hexdump ------------------------------------------------------- */

static char *hexdump_of(const rv_view *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	rv_view_hexdump(v, f);
	cr_assert_eq(fclose(f), 0);
	for (size_t i = 0; i < len; i++)
		text[i] = (char)tolower((unsigned char)text[i]);
	return text;
}

/* hexdump: a header line, then offset/hex/ASCII lines for the view's bytes
 * only. */
Test(view, hexdump, .init = setup)
{
	uint8_t bytes[40];
	rv_view v;
	char *text;
	int lines = 0;

	memcpy(bytes, "Hello, ringview!", 16);
	memcpy(bytes + 16, "\xde\xad\xbe\xef", 4);
	for (int i = 20; i < 40; i++)
		bytes[i] = (uint8_t)('a' + i - 20);
	v = view_of(bytes, sizeof(bytes), "ZZZZZZZZ");
	text = hexdump_of(&v);
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 1 + 3, "header + 3 lines of 16:\n%s", text);
	cr_assert(strstr(text, "48 65 6c 6c 6f") || strstr(text, "48656c6c6f"),
		  "hex of 'Hello' missing:\n%s", text);
	cr_assert(strstr(text, "de ad be ef") || strstr(text, "deadbeef"),
		  "hex of deadbeef missing:\n%s", text);
	cr_assert(strstr(text, "hello, ringview!"), "ASCII column:\n%s", text);
	cr_assert(strstr(text, "gen"), "header names the generation:\n%s",
		  text);
	cr_assert(strstr(text, "ref"), "header names the refcount:\n%s", text);
	cr_assert_null(strstr(text, "5a 5a"), "dumped bytes past the view");
	cr_assert_null(strstr(text, "zzzz"), "dumped bytes past the view");
	free(text);
	rv_view_release(&v);
	pool_down();
}

/* ---- wrapping foreign memory --------------------------------------- */

static struct {
	int calls;
	void *ctx, *ptr;
	size_t len;
} g_freed;

static void count_free(void *ctx, void *ptr, size_t len)
{
	g_freed.calls++;
	g_freed.ctx = ctx;
	g_freed.ptr = ptr;
	g_freed.len = len;
	free(ptr);
}

/* A wrapped block is freed exactly once, with its own ptr/len/ctx, after the
 * last of several views (however they were advanced or sliced); the pool
 * is not involved. */
Test(view, wrap_free_called_once_after_last_view, .init = setup)
{
	static int token;
	char *block = malloc(100);
	rv_view v = junk_view(), r, s, h;

	cr_assert_not_null(block);
	memset(block, 'w', 100);
	cr_assert_eq(rv_view_wrap(block, 100, count_free, &token, &v), 0);
	cr_assert_eq(v.data, (uint8_t *)block);
	cr_assert_eq(v.len, 100);
	cr_assert(!rv_view_is_readonly(&v));
	cr_assert_not_null(rv_view_mut(&v));
	r = rv_view_retain(&v);
	cr_assert_eq(rv_view_slice(&v, 10, 20, &s), 0);
	cr_assert_eq(rv_view_split_to(&r, 3, &h), 0);
	cr_assert_eq(rv_view_advance(&v, 50), 0);
	cr_assert_eq(rv_view_truncate(&s, 5), 0);
	cr_assert_eq(rv_view_write(&s, 0, "W", 1), 0);
	cr_assert_eq(v.data[-40], 'W', "writes reach the wrapped memory");
	rv_view_release(&v);
	rv_view_release(&r);
	rv_view_release(&h);
	cr_assert_eq(g_freed.calls, 0, "freed before the last view");
	rv_view_release(&s);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(g_freed.ptr, block);
	cr_assert_eq(g_freed.len, 100);
	cr_assert_eq(g_freed.ctx, &token);
	rv_view_release(&s);
	cr_assert_eq(g_freed.calls, 1, "release of cleared view is a no-op");
	cr_assert_eq(stats().recycles, 0, "wrapped memory is not the pool's");
	cr_assert_eq(stats().free, BUF_COUNT);
	pool_down();
}

/* A zero-length wrap still calls its free function once. */
Test(view, wrap_zero_length)
{
	void *block = malloc(1);
	rv_view v;

	cr_assert_eq(rv_view_wrap(block, 0, count_free, NULL, &v), 0);
	cr_assert_eq(v.len, 0);
	cr_assert(!rv_view_is_null(&v));
	rv_view_release(&v);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(g_freed.ptr, block);
	cr_assert_eq(g_freed.len, 0);
}

/* wrap with no free function frees nothing. */
Test(view, wrap_without_free_fn)
{
	static uint8_t mem[32];
	rv_view v, s;

	cr_assert_eq(rv_view_wrap(mem, sizeof(mem), NULL, NULL, &v), 0);
	cr_assert_eq(rv_view_slice(&v, 8, 8, &s), 0);
	rv_view_release(&v);
	rv_view_release(&s);
	cr_assert(is_cleared(&s));
}

/* wrap_const views (and their slices) are read-only; nothing is freed. */
Test(view, wrap_const_is_readonly)
{
	static const char lit[] = "HTTP/1.1 200 OK\r\n";
	rv_view v = junk_view(), s, r;

	cr_assert_eq(rv_view_wrap_const(lit, sizeof(lit) - 1, &v), 0);
	cr_assert_eq(v.data, (const uint8_t *)lit);
	cr_assert_eq(v.len, sizeof(lit) - 1);
	cr_assert(rv_view_is_readonly(&v), "wrap_const must be read-only");
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, "X", 1), -EPERM);
	cr_assert_eq(rv_view_slice(&v, 9, 3, &s), 0);
	cr_assert(rv_view_is_readonly(&s));
	cr_assert(rv_view_eq(&s, "200", 3));
	r = rv_view_retain(&v);
	cr_assert(rv_view_is_readonly(&r));
	rv_view_release(&v);
	rv_view_release(&s);
	rv_view_release(&r); /* freeing a literal would crash here */
	cr_assert_eq(lit[0], 'H');
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
	cr_assert_eq(rv_pool_get(g_pool, &fresh), 0);
	cr_assert_eq(fresh._buf, copy._buf, "one-buffer pool reuses it");
	expect_abort(id, gen, gen + 1);
	rv_view_release(&copy);
}

/* A stale copy of a compacted view (its small chunk recycled) aborts too. */
Test(view, stale_small_chunk_aborts, .init = setup, .signal = SIGABRT)
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
	cr_assert_eq(rv_view_wrap(block, 32, count_free, NULL, &v), 0);
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

	cr_assert_eq(rv_view_wrap(a, 32, count_free, NULL, &va), 0);
	hdr = malloc_usable_size(va._buf);
	for (int i = 0; i < 7; i++)
		filler[i] = malloc(hdr);
	copy = va;
	for (int i = 0; i < 7; i++)
		free(filler[i]);
	rv_view_release(&va);
	cr_assert_eq(g_freed.calls, 1);
	cr_assert_eq(rv_view_wrap(b, 32, count_free, NULL, &vb), 0);
	cr_log_info("header reused: %s", copy._buf == vb._buf ? "yes" : "no");
	expect_abort_msg(0, false, 0, 0);
	rv_view_release(&copy); /* must abort */
	cr_assert_eq(g_freed.calls, 1,
		     "a stale copy released another wrap's last reference: "
		     "its memory was freed while its view is live");
	cr_assert_fail("a stale copy of a wrapped view did not abort");
}

/* ---- compaction ----------------------------------------------------- */

/* A small view is copied out and its receive buffer recycled; the copy keeps
 * the bytes and the writable flag. */
Test(view, compact_small_view, .init = setup)
{
	rv_view v = get_buf(), s;
	struct rv_pool_stats s0;
	uint8_t expect[100];

	cr_assert_eq(rv_view_slice(&v, 200, 100, &s), 0);
	rv_view_release(&v);
	memcpy(expect, s.data, 100);
	s0 = stats();
	cr_assert_eq(s0.free, BUF_COUNT - 1);
	cr_assert_eq(s0.pinned, 1);
	cr_assert_eq(rv_view_compact(&s), 0);
	cr_assert_eq(s.len, 100);
	cr_assert(rv_view_eq(&s, expect, 100));
	cr_assert_eq(stats().free, BUF_COUNT, "receive buffer recycled");
	cr_assert_eq(stats().recycles, s0.recycles + 1);
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	cr_assert_eq(stats().small_held, 1);
	cr_assert_eq(stats().pinned, 0);
	cr_assert_geq(stats().bytes_copied, s0.bytes_copied + 100);
	cr_assert(!rv_view_is_readonly(&s));
	cr_assert_not_null(rv_view_mut(&s));
	cr_assert_eq(rv_view_write(&s, 0, "Z", 1), 0);
	cr_assert_eq(s.data[0], 'Z');
	/* all pool buffers are usable again, and do not alias the copy */
	{
		rv_view all[BUF_COUNT];
		for (unsigned i = 0; i < BUF_COUNT; i++) {
			all[i] = get_buf();
			cr_assert(s.data + s.len <= all[i].data ||
				  s.data >= all[i].data + all[i].len);
		}
		cr_assert_eq(s.data[1], expect[1]);
		for (unsigned i = 0; i < BUF_COUNT; i++)
			rv_view_release(&all[i]);
	}
	rv_view_release(&s);
	cr_assert_eq(stats().small_held, 0);
	pool_down();
}

/* Compaction keeps the read-only flag. */
Test(view, compact_keeps_readonly, .init = setup)
{
	rv_view v = get_buf();

	cr_assert_eq(rv_view_truncate(&v, 33), 0);
	rv_view_readonly(&v);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert(rv_view_is_readonly(&v));
	cr_assert_null(rv_view_mut(&v));
	cr_assert_eq(rv_view_write(&v, 0, "x", 1), -EPERM);
	cr_assert_eq(v.data[32], pattern(32));
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&v);
	pool_down();
}

/* Views up to RV_COMPACT_MAX compact; one byte more is -EMSGSIZE and
 * nothing changes. */
Test(view, compact_size_limit, .init = setup)
{
	rv_view v = get_buf(), big, ok, before;
	struct rv_pool_stats s0;

	cr_assert_eq(rv_view_slice(&v, 1, RV_COMPACT_MAX + 1, &big), 0);
	cr_assert_eq(rv_view_slice(&v, 1, RV_COMPACT_MAX, &ok), 0);
	rv_view_release(&v);
	before = big;
	s0 = stats();
	cr_assert_eq(rv_view_compact(&big), -EMSGSIZE);
	cr_assert_eq(memcmp(&big, &before, sizeof(big)), 0);
	cr_assert_eq(stats().compactions, s0.compactions);
	cr_assert_eq(stats().small_held, 0);
	cr_assert_eq(rv_view_compact(&ok), 0);
	cr_assert_eq(ok.len, RV_COMPACT_MAX);
	cr_assert_eq(ok.data[RV_COMPACT_MAX - 1], pattern(RV_COMPACT_MAX));
	cr_assert_eq(stats().compactions, s0.compactions + 1);
	cr_assert_eq(stats().free, BUF_COUNT - 1, "big still holds it");
	rv_view_release(&big);
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&ok);
	pool_down();
}

/* Compacting one of several views of a buffer leaves the others valid. */
Test(view, compact_shared_buffer, .init = setup)
{
	rv_view v = get_buf(), s;

	cr_assert_eq(rv_view_slice(&v, 0, 16, &s), 0);
	cr_assert_eq(rv_view_compact(&s), 0);
	cr_assert_eq(stats().free, BUF_COUNT - 1);
	cr_assert_eq(stats().recycles, 0);
	cr_assert_eq(v.data[3], pattern(3));
	cr_assert_eq(s.data[3], pattern(3));
	cr_assert_neq(s.data, v.data);
	rv_view_release(&v);
	cr_assert_eq(stats().recycles, 1);
	cr_assert_eq(s.data[15], pattern(15));
	rv_view_release(&s);
	pool_down();
}

/* Views of a compacted chunk are counted: the chunk lives until the last. */
Test(view, compacted_view_slices_and_retains, .init = setup)
{
	rv_view v = get_buf(), s, r;

	cr_assert_eq(rv_view_truncate(&v, 64), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert_eq(rv_view_slice(&v, 60, 4, &s), 0);
	r = rv_view_retain(&v);
	rv_view_release(&v);
	rv_view_release(&r);
	cr_assert_eq(stats().small_held, 1);
	cr_assert_eq(s.data[0], pattern(60));
	cr_assert_eq(rv_view_compact(&s), 0, "already compact: left alone");
	cr_assert_eq(stats().compactions, 1);
	rv_view_release(&s);
	cr_assert_eq(stats().small_held, 0);
	pool_down();
}

/* Wrapped and cleared views pin no receive buffer: compact leaves them
 * alone and returns 0. */
Test(view, compact_leaves_non_pool_views_alone, .init = setup)
{
	char *block = malloc(64);
	rv_view w, before, c = RV_VIEW_INIT;

	memset(block, 'q', 64);
	cr_assert_eq(rv_view_wrap(block, 64, count_free, NULL, &w), 0);
	before = w;
	cr_assert_eq(rv_view_compact(&w), 0);
	cr_assert_eq(memcmp(&w, &before, sizeof(w)), 0);
	cr_assert_eq(g_freed.calls, 0);
	cr_assert_eq(stats().compactions, 0);
	cr_assert_eq(rv_view_compact(&c), 0);
	cr_assert(is_cleared(&c));
	rv_view_release(&w);
	cr_assert_eq(g_freed.calls, 1);
	pool_down();
}

/* An empty view of a pool buffer compacts too, releasing the buffer. */
Test(view, compact_empty_view, .init = setup)
{
	rv_view v = get_buf();

	cr_assert_eq(rv_view_truncate(&v, 0), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(stats().free, BUF_COUNT);
	rv_view_release(&v);
	pool_down();
}

/* ---- wrapped views made on a thread that then exits ------------------ */

#include <pthread.h>

static void *wrap_on_thread(void *arg)
{
	static const char text[] = "thread-local headers";
	rv_view v;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		if (rv_view_wrap_const(text, sizeof(text) - 1, &v) != 0)
			return (void *)1;
		rv_view_release(&v);
	}
	return NULL;
}

/* The headers of a thread's wrapped views outlive the thread for others
 * to reuse: nothing leaks (LeakSanitizer in the sanitizer build) and a
 * later wrap on another thread works. */
Test(view, wrap_headers_survive_thread_exit)
{
	pthread_t t;
	void *ret = (void *)1;
	rv_view v;

	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_create(&t, NULL, wrap_on_thread, NULL), 0);
		cr_assert_eq(pthread_join(t, &ret), 0);
		cr_assert_null(ret);
	}
	cr_assert_eq(rv_view_wrap_const("x", 1, &v), 0);
	cr_assert(rv_view_eq(&v, "x", 1));
	rv_view_release(&v);
}
