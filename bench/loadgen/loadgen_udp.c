/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * loadgen_udp.c - loadgen --udp: closed-loop datagram load for UDP echo
 * servers, every echo checked byte for byte, loss counted.
 *
 * --conns N is N sockets, each connect()ed to the server from its own
 * ephemeral port (N distinct peers for the server), socket i on thread
 * i % threads. Each socket keeps --depth datagrams of --size bytes in
 * flight, one per slot. A datagram is a 16-byte header (socket id, 32-bit
 * sequence number, send time in ns, in host byte order) followed by
 * size - 16 bytes of the fixed random table at a place hashed from
 * (socket, sequence), sent from the table itself. Slot j of a socket
 * sends the sequence numbers j, j + depth, j + 2 depth ..., so the
 * sequence number of an echo names its slot.
 *
 * What becomes of each datagram:
 * - echoed: it came back whole and unchanged (header and payload) within
 *   --udp-timeout-ms; its latency (send to receipt) is recorded and its
 *   slot sends the next datagram at once.
 * - lost: no echo within the timeout (checked every timeout / 4, so a
 *   datagram is declared lost between 1 and 1.25 timeouts after it was
 *   sent). Its slot then sends the next one. Only datagrams sent in the
 *   measured window count in lost=; after the window the program keeps
 *   receiving for one more timeout, so that every datagram of the window
 *   is either echoed or lost.
 * - late: an echo that comes after its datagram was declared lost (it
 *   still counts in lost=, not in msgs/s). An echo of a datagram older
 *   than the slot's previous one is counted as late too.
 * - dup: a second echo of a datagram already echoed.
 * - errors: an echo of the wrong length, naming another socket or a
 *   datagram never sent, or with any byte different from what was sent.
 *   A changed payload ends its datagram (not lost, not counted); a header
 *   that names no datagram leaves the real one to time out.
 * late= and dup= count what arrives from the start of the measured window
 * until the end. ICMP port unreachable (the server is not there) is not
 * an error: it is noted once, and the datagrams are lost.
 *
 * The socket's receive buffer is raised to hold depth echoes (with
 * SO_RCVBUFFORCE when allowed), so that loadgen itself does not drop
 * them; a warning says when the system does not allow that much.
 */
#include "loadgen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BATCH 32 /* datagrams per recvmmsg / sendmmsg */

/* What became of a slot's datagram. */
enum { NONE, PENDING, OUT, ECHOED, TIMEDOUT, LATE };

struct udp_hdr {
	uint32_t id;
	uint32_t seq;
	int64_t sent_ns;
};

struct slot {
	uint32_t seq;	 /* the slot's current datagram */
	uint8_t state;	 /* of that datagram: PENDING ... LATE */
	uint8_t prev;	 /* of the slot's previous one (seq - depth) */
	int64_t sent_ns; /* of the current one */
};

struct usock {
	int fd;
	uint32_t id;	      /* 0 .. conns-1 over all threads */
	bool want_out;	      /* EPOLLOUT is in the interest set */
	unsigned outstanding; /* slots in state OUT */
	unsigned pend_head, pend_n;
	uint16_t *pend;	    /* [depth] ring: slots waiting to be sent */
	struct slot *slots; /* [depth] */
};

static atomic_flag refused_noted = ATOMIC_FLAG_INIT;
static atomic_flag rcvbuf_noted = ATOMIC_FLAG_INIT;

static size_t rx_slot_size(void)
{
	return ((size_t)cfg.size + 64) & ~(size_t)63; /* room to see more */
}

static void usock_error(struct usock *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	count_error("socket", s->id, fmt, ap);
	va_end(ap);
}

/* A socket that cannot go on: an error, and its datagrams are forgotten. */
static void usock_fail(struct usock *s, const char *what, int err)
{
	usock_error(s, "%s: %s", what, strerror(err));
	if (s->fd >= 0) {
		close(s->fd);
		atomic_fetch_sub(&connected, 1);
	}
	s->fd = -1;
	s->outstanding = s->pend_n = 0;
}

static void note_refused(const struct usock *s)
{
	if (!atomic_flag_test_and_set(&refused_noted))
		fprintf(stderr,
			"loadgen: socket %u: ICMP port unreachable (is the "
			"server running?); datagrams meanwhile are lost\n",
			s->id);
}

static void want_out(struct thread *t, struct usock *s, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
				 .data.ptr = s};

	if (s->want_out == out || s->fd < 0)
		return;
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		usock_fail(s, "epoll_ctl", errno);
	s->want_out = out;
}

static bool sending(int64_t now)
{
	return !stop && atomic_load_explicit(&go, memory_order_acquire) &&
	       now < t_end;
}

/* The slot's next datagram, queued to be sent; only while sending. */
static void reissue(struct usock *s, struct slot *sl, int64_t now)
{
	if (!sending(now))
		return;
	sl->prev = sl->state;
	sl->seq += cfg.depth;
	sl->state = PENDING;
	s->pend[(s->pend_head + s->pend_n++) % cfg.depth] =
		(uint16_t)(sl - s->slots);
}

/* Send the pending datagrams, BATCH at a time, until the socket is full. */
static void usock_pump(struct thread *t, struct usock *s)
{
	struct udp_hdr hdr[BATCH];
	struct iovec iov[BATCH][2];
	struct mmsghdr mm[BATCH];
	unsigned refused = 0;

	while (s->pend_n > 0 && s->fd >= 0) {
		unsigned n = s->pend_n < BATCH ? s->pend_n : BATCH;
		int64_t now = now_ns();
		int r;

		for (unsigned i = 0; i < n; i++) {
			struct slot *sl = &s->slots[s->pend[(s->pend_head + i) %
							    cfg.depth]];

			hdr[i] = (struct udp_hdr){s->id, sl->seq, now};
			iov[i][0].iov_base = &hdr[i];
			iov[i][0].iov_len = sizeof(hdr[i]);
			iov[i][1].iov_base = (void *)msg_bytes(s->id, sl->seq);
			iov[i][1].iov_len = cfg.size - sizeof(hdr[i]);
			mm[i].msg_hdr = (struct msghdr){
				.msg_iov = iov[i],
				.msg_iovlen =
					cfg.size > sizeof(hdr[i]) ? 2 : 1};
		}
		r = sendmmsg(s->fd, mm, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED && refused++ < 2) {
				note_refused(s); /* a past datagram's ICMP */
				continue;
			}
			if (errno == EAGAIN || errno == ENOBUFS ||
			    errno == ECONNREFUSED)
				break;
			usock_fail(s, "sendmmsg", errno);
			return;
		}
		for (int i = 0; i < r; i++) {
			struct slot *sl = &s->slots[s->pend[s->pend_head]];

			sl->state = OUT;
			sl->sent_ns = now;
			s->outstanding++;
			s->pend_head = (s->pend_head + 1) % cfg.depth;
			s->pend_n--;
		}
	}
	want_out(t, s, s->pend_n > 0);
}

static void bad_payload(struct usock *s, const uint8_t *got, uint32_t seq)
{
	const uint8_t *want = msg_bytes(s->id, seq);
	size_t i = 0;

	while (got[i] == want[i])
		i++;
	usock_error(s,
		    "datagram %u byte %zu: expected 0x%02x, got 0x%02x "
		    "(corrupted)",
		    seq, i + sizeof(struct udp_hdr), want[i], got[i]);
}

/* Classify and check one echo of len bytes. */
static void on_echo(struct thread *t, struct usock *s, const uint8_t *p,
		    size_t len, int flags, int64_t now)
{
	const size_t hl = sizeof(struct udp_hdr);
	bool counted = now >= t_warm;
	struct udp_hdr h;
	struct slot *sl;
	uint8_t *fate;
	uint32_t back;

	if (len != cfg.size || (flags & MSG_TRUNC)) {
		usock_error(s, "an echo of %zu%s bytes; %u were sent", len,
			    flags & MSG_TRUNC ? " or more" : "", cfg.size);
		return;
	}
	memcpy(&h, p, hl);
	if (h.id != s->id) {
		usock_error(s, "an echo whose header names socket %u", h.id);
		return;
	}
	sl = &s->slots[h.seq % cfg.depth];
	back = sl->seq - h.seq; /* a multiple of depth */
	fate = back == 0 ? &sl->state : back == cfg.depth ? &sl->prev : NULL;
	if ((int32_t)back < 0 ||
	    (fate && (*fate == NONE || *fate == PENDING))) {
		usock_error(s, "an echo of datagram %u, never sent", h.seq);
		return;
	}
	if (cfg.verify &&
	    memcmp(p + hl, msg_bytes(s->id, h.seq), cfg.size - hl) != 0) {
		bad_payload(s, p + hl, h.seq);
		if (fate && *fate == OUT) { /* over, but not echoed */
			*fate = ECHOED;
			s->outstanding--;
			reissue(s, sl, now);
		}
		return;
	}
	if (!fate || *fate == TIMEDOUT) {
		t->late += counted;
		if (fate)
			*fate = LATE; /* another copy is a duplicate */
	} else if (*fate != OUT) {
		t->dup += counted;
	} else if (h.sent_ns != sl->sent_ns) {
		usock_error(s,
			    "datagram %u: the send time in its header "
			    "changed (corrupted)",
			    h.seq);
	} else {
		record_msg(t, sl->sent_ns, now);
		*fate = ECHOED;
		s->outstanding--;
		reissue(s, sl, now);
	}
}

static void usock_read(struct thread *t, struct usock *s)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	unsigned vlen = cfg.depth < BATCH ? cfg.depth : BATCH;
	size_t rsz = rx_slot_size();
	int64_t now;
	int r;

	for (unsigned i = 0; i < vlen; i++) {
		iov[i].iov_base = t->rxbuf + i * rsz;
		iov[i].iov_len = rsz;
		mm[i].msg_hdr =
			(struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
	}
	r = recvmmsg(s->fd, mm, vlen, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == ECONNREFUSED)
			note_refused(s);
		else if (errno != EAGAIN && errno != EINTR)
			usock_fail(s, "recvmmsg", errno);
		return;
	}
	now = now_ns();
	for (int i = 0; i < r; i++)
		on_echo(t, s, iov[i].iov_base, mm[i].msg_len,
			mm[i].msg_hdr.msg_flags, now);
}

/* Declare lost what has waited a timeout; returns what is still out. */
static unsigned expire(struct thread *t, int64_t now)
{
	int64_t timeout = (int64_t)cfg.udp_timeout_ms * 1000000;
	unsigned out = 0;

	for (unsigned i = 0; i < t->nconns; i++) {
		struct usock *s = &t->usocks[i];

		for (unsigned j = 0; j < cfg.depth && s->outstanding; j++) {
			struct slot *sl = &s->slots[j];

			if (sl->state != OUT || now - sl->sent_ns < timeout)
				continue;
			sl->state = TIMEDOUT;
			s->outstanding--;
			atomic_fetch_add_explicit(&t->lost, 1,
						  memory_order_relaxed);
			t->win_lost +=
				sl->sent_ns >= t_warm && sl->sent_ns < t_end;
			reissue(s, sl, now);
		}
		if (s->pend_n)
			usock_pump(t, s);
		out += s->outstanding;
	}
	return out;
}

static void start_sending(struct thread *t)
{
	for (unsigned i = 0; i < t->nconns; i++) {
		struct usock *s = &t->usocks[i];

		for (unsigned j = 0; j < cfg.depth; j++) {
			s->slots[j] = (struct slot){.seq = j, .state = PENDING};
			s->pend[j] = (uint16_t)j;
		}
		s->pend_head = 0;
		s->pend_n = s->fd >= 0 ? cfg.depth : 0;
		usock_pump(t, s);
	}
}

void *udp_thread_main(void *arg)
{
	struct thread *t = arg;
	struct epoll_event evs[256];
	int64_t scan_ns = (int64_t)cfg.udp_timeout_ms * 1000000 / 4;
	int64_t next_scan = 0, drain_end = 0;
	bool started = false;

	atomic_fetch_add(&threads_ready, 1);
	for (;;) {
		int64_t now = now_ns();
		int n;

		if (!started &&
		    atomic_load_explicit(&go, memory_order_acquire)) {
			started = true;
			start_sending(t);
		}
		/* After the window: one more timeout for the last echoes. */
		if (started && !sending(now) && !drain_end)
			drain_end = now +
				    (int64_t)cfg.udp_timeout_ms * 1000000 +
				    scan_ns;
		if (started && now >= next_scan) {
			unsigned out = expire(t, now);

			if (drain_end && (out == 0 || now >= drain_end))
				break;
			next_scan = now + (drain_end ? 1000000 : scan_ns);
		}
		n = epoll_wait(t->ep, evs, 256, drain_end ? 1 : 10);
		for (int i = 0; i < n; i++) {
			struct usock *s = evs[i].data.ptr;

			if (s->fd >= 0 && (evs[i].events & ~EPOLLOUT))
				usock_read(t, s);
			if (s->fd >= 0 && s->pend_n)
				usock_pump(t, s);
		}
	}
	for (unsigned i = 0; i < t->nconns; i++)
		if (t->usocks[i].fd >= 0)
			close(t->usocks[i].fd);
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

/* Room for depth echoes in the receive buffer, or a warning. */
static void size_rcvbuf(struct usock *s)
{
	int want = (int)(cfg.depth * (rx_slot_size() + 1024)), got = 0;
	socklen_t len = sizeof(got);

	if (want <= 212992) /* the usual default */
		return;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) <
	    0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
	if (got / 2 < want && !atomic_flag_test_and_set(&rcvbuf_noted))
		fprintf(stderr,
			"loadgen: receive buffers hold %d bytes, not the %d "
			"that --depth %u needs: loadgen may drop echoes "
			"itself (raise net.core.rmem_max)\n",
			got / 2, want, cfg.depth);
}

static void usock_open(struct thread *t, struct usock *s)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};

	s->fd = socket(server.ss_family,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		usock_error(s, "socket: %s", strerror(errno));
		return;
	}
	atomic_fetch_add(&connected, 1);
	size_rcvbuf(s);
	/* connect: an ephemeral port of its own, and only the server's
	 * datagrams come in. */
	if (connect(s->fd, (struct sockaddr *)&server, server_len) < 0) {
		usock_fail(s, "connect", errno);
		return;
	}
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		usock_fail(s, "epoll_ctl", errno);
		return;
	}
	atomic_fetch_add(&opened, 1);
}

/* Socket i goes to thread i % threads. */
int udp_setup_thread(struct thread *t, unsigned idx)
{
	struct slot *slots;
	uint16_t *pend;

	t->nconns = cfg.conns / cfg.threads + (idx < cfg.conns % cfg.threads);
	t->usocks = calloc(t->nconns, sizeof(*t->usocks));
	slots = calloc((size_t)t->nconns * cfg.depth, sizeof(*slots));
	pend = calloc((size_t)t->nconns * cfg.depth, sizeof(*pend));
	t->rxbuf = malloc(BATCH * rx_slot_size());
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!t->usocks || !slots || !pend || !t->rxbuf || t->ep < 0) {
		perror("loadgen: thread setup");
		return -1;
	}
	for (unsigned i = 0; i < t->nconns; i++) {
		struct usock *s = &t->usocks[i];

		s->id = idx + i * cfg.threads;
		s->slots = slots + (size_t)i * cfg.depth;
		s->pend = pend + (size_t)i * cfg.depth;
		usock_open(t, s);
	}
	t->connect_done = true;
	return 0;
}

void udp_free_thread(struct thread *t)
{
	if (t->usocks) {
		free(t->usocks[0].slots);
		free(t->usocks[0].pend);
	}
	free(t->usocks);
	free(t->rxbuf);
}
