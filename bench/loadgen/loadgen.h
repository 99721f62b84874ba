/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loadgen.h - what loadgen.c (options, the expected byte stream, the
 * report) shares with its two modes, loadgen_tcp.c and loadgen_udp.c
 * (--udp). Private to the loadgen program.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* The project's version, for --version: bench/meson.build passes it from
 * meson.build's version:, the one place it is set (loadgen does not link
 * ringview, so rv_version() is not there to call). */
#ifndef RV_BENCH_VERSION
#error "RV_BENCH_VERSION is not defined: build with meson (bench/meson.build passes it)"
#endif

#define NS_PER_S       1000000000LL
#define MAX_ERROR_MSGS 10
#define PAT_PERIOD     65521u /* prime: starts of messages spread evenly */

/* Histogram: exact below 2*HIST_SUB ns, then HIST_SUB buckets per octave. */
#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP  34 /* beyond 2^41 ns (36 min): last bucket */
#define HIST_BUCKETS  ((HIST_MAX_EXP + 2) * HIST_SUB)

struct conn;
struct usock;

struct thread {
	pthread_t tid;
	int ep;
	struct conn *conns;   /* TCP mode */
	struct usock *usocks; /* --udp mode */
	unsigned nconns, next_connect, connecting;
	uint8_t *rxbuf;
	_Atomic uint64_t msgs; /* all completed messages, for progress */
	_Atomic uint64_t lost; /* --udp: all datagrams lost, for progress */
	bool connect_done;
	uint64_t win_msgs;  /* completed in the measured window */
	uint64_t win_lost;  /* --udp: sent in the window, never echoed */
	uint64_t late, dup; /* --udp: echoes after the timeout, duplicates */
	uint64_t max_ns;
	uint64_t hist[HIST_BUCKETS];
};

struct lg_cfg {
	const char *host;
	const char *source_base; /* --source-base, NULL: none given */
	unsigned port, conns, size, depth, threads, idle, server_pid;
	unsigned udp_timeout_ms, sources;
	double seconds, warmup;
	int verify, discard, csv, quiet, allow_remote, udp,
		reset; /* getopt_long */
};

extern struct lg_cfg cfg;
extern struct sockaddr_storage server;
extern socklen_t server_len;
extern uint8_t *pattern;
extern int64_t t_start, t_go, t_warm, t_end;
/* When the connect phase ends, connected or not: t_start + 3 s + 0.5 ms
 * per connection (so a ramp of 19,000 gets 12.5 s). */
extern int64_t t_connect_end;
/* --sources: connection id binds to source_addr + id % cfg.sources (IPv4,
 * host order) before connecting; cfg.sources 0: no bind. */
extern uint32_t source_addr;
extern atomic_bool go;
extern volatile sig_atomic_t stop;
extern atomic_uint errors, connected, opened, threads_ready, threads_done;

int64_t now_ns(void);
uint64_t mix64(uint64_t x);
unsigned hist_index(uint64_t v);
/* The bytes of message k of connection (or socket) id: cfg.size of them. */
const uint8_t *msg_bytes(uint32_t id, uint64_t k);
/* Count a message that came back at `now`, sent at `sent`. */
void record_msg(struct thread *t, int64_t sent, int64_t now);
/* Count an error of `what` `id` ("connection 3"); the first
 * MAX_ERROR_MSGS are printed, then that further ones are not. */
void count_error(const char *what, unsigned id, const char *fmt, va_list ap);

/* The table every message is a slice of (PAT_PERIOD + size bytes). */
int make_pattern(void);

/* loadgen_tcp.c */
int tcp_setup_thread(struct thread *t, unsigned idx);
void *tcp_thread_main(void *arg);
void tcp_free_thread(struct thread *t);

/* loadgen_udp.c */
#define UDP_MIN_SIZE 16	   /* the header of every datagram */
#define UDP_MAX_SIZE 65507 /* the largest UDP payload over IPv4 */
int udp_setup_thread(struct thread *t, unsigned idx);
void *udp_thread_main(void *arg);
void udp_free_thread(struct thread *t);

#endif
