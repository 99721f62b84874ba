/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * reserved.c - the check that a caller's struct keeps its reserved space
 * zero, so that a later version can give it a meaning (common.h: structs
 * that grow).
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/core_internal.h"

bool rv__reserved_ok(const void *p, size_t n, const char *what)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i]) {
			rv__log(RV_LOG_ERROR,
				"struct %s: its _reserved field is not zero; "
				"initialize the struct (= {...}, = {0} or "
				"memset) before setting its fields, and never "
				"set _reserved",
				what);
			return false;
		}
	}
	return true;
}
