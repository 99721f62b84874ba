/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * stages.h - the stage functions of examples/parser (private to it; the
 * table that orders them is http_stages in server.c).
 */
#ifndef HTTP_STAGES_H
#define HTTP_STAGES_H

#include "http_server.h"

/* frame.c */
struct http_frame_state {
	bool ready;
	bool head_timed; /* the head timeout runs for this request */
	rv_http_framer framer;
	rv_chain in; /* bytes of the request not yet complete */
};
int http_frame_process(rv_pipeline *p, void *state, rv_msg *m);
void http_frame_fini(void *state);
int http_parse_process(rv_pipeline *p, void *state, rv_msg *m);

/* handle.c */
int http_handle_process(rv_pipeline *p, void *state, rv_msg *m);

/* encode.c */
int http_encode_process(rv_pipeline *p, void *state, rv_msg *m);

#endif
