/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * listen.c - listening sockets: open, accept through the backend, close
 * once the kernel has let go of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop_internal.h"
#include "ringview/timer.h"

/* How long accepting waits after running out of descriptors or memory,
 * unless a connection closes first; and how often that is logged. */
#define BACKOFF_MS     100
#define BACKOFF_LOG_MS 1000

int rv_listen(rv_loop *loop, const struct rv_addr *addr,
	      const struct rv_conn_ops *ops, void *user, rv_listener **out)
{
	char text[RV_ADDR_TEXT_MAX];
	rv_listener *l;
	int err;

	if (!loop || !addr || !ops || !ops->on_data || loop->destroying ||
	    !RV__RESERVED_OK(ops, "rv_conn_ops"))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = rv__socket_bound(addr, SOCK_STREAM, &l->port);
	if (l->fd < 0) {
		err = l->fd;
		rv_addr_format(addr, text, sizeof(text));
		rv__log(RV_LOG_ERROR, "cannot listen on %s: %s%s", text,
			rv_strerror(err),
			err == -EADDRINUSE && addr->ss.ss_family == AF_UNIX
				? " (remove the stale socket file)"
				: "");
		free(l);
		return err;
	}
	l->loop = loop;
	l->cb = ops;
	l->user = user;
	rv__list_push(&loop->listeners, &l->link);
	err = loop->backend->tcp->listen_start(l);
	if (err) {
		rv__list_del(&l->link);
		close(l->fd);
		free(l);
		return err;
	}
	if (out)
		*out = l;
	return 0;
}

int rv_listen_tcp(rv_loop *loop, const char *host, uint16_t port,
		  const struct rv_conn_ops *ops, void *user, rv_listener **out)
{
	struct rv_addr addr;

	if (rv_addr_ip(host, port, &addr)) {
		rv__log(RV_LOG_ERROR, "'%s' is not an IPv4 or IPv6 address",
			host);
		return -EINVAL;
	}
	return rv_listen(loop, &addr, ops, user, out);
}

uint16_t rv_listener_port(const rv_listener *l)
{
	return l->port;
}

static void listener_free(rv_listener *l)
{
	rv_timer_destroy(l->backoff);
	close(l->fd);
	free(l);
}

/* Accepting again, after a backoff. */
static void resume(rv_listener *l)
{
	if (!l->paused || l->closing)
		return;
	l->paused = false;
	l->loop->paused_listeners--;
	rv_timer_stop(l->backoff);
	l->loop->backend->tcp->listen_resume(l);
}

static void on_backoff(rv_timer *t, void *user)
{
	(void)t;
	resume(user);
}

bool rv__accept_error_is_resource(int err)
{
	return err == -EMFILE || err == -ENFILE || err == -ENOBUFS ||
	       err == -ENOMEM;
}

void rv__listener_backoff(rv_listener *l, int err)
{
	uint64_t now = rv_loop_now(l->loop);

	if (l->closing || l->paused)
		return;
	l->backoff_count++;
	if (!l->backoff_logged_at ||
	    now - l->backoff_logged_at >= BACKOFF_LOG_MS) {
		rv__log(RV_LOG_WARN,
			"accept on port %u failed: %s; pausing accepts "
			"for %u ms (%llu time(s) so far)%s",
			l->port, rv_strerror(err), BACKOFF_MS,
			(unsigned long long)l->backoff_count,
			err == -EMFILE ? ": raise the limit with ulimit -n"
				       : "");
		l->backoff_logged_at = now ? now : 1;
	}
	if (!l->backoff && rv_timer_create(l->loop, on_backoff, l, &l->backoff))
		return; /* no memory for a timer: the next close resumes it */
	l->paused = true;
	l->loop->paused_listeners++;
	l->loop->stats.accept_backoffs++;
	rv_timer_start(l->backoff, BACKOFF_MS, 0);
}

void rv__loop_resume_listeners(rv_loop *loop)
{
	for (struct rv__link *n = loop->listeners.next;
	     loop->paused_listeners && n != &loop->listeners; n = n->next)
		resume(rv__container_of(n, rv_listener, link));
}

void rv_listener_close(rv_listener *l)
{
	if (l->closing)
		return;
	if (l->paused) {
		l->paused = false;
		l->loop->paused_listeners--;
	}
	l->closing = true;
	rv__list_del(&l->link);
	l->loop->backend->tcp->listen_stop(l);
	if (l->ops == 0)
		listener_free(l);
	else
		l->loop->closing_listeners++;
}

void rv__listener_op_done(rv_listener *l)
{
	if (--l->ops == 0 && l->closing) {
		l->loop->closing_listeners--;
		listener_free(l);
	}
}
