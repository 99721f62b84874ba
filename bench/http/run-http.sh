#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-http.sh - ringview-http (examples/parser) against nginx under wrk,
# side by side in one run: keep-alive, the same fixed 21-byte response,
# each server pinned to one core, wrk on the other.
#
# usage: bench/http/run-http.sh [options]
#   --build DIR     release build directory (default: build-release; made
#                   or switched to --buildtype=release -Db_ndebug=true)
#   --runs N        rounds; medians (default 3)
#   --seconds S     wrk duration per run (default 5)
#   --conns N       wrk connections (default 50)
#   --threads N     wrk threads (default 1)
#   --backend NAME  ringview-http --backend (default auto)
#   --server-cpu C  core for the servers (default 0)
#   --load-cpu C    core(s) for wrk (default 1)
#   -h, --help      this text
#
# Needs wrk and nginx (Debian: scripts/setup.sh --bench installs them).
# nginx runs from a private prefix with one worker, access log off,
# keep-alive without a request limit, and `return 200` of the same body
# ringview-http's GET / sends, so both answer the same request with the
# same bytes. Per run: requests/s and latency from wrk, and each server's
# CPU time per request from /proc (nginx: its worker). The target
# (issue 5): ringview-http >= 1.2x nginx's requests/s.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
builddir=$src/build-release
runs=3
seconds=5
conns=50
threads=1
backend=auto
srv_cpu=0
lg_cpu=1

usage() { sed -n '5,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--build) builddir=$2; shift ;;
	--runs) runs=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--conns) conns=$2; shift ;;
	--threads) threads=$2; shift ;;
	--backend) backend=$2; shift ;;
	--server-cpu) srv_cpu=$2; shift ;;
	--load-cpu) lg_cpu=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-http.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

for tool in wrk nginx; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
		echo "run-http.sh: $tool is not installed (scripts/setup.sh --bench installs it)" >&2
		exit 2
	fi
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ -f "$builddir/build.ninja" ]; then
	bt=$(meson introspect --buildoptions "$builddir" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["buildtype"], o["b_ndebug"])')
	if [ "$bt" != "release true" ]; then
		meson configure "$builddir" --buildtype=release -Db_ndebug=true
	fi
else
	meson setup "$builddir" "$src" --buildtype=release -Db_ndebug=true
fi
ninja -C "$builddir" examples/ringview-http >/dev/null

tmp=$(mktemp -d /tmp/run-http.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# start_ringview PORT: sets srv_pid and cpu_pid.
start_ringview() {
	taskset -c "$srv_cpu" "$builddir/examples/ringview-http" --port "$1" \
		--backend "$backend" >"$tmp/rv.out" 2>&1 &
	srv_pid=$!
	cpu_pid=$srv_pid
	pids+=("$srv_pid")
}

# start_nginx PORT: sets srv_pid (master) and cpu_pid (the worker).
start_nginx() {
	mkdir -p "$tmp/nginx/logs"
	cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
user root;
error_log $tmp/nginx/logs/error.log warn;
pid $tmp/nginx/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	default_type text/plain;
	server {
		listen 127.0.0.1:$1 reuseport;
		location / { return 200 "Hello from ringview!\n"; }
	}
}
EOF
	taskset -c "$srv_cpu" "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
		>"$tmp/nginx.out" 2>&1 &
	srv_pid=$!
	pids+=("$srv_pid")
	cpu_pid=
	for _ in $(seq 100); do
		cpu_pid=$(pgrep -P "$srv_pid" | head -n1 || true)
		[ -n "$cpu_pid" ] && break
		sleep 0.05
	done
	[ -n "$cpu_pid" ] || { echo "nginx did not start: $(cat "$tmp/nginx.out")" >&2; exit 1; }
}

wait_port() {
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.05
	done
	echo "run-http.sh: nothing answers on port $1" >&2
	exit 1
}

# measure NAME: one wrk run against a fresh server; appends to results.
measure() {
	local name=$1 port t0 t1 out rps lat p99 cpu_us
	port=$(free_port)
	"start_$name" "$port"
	wait_port "$port"
	body=$(curl -s "http://127.0.0.1:$port/")
	[ "$body" = "Hello from ringview!" ] || { echo "$name answered '$body'" >&2; exit 1; }
	t0=$(ticks "$cpu_pid")
	out=$(taskset -c "$lg_cpu" wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency \
		"http://127.0.0.1:$port/")
	t1=$(ticks "$cpu_pid")
	kill -INT "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	lat=$(awk '/^ +50%/ {print $2}' <<<"$out")
	p99=$(awk '/^ +99%/ {print $2}' <<<"$out")
	errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
	cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v r="$rps" -v s="$seconds" \
		'BEGIN { printf "%.2f", d / hz * 1e6 / (r * s) }')
	printf '  %-14s %10.0f req/s  p50 %8s  p99 %8s  %6s us CPU/req %s\n' \
		"$name" "$rps" "$lat" "$p99" "$cpu_us" "$errs"
	echo "$name $rps $cpu_us" >>"$tmp/results"
}

echo "== wrk -t$threads -c$conns -d${seconds}s, servers on cpu $srv_cpu, wrk on cpu $lg_cpu, $runs runs"
echo "   nginx $("$nginx_bin" -v 2>&1 | sed 's/.*: //'), ringview-http backend $backend"
for r in $(seq "$runs"); do
	echo "== run $r/$runs"
	measure ringview
	measure nginx
done

python3 - "$tmp/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(name, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == name)
rv, ng = med("ringview", 1), med("nginx", 1)
rvc, ngc = med("ringview", 2), med("nginx", 2)
ratios = []
rv_runs = [float(r[1]) for r in rows if r[0] == "ringview"]
ng_runs = [float(r[1]) for r in rows if r[0] == "nginx"]
ratios = ["%.2f" % (a / b) for a, b in zip(rv_runs, ng_runs)]
print("\nmedians: ringview-http %.0f req/s (%.2f us CPU/req), nginx %.0f req/s (%.2f us CPU/req)"
      % (rv, rvc, ng, ngc))
verdict = "PASS" if rv >= 1.2 * ng else "FAIL"
print("%s  req/s ringview-http / nginx = %.2fx (target >= 1.2x; runs %s); CPU/req %.2fx"
      % (verdict, rv / ng, " ".join(ratios), rvc / ngc))
PY
