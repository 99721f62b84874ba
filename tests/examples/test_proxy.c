/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_proxy.c - examples/proxy's pairs end to end over loopback, on each
 * backend, the proxy and its upstream each a loop of their own: 50 pairs
 * carry 1 MiB each way with every byte checked and nothing copied;
 * messages of 1 byte to 1 MiB; half-close each way; a client that never
 * reads holds no more than its cap while 50 other pairs go on; an
 * upstream that refuses, does not answer or resets; 1,000 pairs opened
 * and closed; the loop shut down with pairs mid-transfer, and the program
 * stopped by SIGINT mid-transfer. Every test ends with both pools whole.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net_util.h"
#include "proxy.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

/* ---- the proxy and its upstream ---------------------------------------- */

struct rig {
	struct test_server up, px;
	struct rv_addr up_addr;
	struct proxy proxy;
	atomic_uint max_held; /* the proxy pool's held + sending, at most */
	atomic_uint held;     /* ... after the last pass */
};

/* Every pass of the proxy's loop (on its thread): how much of its pool is
 * in use. Only the proxy's test_server has this hook. */
static void watch_pool(struct test_server *s, rv_loop *loop)
{
	struct rig *r =
		(struct rig *)(void *)((char *)s - offsetof(struct rig, px));
	struct rv_pool_stats st;

	rv_pool_stats(rv_loop_pool(loop), &st);
	r->held = st.held + st.sending;
	if (st.held + st.sending > r->max_held)
		r->max_held = st.held + st.sending;
}

/* Start the proxy on |b| in front of |upstream| (host:port), with
 * |connect_ms| to connect (0: the default). */
static void proxy_start(struct rig *r, const struct test_backend *b,
			const char *upstream, uint32_t connect_ms)
{
	cr_assert_eq(rv_addr_parse(upstream, &r->up_addr), 0);
	r->proxy = (struct proxy){.upstreams = &r->up_addr,
				  .nupstreams = 1,
				  .max_pair_bytes = 64 * KiB};
	r->px = (struct test_server){
		.cfg = {.pool = {.count = 512, .size = 16 * KiB},
			.timeouts = {.connect_ms = connect_ms}},
		.ops = &proxy_client_ops,
		.user = &r->proxy,
		.on_tick = watch_pool,
	};
	cr_assert_eq(test_server_start_on(&r->px, b), 0);
}

/* An echo upstream (net_util's: it closes once the client's FIN came
 * and the echo is out), then the proxy in front of it. */
static void rig_start(struct rig *r, const struct test_backend *b)
{
	char addr[64];

	memset(r, 0, sizeof(*r));
	r->up = (struct test_server){
		.cfg = {.pool = {.count = 512, .size = 16 * KiB}}};
	cr_assert_eq(test_server_start_on(&r->up, b), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", r->up.port);
	proxy_start(r, b, addr, 0);
}

/* Stop both; both pools whole, no pair left, nothing copied. */
static void rig_stop(struct rig *r)
{
	test_server_stop(&r->px);
	if (r->up.port)
		test_server_stop(&r->up);
	test_assert_pool_whole(&r->px);
	if (r->up.port)
		test_assert_pool_whole(&r->up);
	cr_assert_eq(r->proxy.stats.pairs_open, 0, "%llu pairs left",
		     (unsigned long long)r->proxy.stats.pairs_open);
	cr_assert_eq(r->px.final.bytes_copied, 0, "the proxy copied %llu bytes",
		     (unsigned long long)r->px.final.bytes_copied);
}

/* ---- bytes both ways ---------------------------------------------------- */

TEST_BACKENDS(proxy, fifty_pairs_one_mib_each_way)
ParameterizedTest(struct test_backend *b, proxy, fifty_pairs_one_mib_each_way,
		  .timeout = 120)
{
	static struct rig r;

	rig_start(&r, b);
	cr_assert_eq(test_echo_clients(r.px.port, 50, MiB, 64 * KiB, false, 60),
		     0);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.pairs_total, 50);
	cr_assert_eq(r.proxy.stats.bytes_up, 50ull * MiB);
	cr_assert_eq(r.proxy.stats.bytes_down, 50ull * MiB);
	cr_assert_eq(r.proxy.stats.connect_failures, 0);
}

/* Three messages of each size on each of 4 pairs, every byte checked. */
TEST_BACKENDS(proxy, messages_of_one_byte_to_one_mib)
ParameterizedTest(struct test_backend *b, proxy,
		  messages_of_one_byte_to_one_mib, .timeout = 120)
{
	static const size_t sizes[] = {
		1, 100, 4 * KiB, 16 * KiB, 16 * KiB + 1, 64 * KiB, MiB};
	static struct rig r;

	rig_start(&r, b);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		cr_assert_eq(test_echo_clients(r.px.port, 4, 3 * sizes[i],
					       sizes[i], false, 30),
			     0, "messages of %zu bytes", sizes[i]);
	rig_stop(&r);
}

/* ---- half-close --------------------------------------------------------- */

/* The client shuts its side first: the upstream gets the FIN after the
 * bytes, echoes them and closes; the client reads all, then EOF. */
TEST_BACKENDS(proxy, half_close_from_the_client)
ParameterizedTest(struct test_backend *b, proxy, half_close_from_the_client,
		  .timeout = 60)
{
	static struct rig r;

	rig_start(&r, b);
	cr_assert_eq(
		test_echo_clients(r.px.port, 10, 256 * KiB, 64 * KiB, true, 30),
		0);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.resets, 0);
}

/* An upstream that greets, shuts its side at once, and counts what it is
 * sent afterwards. */
static atomic_size_t greeter_got;

static void greeter_open(rv_conn *c)
{
	rv_view v;

	cr_assert_eq(rv_view_wrap_const("hello", 5, &v), 0);
	cr_assert_eq(rv_conn_send(c, v), 0);
	rv_conn_shutdown(c);
}

static void greeter_data(rv_conn *c, rv_chain *in)
{
	(void)c;
	greeter_got += rv_chain_len(in);
	rv_chain_consume(in, rv_chain_len(in));
}

static const struct rv_conn_ops greeter_ops = {.on_open = greeter_open,
					       .on_data = greeter_data};

/* The upstream shuts its side first: the client reads the greeting and
 * EOF, and can still send - all of it reaches the upstream. */
TEST_BACKENDS(proxy, half_close_from_the_upstream)
ParameterizedTest(struct test_backend *b, proxy, half_close_from_the_upstream,
		  .timeout = 60)
{
	static struct rig r;
	static char out[100000];
	char in[16], addr[64];
	int fd;

	memset(&r, 0, sizeof(r));
	greeter_got = 0;
	r.up = (struct test_server){.ops = &greeter_ops};
	cr_assert_eq(test_server_start_on(&r.up, b), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", r.up.port);
	proxy_start(&r, b, addr, 0);

	fd = test_connect(r.px.port);
	cr_assert_geq(fd, 0);
	cr_assert_eq(test_read_full(fd, in, 5), 5);
	cr_assert_eq(memcmp(in, "hello", 5), 0);
	cr_assert_eq(recv(fd, in, 1, 0), 0, "the upstream's FIN came through");
	memset(out, 'x', sizeof(out));
	cr_assert_eq(send(fd, out, sizeof(out), 0), (ssize_t)sizeof(out));
	cr_assert_eq(shutdown(fd, SHUT_WR), 0);
	for (int i = 0; i < 1000 && greeter_got < sizeof(out); i++)
		poll(NULL, 0, 10); /* the upstream's count, another thread */
	cr_assert_eq(greeter_got, sizeof(out), "the upstream got %zu",
		     (size_t)greeter_got);
	close(fd);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.bytes_up, sizeof(out));
}

/* ---- a client that never reads ----------------------------------------- */

/* Sends as fast as the proxy takes it and reads nothing; |stuck| once no
 * byte went for 300 ms (everything between it and the upstream is full). */
struct blaster {
	uint16_t port;
	int fd;
	size_t sent;
	atomic_bool stuck, stop;
};

static void *blast(void *arg)
{
	struct blaster *bl = arg;
	static char chunk[64 * KiB];
	int small = 64 * KiB;
	int idle_ms = 0;

	/* No Criterion assertion here: this is not the test's thread (its
	 * failure would unwind a stack it does not own). The test checks
	 * |fd| once |stuck| is set, or the wait is over. */
	bl->fd = test_connect(bl->port);
	if (bl->fd < 0) {
		bl->stuck = true;
		return NULL;
	}
	setsockopt(bl->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	fcntl(bl->fd, F_SETFL, O_NONBLOCK);
	while (!bl->stop) {
		struct pollfd p = {.fd = bl->fd, .events = POLLOUT};
		ssize_t n = send(bl->fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (n > 0) {
			bl->sent += (size_t)n;
			idle_ms = 0;
			continue;
		}
		if (poll(&p, 1, 50) == 0 && (idle_ms += 50) >= 300)
			bl->stuck = true;
	}
	return NULL;
}

/* Once it is stuck, its pair holds its cap, and 50 other pairs keep
 * going. What a pair holds, per direction: the queue toward the other
 * side stops its reader at --max-pair-bytes (64 KiB: 4 buffers), but the
 * receive that crossed the line is already in it (up to the loop's
 * receive cap, 4 buffers), and on io_uring a multishot receive may post
 * once more before its cancel is seen (4 more): usually 8 to 20 buffers
 * for the pair once stuck. The hard bound is each connection's budget
 * (the pool's 512 / 64 = 8 buffers it filled and that are not back),
 * which it may pass by the same two receives: 2 x (8 + 4 + 4). */
#define PAIR_CAP_BUFFERS (2 * (8 + 4 + 4))
TEST_BACKENDS(proxy, a_client_that_never_reads_holds_its_cap)
ParameterizedTest(struct test_backend *b, proxy,
		  a_client_that_never_reads_holds_its_cap, .timeout = 120)
{
	static struct rig r;
	struct blaster bl = {0};
	pthread_t t;

	rig_start(&r, b);
	bl.port = r.px.port;
	cr_assert_eq(pthread_create(&t, NULL, blast, &bl), 0);
	for (int i = 0; i < 2000 && !bl.stuck; i++)
		poll(NULL, 0, 10);
	if (!bl.stuck || bl.fd < 0) {
		bl.stop = true;
		pthread_join(t, NULL);
	}
	cr_assert_geq(bl.fd, 0, "the never-reading client could not connect");
	cr_assert(bl.stuck,
		  "the never-reading client was not pushed back "
		  "(%zu bytes sent)",
		  bl.sent);
	cr_assert_leq(r.held, PAIR_CAP_BUFFERS,
		      "its pair holds %u buffers, over its cap of %d",
		      (unsigned)r.held, PAIR_CAP_BUFFERS);
	cr_log_info("%s: the pair held %u buffers at most, %u once stuck",
		    b->name, (unsigned)r.max_held, (unsigned)r.held);
	/* Everyone else goes on. */
	cr_assert_eq(test_echo_clients(r.px.port, 50, 256 * KiB, 16 * KiB,
				       false, 30),
		     0);
	bl.stop = true;
	pthread_join(t, NULL);
	close(bl.fd);
	rig_stop(&r);
	cr_assert_gt(r.proxy.stats.pauses, 0);
}

/* ---- upstreams that fail ------------------------------------------------ */

/* The client's connection ends without a byte: EOF or a reset. */
static void expect_closed_at_once(uint16_t port)
{
	char byte;
	ssize_t n;
	int fd = test_connect(port);

	cr_assert_geq(fd, 0);
	n = recv(fd, &byte, 1, 0); /* the socket times out after 10 s */
	cr_assert(n == 0 || (n < 0 && errno == ECONNRESET),
		  "the client was not closed (%zd, %s)", n,
		  n < 0 ? strerror(errno) : "a byte");
	close(fd);
}

/* A port nobody listens on. */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

TEST_BACKENDS(proxy, upstream_refused)
ParameterizedTest(struct test_backend *b, proxy, upstream_refused,
		  .timeout = 60)
{
	static struct rig r;
	char addr[64];

	memset(&r, 0, sizeof(r));
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", closed_port());
	proxy_start(&r, b, addr, 0);
	expect_closed_at_once(r.px.port);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.connect_failures, 1);
}

/* An upstream whose accept queue is full never answers a SYN: the connect
 * timeout (300 ms here) closes the client. */
TEST_BACKENDS(proxy, upstream_timeout)
ParameterizedTest(struct test_backend *b, proxy, upstream_timeout,
		  .timeout = 60)
{
	static struct rig r;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fill[8];
	char addr[64];

	memset(&r, 0, sizeof(r));
	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(lfd, 0), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	for (int i = 0; i < 8; i++) { /* fill the queue; never accepted */
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(a.sin_port));
	proxy_start(&r, b, addr, 300);
	expect_closed_at_once(r.px.port);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.connect_failures, 1);
	for (int i = 0; i < 8; i++)
		close(fill[i]);
	close(lfd);
}

/* An upstream that resets as soon as it gets a byte. */
static void resetter_data(rv_conn *c, rv_chain *in)
{
	(void)in;
	rv_conn_abort(c);
}

static const struct rv_conn_ops resetter_ops = {.on_data = resetter_data};

TEST_BACKENDS(proxy, upstream_reset_resets_the_client)
ParameterizedTest(struct test_backend *b, proxy,
		  upstream_reset_resets_the_client, .timeout = 60)
{
	static struct rig r;
	char addr[64], byte;
	ssize_t n;
	int fd;

	memset(&r, 0, sizeof(r));
	r.up = (struct test_server){.ops = &resetter_ops};
	cr_assert_eq(test_server_start_on(&r.up, b), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", r.up.port);
	proxy_start(&r, b, addr, 0);
	fd = test_connect(r.px.port);
	cr_assert_geq(fd, 0);
	cr_assert_eq(send(fd, "x", 1, 0), 1);
	n = recv(fd, &byte, 1, 0);
	cr_assert(n < 0 && errno == ECONNRESET, "recv: %zd (%s)", n,
		  n < 0 ? strerror(errno) : "no reset");
	close(fd);
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.resets, 1);
}

/* ---- many pairs, and shutting down ------------------------------------- */

TEST_BACKENDS(proxy, a_thousand_pairs_open_and_close)
ParameterizedTest(struct test_backend *b, proxy,
		  a_thousand_pairs_open_and_close, .timeout = 120)
{
	static struct rig r;
	char in[10];

	rig_start(&r, b);
	for (int i = 0; i < 1000; i++) {
		int fd = test_connect(r.px.port);
		cr_assert_geq(fd, 0, "pair %d", i);
		cr_assert_eq(send(fd, "0123456789", 10, 0), 10);
		cr_assert_eq(test_read_full(fd, in, 10), 10, "pair %d", i);
		cr_assert_eq(memcmp(in, "0123456789", 10), 0);
		close(fd);
	}
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.pairs_total, 1000);
}

/* The loop shuts down while 20 pairs carry bytes both ways (clients
 * sending and not reading): every pair ends, every buffer comes back. */
TEST_BACKENDS(proxy, shutdown_with_pairs_mid_transfer)
ParameterizedTest(struct test_backend *b, proxy,
		  shutdown_with_pairs_mid_transfer, .timeout = 60)
{
	static struct rig r;
	static char chunk[256 * KiB];
	int fds[20];

	rig_start(&r, b);
	for (int i = 0; i < 20; i++) {
		fds[i] = test_connect(r.px.port);
		cr_assert_geq(fds[i], 0);
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		cr_assert_gt(send(fds[i], chunk, sizeof(chunk), MSG_NOSIGNAL),
			     0);
	}
	for (int i = 0; i < 500 && r.proxy.stats.bytes_down < 20 * 64 * KiB;
	     i++)
		poll(NULL, 0, 10); /* bytes on their way back */
	rig_stop(&r);
	cr_assert_eq(r.proxy.stats.pairs_total, 20);
	for (int i = 0; i < 20; i++)
		close(fds[i]);
}

/* ---- ringview-proxy, the program ----------------------------------------- */

/* SIGINT while 10 pairs are mid-transfer (their clients send and do not
 * read): exit 0, every buffer free and nothing copied in the final stats,
 * which count the 10 pairs. */
TEST_BACKENDS(proxy, the_program_stops_cleanly_mid_transfer)
ParameterizedTest(struct test_backend *b, proxy,
		  the_program_stops_cleanly_mid_transfer, .timeout = 60)
{
	static struct test_server up;
	static char chunk[256 * KiB];
	char cmd[512], line[1024];
	bool whole = false, uncopied = false, counted = false;
	uint16_t port;
	int pfd[2], fds[10], status;
	FILE *out;
	pid_t pid;

	memset(&up, 0, sizeof(up));
	cr_assert_eq(test_server_start_on(&up, b), 0);
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		snprintf(cmd, sizeof(cmd),
			 "exec %s --port 0 --backend %s --upstream "
			 "127.0.0.1:%u",
			 RINGVIEW_PROXY,
			 b->backend == RV_BACKEND_URING ? "uring" : "ev",
			 up.port);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	out = fdopen(pfd[0], "r");
	cr_assert_not_null(fgets(line, sizeof(line), out));
	cr_assert_eq(sscanf(line, "listening on 127.0.0.1:%hu", &port), 1,
		     "ready line: %s", line);
	for (int i = 0; i < 10; i++) {
		fds[i] = test_connect(port);
		cr_assert_geq(fds[i], 0);
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		cr_assert_gt(send(fds[i], chunk, sizeof(chunk), MSG_NOSIGNAL),
			     0);
	}
	/* Until every pair is open (SIGUSR1: a stats line each time). */
	for (int i = 0; i < 100 && !strstr(line, "pairs 10 open"); i++) {
		kill(pid, SIGUSR1);
		cr_assert_not_null(fgets(line, sizeof(line), out));
	}
	cr_assert(strstr(line, "pairs 10 open"), "%s", line);
	kill(pid, SIGINT);
	while (fgets(line, sizeof(line), out)) {
		if (!strstr(line, "stats (final)"))
			continue;
		whole = strstr(line, "256 total, 256 free") != NULL;
		uncopied = strstr(line, "copied 0 B") != NULL;
		counted = strstr(line, "10 in all") != NULL;
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exit status %d", WEXITSTATUS(status));
	cr_assert(whole, "the final stats show every buffer free");
	cr_assert(uncopied, "the final stats show nothing copied");
	cr_assert(counted, "the final stats count the 10 pairs");
	fclose(out);
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	test_server_stop(&up);
	test_assert_pool_whole(&up);
}
