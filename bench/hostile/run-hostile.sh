#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-hostile.sh - the full hostile suite: every attack of hostile.py
# against ringview-http and ringview-echo, on each backend, with a release
# build, and one table of the results.
#
# usage: bench/hostile/run-hostile.sh [options]
#   --build DIR      release build directory (default: build-release in the
#                    source tree; made with meson setup if missing, switched
#                    to --buildtype=release -Db_ndebug=true if it is not)
#   --backends LIST  among uring,ev (default: both; one that does not start
#                    is skipped with a note)
#   --servers LIST   among http,echo (default: both)
#   --attacks LIST   hostile.py --attacks (default: all of them)
#   --requests N     the good client's requests per attack (default 20)
#   --server-cpu C   core for the server (default 0)
#   --load-cpu C     core for the attackers and the good client (default 1)
#   --quick          the attacks' small versions (what CI runs)
#   -h, --help       this text
#
# Each server is started once per backend and meets the attacks one after
# the other (hostile.py checks that it is back to its descriptors, pool
# and RSS after each), then the descriptor-limit attack (emfile) with a
# server of its own. The pass criteria are hostile.py's: every good
# request answered with p99 <= 1 s (<= 50 ms among 8 pipelining
# blasters), descriptors, pool and RSS (+8 MiB) back within 5 s.
#
# Output: a line per attack as it ends, then the table; the CSVs go to
# bench/results/hostile-DATE-SERVER-BACKEND.csv. Exit status 0 when every
# attack held, 1 otherwise, 2 for bad usage. A full run takes about 6
# minutes (the 10,000-connection slowloris and 100,000 reset cycles are
# most of it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/lib.sh
. "$here/../lib/lib.sh"

builddir=$src/build-release
backends=uring,ev
servers=http,echo
attacks=
requests=20
srv_cpu=0
lg_cpu=1
quick=
while [ $# -gt 0 ]; do
	case $1 in
	--build) builddir=$2; shift 2 ;;
	--backends) backends=$2; shift 2 ;;
	--servers) servers=$2; shift 2 ;;
	--attacks) attacks=$2; shift 2 ;;
	--requests) count "$1" "$2"; requests=$2; shift 2 ;;
	--server-cpu) srv_cpu=$2; shift 2 ;;
	--load-cpu) lg_cpu=$2; shift 2 ;;
	--quick) quick=--quick; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (--help)" ;;
	esac
done
check_cpus
command -v python3 >/dev/null || die "needs python3"

release_build
ninja_quiet examples/ringview-http examples/ringview-echo

results=$src/bench/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
status=0
csvs=()
for server in ${servers//,/ }; do
	case $server in http | echo) ;; *) die "no server '$server'" ;; esac
	for backend in ${backends//,/ }; do
		case $backend in uring | ev) ;; *) die "no backend '$backend'" ;; esac
		bin=$builddir/examples/ringview-$server
		csv=$results/hostile-$stamp-$server-$backend.csv
		echo "== ringview-$server, $backend"
		args=(--server "$bin" --backend "$backend" --requests "$requests"
			--server-cpu "$srv_cpu" --csv "$csv")
		[ -z "$attacks" ] || args+=(--attacks "$attacks")
		[ -z "$quick" ] || args+=("$quick")
		rc=0
		taskset -c "$lg_cpu" python3 "$here/hostile.py" "${args[@]}" || rc=$?
		if [ "$rc" = 2 ] || [ ! -s "$csv" ]; then
			echo "$prog: ringview-$server on $backend did not run; skipped" >&2
			[ "$rc" = 2 ] && exit 2
			continue
		fi
		[ "$rc" = 0 ] || status=1
		csvs+=("$csv")
	done
done

echo
echo "== summary (good client: served/asked, p99 ms; server: RSS KiB and fds before/peak/after; pool lowest free)"
python3 - "${csvs[@]}" <<'EOF'
import csv, os, sys
print('%-6s %-5s %-27s %7s %8s %22s %15s %6s %6s  %s' % (
    'server', 'be', 'attack', 'served', 'p99', 'RSS before/peak/after',
    'fds b/p/a', 'free', 'back s', 'verdict'))
for path in sys.argv[1:]:
    server, backend = os.path.basename(path)[:-4].split('-')[-2:]
    for r in csv.DictReader(open(path)):
        if r['attack'] == 'emfile':
            print('%-6s %-5s %-27s %7s %8s %22s %15s %6s %6s  %s' % (
                server, backend, 'emfile', '%s/%s' % (r['served'], r['asked']),
                '-', 'CPU %.0f%%, %s log lines' % (
                    float(r['cpu_at_limit']) * 100, r['log_lines']),
                '-', '-', '-', r['verdict']))
            continue
        print('%-6s %-5s %-27s %7s %8.1f %22s %15s %6s %6.1f  %s' % (
            server, backend, r['attack'], '%s/%s' % (r['served'], r['asked']),
            float(r['p99_ms']),
            '%s/%s/%s' % (r['rss_before'], r['rss_peak'], r['rss_after']),
            '%s/%s/%s' % (r['fds_before'], r['fds_peak'], r['fds_after']),
            r['min_free'] if r['min_free'] != 'None' else '-',
            float(r['recover_s']), r['verdict']))
EOF
exit $status
