# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# shellcheck shell=bash disable=SC2034,SC2154 # the callers set and read these
# lib.sh - the shell functions the bench/*/run-*.sh scripts share.
# Sourced, not run:
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
#
# Messages start with $prog, the name of the script. The functions read
# the script's own variables: $here (its folder), $src, $builddir, $tmp (made
# by bench_setup), $srv_cpu (taskset cpu list of the servers), $lg_cpu,
# $loadgen, $rv_bin, $want_servers, $max_other, the load ($depth, $seconds,
# $warmup), the runs ($servers, $runs, $retries, $budget) and $strict, and
# call its server_cmd NAME (the command line of server NAME, without
# --port); measure_group calls its measure and, when it has one, its
# group_done.

prog=${0##*/}

# ------------------------------------------------------------- options --
usage() { sed -n '5,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
# die MESSAGE: bad usage; exit 2.
die() { echo "$prog: $*" >&2; exit 2; }
# count OPTION VALUE: die unless VALUE is a whole number.
count() { case $2 in ''|*[!0-9]*) die "$1 needs a whole number, not '$2'" ;; esac; }
# number OPTION VALUE: die unless VALUE is a number (decimals allowed).
number() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$1 needs a number, not '$2'"; }
# wanted NAME: 0 when --servers (want_servers) names NAME.
wanted() {
	local x
	for x in "${want_servers[@]}"; do [ "$x" != "$1" ] || return 0; done
	return 1
}
# check_cpus: die unless taskset can pin to $srv_cpu and $lg_cpu; warn
# when they are the same cpu.
check_cpus() {
	local c
	for c in "$srv_cpu" "$lg_cpu"; do
		taskset -c "$c" true 2>/dev/null ||
			die "cannot pin to cpu $c (this machine has $(nproc) cpus)"
	done
	[ "$srv_cpu" != "$lg_cpu" ] ||
		echo "$prog: warning: server and loadgen share cpu $srv_cpu" >&2
}

# --------------------------------------------------------------- build --
# release_build: make $builddir a release build of $src (-O3, NDEBUG, no
# reference tracking by default): meson setup when it has none, meson
# configure when its buildtype or b_ndebug is another. Exits 1 when meson
# fails.
release_build() {
	local bt
	if [ -f "$builddir/build.ninja" ]; then
		bt=$(meson introspect --buildoptions "$builddir" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["buildtype"], o["b_ndebug"])') || { echo "$prog: cannot read $builddir" >&2; exit 1; }
		if [ "$bt" != "release true" ]; then
			echo "== reconfiguring $builddir for release (was: $bt)"
			meson configure "$builddir" --buildtype=release -Db_ndebug=true ||
				exit 1
		fi
	else
		meson setup "$builddir" "$src" --buildtype=release -Db_ndebug=true ||
			exit 1
	fi
}
# ninja_has TARGET: 0 when $builddir knows TARGET (it is not built when
# its dependencies are missing). Not grep -q: it would stop reading at the
# first match, ninja would die of SIGPIPE, and under pipefail the answer
# would be "no" depending on timing.
ninja_has() { ninja -C "$builddir" -t targets all 2>/dev/null | grep "^$1:" >/dev/null; }
# ninja_quiet TARGET...: build the TARGETs in $builddir, quietly; when that
# fails, say so, show ninja's output and exit 1.
ninja_quiet() {
	ninja -C "$builddir" "$@" >/dev/null || {
		echo "$prog: building $* in $builddir failed" >&2
		ninja -C "$builddir" "$@" >&2 || true
		exit 1
	}
}
# build_echo BASELINE: release_build, then bench/loadgen/loadgen, BASELINE (a
# target) and examples/ringview-echo when this build has it; loadgen and
# rv_bin name the binaries.
build_echo() {
	local targets="bench/loadgen/loadgen $1"
	release_build
	if ninja_has examples/ringview-echo; then
		targets="$targets examples/ringview-echo"
	fi
	# shellcheck disable=SC2086
	ninja_quiet $targets
	loadgen=$builddir/bench/loadgen/loadgen
	rv_bin=$builddir/examples/ringview-echo
}
# idle_check WHAT: numbers are only worth having on an otherwise idle
# machine: sample how busy all cpus are for one second (steal time counts
# as busy) and warn above 5%, when WHAT is not even running.
idle_check() {
	local b0 b1 pct
	b0=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	sleep 1
	b1=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
	pct=$(echo "$b0 $b1" | awk '{d = $4 - $2; print d ? int(100 * ($3 - $1) / d) : 0}')
	if [ "$pct" -gt 5 ]; then
		echo "$prog: warning: the machine is ${pct}% busy without" \
		     "$1; other work will skew the numbers" >&2
	fi
}
# source_rev DIR [WHAT]: rev = the short commit of DIR's git checkout, and
# " + uncommitted changes in N file(s)WHAT" when src, include, examples or
# bench differ from it (GIT_OPTIONAL_LOCKS=0: git status must not refresh
# the index); "no git commit" outside git.
source_rev() {
	local dirty
	if rev=$(git -C "$1" rev-parse --short HEAD 2>/dev/null); then
		dirty=$(GIT_OPTIONAL_LOCKS=0 git -C "$1" status --porcelain \
			--untracked-files=no -- src include examples bench 2>/dev/null | wc -l)
		[ "$dirty" = 0 ] || rev="$rev + uncommitted changes in $dirty file(s)${2:-}"
	else
		rev="no git commit"
	fi
}
# build_rev: what was measured: rev = "TREE, " then source_rev's text for
# TREE, the source tree $builddir was configured from (its meson-info;
# $src when that is missing).
build_rev() {
	local build_src
	build_src=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["directories"]["source"])' \
		"$builddir/meson-info/meson-info.json" 2>/dev/null || echo "$src")
	source_rev "$build_src" " of src include examples bench"
	rev="$build_src, $rev"
}

# ----------------------------------------------------------- machinery --
# bench_setup: RINGVIEW_BACKEND unset (--backend says which one); $tmp, a
# directory removed at exit along with a server or loadgen still running;
# t_begin, the start time; problems, the count of errors.
bench_setup() {
	unset RINGVIEW_BACKEND
	tmp=$(mktemp -d)
	srv_pid=
	lg_pid=
	trap cleanup EXIT
	trap 'echo "$prog: interrupted" >&2; exit 130' INT TERM
	t_begin=$(date +%s)
	problems=0
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$lg_pid" ]; then kill "$lg_pid" 2>/dev/null || true; fi
	if [ -n "$srv_pid" ]; then
		kill -INT "$srv_pid" 2>/dev/null || true
		sleep 0.5
		kill -KILL "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
# problem MESSAGE: report an error on stderr and count it.
problem() { echo "$prog: error: $*" >&2; problems=$((problems + 1)); }
# report_end: how long the script took; exit 1 after errors.
report_end() {
	echo "took $(( $(date +%s) - t_begin )) s"
	if [ "$problems" -gt 0 ]; then
		echo "$prog: $problems error(s) above" >&2
		exit 1
	fi
}

# ------------------------------------------------------------- servers --
# The backend the ready line of server NAME must name ("" for a baseline).
server_backend() {
	case $1 in
	ringview-uring) echo io_uring ;;
	ringview-ev) echo libev ;;
	*) echo ;;
	esac
}

# alive PID: running, not exited (an exited child stays a zombie until
# waited for, and kill -0 still succeeds on it).
alive() {
	local st
	st=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# The servers' first line; run-udp.sh has "listening on udp HOST:PORT".
ready_re='^listening on (.+):([0-9]+)( \(backend ([^)]+)\))?'
# await_ready PID FILE: up to 5 s for PID's ready line ($ready_re) as the
# first line of FILE; sets ready_port and ready_backend from it. 1 when
# PID exits first or the line does not come.
await_ready() {
	local line
	ready_port=
	ready_backend=
	for _ in $(seq 100); do
		line=$(head -n 1 "$2" 2>/dev/null || true)
		if [[ $line =~ $ready_re ]]; then
			ready_port=${BASH_REMATCH[2]}
			ready_backend=${BASH_REMATCH[4]}
			return 0
		fi
		alive "$1" || return 1
		sleep 0.05
	done
	return 1
}
# stop_process PID [SIGNAL]: SIGNAL (INT), up to 5 s for PID to exit (a
# server prints its final stats), then SIGKILL; sets stopped_rc to its
# exit status (137 when killed). Not in $(...): it waits.
stop_process() {
	stopped_rc=0
	kill -"${2:-INT}" "$1" 2>/dev/null || true
	for _ in $(seq 50); do
		alive "$1" || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || stopped_rc=$?
}
# start_server NAME: server_cmd NAME --port 0 on $srv_cpu; sets srv_pid,
# and srv_port, srv_backend from its ready line ($ready_re); 0 once ready.
start_server() {
	local cmd
	cmd=$(server_cmd "$1")
	srv_port=
	srv_backend=
	# Fresh files: the child truncates them only once it runs, and the
	# previous server's ready line must not be read meanwhile.
	rm -f "$tmp/srv.out" "$tmp/srv.err"
	# shellcheck disable=SC2086
	taskset -c "$srv_cpu" $cmd --port 0 >"$tmp/srv.out" 2>"$tmp/srv.err" &
	srv_pid=$!
	if await_ready "$srv_pid" "$tmp/srv.out"; then
		srv_port=$ready_port
		srv_backend=$ready_backend
		return 0
	fi
	stop_server
	return 1
}
# stop_server [SIGNAL]: stop_process the server; sets srv_rc.
# shellcheck disable=SC2120 # run-proxy.sh passes USR1 for HAProxy
stop_server() {
	srv_rc=0
	[ -n "$srv_pid" ] || return 0
	stop_process "$srv_pid" "${1:-INT}"
	srv_rc=$stopped_rc
	srv_pid=
}

# probe_servers BASELINE NOBUILD NOSTART NAME...: start each NAME that
# --servers wants once, in this order, and keep in servers those whose
# ready line names the backend server_backend gives; notes (printed) say
# why the others were skipped, with the hint NOBUILD when its program (the
# first word of server_cmd NAME) was not built, NOSTART when it does not
# start. Exits 1 when BASELINE does not start or no server is left.
probe_servers() {
	local base=$1 nobuild=$2 nostart=$3 name want got why n bin
	shift 3
	servers=()
	notes=()
	for name in "$@"; do
		wanted "$name" || continue
		bin=$(server_cmd "$name")
		bin=${bin%% *}
		if [ "$name" != "$base" ] && [ ! -x "$bin" ]; then
			notes+=("$name skipped: $bin was not built$nobuild")
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
			[ "$name" != "$base" ] || { echo "$prog: the baseline does not start: $why" >&2; exit 1; }
			notes+=("$name skipped: it does not start$nostart: ${why:-no ready line}")
		fi
	done
	for n in "${notes[@]+"${notes[@]}"}"; do echo "== NOTE: $n"; done
	[ "${#servers[@]}" -gt 0 ] || { echo "$prog: no server to measure" >&2; exit 1; }
}

# ---------------------------------------------------------- CPU, noise --
# The value of field NAME in /proc/PID/status: proc_field PID NAME.
proc_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
# CPU time (user + system) of a process in clock ticks.
proc_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
# Busy ticks of all cpus (user nice system irq softirq steal).
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Busy ticks of cpu N alone: cpu_busy_ticks N.
cpu_busy_ticks() { awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# CPU seconds of this shell's waited-for children; must run in this shell
# (not in $(...)), so it sets kids_s.
kids_cpu() {
	times >"$tmp/times"
	kids_s=$(awk 'NR == 2 { s = 0
		for (i = 1; i <= NF; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }
		printf "%.3f", s }' "$tmp/times")
}
now() { date +%s.%N; }
# noise_start PID: before a loadgen run against server PID, note the busy
# time of all cpus, the server's and this shell's children's CPU time and
# the time. Not in $(...).
noise_start() {
	kids_cpu; noise_k0=$kids_s
	noise_b0=$(busy_ticks); noise_s0=$(proc_ticks "$1"); noise_t0=$(now)
}
# noise_stop PID: after it, other = the CPU other work used meanwhile (all
# busy time minus the server's and loadgen's), in % of one core, and
# noisy_one = 1 when that is above $max_other, else 0. Not in $(...).
noise_stop() {
	local b1 s1 k1 t1
	t1=$(now); b1=$(busy_ticks); s1=$(proc_ticks "$1" 2>/dev/null || echo "$noise_s0")
	kids_cpu; k1=$kids_s
	other=$(awk -v b="$((b1 - noise_b0))" -v s="$((s1 - noise_s0))" -v k0="$noise_k0" \
		-v k1="$k1" -v t0="$noise_t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { o = (b - s) / hz - (k1 - k0); if (o < 0) o = 0
			 printf "%.1f", 100 * o / (t1 - t0) }')
	noisy_one=$(awk -v o="$other" -v m="$max_other" 'BEGIN {print (o > m) ? 1 : 0}')
}
# note_busy: a NOTE when, before the runs, other work already uses more
# than $max_other % of a core (its runs would be retried).
note_busy() {
	local b0 b1 pct
	b0=$(busy_ticks); sleep 1; b1=$(busy_ticks)
	pct=$(( (b1 - b0) * 100 / $(getconf CLK_TCK) ))
	[ "$pct" -le "$max_other" ] ||
		echo "== NOTE: before starting, other work uses ${pct}% of a core; noisy runs will be retried"
}

# ------------------------------------------------------------- loadgen --
# lg_columns [ARG...]: lg_header = the CSV header of loadgen ARG..., and
# lg_fields = its number of columns.
# shellcheck disable=SC2120 # run-udp.sh passes --udp, the others nothing
lg_columns() {
	lg_header=$("$loadgen" "$@" --csv-header)
	lg_fields=$(echo "$lg_header" | tr ',' '\n' | wc -l)
}
# lg_timeout: whole seconds to allow a loadgen run: warmup + seconds + 20.
lg_timeout() { awk -v w="$warmup" -v s="$seconds" 'BEGIN {printf "%d", w + s + 20}'; }
# lg_row KIND WHAT: row = the last line of $tmp/lg.out. When loadgen failed
# ($lg_rc above 1) or that is no KIND row as wide as $lg_header: a problem
# with loadgen against WHAT, row = empty fields, and 1.
lg_row() {
	row=$(tail -n 1 "$tmp/lg.out")
	if [ "$lg_rc" -gt 1 ] || [ "$(echo "$row" | tr ',' '\n' | wc -l)" != "$lg_fields" ] ||
	   [ "${row%%,*}" != "$1" ]; then
		problem "loadgen (exit $lg_rc) against $2: $(head -n 3 "$tmp/lg.err")"
		row=${lg_header//[^,]/}
		return 1
	fi
}
# run_loadgen LIMIT SIZE CONNS: one loadgen run on $lg_cpu against the
# server ($srv_port, $srv_pid): CONNS connections of SIZE-byte messages,
# --depth, --warmup, then --seconds measured; killed after LIMIT seconds
# (lg_timeout), with loadgen options from the array lg_extra (--discard).
# Its CSV row goes to $tmp/lg.out; sets lg_rc.
lg_extra=()
run_loadgen() {
	lg_rc=0
	timeout --foreground "$1" taskset -c "$lg_cpu" "$loadgen" \
		--port "$srv_port" --conns "$3" --size "$2" \
		--depth "$depth" --seconds "$seconds" --warmup "$warmup" \
		--csv --quiet --server-pid "$srv_pid" "${lg_extra[@]}" \
		>"$tmp/lg.out" 2>"$tmp/lg.err" || lg_rc=$?
}
# lg_errors NAME: when loadgen saw errors against NAME (lg_rc 1: bytes
# lost, corrupted or stalled), its first five lines about them.
lg_errors() {
	[ "$lg_rc" = 1 ] || return 0
	echo "   $1: loadgen reported errors:"
	grep -v '^\[' "$tmp/lg.err" | head -n 5 | sed 's/^/      /'
}
# print_run NAME PEAK_KIB OTHER_PCT: one line of NAME's figures in $row
# (lg_row), its peak RSS and the other work during the run.
print_run() {
	awk -F, -v h="$lg_header" -v name="$1" -v o="$3" -v m="$2" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ printf "   %-15s %9.0f msgs/s %8.1f MiB/s  p99 %8.1f us  %6.2f us CPU/msg  peak %6.1f MiB  other %s%%\n",
			name, $c["msgs_per_s"], $c["mib_per_s"], $c["p99_us"],
			$c["server_cpu_us_per_msg"], m / 1024, o }' <<<"$row"
}

# ---------------------------------------------------------------- runs --
# measure_group RUN SIZE CONNS: the script's measure NAME SIZE CONNS RUN
# ATTEMPT for each of $servers, one after the other; each appends its row
# (kept as @KEPT@) to $tmp/group and sets noisy=1 when other work got in
# the way. Then the group is measured again, up to $retries times while
# the script has run less than $budget seconds: what other work touched
# is measured on all servers alike. Each group's rows go to $tmp/runs.csv,
# kept=0 but for the last; the script's group_done KEPT SIZE CONNS, when
# it has one, runs after each group.
measure_group() {
	local run=$1 size=$2 conns=$3 attempt=0 kept name
	while :; do
		if [ "$attempt" = 0 ]; then
			echo "== run $run/$runs: $size B x $conns conns"
		else
			echo "== run $run/$runs: $size B x $conns conns (retry $attempt of $retries)"
		fi
		: >"$tmp/group"
		noisy=0
		for name in "${servers[@]}"; do
			measure "$name" "$size" "$conns" "$run" "$attempt" || true
		done
		kept=1
		if [ "$noisy" = 1 ] && [ "$attempt" -lt "$retries" ] &&
		   [ $(( $(date +%s) - t_begin )) -lt "$budget" ]; then
			kept=0
		fi
		sed "s/@KEPT@/$kept/" "$tmp/group" >>"$tmp/runs.csv"
		if declare -F group_done >/dev/null; then
			group_done "$kept" "$size" "$conns"
		fi
		[ "$kept" = 0 ] || return 0
		attempt=$((attempt + 1))
		echo "   other processes were busy: measuring all again in 3 s"
		sleep 3
	done
}

# ------------------------------------------------------------- results --
# results_out NAME: stamp = the time, out = bench/results/NAME-STAMP (the
# directory made) and $tmp/runs.csv copied to $out-runs.csv.
results_out() {
	mkdir -p "$src/bench/results"
	stamp=$(date +%Y%m%d-%H%M%S)
	out=$src/bench/results/$1-$stamp
	cp "$tmp/runs.csv" "$out-runs.csv"
}
# results_header LINE...: $out.txt begins with LINE (its words joined by
# spaces), the source ($rev), the notes and an empty line.
results_header() {
	local n
	{
		echo "$@"
		echo "source: $rev"
		for n in "${notes[@]+"${notes[@]}"}"; do echo "NOTE: $n"; done
		echo
	} >"$out.txt"
}
# plot_results GP VARS: when gnuplot is installed and the table wrote
# $tmp/plot-msgs.dat, gnuplot -e VARS GP (which draws $out.png).
plot_results() {
	if command -v gnuplot >/dev/null && [ -s "$tmp/plot-msgs.dat" ]; then
		if gnuplot -e "$2" "$1" 2>"$tmp/gnuplot.err"; then
			echo "plot: $out.png"
		else
			problem "gnuplot failed: $(head -n 3 "$tmp/gnuplot.err")"
		fi
	else
		echo "plot: none (gnuplot is not installed)"
	fi
}
# results_end TABLE_RC: report_end, then exit: 1 with --strict ($strict)
# when the table says a target was missed (TABLE_RC 1), else 0.
results_end() {
	report_end
	if [ "$strict" = yes ] && [ "$1" = 1 ]; then
		exit 1
	fi
	exit 0
}
