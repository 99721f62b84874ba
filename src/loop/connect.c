/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * connect.c - connections the application starts: outbound (rv_connect,
 * through the backend's connect: IORING_OP_CONNECT, or a non-blocking
 * connect and writability with libev) and adopted sockets made elsewhere.
 *
 * An outbound connection is a connection from the start: it may be sent
 * to (the bytes wait), closed or aborted while connecting; its result
 * always comes through its callbacks, never from inside rv_connect, and
 * on_close runs whether or not it ever opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop_internal.h"

int rv_connect(rv_loop *loop, const struct rv_addr *addr,
	       const struct rv_conn_ops *ops, void *user, rv_conn **out)
{
	rv_conn *c;
	int fd, r;

	if (!loop || !addr || !addr->len || !ops || !ops->on_data || !out ||
	    loop->destroying || !RV__RESERVED_OK(ops, "rv_conn_ops"))
		return -EINVAL;
	fd = socket(addr->ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	c = rv__conn_new(loop, fd, ops, user);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->flags |= RV__C_CONNECTING;
	loop->stats.connects++;
	rv__conn_connect_start(c);
	r = loop->backend->tcp->connect_start(c, addr);
	if (r != 0) {
		/* Done at once (a Unix socket, a refusal the kernel knew):
		 * report it at the end of the batch, as if it had waited. */
		c->err = r < 0 ? r : 0;
		c->flags |= RV__C_CONNECT_DONE;
		rv__conn_mark_dirty(c);
	}
	*out = c;
	return 0;
}

void rv__conn_connected(rv_conn *c, int res)
{
	if (!(c->flags & RV__C_CONNECTING))
		return;
	c->flags &= ~RV__C_CONNECTING;
	rv__conn_linger_done(c); /* the connect timeout */
	if (c->flags & RV__C_DEAD)
		return; /* timed out or aborted meanwhile: err says so */
	if (res < 0) {
		c->loop->stats.connect_failures++;
		c->err = 0;
		rv__conn_kill(c, res);
		return;
	}
	c->err = 0;
	rv__conn_sockopts(c);
	/* Closed or shut while connecting: that takes effect now. */
	if (c->flags & (RV__C_CLOSING | RV__C_WSHUT))
		rv__conn_linger_start(c);
	rv__conn_opened(c);
	if (rv__conn_out_len(c))
		rv__conn_mark_dirty(c);
	rv__conn_maybe_finish(c);
}

int rv_conn_adopt(rv_loop *loop, int fd, const struct rv_conn_ops *ops,
		  void *user, rv_conn **out)
{
	int type, fl;
	socklen_t len = sizeof(type);
	rv_conn *c;

	if (!loop || fd < 0 || !ops || !ops->on_data || loop->destroying ||
	    !RV__RESERVED_OK(ops, "rv_conn_ops"))
		return -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return -EINVAL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	c = rv__conn_new(loop, fd, ops, user);
	if (!c)
		return -ENOMEM;
	loop->stats.adopted++;
	rv__conn_sockopts(c);
	if (out)
		*out = c;
	rv__conn_opened(c);
	return 0;
}
