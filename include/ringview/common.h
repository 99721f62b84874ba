/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/common.h - definitions shared by every ringview header:
 * the export macro, error strings, logging and the call-site macro that
 * debug builds use to say which line took a buffer reference.
 *
 * Conventions used by every ringview function:
 *  - A fallible call returns 0 (or a non-negative count) on success and a
 *    negative errno value on failure. Nothing sets errno.
 *  - A call that fails leaves its arguments as they were and never calls
 *    a callback. One exception, for calls that take ownership of what
 *    they are given (sends and sinks: rv_conn_send, rv_conn_send_chain,
 *    rv_udp_send, rv_pipeline_push, rv_pipeline_emit, rv_http_parse):
 *    they consume it even when they fail - its views are released - so
 *    the caller never has to tell which failures left it something to
 *    release. Each of them says so.
 *  - Outputs come last in the parameter list: rv_view_slice(v, off, len, &out).
 *  - Structs that grow end in reserved space. A struct the caller
 *    allocates and the library reads (struct rv_pool_config,
 *    rv_loop_config, rv_conn_timeouts, rv_http_limits, the ops tables
 *    rv_conn_ops, rv_udp_ops, rv_msg_ops, and struct rv_stage) or fills
 *    (struct rv_pool_stats, rv_loop_stats, rv_udp_stats) ends in a field
 *    named _reserved. A later version of the library with the same
 *    SONAME adds fields by carving them out of it, so the struct's size
 *    and every field's offset stay as they are, and a zero in a new field
 *    means what this version does. The caller keeps the reserve zero:
 *    initialize the struct (= {...}, = {0}, memset) and never set a
 *    _reserved field. Calls that can fail refuse a reserve that is not
 *    zero with -EINVAL and a log line (rv_pool_create, rv_loop_create,
 *    rv_loop_create_ev, rv_listen, rv_listen_tcp, rv_connect,
 *    rv_conn_adopt, rv_udp_bind, rv_pipeline_create);
 *    rv_conn_set_timeouts and rv_http_framer_init, which cannot fail,
 *    and rv_http_parse, whose errors are the request's, ignore it. The
 *    stats calls write the whole struct, zeros in its reserve. Other
 *    public structs (rv_view, rv_chain, rv_cursor, rv_msg, rv_addr, the
 *    HTTP frame, framer and request) have a fixed layout: inline code and
 *    macros compiled into applications read them, so changing one changes
 *    the SONAME. README.md, "ABI policy", has the whole rule.
 */
#ifndef RINGVIEW_COMMON_H
#define RINGVIEW_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Generated at build time (meson's configure_file, from version.h.in), so
 * found through the include path, not beside this file. */
#include <ringview/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RV_BUILDING_LIBRARY)
#define RV_EXPORT __attribute__((visibility("default")))
#else
#define RV_EXPORT
#endif

#define RV_LIKELY(x)   __builtin_expect(!!(x), 1)
#define RV_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define RV__STR2(x) #x
#define RV__STR(x)  RV__STR2(x)
/* RV__SITE names the caller's source line; used only for leak reports. */
#define RV__SITE __FILE__ ":" RV__STR(__LINE__)

/*
 * rv_version returns the version of the library loaded at run time, as
 * "MAJOR.MINOR.PATCH" (e.g. "0.2.0"): a static string, never NULL. It may
 * be later than RV_VERSION_STRING, the version the program was compiled
 * against (ringview/version.h).
 */
RV_EXPORT const char *rv_version(void);

/*
 * rv_version_check returns true when the library loaded at run time is of
 * version |major|.|minor|.|patch| or a later one, and false when it is
 * older. The parts are compared in that order, as ints: any values are
 * accepted (a negative one is below every real part). It says nothing
 * about binary compatibility, which the SONAME (libringview.so.0) states.
 * Typical use: a program that needs a fix released in 0.2.1 calls
 * rv_version_check(0, 2, 1) at start-up and, when it is false, names the
 * version it found (rv_version). Thread-safe, no side effects.
 */
RV_EXPORT bool rv_version_check(int major, int minor, int patch);

/*
 * rv_strerror returns a static description of |err|, a negative errno as
 * returned by ringview calls. It never returns NULL and is thread-safe.
 */
RV_EXPORT const char *rv_strerror(int err);

enum rv_log_level {
	RV_LOG_ERROR = 0,
	RV_LOG_WARN = 1,
	RV_LOG_INFO = 2,
	RV_LOG_DEBUG = 3,
};

typedef void (*rv_log_fn)(void *ctx, enum rv_log_level level, const char *msg);

/*
 * rv_set_log sends the library's messages to |fn| (NULL restores the
 * default: stderr) and drops those less severe than |max_level|. The
 * default level is RV_LOG_WARN, or what the RINGVIEW_LOG environment
 * variable says (error, warn, info, debug, in any case), read at the first
 * message; another value is said once on stderr and the default applies.
 */
RV_EXPORT void rv_set_log(rv_log_fn fn, void *ctx, enum rv_log_level max_level);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_COMMON_H */
