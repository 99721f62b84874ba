/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * net_util.c - see net_util.h.
 */
#include "net_util.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef RV_HAVE_EV
#include <ringview/ev.h>
#endif

static void echo_data(rv_conn *c, rv_chain *in)
{
	rv_conn_send_chain(c, in);
}

static const struct rv_conn_ops echo_ops = {.on_data = echo_data};

#ifdef RV_HAVE_URING
#define URING_PARAM {RV_BACKEND_URING, "io_uring", true},
#else
#define URING_PARAM
#endif
#ifdef RV_HAVE_EV
#define EV_PARAM {RV_BACKEND_EV, "libev", false},
#else
#define EV_PARAM
#endif

struct test_backend test_backends[] = {URING_PARAM EV_PARAM};
const size_t test_backend_count =
	sizeof(test_backends) / sizeof(test_backends[0]);

#ifdef RV_HAVE_EV
static void on_wake(struct ev_loop *evl, ev_async *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(evl, EVBREAK_ALL);
}

static void on_timer(struct ev_loop *evl, ev_timer *w, int revents)
{
	struct test_server *s = w->data;

	(void)evl;
	(void)revents;
	atomic_fetch_add(&s->ticks, 1);
	if (s->on_tick)
		s->on_tick(s, s->loop);
}

/* The application's own loop, with an rv_loop attached to it. */
static int embed_create(struct test_server *s, rv_loop **loop)
{
	struct ev_loop *evl = ev_loop_new(EVFLAG_AUTO);
	int err;

	if (!evl)
		return -ENOMEM;
	err = rv_loop_create_ev(&s->cfg, evl, loop);
	if (err) {
		ev_loop_destroy(evl);
		return err;
	}
	s->evl = evl;
	return 0;
}

/* What an application does: its own timer and wake-up (for
 * test_server_stop) beside ringview's watchers, and a plain ev_run. */
static void embed_run(struct test_server *s)
{
	struct ev_loop *evl = s->evl;
	double period = (s->tick_ms ? s->tick_ms : 2) / 1e3;
	ev_async wake;
	ev_timer timer;

	ev_async_init(&wake, on_wake);
	ev_async_start(evl, &wake);
	ev_timer_init(&timer, on_timer, period, period);
	timer.data = s;
	ev_timer_start(evl, &timer);
	s->wake = &wake;
	if (write(s->ready[1], "x", 1) != 1)
		abort();
	ev_run(evl, 0);
	ev_timer_stop(evl, &timer);
	ev_async_stop(evl, &wake);
}
#endif

static int create_loop(struct test_server *s, rv_loop **loop)
{
	if (!s->embed)
		return rv_loop_create(&s->cfg, loop);
#ifdef RV_HAVE_EV
	return embed_create(s, loop);
#else
	return -ENOTSUP;
#endif
}

static void *server_main(void *arg)
{
	struct test_server *s = arg;
	rv_listener *l;
	rv_loop *loop = NULL;
	int err;

	err = create_loop(s, &loop);
	if (!err) {
		err = rv_listen_tcp(loop, "127.0.0.1", 0,
				    s->ops ? s->ops : &echo_ops, s->user, &l);
		if (err)
			rv_loop_destroy(loop);
	}
	if (!err && s->setup) {
		err = s->setup(s, loop);
		if (err)
			rv_loop_destroy(loop);
	}
	s->start_err = err;
	if (!err) {
		s->port = rv_listener_port(l);
		s->backend = rv_loop_backend_name(loop);
		s->loop = loop;
	}
#ifdef RV_HAVE_EV
	if (err && s->evl)
		ev_loop_destroy(s->evl);
	if (!err && s->embed)
		embed_run(s);
	else
#endif
	{
		if (write(s->ready[1], "x", 1) != 1)
			abort();
		if (err)
			return NULL;
		/* The stop flag is checked at least every 20 ms. */
		while (!s->stop) {
			if (rv_loop_run_once(loop, 20) < 0)
				break;
			if (s->on_tick)
				s->on_tick(s, loop);
		}
	}
	rv_loop_shutdown(loop);
	rv_pool_stats(rv_loop_pool(loop), &s->final);
	rv_loop_stats(loop, &s->loop_final);
	s->leaked = rv_pool_leak_report(rv_loop_pool(loop), stderr);
	s->destroy_err = s->leaked ? 0 : rv_loop_destroy(loop);
#ifdef RV_HAVE_EV
	/* After rv_loop_shutdown nothing of ringview's is left on it. */
	if (s->evl)
		ev_loop_destroy(s->evl);
#endif
	return NULL;
}

int test_server_start(struct test_server *s)
{
	char c;

	if (pipe(s->ready))
		return -errno;
	s->stop = 0;
	if (pthread_create(&s->thread, NULL, server_main, s))
		return -EAGAIN;
	/* Wait for the listener (or the error), not for a guessed time. */
	if (read(s->ready[0], &c, 1) != 1)
		return -EIO;
	close(s->ready[0]);
	close(s->ready[1]);
	if (s->start_err)
		pthread_join(s->thread, NULL);
	return s->start_err;
}

int test_server_start_on(struct test_server *s, const struct test_backend *b)
{
	int err;

	s->cfg.backend = b->backend;
	err = test_server_start(s);
	if (b->backend == RV_BACKEND_URING && (err == -EPERM || err == -ENOSYS))
		cr_skip_test("io_uring is not usable here (%s); the test runs "
			     "on the other backends",
			     rv_strerror(err));
	if (!err)
		cr_assert_str_eq(s->backend, b->name, "asked for %s, got %s",
				 b->name, s->backend);
	cr_log_info("backend %s", b->name);
	return err;
}

void test_server_stop(struct test_server *s)
{
	s->stop = 1;
#ifdef RV_HAVE_EV
	if (s->embed)
		ev_async_send(s->evl, s->wake);
#endif
	pthread_join(s->thread, NULL);
}

int test_connect(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

size_t test_read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

struct client {
	int fd;
	uint64_t sent, recvd;
	bool shut, done, failed;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Send the next part of client |i|'s stream. */
static void client_send(struct client *cl, uint32_t i, size_t bytes,
			size_t chunk, uint8_t *tmp, bool half_close)
{
	size_t n = bytes - cl->sent < chunk ? bytes - cl->sent : chunk;
	ssize_t w;

	for (size_t k = 0; k < n; k++)
		tmp[k] = test_pattern(i, cl->sent + k);
	w = send(cl->fd, tmp, n, MSG_NOSIGNAL);
	if (w > 0)
		cl->sent += (uint64_t)w;
	else if (w < 0 && errno != EAGAIN)
		cl->failed = true;
	if (cl->sent == bytes && half_close && !cl->shut) {
		shutdown(cl->fd, SHUT_WR);
		cl->shut = true;
	}
}

/* Read what came back and check it; returns false on a mismatch. */
static void client_recv(struct client *cl, uint32_t i, size_t bytes,
			uint8_t *tmp, size_t tmp_len, bool half_close)
{
	ssize_t r = recv(cl->fd, tmp, tmp_len, 0);

	if (r < 0) {
		if (errno != EAGAIN)
			cl->failed = true;
		return;
	}
	if (r == 0) {
		/* EOF is right only after a half-close and the full echo. */
		if (!(half_close && cl->recvd == bytes))
			cl->failed = true;
		cl->done = true;
		return;
	}
	for (ssize_t k = 0; k < r; k++) {
		if (tmp[k] != test_pattern(i, cl->recvd + (uint64_t)k)) {
			fprintf(stderr, "conn %u: byte %llu differs\n", i,
				(unsigned long long)(cl->recvd + (uint64_t)k));
			cl->failed = true;
			return;
		}
	}
	cl->recvd += (uint64_t)r;
	if (cl->recvd > bytes)
		cl->failed = true;
	if (cl->recvd == bytes && !half_close)
		cl->done = true;
}

int test_echo_clients(uint16_t port, int nconns, size_t bytes, size_t chunk,
		      bool half_close, double timeout_s)
{
	struct client *cl = calloc((size_t)nconns, sizeof(*cl));
	struct pollfd *pfd = calloc((size_t)nconns, sizeof(*pfd));
	size_t tmp_len = chunk > 65536 ? chunk : 65536;
	uint8_t *tmp = malloc(tmp_len);
	double deadline = now_s() + timeout_s;
	int failed = 0, active = nconns;

	for (int i = 0; i < nconns; i++) {
		cl[i].fd = test_connect(port);
		if (cl[i].fd < 0) {
			cl[i].failed = cl[i].done = true;
			active--;
			continue;
		}
		fcntl(cl[i].fd, F_SETFL, O_NONBLOCK);
	}
	while (active > 0 && now_s() < deadline) {
		for (int i = 0; i < nconns; i++) {
			pfd[i].fd = cl[i].done || cl[i].failed ? -1 : cl[i].fd;
			pfd[i].events = POLLIN;
			if (cl[i].sent < bytes)
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, (nfds_t)nconns, 100) < 0)
			break;
		for (int i = 0; i < nconns; i++) {
			struct client *c = &cl[i];
			if (pfd[i].fd < 0)
				continue;
			if (pfd[i].revents & POLLOUT)
				client_send(c, (uint32_t)i, bytes, chunk, tmp,
					    half_close);
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_recv(c, (uint32_t)i, bytes, tmp, tmp_len,
					    half_close);
			if (c->done || c->failed)
				active--;
		}
	}
	for (int i = 0; i < nconns; i++) {
		if (cl[i].failed || !cl[i].done) {
			if (failed < 5)
				fprintf(stderr,
					"conn %d: sent %llu, got back "
					"%llu of %zu%s\n",
					i, (unsigned long long)cl[i].sent,
					(unsigned long long)cl[i].recvd, bytes,
					cl[i].failed ? " (failed)"
						     : " (timeout)");
			failed++;
		}
		if (cl[i].fd >= 0)
			close(cl[i].fd);
	}
	free(cl);
	free(pfd);
	free(tmp);
	return failed;
}

void test_assert_pool_whole(const struct test_server *s)
{
	cr_assert_eq(s->final.free, s->final.total,
		     "free %u != total %u after shutdown", s->final.free,
		     s->final.total);
	cr_assert_eq(s->final.sending, 0);
	cr_assert_eq(s->leaked, 0, "%d buffers leaked", s->leaked);
	cr_assert_eq(s->destroy_err, 0);
}
