/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_echo_server.c - examples/echo (ringview-echo) run as a program, on
 * each backend: a client that shuts its write side gets every byte back
 * and then the server's FIN; --idle-timeout closes a silent connection,
 * not before its time; SIGINT ends the server with every buffer free.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net_util.h"

struct server {
	pid_t pid;
	FILE *out;
	uint16_t port;
};

/* Start ringview-echo with |args| on |b|, and read its ready line. */
static void server_start(struct server *s, const struct test_backend *b,
			 const char *args)
{
	char cmd[512], line[256];
	int pfd[2];

	cr_assert_eq(pipe(pfd), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (s->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		snprintf(cmd, sizeof(cmd), "exec %s --port 0 --backend %s %s",
			 RINGVIEW_ECHO,
			 b->backend == RV_BACKEND_URING ? "uring" : "ev", args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	s->out = fdopen(pfd[0], "r");
	cr_assert_not_null(fgets(line, sizeof(line), s->out),
			   "ringview-echo printed no ready line");
	if (strstr(line, "cannot") && b->backend == RV_BACKEND_URING)
		cr_skip_test("io_uring is not usable here");
	cr_assert_eq(sscanf(line, "listening on 127.0.0.1:%hu", &s->port), 1,
		     "ready line: %s", line);
}

/* SIGINT: exit 0, and the final stats say every buffer is free. */
static void server_stop(struct server *s)
{
	char line[1024];
	bool whole = false;
	int status;

	kill(s->pid, SIGINT);
	while (fgets(line, sizeof(line), s->out))
		if (strstr(line, "stats (final)") &&
		    strstr(line, "768 total, 768 free"))
			whole = true;
	cr_assert_eq(waitpid(s->pid, &status, 0), s->pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exit status %d", WEXITSTATUS(status));
	cr_assert(whole, "the final stats show every buffer free");
	fclose(s->out);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_BACKENDS(echo_server, half_closing_client_gets_every_byte)
ParameterizedTest(struct test_backend *b, echo_server,
		  half_closing_client_gets_every_byte)
{
	static char out[1 << 20], in[1 << 20];
	struct server s;
	size_t got = 0;
	char extra;
	int fd;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)test_pattern(7, i);
	server_start(&s, b, "");
	fd = test_connect(s.port);
	cr_assert_geq(fd, 0);
	/* All of it, then the FIN; the server queues the echo meanwhile. */
	for (size_t off = 0; off < sizeof(out);) {
		ssize_t n = send(fd, out + off, sizeof(out) - off, 0);
		cr_assert_gt(n, 0, "send: %s", strerror(errno));
		off += (size_t)n;
	}
	cr_assert_eq(shutdown(fd, SHUT_WR), 0);
	got = test_read_full(fd, in, sizeof(in));
	cr_assert_eq(got, sizeof(in), "every byte back (%zu)", got);
	cr_assert(memcmp(in, out, sizeof(in)) == 0);
	cr_assert_eq(recv(fd, &extra, 1, 0), 0, "then the server's FIN");
	close(fd);
	server_stop(&s);
}

TEST_BACKENDS(echo_server, idle_timeout_closes_a_silent_connection)
ParameterizedTest(struct test_backend *b, echo_server,
		  idle_timeout_closes_a_silent_connection)
{
	struct server s;
	double t0, waited;
	char byte;
	int fd;

	server_start(&s, b, "--idle-timeout 0.3");
	fd = test_connect(s.port);
	cr_assert_geq(fd, 0);
	t0 = now_s();
	cr_assert_eq(recv(fd, &byte, 1, 0), 0, "closed by the server");
	waited = now_s() - t0;
	cr_assert_geq(waited, 0.29, "not before its timeout (%.3f s)", waited);
	cr_assert_lt(waited, 5);
	close(fd);
	server_stop(&s);
}

Test(echo_server, bad_idle_timeout_is_refused)
{
	char cmd[512];
	int rc;

	snprintf(cmd, sizeof(cmd), "%s --idle-timeout abc 2>/dev/null",
		 RINGVIEW_ECHO);
	rc = system(cmd);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "exit 2 (%d)",
		  WEXITSTATUS(rc));
}
