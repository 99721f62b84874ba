#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# profile-echo.sh - where an echo server's CPU goes, per message: perf
# samples of each server under the same load, sorted into the network
# stack (TCP/IP, skbs, copies: the work every server has to have done by
# the kernel), the event mechanism (io_uring, or epoll and the syscalls),
# the scheduler and wakeups, and the server's own user-space code.
#
# usage: bench/echo/profile-echo.sh [options]
#   --build DIR      release build directory (default: build-release)
#   --size B         message size (default 64)
#   --conns N        connections (default 50)
#   --seconds S      profiled seconds per server (default 3, after 1 s of
#                    load)
#   --runs N         profile every server N times; medians (default 3)
#   --servers LIST   among epoll,uring,ringview-uring,ringview-ev (default
#                    epoll,uring,ringview-uring)
#   --server-cpu C   core for the server (default 0)
#   --load-cpu C     core for loadgen (default 1)
#   --discard        loadgen receives with --discard: the kernel drops the
#                    echoed bytes instead of copying them out, unchecked. At
#                    64 KiB on 2 cores loadgen otherwise spends more per
#                    message than the server and msgs/s measures loadgen
#   -h, --help       this text
#
# It answers one question the throughput tables cannot: how much of a
# server's cost per message could any change to the server remove? The
# network stack part is the same work for every server (run-echo.sh's
# loads move 2.0 TCP segments per 64 B message for all of them: no extra
# ACKs), so it is a floor for all of them. Under io_uring the event
# mechanism's part is io_uring's own code, which uring-echo (liburing
# alone, no library) shows too. The table prints both sums, network stack
# and network stack plus event mechanism, against 0.8x the epoll
# baseline's whole cost, the CPU target of bench/echo/run-echo.sh at 64 B.
#
# Needs perf (Debian: apt-get install linux-perf) and permission to
# profile another process (root, or kernel.perf_event_paranoid <= 1).
# Sampled microseconds are a little above the /proc CPU time run-echo.sh
# reports (perf costs something); compare the servers with each other.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
size=64
conns=50
seconds=3
runs=3
servers_opt=epoll,uring,ringview-uring
srv_cpu=0
lg_cpu=1
freq=2000
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	-h|--help|--discard) ;;
	-*) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--build) builddir=$2; shift 2 ;;
	--size) count "$1" "$2"; size=$2; shift 2 ;;
	--conns) count "$1" "$2"; conns=$2; shift 2 ;;
	--seconds) count "$1" "$2"; seconds=$2; shift 2 ;;
	--runs) count "$1" "$2"; runs=$2; shift 2 ;;
	--servers) servers_opt=$2; shift 2 ;;
	--server-cpu) count "$1" "$2"; srv_cpu=$2; shift 2 ;;
	--load-cpu) count "$1" "$2"; lg_cpu=$2; shift 2 ;;
	--discard) lg_extra=(--discard); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "profile-echo.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$seconds" -ge 1 ] || die "--seconds must be at least 1"
IFS=, read -r -a want_servers <<<"$servers_opt"
for x in "${want_servers[@]}"; do
	case $x in epoll|uring|ringview-uring|ringview-ev) ;;
	*) die "--servers: unknown server '$x'" ;; esac
done
command -v perf >/dev/null ||
	die "perf is not installed (Debian: apt-get install linux-perf)"
check_cpus

build_echo bench/baselines/epoll-echo
epoll_bin=$builddir/bench/baselines/epoll-echo
uring_bin=$builddir/bench/baselines/uring-echo
if wanted uring; then
	ninja_has bench/baselines/uring-echo || die "this build has no uring-echo (no liburing)"
	ninja_quiet bench/baselines/uring-echo
fi
bench_setup

server_cmd() {
	case $1 in
	epoll) echo "$epoll_bin --host 127.0.0.1" ;;
	uring) echo "$uring_bin --host 127.0.0.1 --buffers 768" ;;
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --backend uring" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --backend ev" ;;
	esac
}

echo "== $size B x $conns conns, $runs run(s) of $seconds s per server," \
     "server on cpu $srv_cpu, loadgen on cpu $lg_cpu, perf at $freq Hz"
: >"$tmp/list"
for run in $(seq "$runs"); do
	for name in "${want_servers[@]}"; do
		start_server "$name" || { problem "$name did not start: $(head -n 3 "$tmp/srv.err")"; continue; }
		taskset -c "$lg_cpu" "$loadgen" --port "$srv_port" --conns "$conns" \
			--size "$size" --seconds "$((seconds + 2))" --warmup 0 \
			--quiet "${lg_extra[@]}" >"$tmp/lg.out" 2>"$tmp/lg.err" &
		lg_pid=$!
		sleep 1
		# Messages over exactly the profiled window: the server's own
		# count is not available from every server, so loadgen's
		# progress is not used; the rate of the whole run is.
		perf record -q -F "$freq" -p "$srv_pid" -o "$tmp/$name-$run.data" \
			-- sleep "$seconds" >/dev/null 2>"$tmp/perf.err" ||
			{ problem "perf record failed: $(head -n 2 "$tmp/perf.err")"; }
		wait "$lg_pid" || problem "loadgen against $name failed: $(tail -n 2 "$tmp/lg.err")"
		lg_pid=
		stop_server
		msgs=$(sed -n 's/.*msgs\/s=\([0-9.]*\).*/\1/p' "$tmp/lg.out" | tail -n 1)
		[ -s "$tmp/$name-$run.data" ] && [ -n "$msgs" ] || continue
		perf report -i "$tmp/$name-$run.data" --no-children --sort sym -q \
			-F sample,sym >"$tmp/$name-$run.txt" 2>/dev/null
		echo "$name $run $msgs $tmp/$name-$run.txt" >>"$tmp/list"
		echo "   run $run: $name, $msgs msgs/s"
	done
done
python3 "$here/../lib/profile_table.py" --freq "$freq" --seconds "$seconds" <"$tmp/list"
report_end
