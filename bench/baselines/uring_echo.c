/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * uring-echo - a TCP echo server written by hand directly on liburing: the
 * second baseline, beside epoll-echo, that ringview's echo server is
 * measured against. It exists so that bench/echo/run-echo.sh can tell how much
 * of ringview-echo's cost per message is io_uring itself (the kernel, as
 * cheap as this machine makes it) and how much is the library on top.
 *
 * Usage:
 *   uring-echo [--host ADDR] [--port N] [--buffers N] [--buf-size B]
 *
 *   --host ADDR    numeric IPv4 or IPv6 address to listen on
 *                  (default 127.0.0.1)
 *   --port N       TCP port (default 7000); 0 lets the kernel pick a free one
 *   --buffers N    receive buffers in the provided buffer ring (default
 *                  1024, at most 32768)
 *   --buf-size B   bytes per buffer (default 16384; any size, no power of
 *                  two needed)
 *   --help         this text
 *   --version      "uring-echo ringview X.Y.Z" (the project's version)
 *
 * A bad value, an unknown option or a stray argument exits 2, naming it.
 *
 * Once it accepts connections it prints "listening on ADDR:PORT" on stdout
 * (the real port when --port 0 was given) and flushes, so a script can wait
 * for that line. SIGINT or SIGTERM stop it cleanly; it then closes every
 * connection, frees everything and prints what it served on stderr. It
 * raises its open-file limit to the hard limit, like epoll-echo. It uses
 * nothing of ringview: only liburing.
 *
 * It is meant to be what a competent user who knows modern io_uring writes
 * by hand, no more and no less: one thread, one ring, and
 *
 * - IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN: completions are run in
 *   this thread when it asks for them (in io_uring_enter), not by task-work
 *   interrupts at random points, and without the locking a ring shared by
 *   threads needs. SUBMIT_ALL keeps submitting past an SQE that fails.
 *   Kernels that refuse these flags (before 6.1) get a plain ring.
 * - multishot accept and multishot recv: one SQE keeps delivering
 *   connections or data until it ends (no IORING_CQE_F_MORE), instead of
 *   one SQE per event; it is re-armed when it ends.
 * - a provided buffer ring: the kernel picks a buffer from one shared ring
 *   only when data has arrived, so an idle connection holds no buffer
 *   (epoll-echo keeps 64 KiB per connection), and the data is sent back
 *   from the very buffer it was received into: no copy in user space. The
 *   buffer goes back to the ring once it has been sent in full; the ring
 *   tail is advanced once per loop iteration for all of them.
 * - at most one send in flight per connection: two sends on one socket may
 *   complete out of order (a short or retried one overtaken by the next),
 *   which would reorder the echoed stream. Buffers received meanwhile wait
 *   in a per-connection FIFO, a list threaded through a per-buffer array
 *   (no allocation per message). Sends use MSG_WAITALL, so the kernel
 *   itself retries a partial send; a short send that still completes is
 *   finished from where it stopped before the next buffer is sent.
 *
 * Left out on purpose, as refinements one adds later if at all: recv and
 * send bundles, zero-copy sends, registered files, incremental buffer
 * consumption, an SQPOLL thread. So a message larger than a buffer costs
 * one recv completion and one send per buffer, one send after the other;
 * ringview-uring, which receives in bundles and sends several buffers with
 * one sendmsg, needs fewer operations there: that difference is part of
 * what the comparison shows.
 *
 * Buffers run out (-ENOBUFS ends a multishot recv) when the ring is empty:
 * the connection is parked, and at the top of the next loop iteration as
 * many parked connections as the ring has buffers are re-armed, oldest
 * first (re-arming more would only earn them another -ENOBUFS).
 *
 * Backpressure: a multishot recv keeps taking buffers for as long as it is
 * armed, so merely not re-arming it would not stop a peer that sends
 * without reading: it could take every buffer in the ring and starve the
 * others. So once a connection has more than 64 KiB received but not yet
 * sent back, its recv is cancelled (io_uring_prep_cancel64), and re-armed
 * once that is down to 32 KiB (half, so that a long transfer to a slow
 * reader does not cancel and re-arm at every buffer). Data that arrived
 * before the cancel took effect is still echoed: the limit is soft by what
 * was already on its way.
 *
 * Closing: when the peer closes (recv returns 0) what is queued is sent,
 * then the socket closed; on an error (ECONNRESET, EPIPE, ...) the queued
 * buffers go straight back to the ring and shutdown(2) ends the recv and a
 * send in flight. The connection is freed only when none of its operations
 * is in flight, as their completions carry its address: user_data is the
 * connection's pointer with the operation (recv or send) in the low bits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "baseline.h"
#include "cmdline.h"

#define SQ_ENTRIES   1024
#define CQ_ENTRIES   4096
#define BGID	     0		 /* the buffer group of the ring */
#define MAX_BUFFERS  32768	 /* the kernel's limit for one buffer ring */
#define MAX_BUFSIZE  (1u << 30)	 /* lengths must fit a CQE's int res */
#define QUEUE_LIMIT  (64 * 1024) /* unsent bytes that stop receiving */
#define QUEUE_RESUME (32 * 1024) /* ...and that start it again */

/* user_data: a connection's address, or NULL, with the operation in the
 * two low bits (malloc'd structs are aligned far beyond that). */
enum { TAG_CANCEL, TAG_RECV, TAG_SEND, TAG_ACCEPT, TAG_MASK = 3 };

struct conn {
	int fd;
	unsigned ops;	   /* operations in flight: the recv and a send */
	bool recv_armed;   /* a multishot recv is in flight */
	bool sending;	   /* a send of the FIFO's head is in flight */
	bool throttled;	   /* more than QUEUE_LIMIT unsent: recv cancelled */
	bool parked;	   /* recv ended with -ENOBUFS: on the parked list */
	bool eof;	   /* the peer closed: close once all is sent */
	bool dead;	   /* failed: close once no operation is in flight */
	int head, tail;	   /* FIFO of received buffers (ids), -1: empty */
	uint32_t head_off; /* bytes of the head buffer already sent */
	size_t queued;	   /* bytes received and not yet sent back */
	struct conn *prev, *next;	    /* every open connection */
	struct conn *park_prev, *park_next; /* waiting for buffers */
};

/* What each buffer holds while a connection has it queued. */
struct buf {
	uint32_t len; /* bytes received into it */
	int next;     /* the next buffer in the same FIFO, -1: none */
};

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static unsigned br_entries; /* the ring's size: a power of two */
static unsigned br_added;   /* buffers given back since the last advance */
static unsigned br_avail;   /* buffers the kernel can pick from */
static char *arena;	    /* nbufs buffers of buf_size bytes */
static struct buf *bufs;    /* [nbufs] */
static unsigned nbufs = 1024;
static size_t buf_size = 16384;
static struct conn *conns, *park_head, *park_tail;
static int listen_fd = -1, spare_fd = -1;
static bool accepting = true;
static unsigned long long n_accepted, n_recvs, n_sends, n_bytes, n_enobufs,
	n_throttled;

static void usage(FILE *f)
{
	fputs("usage: uring-echo [--host ADDR] [--port N] [--buffers N] "
	      "[--buf-size B] [--help] [--version]\n"
	      "  --host ADDR   numeric address to listen on (default "
	      "127.0.0.1)\n"
	      "  --port N      TCP port (default 7000; 0 picks a free one)\n"
	      "  --buffers N   buffers in the provided buffer ring (default "
	      "1024)\n"
	      "  --buf-size B  bytes per buffer (default 16384)\n"
	      "  --version     print \"uring-echo ringview X.Y.Z\"\n"
	      "Prints \"listening on ADDR:PORT\" once ready; SIGINT/SIGTERM "
	      "stop it.\n",
	      f);
}

/* ---- the ring ------------------------------------------------------- */

static uint64_t ud(struct conn *c, unsigned tag)
{
	return (uint64_t)(uintptr_t)c | tag;
}

/* An SQE; when all are taken, hand them to the kernel and take one. */
static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	while (!sqe) {
		int ret = io_uring_submit(&ring);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			fprintf(stderr, "uring-echo: io_uring_submit: %s\n",
				strerror(-ret));
			exit(1);
		}
		sqe = io_uring_get_sqe(&ring);
	}
	return sqe;
}

/* Buffer |id| back into the ring: visible to the kernel at buf_flush. */
static void buf_give_back(int id)
{
	io_uring_buf_ring_add(br, arena + (size_t)id * buf_size,
			      (unsigned)buf_size, (unsigned short)id,
			      io_uring_buf_ring_mask(br_entries),
			      (int)br_added);
	br_added++;
}

/* One tail update for all the buffers given back in a loop iteration. */
static void buf_flush(void)
{
	if (br_added) {
		io_uring_buf_ring_advance(br, (int)br_added);
		br_avail += br_added;
		br_added = 0;
	}
}

static void accept_arm(void)
{
	struct io_uring_sqe *sqe = get_sqe();

	io_uring_prep_multishot_accept(sqe, listen_fd, NULL, NULL,
				       SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, ud(NULL, TAG_ACCEPT));
}

/* ---- connections ---------------------------------------------------- */

static void recv_arm(struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe();

	/* Length 0: each completion fills at most one whole buffer. */
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, ud(c, TAG_RECV));
	c->recv_armed = true;
	c->ops++;
}

/* The completion of the cancel itself says nothing we need. */
static void recv_cancel(struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe();

	io_uring_prep_cancel64(sqe, ud(c, TAG_RECV), 0);
	io_uring_sqe_set_data64(sqe, ud(NULL, TAG_CANCEL));
}

/* Send what is left of the FIFO's head buffer. */
static void send_head(struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe();
	const struct buf *b = &bufs[c->head];

	io_uring_prep_send(sqe, c->fd,
			   arena + (size_t)c->head * buf_size + c->head_off,
			   b->len - c->head_off, MSG_NOSIGNAL | MSG_WAITALL);
	io_uring_sqe_set_data64(sqe, ud(c, TAG_SEND));
	c->sending = true;
	c->ops++;
}

static void park(struct conn *c)
{
	c->parked = true;
	c->park_next = NULL;
	c->park_prev = park_tail;
	if (park_tail)
		park_tail->park_next = c;
	else
		park_head = c;
	park_tail = c;
}

static void unpark(struct conn *c)
{
	if (!c->parked)
		return;
	if (c->park_prev)
		c->park_prev->park_next = c->park_next;
	else
		park_head = c->park_next;
	if (c->park_next)
		c->park_next->park_prev = c->park_prev;
	else
		park_tail = c->park_prev;
	c->parked = false;
}

/* Re-arm parked connections, oldest first, one per buffer in the ring:
 * a recv started on an empty ring only ends with -ENOBUFS again. */
static void unpark_some(void)
{
	unsigned n = br_avail;

	while (park_head && n-- > 0) {
		struct conn *c = park_head;
		unpark(c);
		recv_arm(c);
	}
}

/* Give back every queued buffer the kernel is not sending from. */
static void drop_queued(struct conn *c)
{
	int keep = c->sending ? c->head : -1;
	int id = c->sending ? bufs[c->head].next : c->head;

	while (id >= 0) {
		int next = bufs[id].next;
		buf_give_back(id);
		id = next;
	}
	c->head = c->tail = keep;
	if (keep >= 0)
		bufs[keep].next = -1;
	else
		c->head_off = 0;
	c->queued = 0;
}

/* An error: stop echoing, end what is in flight (shutdown wakes the recv
 * with 0 and fails the send), close once all of it has completed. */
static void conn_fail(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	unpark(c);
	drop_queued(c);
	if (c->ops)
		shutdown(c->fd, SHUT_RDWR);
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Close and free c when it is finished and the kernel holds nothing of
 * it: no completion can refer to it any more. */
static void conn_settle(struct conn *c)
{
	if ((c->dead || (c->eof && c->head < 0)) && c->ops == 0)
		conn_close(c);
}

static void conn_open(int fd)
{
	struct conn *c;
	int one = 1;

	/* Echo replies are small and latency-bound: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (!c) {
		fputs("uring-echo: out of memory, connection refused\n",
		      stderr);
		close(fd);
		return;
	}
	c->fd = fd;
	c->head = c->tail = -1;
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	n_accepted++;
	recv_arm(c);
}

static void on_accept(int res, unsigned flags)
{
	if (res >= 0) {
		conn_open(res);
	} else {
		switch (-res) {
		case EMFILE:
		case ENFILE:
			/* The pending connection would end every re-armed
			 * multishot accept at once: shed it. */
			baseline_shed_connection("uring-echo", listen_fd,
						 &spare_fd);
			break;
		case EBADF: /* the listener is broken: re-arming would spin */
		case EINVAL:
		case ENOTSOCK:
		case EOPNOTSUPP:
		case EFAULT:
			fprintf(stderr,
				"uring-echo: accept: %s; no longer "
				"accepting\n",
				strerror(-res));
			accepting = false;
			break;
		default: /* ECONNABORTED, ENOBUFS, ...: this one only */
			break;
		}
	}
	if (!(flags & IORING_CQE_F_MORE) && accepting)
		accept_arm();
}

static void on_recv(struct conn *c, int res, unsigned flags)
{
	if (res > 0) {
		int id = (int)(flags >> IORING_CQE_BUFFER_SHIFT);

		br_avail--;
		n_recvs++;
		if (c->dead) {
			buf_give_back(id);
		} else {
			bufs[id].len = (uint32_t)res;
			bufs[id].next = -1;
			if (c->tail >= 0)
				bufs[c->tail].next = id;
			else
				c->head = id;
			c->tail = id;
			c->queued += (size_t)res;
			if (!c->sending)
				send_head(c);
		}
	} else if (res == 0) {
		c->eof = true;
	} else if (res == -ENOBUFS) {
		n_enobufs++;
	} else if (res != -ECANCELED) {
		conn_fail(c); /* ECONNRESET, ... */
	}
	if (!(flags & IORING_CQE_F_MORE)) {
		c->recv_armed = false;
		c->ops--;
	}

	if (c->dead || c->eof) {
		/* nothing more to receive */
	} else if (c->queued > QUEUE_LIMIT) {
		if (!c->throttled) {
			c->throttled = true;
			n_throttled++;
			if (c->recv_armed)
				recv_cancel(c);
		}
	} else if (!c->recv_armed && !c->throttled) {
		if (res == -ENOBUFS)
			park(c); /* re-armed once buffers are back */
		else
			recv_arm(c); /* ended for another reason */
	}
	conn_settle(c);
}

static void on_send(struct conn *c, int res)
{
	c->sending = false;
	c->ops--;
	if (res <= 0) {
		conn_fail(c); /* EPIPE, ECONNRESET, ... (0: cannot progress) */
	} else if (!c->dead) {
		n_bytes += (unsigned)res;
		c->queued -= (size_t)res;
		c->head_off += (uint32_t)res;
		if (c->head_off == bufs[c->head].len) {
			int id = c->head;
			n_sends++;
			c->head = bufs[id].next;
			if (c->head < 0)
				c->tail = -1;
			c->head_off = 0;
			buf_give_back(id);
		}
		if (c->head >= 0)
			send_head(c); /* the next buffer, or the rest of this */
		if (c->throttled && c->queued <= QUEUE_RESUME) {
			c->throttled = false;
			/* Still armed: the cancelled recv has not ended yet;
			 * on_recv re-arms it when it does. */
			if (!c->recv_armed && !c->eof)
				recv_arm(c);
		}
	}
	if (c->dead)
		drop_queued(c); /* the buffer that was being sent, too */
	conn_settle(c);
}

static void dispatch(const struct io_uring_cqe *cqe)
{
	struct conn *c = (struct conn *)(uintptr_t)(cqe->user_data &
						    ~(uint64_t)TAG_MASK);

	switch (cqe->user_data & TAG_MASK) {
	case TAG_ACCEPT:
		on_accept(cqe->res, cqe->flags);
		break;
	case TAG_RECV:
		on_recv(c, cqe->res, cqe->flags);
		break;
	case TAG_SEND:
		on_send(c, cqe->res);
		break;
	default: /* TAG_CANCEL */
		break;
	}
}

static int serve(void)
{
	accept_arm();
	while (!baseline_stop) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int ret;

		buf_flush();
		unpark_some();
		/*
		 * SIGINT/SIGTERM interrupt the wait with -EINTR. A signal
		 * that lands in the few instructions between the test of
		 * stop and the io_uring_enter only counts at the next
		 * completion; closing that window needs a signal mask on
		 * every io_uring_enter (io_uring_submit_and_wait_timeout),
		 * work per call that ringview's loop does not do either.
		 */
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY) {
			fprintf(stderr,
				"uring-echo: io_uring_submit_and_wait: "
				"%s\n",
				strerror(-ret));
			return -1;
		}
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			dispatch(cqe);
			n++;
		}
		io_uring_cq_advance(&ring, n);
	}
	return 0;
}

/* ---- setup ---------------------------------------------------------- */

static int setup_ring(void)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
	p.cq_entries = CQ_ENTRIES;
	ret = io_uring_queue_init_params(SQ_ENTRIES, &ring, &p);
	if (ret == -EINVAL) { /* before Linux 6.1 */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = CQ_ENTRIES;
		ret = io_uring_queue_init_params(SQ_ENTRIES, &ring, &p);
	}
	if (ret < 0) {
		fprintf(stderr, "uring-echo: io_uring_queue_init: %s\n",
			strerror(-ret));
		return -1;
	}
	return 0;
}

/* One arena for all buffers, all of them in the ring to begin with. */
static int setup_buffers(void)
{
	int ret = 0;

	br_entries = 1;
	while (br_entries < nbufs)
		br_entries <<= 1;
	arena = malloc(nbufs * buf_size);
	bufs = calloc(nbufs, sizeof(*bufs));
	if (!arena || !bufs) {
		fputs("uring-echo: out of memory for the buffers\n", stderr);
		return -1;
	}
	br = io_uring_setup_buf_ring(&ring, br_entries, BGID, 0, &ret);
	if (!br) {
		fprintf(stderr,
			"uring-echo: io_uring_setup_buf_ring: %s "
			"(it needs Linux 5.19)\n",
			strerror(-ret));
		return -1;
	}
	for (unsigned i = 0; i < nbufs; i++)
		buf_give_back((int)i);
	buf_flush();
	return 0;
}

static int parse_args(int argc, char **argv, const char **host,
		      const char **port)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"buffers", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *prog = "uring-echo";
	unsigned long long v;
	int o;

	while ((o = getopt_long(argc, argv, "H:p:b:s:h", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			if (baseline_host_option(prog, optarg) < 0)
				return -1;
			*host = optarg;
			break;
		case 'p':
			if (bench_count_option(prog, "port", optarg, 0, 65535,
					       &v) < 0)
				return -1;
			*port = optarg;
			break;
		case 'b':
			if (bench_count_option(prog, "buffers", optarg, 1,
					       MAX_BUFFERS, &v) < 0)
				return -1;
			nbufs = (unsigned)v;
			break;
		case 's':
			if (bench_count_option(prog, "buf-size", optarg, 1,
					       MAX_BUFSIZE, &v) < 0)
				return -1;
			buf_size = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			bench_print_version(prog, RV_BENCH_VERSION);
			exit(0);
		default: /* getopt_long said what was wrong */
			usage(stderr);
			return -1;
		}
	}
	return bench_no_operands(prog, argc, argv, optind) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "7000";
	int rc = 1;

	if (parse_args(argc, argv, &host, &port) < 0)
		return 2;
	baseline_raise_nofile("uring-echo");
	/* No SA_RESTART: the signal must end the wait in io_uring_enter. */
	baseline_catch_stop(NULL);

	if (setup_ring() < 0)
		return 1;
	if (setup_buffers() == 0)
		listen_fd = baseline_listen_tcp("uring-echo", host, port);
	if (listen_fd >= 0) {
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		rc = serve() < 0 ? 1 : 0;
	}

	/* Closing the ring cancels whatever is still in flight; no
	 * completion is read after this, so the connections can go now. */
	while (conns)
		conn_close(conns);
	if (br)
		io_uring_free_buf_ring(&ring, br, br_entries, BGID);
	io_uring_queue_exit(&ring);
	free(arena);
	free(bufs);
	if (listen_fd < 0)
		return 1;
	close(listen_fd);
	if (spare_fd >= 0)
		close(spare_fd);
	fprintf(stderr,
		"uring-echo: %llu connections, %llu buffers received, %llu "
		"sends, %llu bytes echoed, %llu enobufs, %llu backpressure "
		"stops\n",
		n_accepted, n_recvs, n_sends, n_bytes, n_enobufs, n_throttled);
	return rc;
}
