/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * harness.h - the measuring side of ringview's benchmark programs: timed
 * loops, compiler barriers, several runs with median and min, a check that
 * the machine was quiet, and the table / CSV output.
 *
 * A benchmark is a function that runs |iters| operations between two
 * now_ns() calls and returns nanoseconds per operation (per_op). The
 * harness runs each one once to warm up, then round-robin over all of
 * them, |runs| times.
 */
#ifndef RINGVIEW_BENCH_HARNESS_H
#define RINGVIEW_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Forget everything known about memory. */
#define clobber() __asm__ volatile("" ::: "memory")
/* Make the object at |p| escape: it must be in memory, and may be read or
 * changed by anyone. */
#define escape(p) __asm__ volatile("" : : "r"(p) : "memory")

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double per_op(uint64_t t0, uint64_t t1, uint64_t ops)
{
	return ops ? (double)(t1 - t0) / (double)ops : 0.0;
}

/* What the benchmarks share; defined by the program, opaque here. */
struct bench_ctx;

typedef double (*bench_fn)(struct bench_ctx *, uint64_t iters);

struct bench {
	const char *name;
	bench_fn fn;
	double target_ns; /* 0: no target */
	int iter_div;	  /* run iters / iter_div ops (slow rows); 0: 1 */
	const char *note;
	const char *net_name; /* if set, also print this row minus the
				 previous one, under this label */
};

struct bench_opts {
	uint64_t iters;
	int runs;
	bool csv, strict;
	const char *filter, *csv_path;
};

/* bench_parse fills |op| from the command line of the program |prog|;
 * prints usage and exits on --help (0), prints "PROG ringview X.Y.Z"
 * (rv_version()) and exits on --version (0), and exits 2 naming the option
 * on a bad value, an unknown option or a stray argument. */
void bench_parse(int argc, char **argv, const char *prog,
		 struct bench_opts *op);

/*
 * bench_run runs |benches| (n of them; the first must be the empty-loop
 * baseline, which always runs) as |op| says and prints the header |title|,
 * the rows and whether the machine was quiet. Returns how many rows missed
 * their target, or -1 when the CSV file cannot be written.
 */
int bench_run(const struct bench_opts *op, const char *title,
	      const struct bench *benches, size_t n, struct bench_ctx *ctx);

/* The empty loop, with the barrier the other rows use. */
double bench_empty_loop(struct bench_ctx *ctx, uint64_t iters);

#endif /* RINGVIEW_BENCH_HARNESS_H */
