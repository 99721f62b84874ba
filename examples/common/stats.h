/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * stats.h - the examples' stats lines: the opening words of the text line,
 * and the line as JSON (--stats-format json).
 *
 * A text line opens "stats (KIND): ", or with several threads
 * "stats (KIND, thread N of M): ", and the example's figures follow.
 *
 * As JSON: one object per line, flushed, with the figures of the text line in
 * the same order under names of their own, so that a program reads what a
 * person reads:
 *
 *   {"kind":"SIGUSR1","thread":0,"threads":1,"connections_open":0,...,
 *    "pool":{"total":768,"free":768,...,"compactions":0}}
 *
 * "kind" is what the text line has in parentheses: "interval", "SIGUSR1"
 * or "final"; "thread" counts from 0 and is there even with one thread.
 * Names and kinds are plain words of the caller's: nothing is escaped.
 */
#ifndef EXAMPLES_STATS_H
#define EXAMPLES_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ringview/ringview.h>

/* Start a text line on |f|: "stats (|kind|[, thread ...]): ". */
void stats_text_begin(FILE *f, const char *kind, int thread, unsigned threads);

struct stats_json {
	FILE *f;
	bool comma; /* a member came before: the next one needs a comma */
};

/* Start a line on |f|: the opening brace, kind, thread and threads. */
void stats_json_begin(struct stats_json *j, FILE *f, const char *kind,
		      int thread, unsigned threads);

/* One member, "name":v. */
void stats_json_u64(struct stats_json *j, const char *name, uint64_t v);

/* "name":{ ... }: the members added until stats_json_close go inside. */
void stats_json_open(struct stats_json *j, const char *name);
void stats_json_close(struct stats_json *j);

/* The pool's figures as "pool":{...} (those of rv_pool_stats_print, in
 * its order), the closing brace and a newline; flushes |j|'s stream. */
void stats_json_end(struct stats_json *j, const rv_pool *pool);

#endif
