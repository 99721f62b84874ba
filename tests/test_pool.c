/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_pool.c - the arena of receive buffers: configuration, alignment,
 * huge pages, exhaustion, stats, pinning, leak reports and destroy.
 *
 * Every test ends with pool_down_of(), which checks the invariant
 * free == total and that the pool can then be destroyed.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ringview/ringview.h>

#include "core_util.h"

/* ---- helpers ------------------------------------------------------- */

/* Create must fail with |err| and leave |*out| alone. */
static void expect_create_fails(const struct rv_pool_config *cfg, int err)
{
	rv_pool *sentinel = (rv_pool *)(uintptr_t)0x5a5a5a5a;
	rv_pool *p = sentinel;
	int rc = rv_pool_create(cfg, &p);
	cr_assert_eq(rc, err, "count %u size %u: got %d (%s), want %d",
		     cfg->count, cfg->size, rc, rv_strerror(rc), err);
	cr_assert_eq(p, sentinel, "out written on failure");
}

/* Write |mark| over the whole view; check it later with check_fill. */
static void fill(const rv_view *v, uint8_t mark)
{
	uint8_t *p = rv_view_mut(v);
	cr_assert_not_null(p);
	memset(p, mark, v->len);
}

static void check_fill(const rv_view *v, uint8_t mark)
{
	for (size_t i = 0; i < v->len; i++)
		if (v->data[i] != mark)
			cr_assert_fail(
				"byte %zu is %#x, want %#x (buffers overlap?)",
				i, v->data[i], mark);
}

static int cmp_ptr(const void *a, const void *b)
{
	const uint8_t *x = ((const rv_view *)a)->data;
	const uint8_t *y = ((const rv_view *)b)->data;
	return x < y ? -1 : x > y;
}

/* The leak report of |p| as text; its return value in |*count|. */
static char *report_of(const rv_pool *p, int *count)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	*count = rv_pool_leak_report(p, f);
	cr_assert_eq(fclose(f), 0);
	return text;
}

/* The line of |text| containing |needle|, copied into |line|, or false. */
static bool line_with(const char *text, const char *needle, char *line,
		      size_t cap)
{
	size_t nl = strlen(needle);
	const char *hit = strstr(text, needle), *start, *end;
	/* "file.c:12" must not match "file.c:123" */
	while (hit && isdigit((unsigned char)hit[nl]))
		hit = strstr(hit + 1, needle);
	if (!hit)
		return false;
	for (start = hit; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(hit, '\n');
	if (!end)
		end = hit + strlen(hit);
	snprintf(line, cap, "%.*s", (int)(end - start), start);
	return true;
}

/* "test_pool.c:<line>" as RV__SITE would spell its tail. */
static const char *site(int line)
{
	static char buf[4][64];
	static int i;
	char *s = buf[i++ % 4];
	snprintf(s, 64, "test_pool.c:%d", line);
	return s;
}

/* The id of the buffer under |v| (white-box: the header field is private,
 * but a leak report is only useful if it names it). */
static uint32_t buf_id(const rv_view *v)
{
	return v->_buf->_id;
}

/* Check |text| has a line naming buffer |id| and |site_s|. */
static void expect_report_line(const char *text, uint32_t id,
			       const char *site_s)
{
	char line[1024], idw[16];
	snprintf(idw, sizeof(idw), "%u", id);
	cr_assert(line_with(text, site_s, line, sizeof(line)),
		  "report lacks %s:\n%s", site_s, text);
	cr_assert(has_word(line, idw),
		  "line for %s does not name buffer %u: %s", site_s, id, line);
}

/* Log messages, recorded by a callback. */
static char g_log[65536];
static size_t g_log_len;
static int g_log_errors;

static void record_log(void *ctx, enum rv_log_level level, const char *msg)
{
	(void)ctx;
	if (level == RV_LOG_ERROR)
		g_log_errors++;
	g_log_len +=
		(size_t)snprintf(g_log + g_log_len, sizeof(g_log) - g_log_len,
				 "%d: %s\n", (int)level, msg);
	if (g_log_len >= sizeof(g_log))
		g_log_len = sizeof(g_log) - 1;
}

/* ---- creation -------------------------------------------------------- */

/* NULL config and a zero config give 256 buffers of 16 KiB, all free. */
Test(pool, create_defaults)
{
	const struct rv_pool_config zero = {0};
	const struct rv_pool_config *cfgs[] = {NULL, &zero};

	for (int i = 0; i < 2; i++) {
		rv_pool *p = NULL;
		struct rv_pool_stats s;
		cr_assert_eq(rv_pool_create(cfgs[i], &p), 0);
		s = stats_of(p);
		cr_assert_eq(s.total, 256);
		cr_assert_eq(s.free, 256);
		cr_assert_eq(s.held, 0);
		cr_assert_eq(s.buf_size, 16384);
		cr_assert_eq(rv_pool_buf_size(p), 16384);
		cr_assert_eq(s.high_water, 0);
		cr_assert_eq(s.recycles, 0);
		cr_assert_eq(s.enobufs, 0);
		cr_assert(!s.hugepages, "not asked for");
		pool_down_of(p);
	}
}

/* count 0 means the default; size 0 means the default. */
Test(pool, zero_count_or_size_means_default)
{
	rv_pool *p = make_pool(0, 4096, 0);
	cr_assert_eq(stats_of(p).total, 256);
	cr_assert_eq(stats_of(p).buf_size, 4096);
	pool_down_of(p);
	p = make_pool(3, 0, 0);
	cr_assert_eq(stats_of(p).total, 3);
	cr_assert_eq(stats_of(p).buf_size, 16384);
	pool_down_of(p);
}

/* Out-of-range count or size is -EINVAL with |*out| untouched; the limits
 * themselves are accepted. */
Test(pool, create_bad_configs)
{
	struct rv_pool_config c;
	rv_pool *p;

	c = (struct rv_pool_config){.count = RV_POOL_MAX_COUNT + 1, .size = 64};
	expect_create_fails(&c, -EINVAL);
	c = (struct rv_pool_config){.count = UINT32_MAX, .size = 64};
	expect_create_fails(&c, -EINVAL);
	c = (struct rv_pool_config){.count = 1, .size = RV_POOL_MAX_SIZE + 1};
	expect_create_fails(&c, -EINVAL);
	/* sizes that would wrap around when rounded up to 64 */
	c = (struct rv_pool_config){.count = 1, .size = UINT32_MAX};
	expect_create_fails(&c, -EINVAL);
	c = (struct rv_pool_config){.count = 1, .size = UINT32_MAX - 62};
	expect_create_fails(&c, -EINVAL);

	p = make_pool(RV_POOL_MAX_COUNT, 64, 0);
	cr_assert_eq(stats_of(p).total, RV_POOL_MAX_COUNT);
	pool_down_of(p);
	p = make_pool(1, RV_POOL_MAX_SIZE, 0);
	cr_assert_eq(stats_of(p).buf_size, RV_POOL_MAX_SIZE);
	pool_down_of(p);
}

/* An arena that cannot be mapped (32768 x 1 GiB) is -ENOMEM, out untouched. */
Test(pool, create_unmappable_is_enomem)
{
	struct rv_pool_config c = {.count = RV_POOL_MAX_COUNT,
				   .size = RV_POOL_MAX_SIZE};
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	int mode = -1;

	if (f) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = -1;
		fclose(f);
	}
	if (mode == 1)
		cr_skip_test("vm.overcommit_memory=1 maps anything");
	expect_create_fails(&c, -ENOMEM);
}

/* Sizes are rounded up to a multiple of 64 (and the view covers all). */
Test(pool, size_rounded_to_64)
{
	const uint32_t in[] = {1, 63, 64, 65, 100, 4095, 4097};
	const uint32_t want[] = {64, 64, 64, 128, 128, 4096, 4160};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		rv_pool *p = make_pool(4, in[i], 0);
		rv_view v;
		cr_assert_eq(stats_of(p).buf_size, want[i], "size %u", in[i]);
		cr_assert_eq(rv_pool_buf_size(p), want[i]);
		cr_assert_eq(rv_pool_get(p, &v), 0);
		cr_assert_eq(v.len, want[i]);
		cr_assert_eq((uintptr_t)v.data % 64, 0, "64-byte aligned");
		fill(&v, 0x77);
		rv_view_release(&v);
		pool_down_of(p);
	}
}

/* Buffers are page-aligned when the size is a multiple of 4096. */
Test(pool, page_aligned_buffers)
{
	const uint32_t sizes[] = {4096, 8192, 12288, 65536};

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		rv_pool *p = make_pool(7, sizes[k], 0);
		rv_view v[7];
		for (int i = 0; i < 7; i++) {
			cr_assert_eq(rv_pool_get(p, &v[i]), 0);
			cr_assert_eq((uintptr_t)v[i].data % 4096, 0,
				     "size %u buffer %d at %p", sizes[k], i,
				     (void *)v[i].data);
		}
		for (int i = 0; i < 7; i++)
			rv_view_release(&v[i]);
		pool_down_of(p);
	}
}

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long val = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			val = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return val;
}

/* RV_POOL_HUGEPAGES works when huge pages are reserved and falls back
 * otherwise; stats.hugepages says which; buffers are usable either way. */
Test(pool, hugepages_or_fallback)
{
	const uint32_t count = 4, size = 1u << 20; /* 4 MiB in all */
	long free_pages = meminfo("HugePages_Free");
	long rsvd = meminfo("HugePages_Rsvd");
	long page_kb = meminfo("Hugepagesize");
	bool can = free_pages > 0 && page_kb > 0 &&
		   (free_pages - (rsvd > 0 ? rsvd : 0)) * page_kb * 1024 >=
			   (long)count * size;
	rv_pool *p = make_pool(count, size, RV_POOL_HUGEPAGES);
	struct rv_pool_stats s = stats_of(p);
	rv_view v[4];

	cr_log_info("huge pages available: %s; pool on huge pages: %s",
		    can ? "yes" : "no", s.hugepages ? "yes" : "no");
	if (!can && free_pages >= 0)
		cr_assert(!s.hugepages, "claims huge pages, none are free");
	cr_assert_eq(s.total, count);
	cr_assert_eq(s.buf_size, size);
	for (uint32_t i = 0; i < count; i++) {
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
		cr_assert_eq((uintptr_t)v[i].data % 4096, 0);
		fill(&v[i], (uint8_t)(i + 1));
	}
	if (s.hugepages) {
		qsort(v, count, sizeof(v[0]), cmp_ptr);
		cr_assert_eq((uintptr_t)v[0].data % (2u << 20), 0,
			     "huge-page arena not 2 MiB aligned");
	}
	for (uint32_t i = 0; i < count; i++) {
		check_fill(&v[i], v[i].data[0]);
		rv_view_release(&v[i]);
	}
	pool_down_of(p);

	p = make_pool(count, size, 0);
	cr_assert(!stats_of(p).hugepages, "huge pages only when asked");
	pool_down_of(p);
}

/* Pages of [data, data + len) in memory now, by mincore. */
static size_t resident_pages(const uint8_t *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n, in = 0;
	uintptr_t start = (uintptr_t)data & ~(page - 1);
	unsigned char vec[64];

	n = ((uintptr_t)data + len - start + page - 1) / page;
	cr_assert_leq(n, sizeof(vec));
	cr_assert_eq(mincore((void *)start, n * page, vec), 0, "mincore: %s",
		     strerror(errno));
	for (size_t i = 0; i < n; i++)
		in += vec[i] & 1;
	return in;
}

/* RV_POOL_POPULATE faults the arena in at creation: every buffer's pages
 * are resident before anything wrote to them. */
Test(pool, populate_faults_the_arena_in)
{
	const uint32_t count = 8, size = 65536;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	rv_pool *p = make_pool(count, size, RV_POOL_POPULATE);
	rv_view v[8];

	for (uint32_t i = 0; i < count; i++) {
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
		cr_assert_eq(resident_pages(v[i].data, size), size / page,
			     "buffer %u not faulted in", i);
	}
	for (uint32_t i = 0; i < count; i++)
		rv_view_release(&v[i]);
	pool_down_of(p);

	p = make_pool(count, size, 0);
	cr_assert_eq(rv_pool_get(p, &v[0]), 0);
	cr_log_info("without RV_POOL_POPULATE: %zu of %zu pages resident",
		    resident_pages(v[0].data, size), size / page);
	rv_view_release(&v[0]);
	pool_down_of(p);
}

/* ---- get / exhaustion ---------------------------------------------- */

/* Every buffer can be taken: distinct, non-overlapping, writable in full;
 * then -ENOBUFS (counted, out untouched); releasing all gives free == total. */
Test(pool, get_until_enobufs)
{
	enum { N = 16, SZ = 4096 };
	rv_pool *p = make_pool(N, SZ, 0);
	rv_view v[N], extra, junk;
	struct rv_pool_stats s;

	for (int i = 0; i < N; i++) {
		cr_assert_eq(rv_pool_get(p, &v[i]), 0, "buffer %d", i);
		cr_assert_eq(v[i].len, SZ);
		cr_assert(!rv_view_is_readonly(&v[i]));
		fill(&v[i], (uint8_t)(0x10 + i));
		s = stats_of(p);
		cr_assert_eq(s.free, (uint32_t)(N - 1 - i));
		cr_assert_eq(s.held, (uint32_t)(i + 1));
	}
	for (int i = 0; i < N; i++)
		check_fill(&v[i], (uint8_t)(0x10 + i));

	memset(&junk, 0xA5, sizeof(junk));
	extra = junk;
	cr_assert_eq(rv_pool_get(p, &extra), -ENOBUFS);
	cr_assert_eq(memcmp(&extra, &junk, sizeof(junk)), 0, "out touched");
	cr_assert_eq(stats_of(p).enobufs, 1);
	cr_assert_eq(rv_pool_get(p, &extra), -ENOBUFS);
	cr_assert_eq(stats_of(p).enobufs, 2);
	cr_assert_eq(stats_of(p).free, 0);
	cr_assert_eq(stats_of(p).held, N);

	qsort(v, N, sizeof(v[0]), cmp_ptr);
	for (int i = 0; i + 1 < N; i++)
		cr_assert(v[i].data + v[i].len <= v[i + 1].data,
			  "buffers %d and %d overlap", i, i + 1);

	/* one back, one out again, then dry again */
	rv_view_release(&v[3]);
	cr_assert_eq(stats_of(p).free, 1);
	cr_assert_eq(rv_pool_get(p, &v[3]), 0);
	cr_assert_eq(rv_pool_get(p, &extra), -ENOBUFS);
	cr_assert_eq(stats_of(p).enobufs, 3);

	for (int i = 0; i < N; i++)
		rv_view_release(&v[i]);
	s = stats_of(p);
	cr_assert_eq(s.free, N);
	cr_assert_eq(s.recycles, N + 1);
	cr_assert_eq(s.enobufs, 3);
	pool_down_of(p);
}

/* Buffers come back usable after recycling, over many rounds. */
Test(pool, recycle_many_rounds)
{
	rv_pool *p = make_pool(4, 256, 0);

	for (int round = 0; round < 1000; round++) {
		rv_view a, b;
		cr_assert_eq(rv_pool_get(p, &a), 0);
		cr_assert_eq(rv_pool_get(p, &b), 0);
		cr_assert_neq(a.data, b.data);
		fill(&a, 1);
		fill(&b, 2);
		check_fill(&a, 1);
		rv_view_release(&b);
		rv_view_release(&a);
	}
	cr_assert_eq(stats_of(p).recycles, 2000);
	cr_assert_eq(stats_of(p).high_water, 2);
	pool_down_of(p);
}

/* high_water is the most buffers held at once, never lowered. */
Test(pool, high_water)
{
	rv_pool *p = make_pool(8, 128, 0);
	rv_view v[6];

	for (int i = 0; i < 3; i++)
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
	cr_assert_eq(stats_of(p).high_water, 3);
	rv_view_release(&v[0]);
	rv_view_release(&v[1]);
	cr_assert_eq(stats_of(p).high_water, 3);
	cr_assert_eq(rv_pool_get(p, &v[0]), 0);
	cr_assert_eq(stats_of(p).high_water, 3, "2 held now");
	for (int i = 3; i < 6; i++)
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
	cr_assert_eq(stats_of(p).high_water, 5);
	/* more views of held buffers do not count */
	rv_view r = rv_view_retain(&v[0]);
	cr_assert_eq(stats_of(p).high_water, 5);
	rv_view_release(&r);
	rv_view_release(&v[0]);
	rv_view_release(&v[2]);
	for (int i = 3; i < 6; i++)
		rv_view_release(&v[i]);
	cr_assert_eq(stats_of(p).high_water, 5);
	pool_down_of(p);
}

/* stats_print writes one line. */
Test(pool, stats_print_one_line)
{
	rv_pool *p = make_pool(5, 64, 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	rv_pool_stats_print(p, f);
	fclose(f);
	cr_assert_gt(len, 0);
	cr_assert_eq(text[len - 1], '\n');
	cr_assert_eq(strchr(text, '\n'), text + len - 1,
		     "more than one line: %s", text);
	cr_assert(has_word(text, "5"), "total not shown: %s", text);
	free(text);
	pool_down_of(p);
}

/* ---- pinning ------------------------------------------------------- */

/* One byte of a 4096-byte buffer pins it (pinned 1, pinned_bytes 1). */
Test(pool, pinning_one_byte)
{
	rv_pool *p = make_pool(4, 4096, 0);
	rv_view v, b;

	cr_assert_eq(rv_pool_get(p, &v), 0);
	cr_assert_eq(stats_of(p).pinned, 0, "a full view pins nothing");
	cr_assert_eq(rv_view_slice(&v, 100, 1, &b), 0);
	rv_view_release(&v);
	cr_assert_eq(stats_of(p).pinned, 1);
	cr_assert_eq(stats_of(p).pinned_bytes, 1);
	rv_view_release(&b);
	cr_assert_eq(stats_of(p).pinned, 0);
	cr_assert_eq(stats_of(p).pinned_bytes, 0);
	pool_down_of(p);
}

/* Large views do not pin; the threshold is size / pin_ratio (default 8),
 * counting the bytes of all live views; advance/truncate/split count too. */
Test(pool, pinning_threshold)
{
	rv_pool *p = make_pool(4, 4096, 0);
	rv_view v, a, b;

	cr_assert_eq(rv_pool_get(p, &v), 0);
	cr_assert_eq(rv_view_truncate(&v, 513), 0);
	cr_assert_eq(stats_of(p).pinned, 0, "513 > 4096/8");
	cr_assert_eq(rv_view_truncate(&v, 512), 0);
	cr_assert_eq(stats_of(p).pinned, 1, "512 == 4096/8");
	cr_assert_eq(stats_of(p).pinned_bytes, 512);
	cr_assert_eq(rv_view_advance(&v, 500), 0);
	cr_assert_eq(stats_of(p).pinned_bytes, 12);
	cr_assert_eq(rv_view_split_to(&v, 2, &a), 0);
	cr_assert_eq(stats_of(p).pinned_bytes, 12, "split moves bytes");
	rv_view_release(&v);
	rv_view_release(&a);

	/* two views of 300 bytes: 600 live, not pinned */
	cr_assert_eq(rv_pool_get(p, &v), 0);
	cr_assert_eq(rv_view_slice(&v, 0, 300, &a), 0);
	cr_assert_eq(rv_view_slice(&v, 1000, 300, &b), 0);
	rv_view_release(&v);
	cr_assert_eq(stats_of(p).pinned, 0);
	rv_view_release(&a);
	cr_assert_eq(stats_of(p).pinned, 1);
	cr_assert_eq(stats_of(p).pinned_bytes, 300);
	rv_view_release(&b);
	pool_down_of(p);
}

/* pin_ratio is honoured and pinning is counted per buffer. */
Test(pool, pinning_custom_ratio_and_many_buffers)
{
	struct rv_pool_config cfg = {.count = 4, .size = 4096, .pin_ratio = 2};
	rv_pool *p = NULL;
	rv_view v[3];

	cr_assert_eq(rv_pool_create(&cfg, &p), 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(rv_pool_get(p, &v[i]), 0);
	cr_assert_eq(rv_view_truncate(&v[0], 2048), 0);
	cr_assert_eq(rv_view_truncate(&v[1], 2049), 0);
	cr_assert_eq(rv_view_truncate(&v[2], 7), 0);
	cr_assert_eq(stats_of(p).pinned, 2);
	cr_assert_eq(stats_of(p).pinned_bytes, 2048 + 7);
	for (int i = 0; i < 3; i++)
		rv_view_release(&v[i]);
	pool_down_of(p);
}

/* ---- tracking and leak reports ------------------------------------- */

/* TRACK_REFS / NO_TRACK_REFS / RINGVIEW_DEBUG_REFS=1 set stats.tracking. */
Test(pool, tracking_flags)
{
	rv_pool *p = make_pool(2, 64, RV_POOL_TRACK_REFS);
	cr_assert(stats_of(p).tracking);
	pool_down_of(p);
	p = make_pool(2, 64, RV_POOL_NO_TRACK_REFS);
	cr_assert(!stats_of(p).tracking);
	pool_down_of(p);
	setenv("RINGVIEW_DEBUG_REFS", "1", 1);
	p = make_pool(2, 64, 0);
	cr_assert(stats_of(p).tracking, "RINGVIEW_DEBUG_REFS=1");
	pool_down_of(p);
	p = make_pool(2, 64, RV_POOL_NO_TRACK_REFS);
	cr_assert(!stats_of(p).tracking,
		  "NO_TRACK_REFS wins over the environment");
	pool_down_of(p);
	unsetenv("RINGVIEW_DEBUG_REFS");
}

/* Hold two buffers, |a| (a whole-buffer view taken at *line_a) and |b| (a
 * slice taken at *line_b of a view taken on the line before, released),
 * after 12 others were taken and given back, so their ids are not 0 and 1. */
static void hold_two(rv_pool *p, rv_view *a, int *line_a, rv_view *b,
		     int *line_b)
{
	rv_view tmp[12], whole;
	int rc;

	for (int i = 0; i < 12; i++)
		cr_assert_eq(rv_pool_get(p, &tmp[i]), 0);
	/* The comma keeps each call and its __LINE__ on one line (and
	 * clang-format keeps a statement whole). */
	rc = rv_pool_get(p, a), *line_a = __LINE__;
	cr_assert_eq(rc, 0);
	cr_assert_eq(rv_pool_get(p, &whole), 0);
	rc = rv_view_slice(&whole, 10, 20, b), *line_b = __LINE__;
	cr_assert_eq(rc, 0);
	rv_view_release(&whole);
	for (int i = 0; i < 12; i++)
		rv_view_release(&tmp[i]);
}

/* With tracking, the leak report names each held buffer and the file:line
 * that took each live reference (and no longer the released ones). */
Test(pool, leak_report_names_sites)
{
	rv_pool *p = make_pool(16, 4096, RV_POOL_TRACK_REFS);
	rv_view a, b, c;
	int line_a, line_b, line_c, n;
	char *text, line[1024];

	hold_two(p, &a, &line_a, &b, &line_b);
	c = rv_view_retain(&a), line_c = __LINE__;
	cr_assert_neq(buf_id(&a), buf_id(&b));
	cr_assert_eq(stats_of(p).held, 2);

	text = report_of(p, &n);
	cr_log_info("leak report:\n%s", text);
	cr_assert_eq(n, 2, "returns the number of held buffers");
	expect_report_line(text, buf_id(&a), site(line_a));
	expect_report_line(text, buf_id(&a), site(line_c));
	expect_report_line(text, buf_id(&b), site(line_b));
	/* the whole-buffer view of b's buffer was released: its site is gone */
	cr_assert(!line_with(text, site(line_b - 1), line, sizeof(line)),
		  "released reference still reported:\n%s", text);
	free(text);

	rv_view_release(&c);
	text = report_of(p, &n);
	cr_assert_eq(n, 2);
	cr_assert(!line_with(text, site(line_c), line, sizeof(line)),
		  "released retain still reported:\n%s", text);
	expect_report_line(text, buf_id(&a), site(line_a));
	free(text);

	rv_view_release(&a);
	rv_view_release(&b);
	text = report_of(p, &n);
	cr_assert_eq(n, 0);
	cr_assert_null(strstr(text, "test_pool.c"), "%s", text);
	free(text);
	pool_down_of(p);
}

/* Many sites on one buffer, released in a mixed order: each released site
 * leaves the report at once, the others stay, and no release is mistaken
 * for a double release. */
Test(pool, leak_report_many_sites)
{
	rv_pool *p = make_pool(4, 4096, RV_POOL_TRACK_REFS);
	rv_view w, s[7] = {RV_VIEW_INIT}; /* GCC 12 at -O2 cannot see the slices
					     fill it */
	int l[7], rc = 0, n;
	const int order[7] = {0, 3, 6, 1, 5, 2, 4};
	char *text, line[1024];

	cr_assert_eq(rv_pool_get(p, &w), 0);
	rc |= rv_view_slice(&w, 0, 1, &s[0]), l[0] = __LINE__;
	rc |= rv_view_slice(&w, 1, 1, &s[1]), l[1] = __LINE__;
	rc |= rv_view_slice(&w, 2, 1, &s[2]), l[2] = __LINE__;
	rc |= rv_view_slice(&w, 3, 1, &s[3]), l[3] = __LINE__;
	rc |= rv_view_slice(&w, 4, 1, &s[4]), l[4] = __LINE__;
	s[5] = rv_view_retain(&s[4]), l[5] = __LINE__;
	rc |= rv_view_split_to(&w, 8, &s[6]), l[6] = __LINE__;
	cr_assert_eq(rc, 0);
	rv_view_release(&w);

	for (int k = 0; k < 7; k++) {
		text = report_of(p, &n);
		cr_assert_eq(n, 1);
		for (int j = k; j < 7; j++)
			expect_report_line(text, buf_id(&s[order[j]]),
					   site(l[order[j]]));
		for (int j = 0; j < k; j++)
			cr_assert(!line_with(text, site(l[order[j]]), line,
					     sizeof(line)),
				  "released site %d still listed:\n%s",
				  l[order[j]], text);
		free(text);
		rv_view_release(&s[order[k]]);
	}
	cr_assert_eq(stats_of(p).recycles, 1);
	pool_down_of(p);
}

/* Two references taken at one line are both counted: the site stays in the
 * report until the second is released. */
Test(pool, leak_report_same_site_twice)
{
	rv_pool *p = make_pool(4, 4096, RV_POOL_TRACK_REFS);
	rv_view w, s[2];
	int line = 0, n;
	char *text, buf[1024];

	cr_assert_eq(rv_pool_get(p, &w), 0);
	for (int i = 0; i < 2; i++) {
		int rc;
		rc = rv_view_slice(&w, (size_t)i, 1, &s[i]), line = __LINE__;
		cr_assert_eq(rc, 0);
	}
	rv_view_release(&w);
	text = report_of(p, &n);
	expect_report_line(text, buf_id(&s[0]), site(line));
	free(text);
	rv_view_release(&s[0]);
	text = report_of(p, &n);
	expect_report_line(text, buf_id(&s[1]), site(line));
	free(text);
	rv_view_release(&s[1]);
	text = report_of(p, &n);
	cr_assert_eq(n, 0);
	cr_assert(!line_with(text, site(line), buf, sizeof(buf)), "%s", text);
	free(text);
	pool_down_of(p);
}

/* A recycled and reused buffer reports only its new owner's site. */
Test(pool, leak_report_after_reuse)
{
	rv_pool *p = make_pool(1, 4096, RV_POOL_TRACK_REFS);
	rv_view v;
	int n;
	char *text, buf[1024];

	int rc, first, second;

	rc = rv_pool_get(p, &v), first = __LINE__;
	cr_assert_eq(rc, 0);
	rv_view_release(&v);
	rc = rv_pool_get(p, &v), second = __LINE__;
	cr_assert_eq(rc, 0);
	text = report_of(p, &n);
	cr_assert_eq(n, 1);
	expect_report_line(text, buf_id(&v), site(second));
	cr_assert(!line_with(text, site(first), buf, sizeof(buf)), "%s", text);
	free(text);
	rv_view_release(&v);
	pool_down_of(p);
}

/* Without tracking the report still lists the held buffers (no sites). */
Test(pool, leak_report_without_tracking)
{
	rv_pool *p = make_pool(16, 4096, RV_POOL_NO_TRACK_REFS);
	rv_view a, b;
	int line_a, line_b, n;
	char *text, idw[16], *line;

	hold_two(p, &a, &line_a, &b, &line_b);
	text = report_of(p, &n);
	cr_assert_eq(n, 2);
	cr_assert_null(strstr(text, "test_pool.c"), "no sites untracked");
	int lines = 0;
	bool seen_a = false, seen_b = false;
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		lines++;
		snprintf(idw, sizeof(idw), "%u", buf_id(&a));
		seen_a = seen_a || has_word(line, idw);
		snprintf(idw, sizeof(idw), "%u", buf_id(&b));
		seen_b = seen_b || has_word(line, idw);
	}
	cr_assert_eq(lines, 2, "one line per held buffer");
	cr_assert(seen_a && seen_b, "ids %u and %u not named", buf_id(&a),
		  buf_id(&b));
	free(text);
	rv_view_release(&a);
	rv_view_release(&b);
	pool_down_of(p);
}

/* The report lists small chunks made by compaction too. */
Test(pool, leak_report_lists_small_chunks)
{
	rv_pool *p = make_pool(4, 4096, RV_POOL_TRACK_REFS);
	rv_view v;
	int n;
	char *text;

	cr_assert_eq(rv_pool_get(p, &v), 0);
	cr_assert_eq(rv_view_truncate(&v, 40), 0);
	cr_assert_eq(rv_view_compact(&v), 0);
	cr_assert_eq(stats_of(p).free, 4);
	text = report_of(p, &n);
	cr_assert_eq(n, 1, "one small chunk held:\n%s", text);
	cr_assert_neq(text[0], '\0');
	free(text);
	cr_assert_eq(rv_pool_destroy(p), -EBUSY, "a chunk is still held");
	rv_view_release(&v);
	pool_down_of(p);
}

/* destroy refuses (-EBUSY) while views remain and logs a leak report with
 * the sites; after releasing them it succeeds. */
Test(pool, destroy_busy_logs_report)
{
	rv_pool *p = make_pool(16, 4096, RV_POOL_TRACK_REFS);
	rv_view a, b;
	int line_a, line_b;

	rv_set_log(record_log, NULL, RV_LOG_WARN);
	hold_two(p, &a, &line_a, &b, &line_b);
	cr_assert_eq(rv_pool_destroy(p), -EBUSY);
	cr_log_info("log:\n%s", g_log);
	cr_assert_gt(g_log_errors, 0, "nothing logged at RV_LOG_ERROR");
	expect_report_line(g_log, buf_id(&a), site(line_a));
	expect_report_line(g_log, buf_id(&b), site(line_b));

	/* the pool is intact and still works */
	cr_assert_eq(stats_of(p).held, 2);
	rv_view_release(&a);
	cr_assert_eq(rv_pool_destroy(p), -EBUSY, "b still held");
	rv_view_release(&b);
	g_log_len = 0;
	g_log[0] = '\0';
	g_log_errors = 0;
	pool_down_of(p);
	cr_assert_eq(g_log_errors, 0, "clean destroy logs no error: %s", g_log);
	rv_set_log(NULL, NULL, RV_LOG_WARN);
}

/* Destroying NULL is a no-op. */
Test(pool, destroy_null)
{
	cr_assert_eq(rv_pool_destroy(NULL), 0);
}

/* Wrapped views never touch a pool's counters. */
Test(pool, wrapped_views_do_not_count)
{
	static const char msg[] = "hello";
	rv_pool *p = make_pool(2, 64, 0);
	rv_view w;

	cr_assert_eq(rv_view_wrap_const(msg, 5, &w), 0);
	cr_assert_eq(stats_of(p).held, 0);
	rv_view_release(&w);
	cr_assert_eq(stats_of(p).recycles, 0);
	pool_down_of(p);
}
