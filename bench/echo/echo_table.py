#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""echo_table.py - the table, the targets and the CSV of bench/echo/run-echo.sh.

usage: echo_table.py --runs RUNS.csv [--idle IDLE.csv --idle-conns N]
                     [--summary OUT.csv] [--targets OUT.csv]
                     [--plot-data PREFIX]

RUNS.csv has one row per loadgen run (run-echo.sh writes it: the script's
columns, then loadgen's --csv columns); only rows with kept=1 count (the
others were measured again because the machine was busy). IDLE.csv has one
row per idle-memory measurement. For every (size, conns, server) the table
gives the median over the runs of every figure, and the ratio of each
server to the epoll baseline. When the raw liburing baseline (server
'uring', bench/baselines/uring-echo) was measured beside ringview-uring, a short
section follows: ringview-uring against uring in each combination (msgs/s,
server CPU per message and its difference: roughly what the library adds
to what io_uring itself costs; negative where the library does less kernel
work than the plain one-buffer-per-send server, as with large messages).
Then the targets of the benchmark issue, for the ringview servers only,
each with PASS or FAIL and the measured value:

  64 B, 50 and 500 connections: msgs/s >= 1.2x the baseline's, and server
      CPU per message <= 0.8x the baseline's
  64 KiB, every connection count: MiB/s >= 1.0x the baseline's with no
      latency stalls: no loadgen errors (it flags a connection that got
      nothing back for a second), p99.9 <= max(2x the baseline's, 1 ms)
      and max <= max(2x the baseline's, 100 ms)
  500 connections x 64 KiB: peak server RSS (VmHWM) <= 0.5x the baseline's
  idle: <= 1 KiB of server RSS per idle connection (at 10,000)

and those of issue 16, judged on the paired ratio (the median over the
runs of the ratio within each run; see below):

  64 KiB, 50 and 500 connections: msgs/s >= 1.1x epoll's and server CPU
      per message <= 0.9x epoll's (for ringview-uring; run with --discard
      so that the server, not loadgen, is the bottleneck)
  64 B, 50 and 500 connections: ringview-uring's server CPU per message
      <= 1.03x raw liburing's (uring-echo; only when uring was measured)

A ratio is that of the medians; "runs" lists the ratio within each run
(the servers of one run were measured one after the other), to show how
much a verdict near its limit can be trusted. The targets of issue 16 are
within a few percent, where the machine's drift between runs (10-30% on
the 2-core VM) decides a ratio of medians: they are judged on the paired
ratio, which drift within one run (seconds) moves far less; both ratios
are printed.

PREFIX-msgs.dat and PREFIX-cpu.dat are the medians laid out for
bench/echo/plot-echo.gp. Exit status: 0 when every target passed, 1 when one was
missed or could not be measured, 2 on bad input.
"""
import argparse
import csv
import os
import sys

# What this table shares with proxy_table.py is in bench/lib/runs_table.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from runs_table import (csv_num, fmt, median, notes, num,  # noqa: E402
                        order_key, paired_ratio, ratio, read_runs,
                        run_ratios, size_label, write_plot_data,
                        write_targets)

BASE = 'epoll'
SERVER_ORDER = ['epoll', 'uring', 'ringview-uring', 'ringview-ev']
server_key = order_key(SERVER_ORDER)
# The hand-written liburing server, and the ringview server it is compared
# with (the same kernel interface, without the library).
RAW_URING, RV_URING = 'uring', 'ringview-uring'
FIGURES = ['msgs_per_s', 'mib_per_s', 'p50_us', 'p99_us', 'p999_us',
           'max_us', 'server_cpu_us_per_msg', 'server_cpu_pct', 'lg_cpu_pct',
           'peak_rss_kib', 'rv_enobufs', 'rv_highwater', 'rv_parked',
           'other_pct']


def read_idle(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        out.setdefault(r['server'], []).append(r)
    idle = {}
    for server, rs in out.items():
        idle[server] = {
            'runs': len(rs),
            'rss_before_kib': median(num(r['rss_before_kib']) for r in rs),
            'rss_after_kib': median(num(r['rss_after_kib']) for r in rs),
            'bytes_per_conn': median(num(r['bytes_per_conn']) for r in rs),
            'connected': min(int(num(r['connected']) or 0) for r in rs),
            'conns': int(num(rs[0]['conns']) or 0),
        }
    return idle


def flags(s):
    out = notes(s, 'server')
    if s.get('rv_enobufs'):
        out.append('enobufs %.0f' % s['rv_enobufs'])
    return ', '.join(out)


def print_table(summary, servers):
    combos = sorted({(k[0], k[1]) for k in summary})
    hdr = ('%-7s %5s  %-15s %9s %8s %8s %8s %8s %7s %7s  %6s %6s %6s %6s  %s'
           % ('size', 'conns', 'server', 'msgs/s', 'MiB/s', 'p50 us',
              'p99 us', 'p99.9 us', 'us CPU', 'peak', 'x msgs', 'x CPU',
              'x MiB', 'x RSS', 'notes'))
    print('Load: medians over the runs; "us CPU" is server CPU time per '
          'message, "peak" the server\'s VmHWM in MiB;')
    if RAW_URING in servers:
        print('x = ratio server/baseline (epoll) in the same combination.')
    else:
        print('x = ratio ringview/baseline (epoll) in the same combination.')
    print()
    print(hdr)
    print('-' * len(hdr))
    for size, conns in combos:
        base = summary.get((size, conns, BASE))
        for server in servers:
            s = summary.get((size, conns, server))
            if s is None:
                continue
            xs = ['', '', '', '']
            if base and server != BASE:
                xs = [fmt(ratio(s[a], base[a]), '%.2f') for a in
                      ('msgs_per_s', 'server_cpu_us_per_msg', 'mib_per_s',
                       'peak_rss_kib')]
            print('%-7s %5d  %-15s %9s %8s %8s %8s %8s %7s %7s  %6s %6s %6s '
                  '%6s  %s' % (
                      size_label(size), conns, server,
                      fmt(s['msgs_per_s']), fmt(s['mib_per_s'], '%.1f'),
                      fmt(s['p50_us'], '%.1f'), fmt(s['p99_us'], '%.1f'),
                      fmt(s['p999_us'], '%.1f'),
                      fmt(s['server_cpu_us_per_msg'], '%.2f'),
                      fmt(None if s['peak_rss_kib'] is None else
                          s['peak_rss_kib'] / 1024, '%.1f'),
                      *xs, flags(s)))
    print()


def print_vs_raw_uring(summary):
    """ringview-uring against the raw liburing server, per combination."""
    combos = sorted({(k[0], k[1]) for k in summary
                     if (k[0], k[1], RAW_URING) in summary
                     and (k[0], k[1], RV_URING) in summary})
    if not combos:
        return
    print('%s vs raw liburing (%s): x = ratio %s/%s; "+us CPU" = its '
          'server CPU' % (RV_URING, RAW_URING, RV_URING, RAW_URING))
    print('per message minus %s\'s (what the library adds; negative: it is '
          'the cheaper one).' % RAW_URING)
    print()
    hdr = '%-7s %5s  %9s %9s %7s  %7s %7s %8s %8s' % (
        'size', 'conns', 'rv msgs/s', 'uring', 'x msgs', 'us CPU', 'x CPU',
        '+us CPU', 'x paired')
    print(hdr)
    print('-' * len(hdr))
    for size, conns in combos:
        rv = summary[(size, conns, RV_URING)]
        raw = summary[(size, conns, RAW_URING)]
        cpu_rv, cpu_raw = (rv['server_cpu_us_per_msg'],
                           raw['server_cpu_us_per_msg'])
        print('%-7s %5d  %9s %9s %7s  %7s %7s %8s %8s' % (
            size_label(size), conns, fmt(rv['msgs_per_s']),
            fmt(raw['msgs_per_s']),
            fmt(ratio(rv['msgs_per_s'], raw['msgs_per_s']), '%.2f'),
            fmt(cpu_rv, '%.2f'), fmt(ratio(cpu_rv, cpu_raw), '%.2f'),
            fmt(None if cpu_rv is None or cpu_raw is None else
                cpu_rv - cpu_raw, '%+.2f'),
            fmt(paired_ratio(rv, raw, 'server_cpu_us_per_msg'), '%.3f')))
    print('"x paired": the median over the runs of the CPU ratio within '
          'each run.')
    print()


def print_idle(idle, servers):
    if not idle:
        return
    print('Idle: server VmRSS before and with the idle connections held '
          '(medians over the runs)')
    hdr = '%-15s %10s %10s %10s %9s %8s' % (
        'server', 'before KiB', 'held KiB', 'connected', 'B/conn', 'x B/conn')
    print(hdr)
    print('-' * len(hdr))
    base = idle.get(BASE)
    for server in servers:
        i = idle.get(server)
        if not i:
            continue
        x = ''
        if base and server != BASE:
            x = fmt(ratio(i['bytes_per_conn'], base['bytes_per_conn']),
                    '%.2f')
        print('%-15s %10s %10s %5d/%-4d %9s %8s' % (
            server, fmt(i['rss_before_kib']), fmt(i['rss_after_kib']),
            i['connected'], i['conns'], fmt(i['bytes_per_conn']), x))
    print()


def targets(summary, idle, servers, conns_all):
    """Yields (target, server, measured text, limit text, verdict)."""
    for server in servers:
        if server == BASE or not server.startswith('ringview'):
            continue  # the targets are ringview's, not the baselines'

        def pair(size, conns):
            return (summary.get((size, conns, server)),
                    summary.get((size, conns, BASE)))

        for conns in (50, 500):
            s, b = pair(64, conns)
            for fig, what, lim, ge in (
                    ('msgs_per_s', 'msgs/s', 1.2, True),
                    ('server_cpu_us_per_msg', 'CPU/msg', 0.8, False)):
                name = '64 B x %d: %s %s %.1fx baseline' % (
                    conns, what, '>=' if ge else '<=', lim)
                r = ratio(s[fig], b[fig]) if s and b else None
                if r is None:
                    yield name, server, 'not measured', '', 'n/a'
                    continue
                ok = r >= lim if ge else r <= lim
                yield (name, server, '%.2fx (%s vs %s%s)' % (
                    r, fmt(s[fig], '%.2f' if not ge else '%.0f'),
                    fmt(b[fig], '%.2f' if not ge else '%.0f'),
                    run_ratios(s, b, fig)),
                    '%s %.1fx' % ('>=' if ge else '<=', lim),
                    'PASS' if ok else 'FAIL')
        for conns in conns_all:
            s, b = pair(65536, conns)
            name = '64 KiB x %d: MiB/s >= 1.0x baseline, no stalls' % conns
            if not (s and b) or ratio(s['mib_per_s'], b['mib_per_s']) is None:
                yield name, server, 'not measured', '', 'n/a'
                continue
            r = ratio(s['mib_per_s'], b['mib_per_s'])
            p999_lim = max(2 * b['p999_us'], 1000)
            max_lim = max(2 * b['max_us'], 100000)
            stalls = []
            if s['errors']:
                stalls.append('%d errors' % s['errors'])
            if s['p999_us'] > p999_lim:
                stalls.append('p99.9 %.0f us > %.0f' % (s['p999_us'],
                                                      p999_lim))
            if s['max_us'] > max_lim:
                stalls.append('max %.0f us > %.0f' % (s['max_us'], max_lim))
            ok = r >= 1.0 and not stalls
            yield (name, server, '%.2fx (%.0f vs %.0f MiB/s%s); %s' % (
                r, s['mib_per_s'], b['mib_per_s'],
                run_ratios(s, b, 'mib_per_s'),
                '; '.join(stalls) if stalls else
                'no stalls (p99.9 %.0f us, max %.0f us)' % (s['p999_us'],
                                                            s['max_us'])),
                '>= 1.0x', 'PASS' if ok else 'FAIL')
        s, b = pair(65536, 500)
        name = '500 x 64 KiB: peak RSS <= 0.5x baseline'
        r = ratio(s['peak_rss_kib'], b['peak_rss_kib']) if s and b else None
        if r is None:
            yield name, server, 'not measured', '', 'n/a'
        else:
            yield (name, server, '%.2fx (%.1f vs %.1f MiB%s)' % (
                r, s['peak_rss_kib'] / 1024, b['peak_rss_kib'] / 1024,
                run_ratios(s, b, 'peak_rss_kib')),
                '<= 0.5x', 'PASS' if r <= 0.5 else 'FAIL')
        if server == RV_URING:
            yield from issue16_targets(summary, server)
        i = idle.get(server) if idle else None
        n = i['conns'] if i else 10000
        name = 'idle: <= 1 KiB per connection at %d' % n
        if not i or i['bytes_per_conn'] is None:
            yield name, server, 'not measured', '', 'n/a'
        else:
            ok = i['bytes_per_conn'] <= 1024 and i['connected'] == n
            yield (name, server, '%.0f B/conn (%d/%d connected)' % (
                i['bytes_per_conn'], i['connected'], n), '<= 1024 B',
                'PASS' if ok else 'FAIL')


def paired_target(name, s, b, fig, lim, ge):
    """One target on the paired ratio of |fig|: (name, measured, limit,
    verdict) with the ratio of the medians and every run's ratio."""
    r = paired_ratio(s, b, fig) if s and b else None
    if r is None:
        return name, 'not measured', '', 'n/a'
    ok = r >= lim if ge else r <= lim
    return (name, '%.3fx paired (ratio of medians %.2fx%s)' % (
        r, ratio(s[fig], b[fig]) or 0, run_ratios(s, b, fig)),
        '%s %.2fx' % ('>=' if ge else '<=', lim), 'PASS' if ok else 'FAIL')


def issue16_targets(summary, server):
    """Issue 16: 64 KiB against epoll, 64 B against raw liburing."""
    yield from issue16_epoll_targets(summary, server)
    yield from issue16_raw_targets(summary, server)


def issue16_epoll_targets(summary, server):
    """Issue 16, part 1: 64 KiB messages against the epoll baseline."""
    for conns in (50, 500):
        s = summary.get((65536, conns, server))
        b = summary.get((65536, conns, BASE))
        for fig, what, lim, ge in (
                ('msgs_per_s', 'msgs/s', 1.1, True),
                ('server_cpu_us_per_msg', 'CPU/msg', 0.9, False)):
            name, measured, limit, verdict = paired_target(
                '64 KiB x %d: %s %s %.1fx baseline (paired)' % (
                    conns, what, '>=' if ge else '<=', lim),
                s, b, fig, lim, ge)
            yield name, server, measured, limit, verdict


def issue16_raw_targets(summary, server):
    """Issue 16, part 3: the library's cost at 64 B against uring-echo."""
    for conns in (50, 500):
        s = summary.get((64, conns, server))
        raw = summary.get((64, conns, RAW_URING))
        if not raw:
            continue  # uring-echo was not run: not a target of this run
        name, measured, limit, verdict = paired_target(
            '64 B x %d: CPU/msg <= 1.03x raw liburing (paired)' % conns,
            s, raw, 'server_cpu_us_per_msg', 1.03, False)
        yield name, server, measured, limit, verdict


def write_summary(path, summary, idle, servers):
    cols = (['kind', 'size', 'conns', 'server', 'runs', 'noisy_runs',
             'errors'] + FIGURES +
            ['x_msgs_per_s', 'x_server_cpu_us_per_msg', 'x_mib_per_s',
             'x_peak_rss_kib', 'idle_rss_before_kib', 'idle_rss_after_kib',
             'idle_connected', 'idle_bytes_per_conn', 'x_idle_bytes_per_conn'])
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction='ignore')
        w.writeheader()
        for (size, conns, server) in sorted(
                summary, key=lambda k: (k[0], k[1], server_key(k[2]))):
            s = summary[(size, conns, server)]
            base = summary.get((size, conns, BASE))
            row = {'kind': 'load', 'size': size, 'conns': conns,
                   'server': server}
            row.update({k: csv_num(v) for k, v in s.items()
                        if k != 'per_run'})
            if base and server != BASE:
                for fig in ('msgs_per_s', 'server_cpu_us_per_msg',
                            'mib_per_s', 'peak_rss_kib'):
                    row['x_' + fig] = csv_num(ratio(s[fig], base[fig]))
            w.writerow(row)
        for server in servers:
            i = (idle or {}).get(server)
            if not i:
                continue
            base = idle.get(BASE)
            row = {'kind': 'idle', 'conns': i['conns'], 'server': server,
                   'runs': i['runs'],
                   'idle_rss_before_kib': fmt(i['rss_before_kib']),
                   'idle_rss_after_kib': fmt(i['rss_after_kib']),
                   'idle_connected': i['connected'],
                   'idle_bytes_per_conn': fmt(i['bytes_per_conn'])}
            if base and server != BASE:
                row['x_idle_bytes_per_conn'] = csv_num(
                    ratio(i['bytes_per_conn'], base['bytes_per_conn']))
            w.writerow(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', required=True)
    ap.add_argument('--idle')
    ap.add_argument('--idle-conns', type=int, default=10000)
    ap.add_argument('--summary')
    ap.add_argument('--targets')
    ap.add_argument('--plot-data')
    a = ap.parse_args()
    try:
        summary = read_runs(a.runs, 'server', FIGURES)
        idle = read_idle(a.idle) if a.idle else {}
    except (OSError, KeyError, ValueError) as e:
        print('echo_table.py: cannot read the results: %s' % e,
              file=sys.stderr)
        return 2
    servers = sorted({k[2] for k in summary} | set(idle), key=server_key)
    conns_all = sorted({k[1] for k in summary if k[0] == 65536})

    print_table(summary, servers)
    print_vs_raw_uring(summary)
    print_idle(idle, servers)
    if BASE in servers:
        ts = list(targets(summary, idle, servers, conns_all))
    else:  # only the targets against raw liburing can be judged
        ts = list(issue16_raw_targets(summary, RV_URING)) \
            if RV_URING in servers else []
    if ts:
        print('Targets (measured side by side in this run)')
        w = max(len(t[0]) for t in ts)
        for name, server, measured, limit, verdict in ts:
            print('%-4s  %-15s %-*s  %s' % (verdict, server, w, name,
                                              measured))
        npass = sum(t[4] == 'PASS' for t in ts)
        print('%d of %d targets passed' % (npass, len(ts)))
    if a.summary:
        write_summary(a.summary, summary, idle, servers)
    if a.targets:
        write_targets(a.targets, ts, 'server')
    if a.plot_data:
        write_plot_data(a.plot_data, summary, servers,
                        (('msgs_per_s', 'msgs', 1),
                         ('server_cpu_us_per_msg', 'cpu', 1)))
    return 0 if ts and all(t[4] == 'PASS' for t in ts) else 1


if __name__ == '__main__':
    sys.exit(main())
