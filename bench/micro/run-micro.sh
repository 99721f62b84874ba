#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-micro.sh - build ringview for release and run bench/micro/micro pinned to
# one core, several times, then print the median of each row over the runs.
#
# usage: bench/micro/run-micro.sh [-b BUILDDIR] [-c CPU] [-n TIMES] [--csv]
#                           [--wheel] [-- MICRO-ARGS...]
#   -b BUILDDIR  release build directory (default: build-release in the
#                source tree; made with meson setup if missing, switched to
#                --buildtype=release -Db_ndebug=true if it is not)
#   -c CPU       core to pin to with taskset (default 1)
#   -n TIMES     how many times to run micro (default 3)
#   -r RETRIES   run again, up to RETRIES times, a run that found the
#                machine busy (default 3; 0 keeps every run)
#   --csv        also keep each run's CSV in bench/results/ (not committed)
#   --wheel      run bench/micro/wheel instead: what connections' deadlines
#                cost on the timing wheel (a push, and a tick with 100,000)
#   MICRO-ARGS   passed to micro, e.g. -- --iters 5000000 --filter slice
#
# Every run's table is printed as it comes; the summary at the end gives,
# per row, the median over the runs of micro's per-run medians and the
# smallest min. Exit status: micro's, or 1 when a build step fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
cpu=1
times=3
retries=3
keep_csv=no
prog=micro
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

usage() { sed -n '5,22s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	-b) builddir=$2; shift 2 ;;
	-c) cpu=$2; shift 2 ;;
	-n) times=$2; shift 2 ;;
	-r) retries=$2; shift 2 ;;
	--csv) keep_csv=yes; shift ;;
	--wheel) prog=wheel; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "run-micro.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

case $times in ''|*[!0-9]*|0) echo "run-micro.sh: -n needs a count" >&2; exit 2 ;; esac
case $retries in ''|*[!0-9]*) echo "run-micro.sh: -r needs a count" >&2; exit 2 ;; esac
if ! taskset -c "$cpu" true 2>/dev/null; then
	echo "run-micro.sh: cannot pin to cpu $cpu (have $(nproc) cpus)" >&2
	exit 2
fi

release_build
ninja -C "$builddir" "bench/micro/$prog"

idle_check "$prog"

micro=$builddir/bench/micro/$prog
stamp=$(date +%Y%m%d-%H%M%S)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

i=1
rc=0
left=$retries
while [ "$i" -le "$times" ]; do
	echo
	echo "== run $i of $times: taskset -c $cpu $micro --csv-file ... $*"
	taskset -c "$cpu" "$micro" --csv-file "$tmp/run$i.csv" "$@" || rc=$?
	if grep -q '^# .*quiet=0' "$tmp/run$i.csv" && [ "$left" -gt 0 ]; then
		left=$((left - 1))
		echo "== the machine was busy during run $i: running it again" \
		     "in 5 s ($left retries left)"
		sleep 5
		continue
	fi
	i=$((i + 1))
done

if [ "$keep_csv" = yes ]; then
	mkdir -p "$src/bench/results"
	for f in "$tmp"/run*.csv; do
		cp "$f" "$src/bench/results/$prog-$stamp-$(basename "$f")"
	done
	echo
	echo "CSV kept in $src/bench/results/$prog-$stamp-run*.csv"
fi

# Summary over the runs: median of the per-run medians, min of the mins.
echo
echo "== summary of $times runs (ns/op): median of run medians, min of mins"
python3 - "$tmp"/run*.csv <<'EOF'
import csv, statistics, sys
rows, order, shares = {}, [], []
for path in sys.argv[1:]:
    with open(path) as f:
        lines = f.readlines()
    shares += [l[2:].strip() for l in lines if l.startswith('# cpu_share=')]
    lines = [l for l in lines if not l.startswith('#')]
    for r in csv.DictReader(lines):
        name = r['operation']
        if name not in rows:
            rows[name] = {'med': [], 'min': [], 'target': r['target_ns']}
            order.append(name)
        rows[name]['med'].append(float(r['ns_median']))
        rows[name]['min'].append(float(r['ns_min']))
print('%-40s %8s %8s  %-22s %8s  %s' % ('operation', 'median', 'min',
      'per-run medians', 'target', 'verdict'))
failed = 0
for name in order:
    r = rows[name]
    med, mn = statistics.median(r['med']), min(r['min'])
    runs = ' '.join('%.1f' % x for x in r['med'])
    verdict = ''
    if r['target']:
        verdict = 'PASS' if med <= float(r['target']) else 'FAIL'
        failed += verdict == 'FAIL'
    print('%-40s %8.2f %8.2f  %-22s %8s  %s' % (name, med, mn, runs,
          '<= ' + r['target'] if r['target'] else '-', verdict))
if failed:
    print('%d target(s) missed' % failed)
busy = sum('quiet=0' in x for x in shares)
print('machine per run: %s' % '; '.join(shares))
if busy:
    print('%d of %d runs found the machine busy: their numbers are '
          'unreliable' % (busy, len(shares)))
EOF
exit $rc
