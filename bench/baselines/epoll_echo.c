/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * epoll-echo - a TCP echo server written by hand over epoll: the baseline
 * that ringview's echo server is measured against.
 *
 * Usage:
 *   epoll-echo [--host ADDR] [--port N]
 *
 *   --host ADDR  numeric IPv4 or IPv6 address to listen on
 *                (default 127.0.0.1)
 *   --port N     TCP port (default 7000); 0 lets the kernel pick a free one.
 *                Several epoll-echo processes may listen on one port
 *                (SO_REUSEPORT): the kernel spreads connections over them
 *   --help       this text
 *   --version    "epoll-echo ringview X.Y.Z" (the project's version)
 *
 * A bad value, an unknown option or a stray argument exits 2, naming it.
 *
 * Once it accepts connections it prints "listening on ADDR:PORT" on stdout
 * (the real port when --port 0 was given) and flushes, so a script can wait
 * for that line. SIGINT or SIGTERM stop it cleanly; it then closes every
 * connection, frees everything and prints what it served on stderr.
 *
 * It is meant to be what a competent user writes by hand, no more and no
 * less: one thread, level-triggered epoll, a 64 KiB buffer malloc'd for
 * each connection, read into it and write it back. When the socket will
 * not take all of it, the rest stays in the buffer and the connection
 * stops reading until it has been written out (backpressure: a peer that
 * sends without reading cannot make the server buffer more than 64 KiB).
 * It raises its open-file limit to the hard limit so that it can hold as
 * many idle connections as the machine allows.
 *
 * Why level-triggered: each wakeup reads once (up to 64 KiB) from every
 * ready connection and moves on, so one fast sender cannot starve the
 * others, and a connection we choose not to read (backpressure) simply
 * stays ready until we come back to it. Edge-triggered epoll saves the
 * epoll_ctl calls when switching between EPOLLIN and EPOLLOUT, but needs
 * every socket drained to EAGAIN at each edge (unfair, or a private ready
 * list to restore fairness) and a manual re-read after backpressure ends,
 * because no new edge comes for bytes that were already waiting. Those are
 * the classic bugs of hand-written edge-triggered servers; the switch
 * costs an epoll_ctl only while a peer is not reading fast enough.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "baseline.h"

#define BUF_SIZE   (64 * 1024)
#define MAX_EVENTS 256

struct conn {
	int fd;
	uint32_t events;	  /* EPOLLIN or EPOLLOUT: what we wait for */
	size_t len;		  /* bytes in buf still to be written back */
	size_t off;		  /* of which this many are already written */
	struct conn *prev, *next; /* every open connection, to free at exit */
	char buf[];		  /* BUF_SIZE bytes */
};

static struct conn *conns;
static int spare_fd = -1;
static unsigned long long n_accepted, n_bytes;

static void usage(FILE *f)
{
	fputs("usage: epoll-echo [--host ADDR] [--port N] [--help] "
	      "[--version]\n"
	      "  --host ADDR  numeric address to listen on (default "
	      "127.0.0.1)\n"
	      "  --port N     TCP port (default 7000; 0 picks a free one)\n"
	      "  --version    print \"epoll-echo ringview X.Y.Z\"\n"
	      "Prints \"listening on ADDR:PORT\" once ready; SIGINT/SIGTERM "
	      "stop it.\n",
	      f);
}

static void conn_close(struct conn *c)
{
	close(c->fd); /* also removes it from the epoll set */
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Wait for `events` on c; epoll_ctl only when that changes. */
static int conn_wait_for(int ep, struct conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	if (c->events == events)
		return 0;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		perror("epoll-echo: epoll_ctl(MOD)");
		return -1;
	}
	c->events = events;
	return 0;
}

static void conn_open(int ep, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct conn *c;
	int one = 1;

	/* Echo replies are small and latency-bound: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = malloc(sizeof(*c) + BUF_SIZE);
	if (!c) {
		fputs("epoll-echo: out of memory, connection refused\n",
		      stderr);
		close(fd);
		return;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	c->len = c->off = 0;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("epoll-echo: epoll_ctl(ADD)");
		close(fd);
		free(c);
		return;
	}
	c->prev = NULL;
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	n_accepted++;
}

static void accept_all(int ep, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_open(ep, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
			return;
		case EINTR:
		case ECONNABORTED: /* the peer gave up while queued */
			continue;
		case EMFILE:
		case ENFILE:
			/* The pending connection would keep the level-
			 * triggered listener ready forever: shed it. */
			baseline_shed_connection("epoll-echo", lfd, &spare_fd);
			if (spare_fd < 0)
				return;
			continue;
		default:
			perror("epoll-echo: accept4");
			return;
		}
	}
}

/* Write back what is buffered; returns -1 when c was closed. */
static int conn_flush(int ep, struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_close(c); /* EPIPE, ECONNRESET: the peer is gone */
			return -1;
		}
		c->off += (size_t)n;
	}
	/* Stop reading while anything is left: that is the backpressure. */
	if (conn_wait_for(ep, c, c->off < c->len ? EPOLLOUT : EPOLLIN) < 0) {
		conn_close(c);
		return -1;
	}
	return 0;
}

static void conn_read(int ep, struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf, BUF_SIZE, 0);

	if (n > 0) {
		n_bytes += (size_t)n;
		c->len = (size_t)n;
		c->off = 0;
		conn_flush(ep, c);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		conn_close(c); /* EOF or error */
	}
}

static int serve(int ep, int lfd, const sigset_t *waitmask)
{
	struct epoll_event evs[MAX_EVENTS];

	while (!baseline_stop) {
		/* Signals are blocked except in here: no lost wakeup. */
		int n = epoll_pwait(ep, evs, MAX_EVENTS, -1, waitmask);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll-echo: epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c)
				accept_all(ep, lfd);
			else if (c->events == EPOLLOUT)
				conn_flush(ep, c); /* error/hangup: send says */
			else
				conn_read(ep, c); /* error/hangup: recv says */
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "7000";
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	sigset_t waitmask;
	int ep, lfd, rc;

	if (baseline_parse_host_port(argc, argv, "epoll-echo", usage, &host,
				     &port) < 0)
		return 2;
	baseline_raise_nofile("epoll-echo");
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	baseline_catch_stop(&waitmask);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("epoll-echo: epoll_create1");
		return 1;
	}
	lfd = baseline_listen_tcp("epoll-echo", host, port);
	if (lfd < 0)
		return 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("epoll-echo: epoll_ctl(ADD listener)");
		return 1;
	}
	rc = serve(ep, lfd, &waitmask);

	while (conns)
		conn_close(conns);
	close(lfd);
	close(ep);
	if (spare_fd >= 0)
		close(spare_fd);
	fprintf(stderr, "epoll-echo: %llu connections, %llu bytes echoed\n",
		n_accepted, n_bytes);
	return rc < 0 ? 1 : 0;
}
