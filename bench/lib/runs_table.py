# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""runs_table.py - what the tables of bench/echo/echo_table.py and
bench/proxy/proxy_table.py share: the runs CSV their scripts write read
into medians, the ratios between servers, and how figures are printed.

A runs CSV has one row per loadgen run: the script's columns (run, the
server's name under its NAME column, kept, noisy, NAME_exit, ...), then
loadgen's --csv columns (mode, errors, size, conns, msgs_per_s, ...).
Lines starting with '#' are comments. Only rows with kept=1 count (the
others were measured again because the machine was busy).
"""
import csv
import statistics


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def size_label(n):
    n = int(n)
    if n >= 1024 and n % 1024 == 0:
        return '%d KiB' % (n // 1024)
    return '%d B' % n


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(x, spec='%.0f', none='-'):
    return none if x is None else spec % x


def csv_num(v):
    """A figure for the CSV: at most 3 decimals, no trailing zeros."""
    if v is None:
        return ''
    if isinstance(v, float):
        return ('%.3f' % v).rstrip('0').rstrip('.')
    return v


def order_key(order):
    """A sort key: the names of |order| in its order, any other after."""
    return lambda name: (order.index(name) if name in order else 99, name)


def read_runs(path, name_col, figures):
    """{(size, conns, name): medians of |figures| over the kept runs that
    measured load, with their counts and each run's figures ('per_run')}.
    |name_col| is the column naming the server ('server', 'proxy')."""
    with open(path) as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith('#')))
    groups = {}
    for r in rows:
        if r.get('kept', '1') != '1':
            continue
        key = (int(r['size'] or 0), int(r['conns'] or 0), r[name_col])
        groups.setdefault(key, []).append(r)
    summary = {}
    for key, rs in groups.items():
        good = [r for r in rs if r.get('mode') == 'load']
        s = {f: median(num(r.get(f)) for r in good) for f in figures}
        s['runs'] = len(good)
        s['failed_runs'] = len(rs) - len(good)
        s['errors'] = sum(int(num(r.get('errors')) or 0) for r in good)
        s['noisy_runs'] = sum(r.get('noisy') == '1' for r in rs)
        s['bad_exit'] = sum(r.get(name_col + '_exit') not in ('0', '')
                            for r in rs)
        s['per_run'] = {int(r['run']): {f: num(r.get(f)) for f in figures}
                        for r in good}
        summary[key] = s
    return summary


def run_ratios(s, b, fig):
    """The ratio s/b in each run both were measured in, as text."""
    rs = [ratio(s['per_run'][k][fig], b['per_run'][k][fig])
          for k in sorted(set(s['per_run']) & set(b['per_run']))]
    rs = [x for x in rs if x is not None]
    if len(rs) < 2:
        return ''
    return '; runs %s' % ' '.join('%.2f' % x for x in rs)


def paired_ratio(s, b, fig):
    """The median over the runs of s/b within each run both were measured
    in: the servers of one run are measured one after the other, so each
    ratio is free of the machine's drift from one run to the next, which
    the ratio of the medians is not (it may pair two different runs)."""
    return median(ratio(s['per_run'][k][fig], b['per_run'][k][fig])
                  for k in sorted(set(s['per_run']) & set(b['per_run'])))


def notes(s, name_col):
    """The notes on a combination whose runs did not all go well."""
    out = []
    if s['noisy_runs']:
        out.append('noisy %d/%d' % (s['noisy_runs'], s['runs']))
    if s['errors']:
        out.append('%d loadgen errors' % s['errors'])
    if s['failed_runs']:
        out.append('%d failed runs' % s['failed_runs'])
    if s['bad_exit']:
        out.append('%s exit != 0' % name_col)
    return out


def write_plot_data(prefix, summary, names, plots):
    """PREFIX-SUFFIX.dat for each (figure, SUFFIX, scale) of |plots|: a
    row per (size, conns), a column per name, for gnuplot."""
    combos = sorted({(k[0], k[1]) for k in summary})
    for fig, suffix, scale in plots:
        with open('%s-%s.dat' % (prefix, suffix), 'w') as f:
            f.write('combo %s\n' % ' '.join('"%s"' % n for n in names))
            for size, conns in combos:
                vals = []
                for name in names:
                    s = summary.get((size, conns, name))
                    v = s[fig] if s else None
                    vals.append('NaN' if v is None else '%.3f' % (v * scale))
                f.write('"%s x%d" %s\n' % (size_label(size).replace(' ', ''),
                                           conns, ' '.join(vals)))


def write_targets(path, targets, name_col):
    """The targets, one row each: (target, name, measured, limit,
    verdict)."""
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['target', name_col, 'measured', 'limit', 'verdict'])
        w.writerows(targets)
