#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""c100k_table.py - the table and the targets of bench/c100k/run-c100k.sh.

usage: c100k_table.py --scenarios SCEN.csv --loads LOADS.csv
                      [--targets OUT.csv]

SCEN.csv has one row per (server, scenario): the idle crowd it held, the
ramp, the servers' VmRSS and the kernel's memory before and after.
LOADS.csv has one row per 64 B x 50 loadgen run: the scenario, the server,
the phase ("without" the crowd: before the ramp and after the release;
"with-crowd"), then loadgen's --csv columns. "without" and "with" are the
medians of their phase's runs.

Targets, for the ringview servers (epoll-echo is the reference):
  at most 200 B of server user space (VmRSS) per idle connection;
  the load's p99 with the crowd at most 1.2x its p99 without.

Exit status: 0 when every target passed, 1 when one was missed or could
not be measured, 2 on bad input.
"""
import argparse
import csv
import os
import sys

# What this table shares with the others is in bench/lib/runs_table.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from runs_table import fmt, median, num, ratio, write_targets  # noqa: E402

USER_LIMIT = 200  # B of user space per idle connection
P99_LIMIT = 1.2   # p99 with the crowd / p99 without


def read_csv(path):
    with open(path, newline='') as f:
        return [r for r in csv.DictReader(
            line for line in f if not line.startswith('#'))]


def load_figures(loads, scenario, server, phase):
    rows = [r for r in loads if r['scenario'] == scenario and
            r['server'] == server and r['phase'] == phase and
            r.get('mode') == 'load']
    return (median([num(r['msgs_per_s']) for r in rows]),
            median([num(r['p99_us']) for r in rows]), len(rows),
            median([num(r.get('other_pct')) for r in rows]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--loads', required=True)
    ap.add_argument('--targets')
    a = ap.parse_args()
    try:
        scen = read_csv(a.scenarios)
        loads = read_csv(a.loads)
    except (OSError, csv.Error) as e:
        print('c100k_table.py: %s' % e, file=sys.stderr)
        return 2

    hdr = ('%-15s %-6s %5s %3s %7s %8s %8s %6s %6s %6s %9s %7s %9s %7s '
           '%5s %6s' % ('server', 'scen.', 'procs', 'lgs', 'held',
                        'accepted', 'ramp c/s', 'user B', 'kern B',
                        'sock B', 'w/o msg/s', 'w/o p99', 'with msg/s',
                        'w p99', 'p99 x', 'other'))
    print(hdr)
    print('-' * len(hdr))
    targets = []
    for s in scen:
        name, sc = s['server'], s['scenario']
        held = num(s['held']) or 0
        ramp = num(s['ramp_s'])
        rate = held / ramp if ramp else None
        m0, p0, n0, o0 = load_figures(loads, sc, name, 'without')
        m1, p1, n1, o1 = load_figures(loads, sc, name, 'with-crowd')
        pr = ratio(p1, p0)
        other = median([o0, o1])
        print('%-15s %-6s %5s %3s %7d %8s %8s %6s %6s %6s %9s %7s %9s %7s '
              '%5s %6s'
              % (name, sc, s['procs'], s['loadgens'], held,
                 s['servers_held'], fmt(rate), s['user_b_per_conn'],
                 s['kernel_b_per_conn'], s['sock_slab_b_per_conn'] or '-',
                 fmt(m0), fmt(p0, '%.0f'), fmt(m1), fmt(p1, '%.0f'),
                 fmt(pr, '%.2f'), fmt(other, '%.0f%%')))
        runs = ['%s %s' % (ph, ' '.join(fmt(num(r['p99_us']))
                                        for r in loads
                                        if r['scenario'] == sc and
                                        r['server'] == name and
                                        r['phase'] == ph))
                for ph in ('without', 'with-crowd')]
        if n0 or n1:
            print('    p99 of each run, in order (us): %s' % '; '.join(runs))
        if s['stopped_by']:
            print('    stopped: %s' % s['stopped_by'])
        if not name.startswith('ringview'):
            continue
        what = '%s, %d idle' % (sc, held)
        user = num(s['user_b_per_conn'])
        targets.append(('user B per idle conn <= %d (%s)' % (USER_LIMIT,
                                                            what),
                        name, fmt(user), USER_LIMIT,
                        'PASS' if user is not None and held > 0 and
                        user <= USER_LIMIT else 'FAIL'))
        if n0 and n1:
            targets.append(('p99 with crowd <= %.1fx without (%s)' %
                            (P99_LIMIT, what), name, fmt(pr, '%.2f'),
                            P99_LIMIT,
                            'PASS' if pr is not None and pr <= P99_LIMIT
                            else 'FAIL'))
    print()
    print('held: idle connections loadgen held; accepted: descriptors the '
          'server processes gained; user B: server VmRSS per idle '
          'connection;\nkern B: /proc/meminfo Slab per connection (both '
          'ends); sock B: the socket, inode, file and epoll slab caches '
          'alone; w/o, with: the 64 B x 50 load\nwithout and with the '
          'crowd (medians; p99 in us); p99 x: with / without; other: CPU '
          'other processes used during the load runs (median, % of one '
          'core).')
    if targets:
        print()
        print('targets (ringview servers):')
        for t, name, measured, limit, verdict in targets:
            print('  %-4s %-15s %-45s measured %s' % (verdict, name, t,
                                                    measured))
    if a.targets:
        write_targets(a.targets, targets, 'server')
    return 1 if any(t[4] != 'PASS' for t in targets) else 0


if __name__ == '__main__':
    sys.exit(main())
