/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_version.c - ringview/version.h against the library: the macros
 * agree with rv_version(), RV_VERSION_AT_LEAST works in #if, and both it
 * and rv_version_check are true for the compiled version and older ones,
 * false for newer ones.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include <ringview/ringview.h>

/* What the preprocessor sees: these fail the build, not a test. */
#if !RV_VERSION_AT_LEAST(RV_VERSION_MAJOR, RV_VERSION_MINOR, RV_VERSION_PATCH)
#error "RV_VERSION_AT_LEAST is false for its own version"
#endif
#if RV_VERSION_AT_LEAST(RV_VERSION_MAJOR, RV_VERSION_MINOR, \
			RV_VERSION_PATCH + 1)
#error "RV_VERSION_AT_LEAST is true for a later patch"
#endif
#if RV_VERSION_NUMBER < 200
#error "RV_VERSION_NUMBER below 0.2.0, the first release with version.h"
#endif

#define M RV_VERSION_MAJOR
#define N RV_VERSION_MINOR
#define P RV_VERSION_PATCH

struct probe {
	int major, minor, patch;
	bool at_least; /* the compiled version is at least this one */
};

/* Each part one below and one above, with the parts after it at their
 * extremes, so a comparison of one part alone or of the sum gets one
 * wrong. */
static const struct probe probes[] = {
	{.major = M, .minor = N, .patch = P, .at_least = true},
	{.major = M, .minor = N, .patch = P - 1, .at_least = true},
	{.major = M, .minor = N - 1, .patch = 99, .at_least = true},
	{.major = M, .minor = N - 1, .patch = 1000, .at_least = true},
	{.major = M - 1, .minor = 99, .patch = 99, .at_least = true},
	{.major = M - 1, .minor = 1000, .patch = 1000, .at_least = true},
	{.major = 0, .minor = 0, .patch = 0, .at_least = true},
	{.major = -1, .minor = 0, .patch = 0, .at_least = true},
	{.major = M, .minor = N, .patch = P + 1, .at_least = false},
	{.major = M, .minor = N + 1, .patch = 0, .at_least = false},
	{.major = M, .minor = N + 1, .patch = -1, .at_least = false},
	{.major = M + 1, .minor = 0, .patch = 0, .at_least = false},
	{.major = M + 1, .minor = -1, .patch = -1, .at_least = false},
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

Test(version, string_is_the_three_macros)
{
	char want[64];
	int major = -1, minor = -1, patch = -1, end = 0;

	snprintf(want, sizeof(want), "%d.%d.%d", M, N, P);
	cr_assert_str_eq(rv_version(), want);
	cr_assert_str_eq(RV_VERSION_STRING, want);

	/* And the string itself is exactly MAJOR.MINOR.PATCH. */
	cr_assert_eq(sscanf(rv_version(), "%d.%d.%d%n", &major, &minor, &patch,
			    &end),
		     3, "rv_version() is \"%s\"", rv_version());
	cr_assert_eq(rv_version()[end], '\0', "trailing text in \"%s\"",
		     rv_version());
	cr_assert_eq(major, M);
	cr_assert_eq(minor, N);
	cr_assert_eq(patch, P);
}

Test(version, number_packs_the_parts_in_order)
{
	cr_assert(N >= 0 && N <= 99, "minor %d does not fit two digits", N);
	cr_assert(P >= 0 && P <= 99, "patch %d does not fit two digits", P);
	cr_assert_eq(RV_VERSION_NUMBER, M * 10000 + N * 100 + P);
}

Test(version, at_least_macro_orders_like_the_version)
{
	for (size_t i = 0; i < NPROBES; i++) {
		const struct probe *t = &probes[i];
		bool got = RV_VERSION_AT_LEAST(t->major, t->minor, t->patch);
		cr_expect_eq(got, t->at_least,
			     "RV_VERSION_AT_LEAST(%d, %d, %d) = %d with %s",
			     t->major, t->minor, t->patch, got,
			     RV_VERSION_STRING);
	}
}

Test(version, check_at_run_time_orders_like_the_version)
{
	for (size_t i = 0; i < NPROBES; i++) {
		const struct probe *t = &probes[i];
		bool got = rv_version_check(t->major, t->minor, t->patch);
		cr_expect_eq(got, t->at_least,
			     "rv_version_check(%d, %d, %d) = %d with %s",
			     t->major, t->minor, t->patch, got, rv_version());
	}
}

Test(version, check_agrees_with_the_macro_around_the_version)
{
	/* Every version within two of each part: the library and the
	 * header, built together, must give the same answers. */
	for (int a = M - 2; a <= M + 2; a++)
		for (int b = N - 2; b <= N + 2; b++)
			for (int c = P - 2; c <= P + 2; c++)
				cr_expect_eq(rv_version_check(a, b, c),
					     (bool)RV_VERSION_AT_LEAST(a, b, c),
					     "%d.%d.%d", a, b, c);
}
