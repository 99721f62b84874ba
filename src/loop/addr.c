/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * addr.c - socket addresses from and to text (ringview/addr.h), and bound
 * sockets made from them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "loop/loop_internal.h"

int rv_addr_ip(const char *host, uint16_t port, struct rv_addr *out)
{
	struct rv_addr a;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	if (!host || !*host)
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		a.len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a.len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int rv_addr_unix(const char *path, struct rv_addr *out)
{
	struct rv_addr a;
	struct sockaddr_un *un = (struct sockaddr_un *)&a.ss;
	size_t n = path ? strlen(path) : 0;

	/* A path needs its NUL; an abstract name ('@' becomes a NUL) not. */
	if (n == 0 || n >= sizeof(un->sun_path) || (path[0] == '@' && n < 2))
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n);
	if (path[0] == '@') {
		un->sun_path[0] = '\0';
		a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
				    1);
	}
	*out = a;
	return 0;
}

/* A port of 1 to 5 digits, at most 65535, and nothing after it. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (i == 0 || i > 5 || s[i] != '\0' || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int rv_addr_parse(const char *text, struct rv_addr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = text;
	size_t n;
	uint16_t port;

	if (!text)
		return -EINVAL;
	if (!strncmp(text, "unix:", 5))
		return rv_addr_unix(text + 5, out);
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		h = text + 1;
		n = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			return -EINVAL; /* IPv6 needs its brackets */
		n = (size_t)(colon - text);
	}
	if (n == 0 || n >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	return rv_addr_ip(host, port, out);
}

uint16_t rv_addr_port(const struct rv_addr *a)
{
	return rv__addr_port(&a->ss);
}

/* The address bytes of an IPv4 or IPv6 address, for inet_ntop. */
static const void *ip_bytes(const struct rv_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	return &((const struct sockaddr_in *)&a->ss)->sin_addr;
}

int rv_addr_format(const struct rv_addr *a, char *buf, size_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&a->ss;
	char ip[INET6_ADDRSTRLEN];
	size_t path_len;
	int n;

	switch (a->ss.ss_family) {
	case AF_INET:
	case AF_INET6:
		inet_ntop(a->ss.ss_family, ip_bytes(a), ip, sizeof(ip));
		n = snprintf(buf, len,
			     a->ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			     ip, rv_addr_port(a));
		break;
	case AF_UNIX:
		path_len = a->len > offsetof(struct sockaddr_un, sun_path)
				   ? a->len - offsetof(struct sockaddr_un,
						       sun_path)
				   : 0;
		if (path_len && un->sun_path[0] == '\0') /* abstract */
			n = snprintf(buf, len, "unix:@%.*s",
				     (int)(path_len - 1), un->sun_path + 1);
		else
			n = snprintf(buf, len, "unix:%.*s", (int)path_len,
				     un->sun_path);
		break;
	default:
		return -EAFNOSUPPORT;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

uint16_t rv__addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return 0;
}

int rv__socket_bound(const struct rv_addr *a, int type, uint16_t *port)
{
	struct sockaddr_storage bound = {0}; /* getsockname fills it */
	socklen_t blen = sizeof(bound);
	int one = 1, err;
	int fd = socket(a->ss.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* One loop per thread may bind the same port. */
	if (a->ss.ss_family != AF_UNIX) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 ||
	    ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	     listen(fd, SOMAXCONN) < 0) ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = rv__addr_port(&bound);
	return fd;
}
