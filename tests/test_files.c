/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_files.c - io_uring registers the socket of a connection that keeps
 * sending with the ring (a fixed file at the slot of its descriptor's
 * number; src/loop/uring/uring_tcp.c) and clears the slot before the
 * descriptor is closed. Seen through rv_loop_stats' files_registered, the
 * number registered now: a connection that answered once is not; one that
 * answered twice is, and echoes on through its slot; its end clears the
 * slot; a new connection that gets the same descriptor number is
 * registered afresh and works; an abort, a zero-copy send and a loop
 * destroyed under a registered connection work through the slot too. On
 * libev, and on io_uring before Linux 6.13 (uring.c says why), nothing
 * is registered.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "conn_util.h"
#include "loop_util.h"

static rv_conn *last_opened;
static volatile int nopened, nclosed;

static void note_open(rv_conn *c)
{
	last_opened = c;
	nopened++;
}

static void note_close(rv_conn *c, int err)
{
	(void)c;
	(void)err;
	nclosed++;
}

static const struct rv_conn_ops files_echo_ops = {
	.on_open = note_open,
	.on_data = echo_data,
	.on_close = note_close,
};

static bool readable(void *ctx)
{
	struct pollfd p = {.fd = *(int *)ctx, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

/* |n| bytes through the echo, checked; the loop runs meanwhile. */
static void round_trip_bytes(rv_loop *loop, int fd, const char *msg, size_t n)
{
	static char got[16384];
	size_t have = 0;

	cr_assert_leq(n, sizeof(got));
	cr_assert_eq(write(fd, msg, n), (ssize_t)n);
	while (have < n) {
		ssize_t r;

		cr_assert(tl_run_until(loop, readable, &fd, 5000),
			  "no echo: %zu of %zu bytes", have, n);
		r = read(fd, got + have, n - have);
		cr_assert_gt(r, 0, "read: %zd (%s)", r, strerror(errno));
		have += (size_t)r;
	}
	cr_assert_eq(memcmp(got, msg, n), 0, "the echo differs");
	tl_run_for(loop, 5); /* the send's completion */
}

static void round_trip(rv_loop *loop, int fd, const char *msg)
{
	round_trip_bytes(loop, fd, msg, strlen(msg));
}

/* Whether this kernel gets connections registered (uring.c). */
static bool kernel_registers(void)
{
	struct utsname un;
	unsigned ma = 0, mi = 0;

	if (uname(&un) != 0 || sscanf(un.release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma > 6 || (ma == 6 && mi >= 13);
}

static uint64_t registered(rv_loop *loop)
{
	struct rv_loop_stats st;

	rv_loop_stats(loop, &st);
	return st.files_registered;
}

static bool server_closed(void *ctx)
{
	return nclosed >= *(int *)ctx;
}

struct server {
	rv_loop *loop;
	rv_listener *l;
	bool uring;
};

static void server_start_cfg(struct server *s, const struct test_backend *b,
			     struct rv_loop_config *cfg)
{
	nopened = nclosed = 0;
	s->loop = tl_loop(b, cfg);
	s->uring = b->backend == RV_BACKEND_URING && kernel_registers();
	cr_assert_eq(rv_listen_tcp(s->loop, "127.0.0.1", 0, &files_echo_ops,
				   NULL, &s->l),
		     0);
}

static void server_start(struct server *s, const struct test_backend *b)
{
	server_start_cfg(s, b, NULL);
}

/* A new client connection, opened on the server side. */
static int client(struct server *s)
{
	int fd = tl_connect_raw(rv_listener_port(s->l));
	int want = nopened + 1;

	cr_assert_geq(fd, 0);
	cr_assert(tl_run_until_count(s->loop, &nopened, want, 5000),
		  "the server did not open the connection");
	return fd;
}

static void client_close(struct server *s, int fd)
{
	int want = nclosed + 1;

	close(fd);
	cr_assert(tl_run_until(s->loop, server_closed, &want, 5000),
		  "the server did not close the connection");
}

/* The client closes; once the server has closed its end, no slot is
 * left registered. */
static void client_close_cleared(struct server *s, int fd)
{
	client_close(s, fd);
	cr_assert_eq(registered(s->loop), 0, "a slot outlived its connection");
}

/* A server and one client connection that has been answered three
 * times: registered, where the kernel registers. */
static int registered_client(struct server *s, const struct test_backend *b)
{
	int fd;

	server_start(s, b);
	fd = client(s);
	for (int i = 0; i < 3; i++)
		round_trip(s->loop, fd, "abc");
	cr_assert_eq(registered(s->loop), s->uring ? 1 : 0, "%s", b->name);
	return fd;
}

TEST_BACKENDS(files, a_connection_that_keeps_sending_is_registered)
ParameterizedTest(struct test_backend *b, files,
		  a_connection_that_keeps_sending_is_registered)
{
	struct server s;
	int fd;

	server_start(&s, b);
	fd = client(&s);
	round_trip(s.loop, fd, "one");
	cr_assert_eq(registered(s.loop), 0, "%s: registered after one answer",
		     b->name);
	round_trip(s.loop, fd, "two");
	cr_assert_eq(registered(s.loop), s.uring ? 1 : 0,
		     "%s: after two answers", b->name);
	/* On through the slot: receives re-armed and sends name it. */
	for (int i = 0; i < 20; i++)
		round_trip(s.loop, fd, i % 2 ? "through the slot" : "again");
	client_close_cleared(&s, fd);
	tl_destroy(s.loop);
}

/* The server ends it (rv_conn_close: the queue sent, then its FIN): the
 * peer sees the end; once both ends are closed, the slot is cleared. */
TEST_BACKENDS(files, a_registered_connection_the_server_closes_ends)
ParameterizedTest(struct test_backend *b, files,
		  a_registered_connection_the_server_closes_ends)
{
	struct server s;
	char byte;
	int fd;

	fd = registered_client(&s, b);
	rv_conn_close(last_opened);
	cr_assert(tl_run_until(s.loop, readable, &fd, 5000),
		  "%s: the peer saw no end", b->name);
	cr_assert_eq(read(fd, &byte, 1), 0, "%s: end of stream", b->name);
	client_close(&s, fd); /* the server then lets go of it */
	cr_assert_eq(registered(s.loop), 0, "%s: slot left", b->name);
	tl_destroy(s.loop);
}

/* A descriptor number freed by a registered connection and taken by the
 * next one: the new socket gets the slot, not the old one's file. */
TEST_BACKENDS(files, a_reused_descriptor_number_is_registered_afresh)
ParameterizedTest(struct test_backend *b, files,
		  a_reused_descriptor_number_is_registered_afresh)
{
	struct server s;
	int fd, first_fd;

	server_start(&s, b);
	fd = client(&s);
	first_fd = rv_conn_fd(last_opened);
	round_trip(s.loop, fd, "first");
	round_trip(s.loop, fd, "first again");
	client_close(&s, fd);
	for (int round = 0; round < 3; round++) {
		fd = client(&s);
		cr_assert_eq(rv_conn_fd(last_opened), first_fd,
			     "the lowest free number is taken again");
		round_trip(s.loop, fd, "second");
		round_trip(s.loop, fd, "second again");
		cr_assert_eq(registered(s.loop), s.uring ? 1 : 0);
		round_trip(s.loop, fd, "and on");
		client_close_cleared(&s, fd);
	}
	tl_destroy(s.loop);
}

/* rv_conn_abort on a registered connection: the peer is reset, and the
 * slot is cleared once the connection is gone. */
TEST_BACKENDS(files, a_registered_connection_aborted_resets_its_peer)
ParameterizedTest(struct test_backend *b, files,
		  a_registered_connection_aborted_resets_its_peer)
{
	struct server s;
	int want, fd;
	char byte;

	fd = registered_client(&s, b);
	want = nclosed + 1;
	rv_conn_abort(last_opened);
	cr_assert(tl_run_until(s.loop, server_closed, &want, 5000),
		  "%s: the aborted connection was not closed", b->name);
	cr_assert_eq(registered(s.loop), 0, "%s: slot left", b->name);
	cr_assert(tl_run_until(s.loop, readable, &fd, 5000));
	cr_assert_eq(read(fd, &byte, 1), -1, "%s: no reset", b->name);
	cr_assert_eq(errno, ECONNRESET, "%s: %s", b->name, strerror(errno));
	close(fd);
	tl_destroy(s.loop);
}

/* Sends over the zero-copy threshold name the slot too (on loopback the
 * kernel copies them, and the connection goes back to plain sends). */
TEST_BACKENDS(files, zero_copy_sends_go_through_the_slot)
ParameterizedTest(struct test_backend *b, files,
		  zero_copy_sends_go_through_the_slot)
{
	struct rv_loop_config cfg = {.zerocopy_threshold = 1024};
	static char msg[8192];
	struct server s;
	int fd;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);
	server_start_cfg(&s, b, &cfg);
	fd = client(&s);
	for (int i = 0; i < 6; i++)
		round_trip_bytes(s.loop, fd, msg, sizeof(msg) - (size_t)i);
	cr_assert_eq(registered(s.loop), s.uring ? 1 : 0);
	client_close_cleared(&s, fd);
	tl_destroy(s.loop);
}

/* The loop destroyed while a registered connection is open: the peer
 * sees its end (the socket is really closed), nothing leaks (tl_destroy
 * checks the pool and the loop). */
TEST_BACKENDS(files, a_loop_destroyed_under_a_registered_connection_ends_it)
ParameterizedTest(struct test_backend *b, files,
		  a_loop_destroyed_under_a_registered_connection_ends_it)
{
	struct pollfd p;
	struct server s;
	char byte;
	int fd;

	fd = registered_client(&s, b);
	tl_destroy(s.loop);
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 5000), 1, "%s: the peer saw no end", b->name);
	cr_assert_leq(read(fd, &byte, 1), 0, "%s: end or reset", b->name);
	close(fd);
}

/* A hostile crowd: many connections that each answer twice (so each holds
 * a slot) and then vanish, half with a reset, beside a good client that
 * keeps being served. Slots never outnumber the open connections - the
 * table is bounded by the descriptors the loop already limits - and none
 * is left once the crowd is gone. */
#define CROWD 100

TEST_BACKENDS(files, a_crowd_that_takes_slots_and_vanishes_leaves_none)
ParameterizedTest(struct test_backend *b, files,
		  a_crowd_that_takes_slots_and_vanishes_leaves_none)
{
	struct linger reset = {.l_onoff = 1, .l_linger = 0};
	int crowd[CROWD], good, want;
	struct server s;

	tl_need_fds(2 * CROWD + 64);
	good = registered_client(&s, b);
	for (int i = 0; i < CROWD; i++) {
		crowd[i] = client(&s);
		round_trip(s.loop, crowd[i], "take");
		round_trip(s.loop, crowd[i], "a slot");
		cr_assert_leq(registered(s.loop), rv_loop_conn_count(s.loop));
		round_trip(s.loop, good, "still served");
	}
	cr_assert_eq(registered(s.loop), s.uring ? CROWD + 1 : 0, "%s",
		     b->name);
	want = nclosed + CROWD;
	for (int i = 0; i < CROWD; i++) {
		if (i % 2)
			setsockopt(crowd[i], SOL_SOCKET, SO_LINGER, &reset,
				   sizeof(reset));
		close(crowd[i]);
	}
	cr_assert(tl_run_until(s.loop, server_closed, &want, 10000),
		  "%s: %d of %d crowd connections closed", b->name,
		  nclosed - (want - CROWD), CROWD);
	cr_assert_eq(registered(s.loop), s.uring ? 1 : 0,
		     "%s: the crowd left slots", b->name);
	round_trip(s.loop, good, "served after the crowd");
	client_close_cleared(&s, good);
	tl_destroy(s.loop);
}
