#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# scripts/run-main.sh - the first command: install what is missing, build
# ringview optimised (build-release/) and run the main job: the zero-copy
# echo server under a short load from bench/loadgen/loadgen, then its final stats.
#
# Usage: scripts/run-main.sh [--micro] [LOADGEN_ARGS...]
#   --micro        run the micro-benchmark (ns per view/chain operation)
#                  instead of the echo server
#   LOADGEN_ARGS   passed to loadgen (default: --conns 50 --size 64
#                  --seconds 3), e.g. --conns 500 --size 4096
#
# The server runs on core 0 and the load on core 1 when taskset exists.
# Exit status: 0 when every byte came back and no buffer leaked.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build-release
cd "$ROOT"

# Server on core 0, load on core 1, when the machine has two.
PIN0=() PIN1=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
	PIN0=(taskset -c 0)
	PIN1=(taskset -c 1)
fi

echo_job() {
	local out port pid rc=0
	out=$(mktemp)
	# taskset execs the server, so $! is the server itself.
	"${PIN0[@]}" "$BUILD/examples/ringview-echo" --port 0 >"$out" 2>&1 &
	pid=$!
	trap 'kill -INT $pid 2>/dev/null || true; rm -f "$out"' EXIT
	# Wait for the ready line (bounded: 10 s), not for a guessed time.
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on [^ ]*:\([0-9]*\).*/\1/p' "$out")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "${port:-}" ]; then
		echo "ringview-echo did not start:" >&2
		cat "$out" >&2
		return 1
	fi
	head -n1 "$out"
	[ $# -gt 0 ] || set -- --conns 50 --size 64 --seconds 3
	echo "load: loadgen $*"
	"${PIN1[@]}" "$BUILD/bench/loadgen/loadgen" --port "$port" --server-pid "$pid" "$@" ||
		rc=$?
	kill -INT "$pid"
	wait "$pid" || rc=$?
	tail -n +2 "$out"
	trap - EXIT
	rm -f "$out"
	return "$rc"
}

"$ROOT/scripts/setup.sh"

if [ -f "$BUILD/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$BUILD" --buildtype=release -Db_ndebug=true
else
	meson setup "$BUILD" --buildtype=release -Db_ndebug=true
fi
meson compile -C "$BUILD"

if [ "${1:-}" = "--micro" ]; then
	shift
	exec "$BUILD/bench/micro/micro" "$@"
fi
echo_job "$@"
