/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loadgen_tcp.c - loadgen's TCP mode: each thread opens its share of the
 * connections (non-blocking, at most MAX_CONNECTING at once), keeps
 * --depth messages in flight on each with one epoll, checks every byte
 * that comes back against the expected stream, and drops a connection at
 * its first error. Options, the byte stream and the report are loadgen.c.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#define STALL_NS       NS_PER_S
#define MAX_CONNECTING 64 /* per thread: spare the listen queue */
#define RXBUF_SIZE     (256 * 1024)
#define MAX_IOV	       64

enum { UNUSED, CONNECTING, OPEN, CLOSED };

struct conn {
	int fd;
	uint8_t state;
	bool want_out;	    /* EPOLLOUT is in the interest set */
	uint32_t id;	    /* 0 .. conns-1 over all threads */
	uint64_t tx, rx;    /* stream bytes sent, received and checked */
	int64_t last_rx_ns; /* when bytes last arrived */
	int64_t *sent_ns;   /* [depth]: message k's send time at k % depth */
};

/* ---- connections -------------------------------------------------------- */

/* Count an error and drop c; the first few errors are printed. */
static void conn_fail(struct thread *t, struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	count_error("connection", c->id, fmt, ap);
	va_end(ap);
	if (c->state == CONNECTING)
		t->connecting--;
	else if (c->state == OPEN)
		atomic_fetch_sub(&connected, 1);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CLOSED;
}

static int conn_want_out(struct thread *t, struct conn *c, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
				 .data.ptr = c};

	if (c->want_out == out)
		return 0;
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		conn_fail(t, c, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	c->want_out = out;
	return 0;
}

/* --sources: bind c's socket to its source address, the port left to
 * connect (IP_BIND_ADDRESS_NO_PORT), which then picks one free for this
 * source and the server's address and port. */
static int bind_source(struct thread *t, struct conn *c)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(source_addr + c->id % cfg.sources)};
	int one = 1;

	if (setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		       sizeof(one)) < 0 ||
	    bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
		conn_fail(t, c, "bind to source %s: %s", a, strerror(errno));
		return -1;
	}
	return 0;
}

static void conn_start(struct thread *t, struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	int one = 1;

	c->state = CONNECTING;
	c->want_out = true;
	t->connecting++;
	c->fd = socket(server.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_fail(t, c, "socket: %s", strerror(errno));
		return;
	}
	/* Small messages must leave at once, not wait for Nagle. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cfg.sources && bind_source(t, c) < 0)
		return;
	if (connect(c->fd, (struct sockaddr *)&server, server_len) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(t, c, "connect to %s port %u: %s", cfg.host, cfg.port,
			  strerror(errno));
		return;
	}
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		conn_fail(t, c, "epoll_ctl: %s", strerror(errno));
}

/* Keep up to MAX_CONNECTING connects in flight until all are started. */
static void start_connects(struct thread *t, int64_t now)
{
	while (t->next_connect < t->nconns && t->connecting < MAX_CONNECTING &&
	       now < t_connect_end)
		conn_start(t, &t->conns[t->next_connect++]);
}

static void connect_result(struct thread *t, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		t->connecting--;
		c->state = OPEN;
		atomic_fetch_add(&opened, 1);
		atomic_fetch_add(&connected, 1);
		conn_want_out(t, c, false);
	} else if (err != EINPROGRESS) {
		conn_fail(t, c, "connect to %s port %u: %s%s", cfg.host,
			  cfg.port, strerror(err),
			  err == ECONNREFUSED ? " (is the server running?)"
					      : "");
	}
}

/* ---- the load ----------------------------------------------------------- */

/* Record the send time of every message whose first byte is in [pos, +n). */
static void stamp_sends(struct conn *c, uint64_t pos, size_t n, int64_t now)
{
	uint64_t k = (pos + cfg.size - 1) / cfg.size;

	for (; k * cfg.size < pos + n; k++)
		c->sent_ns[k % cfg.depth] = now;
}

/* Send until depth messages are outstanding or the socket is full. */
static int conn_pump(struct thread *t, struct conn *c)
{
	uint64_t limit = (c->rx / cfg.size + cfg.depth) * cfg.size;

	if (cfg.idle || stop ||
	    !atomic_load_explicit(&go, memory_order_acquire))
		return 0;
	while (c->tx < limit) {
		struct iovec iov[MAX_IOV];
		struct msghdr mh = {.msg_iov = iov};
		uint64_t pos = c->tx;
		int64_t now;
		ssize_t n;

		for (; pos < limit && mh.msg_iovlen < MAX_IOV;
		     mh.msg_iovlen++) {
			size_t off = pos % cfg.size;
			iov[mh.msg_iovlen].iov_base =
				(void *)(msg_bytes(c->id, pos / cfg.size) +
					 off);
			iov[mh.msg_iovlen].iov_len = cfg.size - off;
			pos += cfg.size - off;
		}
		now = now_ns();
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_fail(t, c, "send: %s", strerror(errno));
			return -1;
		}
		stamp_sends(c, c->tx, (size_t)n, now);
		c->tx += (uint64_t)n;
		if (c->tx < pos)
			break; /* the socket is full */
	}
	return conn_want_out(t, c, c->tx < limit);
}

void record_msg(struct thread *t, int64_t sent, int64_t now)
{
	uint64_t lat = (uint64_t)(now - sent);

	atomic_fetch_add_explicit(&t->msgs, 1, memory_order_relaxed);
	if (now < t_warm || now >= t_end)
		return;
	t->win_msgs++;
	t->hist[hist_index(lat)]++;
	if (lat > t->max_ns)
		t->max_ns = lat;
}

static void message_done(struct thread *t, struct conn *c, uint64_t k,
			 int64_t now)
{
	record_msg(t, c->sent_ns[k % cfg.depth], now);
}

static void mismatch(struct thread *t, struct conn *c, const uint8_t *got,
		     const uint8_t *want, uint64_t k, size_t off)
{
	size_t i = 0;

	while (got[i] == want[i])
		i++;
	conn_fail(t, c,
		  "message %llu byte %zu: expected 0x%02x, got 0x%02x "
		  "(bytes lost, duplicated, reordered or corrupted)",
		  (unsigned long long)k, off + i, want[i], got[i]);
}

/* Check and account n received bytes; -1 when c was dropped. */
static int consume(struct thread *t, struct conn *c, const uint8_t *p, size_t n,
		   int64_t now)
{
	if (n > c->tx - c->rx) {
		conn_fail(t, c, "received %zu bytes, only %llu outstanding", n,
			  (unsigned long long)(c->tx - c->rx));
		return -1;
	}
	c->last_rx_ns = now;
	while (n > 0) {
		uint64_t k = c->rx / cfg.size;
		size_t off = c->rx % cfg.size;
		size_t take = cfg.size - off < n ? cfg.size - off : n;
		const uint8_t *want = msg_bytes(c->id, k) + off;

		if (cfg.verify && memcmp(p, want, take) != 0) {
			mismatch(t, c, p, want, k, off);
			return -1;
		}
		c->rx += take;
		p += take;
		n -= take;
		if (off + take == cfg.size)
			message_done(t, c, k, now);
	}
	return 0;
}

static int conn_read(struct thread *t, struct conn *c)
{
	/* With MSG_TRUNC, TCP drops up to RXBUF_SIZE bytes without copying
	 * them to rxbuf, and says how many (tcp(7)). */
	ssize_t n =
		recv(c->fd, t->rxbuf, RXBUF_SIZE, cfg.discard ? MSG_TRUNC : 0);

	if (n > 0)
		return consume(t, c, t->rxbuf, (size_t)n, now_ns());
	if (n == 0)
		conn_fail(t, c, "the server closed the connection");
	else if (errno != EAGAIN && errno != EINTR)
		conn_fail(t, c, "recv: %s", strerror(errno));
	else
		return 0;
	return -1;
}

static void conn_event(struct thread *t, struct conn *c, uint32_t events)
{
	if (c->state == CONNECTING) {
		connect_result(t, c);
		return;
	}
	if (c->state != OPEN)
		return;
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && conn_read(t, c) < 0)
		return;
	conn_pump(t, c); /* room freed by what came back, or EPOLLOUT */
}

/* Connect phase over: anything not open by now has failed. */
static void end_connect_phase(struct thread *t)
{
	for (unsigned i = 0; i < t->nconns; i++) {
		struct conn *c = &t->conns[i];

		if (c->state == CONNECTING || c->state == UNUSED)
			conn_fail(t, c, "connect timed out after %.1f s",
				  (double)(t_connect_end - t_start) / NS_PER_S);
	}
	t->next_connect = t->nconns;
	t->connect_done = true;
	atomic_fetch_add(&threads_ready, 1);
}

/* The end of a good connection: a FIN, or with --reset a reset. */
static void conn_close(struct conn *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (cfg.reset)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
}

static void finish(struct thread *t, int64_t now)
{
	for (unsigned i = 0; i < t->nconns; i++) {
		struct conn *c = &t->conns[i];

		if (c->state != OPEN)
			continue;
		if (c->rx < c->tx && now - c->last_rx_ns > STALL_NS)
			conn_fail(t, c,
				  "stalled: %llu bytes outstanding, nothing "
				  "received for %.1f s",
				  (unsigned long long)(c->tx - c->rx),
				  (double)(now - c->last_rx_ns) / NS_PER_S);
		else
			conn_close(c);
	}
}

void *tcp_thread_main(void *arg)
{
	struct thread *t = arg;
	struct epoll_event evs[256];
	bool started = false;

	for (;;) {
		int64_t now = now_ns();
		int n;

		if (started && (now >= t_end || stop))
			break;
		if (!started && t->connect_done &&
		    atomic_load_explicit(&go, memory_order_acquire)) {
			started = true;
			for (unsigned i = 0; i < t->nconns; i++) {
				t->conns[i].last_rx_ns = now;
				if (t->conns[i].state == OPEN)
					conn_pump(t, &t->conns[i]);
			}
		}
		if (!t->connect_done) {
			start_connects(t, now);
			if (now >= t_connect_end ||
			    (t->next_connect == t->nconns && !t->connecting))
				end_connect_phase(t);
		}
		/* A short timeout keeps the stop time exact, however idle. */
		n = epoll_wait(t->ep, evs, 256, 10);
		for (int i = 0; i < n; i++)
			conn_event(t, evs[i].data.ptr, evs[i].events);
	}
	finish(t, now_ns());
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

int tcp_setup_thread(struct thread *t, unsigned idx)
{
	int64_t *sent;

	t->nconns = cfg.conns / cfg.threads + (idx < cfg.conns % cfg.threads);
	t->conns = calloc(t->nconns, sizeof(*t->conns));
	sent = calloc((size_t)t->nconns * cfg.depth, sizeof(*sent));
	t->rxbuf = malloc(RXBUF_SIZE);
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!t->conns || !sent || !t->rxbuf || t->ep < 0) {
		perror("loadgen: thread setup");
		return -1;
	}
	for (unsigned i = 0; i < t->nconns; i++) {
		t->conns[i].fd = -1;
		t->conns[i].id = idx + i * cfg.threads;
		t->conns[i].sent_ns = sent + (size_t)i * cfg.depth;
	}
	return 0;
}

void tcp_free_thread(struct thread *t)
{
	free(t->conns ? t->conns[0].sent_ns : NULL);
	free(t->conns);
	free(t->rxbuf);
}
