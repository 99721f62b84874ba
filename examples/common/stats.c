/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * stats.c - the opening of text stats lines, and stats lines as JSON
 * objects (stats.h).
 */
#include <inttypes.h>

#include "stats.h"

void stats_text_begin(FILE *f, const char *kind, int thread, unsigned threads)
{
	fprintf(f, "stats (%s", kind);
	if (threads > 1)
		fprintf(f, ", thread %d of %u", thread, threads);
	fputs("): ", f);
}

void stats_json_begin(struct stats_json *j, FILE *f, const char *kind,
		      int thread, unsigned threads)
{
	j->f = f;
	fprintf(f, "{\"kind\":\"%s\",\"thread\":%d,\"threads\":%u", kind,
		thread, threads);
	j->comma = true;
}

void stats_json_u64(struct stats_json *j, const char *name, uint64_t v)
{
	fprintf(j->f, "%s\"%s\":%" PRIu64, j->comma ? "," : "", name, v);
	j->comma = true;
}

void stats_json_open(struct stats_json *j, const char *name)
{
	fprintf(j->f, "%s\"%s\":{", j->comma ? "," : "", name);
	j->comma = false;
}

void stats_json_close(struct stats_json *j)
{
	fputc('}', j->f);
	j->comma = true;
}

void stats_json_end(struct stats_json *j, const rv_pool *pool)
{
	struct rv_pool_stats s;

	rv_pool_stats(pool, &s);
	stats_json_open(j, "pool");
	stats_json_u64(j, "total", s.total);
	stats_json_u64(j, "free", s.free);
	stats_json_u64(j, "in_ring", s.in_ring);
	stats_json_u64(j, "held", s.held);
	stats_json_u64(j, "sending", s.sending);
	stats_json_u64(j, "high_water", s.high_water);
	stats_json_u64(j, "enobufs", s.enobufs);
	stats_json_u64(j, "recycles", s.recycles);
	stats_json_u64(j, "bytes_received", s.bytes_received);
	stats_json_u64(j, "bytes_copied", s.bytes_copied);
	stats_json_u64(j, "pinned", s.pinned);
	stats_json_u64(j, "pinned_bytes", s.pinned_bytes);
	stats_json_u64(j, "compactions", s.compactions);
	stats_json_close(j);
	fputs("}\n", j->f);
	fflush(j->f);
}
