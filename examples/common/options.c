/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * options.c - strict command-line values (options.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringview/ringview.h>

#include "options.h"

/* strtod and strtoul alone would take " 5", "+5", "-5" (as a huge
 * number), "0x10" and "1e3": only digits, and for seconds one '.', are
 * what the usage text promises. */
static int all_digits(const char *s, int dots)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s == '.' && dots-- > 0)
			continue;
		if (*s < '0' || *s > '9')
			return 0;
	}
	return 1;
}

int parse_seconds(const char *s, uint32_t *ms)
{
	double v;

	if (!all_digits(s, 1) || !strcmp(s, "."))
		return -EINVAL;
	v = strtod(s, NULL);
	if (!(v >= 0) || v > 2e6)
		return -EINVAL;
	*ms = v == 0 ? RV_NO_TIMEOUT : (uint32_t)(v * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int seconds_option(const char *name, const char *arg, uint32_t *ms)
{
	if (parse_seconds(arg, ms) == 0)
		return 0;
	fprintf(stderr,
		"--%s needs a number of seconds from 0 to 2000000 (0: never), "
		"not '%s'\n",
		name, arg);
	return -EINVAL;
}

/* A whole number from |min| to |max|: 0, or -EINVAL saying nothing. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!all_digits(s, 0))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int count_option(const char *name, const char *arg, unsigned long min,
		 unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (parse_u64(arg, min, max, &v) == 0) {
		*out = (unsigned long)v;
		return 0;
	}
	fprintf(stderr, "--%s needs a whole number from %lu to %lu, not '%s'\n",
		name, min, max, arg);
	return -EINVAL;
}

int size_option(const char *name, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out)
{
	if (parse_u64(arg, min, max, out) == 0)
		return 0;
	fprintf(stderr,
		"--%s needs a number of bytes from %llu to %llu, not '%s'\n",
		name, (unsigned long long)min, (unsigned long long)max, arg);
	return -EINVAL;
}

int backend_option(const char *arg, enum rv_backend *out)
{
	if (!strcmp(arg, "auto"))
		*out = RV_BACKEND_AUTO;
	else if (!strcmp(arg, "uring") || !strcmp(arg, "io_uring"))
		*out = RV_BACKEND_URING;
	else if (!strcmp(arg, "ev") || !strcmp(arg, "libev"))
		*out = RV_BACKEND_EV;
	else {
		fprintf(stderr, "--backend needs auto, uring or ev, not '%s'\n",
			arg);
		return -EINVAL;
	}
	return 0;
}

int host_option(const char *arg)
{
	struct in6_addr a;

	if (inet_pton(AF_INET, arg, &a) == 1 ||
	    inet_pton(AF_INET6, arg, &a) == 1)
		return 0;
	fprintf(stderr,
		"--host needs an IPv4 or IPv6 address such as 127.0.0.1 or "
		"::1 (not a name), not '%s'\n",
		arg);
	return -EINVAL;
}

int stats_format_option(const char *arg, enum stats_format *out)
{
	if (!strcmp(arg, "text"))
		*out = STATS_TEXT;
	else if (!strcmp(arg, "json"))
		*out = STATS_JSON;
	else {
		fprintf(stderr, "--stats-format needs text or json, not '%s'\n",
			arg);
		return -EINVAL;
	}
	return 0;
}

int no_operands(int argc, char **argv, int first)
{
	if (first >= argc)
		return 0;
	fprintf(stderr,
		"unexpected argument '%s': every value follows its option "
		"(--help)\n",
		argv[first]);
	return -EINVAL;
}

void print_version(const char *program)
{
	printf("%s ringview %s\n", program, rv_version());
}

static const char *backend_name(enum rv_backend b)
{
	return b == RV_BACKEND_URING ? "uring" : "ev";
}

void loop_create_failed(const struct rv_loop_config *cfg, int err)
{
	/* What rv_pool_create makes of zeros, and its rounding (pool.h). */
	uint64_t count = cfg->pool.count ? cfg->pool.count : 256;
	uint64_t size = cfg->pool.size ? cfg->pool.size : 16384;
	bool pool = err == -ENOMEM || err == -EINVAL || err == -ENOBUFS ||
		    err == -E2BIG || err == -ERANGE;

	double mib = (double)(count * ((size + 63) & ~63ull)) / (1 << 20);

	fprintf(stderr, "cannot start: %s", rv_strerror(err));
	if (pool)
		fprintf(stderr,
			" - the pool of --buffers %llu x --buf-size %llu "
			"(%.1f %s for each loop) was refused: try fewer or "
			"smaller buffers",
			(unsigned long long)count, (unsigned long long)size,
			mib >= 1024 ? mib / 1024 : mib,
			mib >= 1024 ? "GiB" : "MiB");
	if (cfg->backend != RV_BACKEND_AUTO)
		fprintf(stderr,
			"%s --backend %s may be the cause (the log above says "
			"why; --backend auto falls back to the other backend)",
			pool ? "; or" : " -", backend_name(cfg->backend));
	fputc('\n', stderr);
}
