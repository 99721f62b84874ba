#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""proxy_table.py - the table, the targets and the CSV of bench/proxy/run-proxy.sh.

usage: proxy_table.py --runs RUNS.csv [--summary OUT.csv] [--targets OUT.csv]
                      [--plot-data PREFIX]

RUNS.csv has one row per loadgen run (run-proxy.sh writes it: the script's
columns, then loadgen's --csv columns); only rows with kept=1 count (the
others were measured again because the machine was busy). For every
(size, conns, proxy) the table gives the median over the runs of every
figure. Then ringview-uring and ringview-ev against haproxy, and against
the better HAProxy of the combination (haproxy or haproxy-splice, the one
with more msgs/s there), and the targets of issue 14, for the ringview
proxies only, each met or missed with the measured value:

  64 B and 4 KiB, every connection count: msgs/s >= 1.1x haproxy's, and
      the proxy's CPU per message <= 0.9x haproxy's
  64 KiB, every connection count: MiB/s >= 1.0x the better of haproxy
      and haproxy-splice
  500 connections x 64 KiB: peak RSS (VmHWM) <= 0.5x haproxy's

A ratio is that of the medians; "runs" lists the ratio within each run
(the proxies of one run were measured one after the other), to show how
much a verdict near its limit can be trusted.

PREFIX-msgs.dat, PREFIX-cpu.dat and PREFIX-rss.dat are the medians laid
out for bench/proxy/plot-proxy.gp. Exit status: 0 when every target was
met, 1 when one was missed or could not be measured, 2 on bad input.
"""
import argparse
import csv
import os
import sys

# What this table shares with echo_table.py is in bench/lib/runs_table.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from runs_table import (csv_num, fmt, notes,  # noqa: E402
                        order_key, ratio, read_runs, run_ratios, size_label,
                        write_plot_data, write_targets)

HAPROXY, SPLICE = 'haproxy', 'haproxy-splice'
RINGVIEW = ['ringview-uring', 'ringview-ev']
ORDER = RINGVIEW + [HAPROXY, SPLICE, 'epoll']
proxy_key = order_key(ORDER)
FIGURES = ['msgs_per_s', 'mib_per_s', 'p50_us', 'p99_us', 'p999_us',
           'max_us', 'server_cpu_us_per_msg', 'server_cpu_pct',
           'lg_cpu_pct', 'peak_rss_kib', 'rv_pauses', 'rv_resets',
           'other_pct', 'proxy_core_busy_pct', 'load_core_busy_pct']
# The figures compared, and whether more is better.
COMPARED = [('msgs_per_s', True), ('server_cpu_us_per_msg', False),
            ('mib_per_s', True), ('peak_rss_kib', False)]


def best_haproxy(summary, size, conns):
    """The HAProxy with more msgs/s in this combination: (name, figures)."""
    cands = [(p, summary.get((size, conns, p))) for p in (HAPROXY, SPLICE)]
    cands = [(p, s) for p, s in cands if s and s['msgs_per_s'] is not None]
    if not cands:
        return None, None
    return max(cands, key=lambda c: c[1]['msgs_per_s'])


def flags(s):
    # Not rv_resets: loadgen closes its connections with a message in
    # flight, so ringview-proxy counts resets at every run's end (in the
    # CSV); one within the run would have been a loadgen error.
    return ', '.join(notes(s, 'proxy'))


def print_table(summary, proxies):
    combos = sorted({(k[0], k[1]) for k in summary})
    hdr = ('%-7s %5s  %-15s %9s %8s %8s %8s %9s %7s %7s %5s %5s  %s'
           % ('size', 'conns', 'proxy', 'msgs/s', 'MiB/s', 'p50 us',
              'p99 us', 'p99.9 us', 'us CPU', 'peak', 'px %', 'ld %',
              'notes'))
    print('Load through each proxy to the same upstream (epoll-echo): '
          'medians over the runs;')
    print('"us CPU" is the proxy\'s CPU time per message, "peak" its VmHWM '
          'in MiB;')
    print('"px %" and "ld %" how busy the proxy\'s core and the load\'s core '
          '(loadgen and the upstream) were:')
    print('where "ld %" is 100, msgs/s is what the load side can drive, not '
          'what the proxy can carry.')
    print()
    print(hdr)
    print('-' * len(hdr))
    for size, conns in combos:
        for p in proxies:
            s = summary.get((size, conns, p))
            if s is None:
                continue
            print('%-7s %5d  %-15s %9s %8s %8s %8s %9s %7s %7s %5s %5s  %s' % (
                size_label(size), conns, p, fmt(s['msgs_per_s']),
                fmt(s['mib_per_s'], '%.1f'), fmt(s['p50_us'], '%.1f'),
                fmt(s['p99_us'], '%.1f'), fmt(s['p999_us'], '%.1f'),
                fmt(s['server_cpu_us_per_msg'], '%.2f'),
                fmt(None if s['peak_rss_kib'] is None else
                    s['peak_rss_kib'] / 1024, '%.1f'),
                fmt(s['proxy_core_busy_pct']), fmt(s['load_core_busy_pct']),
                flags(s)))
    print()


def print_ratios(summary, proxies):
    rvs = [p for p in proxies if p in RINGVIEW]
    combos = sorted({(k[0], k[1]) for k in summary})
    if not rvs:
        return
    if not any(summary.get((sz, c, HAPROXY)) or summary.get((sz, c, SPLICE))
               for sz, c in combos):
        print('No HAProxy measured: no ratios, no targets.')
        print()
        return
    print('ringview against HAProxy: x = ratio ringview/HAProxy of msgs/s, '
          'CPU per message, MiB/s and peak RSS;')
    print('"best" is the HAProxy with more msgs/s in the combination '
          '(h = haproxy, s = haproxy-splice).')
    print()
    hdr = ('%-7s %5s  %-15s %7s %7s %7s %7s  %4s %7s %7s %7s %7s' % (
        'size', 'conns', 'proxy', 'x msgs', 'x CPU', 'x MiB', 'x RSS',
        'best', 'x msgs', 'x CPU', 'x MiB', 'x RSS'))
    print('%-31s %-31s  %s' % ('', '--------- vs haproxy ---------',
                               '------------ vs best -------------'))
    print(hdr)
    print('-' * len(hdr))
    for size, conns in combos:
        h = summary.get((size, conns, HAPROXY))
        bname, b = best_haproxy(summary, size, conns)
        for p in rvs:
            s = summary.get((size, conns, p))
            if s is None:
                continue
            vs_h = [fmt(ratio(s[f], h[f]) if h else None, '%.2f')
                    for f, _ in COMPARED]
            vs_b = [fmt(ratio(s[f], b[f]) if b else None, '%.2f')
                    for f, _ in COMPARED]
            print('%-7s %5d  %-15s %7s %7s %7s %7s  %4s %7s %7s %7s %7s' % (
                size_label(size), conns, p, *vs_h,
                {HAPROXY: 'h', SPLICE: 's'}.get(bname, '-'), *vs_b))
    print()


def verdict(name, proxy, s, b, fig, limit, more, against):
    """One target: (name, proxy, measured text, limit text, verdict)."""
    r = ratio(s[fig], b[fig]) if s and b else None
    lim = '%s %.1fx' % ('>=' if more else '<=', limit)
    if r is None:
        return name, proxy, 'not measured', lim, 'n/a'
    ok = r >= limit if more else r <= limit
    spec = '%.2f' if fig == 'server_cpu_us_per_msg' else '%.0f'
    unit = {'mib_per_s': ' MiB/s', 'peak_rss_kib': ' KiB'}.get(fig, '')
    return (name, proxy, '%.2fx (%s vs %s%s of %s%s)' % (
        r, fmt(s[fig], spec), fmt(b[fig], spec), unit, against,
        run_ratios(s, b, fig)), lim, 'met' if ok else 'missed')


def targets(summary, proxies):
    """Yields (target, proxy, measured text, limit text, verdict)."""
    conns_at = {}
    for size, conns, _ in summary:
        conns_at.setdefault(size, set()).add(conns)
    for p in proxies:
        if p not in RINGVIEW:
            continue  # the targets are ringview's

        def pair(size, conns):
            return (summary.get((size, conns, p)),
                    summary.get((size, conns, HAPROXY)))

        for size in (64, 4096):
            for conns in sorted(conns_at.get(size, ())):
                s, h = pair(size, conns)
                for fig, what, limit, more in (
                        ('msgs_per_s', 'msgs/s', 1.1, True),
                        ('server_cpu_us_per_msg', 'CPU/msg', 0.9, False)):
                    name = '%s x %d: %s %s %.1fx haproxy' % (
                        size_label(size), conns, what,
                        '>=' if more else '<=', limit)
                    yield verdict(name, p, s, h, fig, limit, more, HAPROXY)
        for conns in sorted(conns_at.get(65536, ())):
            s = summary.get((65536, conns, p))
            bname, b = best_haproxy(summary, 65536, conns)
            name = '64 KiB x %d: MiB/s >= 1.0x best HAProxy' % conns
            yield verdict(name, p, s, b, 'mib_per_s', 1.0, True,
                          bname or 'HAProxy')
        s, h = pair(65536, 500)
        yield verdict('500 x 64 KiB: peak RSS <= 0.5x haproxy', p, s, h,
                      'peak_rss_kib', 0.5, False, HAPROXY)


def write_summary(path, summary):
    xs = ['x_haproxy_' + f for f, _ in COMPARED]
    xb = ['x_best_' + f for f, _ in COMPARED]
    cols = (['size', 'conns', 'proxy', 'runs', 'noisy_runs', 'errors',
             'failed_runs', 'bad_exit'] + FIGURES + xs + ['best_haproxy'] +
            xb)
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction='ignore')
        w.writeheader()
        for (size, conns, p) in sorted(
                summary, key=lambda k: (k[0], k[1], proxy_key(k[2]))):
            s = summary[(size, conns, p)]
            h = summary.get((size, conns, HAPROXY))
            bname, b = best_haproxy(summary, size, conns)
            row = {'size': size, 'conns': conns, 'proxy': p,
                   'best_haproxy': bname or ''}
            row.update({k: csv_num(v) for k, v in s.items()
                        if k != 'per_run'})
            for fig, _ in COMPARED:
                if h and p != HAPROXY:
                    row['x_haproxy_' + fig] = csv_num(ratio(s[fig], h[fig]))
                if b and p != bname:
                    row['x_best_' + fig] = csv_num(ratio(s[fig], b[fig]))
            w.writerow(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', required=True)
    ap.add_argument('--summary')
    ap.add_argument('--targets')
    ap.add_argument('--plot-data')
    a = ap.parse_args()
    try:
        summary = read_runs(a.runs, 'proxy', FIGURES)
    except (OSError, KeyError, ValueError) as e:
        print('proxy_table.py: cannot read the results: %s' % e,
              file=sys.stderr)
        return 2
    proxies = sorted({k[2] for k in summary}, key=proxy_key)

    print_table(summary, proxies)
    print_ratios(summary, proxies)
    has_hap = any(k[2] in (HAPROXY, SPLICE) for k in summary)
    ts = list(targets(summary, proxies)) if has_hap else []
    if ts:
        print('Targets of issue 14 (measured side by side in this run)')
        w = max(len(t[0]) for t in ts)
        for name, p, measured, limit, v in ts:
            print('%-6s  %-15s %-*s  %s' % (v, p, w, name, measured))
        print('%d of %d targets met' % (sum(t[4] == 'met' for t in ts),
                                        len(ts)))
    if a.summary:
        write_summary(a.summary, summary)
    if a.targets:
        write_targets(a.targets, ts, 'proxy')
    if a.plot_data:
        write_plot_data(a.plot_data, summary, proxies,
                        (('msgs_per_s', 'msgs', 1),
                         ('server_cpu_us_per_msg', 'cpu', 1),
                         ('peak_rss_kib', 'rss', 1 / 1024)))
    return 0 if ts and all(t[4] == 'met' for t in ts) else 1


if __name__ == '__main__':
    sys.exit(main())
