/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * test_fallback.c - choosing the backend where io_uring is forbidden.
 *
 * The test process forbids io_uring_setup for itself with a seccomp filter
 * that returns EPERM, as container runtimes' default profiles do (each
 * Criterion test runs in its own process, so the filter ends with the
 * test). Then RV_BACKEND_AUTO must fall back to libev with one warning
 * that names the cause and the fix, and serve; asking for io_uring, by
 * config or RINGVIEW_BACKEND, must fail with that same clear cause.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net_util.h"

#define KiB 1024u

#if defined(__x86_64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define THIS_AUDIT_ARCH AUDIT_ARCH_RISCV64
#endif

/* io_uring_setup fails with EPERM in this process from now on; every other
 * system call is allowed. No libseccomp: seven BPF instructions. */
static void forbid_io_uring(void)
{
#ifdef THIS_AUDIT_ARCH
	struct sock_filter insns[] = {
		/* A foreign ABI: allowed (this test only uses the native one).
		 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insns) / sizeof(insns[0]),
		.filter = insns,
	};
	struct io_uring_params p;

	/* Unprivileged filters need no_new_privs; root could do without. */
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0, "%s",
		     strerror(errno));
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0,
		     "seccomp: %s", strerror(errno));
	/* The filter works: the kernel's answer is now EPERM. */
	memset(&p, 0, sizeof(p));
	errno = 0;
	cr_assert_eq(syscall(__NR_io_uring_setup, 4, &p), -1);
	cr_assert_eq(errno, EPERM);
#else
	cr_skip_test("no seccomp filter for this architecture in the test");
#endif
}

/* ---- the library's log, captured ---------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[4096];
static int log_lines, log_warns, log_errors;

static void capture(void *ctx, enum rv_log_level level, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&log_lock);
	log_lines++;
	if (level == RV_LOG_WARN)
		log_warns++;
	if (level == RV_LOG_ERROR)
		log_errors++;
	strncat(log_text, msg, sizeof(log_text) - strlen(log_text) - 2);
	strcat(log_text, "\n");
	pthread_mutex_unlock(&log_lock);
}

/* Start each test with an empty log, only the warnings and errors in it,
 * and no RINGVIEW_BACKEND from the environment. */
static void setup(void)
{
	unsetenv("RINGVIEW_BACKEND");
	rv_set_log(capture, NULL, RV_LOG_WARN);
}

static void assert_says(const char *what)
{
	cr_assert(strstr(log_text, what), "the log does not say \"%s\":\n%s",
		  what, log_text);
}

/* The cause, as the library words it: the seccomp filter's EPERM - or,
 * on a host that also disables io_uring by sysctl, that sysctl. */
static void assert_says_cause(void)
{
	char val[8] = "0";
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");

	if (f) {
		if (!fgets(val, sizeof(val), f))
			val[0] = '0';
		fclose(f);
	}
	if (val[0] != '0') {
		assert_says("kernel.io_uring_disabled");
		return;
	}
	assert_says("io_uring_setup was refused (EPERM)");
	assert_says("seccomp");
	assert_says("allow io_uring_setup");
}

/* AUTO under a seccomp profile that forbids io_uring: libev, one warning
 * with the cause and the fix, and the echo works. */
Test(fallback, auto_picks_libev_and_says_why, .init = setup, .timeout = 60)
{
	struct test_server s = {.cfg = {.pool = {.count = 64, .size = 4096}}};

	forbid_io_uring();
	cr_assert_eq(test_server_start(&s), 0, "%s", log_text);
	cr_assert_str_eq(s.backend, "libev");
	cr_log_info("the log: %s", log_text);
	cr_assert_eq(log_lines, 1, "want one line, got:\n%s", log_text);
	cr_assert_eq(log_warns, 1, "%s", log_text);
	assert_says_cause();
	assert_says("using the libev backend");
	cr_assert_eq(
		test_echo_clients(s.port, 20, 256 * KiB, 32 * KiB, false, 30),
		0);
	cr_assert_eq(
		test_echo_clients(s.port, 5, 100 * KiB, 16 * KiB, true, 30), 0);
	test_server_stop(&s);
	test_assert_pool_whole(&s);
}

/* Asking for io_uring where it is forbidden is an error, with the same
 * cause, and the fix - never a silent fallback. */
Test(fallback, explicit_uring_fails_clearly, .init = setup, .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096},
				     .backend = RV_BACKEND_URING};
	rv_loop *loop = NULL;

	forbid_io_uring();
	cr_assert_eq(rv_loop_create(&cfg, &loop), -EPERM);
	cr_assert_null(loop);
	cr_log_info("the log: %s", log_text);
	cr_assert_eq(log_lines, 1, "want one line, got:\n%s", log_text);
	cr_assert_eq(log_errors, 1, "%s", log_text);
	assert_says_cause();
	assert_says("RINGVIEW_BACKEND=ev");
}

/* The same through the environment, the way an operator would ask. */
Test(fallback, env_uring_fails_clearly, .init = setup, .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096}};
	rv_loop *loop = NULL;

	forbid_io_uring();
	setenv("RINGVIEW_BACKEND", "uring", 1);
	cr_assert_eq(rv_loop_create(&cfg, &loop), -EPERM);
	cr_assert_null(loop);
	cr_assert_eq(log_errors, 1, "%s", log_text);
	assert_says_cause();
}

/* RINGVIEW_BACKEND=ev under the same profile: libev, and nothing to say. */
Test(fallback, env_ev_is_quiet, .init = setup, .timeout = 30)
{
	struct test_server s = {.cfg = {.pool = {.count = 16, .size = 4096}}};

	forbid_io_uring();
	setenv("RINGVIEW_BACKEND", "ev", 1);
	cr_assert_eq(test_server_start(&s), 0);
	cr_assert_str_eq(s.backend, "libev");
	cr_assert_eq(test_echo_clients(s.port, 4, 64 * KiB, 8 * KiB, false, 30),
		     0);
	test_server_stop(&s);
	cr_assert_eq(log_lines, 0, "%s", log_text);
	test_assert_pool_whole(&s);
}

/* An explicit config beats the environment. */
Test(fallback, config_beats_env, .init = setup, .timeout = 30)
{
	struct rv_loop_config cfg = {.pool = {.count = 8, .size = 4096},
				     .backend = RV_BACKEND_EV};
	rv_loop *loop;

	setenv("RINGVIEW_BACKEND", "uring", 1);
	cr_assert_eq(rv_loop_create(&cfg, &loop), 0);
	cr_assert_str_eq(rv_loop_backend_name(loop), "libev");
	cr_assert_eq(rv_loop_destroy(loop), 0);
	cr_assert_eq(log_lines, 0, "%s", log_text);
}

/* Where io_uring works, AUTO takes it, silently. */
Test(fallback, auto_prefers_io_uring, .init = setup, .timeout = 30)
{
	rv_loop *loop;

	cr_assert_eq(rv_loop_create(NULL, &loop), 0);
	if (strcmp(rv_loop_backend_name(loop), "io_uring") != 0) {
		rv_loop_destroy(loop);
		cr_skip_test("io_uring is not usable here: %s", log_text);
	}
	cr_assert_eq(log_lines, 0, "%s", log_text);
	cr_assert_eq(rv_loop_destroy(loop), 0);
}

/* A RINGVIEW_BACKEND that names no backend is said once, then AUTO. */
Test(fallback, env_unknown_warns, .init = setup, .timeout = 30)
{
	rv_loop *loop;

	forbid_io_uring();
	setenv("RINGVIEW_BACKEND", "epoll", 1);
	cr_assert_eq(rv_loop_create(NULL, &loop), 0);
	cr_assert_str_eq(rv_loop_backend_name(loop), "libev");
	cr_assert_eq(log_warns, 2, "%s", log_text);
	assert_says("RINGVIEW_BACKEND=epoll is not one of auto, uring, ev");
	cr_assert_eq(rv_loop_destroy(loop), 0);
}
