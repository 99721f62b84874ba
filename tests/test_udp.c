/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_udp.c - UDP sockets on a loop, on every backend: datagrams from one
 * byte to the largest a buffer holds come back byte for byte, larger ones
 * are flagged truncated and counted (never echoed as if whole), many peers
 * each get their own datagrams, and an exhausted pool makes the kernel
 * drop datagrams - counted - after which the server recovers. Each test
 * ends with the pool whole.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_util.h"

#define BUF 4096u

/* ---- the server: echo, or hold everything while asked ---------------- */

static atomic_bool hold;	  /* keep datagrams instead of echoing */
static rv_chain held;		  /* server thread only */
static struct rv_udp_stats final; /* the socket's counters at close */
static atomic_int closed;
static bool small_rcvbuf;	   /* bind_udp shrinks SO_RCVBUF */
static rv_udp *server_udp;	   /* server thread only */
static atomic_ullong seen_enobufs; /* its enobufs, published each tick */

static void on_datagram(rv_udp *u, rv_view v, const struct sockaddr *peer,
			socklen_t peer_len, unsigned flags)
{
	if (flags & RV_UDP_TRUNCATED) {
		rv_view_release(&v);
		return;
	}
	if (atomic_load(&hold)) {
		if (rv_chain_append(&held, &v))
			rv_view_release(&v);
		return;
	}
	rv_udp_send(u, v, peer, peer_len);
}

static void on_close(rv_udp *u, int err)
{
	(void)err;
	rv_udp_stats(u, &final);
	atomic_store(&closed, 1);
	server_udp = NULL;
}

static const struct rv_udp_ops echo_ops = {.on_datagram = on_datagram,
					   .on_close = on_close};

static int bind_udp(struct test_server *s, rv_loop *loop)
{
	rv_udp *u;
	int err = rv_udp_bind(loop, "127.0.0.1", 0, &echo_ops, NULL, &u);

	if (err)
		return err;
	s->udp_port = rv_udp_port(u);
	server_udp = u;
	if (small_rcvbuf) {
		/* A socket buffer that holds a few times the pool (so a
		 * receive surely finds no buffer) and far fewer than the
		 * burst (so the kernel surely drops). */
		int rcvbuf = 65536;
		setsockopt(rv_udp_fd(u), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	}
	return 0;
}

/* Release what was held once the test says so (server thread). */
static void release_when_asked(struct test_server *s, rv_loop *loop)
{
	struct rv_udp_stats st;

	(void)s;
	(void)loop;
	if (!atomic_load(&hold) && rv_chain_len(&held))
		rv_chain_release(&held);
	if (server_udp && !atomic_load(&closed)) {
		rv_udp_stats(server_udp, &st);
		atomic_store(&seen_enobufs, st.enobufs);
	}
}

static void start(struct test_server *s, const struct test_backend *be,
		  uint32_t count, bool small)
{
	small_rcvbuf = small;
	atomic_store(&hold, false);
	atomic_store(&closed, 0);
	atomic_store(&seen_enobufs, 0);
	server_udp = NULL;
	rv_chain_init(&held);
	memset(&final, 0, sizeof(final));
	*s = (struct test_server){
		.cfg = {.pool = {.count = count, .size = BUF}},
		.setup = bind_udp,
		.on_tick = release_when_asked,
	};
	cr_assert_eq(test_server_start_on(s, be), 0);
}

static void stop(struct test_server *s)
{
	test_server_stop(s);
	cr_assert(atomic_load(&closed), "on_close ran at shutdown");
	rv_chain_release(&held);
	test_assert_pool_whole(s);
}

/* ---- clients -------------------------------------------------------- */

static int client(uint16_t port, struct sockaddr_in *to)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = {.tv_sec = 5};

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*to = (struct sockaddr_in){.sin_family = AF_INET,
				   .sin_port = htons(port)};
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd;
}

static void fill(uint8_t *p, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		p[i] = test_pattern(id, i);
}

/* Send |n| pattern bytes and expect exactly them back. */
static void roundtrip(int fd, const struct sockaddr_in *to, size_t n,
		      uint32_t id)
{
	static uint8_t out[70000], in[70000];
	ssize_t r;

	fill(out, n, id);
	cr_assert_eq(
		sendto(fd, out, n, 0, (const struct sockaddr *)to, sizeof(*to)),
		(ssize_t)n, "send %zu: %s", n, strerror(errno));
	r = recv(fd, in, sizeof(in), 0);
	cr_assert_eq(r, (ssize_t)n, "size %zu came back as %zd (%s)", n, r,
		     r < 0 ? strerror(errno) : "short");
	cr_assert(memcmp(in, out, n) == 0, "size %zu differs", n);
}

/* Nothing arrives within |ms| milliseconds. */
static bool quiet(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 0;
}

TEST_BACKENDS(udp, sizes_up_to_the_buffer)
ParameterizedTest(struct test_backend *be, udp, sizes_up_to_the_buffer,
		  .timeout = 30)
{
	/* io_uring puts its recvmsg header in the buffer too: what fits is
	 * a little less than the buffer (see udp.h). */
	size_t fits = strcmp(be->name, "io_uring") == 0 ? BUF - 200 : BUF;
	const size_t sizes[] = {1, 2, 63, 64, 512, 1400, 2048, fits};
	struct test_server s;
	struct sockaddr_in to;
	int fd;

	start(&s, be, 64, false);
	fd = client(s.udp_port, &to);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(fd, &to, sizes[i], (uint32_t)i);
	close(fd);
	stop(&s);
	cr_assert_eq(final.received, sizeof(sizes) / sizeof(sizes[0]));
	cr_assert_eq(final.sent, final.received);
	cr_assert_eq(final.truncated, 0);
	cr_assert_eq(s.final.bytes_copied, 0, "echoed without a copy");
}

TEST_BACKENDS(udp, larger_than_a_buffer_is_truncated)
ParameterizedTest(struct test_backend *be, udp,
		  larger_than_a_buffer_is_truncated, .timeout = 30)
{
	static uint8_t big[BUF + 1000];
	struct test_server s;
	struct sockaddr_in to;
	int fd;

	start(&s, be, 64, false);
	fd = client(s.udp_port, &to);
	fill(big, sizeof(big), 9);
	cr_assert_eq(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&to,
			    sizeof(to)),
		     (ssize_t)sizeof(big));
	/* The echo server drops truncated datagrams: the next one is the
	 * first answer. */
	roundtrip(fd, &to, 10, 1);
	close(fd);
	stop(&s);
	cr_assert_eq(final.truncated, 1, "the cut datagram is counted");
	cr_assert_eq(final.received, 2);
	cr_assert_eq(final.sent, 1, "and never sent on as if whole");
}

/* 50 peers at once, 20 rounds: each round every peer has a datagram in
 * flight, and each gets its own back. */
TEST_BACKENDS(udp, many_peers)
ParameterizedTest(struct test_backend *be, udp, many_peers, .timeout = 30)
{
	enum { PEERS = 50, ROUNDS = 20, SIZE = 100 };
	struct test_server s;
	struct sockaddr_in to;
	int fds[PEERS];
	uint8_t out[SIZE], in[SIZE + 1];

	start(&s, be, 256, false);
	for (int p = 0; p < PEERS; p++)
		fds[p] = client(s.udp_port, &to);
	for (int k = 0; k < ROUNDS; k++) {
		for (int p = 0; p < PEERS; p++) {
			fill(out, SIZE, (uint32_t)(p * ROUNDS + k));
			cr_assert_eq(sendto(fds[p], out, SIZE, 0,
					    (struct sockaddr *)&to, sizeof(to)),
				     SIZE);
		}
		for (int p = 0; p < PEERS; p++) {
			fill(out, SIZE, (uint32_t)(p * ROUNDS + k));
			cr_assert_eq(recv(fds[p], in, sizeof(in), 0), SIZE,
				     "peer %d round %d", p, k);
			cr_assert(memcmp(in, out, SIZE) == 0,
				  "peer %d got another's datagram", p);
		}
	}
	for (int p = 0; p < PEERS; p++) {
		cr_assert(quiet(fds[p], 0), "peer %d got extra", p);
		close(fds[p]);
	}
	stop(&s);
	cr_assert_eq(final.received, PEERS * ROUNDS);
	cr_assert_eq(final.kernel_drops, 0);
}

/* Every buffer held: the kernel queues, then drops (counted); once the
 * buffers return, the server receives and echoes again. */
TEST_BACKENDS(udp, pool_exhaustion_drops_then_recovers)
ParameterizedTest(struct test_backend *be, udp,
		  pool_exhaustion_drops_then_recovers, .timeout = 60)
{
	struct test_server s;
	struct sockaddr_in to;
	uint8_t out[1000];
	int fd, fresh_sent = 0;

	start(&s, be, 8, true);
	atomic_store(&hold, true);
	fd = client(s.udp_port, &to);
	fill(out, sizeof(out), 3);
	for (int i = 0; i < 400; i++)
		cr_assert_eq(sendto(fd, out, sizeof(out), 0,
				    (struct sockaddr *)&to, sizeof(to)),
			     (ssize_t)sizeof(out));
	/* Wait (5 s at most) until the server has run out of buffers. */
	for (int ms = 0; ms < 5000 && !atomic_load(&seen_enobufs); ms++)
		usleep(1000);
	cr_assert_gt(atomic_load(&seen_enobufs), 0,
		     "the server never ran out of buffers");
	/* Let go: the server drains the queue, echoing what the kernel
	 * kept; then it answers as before. A fresh datagram (pattern 4) is
	 * sent until it comes back: one sent while the queue is still full
	 * is dropped like the others. */
	atomic_store(&hold, false);
	{
		uint8_t fresh[32], in[2000];
		struct timeval tv = {.tv_usec = 200000};
		ssize_t r = -1;
		int skipped = 0;
		fill(fresh, sizeof(fresh), 4);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (r != (ssize_t)sizeof(fresh) && fresh_sent < 25) {
			cr_assert_eq(sendto(fd, fresh, sizeof(fresh), 0,
					    (struct sockaddr *)&to, sizeof(to)),
				     (ssize_t)sizeof(fresh));
			fresh_sent++;
			while ((r = recv(fd, in, sizeof(in), 0)) ==
			       (ssize_t)sizeof(out))
				skipped++;
		}
		cr_assert_eq(r, (ssize_t)sizeof(fresh),
			     "the server answers again (after %d queued, %d "
			     "tries)",
			     skipped, fresh_sent);
		cr_assert(memcmp(in, fresh, sizeof(fresh)) == 0);
		cr_assert_lt(skipped, 400, "some were dropped");
		/* Echoes of fresh datagrams that were received late. */
		while (recv(fd, in, sizeof(in), 0) > 0)
			;
	}
	close(fd);
	stop(&s);
	cr_assert_gt(final.enobufs, 0, "receives found no buffer");
	cr_assert_gt(final.kernel_drops, 0, "the kernel's drops are counted");
	cr_assert_eq(final.received + final.kernel_drops,
		     (uint64_t)(400 + fresh_sent),
		     "every datagram is either received or counted dropped "
		     "(%llu + %llu of %d)",
		     (unsigned long long) final.received,
		     (unsigned long long) final.kernel_drops, 400 + fresh_sent);
}
