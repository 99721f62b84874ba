/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * micro - nanoseconds per operation of ringview's hot paths.
 *
 * Usage:
 *   micro [--quick] [--iters N] [--runs N] [--filter TEXT] [--csv]
 *         [--csv-file PATH] [--strict]
 *
 *   --quick          short run (what `meson test --benchmark` runs): fewer
 *                    iterations and runs, noisier numbers
 *   --iters N        operations per run of each benchmark (default 2000000;
 *                    the slow rows do N/2 or N/4)
 *   --runs N         timed runs of each benchmark (default 7); the table
 *                    shows the median and the minimum of the runs
 *   --filter T       run only the benchmarks whose name contains T
 *   --csv            print CSV (header lines start with '#') instead of
 *                    the table
 *   --csv-file PATH  print the table and write the CSV to PATH
 *   --strict         exit 1 when a row misses its target
 *   --help           this text
 *
 * Pin it to one core of an idle machine, in a release build:
 *   meson setup build-release --buildtype=release -Db_ndebug=true
 *   ninja -C build-release && taskset -c 1 build-release/bench/micro/micro
 * bench/micro/run-micro.sh does exactly that, several times over, and
 * summarises.
 *
 * How it measures (bench/lib/harness.c): every benchmark is a tight loop of
 * many operations between two clock_gettime(CLOCK_MONOTONIC) calls. Each
 * runs once untimed to warm up, then the timed runs go round-robin over
 * the benchmarks, so a slow spell of the machine hits every row alike.
 * Compiler barriers (empty asm statements) stop the compiler from deleting
 * a loop or fusing one iteration's retain with the next one's release:
 * each view made is forced to memory and every memory word is assumed
 * changed, as if the view had been handed to another pipeline stage. The
 * pool is made with RV_POOL_NO_TRACK_REFS: reference-site tracking is a
 * debug aid and costs a call per reference.
 *
 * The "baseline" rows are measured in the same run with the same barriers,
 * so the library's rows can be read against them. The "cyc" column is the
 * median times a clock rate estimated from a chain of multiplies (perf has
 * no cycle counter in most VMs). The "machine:" line says whether the
 * machine was quiet: micro had its cpu all the time, no other work ran,
 * and the empty loop took one cycle per iteration (slower means the core
 * was shared under us, e.g. by the host on the other hyperthread). Numbers
 * from a busy machine are not worth keeping; bench/micro/run-micro.sh reruns
 * such runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#include "harness.h"

static volatile uint64_t sink;

#define POOL_COUNT 256u
#define POOL_SIZE  16384u
#define MSG	   64u /* message size for chain and pullup benchmarks */
#define BATCH	   32u /* messages appended before they are taken */

struct bench_ctx {
	rv_pool *pool;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "micro: %s: %s\n", what, rv_strerror(err));
	exit(2);
}

#define CHECK(call, what)                  \
	do {                               \
		int err_ = (call);         \
		if (RV_UNLIKELY(err_ < 0)) \
			die((what), err_); \
	} while (0)

/* A view of a whole pool buffer, filled with a byte pattern. */
static rv_view whole_buffer(struct bench_ctx *cx)
{
	rv_view v;
	CHECK(rv_pool_get(cx->pool, &v), "rv_pool_get");
	uint8_t *p = rv_view_mut(&v);
	for (size_t i = 0; i < v.len; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	return v;
}

/* ---- baselines ------------------------------------------------------ */

/* A plain (non-atomic) increment and decrement of a counter in memory,
 * with a 32-byte struct written in between: the floor for retain+release. */
static double b_incdec(struct bench_ctx *cx, uint64_t iters)
{
	(void)cx;
	struct {
		uint32_t refs;
		uint64_t live;
	} hdr = {1, 0};
	rv_view tmp = RV_VIEW_INIT;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		hdr.refs++;
		hdr.live += 64;
		tmp.len = i;
		escape(&tmp);
		escape(&hdr);
		hdr.live -= 64;
		hdr.refs--;
		escape(&hdr);
	}
	uint64_t t1 = now_ns();
	sink = hdr.refs;
	return per_op(t0, t1, iters);
}

/* malloc(64) + free: what a chain or a copy pays if it allocates. */
static double b_malloc(struct bench_ctx *cx, uint64_t iters)
{
	(void)cx;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		void *p = malloc(MSG);
		escape(p);
		free(p);
	}
	uint64_t t1 = now_ns();
	return per_op(t0, t1, iters);
}

/* memcpy of 64 bytes: the bytes a copying pullup moves. */
static double b_memcpy(struct bench_ctx *cx, uint64_t iters)
{
	(void)cx;
	static uint8_t src[4096], dst[MSG];
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		size_t off = (i * 64 + 32) & 4031; /* unaligned source */
		memcpy(dst, src + off, MSG);
		escape(dst);
	}
	uint64_t t1 = now_ns();
	return per_op(t0, t1, iters);
}

/* ---- views ---------------------------------------------------------- */

static double b_slice_release(struct bench_ctx *cx, uint64_t iters)
{
	rv_view base = whole_buffer(cx);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		rv_view s;
		size_t off = (size_t)(i & 1023) * 8;
		CHECK(rv_view_slice(&base, off, MSG, &s), "rv_view_slice");
		escape(&s);
		rv_view_release(&s);
	}
	uint64_t t1 = now_ns();
	rv_view_release(&base);
	return per_op(t0, t1, iters);
}

static double b_retain_release(struct bench_ctx *cx, uint64_t iters)
{
	rv_view base = whole_buffer(cx);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		rv_view r = rv_view_retain(&base);
		escape(&r);
		rv_view_release(&r);
	}
	uint64_t t1 = now_ns();
	rv_view_release(&base);
	return per_op(t0, t1, iters);
}

/* ---- pool ----------------------------------------------------------- */

static double b_pool_get(struct bench_ctx *cx, uint64_t iters)
{
	rv_pool *pool = cx->pool;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		rv_view v;
		CHECK(rv_pool_get(pool, &v), "rv_pool_get");
		escape(&v);
		rv_view_release(&v);
	}
	uint64_t t1 = now_ns();
	return per_op(t0, t1, iters);
}

/* ---- chains --------------------------------------------------------- */

/*
 * Chain append+take, per message. Each batch appends BATCH views of
 * MSG-byte slices of one buffer (each made with rv_view_slice, so one
 * slice+release per message is included), then takes them back MSG bytes
 * at a time. |stride| == MSG makes the slices contiguous, so append merges
 * them into one view and every take splits it; a larger stride keeps them
 * separate views and every take moves one whole view. |mode| 0 takes into
 * a chain and releases it (which frees the chain's slots, so the next take
 * allocates them again), 1 takes a view and releases it, 2 takes into a
 * chain and empties it with rv_chain_consume (its slots are kept).
 */
static double chain_bench(struct bench_ctx *cx, uint64_t iters, size_t stride,
			  int mode)
{
	rv_view base = whole_buffer(cx);
	rv_chain in = RV_CHAIN_INIT, out = RV_CHAIN_INIT;
	uint64_t done = 0;
	uint64_t t0 = now_ns();
	while (done < iters) {
		for (uint32_t k = 0; k < BATCH; k++) {
			rv_view s;
			CHECK(rv_view_slice(&base, k * stride, MSG, &s),
			      "rv_view_slice");
			CHECK(rv_chain_append(&in, &s), "rv_chain_append");
		}
		escape(&in);
		for (uint32_t k = 0; k < BATCH; k++) {
			if (mode != 1) {
				CHECK(rv_chain_take(&in, MSG, &out),
				      "rv_chain_take");
				escape(&out);
				if (mode == 0)
					rv_chain_release(&out);
				else
					CHECK(rv_chain_consume(&out, MSG),
					      "rv_chain_consume");
			} else {
				rv_view v;
				CHECK(rv_chain_take_view(&in, MSG, &v),
				      "rv_chain_take_view");
				escape(&v);
				rv_view_release(&v);
			}
		}
		done += BATCH;
	}
	uint64_t t1 = now_ns();
	if (rv_chain_len(&in) != 0)
		die("chain not emptied by take", -EINVAL);
	rv_chain_release(&in);
	rv_chain_release(&out);
	rv_view_release(&base);
	return per_op(t0, t1, done);
}

static double b_chain_sep(struct bench_ctx *cx, uint64_t iters)
{
	return chain_bench(cx, iters, 2 * MSG, 0);
}

static double b_chain_merged(struct bench_ctx *cx, uint64_t iters)
{
	return chain_bench(cx, iters, MSG, 0);
}

static double b_chain_take_view(struct bench_ctx *cx, uint64_t iters)
{
	return chain_bench(cx, iters, 2 * MSG, 1);
}

static double b_chain_reuse(struct bench_ctx *cx, uint64_t iters)
{
	return chain_bench(cx, iters, 2 * MSG, 2);
}

/* Pullup of MSG bytes that already lie in the first view of a chain of
 * two views: zero-copy, one reference taken and released per call. */
static double b_pullup_nocopy(struct bench_ctx *cx, uint64_t iters)
{
	rv_view a = whole_buffer(cx), b = whole_buffer(cx);
	rv_chain c = RV_CHAIN_INIT;
	CHECK(rv_chain_append(&c, &a), "rv_chain_append");
	CHECK(rv_chain_append(&c, &b), "rv_chain_append");
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		rv_view v;
		CHECK(rv_chain_pullup(&c, MSG, &v), "rv_chain_pullup");
		escape(&v);
		rv_view_release(&v);
	}
	uint64_t t1 = now_ns();
	rv_chain_release(&c);
	return per_op(t0, t1, iters);
}

/*
 * A pullup that copies must start from a fresh straddling chain each time
 * (a pullup replaces the bytes by its copy). Each iteration appends the
 * last MSG/2 bytes of buffer A and the first MSG bytes of buffer B, then
 * (when |pull|) pulls up MSG bytes and releases the result, then consumes
 * the chain. With pull == false it is the rebuild alone, the baseline that
 * the "net" row subtracts.
 */
static double pullup_copy_bench(struct bench_ctx *cx, uint64_t iters, bool pull)
{
	rv_view a = whole_buffer(cx), b = whole_buffer(cx);
	rv_chain c = RV_CHAIN_INIT;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		rv_view s1, s2;
		CHECK(rv_view_slice(&a, a.len - MSG / 2, MSG / 2, &s1),
		      "rv_view_slice");
		CHECK(rv_view_slice(&b, 0, MSG, &s2), "rv_view_slice");
		CHECK(rv_chain_append(&c, &s1), "rv_chain_append");
		CHECK(rv_chain_append(&c, &s2), "rv_chain_append");
		escape(&c);
		if (pull) {
			rv_view v;
			CHECK(rv_chain_pullup(&c, MSG, &v), "rv_chain_pullup");
			escape(&v);
			rv_view_release(&v);
		}
		CHECK(rv_chain_consume(&c, rv_chain_len(&c)),
		      "rv_chain_consume");
	}
	uint64_t t1 = now_ns();
	rv_chain_release(&c);
	rv_view_release(&a);
	rv_view_release(&b);
	return per_op(t0, t1, iters);
}

static double b_pullup_copy(struct bench_ctx *cx, uint64_t iters)
{
	return pullup_copy_bench(cx, iters, true);
}

static double b_pullup_rebuild(struct bench_ctx *cx, uint64_t iters)
{
	return pullup_copy_bench(cx, iters, false);
}

/* ---- reads ---------------------------------------------------------- */

/* Views of odd length so that some u32 reads straddle a seam, as they
 * would in a byte stream. */
#define CUR_VIEWS    8u
#define CUR_VIEW_LEN 4093u

static double cursor_bench(struct bench_ctx *cx, uint64_t iters, bool chain)
{
	rv_chain c = RV_CHAIN_INIT;
	rv_view one = RV_VIEW_INIT;
	for (uint32_t k = 0; k < (chain ? CUR_VIEWS : 1u); k++) {
		rv_view v = whole_buffer(cx);
		/* odd lengths; one view: the whole buffer less 3 bytes */
		CHECK(rv_view_truncate(&v, chain ? CUR_VIEW_LEN : v.len - 3),
		      "rv_view_truncate");
		if (!chain) {
			one = v;
			break;
		}
		CHECK(rv_chain_append(&c, &v), "rv_chain_append");
	}
	uint64_t done = 0, sum = 0;
	uint64_t t0 = now_ns();
	while (done < iters) {
		rv_cursor cur;
		uint32_t x;
		if (chain)
			rv_cursor_init_chain(&cur, &c);
		else
			rv_cursor_init_view(&cur, &one);
		while (done < iters && rv_cursor_get_u32be(&cur, &x) == 0) {
			sum += x;
			done++;
			clobber();
		}
	}
	uint64_t t1 = now_ns();
	sink = sum;
	rv_chain_release(&c);
	rv_view_release(&one);
	return per_op(t0, t1, done);
}

static double b_cursor_chain(struct bench_ctx *cx, uint64_t iters)
{
	return cursor_bench(cx, iters, true);
}

static double b_cursor_view(struct bench_ctx *cx, uint64_t iters)
{
	return cursor_bench(cx, iters, false);
}

/* rv_view_get_u32be at a moving offset. The barrier after each read makes
 * the compiler reload the view, as in a parser where other code runs
 * between reads; without it the loop would be vectorised. */
static double b_view_get_u32(struct bench_ctx *cx, uint64_t iters)
{
	rv_view v = whole_buffer(cx);
	uint64_t sum = 0;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		uint32_t x;
		size_t off = (size_t)(i & 4095) * 4;
		CHECK(rv_view_get_u32be(&v, off, &x), "rv_view_get_u32be");
		sum += x;
		escape(&v);
	}
	uint64_t t1 = now_ns();
	sink = sum;
	rv_view_release(&v);
	return per_op(t0, t1, iters);
}

/* ---- harness -------------------------------------------------------- */

/* ---- the table ------------------------------------------------------ */

static const struct bench benches[] = {
	{.name = "baseline: empty loop", .fn = bench_empty_loop}, /* first */
	{.name = "baseline: inc+dec in memory", .fn = b_incdec},
	{.name = "baseline: malloc(64)+free", .fn = b_malloc},
	{.name = "baseline: memcpy 64B", .fn = b_memcpy},
	{.name = "slice+release", .fn = b_slice_release, .target_ns = 5},
	{.name = "retain+release", .fn = b_retain_release},
	{.name = "pool get+recycle", .fn = b_pool_get, .target_ns = 20},
	{.name = "chain append+take 64B (views)",
	 .fn = b_chain_sep,
	 .iter_div = 2,
	 .note = "per msg, incl. slice"},
	{.name = "chain append+take 64B (merged)",
	 .fn = b_chain_merged,
	 .iter_div = 2,
	 .note = "per msg, incl. slice"},
	{.name = "chain append+take 64B (out consumed)",
	 .fn = b_chain_reuse,
	 .iter_div = 2,
	 .note = "per msg, incl. slice; out's slots kept"},
	{.name = "chain append+take_view 64B",
	 .fn = b_chain_take_view,
	 .iter_div = 2,
	 .note = "per msg, incl. slice"},
	{.name = "pullup 64B, no copy", .fn = b_pullup_nocopy},
	{.name = "pullup setup: 2 slices+appends+consume",
	 .fn = b_pullup_rebuild,
	 .iter_div = 4,
	 .note = "baseline of next row"},
	{.name = "pullup 64B, copy (straddle)",
	 .fn = b_pullup_copy,
	 .iter_div = 4,
	 .note = "incl. setup",
	 .net_name = "  = pullup copy, net of setup"},
	{.name = "cursor get_u32be (chain)",
	 .fn = b_cursor_chain,
	 .note = "8 views x 4093B"},
	{.name = "cursor get_u32be (one view)", .fn = b_cursor_view},
	{.name = "view get_u32be", .fn = b_view_get_u32, .note = "inline"},
};

#define NBENCH (sizeof(benches) / sizeof(benches[0]))

int main(int argc, char **argv)
{
	struct bench_opts op = {0};
	bench_parse(argc, argv, "micro", &op);

	struct rv_pool_config cfg = {
		.count = POOL_COUNT,
		.size = POOL_SIZE,
		.flags = RV_POOL_NO_TRACK_REFS,
	};
	struct bench_ctx cx;
	struct rv_pool_stats st;
	CHECK(rv_pool_create(&cfg, &cx.pool), "rv_pool_create");
	rv_pool_stats(cx.pool, &st);
	if (st.tracking)
		fprintf(stderr, "micro: warning: reference tracking is on "
				"despite RV_POOL_NO_TRACK_REFS\n");

	char title[64];
	snprintf(title, sizeof(title), "ringview %s, micro-benchmark",
		 rv_version());
	int failed = bench_run(&op, title, benches, NBENCH, &cx);
	if (failed < 0)
		return 2;

	rv_pool_stats(cx.pool, &st);
	if (st.free != st.total) {
		fprintf(stderr, "micro: leak: %u of %u buffers still held\n",
			st.total - st.free, st.total);
		rv_pool_leak_report(cx.pool, stderr);
		return 3;
	}
	if (!op.csv)
		printf("pool after the run: %" PRIu64 " recycles, %" PRIu64
		       " bytes copied by %" PRIu64 " pullups, no buffer held\n",
		       st.recycles, st.bytes_copied, st.pullup_copies);
	CHECK(rv_pool_destroy(cx.pool), "rv_pool_destroy");
	return op.strict && failed ? 1 : 0;
}
