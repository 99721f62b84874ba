/*
 * uring_setup.c - making the io_uring backend's ring, and saying why it
 * cannot be made (io_uring disabled by sysctl, forbidden by seccomp, too
 * old a kernel) with the fix, for rv_loop_create's log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop/uring/uring_internal.h"

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
	return 0;
}

void rv__uring_fini(rv_loop *loop)
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

int rv__uring_init(rv_loop *loop)
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
	if (err) {
		rv__uring_fini(loop);
		return err;
	}
	/* Incremental buffer consumption (IOU_PBUF_RING_INC) is not used:
	 * with bundles and a per-receive cap, whole buffers waste little. */
	rv__log(RV_LOG_DEBUG, "io_uring: bundles %s, zero-copy sends %s "
			      "(%u fixed slots), ring of %u entries filled to %u",
		u->bundles ? "yes" : "no", u->zerocopy ? "yes" : "no",
		u->nfixed, u->br_entries, u->fill);
	return 0;
}
