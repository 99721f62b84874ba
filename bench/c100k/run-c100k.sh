#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-c100k.sh - many idle connections (issue 16): one server process at
# 19,000 connections, then 100,000 over several server processes on one
# port (SO_REUSEPORT), for ringview-echo and the epoll baseline; what the
# crowd costs in memory and what it does to a 64 B load beside it.
#
# usage: bench/c100k/run-c100k.sh [options]
#   --build DIR      release build directory (default: build-release in the
#                    source tree, made or switched to release as
#                    run-echo.sh does)
#   --servers LIST   among epoll,ringview-uring,ringview-ev (default: all
#                    three; a ringview backend that does not start is
#                    skipped with a note)
#   --single N       idle connections on one server process (default 19000;
#                    0 skips); a process may hold at most `ulimit -Hn`
#                    descriptors (20,000 here)
#   --crowd N        idle connections over --procs server processes
#                    (default 100000; 0 skips)
#   --procs N        server processes for --crowd (default: one per 17,000
#                    connections, rounded up: 6 for 100,000; SO_REUSEPORT
#                    spreads connections by a hash, not evenly)
#   --port N         the servers' port (default 0: the first server process
#                    takes any free one, the others join it). A fixed
#                    port makes a rerun meet the last run's 4-tuples
#                    again: the crowd closes with resets, so no TIME_WAIT
#                    is left to collide with
#   --per-loadgen N  idle connections per loadgen process (default 19000)
#   --sources N      source addresses per loadgen process (default 4): load
#                    process i uses 127.(1 + i / 250).(1 + i % 250).1 and
#                    the next N-1 addresses
#   --runs N         64 B x 50 load runs in each phase (default 3)
#   --seconds S      measured seconds per load run (default 3)
#   --warmup S       load before the measured window (default 1)
#   --buffers N      ringview-echo --buffers (default 768, its default)
#   --max            instead of the above: push towards --max-target idle
#                    connections with ringview-uring (one server process
#                    per 16,500, one loadgen per 18,000), adding a loadgen
#                    at a time until the target, a failed connect, a
#                    server out of descriptors, MemAvailable below
#                    --min-avail or --budget; then report how far it got
#                    and what stopped it
#   --max-target N   default 1000000
#   --min-avail MIB  stop ramping below this much MemAvailable (default
#                    4096: the machine is shared)
#   --budget S       --max: stop ramping after S seconds (default 300)
#   --server-cpu C   core for the servers (default 0)
#   --load-cpu C     core for every loadgen (default 1)
#   --quick          smoke run: --single 5000 --crowd 0, one run of 1 s
#                    after 0.5 s warmup (under a minute)
#   --strict         exit 1 when a target is missed
#   -h, --help       this text
#
# For each server and each scenario (--single: one process; --crowd:
# --procs processes on one port) the script:
#   1. starts the server processes, all on --server-cpu, and runs
#      `loadgen --conns 50 --size 64` (--runs times) on --load-cpu: the
#      load without the crowd;
#   2. reads the servers' VmRSS (summed) and the kernel's memory: Slab
#      (/proc/meminfo), TCP pages (/proc/net/sockstat) and the socket
#      slab caches (/proc/slabinfo, when readable);
#   3. ramps the crowd: `loadgen --idle N --sources S --source-base ADDR
#      --reset`, one process per --per-loadgen connections, started one
#      after the other (each is given the machine for its ramp), every
#      one on --load-cpu; ramp conns/s = connections held / the time
#      the loadgens spent connecting (each one's ramp_s, summed; the wall
#      time, process starts included, is printed beside it);
#   4. once the servers' VmRSS has settled, reads all again: user bytes
#      per idle connection = (VmRSS after - VmRSS before) / connections;
#      kernel bytes per connection = (Slab after - before) / connections,
#      which counts both ends (client and server socket, file, epoll or
#      io_uring entry), since both live on this machine;
#   5. runs the 64 B load beside the crowd (--runs times), then releases
#      the crowd (loadgen --reset closes with SO_LINGER 0: no TIME_WAIT on
#      either side, so a rerun at once finds every port free) and runs
#      the load without it again (--runs times).
# "Without" is the median of the runs of steps 1 and 5, "with" of step 4.
# Around each load run the script reads the busy time of all cpus and
# the servers' CPU time: what other processes used meanwhile is printed
# ("other", % of one core) and its median goes in the table; on a shared
# machine a high figure there means the p99s say more about that work
# than about the crowd.
# The "before" VmRSS is read after the first load (step 1), so memory the
# load's 50 connections left behind (allocator caches) is not counted per
# idle connection. Servers held = descriptors the server processes hold
# beyond those they had before the ramp (accepted connections).
#
# Targets (ringview servers; epoll is the reference): at most 200 B of
# server user space per idle connection, and the load's p99 with the
# crowd at most 1.2x its p99 without.
#
# Results: a table on stdout, and in bench/results/ (not committed):
# c100k-STAMP.csv (one row per scenario), c100k-STAMP-loads.csv (every
# load run), c100k-STAMP-targets.csv and c100k-STAMP.txt (the table).
#
# Exit status: 0 when everything ran (1 with --strict and a missed
# target); 1 when a build step, a server or loadgen failed; 2 for bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
servers_opt=epoll,ringview-uring,ringview-ev
single=19000
crowd=100000
procs=
port=0
per_lg=19000
sources=4
runs=3
seconds=3
warmup=1
depth=1
buffers=768
buf_size=16384
max_mode=no
max_target=1000000
min_avail=4096
budget=300
srv_cpu=0
lg_cpu=1
strict=no
max_other=20
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--quick|--max|--strict|-h|--help) ;;
	-*) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--build) builddir=$2; shift 2 ;;
	--servers) servers_opt=$2; shift 2 ;;
	--single) count "$1" "$2"; single=$2; shift 2 ;;
	--crowd) count "$1" "$2"; crowd=$2; shift 2 ;;
	--procs) count "$1" "$2"; procs=$2; shift 2 ;;
	--port) count "$1" "$2"; port=$2; shift 2 ;;
	--per-loadgen) count "$1" "$2"; per_lg=$2; shift 2 ;;
	--sources) count "$1" "$2"; sources=$2; shift 2 ;;
	--runs) count "$1" "$2"; runs=$2; shift 2 ;;
	--seconds) number "$1" "$2"; seconds=$2; shift 2 ;;
	--warmup) number "$1" "$2"; warmup=$2; shift 2 ;;
	--buffers) count "$1" "$2"; buffers=$2; shift 2 ;;
	--max) max_mode=yes; shift ;;
	--max-target) count "$1" "$2"; max_target=$2; shift 2 ;;
	--min-avail) count "$1" "$2"; min_avail=$2; shift 2 ;;
	--budget) count "$1" "$2"; budget=$2; shift 2 ;;
	--server-cpu) count "$1" "$2"; srv_cpu=$2; shift 2 ;;
	--load-cpu) count "$1" "$2"; lg_cpu=$2; shift 2 ;;
	--quick) single=5000; crowd=0; runs=1; seconds=1; warmup=0.5; shift ;;
	--strict) strict=yes; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-c100k.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
if [ "$sources" -lt 1 ] || [ "$sources" -gt 250 ]; then
	die "--sources must be from 1 to 250"
fi
[ "$per_lg" -ge 1 ] || die "--per-loadgen must be at least 1"
[ -z "$procs" ] || [ "$procs" -ge 1 ] || die "--procs must be at least 1"
IFS=, read -r -a want_servers <<<"$servers_opt"
for x in "${want_servers[@]}"; do
	case $x in epoll|ringview-uring|ringview-ev) ;;
	*) die "--servers: unknown server '$x'" ;; esac
done
if [ "$max_mode" = yes ]; then
	want_servers=(ringview-uring)
	buffers=256 # 4 MiB a process: there will be dozens
fi
check_cpus

# ---------------------------------------------------------------- build --
build_echo bench/baselines/epoll-echo
epoll_bin=$builddir/bench/baselines/epoll-echo

# Every process may take the hard limit of descriptors; it cannot be raised.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"
fd_room=$((hard - 64))
[ "$single" -le "$fd_room" ] ||
	die "--single $single does not fit in one process: its limit is $hard descriptors (ulimit -Hn)"
[ "$per_lg" -le "$fd_room" ] ||
	die "--per-loadgen $per_lg does not fit in one loadgen: its limit is $hard descriptors"

bench_setup
srv_pids=()
crowd_pids=()
# shellcheck disable=SC2317 # called by the trap
c100k_cleanup() {
	local p
	for p in "${crowd_pids[@]+"${crowd_pids[@]}"}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${srv_pids[@]+"${srv_pids[@]}"}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 1
	for p in "${crowd_pids[@]+"${crowd_pids[@]}"}" "${srv_pids[@]+"${srv_pids[@]}"}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	cleanup
}
trap c100k_cleanup EXIT

server_cmd() {
	case $1 in
	epoll) echo "$epoll_bin --host 127.0.0.1" ;;
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --buffers $buffers --buf-size $buf_size --backend uring" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --buffers $buffers --buf-size $buf_size --backend ev" ;;
	esac
}

# ---------------------------------------------------------- measurement --
# Sum of VmRSS (KiB) of the server processes.
rss_sum() {
	local p s=0 r
	for p in "${srv_pids[@]}"; do
		r=$(proc_field "$p" VmRSS)
		s=$((s + ${r:-0}))
	done
	echo "$s"
}
# Descriptors the server processes hold, summed.
fds_sum() {
	local p s=0
	for p in "${srv_pids[@]}"; do
		s=$((s + $(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)))
	done
	echo "$s"
}
# Descriptors of each server process, space-separated.
fds_each() {
	local p out=
	for p in "${srv_pids[@]}"; do
		out="$out $(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
	done
	echo "${out# }"
}
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
tcp_mem_pages() { awk '$1 == "TCP:" {for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat; }
tcp_tw() { awk '$1 == "TCP:" {for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1)}' /proc/net/sockstat; }
# KiB in the slab caches a TCP connection lives in (both ends): the
# sockets, their inodes and files, epoll entries; "-" when /proc/slabinfo
# is not readable.
sock_slab_kib() {
	[ -r /proc/slabinfo ] || { echo -; return; }
	awk '$1 ~ /^(TCP|request_sock_TCP|tw_sock_TCP|sock_inode_cache|filp|dentry|eventpoll_epi|eventpoll_pwq)$/ {
		s += $3 * $4 } END {printf "%d", s / 1024}' /proc/slabinfo
}
# kernel_snapshot: "SLAB SOCK TCP AVAIL": Slab, the socket caches and
# MemAvailable in KiB, TCP memory in pages.
kernel_snapshot() {
	echo "$(meminfo Slab) $(sock_slab_kib) $(tcp_mem_pages) $(meminfo MemAvailable)"
}

# start_servers NAME N: N processes of server NAME on one port, all on
# $srv_cpu; srv_pids, srv_port. 1 when one does not start.
start_servers() {
	local name=$1 n=$2 i cmd pid
	cmd=$(server_cmd "$name")
	srv_pids=()
	srv_port=$port
	for i in $(seq 0 $((n - 1))); do
		rm -f "$tmp/srv$i.out" "$tmp/srv$i.err"
		# shellcheck disable=SC2086
		taskset -c "$srv_cpu" $cmd --port "$srv_port" >"$tmp/srv$i.out" 2>"$tmp/srv$i.err" &
		pid=$!
		srv_pids+=("$pid")
		if ! await_ready "$pid" "$tmp/srv$i.out"; then
			problem "$name process $i did not start: $(head -n 3 "$tmp/srv$i.err")"
			return 1
		fi
		srv_port=$ready_port
	done
}
# stop_servers: SIGINT each, then wait; srv_rcs = their exit statuses.
stop_servers() {
	local p
	srv_rcs=
	for p in "${srv_pids[@]+"${srv_pids[@]}"}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${srv_pids[@]+"${srv_pids[@]}"}"; do
		stop_process "$p"
		srv_rcs="$srv_rcs $stopped_rc"
	done
	srv_rcs=${srv_rcs# }
	srv_pids=()
}

# Clock ticks the server processes have used, summed.
srv_ticks() {
	local p s=0
	for p in "${srv_pids[@]}"; do s=$((s + $(proc_ticks "$p" 2>/dev/null || echo 0))); done
	echo "$s"
}
# load PHASE RUN: one 64 B x 50 run against the servers; its row goes
# to $tmp/loads.csv with the scenario's columns and other_pct, the CPU
# other processes used meanwhile (all busy time less the servers' and
# loadgen's, in % of one core: the machine is shared); prints a line.
load() {
	local phase=$1 run=$2 lim b0 s0 k0 t0 b1 s1 t1
	lim=$(lg_timeout)
	lg_rc=0
	kids_cpu; k0=$kids_s
	b0=$(busy_ticks); s0=$(srv_ticks); t0=$(now)
	timeout --foreground "$lim" taskset -c "$lg_cpu" "$loadgen" \
		--port "$srv_port" --conns 50 --size 64 --depth "$depth" \
		--seconds "$seconds" --warmup "$warmup" --csv --quiet \
		>"$tmp/lg.out" 2>"$tmp/lg.err" || lg_rc=$?
	t1=$(now); b1=$(busy_ticks); s1=$(srv_ticks)
	kids_cpu
	other=$(awk -v b="$((b1 - b0))" -v s="$((s1 - s0))" -v k="$(awk -v a="$k0" -v b="$kids_s" 'BEGIN {print b - a}')" \
		-v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { o = (b - s) / hz - k; if (o < 0) o = 0; printf "%.1f", 100 * o / t }')
	lg_row load "$name $scenario, 64 B x 50 $phase" || true
	lg_errors "$name"
	echo "$scenario,$name,$phase,$run,$lg_rc,$other,$row" >>"$tmp/loads.csv"
	awk -F, -v h="$lg_header" -v what="$phase" -v o="$other" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ printf "   64 B x 50 %-14s %9.0f msgs/s  p50 %7.1f us  p99 %8.1f us  errors %s  other %s%%\n",
			what, $c["msgs_per_s"], $c["p50_us"], $c["p99_us"], $c["errors"], o }' <<<"$row"
}

# source_base I: the first source address of loadgen process I.
source_base() { echo "127.$((1 + $1 / 250)).$((1 + $1 % 250)).1"; }

# start_crowd_one I N: loadgen process I holding N idle connections;
# waits for its "holding" line (0) or its exit (1). Sets crowd_line.
start_crowd_one() {
	local i=$1 n=$2 pid
	rm -f "$tmp/crowd$i.out" "$tmp/crowd$i.err"
	taskset -c "$lg_cpu" "$loadgen" --port "$srv_port" --idle "$n" \
		--sources "$sources" --source-base "$(source_base "$i")" \
		--reset --seconds 100000 --quiet \
		>"$tmp/crowd$i.out" 2>"$tmp/crowd$i.err" &
	pid=$!
	crowd_pids+=("$pid")
	crowd_line=
	while :; do
		crowd_line=$(grep -s '^holding' "$tmp/crowd$i.out" || true)
		[ -z "$crowd_line" ] || return 0
		alive "$pid" || return 1
		sleep 0.05
	done
}
# field NAME LINE: the value of NAME= in LINE.
field() { sed -n "s/.* $1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

# ramp TOTAL: start loadgens until TOTAL connections are held, one after
# the other; sets held (connections loadgen holds), failed (connects
# that failed), lg_ramp_s (the loadgens' connect phases, summed: what
# the ramp rate is computed over), ramp_s (the wall time from the first
# start to the last "holding", process starts included), nlg and
# stopped_by (why it stopped early, "" if not).
# With --max it also stops when the machine runs short (see --help).
ramp() {
	local total=$1 i=0 n t0 t1 c f avail each
	held=0
	failed=0
	lg_ramp_s=0
	stopped_by=
	crowd_pids=()
	t0=$(now)
	while [ "$held" -lt "$total" ]; do
		n=$((total - held < per_lg ? total - held : per_lg))
		if ! start_crowd_one "$i" "$n"; then
			stopped_by="loadgen $i exited before holding: $(grep -v '^\[' "$tmp/crowd$i.err" | head -n 2 | tr '\n' ' ')"
			i=$((i + 1))
			break
		fi
		c=$(field connected "$crowd_line")
		f=$(field failed "$crowd_line")
		held=$((held + ${c:-0}))
		lg_ramp_s=$(awk -v a="$lg_ramp_s" -v b="$(field ramp_s "$crowd_line")" 'BEGIN {printf "%.3f", a + b}')
		failed=$((failed + ${f:-0}))
		i=$((i + 1))
		printf '   loadgen %d (sources from %s): %s\n' "$((i - 1))" "$(source_base $((i - 1)))" "${crowd_line#holding }"
		if [ "${f:-0}" -gt 0 ]; then
			stopped_by="$f connect(s) of loadgen $((i - 1)) failed: $(grep -v '^\[' "$tmp/crowd$((i - 1)).err" | grep -v 'further errors' | head -n 2 | tr '\n' ' ')"
			break
		fi
		if [ "$max_mode" = yes ]; then
			avail=$(meminfo MemAvailable)
			if [ "$avail" -lt $((min_avail * 1024)) ]; then
				stopped_by="MemAvailable down to $((avail / 1024)) MiB (--min-avail $min_avail)"
				break
			fi
			if [ $(( $(date +%s) - t_begin )) -ge "$budget" ]; then
				stopped_by="the time budget (--budget $budget s)"
				break
			fi
			# Cheaper than counting a million descriptors each step:
			# a server out of them says so (listen.c's backoff).
			each=$(cat "$tmp"/srv*.err 2>/dev/null | grep -m 1 -E 'accept on port|out of file descriptors' || true)
			if [ -n "$each" ]; then
				stopped_by="a server process could not accept: $each"
				break
			fi
		fi
	done
	t1=$(now)
	nlg=$i
	ramp_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
}
# release_crowd: SIGINT every crowd loadgen (each closes with resets and
# prints its final line), wait for them; crowd_errors = errors they saw
# while holding (a connection the server closed or reset).
release_crowd() {
	local p i=0 e
	crowd_errors=0
	for p in "${crowd_pids[@]+"${crowd_pids[@]}"}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${crowd_pids[@]+"${crowd_pids[@]}"}"; do
		stop_process "$p"
		e=$(sed -n 's/^idle .* errors=\([0-9]*\).*/\1/p' "$tmp/crowd$i.out")
		crowd_errors=$((crowd_errors + ${e:-0}))
		i=$((i + 1))
	done
	crowd_pids=()
}
# settle: wait (up to 5 s) until the servers' summed VmRSS is the same
# three times in a row, 0.2 s apart; sets rss1.
settle() {
	local r stable=0
	rss1=$(rss_sum)
	for _ in $(seq 25); do
		sleep 0.2
		r=$(rss_sum)
		if [ "$r" = "$rss1" ]; then
			stable=$((stable + 1))
			[ "$stable" -lt 3 ] || break
		else
			stable=0
			rss1=$r
		fi
	done
}

# scenario NAME SCENARIO CONNS PROCS: the whole measurement (see --help).
run_scenario() {
	local name=$1 scenario=$2 total=$3 np=$4 run rss0 per_user per_kern per_sock
	local tw0 tw1 spread rc fds0 k0_slab k0_sock k0_tcp k0_avail k1_slab k1_sock k1_tcp k1_avail
	echo "== $name, $scenario: $total idle connections over $np server process(es)"
	if ! start_servers "$name" "$np"; then
		stop_servers
		return 1
	fi
	echo "   port $srv_port, server pids ${srv_pids[*]}"
	if [ "$max_mode" = no ]; then
		for run in $(seq "$runs"); do load without "$run"; done
	fi
	sleep 0.3
	rss0=$(rss_sum)
	read -r k0_slab k0_sock k0_tcp k0_avail <<<"$(kernel_snapshot)"
	tw0=$(tcp_tw)
	fds0=$(fds_sum)
	ramp "$total"
	settle
	srv_held=$(( $(fds_sum) - fds0 ))
	read -r k1_slab k1_sock k1_tcp k1_avail <<<"$(kernel_snapshot)"
	spread=$(fds_each)
	per_user=$(awk -v a="$rss0" -v b="$rss1" -v n="$held" 'BEGIN {printf "%.0f", n ? (b - a) * 1024 / n : 0}')
	per_kern=$(awk -v a="$k0_slab" -v b="$k1_slab" -v n="$held" 'BEGIN {printf "%.0f", n ? (b - a) * 1024 / n : 0}')
	per_sock=$(awk -v a="$k0_sock" -v b="$k1_sock" -v n="$held" 'BEGIN {if (a == "-" || !n) print ""; else printf "%.0f", (b - a) * 1024 / n}')
	echo "   held $held (servers accepted $srv_held, $failed failed) by $nlg loadgen(s) connecting for $lg_ramp_s s:" \
	     "$(awk -v n="$held" -v s="$lg_ramp_s" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}') conns/s" \
	     "($(awk -v n="$held" -v s="$ramp_s" 'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}') over" \
	     "the wall time, process starts included)"
	echo "   descriptors per server process: $spread"
	echo "   servers' VmRSS $rss0 -> $rss1 KiB: $per_user B per idle connection"
	echo "   kernel: Slab $k0_slab -> $k1_slab KiB ($per_kern B per connection, both ends);" \
	     "socket caches ${per_sock:-?} B; TCP mem $k0_tcp -> $k1_tcp pages;" \
	     "MemAvailable $((k0_avail / 1024)) -> $((k1_avail / 1024)) MiB"
	[ -z "$stopped_by" ] || echo "   stopped: $stopped_by"
	if [ "$max_mode" = yes ]; then
		[ -n "$stopped_by" ] || stopped_by="nothing: the target was reached"
		# What would stop a longer push: every connection takes two
		# descriptors of the system's file-max (both ends are here),
		# and its kernel memory comes out of MemAvailable.
		echo "   next limits: fs.file-max $(cat /proc/sys/fs/file-max) allows" \
		     "$(( $(cat /proc/sys/fs/file-max) / 2 )) connections in all (2 descriptors each;" \
		     "$(cut -f1 /proc/sys/fs/file-nr) in use now); MemAvailable $((k1_avail / 1024)) MiB" \
		     "at $per_kern B each allows $(awk -v a="$k1_avail" -v k="$per_kern" 'BEGIN {printf "%d", (k > 0 ? a * 1024 / k : 0)}') more;" \
		     "$hard descriptors per process: one server process per" \
		     "$((hard - 64)) connections at most"
	fi
	if [ "$max_mode" = no ]; then
		for run in $(seq "$runs"); do load with-crowd "$run"; done
	fi
	release_crowd
	if [ "$max_mode" = no ]; then
		sleep 0.5
		for run in $(seq "$runs"); do load without "$((run + runs))"; done
	fi
	tw1=$(tcp_tw)
	stop_servers
	echo "   crowd errors while holding: $crowd_errors; TIME_WAIT $tw0 -> $tw1; server exits: $srv_rcs"
	[ "$crowd_errors" = 0 ] || problem "$name $scenario: the crowd's loadgens saw $crowd_errors error(s)"
	[ "$failed" = 0 ] || [ "$max_mode" = yes ] || problem "$name $scenario: $failed connect(s) failed"
	for rc in $srv_rcs; do
		[ "$rc" = 0 ] || { problem "$name $scenario: a server process exited with $rc"; break; }
	done
	echo "$scenario,$name,$np,$nlg,$total,$held,$srv_held,$failed,$lg_ramp_s,$ramp_s,$rss0,$rss1,$per_user,$k0_slab,$k1_slab,$per_kern,${per_sock},$k0_tcp,$k1_tcp,$k0_avail,$k1_avail,$crowd_errors,$tw0,$tw1,\"$srv_rcs\",\"$spread\",\"$stopped_by\"" >>"$tmp/scen.csv"
}

build_rev
echo "== build: $(cd "$builddir" && pwd), source $rev"
probe_servers epoll "" "" epoll ringview-uring ringview-ev
note_busy
lg_columns
echo "scenario,server,phase,run,lg_exit,other_pct,$lg_header" >"$tmp/loads.csv"
echo "scenario,server,procs,loadgens,target,held,servers_held,failed,ramp_s,wall_ramp_s,rss_before_kib,rss_after_kib,user_b_per_conn,slab_before_kib,slab_after_kib,kernel_b_per_conn,sock_slab_b_per_conn,tcp_pages_before,tcp_pages_after,avail_before_kib,avail_after_kib,crowd_errors,tw_before,tw_after,server_exits,fds_per_server,stopped_by" >"$tmp/scen.csv"
echo "== limits: descriptors per process $hard; ephemeral ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)" \
     "per source address and server port; tcp_mem $(tr '\t' ' ' </proc/sys/net/ipv4/tcp_mem) pages;" \
     "file-max $(cat /proc/sys/fs/file-max); conntrack entries" \
     "$(cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo n/a)"
echo "== servers on cpu $srv_cpu, every loadgen on cpu $lg_cpu; load 64 B x 50," \
     "$runs run(s) of $seconds s after $warmup s in each phase; $sources source addresses per loadgen"

if [ "$max_mode" = yes ]; then
	np=${procs:-$(( (max_target + 16499) / 16500 ))}
	per_lg=18000
	run_scenario ringview-uring max "$max_target" "$np" || true
else
	for name in "${servers[@]}"; do
		if [ "$single" -gt 0 ]; then run_scenario "$name" single "$single" 1 || true; fi
		if [ "$crowd" -gt 0 ]; then
			run_scenario "$name" crowd "$crowd" "${procs:-$(( (crowd + 16999) / 17000 ))}" || true
		fi
	done
fi

# -------------------------------------------------------------- results --
mkdir -p "$src/bench/results"
stamp=$(date +%Y%m%d-%H%M%S)
out=$src/bench/results/c100k-$stamp
cp "$tmp/loads.csv" "$out-loads.csv"
cp "$tmp/scen.csv" "$out.csv"
results_header "ringview c100k benchmark $stamp: servers ${servers[*]}; servers on cpu $srv_cpu," \
	"loadgens on cpu $lg_cpu; load 64 B x 50, $runs run(s) of $seconds s after $warmup s;" \
	"ringview-echo --buffers $buffers --buf-size $buf_size; kernel $(uname -r)"
table_rc=0
python3 "$here/c100k_table.py" --scenarios "$out.csv" --loads "$out-loads.csv" \
	--targets "$out-targets.csv" >>"$out.txt" || table_rc=$?
echo
cat "$out.txt"
[ "$table_rc" -le 1 ] || problem "c100k_table.py failed"
echo "CSV: $out.csv (scenarios), $out-loads.csv (load runs), $out-targets.csv; table: $out.txt"
results_end "$table_rc"
