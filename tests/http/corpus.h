/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/corpus.h - HTTP/1.1 requests, good and bad, with what ringview
 * must make of them; a runner that feeds one through a framer and the
 * parser in any pieces; outcomes flattened into plain bytes so that the
 * expectation, ringview and libhttp-parser can be compared alike.
 */
#ifndef RINGVIEW_TESTS_HTTP_CORPUS_H
#define RINGVIEW_TESTS_HTTP_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringview/ringview.h>

/* ---- the corpus ----------------------------------------------------- */

struct corpus_header {
	const char *name, *value;
};

struct corpus_req {
	const char *method, *target;
	uint8_t minor; /* HTTP/1.minor */
	bool keep_alive;
	const struct corpus_header *headers; /* ends with {NULL, NULL} */
	const char *body;		     /* body_len bytes, NULs allowed */
	size_t body_len;
};

struct corpus_case {
	const char *name;
	const char *raw; /* len bytes, NULs allowed */
	size_t len;
	const struct corpus_req *reqs; /* the requests framed, in order */
	unsigned num_reqs;
	int err;      /* 0, or the error that follows reqs (negative errno) */
	bool pending; /* the input ends inside a request: no error yet */
	const struct rv_http_limits *limits; /* NULL: the defaults */
	/* Why libhttp-parser 2.9 decides otherwise, or NULL when it agrees. */
	const char *http_parser_diverges;
};

/* The cases; corpus_init() must run first (it builds the large ones). */
extern const struct corpus_case *corpus;
extern size_t corpus_len;
void corpus_init(void);
/* Valid cases (err == 0), for the report and a sanity check. */
size_t corpus_valid(void);

/* ---- outcomes ------------------------------------------------------- */

struct bytes {
	uint8_t *p;
	size_t len;
};

struct flat_header {
	struct bytes name, value;
};

struct flat_req {
	struct bytes method, target, body;
	uint8_t major, minor;
	bool keep_alive;
	uint32_t num_headers;
	struct flat_header *headers;
};

#define OUTCOME_MAX_REQS 8

/* What became of an input: the requests, then an error or not. */
struct outcome {
	unsigned num;
	struct flat_req reqs[OUTCOME_MAX_REQS];
	int err;      /* negative errno, or -EBADMSG for any parser error */
	bool pending; /* no error, input ended inside a request */
};

/* A copy of |n| bytes at |p| (malloc'd; never NULL). */
struct bytes bytes_of(const void *p, size_t n);

/* The outcome |c| expects. */
void outcome_expected(const struct corpus_case *c, struct outcome *o);

/* Appends a request to |o| (asserts room); returns it zeroed. */
struct flat_req *outcome_add(struct outcome *o);

/* Appends a header to |r| and returns it zeroed. */
struct flat_header *flat_add_header(struct flat_req *r);

void outcome_free(struct outcome *o);

/*
 * outcome_diff compares |a| and |b|: the requests field by field, then
 * whether each failed (and, with |same_err|, with the same errno) or stays
 * pending. Returns NULL when they agree, else a description in |why|.
 */
const char *outcome_diff(const struct outcome *a, const struct outcome *b,
			 bool same_err, char *why, size_t why_len);

/* ---- running ringview ----------------------------------------------- */

/* Where the runner gets its pieces: |piece| sets |*out| to a view of a
 * copy of the |n| bytes at |p| (n > 0); |owns|, when set, says whether
 * [p, p + n) lies in memory it handed out (bodies are never copied). */
struct feeder {
	void (*piece)(struct feeder *fd, const uint8_t *p, size_t n,
		      rv_view *out);
	bool (*owns)(const struct feeder *fd, const uint8_t *p, size_t n);
};

/* Copies in malloc'd memory, wrapped. */
extern struct feeder heap_feeder;

/*
 * corpus_run feeds |c|'s bytes, cut at the ascending offsets cuts[0..nc),
 * through one framer (with |c|'s limits) and rv_http_parse, and fills |o|.
 * Along the way it asserts what must hold for any input: views of a
 * request lie in its head, bodies lie in the feeder's memory, a failed
 * framer fails again with the same error, nothing is left in the input
 * after the last complete request.
 */
void corpus_run(const struct corpus_case *c, const size_t *cuts, unsigned nc,
		struct feeder *fd, struct outcome *o);

/* Flattens |r| into |o|'s next request. */
void outcome_add_request(struct outcome *o, const struct rv_http_request *r);

#endif
