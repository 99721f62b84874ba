/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * harness.c - runs, times and reports benchmarks; see harness.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ringview/ringview.h>

#include "cmdline.h"
#include "harness.h"

#ifndef RV_BENCH_BUILDTYPE
#define RV_BENCH_BUILDTYPE "unknown"
#endif
#ifndef RV_BENCH_OPTIMIZATION
#define RV_BENCH_OPTIMIZATION "?"
#endif

/* Runs are kept in memory and sorted: a bound well past any use, and
 * below what an int (bench_opts.runs) and the samples' calloc take. */
#define MAX_RUNS 1000

static volatile uint64_t sink;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Busy time of all cpus so far (user, system, interrupts, steal), from
 * /proc/stat; 0 when it cannot be read. */
static uint64_t machine_busy_ns(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	/* user nice system [idle iowait] irq softirq steal */
	unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return busy * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
}

double bench_empty_loop(struct bench_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++)
		clobber();
	uint64_t t1 = now_ns();
	return per_op(t0, t1, iters);
}

/* The program's name for its messages (bench_parse sets it). */
static const char *prog_name = "bench";

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--quick] [--iters N] [--runs N] [--filter TEXT] "
		"[--csv] [--csv-file PATH] [--strict] [--version]\n"
		"  --quick          short run (fewer iterations and runs)\n"
		"  --iters N        operations per run (default 2000000)\n"
		"  --runs N         timed runs per benchmark (default 7, at "
		"most %d)\n"
		"  --filter T       only benchmarks whose name contains T\n"
		"  --csv            CSV on stdout instead of the table\n"
		"  --csv-file PATH  the table on stdout and CSV to PATH\n"
		"  --strict         exit 1 when a target is missed\n"
		"  --version        print \"%s ringview X.Y.Z\"\n"
		"Run it pinned to one core of an idle machine: taskset -c 1 "
		"...\n",
		prog, MAX_RUNS, prog);
}

/* The value of the option argv[*i], which it consumes; exits 2 when it
 * is missing. */
static const char *value(int argc, char **argv, int *i, const char *prog)
{
	if (*i + 1 >= argc) {
		bench_missing_value(prog, argv[*i] + 2);
		exit(2);
	}
	return argv[++*i];
}

/* A whole number from 1 to |max| for --|name|, else exit 2. */
static uint64_t count(const char *prog, const char *name, const char *s,
		      uint64_t max)
{
	unsigned long long v;

	if (bench_count_option(prog, name, s, 1, max, &v) < 0)
		exit(2);
	return v;
}

void bench_parse(int argc, char **argv, const char *prog, struct bench_opts *op)
{
	prog_name = prog;
	bool quick = false;
	uint64_t iters = 0, runs = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, prog);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			bench_print_version(prog, rv_version());
			exit(0);
		} else if (!strcmp(a, "--quick")) {
			quick = true;
		} else if (!strcmp(a, "--csv")) {
			op->csv = true;
		} else if (!strcmp(a, "--strict")) {
			op->strict = true;
		} else if (!strcmp(a, "--iters")) {
			iters = count(prog, "iters",
				      value(argc, argv, &i, prog),
				      INT32_MAX * 1000ull);
		} else if (!strcmp(a, "--runs")) {
			runs = count(prog, "runs", value(argc, argv, &i, prog),
				     MAX_RUNS);
		} else if (!strcmp(a, "--filter")) {
			op->filter = value(argc, argv, &i, prog);
		} else if (!strcmp(a, "--csv-file")) {
			op->csv_path = value(argc, argv, &i, prog);
		} else if (a[0] == '-') {
			fprintf(stderr, "%s: unknown option %s (--help)\n",
				prog, a);
			exit(2);
		} else {
			bench_no_operands(prog, argc, argv, i);
			exit(2);
		}
	}
	op->iters = iters ? iters : quick ? 200000 : 2000000;
	op->runs = (int)(runs ? runs : quick ? 3 : 7);
}

struct result {
	bool ran;
	double median, min;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Cycles per nanosecond, from a chain of dependent multiplies (three
 * cycles each on current x86 cores): perf has no cycle counter in most VMs,
 * so estimate it. (Not adds: recent cores fold add-immediate chains.) */
static double estimate_ghz(void)
{
	double best = 0;
	for (int r = 0; r < 5; r++) {
		uint64_t x = 3, n = 5000000;
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < n; i++)
			__asm__ volatile("imul %0, %0\n\timul %0, %0\n\t"
					 "imul %0, %0\n\timul %0, %0"
					 : "+r"(x));
		uint64_t t1 = now_ns();
		sink = x;
		double ghz = (double)(12 * n) / (double)(t1 - t0);
		if (ghz > best)
			best = ghz;
	}
	return best;
}

static void print_header(FILE *f, const char *pfx, const char *title,
			 double ghz)
{
	cpu_set_t set;
	int ncpu = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		ncpu = CPU_COUNT(&set);
#ifdef __OPTIMIZE__
	const char *opt = "yes";
#else
	const char *opt = "NO";
#endif
#ifdef NDEBUG
	const char *ndebug = "yes";
#else
	const char *ndebug = "no";
#endif
	fprintf(f, "%s%s\n", pfx, title);
	fprintf(f,
		"%sbuild: buildtype=%s optimization=-O%s; %s compiled "
		"optimized=%s NDEBUG=%s; compiler %s\n",
		pfx, RV_BENCH_BUILDTYPE, RV_BENCH_OPTIMIZATION, prog_name, opt,
		ndebug, __VERSION__);
#ifndef __OPTIMIZE__
	fprintf(f,
		"%sWARNING: not an optimized build; these numbers say "
		"nothing about release performance\n",
		pfx);
#endif
	fprintf(f, "%scpu: %d allowed cpu(s)%s, ~%.2f GHz (estimated)\n", pfx,
		ncpu, ncpu == 1 ? " (pinned)" : " (NOT pinned: use taskset)",
		ghz);
}

/* Where the rows go: a table, CSV, or both (NULL: not wanted). */
struct out {
	FILE *table;
	FILE *csv;
	double ghz;
};

static void emit_row(const struct out *o, const char *name, double med,
		     double min, double target_ns, const char *verdict,
		     const char *note)
{
	char target[16] = "-";
	if (target_ns > 0)
		snprintf(target, sizeof(target), "<= %.0f", target_ns);
	if (o->table)
		fprintf(o->table, "%-40s %9.2f %9.2f %6.1f %8s  %s%s%s\n", name,
			med, min, med * o->ghz, target, verdict,
			*verdict && *note ? "  " : "", note);
	if (o->csv)
		fprintf(o->csv, "\"%s\",%.2f,%.2f,%.1f,%s,%s\n", name, med, min,
			med * o->ghz, target_ns > 0 ? target + 3 : "", verdict);
}

static uint64_t ops_for(const struct bench *bn, uint64_t iters)
{
	uint64_t n = iters / (uint64_t)(bn->iter_div ? bn->iter_div : 1);
	return n ? n : 1;
}

static struct result summarize(double *samples, int runs)
{
	struct result r = {.ran = true};
	qsort(samples, (size_t)runs, sizeof(double), cmp_double);
	r.min = samples[0];
	r.median = runs % 2 ? samples[runs / 2]
			    : (samples[runs / 2 - 1] + samples[runs / 2]) / 2;
	return r;
}

/* Was the machine quiet while we measured? */
struct machine {
	uint64_t wall0, cpu0, busy0;
	double share;	 /* our cpu time / wall time: < 1 if preempted */
	double others;	 /* cpus' worth of other work meanwhile */
	double loop_cyc; /* cycles per empty-loop iteration */
	bool quiet;
};

static void machine_start(struct machine *m)
{
	m->wall0 = now_ns();
	m->cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	m->busy0 = machine_busy_ns();
}

/* The empty loop runs one iteration per cycle on current x86 cores; a
 * slower one means the core was shared below us - on a VM, the host ran
 * something on its other hyperthread, which the guest cannot see. */
static void machine_stop(struct machine *m, double empty_loop_ns, double ghz)
{
	double wall = (double)(now_ns() - m->wall0);
	double mine = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - m->cpu0);
	double busy = (double)(machine_busy_ns() - m->busy0);

	m->share = mine / wall;
	m->others = m->busy0 && busy > mine ? (busy - mine) / wall : 0;
	m->loop_cyc = empty_loop_ns * ghz;
	m->quiet = m->share >= 0.97 && m->others <= 0.05 && m->loop_cyc <= 1.15;
}

static void machine_report(const struct machine *m, const struct out *o)
{
	if (o->table)
		fprintf(o->table,
			"machine: %s had the cpu %.0f%% of the time, other "
			"work used %.2f cpus meanwhile, empty loop %.2f "
			"cycles/iter (1 expected)%s\n",
			prog_name, m->share * 100, m->others, m->loop_cyc,
			m->quiet ? "" : " - NOT QUIET, numbers unreliable");
	if (o->csv)
		fprintf(o->csv,
			"# cpu_share=%.3f others=%.3f loop_cycles=%.2f "
			"quiet=%d\n",
			m->share, m->others, m->loop_cyc, m->quiet);
	if (!m->quiet)
		fprintf(stderr, "%s: warning: the machine was not quiet\n",
			prog_name);
}

/*
 * Runs the wanted benchmarks: one warm-up each, then round-robin - run r
 * of every benchmark, then run r + 1 of every one - so that a slow spell
 * of the machine touches every row alike instead of all runs of one row.
 * Row 0, the empty loop, always runs: machine_stop needs it.
 */
static void run_all(struct bench_ctx *cx, const struct bench_opts *op,
		    const struct bench *benches, size_t n, struct result *res,
		    struct machine *m, double ghz)
{
	bool *want = calloc(n, sizeof(*want));
	double *samples = calloc(n * (size_t)op->runs, sizeof(double));
	if (!want || !samples) {
		fputs("out of memory\n", stderr);
		exit(2);
	}
	for (size_t b = 0; b < n; b++) {
		want[b] = b == 0 || !op->filter ||
			  strstr(benches[b].name, op->filter);
		if (want[b])
			benches[b].fn(cx,
				      ops_for(&benches[b], op->iters) / 10 + 1);
	}
	machine_start(m);
	for (int r = 0; r < op->runs; r++)
		for (size_t b = 0; b < n; b++)
			if (want[b])
				samples[b * (size_t)op->runs + (size_t)r] =
					benches[b].fn(cx, ops_for(&benches[b],
								  op->iters));
	for (size_t b = 0; b < n; b++)
		if (want[b])
			res[b] = summarize(samples + b * (size_t)op->runs,
					   op->runs);
	machine_stop(m, res[0].median, ghz);
	free(samples);
	free(want);
}

/* Prints the rows that ran; returns how many missed their target. */
static int print_rows(const struct out *o, const struct bench *benches,
		      size_t n, const struct result *res)
{
	int failed = 0;
	for (size_t b = 0; b < n; b++) {
		const struct bench *bn = &benches[b];
		const char *verdict = "";
		if (!res[b].ran)
			continue;
		if (bn->target_ns > 0) {
			bool ok = res[b].median <= bn->target_ns;
			verdict = ok ? "PASS" : "FAIL";
			failed += !ok;
		}
		emit_row(o, bn->name, res[b].median, res[b].min, bn->target_ns,
			 verdict, bn->note ? bn->note : "");
		if (bn->net_name && b > 0 && res[b - 1].ran)
			emit_row(o, bn->net_name,
				 res[b].median - res[b - 1].median,
				 res[b].min - res[b - 1].min, 0, "",
				 "difference of the two rows above");
	}
	return failed;
}

int bench_run(const struct bench_opts *op, const char *title,
	      const struct bench *benches, size_t n, struct bench_ctx *ctx)
{
	struct out o = {.table = op->csv ? NULL : stdout,
			.csv = op->csv ? stdout : NULL};
	if (op->csv_path && !(o.csv = fopen(op->csv_path, "w"))) {
		fprintf(stderr, "%s: %s\n", op->csv_path, strerror(errno));
		return -1;
	}

	o.ghz = estimate_ghz();
	if (o.table) {
		print_header(o.table, "", title, o.ghz);
		fprintf(o.table,
			"%" PRIu64 " ops per run, %d runs; ns/op; "
			"cyc = median ns x estimated GHz\n\n"
			"%-40s %9s %9s %6s %8s  %s\n",
			op->iters, op->runs, "operation", "median", "min",
			"cyc", "target", "verdict");
		fflush(o.table);
	}
	if (o.csv) {
		print_header(o.csv, "# ", title, o.ghz);
		fprintf(o.csv,
			"# iters=%" PRIu64 " runs=%d\n"
			"operation,ns_median,ns_min,cycles_median,target_ns,"
			"verdict\n",
			op->iters, op->runs);
	}

	struct result *res = calloc(n, sizeof(*res));
	struct machine m;
	if (!res) {
		fputs("out of memory\n", stderr);
		exit(2);
	}
	run_all(ctx, op, benches, n, res, &m, o.ghz);
	int failed = print_rows(&o, benches, n, res);
	free(res);
	machine_report(&m, &o);
	if (failed && o.table)
		fprintf(o.table, "%d target(s) missed\n", failed);
	if (op->csv_path && fclose(o.csv) != 0) {
		fprintf(stderr, "%s: %s\n", op->csv_path, strerror(errno));
		return -1;
	}
	return failed;
}
