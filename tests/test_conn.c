/*
 * test_conn.c - the connection layer on each backend, with the loop on
 * the test's own thread: addresses; outbound connections (made, refused,
 * timed out) over IPv4, IPv6, Unix paths and the abstract namespace;
 * adopted sockets; half-close both ways; abort with zero-copy sends in
 * flight; shutdown with peers that do not read; flow control between two
 * connections (pause, resume, on_drain) and the input limit; re-entry of
 * rv_loop_run_once. Every test ends with the pool whole.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "loop_util.h"

/* ---- a client that records what happens to it ------------------------ */

struct peer {
	int opened, closed, eofs;
	int err;
	char got[4096];
	size_t got_len, total;
	const char *greeting; /* sent on open */
	bool shutdown_after_greeting;
	rv_conn *c;
};

static void peer_open(rv_conn *c)
{
	struct peer *p = rv_conn_user(c);
	rv_view v;

	p->opened++;
	p->c = c;
	if (!p->greeting)
		return;
	cr_assert_eq(rv_view_wrap_const(p->greeting, strlen(p->greeting), &v),
		     0);
	cr_assert_eq(rv_conn_send(c, v), 0);
	if (p->shutdown_after_greeting)
		rv_conn_shutdown(c);
}

static void peer_data(rv_conn *c, rv_chain *in)
{
	struct peer *p = rv_conn_user(c);
	size_t n = rv_chain_len(in);
	size_t room = sizeof(p->got) - p->got_len;

	rv_chain_copy_out(in, 0, p->got + p->got_len, n < room ? n : room);
	p->got_len += n < room ? n : room;
	p->total += n;
	rv_chain_consume(in, n);
}

static void peer_eof(rv_conn *c)
{
	struct peer *p = rv_conn_user(c);

	p->eofs++;
}

static void peer_close(rv_conn *c, int err)
{
	struct peer *p = rv_conn_user(c);

	p->closed++;
	p->err = err;
	p->c = NULL;
}

static const struct rv_conn_ops peer_ops = {
	.on_open = peer_open,
	.on_data = peer_data,
	.on_eof = peer_eof,
	.on_close = peer_close,
};

static void echo_data(rv_conn *c, rv_chain *in)
{
	rv_conn_send_chain(c, in);
}

static const struct rv_conn_ops echo_ops = {.on_data = echo_data};

static bool peer_closed(void *ctx)
{
	return ((struct peer *)ctx)->closed > 0;
}

/* Connect a peer greeting |greeting| to |addr| and wait for its echo. */
static void echo_through(rv_loop *loop, const struct rv_addr *addr)
{
	struct peer p = {.greeting = "hello, ringview"};
	size_t n = strlen(p.greeting);
	rv_conn *c;

	cr_assert_eq(rv_connect(loop, addr, &peer_ops, &p, &c), 0);
	cr_assert_eq(p.opened, 0, "on_open never runs inside rv_connect");
	cr_assert(tl_run_until_count(loop, (int *)&p.got_len, (int)n, 5000),
		  "the echo came back (%zu of %zu bytes)", p.got_len, n);
	cr_assert_eq(p.opened, 1);
	cr_assert_eq(memcmp(p.got, p.greeting, n), 0);
	rv_conn_close(c);
	cr_assert(tl_run_until(loop, peer_closed, &p, 5000));
	cr_assert_eq(p.err, 0, "closed cleanly: %s", rv_strerror(p.err));
}

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

/* ---- abort and shutdown with output the peer does not read ------------ */

#define HOARD (4u << 20)

/* Blocks of output queued, and freed once their last view went. */
static struct {
	int made, freed;
} hoard;

static void hoard_free(void *ctx, void *ptr, size_t len)
{
	(void)ctx;
	(void)len;
	free(ptr);
	hoard.freed++;
}

/* Queue HOARD bytes on |c|, in 64 KiB views of one wrapped block:
 * zero-copy sends with io_uring (they are over the threshold). */
static void send_hoard(rv_conn *c)
{
	uint8_t *bytes = calloc(1, HOARD);
	rv_view all, piece;

	cr_assert_not_null(bytes);
	cr_assert_eq(rv_view_wrap(bytes, HOARD, hoard_free, NULL, &all), 0);
	hoard.made++;
	for (size_t off = 0; off < HOARD; off += 65536) {
		cr_assert_eq(rv_view_slice(&all, off, 65536, &piece), 0);
		cr_assert_eq(rv_conn_send(c, piece), 0);
	}
	rv_view_release(&all);
}

struct stuck {
	int opened, closed, err;
	rv_conn *c;
};

static void stuck_open(rv_conn *c)
{
	struct stuck *s = rv_conn_user(c);
	int small = 4096;

	s->opened++;
	s->c = c;
	setsockopt(rv_conn_fd(c), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	send_hoard(c);
}

static void stuck_close(rv_conn *c, int err)
{
	struct stuck *s = rv_conn_user(c);

	(void)c;
	s->closed++;
	s->err = err;
}

static const struct rv_conn_ops stuck_ops = {
	.on_open = stuck_open,
	.on_data = echo_data,
	.on_close = stuck_close,
};

/* A client that never reads, with a small receive buffer. */
static int non_reader(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* The send queue stopped moving: what is queued stays queued. */
static bool output_stuck(void *ctx)
{
	struct stuck *s = ctx;
	static size_t last;
	static int still;
	size_t q = s->c ? rv_conn_queued(s->c) : 0;

	still = q && q == last ? still + 1 : 0;
	last = q;
	return still >= 5;
}

TEST_BACKENDS(conn, abort_with_zero_copy_sends_in_flight)
ParameterizedTest(struct test_backend *b, conn,
		  abort_with_zero_copy_sends_in_flight)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct stuck s = {0};
	struct rv_loop_stats st;
	rv_listener *l;
	uint64_t t0;
	char byte;
	int fd;
	struct timeval tv = {.tv_sec = 5};

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &stuck_ops, &s, &l),
		     0);
	fd = non_reader(rv_listener_port(l));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert(tl_run_until(loop, output_stuck, &s, 5000));
	cr_assert_gt(rv_conn_queued(s.c), 0);
	rv_loop_stats(loop, &st);
	if (!strcmp(b->name, "io_uring"))
		cr_assert_gt(st.zc_sends, 0, "zero-copy sends were in flight");
	t0 = tl_now_ms();
	rv_conn_abort(s.c);
	rv_conn_abort(s.c); /* a second abort is a no-op */
	cr_assert(tl_run_until_count(loop, &s.closed, 1, 5000));
	cr_assert_eq(s.err, -ECONNABORTED, "%s", rv_strerror(s.err));
	cr_assert_lt(tl_now_ms() - t0, 2000, "abort does not wait on the peer");
	cr_assert_eq(hoard.freed, hoard.made,
		     "every view of the output was released");
	/* The peer reads what it had, then the reset. */
	while (recv(fd, &byte, 1, 0) == 1)
		;
	cr_assert_eq(errno, ECONNRESET, "the peer was reset: %s",
		     strerror(errno));
	close(fd);
	tl_destroy(loop);
}

/* A close whose output the peer never reads ends at the linger timeout:
 * reset, -ETIMEDOUT, every view released. */
static void close_now(rv_timer *t, void *user)
{
	struct stuck *s = user;

	rv_conn_close(s->c);
	rv_timer_destroy(t);
}

TEST_BACKENDS(conn, close_is_bounded_by_the_linger_timeout)
ParameterizedTest(struct test_backend *b, conn,
		  close_is_bounded_by_the_linger_timeout)
{
	struct rv_loop_config cfg = {.timeouts.linger_ms = 300};
	rv_loop *loop = tl_loop(b, &cfg);
	struct stuck s = {0};
	rv_listener *l;
	rv_timer *t;
	uint64_t t0;
	int fd;

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &stuck_ops, &s, &l),
		     0);
	fd = non_reader(rv_listener_port(l));
	cr_assert(tl_run_until(loop, output_stuck, &s, 5000));
	cr_assert_eq(rv_timer_create(loop, close_now, &s, &t), 0);
	rv_timer_start(t, 0, 0);
	t0 = tl_now_ms();
	cr_assert(tl_run_until_count(loop, &s.closed, 1, 5000));
	cr_assert_eq(s.err, -ETIMEDOUT, "%s", rv_strerror(s.err));
	cr_assert_geq(tl_now_ms() - t0, 300, "not before the linger timeout");
	cr_assert_eq(hoard.freed, hoard.made);
	close(fd);
	tl_destroy(loop);
}

TEST_BACKENDS(conn, shutdown_with_non_reading_peers_is_prompt)
ParameterizedTest(struct test_backend *b, conn,
		  shutdown_with_non_reading_peers_is_prompt)
{
	rv_loop *loop = tl_loop(b, NULL);
	struct stuck s = {0};
	rv_listener *l;
	uint64_t t0;
	int fds[3];

	cr_assert_eq(rv_listen_tcp(loop, "127.0.0.1", 0, &stuck_ops, &s, &l),
		     0);
	for (int i = 0; i < 3; i++)
		fds[i] = non_reader(rv_listener_port(l));
	cr_assert(tl_run_until_count(loop, &s.opened, 3, 5000));
	cr_assert(tl_run_until(loop, output_stuck, &s, 5000));
	t0 = tl_now_ms();
	tl_destroy(loop); /* shutdown, destroy, the pool whole */
	cr_assert_lt(tl_now_ms() - t0, 2000,
		     "shutdown does not wait on peers that do not read");
	cr_assert_eq(s.closed, 3);
	cr_assert_eq(s.err, -ECANCELED);
	cr_assert_eq(hoard.made, 3);
	cr_assert_eq(hoard.freed, 3);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

/* ---- flow control between two connections ----------------------------- */

/* Front connections forward what they get to |sink|, pausing themselves
 * while it is full; the sink resumes them when it drains. */
struct pair {
	rv_conn *front, *sink;
	size_t forwarded, max_queued;
	int pauses, drains;
};

static struct pair pair;

static void front_open(rv_conn *c)
{
	pair.front = c;
}

static void front_data(rv_conn *c, rv_chain *in)
{
	pair.forwarded += rv_chain_len(in);
	cr_assert_eq(rv_conn_send_chain(pair.sink, in), 0);
	if (rv_conn_queued(pair.sink) > pair.max_queued)
		pair.max_queued = rv_conn_queued(pair.sink);
	if (!rv_conn_writable(pair.sink)) {
		rv_conn_pause(c);
		pair.pauses++;
	}
}

static void sink_drain(rv_conn *c)
{
	(void)c;
	pair.drains++;
	rv_conn_resume(pair.front);
}

static void sink_close(rv_conn *c, int err)
{
	(void)c;
	cr_assert_eq(err, -ECONNABORTED, "the sink lived until the abort: %s",
		     rv_strerror(err));
	pair.sink = NULL;
}

static const struct rv_conn_ops front_ops = {.on_open = front_open,
					     .on_data = front_data};
static const struct rv_conn_ops sink_ops = {
	.on_data = echo_data, .on_drain = sink_drain, .on_close = sink_close};

/* Feeds the front connection from a client as fast as it takes bytes;
 * meanwhile a second client does round trips through an echo server. */
struct feed {
	int fd;
	size_t sent;
	struct peer *echo;
	int rounds;
	rv_pool *pool;
	uint32_t max_held;
};

static char feed_bytes[65536];

static bool feed_more(void *ctx)
{
	struct feed *f = ctx;
	struct rv_pool_stats st;
	ssize_t n = send(f->fd, feed_bytes, sizeof(feed_bytes), MSG_DONTWAIT);

	if (n > 0)
		f->sent += (size_t)n;
	rv_pool_stats(f->pool, &st);
	if (st.held + st.sending > f->max_held)
		f->max_held = st.held + st.sending;
	/* One round trip at a time: send the next when the last is back. */
	if (f->echo->c && f->echo->total == (size_t)f->rounds * 8) {
		rv_view v;
		f->rounds++;
		cr_assert_eq(rv_view_wrap_const("ping-pon", 8, &v), 0);
		cr_assert_eq(rv_conn_send(f->echo->c, v), 0);
	}
	return f->rounds > 200 && f->sent > (8u << 20);
}

TEST_BACKENDS(conn, pause_bounds_a_pair_whose_sink_does_not_read)
ParameterizedTest(struct test_backend *b, conn,
		  pause_bounds_a_pair_whose_sink_does_not_read)
{
	struct rv_loop_config cfg = {.pool = {.count = 256, .size = 16384}};
	rv_loop *loop = tl_loop(b, &cfg);
	struct peer echo = {0};
	struct feed f = {0};
	rv_listener *front_l, *echo_l;
	struct rv_addr a;
	int sp[2], small = 4096;
	rv_conn *ec;

	memset(&pair, 0, sizeof(pair));
	/* The sink: a socket whose other end nobody reads. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	cr_assert_eq(rv_conn_adopt(loop, sp[0], &sink_ops, NULL, &pair.sink),
		     0);
	rv_conn_set_limits(pair.sink, 0, 65536);
	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &front_ops, NULL, &front_l),
		0);
	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &echo_ops, NULL, &echo_l),
		0);
	f.fd = tl_connect_raw(rv_listener_port(front_l));
	cr_assert_geq(f.fd, 0);
	fcntl(f.fd, F_SETFL, O_NONBLOCK);
	cr_assert_eq(rv_addr_ip("127.0.0.1", rv_listener_port(echo_l), &a), 0);
	cr_assert_eq(rv_connect(loop, &a, &peer_ops, &echo, &ec), 0);
	f.echo = &echo;
	f.pool = rv_loop_pool(loop);

	/* The feeder cannot send 8 MiB: the pair holds what it may, the
	 * kernel the rest, and the echo client goes on meanwhile. */
	tl_run_until(loop, feed_more, &f, 3000);
	cr_assert_geq(f.rounds, 200,
		      "the other connection kept its round trips (%d)",
		      f.rounds);
	cr_assert_lt(f.sent, 8u << 20, "the feeder was pushed back");
	cr_assert_gt(pair.pauses, 0);
	/* Bound: the sink's limit, plus what one receive brought in. */
	cr_assert_leq(pair.max_queued, 65536 + 4 * 16384, "queued %zu",
		      pair.max_queued);
	cr_assert_leq(f.max_held, 24, "buffers held at most %u of 256",
		      f.max_held);
	rv_conn_abort(pair.sink);
	close(f.fd);
	close(sp[1]);
	tl_destroy(loop);
}

/* ---- the input limit -------------------------------------------------- */

struct hoarder {
	rv_conn *c;
	size_t max_in, consumed;
};

static struct hoarder hoarder;

static void hoarder_open(rv_conn *c)
{
	hoarder.c = c;
}

/* Keeps what it gets: the input limit stops reading it. */
static void hoarder_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	if (rv_chain_len(in) > hoarder.max_in)
		hoarder.max_in = rv_chain_len(in);
}

static const struct rv_conn_ops hoarder_ops = {.on_open = hoarder_open,
					       .on_data = hoarder_data};

static void consume_all(rv_timer *t, void *user)
{
	rv_chain *in = rv_conn_input(hoarder.c);

	(void)t;
	(void)user;
	hoarder.consumed += rv_chain_len(in);
	rv_chain_consume(in, rv_chain_len(in));
}

static bool fed_and_consumed(void *ctx)
{
	struct feed *f = ctx;
	ssize_t n = 0;

	if (f->sent < (1u << 20))
		n = send(f->fd, feed_bytes,
			 sizeof(feed_bytes) < (1u << 20) - f->sent
				 ? sizeof(feed_bytes)
				 : (1u << 20) - f->sent,
			 MSG_DONTWAIT);
	if (n > 0)
		f->sent += (size_t)n;
	return hoarder.consumed == (1u << 20);
}

TEST_BACKENDS(conn, input_limit_stops_reading_until_consumed)
ParameterizedTest(struct test_backend *b, conn,
		  input_limit_stops_reading_until_consumed)
{
	struct rv_loop_config cfg = {.input_limit = 65536};
	rv_loop *loop = tl_loop(b, &cfg);
	struct feed f = {0};
	rv_listener *l;
	rv_timer *t;

	memset(&hoarder, 0, sizeof(hoarder));
	cr_assert_eq(
		rv_listen_tcp(loop, "127.0.0.1", 0, &hoarder_ops, NULL, &l), 0);
	f.fd = tl_connect_raw(rv_listener_port(l));
	fcntl(f.fd, F_SETFL, O_NONBLOCK);
	tl_run_until(loop, fed_and_consumed, &f, 500);
	cr_assert_not_null(hoarder.c);
	cr_assert_geq(hoarder.max_in, 65536, "it filled up to the limit");
	cr_assert_leq(hoarder.max_in, 65536, "and stopped there: %zu",
		      hoarder.max_in);
	/* Consumed from outside on_data, reading resumes. */
	cr_assert_eq(rv_timer_create(loop, consume_all, NULL, &t), 0);
	rv_timer_start(t, 10, 10);
	cr_assert(tl_run_until(loop, fed_and_consumed, &f, 10000),
		  "all 1 MiB went through (%zu)", hoarder.consumed);
	cr_assert_leq(hoarder.max_in, 65536, "never over the limit: %zu",
		      hoarder.max_in);
	rv_timer_destroy(t);
	close(f.fd);
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
