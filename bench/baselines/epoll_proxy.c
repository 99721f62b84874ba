/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * epoll-proxy - a TCP proxy written by hand over epoll: the baseline that
 * ringview-proxy is measured against beside HAProxy (bench/proxy/).
 *
 * Usage:
 *   epoll-proxy --upstream HOST:PORT [--host ADDR] [--port N]
 *
 *   --upstream HOST:PORT  where to connect for each client: a numeric
 *                         IPv4 address, or [IPv6]:PORT
 *   --host ADDR           numeric address to listen on (default 127.0.0.1)
 *   --port N              TCP port (default 8000); 0 picks a free one
 *   --help                this text
 *   --version             "epoll-proxy ringview X.Y.Z" (the project's
 *                         version)
 *
 * A bad value, an unknown option or a stray argument exits 2, naming it.
 *
 * Once it accepts connections it prints "listening on ADDR:PORT" on stdout
 * (the real port for --port 0) and flushes. SIGINT or SIGTERM stop it; it
 * then closes every connection and prints what it carried on stderr.
 *
 * What a competent user writes without a library, no more and no less:
 * one thread, level-triggered epoll (why: see epoll_echo.c), one
 * non-blocking connect to the upstream per accepted client, and for each
 * direction a fixed 64 KiB buffer. A side is read only while its buffer
 * is empty; what was read is written to the other side at once, and when
 * that write is short the rest waits for EPOLLOUT while the reading side
 * is left unread (backpressure: a slow peer holds at most 64 KiB per
 * direction here, the rest stays in the kernel). EOF from one side is
 * passed on as shutdown(SHUT_WR) to the other (the buffer is empty by
 * then), so half-closed connections work; both sockets are closed when
 * both directions have ended, or at the first error on either.
 *
 * A side that has nothing to wait for is taken out of the epoll set
 * rather than left in it with no events: epoll reports EPOLLHUP whatever
 * the mask says, and level-triggered it would report it again at every
 * wait while the other direction drains.
 */
#define _GNU_SOURCE
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
#include <sys/socket.h>
#include <unistd.h>

#include "baseline.h"

#define BUF_SIZE   (64 * 1024)
#define MAX_EVENTS 256

enum { CLIENT, UPSTREAM };

/* One direction: bytes read from one side, still to go to the other. */
struct flow {
	size_t len; /* bytes in buf */
	size_t off; /* of which this many are written */
	bool eof;   /* the source sent FIN, and it was passed on */
	char buf[BUF_SIZE];
};

struct side {
	int fd;
	uint32_t events; /* registered for; 0: not in the epoll set */
	struct pair *pair;
};

struct pair {
	struct side side[2]; /* CLIENT, UPSTREAM */
	bool connecting;     /* the upstream connect is in progress */
	bool dead;	     /* closed in this batch of events: skip it */
	struct pair *prev, *next;
	struct flow flow[2]; /* flow[i]: from side[i] to the other */
};

static struct pair *pairs;     /* every open pair, to free at exit */
static struct pair *graveyard; /* closed, freed after the batch */
static struct sockaddr_storage upstream;
static socklen_t upstream_len;
static int spare_fd = -1;
static unsigned long long n_pairs, n_connect_failed, n_bytes[2];

static void usage(FILE *f)
{
	fputs("usage: epoll-proxy --upstream HOST:PORT [--host ADDR] "
	      "[--port N] [--help] [--version]\n"
	      "  --upstream HOST:PORT  where to connect (numeric; "
	      "[V6]:PORT for IPv6)\n"
	      "  --host ADDR  numeric address to listen on (default "
	      "127.0.0.1)\n"
	      "  --port N     TCP port (default 8000; 0 picks a free one)\n"
	      "  --version    print \"epoll-proxy ringview X.Y.Z\"\n"
	      "Prints \"listening on ADDR:PORT\" once ready; SIGINT/SIGTERM "
	      "stop it.\n",
	      f);
}

/* Resolve the numeric HOST:PORT or [V6]:PORT into upstream. */
static int parse_upstream(const char *arg)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	char host[128];
	const char *port = strrchr(arg, ':'), *name = arg;
	size_t hlen;
	int err;

	/* getaddrinfo takes any number as a service, 99999 included, and
	 * connects to it modulo 65536: the port is checked here. */
	if (!port || port == arg || port[1] == '\0' ||
	    port[1 + strspn(port + 1, "0123456789")] != '\0' ||
	    strlen(port + 1) > 5 || atoi(port + 1) < 1 ||
	    atoi(port + 1) > 65535)
		goto bad;
	hlen = (size_t)(port - arg);
	if (arg[0] == '[') { /* [V6]:PORT */
		if (port[-1] != ']' || hlen < 3)
			goto bad;
		arg++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	err = getaddrinfo(host, port + 1, &hints, &ai);
	if (err != 0) {
		fprintf(stderr,
			"epoll-proxy: --upstream needs a numeric address, "
			"not '%s' (%s)\n",
			name, gai_strerror(err));
		return -1;
	}
	memcpy(&upstream, ai->ai_addr, ai->ai_addrlen);
	upstream_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	fprintf(stderr,
		"epoll-proxy: --upstream needs HOST:PORT or [V6]:PORT, a "
		"numeric address and a port from 1 to 65535, not '%s'\n",
		name);
	return -1;
}

/*
 * Take --upstream ADDR (or --upstream=ADDR) out of argv into *addr (left
 * NULL when absent), so that the shared baseline_parse_host_port() sees
 * only the options it knows. Returns 0, or -1 after printing why.
 */
static int take_upstream(int *argc, char **argv, const char **addr)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *val = NULL;

		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--upstream") == 0) {
			if (i + 1 == *argc) {
				fputs("epoll-proxy: --upstream needs a value\n",
				      stderr);
				return -1;
			}
			val = argv[++i];
		} else if (strncmp(argv[i], "--upstream=", 11) == 0) {
			val = argv[i] + 11;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (*addr) {
			fputs("epoll-proxy: one --upstream only\n", stderr);
			return -1;
		}
		*addr = val;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

static void pair_close(struct pair *p)
{
	close(p->side[CLIENT].fd); /* also takes them out of the epoll set */
	close(p->side[UPSTREAM].fd);
	p->dead = true;
	if (p->prev)
		p->prev->next = p->next;
	else
		pairs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	/* Later events of this batch may still point at it. */
	p->next = graveyard;
	graveyard = p;
}

/* What side i must wait for now. */
static uint32_t side_wants(const struct pair *p, int i)
{
	const struct flow *in = &p->flow[i], *out = &p->flow[!i];
	uint32_t ev = 0;

	if (p->connecting)
		return i == UPSTREAM ? EPOLLOUT : 0;
	if (!in->eof && in->off == in->len)
		ev |= EPOLLIN;
	if (out->off < out->len)
		ev |= EPOLLOUT;
	return ev;
}

/* Register both sides for what they wait for; epoll_ctl only on change. */
static int pair_update(int ep, struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &p->side[i];
		uint32_t want = side_wants(p, i);
		struct epoll_event ev = {.events = want, .data.ptr = s};
		int op = !s->events ? EPOLL_CTL_ADD
			 : !want    ? EPOLL_CTL_DEL
				    : EPOLL_CTL_MOD;

		if (want == s->events)
			continue;
		if (epoll_ctl(ep, op, s->fd, &ev) < 0) {
			perror("epoll-proxy: epoll_ctl");
			return -1;
		}
		s->events = want;
	}
	return 0;
}

/* Write what flow i holds to the other side; -1 on error. */
static int flow_flush(struct pair *p, int i)
{
	struct flow *f = &p->flow[i];

	while (f->off < f->len) {
		ssize_t n = send(p->side[!i].fd, f->buf + f->off,
				 f->len - f->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1; /* EAGAIN: EPOLLOUT */
		}
		f->off += (size_t)n;
	}
	return 0;
}

/* Read once from side i into its (empty) flow and pass it on; -1 on
 * error. */
static int flow_pump(struct pair *p, int i)
{
	struct flow *f = &p->flow[i];
	ssize_t n = recv(p->side[i].fd, f->buf, BUF_SIZE, 0);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		/* Nothing is left in the buffer: the FIN goes on now. */
		f->eof = true;
		return shutdown(p->side[!i].fd, SHUT_WR);
	}
	n_bytes[i] += (size_t)n;
	f->len = (size_t)n;
	f->off = 0;
	return flow_flush(p, i);
}

/* The upstream connect finished, one way or the other; -1 if it failed. */
static int pair_connected(struct pair *p)
{
	int fd = p->side[UPSTREAM].fd, err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		n_connect_failed++;
		return -1;
	}
	p->connecting = false;
	return 0;
}

/* Events on side i of its pair. */
static void side_event(int ep, struct side *s, uint32_t events)
{
	struct pair *p = s->pair;
	int i = s == &p->side[UPSTREAM] ? UPSTREAM : CLIENT;
	int rc = 0;

	if (p->dead)
		return;
	if (p->connecting) {
		rc = pair_connected(p);
	} else {
		/* Errors and hangups surface in the recv or send. */
		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
		    p->flow[!i].off < p->flow[!i].len)
			rc = flow_flush(p, !i);
		if (rc == 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) &&
		    !p->flow[i].eof && p->flow[i].off == p->flow[i].len)
			rc = flow_pump(p, i);
	}
	if (rc < 0 || (p->flow[CLIENT].eof && p->flow[UPSTREAM].eof) ||
	    pair_update(ep, p) < 0)
		pair_close(p);
}

static int set_nodelay(int fd)
{
	int one = 1;

	/* Messages go on as they come: no Nagle delay on either side. */
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void pair_open(int ep, int cfd)
{
	struct pair *p = calloc(1, sizeof(*p));
	int ufd = -1;

	if (!p) {
		fputs("epoll-proxy: out of memory, connection refused\n",
		      stderr);
		close(cfd);
		return;
	}
	ufd = socket(upstream.ss_family,
		     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ufd < 0) {
		perror("epoll-proxy: socket");
		goto fail;
	}
	set_nodelay(cfd);
	set_nodelay(ufd);
	p->connecting = true;
	if (connect(ufd, (struct sockaddr *)&upstream, upstream_len) == 0)
		p->connecting = false; /* at once: possible on loopback */
	else if (errno != EINPROGRESS) {
		n_connect_failed++;
		goto fail;
	}
	p->side[CLIENT] = (struct side){.fd = cfd, .pair = p};
	p->side[UPSTREAM] = (struct side){.fd = ufd, .pair = p};
	if (pair_update(ep, p) < 0)
		goto fail; /* may be in the set: close() takes it out */
	p->next = pairs;
	if (pairs)
		pairs->prev = p;
	pairs = p;
	n_pairs++;
	return;
fail:
	if (ufd >= 0)
		close(ufd);
	close(cfd);
	free(p);
}

static void accept_all(int ep, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			pair_open(ep, fd);
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
			baseline_shed_connection("epoll-proxy", lfd, &spare_fd);
			if (spare_fd < 0)
				return;
			continue;
		default:
			perror("epoll-proxy: accept4");
			return;
		}
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
			perror("epoll-proxy: epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all(ep, lfd);
			else
				side_event(ep, evs[i].data.ptr, evs[i].events);
		}
		while (graveyard) {
			struct pair *p = graveyard;
			graveyard = p->next;
			free(p);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "8000", *up = NULL;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	sigset_t waitmask;
	int ep, lfd, rc;

	if (take_upstream(&argc, argv, &up) < 0 ||
	    baseline_parse_host_port(argc, argv, "epoll-proxy", usage, &host,
				     &port) < 0)
		return 2;
	if (!up) {
		fputs("epoll-proxy: --upstream HOST:PORT is needed\n", stderr);
		usage(stderr);
		return 2;
	}
	if (parse_upstream(up) < 0)
		return 2;
	baseline_raise_nofile("epoll-proxy");
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	baseline_catch_stop(&waitmask);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("epoll-proxy: epoll_create1");
		return 1;
	}
	lfd = baseline_listen_tcp("epoll-proxy", host, port);
	if (lfd < 0)
		return 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("epoll-proxy: epoll_ctl(ADD listener)");
		return 1;
	}
	rc = serve(ep, lfd, &waitmask);

	while (pairs)
		pair_close(pairs);
	while (graveyard) {
		struct pair *p = graveyard;
		graveyard = p->next;
		free(p);
	}
	close(lfd);
	close(ep);
	if (spare_fd >= 0)
		close(spare_fd);
	fprintf(stderr,
		"epoll-proxy: %llu pairs, %llu connect failures, %llu bytes "
		"up, %llu down\n",
		n_pairs, n_connect_failed, n_bytes[CLIENT], n_bytes[UPSTREAM]);
	return rc < 0 ? 1 : 0;
}
