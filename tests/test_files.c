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
 * registered afresh and works. On libev nothing is registered.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <poll.h>
#include <string.h>
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

/* One message of |n| bytes through the echo, checked. */
static void round_trip(rv_loop *loop, int fd, const char *msg)
{
	size_t n = strlen(msg);
	char got[64];

	cr_assert_eq(write(fd, msg, n), (ssize_t)n);
	cr_assert(tl_run_until(loop, readable, &fd, 5000), "no echo of '%s'",
		  msg);
	cr_assert_eq(read(fd, got, sizeof(got)), (ssize_t)n);
	cr_assert_eq(memcmp(got, msg, n), 0, "echo of '%s'", msg);
	tl_run_for(loop, 5); /* the send's completion */
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

static void server_start(struct server *s, const struct test_backend *b)
{
	nopened = nclosed = 0;
	s->loop = tl_loop(b, NULL);
	s->uring = b->backend == RV_BACKEND_URING;
	cr_assert_eq(rv_listen_tcp(s->loop, "127.0.0.1", 0, &files_echo_ops,
				   NULL, &s->l),
		     0);
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
	client_close(&s, fd);
	cr_assert_eq(registered(s.loop), 0,
		     "%s: the slot outlived its "
		     "connection",
		     b->name);
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

	server_start(&s, b);
	fd = client(&s);
	for (int i = 0; i < 3; i++)
		round_trip(s.loop, fd, "abc");
	cr_assert_eq(registered(s.loop), s.uring ? 1 : 0);
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
		client_close(&s, fd);
		cr_assert_eq(registered(s.loop), 0);
	}
	tl_destroy(s.loop);
}
