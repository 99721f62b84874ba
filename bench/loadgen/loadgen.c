/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loadgen - closed-loop load for TCP (and, with --udp, UDP) echo servers:
 * many non-blocking connections per thread, every byte checked, latency
 * percentiles.
 *
 * Usage:
 *   loadgen [--host ADDR] [--port N] [--conns N] [--size BYTES] [--depth N]
 *           [--seconds S] [--warmup S] [--threads N] [--no-verify]
 *           [--discard] [--csv] [--quiet] [--allow-remote] [--server-pid P]
 *   loadgen --idle N [--host ADDR] [--port N] [--seconds S]
 *           [--sources N] [--source-base ADDR] [--reset]
 *   loadgen --udp [--udp-timeout-ms MS] [the options of the first form]
 *   loadgen [--udp] --csv-header
 *   loadgen --version
 *
 *   --host ADDR    numeric server address, or localhost (default 127.0.0.1)
 *   --port N       server port (default 7000)
 *   --conns N      connections (default 50)
 *   --size BYTES   message size (default 64, at most 64 MiB)
 *   --depth N      messages in flight per connection (default 1, max 1024)
 *   --seconds S    measured time (default 5; fractions allowed)
 *   --warmup S     load before the measured time, not counted (default 1)
 *   --threads N    threads, each with its own epoll and an equal share of
 *                  the connections (default 1)
 *   --no-verify    only count bytes (--verify, checking every byte that
 *                  comes back, is the default)
 *   --discard      TCP: receive with MSG_TRUNC, which makes the kernel drop
 *                  the bytes instead of copying them out; they are counted,
 *                  not checked (implies --no-verify). For large messages,
 *                  where loadgen's own receive copy and check would make
 *                  loadgen, not the server, the bottleneck on a small
 *                  machine. Run once without it to check the bytes.
 *   --idle N       open N connections, send nothing, hold them --seconds,
 *                  close them (to measure a server's memory per idle
 *                  connection). Prints "holding conns=N connected=M" on
 *                  stdout once they are open: read the server's RSS then.
 *                  That line also gives the connects that failed and the
 *                  ramp: "failed=F ramp_s=X conns_per_s=Y".
 *   --sources N    bind connection c to source address ADDR + c % N
 *                  before connecting (IP_BIND_ADDRESS_NO_PORT: the port
 *                  is picked per source and destination pair, so each
 *                  source address gives the whole ephemeral port range,
 *                  ip_local_port_range, towards one server port): how one
 *                  host opens more connections to one port than it has
 *                  ephemeral ports. IPv4 only; every address must be in
 *                  127.0.0.0/8 unless --allow-remote.
 *   --source-base ADDR  the first source address (default 127.0.0.1;
 *                  given alone, --sources is 1)
 *   --reset        close every connection at the end with a reset
 *                  (SO_LINGER 0) instead of a FIN: neither side keeps it
 *                  in TIME_WAIT, so a rerun at once finds every port free
 *   --csv          print the last line as CSV (columns: --csv-header)
 *   --quiet        no progress lines
 *   --allow-remote allow a non-loopback server (policy here: loopback only)
 *   --server-pid P also report the CPU time process P (the server) used
 *                  per message in the measured window, from /proc/P/stat
 *   --udp          datagrams instead of a stream: see loadgen_udp.c, which
 *                  says how loss is counted; --conns is then the number of
 *                  sockets, --size at least 16 and at most 65507
 *   --udp-timeout-ms MS  a datagram not echoed within MS (default 200)
 *                  counts as lost
 *   --version      print "loadgen ringview X.Y.Z" (the project's version;
 *                  loadgen does not link ringview)
 *
 * Each connection keeps --depth messages of --size bytes outstanding,
 * starting a new one whenever one has come back in full. A message's
 * latency runs from handing its first byte to send() to receiving its last
 * byte; it goes into a log-linear histogram (exact below 256 ns, then 128
 * buckets per power of two: within 0.8%) from which p50/p99/p99.9 are
 * read. Only messages completed in the measured window count. Once a
 * second a progress line goes to stderr; the last line, on stdout, is
 *   msgs/s=N MiB/s=X p50_us=X p99_us=X p999_us=X max_us=X errors=N
 *   conns=N size=N depth=N seconds=S threads=N lg_cpu_pct=X
 *   [server_cpu_pct=X server_cpu_us_per_msg=X]
 * (one line; MiB/s counts message bytes echoed, each crossed loopback
 * twice; lg_cpu_pct is loadgen's own CPU use, 100 = one core busy: near
 * 100 per thread, loadgen may be what limits the rate), or in --idle mode
 * "idle conns=N connected=M errors=E seconds=S". With --udp the line also
 * ends in "lost=N late=N dup=N timeout_ms=N", and the CSV row has mode
 * "udp" and those four columns last (loadgen --udp --csv-header).
 *
 * Verification: message k of connection c is a slice of one fixed random
 * table, starting at a place hashed from (c, k). The expected stream is
 * known at every byte, so a lost, duplicated, reordered or corrupted byte
 * is a mismatch: reported with its position, counted as an error, and the
 * connection dropped. Checking is one memcmp, and sending copies nothing:
 * the table is the send buffer. Other errors: a connect that fails or is
 * not done within 3 s, a reset or closed connection, bytes beyond what was
 * sent, and a connection with messages outstanding that received nothing
 * in the last second of the run (stalled).
 *
 * Always bounded: connecting gets 3 s plus 0.5 ms per connection (12.5 s
 * for 19,000; a connect not done by then counts as an error), the run
 * stops by itself, and the program gives up at warmup + seconds + 5 s
 * after the connect phase whatever the server does. The ramp is the
 * connect phase: from the start to the moment every connect has
 * completed or failed; conns_per_s is the connections opened over it.
 * Exit status: 0 without errors, 1 with errors, 2 for bad usage (a value
 * out of range or not entirely a number, an unknown option, a stray
 * argument: each is named on stderr). With
 * --udp, loss is a figure and not an error; 1 also when not one datagram
 * came back in the measured window.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"

#define GRACE (5 * NS_PER_S) /* hard deadline past the run */

struct lg_cfg cfg = {.host = "127.0.0.1",
		     .port = 7000,
		     .conns = 50,
		     .size = 64,
		     .depth = 1,
		     .threads = 1,
		     .udp_timeout_ms = 200,
		     .seconds = 5,
		     .warmup = 1,
		     .verify = 1};

struct sockaddr_storage server;
socklen_t server_len;
uint32_t source_addr;
uint8_t *pattern;	     /* PAT_PERIOD + size random bytes */
int64_t t_start;	     /* program start */
int64_t t_go, t_warm, t_end; /* set before go */
int64_t t_connect_end;
atomic_bool go;
volatile sig_atomic_t stop;
atomic_uint errors, connected, opened; /* over all threads */
atomic_uint threads_ready, threads_done;
static double cpu_warm[2], cpu_end[2]; /* s used by loadgen, server */

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ---- histogram --------------------------------------------------------- */

unsigned hist_index(uint64_t v)
{
	unsigned e;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v) - HIST_SUB_BITS;
	if (e > HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	return (e + 1) * HIST_SUB + (unsigned)(v >> e) - HIST_SUB;
}

/* The middle of bucket i, in ns. */
static double hist_value(unsigned i)
{
	unsigned e;

	if (i < 2 * HIST_SUB)
		return i;
	e = i / HIST_SUB - 1;
	return ((double)(i % HIST_SUB + HIST_SUB) + 0.5) * (double)(1ull << e);
}

/* Smallest value with at least q of the samples at or below it, in us. */
static double hist_quantile(const uint64_t *h, uint64_t total, double q)
{
	double rank = q * (double)total;
	uint64_t want = (uint64_t)rank, seen = 0;

	if (total == 0)
		return 0;
	if (want < rank || want == 0) /* round up, and at least one */
		want++;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h[i];
		if (seen >= want)
			return hist_value(i) / 1000;
	}
	return hist_value(HIST_BUCKETS - 1) / 1000;
}

/* ---- the expected byte stream ------------------------------------------ */

uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int make_pattern(void)
{
	uint64_t s = 0x5eed;

	pattern = malloc(PAT_PERIOD + (size_t)cfg.size);
	if (!pattern)
		return -1;
	for (size_t i = 0; i < PAT_PERIOD + cfg.size; i++)
		pattern[i] = (uint8_t)mix64(s++);
	return 0;
}

void count_error(const char *what, unsigned id, const char *fmt, va_list ap)
{
	unsigned n = atomic_fetch_add(&errors, 1);
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < MAX_ERROR_MSGS) /* one call: lines of threads don't mix */
		fprintf(stderr, "loadgen: %s %u: %s\n", what, id, msg);
	else if (n == MAX_ERROR_MSGS)
		fputs("loadgen: further errors not shown\n", stderr);
}

/* Message k of connection `id`: size bytes, sent straight from here. */
const uint8_t *msg_bytes(uint32_t id, uint64_t k)
{
	return pattern + mix64(((uint64_t)id << 40) ^ k) % PAT_PERIOD;
}

/* ---- setup and report --------------------------------------------------- */

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		return ntohl(s4->sin_addr.s_addr) >> 24 == 127;
	}
	const struct sockaddr_in6 *s6 = (const void *)ss;
	return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
	       (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		s6->sin6_addr.s6_addr[12] == 127);
}

/* --sources and --source-base: source_addr, or -1 after saying why. */
static int resolve_sources(void)
{
	const char *base = cfg.source_base ? cfg.source_base : "127.0.0.1";
	struct in_addr a;
	uint64_t last;

	if (cfg.source_base && !cfg.sources)
		cfg.sources = 1;
	if (!cfg.sources)
		return 0;
	if (inet_pton(AF_INET, base, &a) != 1) {
		fprintf(stderr,
			"loadgen: --source-base needs a numeric IPv4 address "
			"such as 127.0.0.2, not '%s'\n",
			base);
		return -1;
	}
	if (server.ss_family != AF_INET) {
		fprintf(stderr, "loadgen: --sources and --source-base need an "
				"IPv4 --host\n");
		return -1;
	}
	source_addr = ntohl(a.s_addr);
	last = (uint64_t)source_addr + cfg.sources - 1;
	if (!cfg.allow_remote &&
	    (source_addr >> 24 != 127 || last >> 24 != 127)) {
		fprintf(stderr,
			"loadgen: --source-base '%s' with --sources %u leaves "
			"127.0.0.0/8, and load tests here stay on loopback "
			"(--allow-remote overrides)\n",
			base, cfg.sources);
		return -1;
	}
	if (last > UINT32_MAX) {
		fprintf(stderr,
			"loadgen: --source-base '%s' with --sources %u runs "
			"past 255.255.255.255\n",
			base, cfg.sources);
		return -1;
	}
	return 0;
}

static int resolve(void)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	const char *host = cfg.host;
	struct addrinfo *ai;
	char port[8];
	int err;

	/* Numeric only, so no name lookup can hang the run. */
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	snprintf(port, sizeof(port), "%u", cfg.port);
	err = getaddrinfo(host, port, &hints, &ai);
	if (err != 0) {
		fprintf(stderr,
			"loadgen: --host needs a numeric IPv4 or IPv6 address "
			"or localhost, not '%s' (%s)\n",
			cfg.host, gai_strerror(err));
		return -1;
	}
	memcpy(&server, ai->ai_addr, ai->ai_addrlen);
	server_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (!is_loopback(&server) && !cfg.allow_remote) {
		fprintf(stderr,
			"loadgen: %s is not a loopback address, and "
			"load tests here target loopback only "
			"(--allow-remote overrides)\n",
			cfg.host);
		return -1;
	}
	return resolve_sources();
}

/* One descriptor per connection, plus a few: take the hard limit. */
static int raise_nofile(unsigned conns)
{
	rlim_t need = (rlim_t)conns + 32;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		fprintf(stderr,
			"loadgen: %u connections need %llu open files, "
			"but the hard limit (ulimit -Hn) is %llu: "
			"raise it or use fewer connections\n",
			conns, (unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("loadgen: setrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	return 0;
}

/* CPU seconds (user + system) process pid has used, or -1. */
static double proc_cpu(unsigned pid)
{
	unsigned long long ut, st;
	char path[32], buf[512], *p;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Note the CPU time used so far by loadgen and by the server. */
static void sample_cpu(double *cpu)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	cpu[0] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	cpu[1] = cfg.server_pid ? proc_cpu(cfg.server_pid) : 0;
}

static void progress(const struct thread *ts, int64_t now, uint64_t *last)
{
	double at = (double)(now - t_go) / NS_PER_S;
	uint64_t msgs = 0, lost = 0;

	for (unsigned i = 0; i < cfg.threads; i++) {
		msgs += atomic_load_explicit(&ts[i].msgs, memory_order_relaxed);
		lost += atomic_load_explicit(&ts[i].lost, memory_order_relaxed);
	}

	if (cfg.udp)
		fprintf(stderr, "[%5.1fs] msgs/s=%llu lost=%llu errors=%u%s\n",
			at, (unsigned long long)(msgs - *last),
			(unsigned long long)lost, atomic_load(&errors),
			now - NS_PER_S / 2 < t_warm ? " (warmup)" : "");
	else if (cfg.idle)
		fprintf(stderr, "[%5.1fs] connected=%u errors=%u\n", at,
			atomic_load(&connected), atomic_load(&errors));
	else
		fprintf(stderr, "[%5.1fs] msgs/s=%llu errors=%u%s\n", at,
			(unsigned long long)(msgs - *last),
			atomic_load(&errors),
			now - NS_PER_S / 2 < t_warm ? " (warmup)" : "");
	*last = msgs;
}

/* The connect phase, in s, and the connections opened per second in it. */
static double ramp_s(void)
{
	return (double)(t_go - t_start) / NS_PER_S;
}

static double ramp_rate(unsigned opens)
{
	return ramp_s() > 0 ? (double)opens / ramp_s() : 0;
}

static const char csv_header[] =
	"mode,msgs_per_s,mib_per_s,p50_us,p99_us,p999_us,max_us,errors,conns,"
	"opened,size,depth,seconds,threads,lg_cpu_pct,server_cpu_pct,"
	"server_cpu_us_per_msg";
/* --udp: mode "udp" and these columns at the end. */
static const char csv_udp_cols[] = ",lost,late,dup,timeout_ms";

static void print_result(const struct thread *ts, double window)
{
	static uint64_t hist[HIST_BUCKETS];
	uint64_t msgs = 0, max_ns = 0, lost = 0, late = 0, dup = 0;
	unsigned errs = atomic_load(&errors), opens = atomic_load(&opened);
	double rate, mib, p50, p99, p999, lg_pct, srv_pct, srv_us;

	for (unsigned i = 0; i < cfg.threads; i++) {
		msgs += ts[i].win_msgs;
		lost += ts[i].win_lost;
		late += ts[i].late;
		dup += ts[i].dup;
		if (ts[i].max_ns > max_ns)
			max_ns = ts[i].max_ns;
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			hist[b] += ts[i].hist[b];
	}
	rate = window > 0 ? (double)msgs / window : 0;
	mib = rate * (double)cfg.size / (1024 * 1024);
	p50 = hist_quantile(hist, msgs, 0.5);
	p99 = hist_quantile(hist, msgs, 0.99);
	p999 = hist_quantile(hist, msgs, 0.999);
	lg_pct = window > 0 ? (cpu_end[0] - cpu_warm[0]) / window * 100 : 0;
	srv_pct = window > 0 ? (cpu_end[1] - cpu_warm[1]) / window * 100 : 0;
	srv_us = msgs ? (cpu_end[1] - cpu_warm[1]) / (double)msgs * 1e6 : 0;
	if (cfg.csv)
		printf("%s,%.0f,%.2f,%.1f,%.1f,%.1f,%.1f,"
		       "%u,%u,%u,%u,%u,%g,%u,%.0f,%.0f,%.3f",
		       cfg.udp	  ? "udp"
		       : cfg.idle ? "idle"
				  : "load",
		       rate, mib, p50, p99, p999, (double)max_ns / 1000, errs,
		       cfg.conns, opens, cfg.size, cfg.depth, window,
		       cfg.threads, lg_pct, srv_pct, srv_us);
	else if (cfg.idle)
		printf("idle conns=%u connected=%u errors=%u seconds=%g "
		       "ramp_s=%.3f conns_per_s=%.0f\n",
		       cfg.conns, opens, errs, window, ramp_s(),
		       ramp_rate(opens));
	else
		printf("msgs/s=%.0f MiB/s=%.2f p50_us=%.1f p99_us=%.1f "
		       "p999_us=%.1f max_us=%.1f errors=%u conns=%u size=%u "
		       "depth=%u seconds=%g threads=%u lg_cpu_pct=%.0f",
		       rate, mib, p50, p99, p999, (double)max_ns / 1000, errs,
		       cfg.conns, cfg.size, cfg.depth, window, cfg.threads,
		       lg_pct);
	if (!cfg.csv && !cfg.idle && cfg.server_pid)
		printf(" server_cpu_pct=%.0f server_cpu_us_per_msg=%.3f",
		       srv_pct, srv_us);
	if (cfg.udp)
		printf(cfg.csv ? ",%llu,%llu,%llu,%u"
			       : " lost=%llu late=%llu dup=%llu timeout_ms=%u",
		       (unsigned long long)lost, (unsigned long long)late,
		       (unsigned long long)dup, cfg.udp_timeout_ms);
	if (cfg.csv || !cfg.idle)
		putchar('\n');
	fflush(stdout);
}

static int usage(FILE *f)
{
	fputs("usage: loadgen [--host ADDR] [--port N] [--conns N] "
	      "[--size BYTES] [--depth N]\n"
	      "               [--seconds S] [--warmup S] [--threads N] "
	      "[--no-verify]\n"
	      "               [--discard] "
	      "[--csv] [--quiet] [--allow-remote] [--server-pid P]\n"
	      "       loadgen --idle N [--host ADDR] [--port N] [--seconds S]\n"
	      "               [--sources N] [--source-base ADDR] [--reset]\n"
	      "       loadgen --udp [--udp-timeout-ms MS] [the options above]\n"
	      "       loadgen [--udp] --csv-header\n"
	      "       loadgen --version   (\"loadgen ringview X.Y.Z\")\n"
	      "Defaults: 127.0.0.1 port 7000, 50 conns, 64 B, depth 1, 5 s "
	      "after 1 s warmup,\n"
	      "1 thread, verification on. The source's top comment says "
	      "more.\n",
	      f);
	return 0;
}

static int version(void)
{
	bench_print_version("loadgen", RV_BENCH_VERSION);
	return 0;
}

/* Numeric options, in the order of the first entries of opts[] below. */
static const struct numopt {
	unsigned *u; /* a whole number goes here */
	double *d;   /* or a fraction here */
	double lo, hi;
} numopts[] = {
	{&cfg.port, NULL, 1, 65535},
	{&cfg.conns, NULL, 1, 1e6},
	{&cfg.size, NULL, 1, 64 << 20},
	{&cfg.depth, NULL, 1, 1024},
	{&cfg.threads, NULL, 1, 256},
	{&cfg.idle, NULL, 1, 1e6},
	{NULL, &cfg.seconds, 0.01, 1e5},
	{NULL, &cfg.warmup, 0, 1e5},
	{&cfg.server_pid, NULL, 1, 4194304},
	{&cfg.udp_timeout_ms, NULL, 1, 1e4},
	{&cfg.sources, NULL, 1, 1 << 24},
};

static const struct option opts[] = {
	{"port", required_argument, NULL, 'n'},
	{"conns", required_argument, NULL, 'n'},
	{"size", required_argument, NULL, 'n'},
	{"depth", required_argument, NULL, 'n'},
	{"threads", required_argument, NULL, 'n'},
	{"idle", required_argument, NULL, 'n'},
	{"seconds", required_argument, NULL, 'n'},
	{"warmup", required_argument, NULL, 'n'},
	{"server-pid", required_argument, NULL, 'n'},
	{"udp-timeout-ms", required_argument, NULL, 'n'},
	{"sources", required_argument, NULL, 'n'},
	{"host", required_argument, NULL, 'H'},
	{"source-base", required_argument, NULL, 'S'},
	{"verify", no_argument, &cfg.verify, 1},
	{"no-verify", no_argument, &cfg.verify, 0},
	{"discard", no_argument, &cfg.discard, 1},
	{"csv", no_argument, &cfg.csv, 1},
	{"quiet", no_argument, &cfg.quiet, 1},
	{"allow-remote", no_argument, &cfg.allow_remote, 1},
	{"udp", no_argument, &cfg.udp, 1},
	{"reset", no_argument, &cfg.reset, 1},
	{"csv-header", no_argument, NULL, 'C'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* The whole argument must be a number in range; whole where it must be. */
static void num_arg(const struct numopt *no, const char *name, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	/* Digits and a '.' only: strtod alone takes " 5", "+5", "0x10",
	 * "1e3" and "inf". */
	if (*s == '\0' || s[strspn(s, "0123456789.")] != '\0' || *end != '\0' ||
	    !(v >= no->lo && v <= no->hi) || (no->u && v != (unsigned)v)) {
		fprintf(stderr,
			"loadgen: --%s needs a %s from %.15g to %.15g, not "
			"'%s'\n",
			name, no->u ? "whole number" : "number", no->lo, no->hi,
			s);
		exit(2);
	}
	if (no->u)
		*no->u = (unsigned)v;
	else
		*no->d = v;
}

static void parse_args(int argc, char **argv)
{
	bool header = false;
	int o, i;

	while ((o = getopt_long(argc, argv, "h", opts, &i)) != -1) {
		if (o == 'n')
			num_arg(&numopts[i], opts[i].name, optarg);
		else if (o == 'H')
			cfg.host = optarg;
		else if (o == 'S')
			cfg.source_base = optarg;
		else if (o == 'C')
			header = true;
		else if (o == 'h')
			exit(usage(stdout));
		else if (o == 'V')
			exit(version());
		else if (o != 0)
			break; /* getopt_long said what was wrong */
	}
	if (o != -1) {
		usage(stderr);
		exit(2);
	}
	if (bench_no_operands("loadgen", argc, argv, optind) < 0)
		exit(2);
	if (header)
		exit(printf("%s%s\n", csv_header, cfg.udp ? csv_udp_cols : "") <
		     0);
	if (cfg.udp &&
	    (cfg.idle || cfg.size < UDP_MIN_SIZE || cfg.size > UDP_MAX_SIZE)) {
		fprintf(stderr,
			"loadgen: --udp takes no --idle, and a --size from "
			"%u to %u\n",
			UDP_MIN_SIZE, UDP_MAX_SIZE);
		exit(2);
	}
	if (cfg.udp &&
	    (cfg.sources || cfg.source_base || cfg.reset || cfg.discard)) {
		fputs("loadgen: --sources, --source-base, --reset and "
		      "--discard "
		      "are for TCP, not --udp\n",
		      stderr);
		exit(2);
	}
	if (cfg.discard)
		cfg.verify = 0; /* nothing to check: the bytes are dropped */
	if (cfg.idle) { /* hold connections only: no warmup, no messages */
		cfg.conns = cfg.idle;
		cfg.warmup = 0;
	}
	if (cfg.threads > cfg.conns)
		cfg.threads = cfg.conns;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Connection i goes to thread i % threads. */
static void sleep_until(int64_t when)
{
	int64_t d = when - now_ns();
	struct timespec ts = {d / NS_PER_S, d % NS_PER_S};

	if (d > 0)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int64_t deadline, next;
	bool warm_sampled = false;
	uint64_t last = 0, echoed = 0;
	struct thread *ts;
	double window;

	parse_args(argc, argv);
	if (resolve() < 0 || raise_nofile(cfg.conns) < 0)
		return 2;
	if (cfg.server_pid && proc_cpu(cfg.server_pid) < 0) {
		fprintf(stderr, "loadgen: no process %u to measure\n",
			cfg.server_pid);
		return 2;
	}
	if (make_pattern() < 0) {
		fputs("loadgen: out of memory\n", stderr);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t_start = now_ns();
	t_connect_end = t_start + 3 * NS_PER_S + (int64_t)cfg.conns * 500000;

	ts = calloc(cfg.threads, sizeof(*ts));
	if (!ts)
		return 1;
	for (unsigned i = 0; i < cfg.threads; i++)
		if ((cfg.udp ? udp_setup_thread(&ts[i], i)
			     : tcp_setup_thread(&ts[i], i)) < 0 ||
		    pthread_create(&ts[i].tid, NULL,
				   cfg.udp ? udp_thread_main : tcp_thread_main,
				   &ts[i]) != 0)
			return 1;

	/* Every thread connects its share; then all start at once. */
	while (atomic_load(&threads_ready) < cfg.threads)
		sleep_until(now_ns() + NS_PER_S / 200);
	t_go = now_ns();
	t_warm = t_go + (int64_t)(cfg.warmup * NS_PER_S);
	t_end = t_warm + (int64_t)(cfg.seconds * NS_PER_S);
	if (atomic_load(&connected) == 0) /* nothing to measure: stop now */
		t_end = t_warm = t_go;
	deadline = t_end + GRACE;
	if (cfg.udp) /* the threads wait out the last datagrams' timeout */
		deadline += (int64_t)cfg.udp_timeout_ms * 1000000;
	atomic_store_explicit(&go, true, memory_order_release);
	if (cfg.idle) {
		unsigned opens = atomic_load(&opened);
		printf("holding conns=%u connected=%u failed=%u ramp_s=%.3f "
		       "conns_per_s=%.0f\n",
		       cfg.conns, atomic_load(&connected), cfg.conns - opens,
		       ramp_s(), ramp_rate(opens));
		fflush(stdout);
	}

	/* Progress once a second until the end, or until interrupted; CPU
	 * use sampled as the measured window opens and closes. */
	for (next = t_go + NS_PER_S; !stop; next += NS_PER_S) {
		if (!warm_sampled && t_warm <= next) {
			sleep_until(t_warm);
			sample_cpu(cpu_warm);
			warm_sampled = true;
		}
		sleep_until(next < t_end ? next : t_end);
		if (stop || next > t_end)
			break;
		if (!cfg.quiet)
			progress(ts, now_ns(), &last);
	}
	sample_cpu(cpu_end);
	window = (double)((stop ? now_ns() : t_end) - t_warm) / NS_PER_S;

	while (atomic_load(&threads_done) < cfg.threads) {
		if (now_ns() > deadline) {
			fputs("loadgen: threads did not stop by the deadline\n",
			      stderr);
			print_result(ts, window);
			_exit(1);
		}
		sleep_until(now_ns() + NS_PER_S / 200);
	}
	print_result(ts, window > 0 ? window : 0);
	for (unsigned i = 0; i < cfg.threads; i++) {
		pthread_join(ts[i].tid, NULL);
		close(ts[i].ep);
		if (cfg.udp) {
			echoed += ts[i].win_msgs;
			udp_free_thread(&ts[i]);
		} else {
			tcp_free_thread(&ts[i]);
		}
	}
	free(ts);
	free(pattern);
	/* UDP: loss is a figure, not an error; nothing echoed at all is. */
	if (cfg.udp && echoed == 0 && window > 0) {
		fputs("loadgen: no datagram came back in the measured window\n",
		      stderr);
		return 1;
	}
	return atomic_load(&errors) == 0 ? 0 : 1;
}
