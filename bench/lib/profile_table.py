#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""profile_table.py - where a server's CPU per message goes, from perf
samples: the table of bench/echo/profile-echo.sh and of
bench/proxy/run-proxy.sh --profile.

Reads lines "SERVER RUN MSGS_PER_S REPORT" on stdin, REPORT being the
output of `perf report --no-children --sort sym -q -F sample,sym` for one
run; sorts every sampled symbol into a category, turns samples into
microseconds per message (a sample is 1/FREQ s) and prints, per server,
the median over its runs of each category. Then, against FACTOR times the
total of the server named by --base (a CPU target), what each server would
still cost if its user space cost nothing: the network stack alone is the
same work for every server, a floor no server can go under. And, apart,
the network stack's two copies of the payload: into the receiver's
memory (_copy_to_iter) and out of the sender's (_copy_from_iter). The
same bytes cost every server the same copies unless one reads them from
farther away: at 64 KiB a send that reads data which has left the cache
costs more per byte than one that sends what it has just received.
"""
import argparse
import re
import statistics
import sys

CATEGORIES = ['network stack', 'event mechanism', 'sched/wakeup', 'user space']
# The payload's copies, within the network stack.
COPIES = {'_copy_to_iter': 'recv copy', '_copy_from_iter': 'send copy'}

# Kernel symbols of the event mechanism: io_uring's own code (and the file
# references it takes per request), epoll's, and syscall entry and exit.
EVENT_PREFIXES = ('io_', '__io_', 'ep_', '__ep_', '__x64_sys_', '__sys_',
                  '__do_sys_', 'x64_sys_call', 'do_syscall_64', 'entry_SYSCALL',
                  'syscall_exit', 'syscall_enter', 'fdget', '__fdget',
                  'sockfd_lookup', 'fget', 'fput', 'llist_reverse_order')
EVENT_WORDS = ('io_uring', 'epoll')
# The scheduler: sleeping, waking and switching.
SCHED_WORDS = ('schedule', 'switch_to', 'finish_task_switch', 'try_to_wake',
               'wake_up', 'enqueue_', 'dequeue_', 'update_curr', 'pick_next',
               'select_task_rq', 'ttwu', 'hrtimer', 'tick_', 'native_safe_halt')


def category(kernel, sym):
    if not kernel:
        return 'user space'
    if sym.startswith(EVENT_PREFIXES) or any(w in sym for w in EVENT_WORDS):
        return 'event mechanism'
    if any(w in sym for w in SCHED_WORDS):
        return 'sched/wakeup'
    return 'network stack'


def load(path, freq, seconds, msgs_per_s):
    per = dict.fromkeys(CATEGORIES, 0)
    copies = dict.fromkeys(COPIES.values(), 0)
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*(\d+)\s+\[(.)\]\s+(\S+)', line)
            if m:
                per[category(m[2] == 'k', m[3])] += int(m[1])
                if m[2] == 'k' and m[3] in COPIES:
                    copies[COPIES[m[3]]] += int(m[1])
    msgs = msgs_per_s * seconds
    us = lambda v: v / freq * 1e6 / msgs
    return ({k: us(v) for k, v in per.items()},
            {k: us(v) for k, v in copies.items()})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--freq', type=float, required=True)
    ap.add_argument('--seconds', type=float, required=True)
    ap.add_argument('--base', default='epoll',
                    help='the server the target is set against')
    ap.add_argument('--factor', type=float, default=0.8,
                    help='the target: at most this times --base\'s total')
    a = ap.parse_args()
    runs = {}
    for line in sys.stdin:
        name, _run, msgs, path = line.split()
        runs.setdefault(name, []).append(load(path, a.freq, a.seconds, float(msgs)))
    copies = {name: [c for _, c in rs] for name, rs in runs.items()}
    runs = {name: [r for r, _ in rs] for name, rs in runs.items()}
    if not runs:
        print('no profile was taken')
        return 1
    print()
    print('sampled server CPU per message, us (medians over the runs)')
    print('%-16s %8s' % ('server', 'total') +
          ''.join('%17s' % c for c in CATEGORIES))
    med = {}
    for name, rs in runs.items():
        m = {c: statistics.median(r[c] for r in rs) for c in CATEGORIES}
        m['total'] = statistics.median(sum(r.values()) for r in rs)
        med[name] = m
        print('%-16s %8.2f' % (name, m['total']) +
              ''.join('%11.2f (%2.0f%%)' % (m[c], 100 * m[c] / m['total'])
                      for c in CATEGORIES))
    print()
    print('the payload\'s copies in the network stack, us per message '
          '(medians)')
    print('%-16s %12s %12s' % ('server', 'recv copy', 'send copy'))
    for name, cs in copies.items():
        print('%-16s %12.2f %12.2f' % (
            name, statistics.median(c['recv copy'] for c in cs),
            statistics.median(c['send copy'] for c in cs)))
    if a.base in med:
        base = med[a.base]['total']
        limit = a.factor * base
        print()
        print('Against %gx %s\'s total (%.2f us): what is left of each '
              'server if its user space cost nothing' % (a.factor, a.base, limit))
        print('%-16s %15s %27s' % ('server', 'network stack',
                                   '+ event mechanism'))
        for name, m in med.items():
            net = m['network stack']
            both = net + m['event mechanism']
            print('%-16s %8.2f %5.2fx %13.2f %5.2fx%s'
                  % (name, net, net / base, both, both / base,
                     '  above %gx' % a.factor if both > limit else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
