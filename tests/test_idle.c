/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_idle.c - what an idle connection costs the server's heap, on each
 * backend: 2,000 connections accepted and never used; then the same
 * connections after each has exchanged a message and gone quiet (their
 * queues given back); then a connection that kept its input chain with
 * rv_conn_input, which stays whole.
 *
 * bench/c100k measures the same cost with the server's RSS under load;
 * here it is the allocator's count of bytes in use (mallinfo2), the
 * client sockets are the kernel's, so the figure is the server's alone.
 * Sanitizer builds replace the allocator: the counts are skipped there.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn_util.h"
#include "loop_util.h"

#define NCONNS 2000

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_COUNTED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define HEAP_COUNTED 0
#endif
#endif
#ifndef HEAP_COUNTED
#define HEAP_COUNTED 1
#endif

/*
 * The most an idle connection may cost, in heap bytes. io_uring: the
 * connection's struct alone (184 bytes in malloc's 192-byte chunk; the
 * issue's target is 200). libev adds the connection's two watchers (one
 * more allocation) and libev's own per-descriptor table.
 */
static size_t idle_bound(const struct test_backend *b)
{
	return b->backend == RV_BACKEND_URING ? 200 : 400;
}

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static volatile int opened;

static void count_open(rv_conn *c)
{
	(void)c;
	opened++;
}

static const struct rv_conn_ops idle_echo_ops = {
	.on_open = count_open,
	.on_data = echo_data,
};

static bool readable(void *ctx)
{
	struct pollfd p = {.fd = *(int *)ctx, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

struct crowd {
	rv_loop *loop;
	rv_listener *l;
	int fd[NCONNS];
};

/* A listening echo loop, warmed up by one round trip so that what the
 * loop allocates once is not counted per connection. */
static void crowd_start(struct crowd *cr, const struct test_backend *b)
{
	struct rv_addr a;

	tl_need_fds(2 * NCONNS + 64);
	opened = 0;
	cr->loop = tl_loop(b, NULL);
	cr_assert_eq(rv_listen_tcp(cr->loop, "127.0.0.1", 0, &idle_echo_ops,
				   NULL, &cr->l),
		     0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(cr->l), &a), 0);
	echo_through(cr->loop, &a);
}

/* Open the crowd's connections and wait until the server has them all;
 * returns the heap bytes they added. */
static size_t crowd_connect(struct crowd *cr)
{
	size_t before = heap_in_use();
	int base = opened;

	for (int i = 0; i < NCONNS; i++) {
		cr->fd[i] = tl_connect_raw(rv_listener_port(cr->l));
		cr_assert_geq(cr->fd[i], 0, "connection %d", i);
	}
	cr_assert(tl_run_until_count(cr->loop, &opened, base + NCONNS, 10000),
		  "the server opened %d of %d", opened - base, NCONNS);
	cr_assert_eq(rv_loop_conn_count(cr->loop), NCONNS + 0u);
	return heap_in_use() - before;
}

static void crowd_stop(struct crowd *cr)
{
	for (int i = 0; i < NCONNS; i++)
		close(cr->fd[i]);
	tl_destroy(cr->loop);
}

TEST_BACKENDS(idle, a_crowd_costs_a_struct_each)
ParameterizedTest(struct test_backend *b, idle, a_crowd_costs_a_struct_each)
{
	struct crowd *cr = calloc(1, sizeof(*cr));
	size_t added, per;

	if (!HEAP_COUNTED)
		cr_skip_test("a sanitizer's allocator: heap not counted");
	crowd_start(cr, b);
	added = crowd_connect(cr);
	per = added / NCONNS;
	cr_log_info("%s: %zu heap bytes per idle connection", b->name, per);
	cr_assert_leq(per, idle_bound(b),
		      "%s: %zu bytes per idle connection (at most %zu)",
		      b->name, per, idle_bound(b));
	crowd_stop(cr);
	free(cr);
}

TEST_BACKENDS(idle, after_a_message_it_gives_its_queues_back)
ParameterizedTest(struct test_backend *b, idle,
		  after_a_message_it_gives_its_queues_back)
{
	struct crowd *cr = calloc(1, sizeof(*cr));
	size_t quiet, after;

	if (!HEAP_COUNTED)
		cr_skip_test("a sanitizer's allocator: heap not counted");
	crowd_start(cr, b);
	crowd_connect(cr);
	quiet = heap_in_use();
	/* One at a time, so that what the loop keeps for sends in flight
	 * stays what one connection needs. */
	for (int i = 0; i < NCONNS; i++) {
		char byte = 'x';
		cr_assert_eq(write(cr->fd[i], &byte, 1), 1);
		cr_assert(tl_run_until(cr->loop, readable, &cr->fd[i], 5000),
			  "no echo on connection %d", i);
		cr_assert_eq(read(cr->fd[i], &byte, 1), 1);
		cr_assert_eq(byte, 'x');
	}
	tl_run_for(cr->loop, 20); /* the last send's completion */
	after = heap_in_use();
	cr_log_info("%s: %zd heap bytes per connection after a message",
		    b->name, ((ssize_t)after - (ssize_t)quiet) / NCONNS);
	/* What the loop keeps for the next busy connection (a few spare
	 * queues) is not per connection: at most 16 bytes each over the
	 * crowd's figure. */
	cr_assert_leq(after, quiet + 16 * NCONNS,
		      "%s: %zu bytes more than before the messages", b->name,
		      after - quiet);
	crowd_stop(cr);
	free(cr);
}

/* rv_conn_input hands out the input chain: it stays the connection's
 * after the bytes are consumed, and takes more input. */
static rv_conn *kept;

static void keep_open(rv_conn *c)
{
	kept = c;
}

static void leave_it(rv_conn *c, rv_chain *in)
{
	(void)c;
	(void)in; /* consumed from outside, through rv_conn_input */
}

static const struct rv_conn_ops keep_ops = {
	.on_open = keep_open,
	.on_data = leave_it,
};

static bool has_two(void *ctx)
{
	return rv_chain_len(ctx) == 2;
}

TEST_BACKENDS(idle, rv_conn_input_stays_the_connections)
ParameterizedTest(struct test_backend *b, idle,
		  rv_conn_input_stays_the_connections)
{
	rv_loop *loop = tl_loop(b, NULL);
	rv_listener *l;
	rv_chain *in;
	int fd;

	kept = NULL;
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &keep_ops, NULL, &l),
		     0);
	fd = tl_connect_raw(rv_listener_port(l));
	cr_assert_geq(fd, 0);
	while (!kept)
		rv_loop_run_once(loop, 100);
	in = rv_conn_input(kept);
	cr_assert_not_null(in);
	cr_assert_eq(rv_chain_len(in), 0);
	cr_assert_eq(write(fd, "ab", 2), 2);
	cr_assert(tl_run_until(loop, has_two, in, 5000));
	cr_assert_eq(rv_chain_consume(in, 2), 0);
	/* Consumed: a connection's queues would go back now, but these were
	 * handed out; the same chain gets the next bytes. */
	cr_assert_eq(write(fd, "cd", 2), 2);
	cr_assert(tl_run_until(loop, has_two, in, 5000));
	cr_assert_eq(rv_conn_input(kept), in);
	close(fd);
	tl_destroy(loop);
}
