/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * harness.h - the part of Criterion's API test_threads.c uses, for builds
 * where Criterion's runner cannot start: under ThreadSanitizer it dies
 * with "Could not initialize inheritable arena" (its BoxFort arena is
 * mapped at a random address in 0x2000'0000'0000..0x7f00'0000'0000, which
 * TSan's shadow memory fills; Criterion issue #274).
 *
 * Each test runs in its own child process, as with Criterion; .signal and
 * .timeout are honoured, cr_skip_test skips, and the report on stdout is
 * TAP, as Criterion's --tap gives it, so meson (protocol 'tap') and .ci/run
 * count the results the same way in both builds. Built with
 * -DRV_TEST_HARNESS (tests/threads/meson.build does it for b_sanitize=thread).
 */
#ifndef RINGVIEW_TESTS_THREADS_HARNESS_H
#define RINGVIEW_TESTS_THREADS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct rvt_test {
	const char *suite, *name;
	void (*fn)(void);
	int signal;
	double timeout;
	int rvt_end;
	struct rvt_test *next;
};

static struct rvt_test *rvt_tests;
static int rvt_failed;

static void rvt_register(struct rvt_test *t)
{
	struct rvt_test **p = &rvt_tests;

	while (*p) /* keep source order */
		p = &(*p)->next;
	*p = t;
}

/* Report a failed check; |fmt| and its arguments may be followed by an
 * extra "" that is never used. */
static void rvt_fail(int fatal, const char *file, int line, const char *expr,
		     const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[----] %s:%d: %s failed: %s", file, line,
		fatal ? "Assertion" : "Expectation", expr);
	if (*fmt) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	rvt_failed = 1;
	if (fatal) {
		fflush(stderr);
		_exit(1);
	}
}

#define RVT_CHECK(fatal, cond, ...)                                \
	do {                                                       \
		if (!(cond))                                       \
			rvt_fail(fatal, __FILE__, __LINE__, #cond, \
				 __VA_ARGS__);                     \
	} while (0)
#define RVT_CMP(fatal, op, a, b, ...) RVT_CHECK(fatal, (a)op(b), __VA_ARGS__)

#define cr_assert(...)		   RVT_CHECK(1, __VA_ARGS__, "")
#define cr_expect(...)		   RVT_CHECK(0, __VA_ARGS__, "")
#define cr_assert_eq(...)	   RVT_CMP(1, ==, __VA_ARGS__, "")
#define cr_expect_eq(...)	   RVT_CMP(0, ==, __VA_ARGS__, "")
#define cr_assert_geq(...)	   RVT_CMP(1, >=, __VA_ARGS__, "")
#define cr_expect_gt(...)	   RVT_CMP(0, >, __VA_ARGS__, "")
#define cr_expect_leq(...)	   RVT_CMP(0, <=, __VA_ARGS__, "")
#define cr_assert_not_null(p, ...) RVT_CHECK(1, (p) != NULL, "" __VA_ARGS__)
#define cr_assert_fail(...) \
	rvt_fail(1, __FILE__, __LINE__, "cr_assert_fail", __VA_ARGS__)
#define cr_log_info(...)                                \
	do {                                            \
		fprintf(stderr, "[----] " __VA_ARGS__); \
		fputc('\n', stderr);                    \
	} while (0)
/* A skipped test's child exits with the GNU "skipped" status, 77. */
#define RVT_SKIPPED 77
#define cr_skip_test(...)                             \
	do {                                          \
		cr_log_info("skipped: " __VA_ARGS__); \
		fflush(NULL);                         \
		_exit(RVT_SKIPPED);                   \
	} while (0)

#define Test(...) RVT_TEST(__VA_ARGS__, .rvt_end = 0)
#define RVT_TEST(s_, n_, ...)                                              \
	static void s_##_##n_(void);                                       \
	static struct rvt_test rvt_##s_##_##n_ = {                         \
		.suite = #s_, .name = #n_, .fn = s_##_##n_, __VA_ARGS__};  \
	__attribute__((constructor)) static void rvt_reg_##s_##_##n_(void) \
	{                                                                  \
		rvt_register(&rvt_##s_##_##n_);                            \
	}                                                                  \
	static void s_##_##n_(void)

enum rvt_result { RVT_PASS, RVT_FAIL, RVT_CRASH, RVT_SKIP };

/* Run one test in a child. */
static enum rvt_result rvt_run(const struct rvt_test *t)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return RVT_CRASH;
	if (pid == 0) {
		alarm((unsigned)(t->timeout > 0 ? t->timeout : 120));
		t->fn();
		fflush(NULL);
		_exit(rvt_failed);
	}
	if (waitpid(pid, &status, 0) != pid)
		return RVT_CRASH;
	if (t->signal)
		return WIFSIGNALED(status) && WTERMSIG(status) == t->signal
			       ? RVT_PASS
			       : RVT_FAIL;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "[----] %s::%s: killed by signal %d\n",
			t->suite, t->name, WTERMSIG(status));
		return RVT_CRASH;
	}
	if (WEXITSTATUS(status) == RVT_SKIPPED)
		return RVT_SKIP;
	return WEXITSTATUS(status) ? RVT_FAIL : RVT_PASS;
}

/* TAP on stdout, one line per test in the order run; the plan first, as
 * Criterion prints it. */
int main(int argc, char **argv)
{
	static const char *const tap[] = {[RVT_PASS] = "ok",
					  [RVT_FAIL] = "not ok",
					  [RVT_CRASH] = "not ok",
					  [RVT_SKIP] = "ok"};
	int n = 0, fail = 0;

	(void)argc;
	(void)argv; /* Criterion's options (--jobs, --tap) do not apply */
	for (const struct rvt_test *t = rvt_tests; t; t = t->next)
		n++;
	printf("TAP version 13\n1..%d\n", n);
	for (const struct rvt_test *t = rvt_tests; t; t = t->next) {
		enum rvt_result r = rvt_run(t);

		fail += r == RVT_FAIL || r == RVT_CRASH;
		printf("%s - %s::%s%s\n", tap[r], t->suite, t->name,
		       r == RVT_CRASH  ? " crashed"
		       : r == RVT_SKIP ? " # SKIP (see its log)"
				       : "");
		fflush(stdout);
	}
	return fail ? 1 : 0;
}

#endif /* RINGVIEW_TESTS_THREADS_HARNESS_H */
