#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-udp.sh - run ringview's UDP echo (ringview-echo --udp) and the
# hand-written recvmmsg/sendmmsg baseline (bench/baselines/mmsg-echo) side by side
# under bench/loadgen/loadgen --udp, and compare them.
#
# usage: bench/echo/run-udp.sh [options]
#   --build DIR       release build directory (default: build-release in the
#                     source tree; made with meson setup if missing, switched
#                     to --buildtype=release -Db_ndebug=true if it is not)
#   --runs N          repetitions of every measurement; medians (default 3)
#   --seconds S       measured seconds per run (default 3)
#   --warmup S        load before the measured window (default 1)
#   --depth N         datagrams in flight per socket (default 1)
#   --sizes LIST      datagram sizes in bytes, 16 to 65507 (default 64,1024)
#   --conns LIST      client socket counts, each its own peer (default 1,50)
#   --servers LIST    among mmsg,ringview-uring,ringview-ev (default: all; a
#                     server that does not start is skipped with a note)
#   --timeout-ms MS   a datagram not echoed within MS is lost (default 200)
#   --max-other PCT   mark a run noisy when other processes used more than
#                     PCT % of one core meanwhile (default 20; not retried)
#   --server-cpu C    core for the server (default 0)
#   --load-cpu C      core for loadgen (default 1)
#   -h, --help        this text
#
# A default run takes about 3 minutes (4 combinations x 3 servers x 3 runs
# x about 4.5 s).
#
# Every server is started fresh for every measurement on --server-cpu with
# --port 0; its port is read from its "listening on udp HOST:PORT" line.
# Within each repetition and combination the servers run one after the
# other (mmsg, ringview-uring, ringview-ev), so drift hits all alike.
# loadgen (on --load-cpu) checks every echo byte for byte and counts as
# lost each datagram not echoed within --timeout-ms (loadgen_udp.c says
# exactly how); the server's CPU time per echoed datagram comes from
# /proc/PID/stat over the measured window. Around each run the busy time
# of all cpus (/proc/stat) minus the server's and loadgen's is "other"
# work; runs above --max-other are marked noisy in the table (noisy=N).
#
# Results: a table on stdout (medians over the runs; ratios of each
# ringview server to the mmsg baseline: datagrams/s, higher is better, and
# CPU per datagram, lower is better) and in bench/results/ (not committed):
# udp-STAMP-runs.csv (every run), udp-STAMP.csv (the medians) and
# udp-STAMP.txt (the table).
#
# Exit status: 0 when everything ran; 1 when a build step, the baseline
# or loadgen failed, or loadgen found corrupted echoes; 2 for bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
runs=3
seconds=3
warmup=1
depth=1
sizes=64,1024
conns_list=1,50
servers_opt=mmsg,ringview-uring,ringview-ev
timeout_ms=200
max_other=20
srv_cpu=0
lg_cpu=1
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
	--depth) count "$1" "$2"; depth=$2 ;;
	--sizes) sizes=$2 ;;
	--conns) conns_list=$2 ;;
	--servers) servers_opt=$2 ;;
	--timeout-ms) count "$1" "$2"; timeout_ms=$2 ;;
	--max-other) number "$1" "$2"; max_other=$2 ;;
	--server-cpu) count "$1" "$2"; srv_cpu=$2 ;;
	--load-cpu) count "$1" "$2"; lg_cpu=$2 ;;
	*) echo "run-udp.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
	shift 2
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$depth" -ge 1 ] || die "--depth must be at least 1"
IFS=, read -r -a size_arr <<<"$sizes"
IFS=, read -r -a conn_arr <<<"$conns_list"
IFS=, read -r -a want_servers <<<"$servers_opt"
for x in "${size_arr[@]}"; do
	count --sizes "$x"
	[ "$x" -ge 16 ] && [ "$x" -le 65507 ] || die "--sizes: $x is not in [16, 65507]"
done
for x in "${conn_arr[@]}"; do count --conns "$x"; done
for x in "${want_servers[@]}"; do
	case $x in mmsg|ringview-uring|ringview-ev) ;;
	*) die "--servers: unknown server '$x'" ;; esac
done
check_cpus

# ---------------------------------------------------------------- build --
build_echo bench/baselines/mmsg-echo
mmsg_bin=$builddir/bench/baselines/mmsg-echo

# ------------------------------------------------------------ machinery --
bench_setup

server_cmd() {
	case $1 in
	mmsg) echo "$mmsg_bin --host 127.0.0.1" ;;
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --udp --backend uring" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --udp --backend ev" ;;
	esac
}
# Its ready line says "listening on udp HOST:PORT".
ready_re='^listening on udp (.+):([0-9]+)( \(backend ([^)]+)\))?'

lg_columns --udp
echo "run,server,noisy,other_pct,server_exit,lg_exit,$lg_header" >"$tmp/runs.csv"

# measure SERVER SIZE CONNS RUN: one loadgen run against a fresh server.
measure() {
	local name=$1 size=$2 conns=$3 run=$4
	local lg_rc=0 other noisy_one row lim rc
	if ! start_server "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		return 1
	fi
	lim=$(lg_timeout)
	noise_start "$srv_pid"
	timeout --foreground "$lim" taskset -c "$lg_cpu" "$loadgen" --udp \
		--port "$srv_port" --conns "$conns" --size "$size" \
		--depth "$depth" --seconds "$seconds" --warmup "$warmup" \
		--udp-timeout-ms "$timeout_ms" --csv --quiet \
		--server-pid "$srv_pid" >"$tmp/lg.out" 2>"$tmp/lg.err" || lg_rc=$?
	noise_stop "$srv_pid"
	stop_server
	rc=$srv_rc
	if lg_row udp "$name, $size B x $conns" && [ "$lg_rc" = 1 ]; then
		problem "loadgen against $name, $size B x $conns: corrupted echoes or none at all:"
		grep -v '^\[' "$tmp/lg.err" | head -n 5 | sed 's/^/      /' >&2
	fi
	[ "$rc" = 0 ] || problem "$name exited with $rc after $size B x $conns: $(tail -n 3 "$tmp/srv.err")"
	echo "$run,$name,$noisy_one,$other,$rc,$lg_rc,$row" >>"$tmp/runs.csv"
	awk -F, -v h="$lg_header" -v name="$name" -v o="$other" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ printf "   %-15s %9.0f dgrams/s  lost %6d  late %4d  p99 %8.1f us  %6.2f us CPU/dgram  other %s%%\n",
			name, $c["msgs_per_s"], $c["lost"], $c["late"], $c["p99_us"],
			$c["server_cpu_us_per_msg"], o }' <<<"$row"
}

source_rev "$src"

# ---------------------------------------------------------------- probe --
echo "== build: $(cd "$builddir" && pwd), source $rev"
probe_servers mmsg "" " (no --udp yet?)" mmsg ringview-uring ringview-ev
[ "${servers[0]}" = mmsg ] || echo "== NOTE: no mmsg baseline in --servers: no ratios"

n=$(( ${#size_arr[@]} * ${#conn_arr[@]} * ${#servers[@]} * runs ))
est=$(awk -v n="$n" -v w="$warmup" -v s="$seconds" -v t="$timeout_ms" \
	'BEGIN {printf "%d", n * (w + s + t / 1000 + 0.5)}')
echo "== servers: ${servers[*]}; sizes $sizes; conns $conns_list; depth $depth;" \
     "$runs run(s) of $seconds s after $warmup s warmup; about $est s"
echo "== server on cpu $srv_cpu, loadgen on cpu $lg_cpu; lost = not echoed within $timeout_ms ms"

# ----------------------------------------------------------------- runs --
for run in $(seq "$runs"); do
	for size in "${size_arr[@]}"; do
		for conns in "${conn_arr[@]}"; do
			echo "== run $run/$runs: $size B x $conns sockets"
			for name in "${servers[@]}"; do
				measure "$name" "$size" "$conns" "$run" || true
			done
		done
	done
done

# -------------------------------------------------------------- results --
results_out udp
{
	echo "ringview UDP echo benchmark $stamp: servers ${servers[*]}; $runs run(s) of" \
	     "$seconds s (warmup $warmup s), depth $depth, timeout $timeout_ms ms," \
	     "server cpu $srv_cpu, loadgen cpu $lg_cpu; kernel $(uname -r)"
	echo "source: $src, $rev"
	for n in "${notes[@]+"${notes[@]}"}"; do echo "NOTE: $n"; done
	echo
} >"$out.txt"
python3 - "$out-runs.csv" "$out.csv" >>"$out.txt" <<'EOF' || problem "the table failed"
import csv, statistics, sys

rows = list(csv.DictReader(open(sys.argv[1])))
order = ['mmsg', 'ringview-uring', 'ringview-ev']
FIG = ['msgs_per_s', 'lost', 'late', 'dup', 'errors', 'p50_us', 'p99_us',
       'p999_us', 'server_cpu_us_per_msg', 'server_cpu_pct', 'lg_cpu_pct',
       'other_pct']

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None

groups = {}
for r in rows:
    groups.setdefault((int(r['size']), int(r['conns']), r['server']), []).append(r)
med = {}
for k, rs in groups.items():
    m = {}
    for f in FIG:
        xs = [num(r[f]) for r in rs if num(r[f]) is not None]
        m[f] = statistics.median(xs) if xs else None
    m['runs'] = len(rs)
    m['noisy'] = sum(r['noisy'] == '1' for r in rs)
    sent = sum((num(r['msgs_per_s']) or 0) * (num(r['seconds']) or 0)
               + (num(r['lost']) or 0) for r in rs)
    m['loss_pct'] = 100 * sum(num(r['lost']) or 0 for r in rs) / sent if sent else None
    med[k] = m

def f(x, spec):
    return '-' if x is None else spec % x

def ratio(a, b):
    return None if a is None or not b else a / b

print('%-9s %5s  %-15s %10s %8s %7s %9s %9s %10s %8s %8s' % (
    'size', 'socks', 'server', 'dgrams/s', 'lost', 'loss%', 'p99_us',
    'us/dgram', 'x dgrams/s', 'x CPU', 'noisy'))
with open(sys.argv[2], 'w', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['size', 'conns', 'server', 'runs'] + FIG +
               ['loss_pct', 'ratio_msgs_per_s', 'ratio_cpu_per_msg'])
    for size, conns in sorted({(k[0], k[1]) for k in med}):
        base = med.get((size, conns, 'mmsg'))
        for s in order:
            m = med.get((size, conns, s))
            if not m:
                continue
            rm = ratio(m['msgs_per_s'], base and base['msgs_per_s']) if s != 'mmsg' else None
            rc = ratio(m['server_cpu_us_per_msg'], base and base['server_cpu_us_per_msg']) if s != 'mmsg' else None
            print('%-9s %5d  %-15s %10s %8s %7s %9s %9s %10s %8s %8s' % (
                '%d B' % size, conns, s, f(m['msgs_per_s'], '%.0f'),
                f(m['lost'], '%.0f'), f(m['loss_pct'], '%.3f'),
                f(m['p99_us'], '%.1f'), f(m['server_cpu_us_per_msg'], '%.3f'),
                f(rm, '%.2f'), f(rc, '%.2f'),
                '%d/%d' % (m['noisy'], m['runs'])))
            w.writerow([size, conns, s, m['runs']] +
                       ['' if m[x] is None else '%g' % m[x] for x in FIG] +
                       ['' if v is None else '%.4g' % v
                        for v in (m['loss_pct'], rm, rc)])
print()
print('Medians over the runs. lost: datagrams sent in the measured window and not')
print('echoed within the timeout (median count per run); loss%: of all datagrams of')
print('every run. us/dgram: server CPU time per echoed datagram. x dgrams/s and')
print('x CPU: ringview / mmsg (dgrams/s: higher is better; CPU: lower is better).')
print('noisy: runs during which other processes used the CPU.')
EOF
echo
cat "$out.txt"
echo "CSV: $out.csv (medians), $out-runs.csv (every run); table: $out.txt"
report_end
exit 0
