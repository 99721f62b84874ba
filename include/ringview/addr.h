/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/addr.h - socket addresses, from and to text.
 *
 * One struct holds any address a listener, a connection or a UDP socket
 * uses: IPv4, IPv6, a Unix socket path, or a name in Linux's abstract
 * Unix namespace. Text forms:
 *
 *   127.0.0.1:8080     an IPv4 literal and a port
 *   [::1]:8080         an IPv6 literal in brackets and a port
 *   unix:/run/app.sock a Unix socket path
 *   unix:@app          a name in the abstract namespace (no file)
 *
 * Host names are never resolved: resolving blocks, and a server resolves
 * once, outside its loop, with getaddrinfo.
 */
#ifndef RINGVIEW_ADDR_H
#define RINGVIEW_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rv_addr {
	struct sockaddr_storage ss; /* sockaddr_in, _in6 or _un */
	socklen_t len;		    /* bytes of |ss| in use */
};

/* The longest text rv_addr_format writes, with its NUL. */
#define RV_ADDR_TEXT_MAX 120

/*
 * rv_addr_parse reads |text| in one of the forms above into |*out|.
 * -EINVAL for anything else (a name, a missing or bad port, a path too
 * long for a Unix socket); |*out| is untouched then.
 */
RV_EXPORT int rv_addr_parse(const char *text, struct rv_addr *out);

/*
 * rv_addr_ip sets |*out| to |host| (an IPv4 or IPv6 literal; NULL or ""
 * for 0.0.0.0, every IPv4 address) and |port|. -EINVAL for anything else.
 */
RV_EXPORT int rv_addr_ip(const char *host, uint16_t port, struct rv_addr *out);

/*
 * rv_addr_unix sets |*out| to the Unix socket |path|, or, when it starts
 * with '@', to the rest of it in the abstract namespace. -EINVAL for an
 * empty path or one too long (107 bytes at most).
 */
RV_EXPORT int rv_addr_unix(const char *path, struct rv_addr *out);

/*
 * rv_addr_format writes |a| as text in the forms above to |buf| (|len|
 * bytes, RV_ADDR_TEXT_MAX is always enough) and returns its length, or
 * -ENOSPC when it does not fit (|buf| then holds a cut, terminated form)
 * or -EAFNOSUPPORT for another family.
 */
RV_EXPORT int rv_addr_format(const struct rv_addr *a, char *buf, size_t len);

/* rv_addr_port: the port of an IPv4 or IPv6 address, else 0. */
RV_EXPORT uint16_t rv_addr_port(const struct rv_addr *a);

#ifdef __cplusplus
}
#endif

#endif /* RINGVIEW_ADDR_H */
