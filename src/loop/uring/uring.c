/*
 * uring.c - the io_uring backend: submissions and completions, their
 * dispatch to the TCP and UDP parts (uring_tcp.c, uring_udp.c), the run
 * loop, releases of views on other threads, and running inside an
 * application's libev loop. The ring is made in uring_setup.c; the buffers
 * the kernel receives into are in uring_bufring.c.
 */
#include <errno.h>
#include <poll.h>

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
	ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, wait_nr,
					       timeout_ms < 0 ? NULL : &ts,
					       NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		dispatch(u, cqe);
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	rv__uring_bufring_grow(u);
	return (int)n;
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

const struct rv__backend rv__backend_uring = {
	.name = "io_uring",
	.init = rv__uring_init,
	.fini = rv__uring_fini,
	.run_once = run_once,
	.watch_wake = watch_wake,
	.tcp = &rv__uring_tcp,
	.udp = &rv__uring_udp,
	.embed = &uring_embed,
};
