/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/ringview.h - the umbrella header: include this one.
 *
 * Buffers (no sockets):
 *   common.h    errors, logging, conventions
 *   view.h      reference-counted views of buffers
 *   pool.h      the arena of receive buffers
 *   chain.h     ordered queues of views (byte streams)
 *   cursor.h    borrowed, bounds-checked readers over views and chains
 * The event loop:
 *   loop.h      the loop (io_uring or libev backend) and its pool
 *   addr.h      socket addresses from and to text
 *   conn.h      TCP listeners and connections
 *   udp.h       UDP sockets, one view per datagram
 *   timer.h     timers on the loop
 * Protocols:
 *   pipeline.h  stages that pass views to each other
 *   http.h      HTTP/1.1 requests framed and parsed as views
 *
 * Not included here: ev.h, to run a loop inside the application's own
 * libev loop (it includes <ev.h>; present when built with libev).
 */
#ifndef RINGVIEW_RINGVIEW_H
#define RINGVIEW_RINGVIEW_H

#include "common.h"
#include "view.h"
#include "pool.h"
#include "chain.h"
#include "cursor.h"
#include "loop.h"
#include "addr.h"
#include "conn.h"
#include "udp.h"
#include "timer.h"
#include "pipeline.h"
#include "http.h"

#endif /* RINGVIEW_RINGVIEW_H */
