/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * list.h - an intrusive doubly linked list (libuv's queue, smaller): the
 * loop's lists of connections, listeners, UDP sockets, and connections
 * waiting for buffers or for their input to be consumed; and a singly
 * linked FIFO (rv__queue) for the connections with work this pass.
 */
#ifndef RINGVIEW_LIST_H
#define RINGVIEW_LIST_H

#include <stdbool.h>
#include <stddef.h>

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
/* A node is linked while on a list; rv__list_del unlinks it. */
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
	/* clang 14's analyzer does not see that, for the first node, n->prev
	 * is the head: a loop that unlinks and frees the head's first node
	 * until the list is empty looks to it as if
	 * it found the freed node again. */
	/* NOLINTBEGIN(clang-analyzer-core.NullDereference) */
	/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
	n->prev->next = n->next;
	/* NOLINTEND(clang-analyzer-unix.Malloc) */
	/* NOLINTEND(clang-analyzer-core.NullDereference) */
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
}

/*
 * A FIFO linked through one pointer per node, for lists only appended to
 * and taken from the front (the loop's dirty and deferred connections):
 * half the bytes of a rv__link in every connection. Whether a node is on
 * one is its owner's to track (a flag): the last node's next is NULL.
 */
struct rv__qnode {
	struct rv__qnode *next;
};
struct rv__queue {
	struct rv__qnode *head, *tail;
};

static inline bool rv__queue_empty(const struct rv__queue *q)
{
	return q->head == NULL;
}
static inline void rv__queue_push(struct rv__queue *q, struct rv__qnode *n)
{
	n->next = NULL;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
}
/* The first node, taken off; NULL when empty. */
static inline struct rv__qnode *rv__queue_pop(struct rv__queue *q)
{
	struct rv__qnode *n = q->head;

	if (n) {
		q->head = n->next;
		if (!q->head)
			q->tail = NULL;
		n->next = NULL;
	}
	return n;
}

#define rv__container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif /* RINGVIEW_LIST_H */
