#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-http-parse.sh - build ringview for release and run
# bench/http/http-parse-bench pinned to one core: parse throughput of
# ringview's framer + parser against libhttp-parser over the same request
# mix, median of several runs, and whether ringview reaches 2x.
#
# usage: bench/http/run-http-parse.sh [-b BUILDDIR] [-c CPU] [--runs N]
#                                [--iters N] [--strict]
#   -b BUILDDIR  release build directory (default: build-release in the
#                source tree; made with meson setup if missing, switched to
#                --buildtype=release -Db_ndebug=true if it is not)
#   -c CPU       core to pin to with taskset (default 1)
#   --runs N     timed runs of each parser (default 5)
#   --iters N    passes over the request mix per run (default 20000)
#   --strict     exit 1 when ringview is below 2x http-parser
#
# Exit status: the bench's (1 when the parsers disagree on the mix), 1
# when a build step fails, 2 for a bad argument; 77 when libhttp-parser
# is missing (the bench is not built then: scripts/setup.sh installs it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builddir=$src/build-release
cpu=1
runs=5
iters=
strict=
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

usage() { sed -n '5,22s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
	case $1 in
	-b) builddir=$2; shift 2 ;;
	-c) cpu=$2; shift 2 ;;
	--runs|-n) runs=$2; shift 2 ;;
	--iters) iters=$2; shift 2 ;;
	--strict) strict=--strict; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-http-parse.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

case $runs in ''|*[!0-9]*|0) echo "run-http-parse.sh: --runs needs a count" >&2; exit 2 ;; esac
case $iters in *[!0-9]*) echo "run-http-parse.sh: --iters needs a count" >&2; exit 2 ;; esac
if ! taskset -c "$cpu" true 2>/dev/null; then
	echo "run-http-parse.sh: cannot pin to cpu $cpu (have $(nproc) cpus)" >&2
	exit 2
fi

release_build
# Regenerate first when a meson.build changed, so the target list is current.
ninja -C "$builddir" build.ninja >/dev/null
if ! meson introspect --targets "$builddir" | grep '"http-parse-bench"' >/dev/null; then
	echo "run-http-parse.sh: http-parse-bench is not built (libhttp-parser" \
	     "missing? scripts/setup.sh installs libhttp-parser-dev)" >&2
	exit 77
fi
ninja -C "$builddir" bench/http/http-parse-bench

idle_check "the bench"

bench=$builddir/bench/http/http-parse-bench
set -- --runs "$runs"
[ -n "$iters" ] && set -- "$@" --iters "$iters"
[ -n "$strict" ] && set -- "$@" "$strict"
echo "== taskset -c $cpu $bench $*"
exec taskset -c "$cpu" "$bench" "$@"
