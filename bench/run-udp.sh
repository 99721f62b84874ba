#!/bin/bash
# run-udp.sh - run ringview's UDP echo (ringview-echo --udp) and the
# hand-written recvmmsg/sendmmsg baseline (bench/mmsg-echo) side by side
# under bench/loadgen --udp, and compare them.
#
# usage: bench/run-udp.sh [options]
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
src=$(dirname "$here")
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

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "run-udp.sh: $*" >&2; exit 2; }
count() { case $2 in ''|*[!0-9]*) die "$1 needs a whole number, not '$2'" ;; esac; }
number() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$1 needs a number, not '$2'"; }

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
for c in "$srv_cpu" "$lg_cpu"; do
	taskset -c "$c" true 2>/dev/null ||
		die "cannot pin to cpu $c (this machine has $(nproc) cpus)"
done
[ "$srv_cpu" != "$lg_cpu" ] ||
	echo "run-udp.sh: warning: server and loadgen share cpu $srv_cpu" >&2

# ---------------------------------------------------------------- build --
if [ -f "$builddir/build.ninja" ]; then
	bt=$(meson introspect --buildoptions "$builddir" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["buildtype"], o["b_ndebug"])') || { echo "run-udp.sh: cannot read $builddir" >&2; exit 1; }
	if [ "$bt" != "release true" ]; then
		echo "== reconfiguring $builddir for release (was: $bt)"
		meson configure "$builddir" --buildtype=release -Db_ndebug=true ||
			exit 1
	fi
else
	meson setup "$builddir" "$src" --buildtype=release -Db_ndebug=true ||
		exit 1
fi
targets="bench/loadgen bench/mmsg-echo"
if ninja -C "$builddir" -t targets all 2>/dev/null |
	grep -q '^examples/ringview-echo:'; then
	targets="$targets examples/ringview-echo"
fi
# shellcheck disable=SC2086
ninja -C "$builddir" $targets >/dev/null || {
	echo "run-udp.sh: building $targets in $builddir failed" >&2
	ninja -C "$builddir" $targets >&2 || true
	exit 1
}
loadgen=$builddir/bench/loadgen
mmsg_bin=$builddir/bench/mmsg-echo
rv_bin=$builddir/examples/ringview-echo

# ------------------------------------------------------------ machinery --
unset RINGVIEW_BACKEND # --backend says which one
tmp=$(mktemp -d)
srv_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill -INT "$srv_pid" 2>/dev/null || true
		sleep 0.5
		kill -KILL "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "run-udp.sh: interrupted" >&2; exit 130' INT TERM

t_begin=$(date +%s)
problems=0
problem() { echo "run-udp.sh: error: $*" >&2; problems=$((problems + 1)); }

server_cmd() {
	case $1 in
	mmsg) echo "$mmsg_bin --host 127.0.0.1" ;;
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --udp --backend uring" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --udp --backend ev" ;;
	esac
}
server_backend() {
	case $1 in
	ringview-uring) echo io_uring ;;
	ringview-ev) echo libev ;;
	*) echo ;;
	esac
}

# alive PID: running, not a zombie.
alive() {
	local st
	st=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

ready_re='^listening on udp (.+):([0-9]+)( \(backend ([^)]+)\))?'
# start_server NAME: sets srv_pid, srv_port, srv_backend; 0 once ready.
start_server() {
	local cmd line
	cmd=$(server_cmd "$1")
	srv_port=
	srv_backend=
	rm -f "$tmp/srv.out" "$tmp/srv.err"
	# shellcheck disable=SC2086
	taskset -c "$srv_cpu" $cmd --port 0 >"$tmp/srv.out" 2>"$tmp/srv.err" &
	srv_pid=$!
	for _ in $(seq 100); do
		line=$(head -n 1 "$tmp/srv.out" 2>/dev/null || true)
		if [[ $line =~ $ready_re ]]; then
			srv_port=${BASH_REMATCH[2]}
			srv_backend=${BASH_REMATCH[4]}
			return 0
		fi
		alive "$srv_pid" || break
		sleep 0.05
	done
	stop_server
	return 1
}
# stop_server: SIGINT, up to 5 s, then SIGKILL; sets srv_rc.
stop_server() {
	srv_rc=0
	[ -n "$srv_pid" ] || return 0
	kill -INT "$srv_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		alive "$srv_pid" || break
		sleep 0.1
	done
	kill -KILL "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || srv_rc=$?
	srv_pid=
}

proc_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# CPU seconds of this shell's waited-for children; sets kids_s.
kids_cpu() {
	times >"$tmp/times"
	kids_s=$(awk 'NR == 2 { s = 0
		for (i = 1; i <= NF; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }
		printf "%.3f", s }' "$tmp/times")
}
now() { date +%s.%N; }

lg_header=$("$loadgen" --udp --csv-header)
lg_fields=$(echo "$lg_header" | tr ',' '\n' | wc -l)
echo "run,server,noisy,other_pct,server_exit,lg_exit,$lg_header" >"$tmp/runs.csv"

# measure SERVER SIZE CONNS RUN: one loadgen run against a fresh server.
measure() {
	local name=$1 size=$2 conns=$3 run=$4
	local b0 b1 s0 s1 k0 k1 t0 t1 lg_rc=0 other noisy row lim rc
	if ! start_server "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		return 1
	fi
	lim=$(awk -v w="$warmup" -v s="$seconds" 'BEGIN {printf "%d", w + s + 20}')
	kids_cpu; k0=$kids_s
	b0=$(busy_ticks); s0=$(proc_ticks "$srv_pid"); t0=$(now)
	timeout --foreground "$lim" taskset -c "$lg_cpu" "$loadgen" --udp \
		--port "$srv_port" --conns "$conns" --size "$size" \
		--depth "$depth" --seconds "$seconds" --warmup "$warmup" \
		--udp-timeout-ms "$timeout_ms" --csv --quiet \
		--server-pid "$srv_pid" >"$tmp/lg.out" 2>"$tmp/lg.err" || lg_rc=$?
	t1=$(now); b1=$(busy_ticks); s1=$(proc_ticks "$srv_pid" 2>/dev/null || echo "$s0")
	kids_cpu; k1=$kids_s
	stop_server
	rc=$srv_rc
	other=$(awk -v b="$((b1 - b0))" -v s="$((s1 - s0))" -v k0="$k0" \
		-v k1="$k1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { o = (b - s) / hz - (k1 - k0); if (o < 0) o = 0
			 printf "%.1f", 100 * o / (t1 - t0) }')
	noisy=$(awk -v o="$other" -v m="$max_other" 'BEGIN {print (o > m) ? 1 : 0}')
	row=$(tail -n 1 "$tmp/lg.out")
	if [ "$lg_rc" -gt 1 ] || [ "$(echo "$row" | tr ',' '\n' | wc -l)" != "$lg_fields" ] ||
	   [ "${row%%,*}" != udp ]; then
		problem "loadgen (exit $lg_rc) against $name, $size B x $conns: $(head -n 3 "$tmp/lg.err")"
		row=${lg_header//[^,]/}
	elif [ "$lg_rc" = 1 ]; then
		problem "loadgen against $name, $size B x $conns: corrupted echoes or none at all:"
		grep -v '^\[' "$tmp/lg.err" | head -n 5 | sed 's/^/      /' >&2
	fi
	[ "$rc" = 0 ] || problem "$name exited with $rc after $size B x $conns: $(tail -n 3 "$tmp/srv.err")"
	echo "$run,$name,$noisy,$other,$rc,$lg_rc,$row" >>"$tmp/runs.csv"
	awk -F, -v h="$lg_header" -v name="$name" -v o="$other" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ printf "   %-15s %9.0f dgrams/s  lost %6d  late %4d  p99 %8.1f us  %6.2f us CPU/dgram  other %s%%\n",
			name, $c["msgs_per_s"], $c["lost"], $c["late"], $c["p99_us"],
			$c["server_cpu_us_per_msg"], o }' <<<"$row"
}

if rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null); then
	dirty=$(GIT_OPTIONAL_LOCKS=0 git -C "$src" status --porcelain \
		--untracked-files=no -- src include examples bench 2>/dev/null | wc -l)
	[ "$dirty" = 0 ] || rev="$rev + uncommitted changes in $dirty file(s)"
else
	rev="no git commit"
fi

# ---------------------------------------------------------------- probe --
echo "== build: $(cd "$builddir" && pwd), source $rev"
wanted() {
	local x
	for x in "${want_servers[@]}"; do [ "$x" != "$1" ] || return 0; done
	return 1
}
servers=()
notes=()
for name in mmsg ringview-uring ringview-ev; do
	wanted "$name" || continue
	if [ "$name" != mmsg ] && [ ! -x "$rv_bin" ]; then
		notes+=("$name skipped: $rv_bin was not built")
		continue
	fi
	want=$(server_backend "$name")
	if start_server "$name"; then
		got=$srv_backend
		stop_server
		if [ "$got" = "$want" ]; then
			servers+=("$name")
		else
			notes+=("$name skipped: it says backend '${got:-?}', not $want")
		fi
	else
		why=$(grep -v '^$' "$tmp/srv.err" | head -n 2 | tr '\n' ' ')
		[ "$name" != mmsg ] || { echo "run-udp.sh: the baseline does not start: $why" >&2; exit 1; }
		notes+=("$name skipped: it does not start (no --udp yet?): ${why:-no ready line}")
	fi
done
for n in "${notes[@]+"${notes[@]}"}"; do echo "== NOTE: $n"; done
[ "${#servers[@]}" -gt 0 ] || { echo "run-udp.sh: no server to measure" >&2; exit 1; }
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
mkdir -p "$here/results"
stamp=$(date +%Y%m%d-%H%M%S)
out=$here/results/udp-$stamp
cp "$tmp/runs.csv" "$out-runs.csv"
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
echo "took $(( $(date +%s) - t_begin )) s"
if [ "$problems" -gt 0 ]; then
	echo "run-udp.sh: $problems error(s) above" >&2
	exit 1
fi
exit 0
