#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-threads.sh - does ringview-echo --threads 2 (two loops, one per
# thread, SO_REUSEPORT) echo more TCP messages than --threads 1? With the
# hand-written epoll echo baseline (one thread) as a reference line.
#
# usage: bench/echo/run-threads.sh [options]
#   --build DIR       release build directory (default: build-release in the
#                     source tree; made with meson setup if missing, switched
#                     to --buildtype=release -Db_ndebug=true if it is not)
#   --runs N          repetitions of every measurement; medians (default 3)
#   --seconds S       measured seconds per run (default 3)
#   --warmup S        load before the measured window (default 1)
#   --sizes LIST      message sizes in bytes (default 64,4096)
#   --conns N         connections (default 50)
#   --depth N         messages in flight per connection (default 1)
#   --servers LIST    among rv1,rv2,epoll (default: all): ringview-echo
#                     --threads 1, --threads 2, and epoll-echo
#   --backend NAME    ringview-echo --backend (default auto)
#   --cpus LIST       cores for the server and for loadgen alike
#                     (default 0,1)
#   --lg-threads N    loadgen --threads (default 2)
#   -h, --help        this text
#
# ringview-echo --threads is new (issue 6): without it (ringview-echo
# --help does not mention it) the script stops with a message, unless
# --servers leaves rv1 and rv2 out (--servers epoll runs the reference
# alone).
#
# Both the server and loadgen may use every core in --cpus (taskset), so on
# a 2-core machine the load generator shares the cores with the server:
# msgs/s then measures the pair, and a second server thread competes with
# loadgen's threads for the same two cores. The server's CPU time per
# message (/proc/PID/stat, all threads, over the measured window) shows
# the server's own cost either way. Every server is started fresh for every
# measurement with --port 0; within a run the servers go one after the
# other (rv1, rv2, epoll). A default run takes about 1.5 minutes.
#
# Results: a table on stdout (medians; rv2/rv1 ratios of msgs/s and of CPU
# per message, and each server against epoll) and in bench/results/ (not
# committed): threads-STAMP-runs.csv, threads-STAMP.csv, threads-STAMP.txt.
#
# Exit status: 0 when everything ran; 1 when a build step, a server or
# loadgen failed, or ringview-echo has no --threads; 2 for bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
runs=3
seconds=3
warmup=1
sizes=64,4096
conns=50
depth=1
servers_opt=rv1,rv2,epoll
backend=auto
cpus=0,1
lg_threads=2
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	-*) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--build) builddir=$2 ;;
	--runs) count "$1" "$2"; runs=$2 ;;
	--seconds) number "$1" "$2"; seconds=$2 ;;
	--warmup) number "$1" "$2"; warmup=$2 ;;
	--sizes) sizes=$2 ;;
	--conns) count "$1" "$2"; conns=$2 ;;
	--depth) count "$1" "$2"; depth=$2 ;;
	--servers) servers_opt=$2 ;;
	--backend) backend=$2 ;;
	--cpus) cpus=$2 ;;
	--lg-threads) count "$1" "$2"; lg_threads=$2 ;;
	*) echo "run-threads.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
	shift 2
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$lg_threads" -ge 1 ] || die "--lg-threads must be at least 1"
IFS=, read -r -a size_arr <<<"$sizes"
IFS=, read -r -a want_servers <<<"$servers_opt"
for x in "${size_arr[@]}"; do count --sizes "$x"; done
for x in "${want_servers[@]}"; do
	case $x in rv1|rv2|epoll) ;;
	*) die "--servers: unknown server '$x'" ;; esac
done
taskset -c "$cpus" true 2>/dev/null ||
	die "cannot run on cpus $cpus (this machine has $(nproc) cpus)"

# ---------------------------------------------------------------- build --
release_build
targets="bench/loadgen/loadgen bench/baselines/epoll-echo"
if wanted rv1 || wanted rv2; then
	targets="$targets examples/ringview-echo"
fi
# shellcheck disable=SC2086
ninja_quiet $targets
loadgen=$builddir/bench/loadgen/loadgen
epoll_bin=$builddir/bench/baselines/epoll-echo
rv_bin=$builddir/examples/ringview-echo

if { wanted rv1 || wanted rv2; } &&
   ! "$rv_bin" --help 2>&1 | grep -- --threads >/dev/null; then
	echo "run-threads.sh: $rv_bin has no --threads option yet (issue 6):" \
	     "there is nothing to compare. --servers epoll runs the epoll" \
	     "reference alone." >&2
	exit 1
fi

# ------------------------------------------------------------ machinery --
bench_setup
srv_cpu=$cpus # servers and loadgen alike

server_cmd() {
	case $1 in
	rv1) echo "$rv_bin --host 127.0.0.1 --backend $backend --threads 1" ;;
	rv2) echo "$rv_bin --host 127.0.0.1 --backend $backend --threads 2" ;;
	epoll) echo "$epoll_bin --host 127.0.0.1" ;;
	esac
}

lg_columns
echo "run,server,server_threads,backend,server_exit,lg_exit,$lg_header" >"$tmp/runs.csv"

# measure SERVER SIZE RUN
measure() {
	local name=$1 size=$2 run=$3 lg_rc=0 row lim rc nthr
	if ! start_server "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		return 1
	fi
	lim=$(lg_timeout)
	timeout --foreground "$lim" taskset -c "$cpus" "$loadgen" \
		--port "$srv_port" --conns "$conns" --size "$size" \
		--depth "$depth" --seconds "$seconds" --warmup "$warmup" \
		--threads "$lg_threads" --csv --quiet --server-pid "$srv_pid" \
		>"$tmp/lg.out" 2>"$tmp/lg.err" || lg_rc=$?
	nthr=$(awk '$1 == "Threads:" {print $2}' "/proc/$srv_pid/status" 2>/dev/null || true)
	stop_server
	rc=$srv_rc
	if lg_row load "$name, $size B" && [ "$lg_rc" = 1 ]; then
		problem "loadgen against $name, $size B reported errors:"
		grep -v '^\[' "$tmp/lg.err" | head -n 5 | sed 's/^/      /' >&2
	fi
	[ "$rc" = 0 ] || problem "$name exited with $rc after $size B: $(tail -n 3 "$tmp/srv.err")"
	echo "$run,$name,${nthr:-},${srv_backend:-},$rc,$lg_rc,$row" >>"$tmp/runs.csv"
	awk -F, -v h="$lg_header" -v name="$name" -v th="${nthr:-?}" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ printf "   %-6s %9.0f msgs/s  p99 %8.1f us  %6.2f us CPU/msg  server %4.0f%%  loadgen %4.0f%%  (%s threads in the server)\n",
			name, $c["msgs_per_s"], $c["p99_us"], $c["server_cpu_us_per_msg"],
			$c["server_cpu_pct"], $c["lg_cpu_pct"], th }' <<<"$row"
}

# ---------------------------------------------------------------- runs --
servers=()
for name in rv1 rv2 epoll; do
	if wanted "$name"; then servers+=("$name"); fi
done
ncpu=$(taskset -c "$cpus" nproc)
share_note="NOTE: the server and loadgen ($lg_threads threads) share the same $ncpu core(s) ($cpus):"
share_note="$share_note msgs/s measures the pair, and a second server thread competes with loadgen for them"
echo "== build: $(cd "$builddir" && pwd)"
echo "== servers: ${servers[*]}; sizes $sizes; $conns conns, depth $depth; $runs run(s) of $seconds s after $warmup s warmup"
echo "== $share_note"
for run in $(seq "$runs"); do
	for size in "${size_arr[@]}"; do
		echo "== run $run/$runs: $size B x $conns conns"
		for name in "${servers[@]}"; do
			measure "$name" "$size" "$run" || true
		done
	done
done

# -------------------------------------------------------------- results --
results_out threads
{
	echo "ringview echo threads benchmark $stamp: ${servers[*]}; $runs run(s) of $seconds s" \
	     "(warmup $warmup s), $conns conns, depth $depth, backend $backend;" \
	     "server and loadgen --threads $lg_threads on cpus $cpus; kernel $(uname -r)"
	echo "$share_note"
	echo
} >"$out.txt"
python3 - "$out-runs.csv" "$out.csv" >>"$out.txt" <<'EOF' || problem "the table failed"
import csv, statistics, sys

rows = list(csv.DictReader(open(sys.argv[1])))
FIG = ['msgs_per_s', 'p99_us', 'server_cpu_us_per_msg', 'server_cpu_pct',
       'lg_cpu_pct', 'errors']
LABEL = {'rv1': 'ringview --threads 1', 'rv2': 'ringview --threads 2',
         'epoll': 'epoll-echo (reference)'}

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None

med = {}
for r in rows:
    med.setdefault((int(r['size']), r['server']), []).append(r)
for k, rs in med.items():
    m = {'runs': len(rs)}
    for f in FIG:
        xs = [num(r[f]) for r in rs if num(r[f]) is not None]
        m[f] = statistics.median(xs) if xs else None
    med[k] = m

def f(x, spec):
    return '-' if x is None else spec % x

def ratio(a, b):
    return None if a is None or not b else a / b

print('%-7s %-24s %10s %9s %9s %7s %7s %11s %8s' % (
    'size', 'server', 'msgs/s', 'us/msg', 'p99_us', 'srv%', 'lg%',
    'x msgs/s', 'x CPU'))
with open(sys.argv[2], 'w', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['size', 'server', 'runs'] + FIG + ['vs', 'ratio_msgs_per_s',
                                                   'ratio_cpu_per_msg'])
    for size in sorted({k[0] for k in med}):
        for s in ['rv1', 'rv2', 'epoll']:
            m = med.get((size, s))
            if not m:
                continue
            # rv2 against rv1; rv1 and epoll against each other.
            vs = {'rv2': 'rv1', 'rv1': 'epoll', 'epoll': 'rv1'}[s]
            b = med.get((size, vs))
            rm = ratio(m['msgs_per_s'], b and b['msgs_per_s'])
            rc = ratio(m['server_cpu_us_per_msg'], b and b['server_cpu_us_per_msg'])
            print('%-7s %-24s %10s %9s %9s %7s %7s %11s %8s' % (
                '%d B' % size, LABEL[s], f(m['msgs_per_s'], '%.0f'),
                f(m['server_cpu_us_per_msg'], '%.3f'), f(m['p99_us'], '%.1f'),
                f(m['server_cpu_pct'], '%.0f'), f(m['lg_cpu_pct'], '%.0f'),
                f(rm, '%.2f') + (' /' + vs if rm is not None else ''),
                f(rc, '%.2f')))
            w.writerow([size, s, m['runs']] +
                       ['' if m[x] is None else '%g' % m[x] for x in FIG] +
                       [vs if b else '', '' if rm is None else '%.4g' % rm,
                        '' if rc is None else '%.4g' % rc])
print()
print('Medians over the runs. us/msg: server CPU time (all threads) per message;')
print('srv%, lg%: CPU use of the server and of loadgen, 100 = one core. x msgs/s,')
print('x CPU: this line / the line named after the slash (rv2 / rv1 is the')
print('question; rv1 / epoll and epoll / rv1 give the reference).')
EOF
echo
cat "$out.txt"
echo "CSV: $out.csv (medians), $out-runs.csv (every run); table: $out.txt"
report_end
exit 0
