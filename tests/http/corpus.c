/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * tests/http/corpus.c - the HTTP request corpus: literal cases and the
 * few too large to write out; see corpus.h.
 */
#include "corpus.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the corpus ----------------------------------------------------- */

/* clang-format off */
#define RAW(s) .raw = (s), .len = sizeof(s) - 1
#define HDRS(...) ((const struct corpus_header[]){__VA_ARGS__, {NULL, NULL}})
#define NOHDRS ((const struct corpus_header[]){{NULL, NULL}})
#define REQ(m, t, mi, ka, ...)                                        \
	{.method = (m), .target = (t), .minor = (mi), .keep_alive = (ka), \
	 .headers = HDRS(__VA_ARGS__)}
#define REQ0(m, t, mi, ka)                                            \
	{.method = (m), .target = (t), .minor = (mi), .keep_alive = (ka), \
	 .headers = NOHDRS}
#define REQB(m, t, mi, ka, b, ...)                                     \
	{.method = (m), .target = (t), .minor = (mi), .keep_alive = (ka), \
	 .body = (b), .body_len = sizeof(b) - 1, .headers = HDRS(__VA_ARGS__)}
#define REQS(...)                                              \
	.reqs = (const struct corpus_req[]){__VA_ARGS__},          \
	.num_reqs = (unsigned)(sizeof((const struct corpus_req[]){ \
				       __VA_ARGS__}) /             \
			       sizeof(struct corpus_req))
#define LIMITS(...) .limits = &(const struct rv_http_limits){__VA_ARGS__}
#define HOST {"Host", "a"}
#define E400 .err = -EBADMSG
#define E413 .err = -EFBIG
#define E414 .err = -ENAMETOOLONG
#define E431 .err = -EMSGSIZE
#define E501 .err = -ENOTSUP
#define E505 .err = -EPROTONOSUPPORT
#define DIVERGES(why) .http_parser_diverges = (why)

/* A request line and Host, for the cases about what follows them. */
#define GH "GET / HTTP/1.1\r\nHost: a\r\n"
#define PH "POST / HTTP/1.1\r\nHost: a\r\n"
#define CH PH "Transfer-Encoding: chunked\r\n\r\n"
#define CHUNKED_HDRS HOST, {"Transfer-Encoding", "chunked"}

#define LF_OK "accepts lines ending in a bare LF"
#define NO_LIMIT "has no such limit"
#define NO_HOST_CHECK "does not check Host"
#define KA10 "in HTTP/1.0 keeps the connection when keep-alive is listed, " \
	     "even beside close (RFC 9112 9.3: close wins)"

static const struct corpus_case fixed[] = {
	/* ---- valid: versions and keep-alive ---- */
	{"get_minimal", RAW(GH "\r\n"), REQS(REQ("GET", "/", 1, true, HOST))},
	{"http10_close_by_default", RAW("GET /index.html HTTP/1.0\r\n\r\n"),
	 REQS(REQ0("GET", "/index.html", 0, false))},
	{"http10_host_optional", RAW("GET / HTTP/1.0\r\nHost: a\r\n\r\n"),
	 REQS(REQ("GET", "/", 0, false, HOST))},
	{"http10_keep_alive", RAW("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
	 REQS(REQ("GET", "/", 0, true, {"Connection", "keep-alive"}))},
	{"http10_keep_alive_any_case",
	 RAW("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	 REQS(REQ("GET", "/", 0, true, {"Connection", "Keep-Alive"}))},
	{"http10_keep_alive_then_close",
	 RAW("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"),
	 REQS(REQ("GET", "/", 0, false, {"Connection", "keep-alive, close"})),
	 DIVERGES(KA10)},
	{"http10_close_then_keep_alive",
	 RAW("GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n"),
	 REQS(REQ("GET", "/", 0, false, {"Connection", "close, keep-alive"})),
	 DIVERGES(KA10)},
	/* RFC 9112 6.1: framing by Transfer-Encoding in HTTP/1.0 is faulty:
	 * the connection closes after the request, keep-alive or not. */
	{"http10_chunked_closes",
	 RAW("POST / HTTP/1.0\r\nConnection: keep-alive\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 0, false, "ok", {"Connection", "keep-alive"},
		   {"Transfer-Encoding", "chunked"})),
	 DIVERGES("keeps an HTTP/1.0 connection framed by Transfer-Encoding")},
	{"http11_close", RAW(GH "Connection: close\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, false, HOST, {"Connection", "close"}))},
	{"http11_close_upper_case", RAW(GH "Connection: CLOSE\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, false, HOST, {"Connection", "CLOSE"}))},
	{"http11_close_in_list", RAW(GH "Connection: te, close\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, false, HOST, {"Connection", "te, close"}))},
	{"http11_close_then_keep_alive",
	 RAW(GH "Connection: close, keep-alive\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, false, HOST,
		  {"Connection", "close, keep-alive"}))},
	{"http11_close_in_second_header",
	 RAW(GH "Connection: keep-alive\r\nConnection: close\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, false, HOST, {"Connection", "keep-alive"},
		  {"Connection", "close"}))},
	{"http11_keep_alive_explicit", RAW(GH "Connection: keep-alive\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"Connection", "keep-alive"}))},
	{"http11_minor_9", RAW("GET / HTTP/1.9\r\nHost: a\r\n\r\n"),
	 REQS(REQ("GET", "/", 9, true, HOST))},

	/* ---- valid: Content-Length bodies ---- */
	{"content_length", RAW(PH "Content-Length: 5\r\n\r\nhello"),
	 REQS(REQB("POST", "/", 1, true, "hello", HOST,
		   {"Content-Length", "5"}))},
	{"content_length_zero", RAW(PH "Content-Length: 0\r\n\r\n"),
	 REQS(REQ("POST", "/", 1, true, HOST, {"Content-Length", "0"}))},
	{"content_length_binary_body",
	 RAW(PH "Content-Length: 6\r\n\r\na\0\r\n\xff" "b"),
	 REQS(REQB("POST", "/", 1, true, "a\0\r\n\xff" "b", HOST,
		   {"Content-Length", "6"}))},
	{"content_length_leading_zeros",
	 RAW(PH "Content-Length: 007\r\n\r\n1234567"),
	 REQS(REQB("POST", "/", 1, true, "1234567", HOST,
		   {"Content-Length", "007"}))},
	{"content_length_spaces", RAW(PH "Content-Length:   3  \r\n\r\nabc"),
	 REQS(REQB("POST", "/", 1, true, "abc", HOST,
		   {"Content-Length", "3"}))},
	{"content_length_tabs", RAW(PH "Content-Length:\t3\t\r\n\r\nabc"),
	 REQS(REQB("POST", "/", 1, true, "abc", HOST,
		   {"Content-Length", "3"})),
	 DIVERGES("rejects a tab (OWS) around the Content-Length value")},
	{"content_length_identical_twice",
	 RAW(PH "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
	 REQS(REQB("POST", "/", 1, true, "abc", HOST, {"Content-Length", "3"},
		   {"Content-Length", "3"})),
	 DIVERGES("rejects any repeated Content-Length")},
	{"post_without_body", RAW(PH "\r\n"),
	 REQS(REQ("POST", "/", 1, true, HOST))},
	{"expect_continue_body_present",
	 RAW(PH "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok"),
	 REQS(REQB("POST", "/", 1, true, "ok", HOST,
		   {"Expect", "100-continue"}, {"Content-Length", "2"}))},

	/* ---- valid: chunked bodies ---- */
	{"chunked", RAW(CH "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "hello world", CHUNKED_HDRS))},
	{"chunked_extensions",
	 RAW(CH "5;name=value\r\nhello\r\n6;x;y=\"q s\"\r\n world\r\n"
		"0;end\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "hello world", CHUNKED_HDRS))},
	{"chunked_extension_after_bws", RAW(CH "5 ;x\r\nhello\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "hello", CHUNKED_HDRS))},
	{"chunked_trailers",
	 RAW(CH "5\r\nhello\r\n0\r\nX-Trailer: v\r\nChecksum: abc\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "hello", CHUNKED_HDRS))},
	{"chunked_hex_upper_leading_zeros",
	 RAW(CH "00A\r\n0123456789\r\n0000\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "0123456789", CHUNKED_HDRS))},
	{"chunked_empty_body", RAW(CH "0\r\n\r\n"),
	 REQS(REQ("POST", "/", 1, true, CHUNKED_HDRS))},
	{"chunked_any_case",
	 RAW(PH "Transfer-Encoding: ChUnKeD\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "x", HOST,
		   {"Transfer-Encoding", "ChUnKeD"}))},
	{"chunked_binary_data", RAW(CH "4\r\n\r\n\0x\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "\r\n\0x", CHUNKED_HDRS))},
	{"chunked_one_byte_chunks",
	 RAW(CH "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n1\r\nd\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "abcd", CHUNKED_HDRS))},
	{"chunked_http10",
	 RAW("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 0, false, "abc",
		   {"Transfer-Encoding", "chunked"}))},

	/* ---- valid: pipelining and empty lines ---- */
	{"pipelined_two_gets",
	 RAW("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n"),
	 REQS(REQ("GET", "/1", 1, true, HOST),
	      REQ("GET", "/2", 1, true, {"Host", "b"}))},
	{"pipelined_mixed_bodies",
	 RAW("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
	     "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"
	     "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "2\r\nhi\r\n0\r\n\r\n"
	     "GET /d HTTP/1.0\r\n\r\n"),
	 REQS(REQ("GET", "/a", 1, true, HOST),
	      REQB("POST", "/b", 1, true, "xyz", HOST, {"Content-Length", "3"}),
	      REQB("POST", "/c", 1, true, "hi", CHUNKED_HDRS),
	      REQ0("GET", "/d", 0, false))},
	{"pipelined_crlf_between",
	 RAW("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\n"
	     "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("GET", "/1", 1, true, HOST), REQ("GET", "/2", 1, true, HOST))},
	{"leading_crlfs", RAW("\r\n\r\n\r\n" GH "\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST))},

	/* ---- valid: header values, names, methods, targets ---- */
	{"ows_trimmed", RAW("GET / HTTP/1.1\r\nHost: \t a \t \r\nX-Pad:    v   w   \r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"X-Pad", "v   w"}))},
	{"empty_values", RAW(GH "X-Empty:\r\nX-Blank:   \t \r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"X-Empty", ""}, {"X-Blank", ""}))},
	{"empty_host", RAW("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, {"Host", ""}))},
	{"obs_text_value", RAW(GH "X-Name: caf\xc3\xa9 \x80\xff\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"X-Name", "caf\xc3\xa9 \x80\xff"}))},
	{"value_with_colons_and_spaces",
	 RAW(GH "X-Time: 12:34:56\r\nUser-Agent: Mozilla/5.0 (X11; Linux)\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"X-Time", "12:34:56"},
		  {"User-Agent", "Mozilla/5.0 (X11; Linux)"}))},
	{"header_name_tchars", RAW(GH "X-!#$%&'*+-.^_`|~09az: v\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"X-!#$%&'*+-.^_`|~09az", "v"}))},
	{"method_unknown_token", RAW("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("BREW", "/pot", 1, true, HOST)),
	 DIVERGES("accepts only the methods it knows")},
	{"method_tchars", RAW("X-!#$%&'*+.^_`|~ / HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("X-!#$%&'*+.^_`|~", "/", 1, true, HOST)),
	 DIVERGES("accepts only the methods it knows")},
	{"method_lower_case", RAW("get / HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("get", "/", 1, true, HOST)),
	 DIVERGES("accepts only upper-case methods")},
	{"options_asterisk", RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("OPTIONS", "*", 1, true, HOST))},
	{"connect_authority_form",
	 RAW("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
	 REQS(REQ("CONNECT", "example.com:443", 1, true,
		  {"Host", "example.com:443"}))},
	{"absolute_form",
	 RAW("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"),
	 REQS(REQ("GET", "http://example.com:8080/a/b?c=d", 1, true,
		  {"Host", "example.com:8080"}))},
	{"target_query_fragment",
	 RAW("DELETE /p?q=1&r=%20x#frag HTTP/1.1\r\nHost: a\r\n\r\n"),
	 REQS(REQ("DELETE", "/p?q=1&r=%20x#frag", 1, true, HOST))},

	/* ---- valid: at the limits ---- */
	{"head_at_small_limit",
	 RAW(GH "X: 0123456789abcdef0123456789abcdef\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST,
		  {"X", "0123456789abcdef0123456789abcdef"})),
	 LIMITS(.max_head = 64)},
	{"headers_at_small_limit", RAW(GH "A: 1\r\nB: 2\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST, {"A", "1"}, {"B", "2"})),
	 LIMITS(.max_headers = 3)},
	{"body_at_small_limit", RAW(PH "Content-Length: 4\r\n\r\nabcd"),
	 REQS(REQB("POST", "/", 1, true, "abcd", HOST,
		   {"Content-Length", "4"})),
	 LIMITS(.max_body = 4)},
	{"chunked_at_small_limit", RAW(CH "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "abcd", CHUNKED_HDRS)),
	 LIMITS(.max_body = 4)},

	/* ---- valid, incomplete: ringview waits for more ---- */
	{"pending_head", RAW(GH), .pending = true},
	{"pending_body", RAW(PH "Content-Length: 10\r\n\r\nhello"),
	 .pending = true},
	{"pending_chunk", RAW(CH "5\r\nhel"), .pending = true},
	{"pending_second_request", RAW(GH "\r\nGET /2 HT"),
	 REQS(REQ("GET", "/", 1, true, HOST)), .pending = true},

	/* ---- invalid: line endings and folding ---- */
	{"bare_lf_request_line", RAW("GET / HTTP/1.1\nHost: a\r\n\r\n"), E400,
	 DIVERGES(LF_OK)},
	{"bare_lf_header", RAW(GH "X: b\nY: c\r\n\r\n"), E400, DIVERGES(LF_OK)},
	{"bare_lf_blank_line", RAW(GH "\n\r\n\r\n"), E400, DIVERGES(LF_OK)},
	{"leading_bare_lf", RAW("\n" GH "\r\n"), E400,
	 DIVERGES("skips bare LFs before a request")},
	{"bare_cr_request_line", RAW("GET / HTTP/1.1\rHost: a\r\n\r\n"), E400},
	{"bare_cr_value", RAW(GH "X: a\rb\r\n\r\n"), E400},
	{"bare_cr_blank_line", RAW(GH "\r\r\n\r\n"), E400,
	 DIVERGES("skips a bare CR before the blank line")},
	{"obs_fold_space", RAW(GH "X: a\r\n b\r\n\r\n"), E400,
	 DIVERGES("accepts obs-fold")},
	{"obs_fold_tab", RAW(GH "X: a\r\n\tb\r\n\r\n"), E400,
	 DIVERGES("accepts obs-fold")},
	{"fold_before_first_header", RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
	 E400, DIVERGES("takes a space before a field name into the name")},

	/* ---- invalid: bytes in header fields ---- */
	{"nul_in_value", RAW(GH "X: a\0b\r\n\r\n"), E400},
	{"ctl_in_value", RAW(GH "X: a\x01" "b\r\n\r\n"), E400},
	{"esc_in_value", RAW(GH "X: a\x1b[0m\r\n\r\n"), E400},
	{"del_in_value", RAW(GH "X: a\x7f" "b\r\n\r\n"), E400},
	{"nul_in_name", RAW(GH "X\0Y: a\r\n\r\n"), E400},
	{"space_before_colon", RAW("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), E400,
	 DIVERGES("takes a space before the colon into the name")},
	{"tab_before_colon", RAW(GH "X\t: a\r\n\r\n"), E400},
	{"empty_header_name", RAW(GH ": a\r\n\r\n"), E400},
	{"header_without_colon", RAW(GH "NoColon\r\n\r\n"), E400},
	{"bad_header_name_paren", RAW(GH "X(Y): a\r\n\r\n"), E400},
	{"bad_header_name_slash", RAW(GH "X/Y: a\r\n\r\n"), E400},
	{"obs_text_header_name", RAW(GH "X\xe9: a\r\n\r\n"), E400},

	/* ---- invalid: request line ---- */
	{"bad_method_char", RAW("G(ET / HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"empty_method", RAW(" / HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"obs_text_method", RAW("G\xc9T / HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"missing_target", RAW("GET HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"double_space_before_target", RAW("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
	 E400, DIVERGES("allows several spaces before the target")},
	{"double_space_before_version", RAW("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
	 E400, DIVERGES("allows several spaces before the version")},
	{"tab_separator", RAW("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"space_in_target", RAW("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"obs_text_target", RAW("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"),
	 E400, DIVERGES("accepts bytes >= 0x80 in the target")},
	{"ctl_in_target", RAW("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), E400},
	{"missing_version", RAW("GET /\r\nHost: a\r\n\r\n"), E400,
	 DIVERGES("takes a request line without version as HTTP/0.9")},
	{"junk_after_version", RAW("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), E400},
	{"space_after_version", RAW("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), E400},
	{"lower_case_http", RAW("GET / http/1.1\r\nHost: a\r\n\r\n"), E400},
	{"version_two_digit_minor", RAW("GET / HTTP/1.10\r\nHost: a\r\n\r\n"),
	 E400},
	{"http_2_0", RAW("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), E505,
	 DIVERGES("accepts any major version")},
	{"http_0_9", RAW("GET / HTTP/0.9\r\n\r\n"), E505,
	 DIVERGES("accepts any major version")},

	/* ---- invalid: Host ---- */
	{"http11_without_host", RAW("GET / HTTP/1.1\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"two_hosts", RAW(GH "Host: b\r\n\r\n"), E400, DIVERGES(NO_HOST_CHECK)},
	{"host_with_a_space", RAW("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"host_with_a_slash", RAW("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"host_with_userinfo", RAW("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"host_forms", RAW("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
			   "GET / HTTP/1.1\r\nHost: xn--d1a.example:80\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, {"Host", "[::1]:8080"}),
	      REQ("GET", "/", 1, true, {"Host", "xn--d1a.example:80"}))},
	{"host_forms_pct_and_empty_port",
	 RAW("GET / HTTP/1.1\r\nHost: a%41b:\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, {"Host", "a%41b:"}))},
	{"host_port_not_digits", RAW("GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n"),
	 E400, DIVERGES(NO_HOST_CHECK)},
	{"host_two_ports", RAW("GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n"),
	 E400, DIVERGES(NO_HOST_CHECK)},
	{"host_bad_pct", RAW("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"host_unclosed_literal", RAW("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
	 E400, DIVERGES(NO_HOST_CHECK)},
	{"host_bracket_in_name", RAW("GET / HTTP/1.1\r\nHost: a]b\r\n\r\n"),
	 E400, DIVERGES(NO_HOST_CHECK)},
	{"two_hosts_any_case", RAW(GH "host: a\r\n\r\n"), E400,
	 DIVERGES(NO_HOST_CHECK)},
	{"two_hosts_http10", RAW("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
	 E400, DIVERGES(NO_HOST_CHECK)},

	/* ---- invalid: Content-Length ---- */
	{"content_length_and_chunked",
	 RAW(PH "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	 E400},
	{"chunked_and_content_length",
	 RAW(PH "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
	 E400},
	{"content_length_differs",
	 RAW(PH "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), E400},
	{"content_length_negative", RAW(PH "Content-Length: -1\r\n\r\n"), E400},
	{"content_length_plus", RAW(PH "Content-Length: +5\r\n\r\nhello"), E400},
	{"content_length_hex", RAW(PH "Content-Length: 0x5\r\n\r\nhello"), E400},
	{"content_length_overflow",
	 RAW(PH "Content-Length: 184467440737095516160\r\n\r\n"), E400},
	{"content_length_empty", RAW(PH "Content-Length:\r\n\r\n"), E400},
	{"content_length_list", RAW(PH "Content-Length: 5, 5\r\n\r\nhello"), E400},
	{"content_length_inner_space", RAW(PH "Content-Length: 1 0\r\n\r\n"),
	 E400},
	{"content_length_above_limit", RAW(PH "Content-Length: 1048577\r\n\r\n"),
	 E413, DIVERGES(NO_LIMIT)},
	{"content_length_above_small_limit",
	 RAW(PH "Content-Length: 5\r\n\r\nhello"), E413, LIMITS(.max_body = 4),
	 DIVERGES(NO_LIMIT)},

	/* ---- invalid: Transfer-Encoding ---- */
	/* RFC 9112 6.3: a request whose last coding is not chunked has no
	 * knowable length: 400; codings before a final chunked: 501. */
	{"te_gzip", RAW(PH "Transfer-Encoding: gzip\r\n\r\n"), E400},
	{"te_identity", RAW(PH "Transfer-Encoding: identity\r\n\r\n"), E400},
	{"te_xchunked", RAW(PH "Transfer-Encoding: xchunked\r\n\r\n"), E400},
	{"te_chunked_then_identity_field",
	 RAW(PH "Transfer-Encoding: chunked\r\nTransfer-Encoding: "
		"identity\r\n\r\n"),
	 E400},
	{"te_gzip_chunked",
	 RAW(PH "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), E501,
	 DIVERGES("accepts any codings before a final chunked")},
	{"te_chunked_gzip", RAW(PH "Transfer-Encoding: chunked, gzip\r\n\r\n"),
	 E400},
	{"te_chunked_chunked",
	 RAW(PH "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), E400},
	{"te_chunked_twice",
	 RAW(PH "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
		"0\r\n\r\n"),
	 E400, DIVERGES("accepts chunked in two Transfer-Encoding fields")},
	{"te_empty", RAW(PH "Transfer-Encoding:\r\n\r\n"), E400},
	{"te_only_commas", RAW(PH "Transfer-Encoding: , ,\r\n\r\n"), E400},
	{"te_empty_with_content_length",
	 RAW(PH "Transfer-Encoding:\r\nContent-Length: 3\r\n\r\nabc"), E400},

	/* ---- invalid: chunk framing ---- */
	{"chunk_size_not_hex", RAW(CH "g\r\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_size_empty", RAW(CH "\r\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_size_overflow", RAW(CH "10000000000000000\r\nx\r\n0\r\n\r\n"),
	 E400},
	{"chunk_size_leading_space", RAW(CH " 5\r\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_size_negative", RAW(CH "-5\r\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_size_bare_lf", RAW(CH "5\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_data_without_crlf", RAW(CH "5\r\nhelloX\r\n0\r\n\r\n"), E400},
	{"chunk_data_bare_lf", RAW(CH "5\r\nhello\n0\r\n\r\n"), E400},
	{"chunk_extension_ctl", RAW(CH "5;a\x01\r\nhello\r\n0\r\n\r\n"), E400,
	 DIVERGES("does not check chunk extensions")},
	{"chunk_extension_bare_cr", RAW(CH "5;a\rb\r\nhello\r\n0\r\n\r\n"), E400},
	{"chunk_above_limit", RAW(CH "100001\r\n"), E413, DIVERGES(NO_LIMIT)},
	{"chunked_total_above_small_limit",
	 RAW(CH "5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n"), E413,
	 LIMITS(.max_body = 8), DIVERGES(NO_LIMIT)},
	{"trailer_without_colon", RAW(CH "0\r\nBadTrailer\r\n\r\n"), E400},
	{"trailer_obs_fold", RAW(CH "0\r\nX: a\r\n b\r\n\r\n"), E400,
	 DIVERGES("accepts obs-fold")},

	/* ---- invalid: limits ---- */
	{"request_line_above_small_limit",
	 RAW("GET /0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	     "abcdef HTTP/1.1\r\nHost: a\r\n\r\n"),
	 E414, LIMITS(.max_head = 64), DIVERGES(NO_LIMIT)},
	{"head_above_small_limit",
	 RAW(GH "X: 0123456789abcdef0123456789abcdefg\r\n\r\n"), E431,
	 LIMITS(.max_head = 64), DIVERGES(NO_LIMIT)},
	{"headers_above_small_limit", RAW(GH "A: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	 E431, LIMITS(.max_headers = 3), DIVERGES(NO_LIMIT)},

	/* ---- invalid after valid requests ---- */
	{"pipelined_then_nul_in_value",
	 RAW(GH "\r\nGET /2 HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"),
	 REQS(REQ("GET", "/", 1, true, HOST)), E400},
	{"pipelined_then_http_2",
	 RAW(PH "Content-Length: 1\r\n\r\nxGET / HTTP/2.0\r\nHost: a\r\n\r\n"),
	 REQS(REQB("POST", "/", 1, true, "x", HOST, {"Content-Length", "1"})),
	 E505, DIVERGES("accepts any major version")},
};
/* clang-format on */

#define NUM_FIXED (sizeof(fixed) / sizeof(fixed[0]))

/* ---- generated cases: too large for string literals ---- */

#define BIG_HEADERS 100 /* the default max_headers */
#define BIG_HEAD    RV_HTTP_DEFAULT_MAX_HEAD

static struct corpus_case all[NUM_FIXED + 4];
const struct corpus_case *corpus = all;
size_t corpus_len = sizeof(all) / sizeof(all[0]);

static char many_names[BIG_HEADERS][8];
static struct corpus_header many[BIG_HEADERS + 1];
static struct corpus_header one_big[3];
static char raw_many[2][BIG_HEADERS * 16 + 64];
static char raw_big[2][BIG_HEAD + 64];
static char big_value[BIG_HEAD];
static struct corpus_req many_req, big_req;

/* "GET / ... Host: a" and |n| - 1 headers "X-<i>: v". */
static size_t make_many(char *dst, unsigned n)
{
	size_t len = (size_t)sprintf(dst, GH);

	for (unsigned i = 1; i < n; i++)
		len += (size_t)sprintf(dst + len, "X-%u: v\r\n", i);
	return len + (size_t)sprintf(dst + len, "\r\n");
}

/* A head of exactly |size| bytes: GH, "X: " value, CRLF CRLF. */
static size_t make_big(char *dst, size_t size)
{
	size_t fill = size - (sizeof(GH) - 1) - 7;

	memcpy(dst, GH "X: ", sizeof(GH) + 2);
	memcpy(dst + sizeof(GH) + 2, big_value, fill);
	memcpy(dst + sizeof(GH) + 2 + fill, "\r\n\r\n", 4);
	return sizeof(GH) + 2 + fill + 4;
}

void corpus_init(void)
{
	struct corpus_case *g = all + NUM_FIXED;

	memcpy(all, fixed, sizeof(fixed));
	many[0] = (struct corpus_header)HOST;
	for (unsigned i = 1; i < BIG_HEADERS; i++) {
		snprintf(many_names[i], sizeof(many_names[i]), "X-%u", i);
		many[i] = (struct corpus_header){many_names[i], "v"};
	}
	many[BIG_HEADERS] = (struct corpus_header){NULL, NULL};
	many_req = (struct corpus_req){.method = "GET",
				       .target = "/",
				       .minor = 1,
				       .keep_alive = true,
				       .headers = many};
	g[0] = (struct corpus_case){.name = "headers_at_default_limit",
				    .raw = raw_many[0],
				    .reqs = &many_req,
				    .num_reqs = 1};
	g[0].len = make_many(raw_many[0], BIG_HEADERS);
	g[1] = (struct corpus_case){.name = "headers_above_default_limit",
				    .raw = raw_many[1],
				    E431,
				    DIVERGES(NO_LIMIT)};
	g[1].len = make_many(raw_many[1], BIG_HEADERS + 1);

	/* Both heads first, then the value ends where the first one's does. */
	for (size_t i = 0; i < sizeof(big_value) - 1; i++)
		big_value[i] = (char)('!' + i % 94); /* visible ASCII */
	make_big(raw_big[0], BIG_HEAD);
	make_big(raw_big[1], BIG_HEAD + 1);
	big_value[BIG_HEAD - (sizeof(GH) - 1) - 7] = '\0';
	one_big[0] = (struct corpus_header)HOST;
	one_big[1] = (struct corpus_header){"X", big_value};
	one_big[2] = (struct corpus_header){NULL, NULL};
	big_req = (struct corpus_req){.method = "GET",
				      .target = "/",
				      .minor = 1,
				      .keep_alive = true,
				      .headers = one_big};
	g[2] = (struct corpus_case){.name = "head_at_default_limit",
				    .raw = raw_big[0],
				    .len = BIG_HEAD,
				    .reqs = &big_req,
				    .num_reqs = 1};
	g[3] = (struct corpus_case){.name = "head_above_default_limit",
				    .raw = raw_big[1],
				    .len = BIG_HEAD + 1,
				    E431,
				    DIVERGES(NO_LIMIT)};
}

size_t corpus_valid(void)
{
	size_t n = 0;

	for (size_t i = 0; i < corpus_len; i++)
		n += corpus[i].err == 0;
	return n;
}
