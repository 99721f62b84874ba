/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring.c - the io_uring backend: making the ring (and saying why it
 * cannot be made), submissions and completions and their dispatch to the
 * TCP and UDP parts (uring_tcp.c, uring_udp.c), the run loop, releases of
 * views on other threads, and running inside an application's libev loop.
 * The buffers the kernel receives into are in uring_bufring.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "loop/uring/uring_internal.h"

struct io_uring_sqe *rv__uring_sqe(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		/* The submission queue is full: hand it to the kernel. */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	if (!sqe)
		rv__panic("io_uring submission queue full after submit");
	return sqe;
}

void rv__uring_cancel(struct uring *u, uint64_t target)
{
	struct io_uring_sqe *sqe = rv__uring_sqe(u);

	io_uring_prep_cancel64(sqe, target, 0);
	io_uring_sqe_set_data64(sqe, rv__uring_ud(NULL, RV__TAG_IGNORE));
}

/* ---- releases on other threads -------------------------------------- */

static void wake_arm(struct uring *u)
{
	struct io_uring_sqe *sqe = rv__uring_sqe(u);

	io_uring_prep_poll_multishot(sqe, u->loop->wake_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, rv__uring_ud(u->loop, RV__TAG_WAKE));
}

static int watch_wake(rv_loop *loop, int fd)
{
	(void)fd; /* loop->wake_fd */
	wake_arm(U(loop));
	return 0;
}

static void on_wake(struct uring *u, int res, uint32_t flags)
{
	if (res > 0)
		rv__loop_collect(u->loop);
	if (!(flags & IORING_CQE_F_MORE) && res != -ECANCELED &&
	    !u->loop->destroying)
		wake_arm(u);
}

/* ---- the loop ------------------------------------------------------- */

static void dispatch(struct uring *u, struct io_uring_cqe *cqe)
{
	void *p = (void *)(uintptr_t)(cqe->user_data & ~RV__TAG_MASK);

	switch (cqe->user_data & RV__TAG_MASK) {
	case RV__TAG_RECV:
		rv__uring_on_recv(u, p, cqe->res, cqe->flags);
		break;
	case RV__TAG_SEND:
		rv__uring_on_send(u, p, cqe->res, cqe->flags);
		break;
	case RV__TAG_CONNECT:
		rv__uring_on_connect(u, p, cqe->res);
		break;
	case RV__TAG_ACCEPT:
		rv__uring_on_accept(u, p, cqe->res, cqe->flags);
		break;
	case RV__TAG_WAKE:
		on_wake(u, cqe->res, cqe->flags);
		break;
	case RV__TAG_UDP_RECV:
		rv__uring_on_udp_recv(u, p, cqe->res, cqe->flags);
		break;
	case RV__TAG_UDP_SEND: {
		struct rv__udp_send *op = p;
		rv__udp_send_done(op->u, op, cqe->res);
		break;
	}
	default:
		break;
	}
}

static int run_once(rv_loop *loop, int timeout_ms)
{
	struct uring *u = U(loop);
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	unsigned head, n = 0, wait_nr = 1;
	int ret;

	/* A poll asks for a full CQ with no time to wait: the kernel then
	 * runs all deferred task work, not just its batch of 20 (the rest
	 * would wait, unsignalled, for the next entry - an embedding's
	 * eventfd would never fire for it). */
	if (timeout_ms == 0)
		wait_nr = u->ring.cq.ring_entries;
	rv__uring_bufring_refill(u);
	rv__uring_unpark(u);
	ret = io_uring_submit_and_wait_timeout(
		&u->ring, &cqe, wait_nr, timeout_ms < 0 ? NULL : &ts, NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&u->ring, head, cqe)
	{
		dispatch(u, cqe);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	rv__uring_bufring_grow(u);
	return (int)n;
}

/* ---- making the ring ---------------------------------------------- */

/* Say why io_uring cannot be used, and what to do about it (logged by
 * rv_loop_create: an error when io_uring was asked for, a warning when it
 * falls back to libev). */
static void explain_setup_failure(rv_loop *loop, int err)
{
	char val[16] = "";
	int fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, val, sizeof(val) - 1);
		val[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	if (err == -ENOSYS)
		rv__loop_why(loop, "io_uring is not available: this kernel has "
				   "no io_uring_setup (ENOSYS: older than 5.1 "
				   "or built without CONFIG_IO_URING)");
	else if (err == -EPERM && val[0] == '1')
		rv__loop_why(loop, "io_uring is restricted by "
				   "kernel.io_uring_disabled=1 (EPERM); add "
				   "this user to the group in "
				   "kernel.io_uring_group or set sysctl "
				   "kernel.io_uring_disabled=0");
	else if (err == -EPERM && val[0] && val[0] != '0')
		rv__loop_why(loop,
			     "io_uring is disabled by "
			     "kernel.io_uring_disabled=%s (EPERM); enable "
			     "it with sysctl kernel.io_uring_disabled=0",
			     val);
	else if (err == -EPERM)
		rv__loop_why(loop, "io_uring_setup was refused (EPERM), "
				   "probably by a seccomp profile (container "
				   "runtimes often forbid io_uring); allow "
				   "io_uring_setup, io_uring_enter and "
				   "io_uring_register in the profile");
	else if (err == -ENOMEM)
		rv__loop_why(loop,
			     "io_uring_setup failed: %s (before Linux "
			     "5.12 rings count against the locked-memory "
			     "limit: raise ulimit -l)",
			     rv_strerror(err));
	else
		rv__loop_why(loop, "io_uring_setup failed: %s",
			     rv_strerror(err));
}

/*
 * A sparse table of registered files, one slot per descriptor number up to
 * the open-file limit (at most FILES_MAX): a connection that keeps sending
 * gets its socket registered at the slot of its own number (uring_tcp.c),
 * and its operations then skip the kernel's per-operation lookup and
 * reference count of the file (fget and fput). Slot = number needs no
 * allocator and no field in the connection; a descriptor beyond the table
 * just stays unregistered. The kernel allocates the table when it is
 * registered: 8 bytes a slot and a bitmap, about 160 KiB at the 20,000
 * descriptors of this project's machines, 0.5 MiB at FILES_MAX, per loop.
 *
 * Only from Linux 6.13 on: before its rework of registered resources, a
 * file whose slot was cleared stayed referenced until every request
 * issued before the clear had completed - and an idle connection's
 * multishot receive may never complete, so the sockets of connections
 * closed meanwhile would have lived on. (The ring's own descriptor is not
 * registered: that registration belongs to the thread that makes it, and
 * a loop may be made on one thread and destroyed on another.)
 */
#define FILES_MAX 65536

static bool kernel_at_least(unsigned major, unsigned minor)
{
	struct utsname un;
	unsigned ma = 0, mi = 0;

	if (uname(&un) != 0 || sscanf(un.release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static void files_setup(struct uring *u)
{
	struct rlimit rl;
	uint32_t n = FILES_MAX;

	if (!kernel_at_least(6, 13))
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n)
		n = (uint32_t)rl.rlim_cur;
	if (n && io_uring_register_files_sparse(&u->ring, n) == 0)
		u->nfiles = n;
}

static int setup_ring(struct uring *u, const struct rv_loop_config *cfg)
{
	struct io_uring_params p;
	uint32_t cq = cfg->max_conns * 4;
	int ret;

	if (cq < 4096)
		cq = 4096;
	if (cq > 65536)
		cq = 65536;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
	p.cq_entries = cq;
	ret = io_uring_queue_init_params(1024, &u->ring, &p);
	if (ret == -EINVAL) {
		rv__log(RV_LOG_INFO, "the kernel refused SINGLE_ISSUER | "
				     "DEFER_TASKRUN; using default task work");
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		ret = io_uring_queue_init_params(1024, &u->ring, &p);
	}
	if (ret < 0) {
		explain_setup_failure(u->loop, ret);
		return ret;
	}
	u->bundles = (p.features & IORING_FEAT_RECVSEND_BUNDLE) &&
		     !(cfg->flags & RV_LOOP_NO_BUNDLES);
	files_setup(u);
	return 0;
}

static void fini(rv_loop *loop)
{
	struct uring *u = U(loop);

	if (!u)
		return;
	rv__uring_bufring_fini(u);
	if (u->ring.ring_fd > 0)
		io_uring_queue_exit(&u->ring);
	rv__uring_tcp_fini(u);
	free(u);
	loop->backend_data = NULL;
}

static int init(rv_loop *loop)
{
	struct uring *u = calloc(1, sizeof(*u));
	struct io_uring_probe *probe;
	int err;

	if (!u)
		return -ENOMEM;
	u->loop = loop;
	u->ring.ring_fd = -1;
	loop->backend_data = u;
	err = setup_ring(u, &loop->cfg);
	if (err) {
		free(u);
		loop->backend_data = NULL;
		return err;
	}
	probe = io_uring_get_probe_ring(&u->ring);
	u->zerocopy = probe &&
		      io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC) &&
		      !(loop->cfg.flags & RV_LOOP_NO_ZEROCOPY);
	io_uring_free_probe(probe);
	if (u->zerocopy)
		rv__uring_tcp_setup(u);
	u->recv_cap = loop->cfg.recv_cap;
	err = rv__uring_bufring_setup(u);
	if (!err)
		err = rv__uring_sweep_start(u);
	if (err) {
		fini(loop);
		return err;
	}
	/* Incremental buffer consumption (IOU_PBUF_RING_INC) is not used:
	 * with bundles and a per-receive cap, whole buffers waste little. */
	rv__log(RV_LOG_DEBUG,
		"io_uring: bundles %s, zero-copy sends %s "
		"(%u fixed slots), ring of %u entries filled to %u",
		u->bundles ? "yes" : "no", u->zerocopy ? "yes" : "no",
		u->nfixed, u->br_entries, u->fill);
	return 0;
}

/* ---- embedding in a libev loop (ringview/ev.h) ------------------------ */

static int watch_eventfd(rv_loop *loop, int efd)
{
	return io_uring_register_eventfd(&U(loop)->ring, efd);
}

static void submit(rv_loop *loop)
{
	struct uring *u = U(loop);

	rv__uring_bufring_refill(u);
	rv__uring_unpark(u);
	io_uring_submit(&u->ring);
}

static const struct rv__embed_backend uring_embed = {
	.watch_eventfd = watch_eventfd,
	.submit = submit,
};

const struct rv__backend rv__backend_uring = RV__BACKEND_OPS(
	"io_uring", &rv__uring_tcp, &rv__uring_udp, &uring_embed);
