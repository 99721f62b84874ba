/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * mmsg-echo - a UDP echo server written by hand with recvmmsg/sendmmsg:
 * the baseline that ringview-echo --udp is measured against.
 *
 * Usage:
 *   mmsg-echo [--host ADDR] [--port N]
 *
 *   --host ADDR  numeric IPv4 or IPv6 address to listen on
 *                (default 127.0.0.1)
 *   --port N     UDP port (default 7000); 0 lets the kernel pick a free one
 *   --help       this text
 *   --version    "mmsg-echo ringview X.Y.Z" (the project's version)
 *
 * A bad value, an unknown option or a stray argument exits 2, naming it.
 *
 * Once bound it prints "listening on udp ADDR:PORT" on stdout (the real
 * port when --port 0 was given) and flushes, so a script can wait for that
 * line. SIGINT or SIGTERM stop it with exit status 0; it then prints what
 * it served on stderr.
 *
 * It is meant to be what a competent user writes by hand for speed, no
 * more and no less: one socket, one thread, 32 slots of 64 KiB (room for
 * any UDP datagram); epoll_pwait until the socket is readable, then
 * recvmmsg as many as 32 datagrams at a time without blocking, and
 * sendmmsg each batch straight back, every datagram to the address it
 * came from, from the buffer it arrived in, until the socket has nothing
 * more. The socket is blocking for sends (recvmmsg alone is told not to
 * wait): when the send buffer is full, sendmmsg waits rather than drop
 * an echo. The receive buffer keeps the system's default size, as does
 * ringview-echo. A datagram that cannot be sent back (the sender's
 * port is gone) is skipped and counted.
 *
 * epoll_pwait rather than a blocking recvmmsg: signals are blocked except
 * while waiting, so SIGINT cannot slip in between a check and a call that
 * sleeps.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "baseline.h"

#define BATCH	 32
#define BUF_SIZE (64 * 1024)

struct batch {
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage from[BATCH];
	char (*buf)[BUF_SIZE]; /* [BATCH] */
};

static unsigned long long n_dgrams, n_bytes, n_batches, n_unsent;

static void usage(FILE *f)
{
	fputs("usage: mmsg-echo [--host ADDR] [--port N] [--help] "
	      "[--version]\n"
	      "  --host ADDR  numeric address to listen on (default "
	      "127.0.0.1)\n"
	      "  --port N     UDP port (default 7000; 0 picks a free one)\n"
	      "  --version    print \"mmsg-echo ringview X.Y.Z\"\n"
	      "Prints \"listening on udp ADDR:PORT\" once ready; "
	      "SIGINT/SIGTERM stop it.\n",
	      f);
}

/* Send the n received datagrams back to their senders. */
static void send_back(int fd, struct batch *b, int n)
{
	int done = 0;

	for (int i = 0; i < n; i++) { /* the same bytes, to the sender */
		b->iov[i].iov_len = b->mm[i].msg_len;
		b->mm[i].msg_hdr.msg_flags = 0;
	}
	while (done < n) {
		int r = sendmmsg(fd, b->mm + done, (unsigned)(n - done), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			n_unsent++; /* this one cannot go: skip it */
			r = 1;
		}
		done += r;
	}
}

/* Echo until the socket has nothing more; -1 on a real error. */
static int echo_ready(int fd, struct batch *b)
{
	for (;;) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			b->iov[i] = (struct iovec){b->buf[i], BUF_SIZE};
			b->mm[i].msg_hdr = (struct msghdr){
				.msg_name = &b->from[i],
				.msg_namelen = sizeof(b->from[i]),
				.msg_iov = &b->iov[i],
				.msg_iovlen = 1};
		}
		n = recvmmsg(fd, b->mm, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			if (errno == ECONNREFUSED) /* an earlier echo's ICMP */
				continue;
			perror("mmsg-echo: recvmmsg");
			return -1;
		}
		n_batches++;
		n_dgrams += (unsigned)n;
		for (int i = 0; i < n; i++)
			n_bytes += b->mm[i].msg_len;
		send_back(fd, b, n);
	}
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "7000";
	struct epoll_event ev = {.events = EPOLLIN};
	static struct batch b;
	sigset_t waitmask;
	int ep, fd, rc = 0;

	if (baseline_parse_host_port(argc, argv, "mmsg-echo", usage, &host,
				     &port) < 0)
		return 2;
	baseline_catch_stop(&waitmask);

	b.buf = malloc(BATCH * sizeof(*b.buf));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!b.buf || ep < 0) {
		perror("mmsg-echo: setup");
		return 1;
	}
	fd = baseline_bind_udp("mmsg-echo", host, port);
	if (fd < 0)
		return 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("mmsg-echo: epoll_ctl");
		return 1;
	}
	while (!baseline_stop && rc == 0) {
		/* Signals are blocked except in here: no lost wakeup. */
		int n = epoll_pwait(ep, &ev, 1, -1, &waitmask);

		if (n < 0 && errno != EINTR) {
			perror("mmsg-echo: epoll_pwait");
			rc = -1;
		} else if (n > 0) {
			rc = echo_ready(fd, &b);
		}
	}
	close(fd);
	close(ep);
	free(b.buf);
	fprintf(stderr,
		"mmsg-echo: %llu datagrams (%llu bytes) echoed, %.1f per "
		"recvmmsg, %llu not sent back\n",
		n_dgrams, n_bytes,
		n_batches ? (double)n_dgrams / (double)n_batches : 0.0,
		n_unsent);
	return rc < 0 ? 1 : 0;
}
