/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * http_status.c - HTTP status codes for ringview's errors, and reason
 * phrases.
 */
#include <errno.h>

#include "ringview/http.h"

int rv_http_status(int err)
{
	switch (err) {
	case 0:
		return 200;
	case -ENAMETOOLONG:
		return 414;
	case -EMSGSIZE:
		return 431;
	case -EFBIG:
		return 413;
	case -ENOTSUP:
		return 501;
	case -EPROTONOSUPPORT:
		return 505;
	case -ENOMEM:
	case -ENOBUFS:
		return 503;
	default:
		return 400;
	}
}

const char *rv_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
