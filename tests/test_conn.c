/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_conn.c - the connection layer on each backend, with the loop on
 * the test's own thread: addresses; outbound connections (made, refused,
 * timed out) over IPv4, IPv6, Unix paths and the abstract namespace;
 * adopted sockets; half-close both ways; re-entry of rv_loop_run_once;
 * the application's buffers. Abort, close and shutdown against peers
 * that do not read, and flow control, are in test_conn_flow.c. Every test
 * ends with the pool whole.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn_util.h"
#include "loop_util.h"

/* ---- addresses -------------------------------------------------------- */

Test(addr, parse_and_format)
{
	static const char *good[] = {"127.0.0.1:80",	 "[::1]:8080",
				     "unix:/tmp/x.sock", "unix:@name",
				     "0.0.0.0:0",	 "[2001:db8::1]:65535"};
	static const char *bad[] = {"",
				    "127.0.0.1",
				    "127.0.0.1:",
				    ":80",
				    "localhost:80",
				    "::1:80",
				    "[::1]80",
				    "1.2.3.4:65536",
				    "1.2.3.4:80x",
				    "unix:",
				    "unix:@",
				    "[::1]:-1",
				    "1.2.3.4:123456"};
	struct rv_addr a;
	char text[RV_ADDR_TEXT_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(rv_addr_parse(good[i], &a), 0, "%s", good[i]);
		cr_assert_gt(rv_addr_format(&a, text, sizeof(text)), 0);
		cr_assert_str_eq(text, good[i], "round trip of %s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(rv_addr_parse(bad[i], &a), -EINVAL, "'%s'",
			     bad[i]);
	cr_assert_eq(rv_addr_parse("[::1]:443", &a), 0);
	cr_assert_eq(rv_addr_port(&a), 443);
	cr_assert_eq(rv_addr_ip("not an address", 1, &a), -EINVAL);
	cr_assert_eq(rv_addr_format(&(struct rv_addr){0}, text, sizeof(text)),
		     -EAFNOSUPPORT);
	cr_assert_eq(rv_addr_parse("127.0.0.1:80", &a), 0);
	cr_assert_eq(rv_addr_format(&a, text, 5), -ENOSPC);
	{
		char path[200];
		memset(path, 'p', sizeof(path) - 1);
		path[sizeof(path) - 1] = '\0';
		cr_assert_eq(rv_addr_unix(path, &a), -EINVAL, "too long");
	}
}

/* ---- connecting ------------------------------------------------------- */

TEST_BACKENDS(conn, connect_and_echo)
ParameterizedTest(struct test_backend *b, conn, connect_and_echo)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct rv_loop_stats st;
	struct rv_addr a;
	rv_listener *l;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &echo_ops, NULL, &l),
		     0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(l), &a), 0);
	echo_through(loop, &a);
	rv_loop_stats(loop, &st);
	cr_assert_eq(st.connects, 1);
	cr_assert_eq(st.connect_failures, 0);
	tl_destroy(loop);
}

/* A port nothing listens on: bound, then closed. */
static uint16_t dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

TEST_BACKENDS(conn, connect_refused)
ParameterizedTest(struct test_backend *b, conn, connect_refused)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct peer p = {.greeting = "never sent"};
	struct rv_loop_stats st;
	struct rv_addr a;
	rv_conn *c;

	cr_assert_eq(rv_addr_ip("127.0.0.1", dead_port(), &a), 0);
	cr_assert_eq(rv_connect(loop, &a, &peer_ops, &p, &c), 0);
	cr_assert(tl_run_until(loop, peer_closed, &p, 5000));
	cr_assert_eq(p.err, -ECONNREFUSED, "%s", rv_strerror(p.err));
	cr_assert_eq(p.opened, 0, "a failed connect never opens");
	rv_loop_stats(loop, &st);
	cr_assert_eq(st.connect_failures, 1);
	tl_destroy(loop);
}

TEST_BACKENDS(conn, connect_times_out)
ParameterizedTest(struct test_backend *b, conn, connect_times_out)
{
	struct rv_loop_config cfg = {.timeouts.connect_ms = 300};
	rv_loop *loop = tl_loop(b, &cfg);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	struct peer p = {0};
	struct rv_addr a;
	uint64_t t0;
	int lfd, filler;
	rv_conn *c;

	/* A listener whose queue is full: the kernel drops further SYNs,
	 * so a connect to it waits until its timeout. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 0), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	filler = tl_connect_raw(ntohs(sa.sin_port));
	cr_assert_geq(filler, 0);

	cr_assert_eq(rv_addr_ip("127.0.0.1", ntohs(sa.sin_port), &a), 0);
	t0 = tl_now_ms();
	cr_assert_eq(rv_connect(loop, &a, &peer_ops, &p, &c), 0);
	cr_assert(tl_run_until(loop, peer_closed, &p, 10000));
	cr_assert_eq(p.err, -ETIMEDOUT, "%s", rv_strerror(p.err));
	cr_assert_eq(p.opened, 0);
	cr_assert_geq(tl_now_ms() - t0, 300, "not before its timeout");
	cr_assert_lt(tl_now_ms() - t0, 5000);
	close(filler);
	close(lfd);
	tl_destroy(loop);
}

TEST_BACKENDS(conn, ipv6_listen_and_connect)
ParameterizedTest(struct test_backend *b, conn, ipv6_listen_and_connect)
{
	rv_loop *loop;
	struct rv_addr a;
	rv_listener *l;
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT};

	if (probe < 0 || bind(probe, (struct sockaddr *)&s6, sizeof(s6)) < 0)
		cr_skip_test("no IPv6 loopback here");
	close(probe);
	loop = tl_loop(b, NULL);
	cr_assert_eq(rv_addr_parse("[::1]:0", &a), 0);
	cr_assert_eq(rv_listen(loop, &a, &echo_ops, NULL, &l), 0);
	cr_assert_gt(rv_listener_port(l), 0);
	cr_assert_eq(rv_addr_ip("::1", rv_listener_port(l), &a), 0);
	echo_through(loop, &a);
	tl_destroy(loop);
}

TEST_BACKENDS(conn, unix_path_and_abstract)
ParameterizedTest(struct test_backend *b, conn, unix_path_and_abstract)
{
	rv_loop *loop = tl_loop(b, NULL);
	char path[64], name[64];
	struct rv_addr a;
	rv_listener *l;

	snprintf(path, sizeof(path), "/tmp/ringview-test-%d.sock", getpid());
	unlink(path);
	cr_assert_eq(rv_addr_unix(path, &a), 0);
	cr_assert_eq(rv_listen(loop, &a, &echo_ops, NULL, &l), 0);
	cr_assert_eq(rv_listener_port(l), 0);
	echo_through(loop, &a);
	cr_assert_eq(rv_listen(loop, &a, &echo_ops, NULL, NULL), -EADDRINUSE,
		     "a path in use is refused");
	rv_listener_close(l);
	unlink(path);

	snprintf(name, sizeof(name), "@ringview-test-%d", getpid());
	cr_assert_eq(rv_addr_unix(name, &a), 0);
	cr_assert_eq(rv_listen(loop, &a, &echo_ops, NULL, &l), 0);
	echo_through(loop, &a);
	tl_destroy(loop);
}

/* ---- adopting --------------------------------------------------------- */

struct raw_read {
	int fd;
	char buf[64];
	size_t len, want;
};

static bool raw_got(void *ctx)
{
	struct raw_read *r = ctx;
	ssize_t n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len,
			 MSG_DONTWAIT);

	if (n > 0)
		r->len += (size_t)n;
	return r->len >= r->want;
}

TEST_BACKENDS(conn, adopt_a_socketpair)
ParameterizedTest(struct test_backend *b, conn, adopt_a_socketpair)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct raw_read r = {.want = 4};
	struct rv_loop_stats st;
	int sp[2], pipefd[2];
	rv_conn *c;

	cr_assert_eq(pipe(pipefd), 0);
	cr_assert_eq(rv_conn_adopt(loop, pipefd[0], &echo_ops, NULL, &c),
		     -EINVAL, "a pipe is not a stream socket");
	close(pipefd[0]);
	close(pipefd[1]);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	cr_assert_eq(rv_conn_adopt(loop, sp[0], &echo_ops, NULL, &c), 0);
	cr_assert_eq(rv_conn_fd(c), sp[0]);
	cr_assert_eq(write(sp[1], "ping", 4), 4);
	r.fd = sp[1];
	cr_assert(tl_run_until(loop, raw_got, &r, 5000));
	cr_assert_eq(memcmp(r.buf, "ping", 4), 0);
	rv_loop_stats(loop, &st);
	cr_assert_eq(st.adopted, 1);
	close(sp[1]); /* the loop closes sp[0] with the connection */
	tl_destroy(loop);
}

/* ---- half-close ------------------------------------------------------- */

/* Counts what arrives; at the peer's FIN, answers with the count and
 * shuts its own side: it can only answer because on_eof kept it open. */
struct counter {
	size_t total;
	int closed, err;
	char answer[32];
};

static void count_data(rv_conn *c, rv_chain *in)
{
	struct counter *k = rv_conn_user(c);

	k->total += rv_chain_len(in);
	rv_chain_consume(in, rv_chain_len(in));
}

static void count_eof(rv_conn *c)
{
	struct counter *k = rv_conn_user(c);
	rv_view v;
	int n = snprintf(k->answer, sizeof(k->answer), "%zu", k->total);

	cr_assert_eq(rv_view_wrap_const(k->answer, (size_t)n, &v), 0);
	cr_assert_eq(rv_conn_send(c, v), 0);
	rv_conn_shutdown(c);
}

static void count_close(rv_conn *c, int err)
{
	struct counter *k = rv_conn_user(c);

	k->closed++;
	k->err = err;
}

static const struct rv_conn_ops counter_ops = {
	.on_data = count_data,
	.on_eof = count_eof,
	.on_close = count_close,
};

static bool both_closed(void *ctx)
{
	void **pair = ctx;

	return ((struct peer *)pair[0])->closed &&
	       ((struct counter *)pair[1])->closed;
}

TEST_BACKENDS(conn, half_close_both_ways)
ParameterizedTest(struct test_backend *b, conn, half_close_both_ways)
{
	rv_loop *loop = tl_loop(b, NULL);
	static char big[100000];
	struct counter k = {0};
	struct peer p = {0};
	void *pair[2] = {&p, &k};
	struct rv_addr a;
	rv_listener *l;
	rv_view v;
	rv_conn *c;

	memset(big, 'x', sizeof(big));
	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &counter_ops, &k, &l),
		     0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(l), &a), 0);
	cr_assert_eq(rv_connect(loop, &a, &peer_ops, &p, &c), 0);
	/* Queued while connecting: sent once connected, then the FIN. */
	cr_assert_eq(rv_view_wrap_const(big, sizeof(big), &v), 0);
	cr_assert_eq(rv_conn_send(c, v), 0);
	rv_conn_shutdown(c);
	cr_assert_eq(rv_view_wrap_const("late", 4, &v), 0);
	cr_assert_eq(rv_conn_send(c, v), -EPIPE, "no sends after shutdown");
	cr_assert(tl_run_until(loop, both_closed, pair, 10000));
	cr_assert_eq(k.total, sizeof(big), "the server got every byte");
	cr_assert_eq(p.got_len, 6);
	cr_assert_eq(memcmp(p.got, "100000", 6), 0,
		     "the answer sent after the client's FIN arrived");
	cr_assert_eq(p.eofs, 1, "the client saw the server's FIN");
	cr_assert_eq(p.err, 0, "%s", rv_strerror(p.err));
	cr_assert_eq(k.err, 0, "%s", rv_strerror(k.err));
	tl_destroy(loop);
}

/* ---- re-entry --------------------------------------------------------- */

static int reentry_result = 1;

static void reenter_open(rv_conn *c)
{
	reentry_result = rv_loop_run_once(rv_conn_loop(c), 0);
}

static const struct rv_conn_ops reenter_ops = {.on_open = reenter_open,
					       .on_data = echo_data};

TEST_BACKENDS(conn, run_once_inside_a_callback_is_refused)
ParameterizedTest(struct test_backend *b, conn,
		  run_once_inside_a_callback_is_refused)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct rv_loop_stats st;
	struct rv_addr a;
	rv_listener *l;

	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &reenter_ops, NULL, &l), 0);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(l), &a), 0);
	echo_through(loop, &a);
	cr_assert_eq(reentry_result, -EBUSY);
	rv_loop_stats(loop, &st);
	cr_assert_eq(st.accepted, 1, "the connection was accepted once");
	tl_destroy(loop);
}

/* ---- the application's buffers ---------------------------------------- */

TEST_BACKENDS(conn, pool_get_finds_the_reserve)
ParameterizedTest(struct test_backend *b, conn, pool_get_finds_the_reserve)
{
	struct rv_loop_config cfg = {.pool = {.count = 64, .size = 4096}};
	rv_loop *loop = tl_loop(b, &cfg);
	rv_pool *pool = rv_loop_pool(loop);
	struct rv_pool_stats st;
	rv_view v[4];

	rv_pool_stats(pool, &st);
	cr_assert_eq(st.reserve, 4, "count / 16");
	cr_assert_eq(st.free, 64);
	cr_assert_eq(st.available + st.in_ring, st.free);
	cr_assert_geq(st.available, 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(rv_pool_get(pool, &v[i]), 0,
			     "rv_pool_get on a loop's pool (%d)", i);
	for (int i = 0; i < 4; i++)
		rv_view_release(&v[i]);
	tl_destroy(loop);
}

/* ---- out of descriptors ----------------------------------------------- */

static int accepted_then_closed;

static void close_at_once(rv_conn *c)
{
	accepted_then_closed++;
	rv_conn_close(c);
}

static const struct rv_conn_ops closer_ops = {.on_open = close_at_once,
					      .on_data = echo_data};

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* With every descriptor taken, accept backs off instead of spinning, and
 * goes on as connections close and free theirs. */
TEST_BACKENDS(conn, accept_backs_off_when_out_of_descriptors)
ParameterizedTest(struct test_backend *b, conn,
		  accept_backs_off_when_out_of_descriptors)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct rv_loop_stats st;
	struct rlimit rl, low;
	int fds[20], top = 0;
	rv_listener *l;
	double cpu0;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &closer_ops, NULL, &l),
		     0);
	for (int i = 0; i < 20; i++) {
		fds[i] = tl_connect_raw(rv_listener_port(l));
		cr_assert_geq(fds[i], 0);
		if (fds[i] > top)
			top = fds[i];
	}
	/* Room for no accepted socket at all: every accept fails. */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = (rlim_t)top + 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cpu0 = cpu_seconds();
	tl_run_for(loop, 500);
	cr_assert_lt(cpu_seconds() - cpu0, 0.25,
		     "no spinning while out of descriptors (%.2f s of CPU)",
		     cpu_seconds() - cpu0);
	rv_loop_stats(loop, &st);
	cr_assert_geq(st.accept_backoffs, 1);
	cr_assert_lt(st.accept_backoffs, 20,
		     "backing off, not retrying at once");
	cr_assert_eq(accepted_then_closed, 0);
	/* Descriptors again: everything waiting is accepted. */
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert(tl_run_until_count(loop, &accepted_then_closed, 20, 5000),
		  "%d of 20 accepted", accepted_then_closed);
	for (int i = 0; i < 20; i++)
		close(fds[i]);
	tl_destroy(loop);
}
