/*
 * loop.c - creating, running and destroying a loop; choosing its backend;
 * listening sockets. The I/O itself is the backend's (backend_*.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop_internal.h"

void rv__conn_cancel(rv_conn *c);

static void apply_defaults(struct rv_loop_config *cfg)
{
	if (!cfg->max_conns)
		cfg->max_conns = 1024;
	if (!cfg->output_limit)
		cfg->output_limit = 4u << 20;
	if (!cfg->zerocopy_threshold)
		cfg->zerocopy_threshold = 16384;
	if (!cfg->ring_fill)
		cfg->ring_fill = 64;
}

/* What RV_BACKEND_AUTO means when RINGVIEW_BACKEND is not set (meson
 * option default_backend). */
#ifndef RV_DEFAULT_BACKEND
#define RV_DEFAULT_BACKEND RV_BACKEND_AUTO
#endif

#ifdef RV_HAVE_URING
#define BACKEND_URING (&rv__backend_uring)
#else
#define BACKEND_URING NULL
#endif
#ifdef RV_HAVE_EV
#define BACKEND_EV (&rv__backend_ev)
#else
#define BACKEND_EV NULL
#endif

/* RINGVIEW_BACKEND=uring|io_uring|ev|libev|auto overrides an AUTO config. */
static enum rv_backend backend_from_env(enum rv_backend asked)
{
	const char *s = getenv("RINGVIEW_BACKEND");

	if (asked != RV_BACKEND_AUTO)
		return asked;
	if (!s || !*s)
		return RV_DEFAULT_BACKEND;
	if (!strcmp(s, "uring") || !strcmp(s, "io_uring"))
		return RV_BACKEND_URING;
	if (!strcmp(s, "ev") || !strcmp(s, "libev"))
		return RV_BACKEND_EV;
	if (strcmp(s, "auto"))
		rv__log(RV_LOG_WARN,
			"RINGVIEW_BACKEND=%s is not one of auto, "
			"uring, ev; using auto",
			s);
	return RV_BACKEND_AUTO;
}

void rv__loop_why(rv_loop *loop, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(loop->why, sizeof(loop->why), fmt, ap);
	va_end(ap);
}

/* Start |be| on |loop|; on failure loop->why says why. */
static int try_backend(rv_loop *loop, const struct rv__backend *be)
{
	int err;

	loop->why[0] = '\0';
	loop->be = be;
	err = be->init(loop);
	if (err) {
		loop->be = NULL;
		if (!loop->why[0])
			rv__loop_why(loop, "the %s backend cannot start: %s",
				     be->name, rv_strerror(err));
	}
	return err;
}

/*
 * The one place a backend is chosen. Asked for by name, a backend that
 * cannot run is an error that says why; AUTO prefers io_uring and falls
 * back to libev with one warning that names the cause and the fix.
 */
static int start_backend(rv_loop *loop)
{
	enum rv_backend want = backend_from_env(loop->cfg.backend);
	const struct rv__backend *uring = BACKEND_URING, *ev = BACKEND_EV;
	int err;

	switch (want) {
	case RV_BACKEND_URING:
		if (!uring) {
			rv__log(RV_LOG_ERROR,
				"this ringview was built without "
				"the io_uring backend (liburing "
				">= 2.5 was not found); use the "
				"libev backend (RINGVIEW_BACKEND=ev)");
			return -ENOTSUP;
		}
		err = try_backend(loop, uring);
		if (err)
			rv__log(RV_LOG_ERROR,
				"%s; or use the libev backend "
				"(RINGVIEW_BACKEND=ev)",
				loop->why);
		return err;
	case RV_BACKEND_EV:
		if (!ev) {
			rv__log(RV_LOG_ERROR,
				"this ringview was built without "
				"the libev backend (libev was not "
				"found); install libev-dev and "
				"rebuild, or use "
				"RINGVIEW_BACKEND=uring");
			return -ENOTSUP;
		}
		err = try_backend(loop, ev);
		if (err)
			rv__log(RV_LOG_ERROR, "%s", loop->why);
		return err;
	case RV_BACKEND_AUTO:
	default:
		break;
	}
	if (uring) {
		err = try_backend(loop, uring);
		if (!err)
			return 0;
		if (!ev) {
			rv__log(RV_LOG_ERROR,
				"%s (and this ringview was built "
				"without the libev backend)",
				loop->why);
			return err;
		}
		rv__log(RV_LOG_WARN,
			"%s; using the libev backend instead "
			"(RINGVIEW_BACKEND=ev chooses it without "
			"this warning)",
			loop->why);
	}
	if (!ev) {
		rv__log(RV_LOG_ERROR,
			"this ringview was built without any "
			"event-loop backend (neither liburing nor "
			"libev was found)");
		return -ENOTSUP;
	}
	err = try_backend(loop, ev);
	if (err)
		rv__log(RV_LOG_ERROR, "%s", loop->why);
	return err;
}

/* Another thread released the last view of one of our buffers (it may
 * call this from any thread): wake the loop, which recycles it. */
static void wake_owner(void *ctx)
{
	rv_loop *loop = ctx;
	uint64_t one = 1;

	if (write(loop->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending. */
	}
}

void rv__loop_collect(rv_loop *loop)
{
	uint64_t n;

	if (read(loop->wake_fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: collected already. */
	}
	rv__pool_drain_remote(loop->pool);
}

/* An RV_POOL_ATOMIC pool: views may be released on other threads, which
 * queue the buffers to us and wake us through an eventfd. */
static int watch_remote_releases(rv_loop *loop)
{
	int err;

	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake_fd < 0)
		return -errno;
	err = loop->be->watch_wake(loop, loop->wake_fd);
	if (err) {
		close(loop->wake_fd);
		loop->wake_fd = -1;
		return err;
	}
	rv__pool_set_remote_hook(loop->pool, wake_owner, loop);
	return 0;
}

int rv__loop_create(const struct rv_loop_config *cfg, struct ev_loop *ev_host,
		    rv_loop **out)
{
	rv_loop *loop = calloc(1, sizeof(*loop));
	int err;

	if (!loop)
		return -ENOMEM;
	if (cfg)
		loop->cfg = *cfg;
	apply_defaults(&loop->cfg);
	loop->ev_host = ev_host;
	rv__list_init(&loop->conns);
	rv__list_init(&loop->listeners);
	rv__list_init(&loop->dirty);
	rv__list_init(&loop->udps);
	err = rv_pool_create(&loop->cfg.pool, &loop->pool);
	if (err)
		goto fail;
	loop->wake_fd = -1;
	err = start_backend(loop);
	if (err)
		goto fail;
	if (loop->cfg.pool.flags & RV_POOL_ATOMIC) {
		err = watch_remote_releases(loop);
		if (err) {
			loop->be->fini(loop);
			goto fail;
		}
	}
	rv__log(RV_LOG_DEBUG, "loop %p runs on the %s backend%s", (void *)loop,
		loop->be->name,
		ev_host ? ", inside the application's libev loop" : "");
	*out = loop;
	return 0;
fail:
	rv_pool_destroy(loop->pool);
	free(loop);
	return err;
}

int rv_loop_create(const struct rv_loop_config *cfg, rv_loop **out)
{
	return rv__loop_create(cfg, NULL, out);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int rv_loop_shutdown(rv_loop *loop)
{
	double deadline;

	if (loop->destroying)
		return 0;
	loop->destroying = true;
	if (loop->detach)
		loop->detach(loop);
	while (!rv__list_empty(&loop->listeners))
		rv_listener_close(
			rv__container_of(loop->listeners.next, rv_listener, link));
	for (struct rv__link *n = loop->conns.next; n != &loop->conns;
	     n = n->next)
		rv__conn_cancel(rv__container_of(n, rv_conn, link));
	rv__udp_close_all(loop);
	/* Let the kernel finish every operation on those sockets: a buffer
	 * it may still write into cannot be given back. */
	deadline = now_s() + 10;
	for (;;) {
		rv__loop_flush_dirty(loop);
		if (!loop->nconns && !loop->closing_listeners && !loop->nudps)
			break;
		if (now_s() > deadline) {
			rv__log(RV_LOG_ERROR,
				"rv_loop_shutdown: the kernel has not finished "
				"%u connection(s) and %u UDP socket(s) after "
				"10 s",
				loop->nconns, loop->nudps);
			return -ETIMEDOUT;
		}
		loop->be->run_once(loop, 100);
	}
	loop->be->fini(loop);
	loop->be_state = NULL;
	if (loop->wake_fd >= 0) {
		/* What other threads released so far is recycled now; what
		 * they release later waits in the pool's queue for
		 * rv_pool_destroy (or rv_pool_collect). */
		rv__pool_set_remote_hook(loop->pool, NULL, NULL);
		rv__pool_drain_remote(loop->pool);
		close(loop->wake_fd);
		loop->wake_fd = -1;
	}
	return 0;
}

int rv_loop_destroy(rv_loop *loop)
{
	int err;

	if (!loop)
		return 0;
	err = rv_loop_shutdown(loop);
	if (err)
		return err;
	err = rv_pool_destroy(loop->pool);
	if (err)
		return err;
	free(loop);
	return 0;
}

int rv_loop_run_once(rv_loop *loop, int timeout_ms)
{
	int n;

	if (loop->destroying)
		return -ESHUTDOWN;
	if (!loop->owned) {
		/* The thread that runs the loop owns its pool (it may have
		 * been made on another). */
		rv__pool_set_owner(loop->pool);
		loop->owned = true;
	}
	if (loop->wake_fd >= 0)
		rv__pool_drain_remote(loop->pool);
	rv__loop_flush_dirty(loop);
	n = loop->be->run_once(loop, timeout_ms);
	rv__loop_flush_dirty(loop);
	return n;
}

int rv_loop_run(rv_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop) {
		int n = rv_loop_run_once(loop, -1);
		if (n < 0)
			return n;
	}
	return 0;
}

void rv_loop_stop(rv_loop *loop)
{
	loop->stop = 1;
}

rv_pool *rv_loop_pool(rv_loop *loop)
{
	return loop->pool;
}

const char *rv_loop_backend_name(const rv_loop *loop)
{
	return loop->be->name;
}

void rv_loop_stats(const rv_loop *loop, struct rv_loop_stats *st)
{
	*st = loop->stats;
	st->ring_fill = loop->be_state ? loop->be->ring_fill(loop) : 0;
}

uint32_t rv_loop_conn_count(const rv_loop *loop)
{
	return loop->nconns;
}

/* ---- listeners ------------------------------------------------------ */

int rv__parse_addr(const char *host, uint16_t port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!host || !*host)
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	rv__log(RV_LOG_ERROR, "'%s' is not an IPv4 or IPv6 address", host);
	return -EINVAL;
}

static int open_listen_socket(const char *host, uint16_t port, int *fd_out,
			      uint16_t *port_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd, err;

	err = rv__parse_addr(host, port, &ss, &len);
	if (err)
		return err;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		err = -errno;
		rv__log(RV_LOG_ERROR, "cannot listen on %s:%u: %s",
			host ? host : "0.0.0.0", port, rv_strerror(err));
		close(fd);
		return err;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port_out = ntohs(ss.ss_family == AF_INET
				  ? ((struct sockaddr_in *)&ss)->sin_port
				  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	*fd_out = fd;
	return 0;
}

int rv_listen_tcp(rv_loop *loop, const char *host, uint16_t port,
		  const struct rv_conn_ops *ops, void *user, rv_listener **out)
{
	rv_listener *l;
	int err;

	if (!ops || !ops->on_data || loop->destroying)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	err = open_listen_socket(host, port, &l->fd, &l->port);
	if (err) {
		free(l);
		return err;
	}
	l->loop = loop;
	l->cb = ops;
	l->user = user;
	rv__list_push(&loop->listeners, &l->link);
	err = loop->be->listen_start(l);
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

uint16_t rv_listener_port(const rv_listener *l)
{
	return l->port;
}

static void listener_free(rv_listener *l)
{
	close(l->fd);
	free(l);
}

void rv_listener_close(rv_listener *l)
{
	if (l->closing)
		return;
	l->closing = true;
	rv__list_del(&l->link);
	l->loop->be->listen_stop(l);
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
