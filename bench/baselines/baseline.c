/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * baseline.c - see baseline.h.
 */
#define _GNU_SOURCE
#include "baseline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmdline.h"

int baseline_host_option(const char *prog, const char *arg)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;

	if (getaddrinfo(arg, NULL, &hints, &ai) != 0) {
		fprintf(stderr,
			"%s: --host needs a numeric IPv4 or IPv6 address such "
			"as 127.0.0.1 or ::1 (not a name), not '%s'\n",
			prog, arg);
		return -1;
	}
	freeaddrinfo(ai);
	return 0;
}

int baseline_parse_host_port(int argc, char **argv, const char *prog,
			     void (*usage)(FILE *f), const char **host,
			     const char **port)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int o;

	while ((o = getopt_long(argc, argv, "H:p:h", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			if (baseline_host_option(prog, optarg) < 0)
				return -1;
			*host = optarg;
			break;
		case 'p':
			if (bench_count_option(prog, "port", optarg, 0, 65535,
					       &v) < 0)
				return -1;
			*port = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			bench_print_version(prog, RV_BENCH_VERSION);
			exit(0);
		default: /* getopt_long said what was wrong */
			usage(stderr);
			return -1;
		}
	}
	return bench_no_operands(prog, argc, argv, optind) < 0 ? -1 : 0;
}

volatile sig_atomic_t baseline_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	baseline_stop = 1;
}

void baseline_catch_stop(sigset_t *waitmask)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigset_t block;

	if (waitmask) {
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, waitmask);
		sigdelset(waitmask, SIGINT);
		sigdelset(waitmask, SIGTERM);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void baseline_raise_nofile(const char *prog)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			fprintf(stderr, "%s: setrlimit(RLIMIT_NOFILE): %s\n",
				prog, strerror(errno));
	}
}

static void print_address(const struct sockaddr_storage *ss, const char *kind)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		printf("listening on %s[%s]:%u\n", kind, host,
		       ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		printf("listening on %s%s:%u\n", kind, host,
		       ntohs(s4->sin_port));
	}
	fflush(stdout);
}

static int open_socket(const char *prog, const char *host, const char *port,
		       bool tcp)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
					     AI_PASSIVE};
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd, one = 1, err;

	err = getaddrinfo(host, port, &hints, &ai);
	if (err != 0) {
		fprintf(stderr, "%s: %s port %s: %s\n", prog, host, port,
			gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family,
		    tcp ? SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC
			: SOCK_DGRAM | SOCK_CLOEXEC,
		    0);
	/* SO_REUSEPORT: several processes may listen on one port, and the
	 * kernel spreads connections over them (bench/c100k). */
	if (fd < 0 ||
	    (tcp &&
	     (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) <
		      0)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (tcp && listen(fd, SOMAXCONN) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
		fprintf(stderr, "%s: %s %s port %s: %s\n", prog,
			tcp ? "listen on" : "bind to", host, port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else {
		print_address(&ss, tcp ? "" : "udp ");
	}
	freeaddrinfo(ai);
	return fd;
}

int baseline_listen_tcp(const char *prog, const char *host, const char *port)
{
	return open_socket(prog, host, port, true);
}

int baseline_bind_udp(const char *prog, const char *host, const char *port)
{
	return open_socket(prog, host, port, false);
}

void baseline_shed_connection(const char *prog, int listen_fd, int *spare_fd)
{
	static bool warned;
	int fd;

	if (!warned) {
		fprintf(stderr,
			"%s: out of file descriptors, refusing "
			"connections\n",
			prog);
		warned = true;
	}
	if (*spare_fd >= 0)
		close(*spare_fd);
	fd = accept(listen_fd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	*spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}
