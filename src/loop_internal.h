/*
 * loop_internal.h - the loop, listeners and connections as the backends
 * see them, and the small table of operations every backend supplies.
 */
#ifndef RINGVIEW_LOOP_INTERNAL_H
#define RINGVIEW_LOOP_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "ringview/conn.h"
#include "ringview/loop.h"
#include "ringview/udp.h"

/* An intrusive doubly linked list node (libuv's queue, smaller). */
struct rv__link {
	struct rv__link *prev, *next;
};

static inline void rv__list_init(struct rv__link *head)
{
	head->prev = head->next = head;
}
static inline bool rv__list_empty(const struct rv__link *head)
{
	return head->next == head;
}
static inline bool rv__linked(const struct rv__link *n)
{
	return n->next != NULL;
}
static inline void rv__list_push(struct rv__link *head, struct rv__link *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}
static inline void rv__list_del(struct rv__link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
}
#define rv__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct rv__backend;

struct rv_listener {
	rv_loop *loop;
	int fd;
	uint16_t port;
	bool closing;
	uint32_t ops;                 /* kernel operations outstanding */
	const struct rv_conn_ops *cb;
	void *user;
	struct rv__link link;         /* loop->listeners */
	void *be;                     /* backend's per-listener state */
};

/* Connection flags. */
#define RV__C_READING 0x01u   /* the application wants bytes */
#define RV__C_RECV_ARMED 0x02u /* a receive is posted */
#define RV__C_SENDING 0x04u   /* a send is in flight */
#define RV__C_CLOSING 0x08u   /* close once the queue is sent */
#define RV__C_DEAD 0x10u      /* shut down; waiting for ops to finish */
#define RV__C_EOF 0x20u       /* the peer shut its write side */
#define RV__C_THROTTLED 0x40u /* output over the limit: not reading */
#define RV__C_PARKED 0x80u    /* waiting for buffers (-ENOBUFS) */
#define RV__C_NO_ZC 0x100u    /* zero-copy sends were copied: stop */
#define RV__C_OPENED 0x200u   /* on_open ran, so on_close must */

struct rv_conn {
	rv_loop *loop;
	int fd;
	uint32_t flags;
	uint32_t ops;       /* kernel operations outstanding */
	int err;            /* first error, reported to on_close */
	const struct rv_conn_ops *cb;
	void *user;
	rv_chain in;        /* received, not yet consumed */
	rv_chain out;       /* queued for sending */
	size_t inflight;    /* bytes in the send in flight */
	struct rv__link link;   /* loop->conns */
	struct rv__link dirty;  /* loop->dirty: output to start */
	struct rv__link park;   /* backend's list of connections waiting */
	void *be;               /* backend's per-connection state, or NULL */
};

/* UDP socket flags. */
#define RV__U_RECV_ARMED 0x1u /* receiving (backend's state) */
#define RV__U_CLOSING 0x2u    /* close once sends are done */
#define RV__U_PARKED 0x4u     /* waiting for buffers */
#define RV__U_CLOSED 0x8u     /* on_close ran */

/* Sends waiting per UDP socket before rv_udp_send drops (-ENOBUFS). */
#define RV__UDP_MAX_QUEUED 4096u

/* One datagram being sent: owns its view until the kernel is done. */
struct rv__udp_send {
	struct rv__link link; /* the backend's queue, when it keeps one */
	rv_udp *u;
	rv_view v;
	struct sockaddr_storage peer;
	struct msghdr msg;
	struct iovec iov;
};

struct rv_udp {
	rv_loop *loop;
	int fd;
	uint16_t port;
	uint32_t flags;
	uint32_t ops;        /* kernel operations outstanding */
	uint32_t busy;       /* callbacks running: the socket stays */
	uint32_t queued;     /* sends not completed */
	int err;             /* reported to on_close */
	const struct rv_udp_ops *cb;
	void *user;
	struct rv_udp_stats stats;
	uint32_t drops_seen; /* SO_RXQ_OVFL's counter at the last datagram */
	struct rv__link link;  /* loop->udps */
	struct rv__link park;  /* backend's sockets waiting for buffers */
	void *be;              /* backend's state, freed with the socket */
};

struct rv__backend {
	const char *name;
	int (*init)(rv_loop *loop);
	void (*fini)(rv_loop *loop);
	/* Wait up to timeout_ms and process events; returns how many. */
	int (*run_once)(rv_loop *loop, int timeout_ms);
	int (*listen_start)(rv_listener *l);
	void (*listen_stop)(rv_listener *l);
	/* Start or resume receiving on |c|. */
	void (*recv_start)(rv_conn *c);
	/* Stop receiving (backpressure, closing). */
	void (*recv_stop)(rv_conn *c);
	/* Send what is queued in c->out (nothing in flight). */
	void (*send_start)(rv_conn *c);
	/* Abandon every operation on |c| (the socket is shut down). */
	void (*conn_kill)(rv_conn *c);
	/* UDP: start receiving on |u| (0 or -errno); stop for good
	 * (closing: cancel what is posted); send |op| (the backend owns it
	 * and reports it with rv__udp_send_done). */
	int (*udp_start)(rv_udp *u);
	void (*udp_stop)(rv_udp *u);
	void (*udp_send)(rv_udp *u, struct rv__udp_send *op);
	/* Watch |fd|, an eventfd other threads write to when they released
	 * the last view of a buffer of this loop's (RV_POOL_ATOMIC) pool:
	 * call rv__loop_collect when it is readable. */
	int (*watch_wake)(rv_loop *loop, int fd);
	/* Buffers kept in the kernel's ring (0 when there is none). */
	uint32_t (*ring_fill)(const rv_loop *loop);

	/* Embedding in an application's libev loop (embed.c, ringview/ev.h).
	 * Both are NULL for a backend that runs on that libev loop itself. */
	/* Make the kernel signal |efd| (an eventfd) whenever run_once(loop,
	 * 0) has completions to process. The caller keeps |efd| open until
	 * after fini. */
	int (*watch_eventfd)(rv_loop *loop, int efd);
	/* Hand everything prepared to the kernel without waiting: called
	 * just before the application's loop blocks. */
	void (*submit)(rv_loop *loop);
};

#ifdef RV_HAVE_URING
extern const struct rv__backend rv__backend_uring;
#endif
struct ev_loop;

#ifdef RV_HAVE_EV
extern const struct rv__backend rv__backend_ev;
/* The libev loop a loop on the libev backend runs on, else NULL. */
struct ev_loop *rv__ev_backend_loop(const rv_loop *loop);
#endif

struct rv_loop {
	rv_pool *pool;
	const struct rv__backend *be;
	void *be_state;
	struct rv_loop_config cfg;
	struct rv_loop_stats stats;  /* ring_fill is filled in on request */
	volatile sig_atomic_t stop;
	bool destroying;
	uint32_t nconns;
	uint32_t closing_listeners; /* closed, kernel not done with them */
	struct rv__link conns;	    /* every open connection */
	struct rv__link listeners;
	struct rv__link dirty; /* connections with output to start */
	struct rv__link udps;  /* UDP sockets not yet freed */
	uint32_t nudps;
	int wake_fd;           /* eventfd for releases on other threads */
	bool owned;            /* the pool belongs to the running thread */
	/* The application's libev loop the rv_loop runs on (ringview/ev.h),
	 * or NULL when it runs by itself. */
	struct ev_loop *ev_host;
	/* Undoes what the embedding set up; called first by rv_loop_shutdown.
	 */
	void (*detach)(rv_loop *loop);
	void *embed;   /* the embedding's state */
	char why[320]; /* why the last backend could not start */
};

/* loop.c */
/* Make a loop (rv_loop_create), running on |ev_host| when not NULL. */
int rv__loop_create(const struct rv_loop_config *cfg, struct ev_loop *ev_host,
		    rv_loop **out);
/*
 * rv__loop_why records why a backend cannot run here, as one sentence
 * naming the cause and the fix (e.g. "io_uring_setup was refused (EPERM)
 * ...: allow ... in the seccomp profile"). A backend's init calls it
 * instead of logging; rv_loop_create logs it once - as an error when that
 * backend was asked for, as a warning when it falls back to another.
 */
void rv__loop_why(rv_loop *loop, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Recycle what other threads released (the wake fd fired). */
void rv__loop_collect(rv_loop *loop);

/* An IPv4 or IPv6 literal (NULL or "": 0.0.0.0) and |port| as a socket
 * address; -EINVAL (logged) otherwise. */
int rv__parse_addr(const char *host, uint16_t port,
		   struct sockaddr_storage *ss, socklen_t *len);

/* conn.c: the connection life cycle, shared by the backends. */
rv_conn *rv__conn_accepted(rv_listener *l, int fd);
/* Moves every view of |views| to the connection's input; |views| is left
 * empty with its storage kept (a backend reuses one scratch chain). */
void rv__conn_received(rv_conn *c, rv_chain *views);
void rv__conn_eof(rv_conn *c);
void rv__conn_fail(rv_conn *c, int err);
void rv__conn_send_done(rv_conn *c);
void rv__conn_op_done(rv_conn *c);
void rv__loop_flush_dirty(rv_loop *loop);
void rv__listener_op_done(rv_listener *l);

/* udp.c: the UDP socket life cycle, shared by the backends. */
/* Deliver a datagram (counts it; |v| goes to the application). */
void rv__udp_deliver(rv_udp *u, rv_view v, const struct sockaddr *peer,
		     socklen_t peer_len, bool truncated);
/* The kernel's SO_RXQ_OVFL counter as of the last datagram. */
void rv__udp_kernel_drops(rv_udp *u, uint32_t counter);
/* A send is done (res: bytes or -errno): release and free |op|. */
void rv__udp_send_done(rv_udp *u, struct rv__udp_send *op, int res);
/* A kernel operation on |u| ended. */
void rv__udp_op_done(rv_udp *u);
/* Close every UDP socket of |loop| (shutdown). */
void rv__udp_close_all(rv_loop *loop);
/* Free |u| if it is closing and nothing refers to it any more. */
void rv__udp_maybe_free(rv_udp *u);

/* pool.c: what a backend needs of the pool. */
int rv__pool_take_id(rv_pool *pool, uint32_t *id);
void rv__pool_put_id(rv_pool *pool, uint32_t id);
void rv__pool_view(rv_pool *pool, uint32_t id, uint32_t off, uint32_t len,
		   rv_view *out);
void rv__pool_set_recycle_hook(rv_pool *pool, rv__recycle_hook fn, void *ctx);
void rv__pool_count_received(rv_pool *pool, size_t n);
void rv__pool_count_enobufs(rv_pool *pool);
uint32_t rv__pool_free_ids(const rv_pool *pool);
uint8_t *rv__pool_arena(const rv_pool *pool, size_t *len);
void rv__buf_send_begin(struct rv_buf *b);
void rv__buf_send_end(struct rv_buf *b);

#endif /* RINGVIEW_LOOP_INTERNAL_H */
