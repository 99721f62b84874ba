/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * version.c - the version of the library at run time (ringview/common.h),
 * from the ringview/version.h it was compiled with.
 */
#include "ringview/common.h"

const char *rv_version(void)
{
	return RV_VERSION_STRING;
}

bool rv_version_check(int major, int minor, int patch)
{
	if (RV_VERSION_MAJOR != major)
		return RV_VERSION_MAJOR > major;
	if (RV_VERSION_MINOR != minor)
		return RV_VERSION_MINOR > minor;
	return RV_VERSION_PATCH >= patch;
}
