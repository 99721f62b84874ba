#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-echo.sh - run ringview's echo server and the hand-written epoll echo
# baseline side by side under bench/loadgen/loadgen, and compare them.
#
# usage: bench/echo/run-echo.sh [options]
#   --build DIR      release build directory (default: build-release in the
#                    source tree; made with meson setup if missing, switched
#                    to --buildtype=release -Db_ndebug=true if it is not)
#   --runs N         repetitions of every measurement; medians (default 3)
#   --seconds S      measured seconds per run (default 3)
#   --warmup S       load before the measured window (default 1)
#   --depth N        messages in flight per connection (default 1)
#   --sizes LIST     message sizes in bytes (default 64,4096,65536)
#   --conns LIST     connection counts (default 1,50,500)
#   --servers LIST   among epoll,uring,ringview-uring,ringview-ev (default:
#                    epoll,ringview-uring,ringview-ev; a ringview backend
#                    that does not start is skipped with a note). uring is
#                    bench/baselines/uring-echo, a hand-written server on liburing
#                    alone: what io_uring itself costs, to tell the
#                    library's share of ringview-uring's cost from the
#                    kernel's (built only with liburing)
#   --buffers N      ringview-echo --buffers, and uring-echo's (default 768,
#                    ringview-echo's default)
#   --buf-size B     ringview-echo --buf-size, and uring-echo's (default
#                    16384, its default)
#   --idle N         idle connections for the memory-per-connection test
#                    (default 10000; 0 skips it)
#   --retries N      measure a combination again when other processes used
#                    the CPU, up to N times (default 2); still noisy: marked
#   --max-other PCT  CPU share of other processes that makes a run noisy,
#                    in % of one core (default 20)
#   --budget S       no more retries once the script has run S seconds
#                    (default 780, so a default run ends well within 15 min)
#   --server-cpu C   core for the server (default 0)
#   --load-cpu C     core for loadgen (default 1)
#   --quick          smoke run: 1 run of 1 s after 0.5 s warmup, sizes 64
#                    and 65536, 50 and 500 connections, 1 retry (options
#                    after it override these)
#   --strict         exit 1 when a target is missed
#   --discard        loadgen receives with --discard: the kernel drops the
#                    echoed bytes instead of copying them out, unchecked. At
#                    64 KiB on 2 cores loadgen otherwise spends more per
#                    message than the server and msgs/s measures loadgen
#   -h, --help       this text
#
# A default run takes 6 to 7 minutes on the 2-core machine (9 combinations
# x 3 servers x 3 runs x about 4.6 s, then the idle test); retried runs add
# to that until --budget seconds have passed, then no run is retried.
#
# Every server is started fresh for every measurement (so its peak RSS,
# VmHWM, belongs to that combination alone, and nothing an earlier
# combination left in a pool counts; writing 5 to /proc/PID/clear_refs
# would reset VmHWM too on this kernel) on --server-cpu with --port 0;
# its port is read from its "listening on HOST:PORT" line. Load comes from
# loadgen on --load-cpu. Within each repetition and combination the servers
# run one after the other (epoll, uring, ringview-uring, ringview-ev) so
# that any drift of the machine hits all of them alike.
#
# Noise: around each loadgen run the script reads the busy time of all
# cpus from /proc/stat, the server's CPU time from /proc/PID/stat and
# loadgen's from the shell's child rusage. What is left is other work; above
# --max-other the whole combination (every server) is measured again.
#
# Ratios move by 10-15% from one run to the next here even on a quiet
# machine (a VM; its host is not quiet): the target lines show the ratio of
# every run beside the ratio of the medians. Use more --runs to decide a
# verdict close to its limit.
#
# Idle memory: a fresh server, VmRSS read, then loadgen --idle N holds N
# connections; once it says "holding" and the server's VmRSS has settled,
# (after - before) / N is the server's memory per idle connection.
#
# Results: a table on stdout (medians over the runs, ratios of each
# ringview server to the epoll baseline, the targets with PASS/FAIL; with
# uring also ringview-uring against it), and
# in bench/results/ (not committed): echo-STAMP.csv (the medians),
# echo-STAMP-runs.csv and echo-STAMP-idle.csv (every run, retries
# included), echo-STAMP-targets.csv, echo-STAMP.txt (the table) and, when
# gnuplot is installed, echo-STAMP.png (msgs/s and server CPU per message,
# grouped bars per combination).
#
# Exit status: 0 when everything ran, even if targets were missed (1 then
# with --strict); 1 when a build step, a server or loadgen failed; 2 for
# bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
runs=3
seconds=3
warmup=1
depth=1
sizes=64,4096,65536
conns_list=1,50,500
servers_opt=epoll,ringview-uring,ringview-ev
buffers=768
buf_size=16384
idle=10000
idle_seconds=3
retries=2
max_other=20
budget=780
srv_cpu=0
lg_cpu=1
strict=no
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--quick|--strict|--discard|-h|--help) ;;
	-*) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--build) builddir=$2; shift 2 ;;
	--runs) count "$1" "$2"; runs=$2; shift 2 ;;
	--seconds) number "$1" "$2"; seconds=$2; shift 2 ;;
	--warmup) number "$1" "$2"; warmup=$2; shift 2 ;;
	--depth) count "$1" "$2"; depth=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--conns) conns_list=$2; shift 2 ;;
	--servers) servers_opt=$2; shift 2 ;;
	--buffers) count "$1" "$2"; buffers=$2; shift 2 ;;
	--buf-size) count "$1" "$2"; buf_size=$2; shift 2 ;;
	--idle) count "$1" "$2"; idle=$2; shift 2 ;;
	--retries) count "$1" "$2"; retries=$2; shift 2 ;;
	--max-other) number "$1" "$2"; max_other=$2; shift 2 ;;
	--budget) count "$1" "$2"; budget=$2; shift 2 ;;
	--server-cpu) count "$1" "$2"; srv_cpu=$2; shift 2 ;;
	--load-cpu) count "$1" "$2"; lg_cpu=$2; shift 2 ;;
	--quick) runs=1; seconds=1; warmup=0.5; sizes=64,65536
		 conns_list=50,500; retries=1; idle_seconds=2; shift ;;
	--strict) strict=yes; shift ;;
	--discard) lg_extra=(--discard); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-echo.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$depth" -ge 1 ] || die "--depth must be at least 1"
IFS=, read -r -a size_arr <<<"$sizes"
IFS=, read -r -a conn_arr <<<"$conns_list"
IFS=, read -r -a want_servers <<<"$servers_opt"
for x in "${size_arr[@]}"; do count --sizes "$x"; done
for x in "${conn_arr[@]}"; do count --conns "$x"; done
for x in "${want_servers[@]}"; do
	case $x in epoll|uring|ringview-uring|ringview-ev) ;;
	*) die "--servers: unknown server '$x'" ;; esac
done
check_cpus

# ---------------------------------------------------------------- build --
# A release build: -O3, NDEBUG, no reference tracking by default.
build_echo bench/baselines/epoll-echo
epoll_bin=$builddir/bench/baselines/epoll-echo
# The raw liburing baseline: a target only when liburing was found.
uring_bin=$builddir/bench/baselines/uring-echo
if wanted uring && ninja_has bench/baselines/uring-echo; then
	ninja_quiet bench/baselines/uring-echo
fi

# ------------------------------------------------------------ machinery --
# Servers that can accept --idle connections need the descriptors.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 20000 ]; then
	ulimit -n 20000
else
	ulimit -n "$hard"
fi
if [ "$idle" -gt 0 ] && [ "$(ulimit -n)" -lt $((idle + 100)) ]; then
	echo "run-echo.sh: warning: open files limited to $(ulimit -n):" \
	     "--idle $idle will not fit" >&2
fi
bench_setup

# The command line of server $1 (without --port).
server_cmd() {
	case $1 in
	epoll) echo "$epoll_bin --host 127.0.0.1" ;;
	uring) echo "$uring_bin --host 127.0.0.1 --buffers $buffers --buf-size $buf_size" ;;
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --buffers $buffers --buf-size $buf_size --backend uring" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --buffers $buffers --buf-size $buf_size --backend ev" ;;
	esac
}
# The figures of ringview's final stats line, "" for other servers.
rv_stat() { sed -n "s/.*$1.*/\\1/p" "$tmp/srv.out" | tail -n 1; }

lg_columns
runs_hdr="run,server,attempt,kept,noisy,other_pct,peak_rss_kib,server_exit,lg_exit,rv_enobufs,rv_highwater,rv_parked,$lg_header"
idle_hdr="run,server,rss_before_kib,rss_after_kib,conns,connected,bytes_per_conn,lg_exit,server_exit"

# measure SERVER SIZE CONNS RUN ATTEMPT: one loadgen run against a fresh
# server; appends a row to $tmp/group and sets noisy=1 when other work
# took more than --max-other.
measure() {
	local name=$1 size=$2 conns=$3 run=$4 attempt=$5
	local lg_rc=0 hwm other row enob hw parked lim rc
	if ! start_server "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		return 1
	fi
	lim=$(lg_timeout)
	noise_start "$srv_pid"
	run_loadgen "$lim" "$size" "$conns"
	noise_stop "$srv_pid" # other work, in % of one core
	hwm=$(proc_field "$srv_pid" VmHWM)
	stop_server
	rc=$srv_rc
	[ "$noisy_one" = 0 ] || noisy=1
	lg_row load "$name, $size B x $conns" || true
	[ "$rc" = 0 ] || problem "$name exited with $rc after $size B x $conns: $(tail -n 3 "$tmp/srv.err")"
	lg_errors "$name"
	enob=$(rv_stat 'enobufs \([0-9]*\)')
	hw=$(rv_stat 'high-water \([0-9]*\)')
	parked=$(rv_stat ' \([0-9]*\) waits for buffers')
	echo "$run,$name,$attempt,@KEPT@,$noisy_one,$other,${hwm:-},$rc,$lg_rc,$enob,$hw,$parked,$row" >>"$tmp/group"
	print_run "$name" "${hwm:-0}" "$other"
}

# measure_idle SERVER RUN: memory per idle connection.
measure_idle() {
	local name=$1 run=$2 r0 r1 r stable=0 line lg_rc=0 rc connected
	if ! start_server "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		return 1
	fi
	sleep 0.2
	r0=$(proc_field "$srv_pid" VmRSS)
	rm -f "$tmp/idle.out" "$tmp/idle.err" # not the last run's "holding"
	taskset -c "$lg_cpu" "$loadgen" --port "$srv_port" --idle "$idle" \
		--seconds "$idle_seconds" >"$tmp/idle.out" 2>"$tmp/idle.err" &
	lg_pid=$!
	for _ in $(seq 100); do
		grep -qs '^holding' "$tmp/idle.out" && break
		alive "$lg_pid" || break
		sleep 0.05
	done
	# The server may still be accepting: wait until VmRSS settles.
	r1=$(proc_field "$srv_pid" VmRSS)
	for _ in $(seq 20); do
		sleep 0.1
		r=$(proc_field "$srv_pid" VmRSS)
		if [ "$r" = "$r1" ]; then
			stable=$((stable + 1))
			[ "$stable" -lt 3 ] || break
		else
			stable=0
			r1=$r
		fi
	done
	wait "$lg_pid" || lg_rc=$?
	lg_pid=
	stop_server
	rc=$srv_rc
	line=$(grep -s '^holding' "$tmp/idle.out" || true)
	connected=$(sed -n 's/.*connected=\([0-9]*\).*/\1/p' <<<"$line")
	[ -n "$line" ] || problem "loadgen --idle $idle against $name (exit $lg_rc): $(head -n 3 "$tmp/idle.err")"
	[ "$rc" = 0 ] || problem "$name exited with $rc after the idle test"
	echo "$run,$name,$r0,$r1,$idle,${connected:-0},$(( (r1 - r0) * 1024 / idle )),$lg_rc,$rc" >>"$tmp/idle.csv"
	printf '   %-15s VmRSS %d -> %d KiB with %s/%d connections: %d B each\n' \
		"$name" "$r0" "$r1" "${connected:-0}" "$idle" $(( (r1 - r0) * 1024 / idle ))
}

# What was measured: the build's source tree, its commit, and whether the
# library or the examples had uncommitted changes when they were built.
build_rev

# ---------------------------------------------------------------- probe --
echo "== build: $(cd "$builddir" && pwd), source $rev"
# Always in this order, the baseline first, whatever the order asked.
probe_servers epoll " (no io_uring backend in this build?)" "" \
	epoll uring ringview-uring ringview-ev
[ "${servers[0]}" = epoll ] ||
	echo "== NOTE: no epoll baseline in --servers: no ratios against it, and of the targets only those against uring"

note_busy

ncombo=$(( ${#size_arr[@]} * ${#conn_arr[@]} ))
est=$(awk -v n="$((ncombo * ${#servers[@]} * runs))" -v w="$warmup" \
	-v s="$seconds" -v i="$((idle > 0 ? ${#servers[@]} * runs : 0))" \
	-v is="$idle_seconds" 'BEGIN {printf "%d", n * (w + s + 0.6) + i * (is + 1.5)}')
echo "== servers: ${servers[*]}; sizes ${sizes}; conns ${conns_list}; depth $depth;" \
     "$runs run(s) of ${seconds} s after ${warmup} s warmup; about $((est / 60)) min $((est % 60)) s"
echo "== server on cpu $srv_cpu, loadgen on cpu $lg_cpu; ringview-echo --buffers $buffers --buf-size $buf_size"

echo "$runs_hdr" >"$tmp/runs.csv"
echo "$idle_hdr" >"$tmp/idle.csv"

# ----------------------------------------------------------------- runs --
for run in $(seq "$runs"); do
	for size in "${size_arr[@]}"; do
		for conns in "${conn_arr[@]}"; do
			measure_group "$run" "$size" "$conns"
		done
	done
	if [ "$idle" -gt 0 ]; then
		echo "== run $run/$runs: $idle idle connections"
		for name in "${servers[@]}"; do
			measure_idle "$name" "$run" || true
		done
	fi
done

# -------------------------------------------------------------- results --
results_out echo
table_args=(--runs "$out-runs.csv" --summary "$out.csv" --targets "$out-targets.csv"
	    --plot-data "$tmp/plot")
if [ "$idle" -gt 0 ]; then
	cp "$tmp/idle.csv" "$out-idle.csv"
	table_args+=(--idle "$out-idle.csv" --idle-conns "$idle")
fi

results_header "ringview echo benchmark $stamp: servers ${servers[*]}; $runs run(s) of ${seconds} s" \
	"(warmup ${warmup} s), depth $depth, server cpu $srv_cpu, loadgen cpu $lg_cpu;" \
	"ringview-echo --buffers $buffers --buf-size $buf_size; kernel $(uname -r)"
table_rc=0
python3 "$here/echo_table.py" "${table_args[@]}" >>"$out.txt" || table_rc=$?
echo
cat "$out.txt"
[ "$table_rc" -le 1 ] || problem "echo_table.py failed"

plot_results "$here/plot-echo.gp" \
	"msgs='$tmp/plot-msgs.dat'; cpu='$tmp/plot-cpu.dat'; out='$out.png'; nserv=${#servers[@]}; title='$stamp, ${runs} run(s), depth $depth, medians'"
echo "CSV: $out.csv (medians), $out-runs.csv (every run)$([ "$idle" -gt 0 ] &&
	echo ", $out-idle.csv (idle)"), $out-targets.csv; table: $out.txt"
results_end "$table_rc"
