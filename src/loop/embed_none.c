/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * embed_none.c - ringview/ev.h in a build without the libev backend. Both
 * calls exist in every build, so that the library exports the same
 * symbols whatever its options (README: ABI policy); here they say that
 * embedding needs libev.
 */
#include <errno.h>
#include <stddef.h>

#include "loop/loop_internal.h"
#include "ringview/ev.h"

int rv_loop_create_ev(const struct rv_loop_config *cfg, struct ev_loop *evl,
		      rv_loop **out)
{
	(void)cfg;
	(void)evl;
	(void)out;
	rv__log(RV_LOG_ERROR,
		"rv_loop_create_ev: this ringview was built without the libev "
		"backend (-Dlibev=disabled, or libev missing); install "
		"libev-dev and rebuild ringview with it");
	return -ENOTSUP;
}

struct ev_loop *rv_loop_ev(const rv_loop *loop)
{
	(void)loop;
	return NULL;
}
