#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# run-proxy.sh - ringview-proxy (io_uring and libev) against HAProxy (with
# and without splice) and a hand-written epoll proxy, each in front of the
# same upstream echo server, under bench/loadgen/loadgen, and compare them.
#
# usage: bench/proxy/run-proxy.sh [options]
#   --build DIR      release build directory (default: build-release in the
#                    source tree; made with meson setup if missing, switched
#                    to --buildtype=release -Db_ndebug=true if it is not)
#   --runs N         repetitions of every measurement; medians (default 3)
#   --seconds S      measured seconds per run (default 3)
#   --warmup S       load before the measured window (default 1)
#   --depth N        messages in flight per connection (default 1)
#   --sizes LIST     message sizes in bytes (default 64,4096,65536)
#   --conns LIST     connection counts (default 1,50,500)
#   --proxies LIST   among ringview-uring,ringview-ev,haproxy,haproxy-splice,
#                    epoll (default: all; one whose program is missing or
#                    does not start is skipped with a note). haproxy runs
#                    with splicing off, haproxy-splice with option
#                    splice-auto; epoll is bench/baselines/epoll-proxy
#   --buffers N      ringview-proxy --buffers (default: its own)
#   --buf-size B     ringview-proxy --buf-size (default: its own)
#   --haproxy PATH   the HAProxy binary (default: haproxy in PATH, else
#                    /usr/sbin/haproxy; scripts/setup.sh --bench installs it)
#   --retries N      measure a combination again when other processes used
#                    the CPU, up to N times (default 2); still noisy: marked
#   --max-other PCT  CPU share of other processes that makes a run noisy,
#                    in % of one core (default 20)
#   --budget S       no more retries once the script has run S seconds
#                    (default 900)
#   --server-cpu C   core for the proxy (default 0)
#   --load-cpu C     core for loadgen and the upstream (default 1)
#   --quick          smoke run: 1 run of 1 s after 0.5 s warmup, sizes 64
#                    and 65536, 50 and 500 connections, 1 retry (options
#                    after it override these)
#   --strict         exit 1 when a target is missed
#   --profile        also sample each proxy with perf over every measured
#                    window and print, per combination, its CPU per message
#                    split into network stack, event mechanism, scheduler
#                    and user space (bench/lib/profile_table.py), against
#                    0.9x HAProxy's: the floor of the CPU targets. Needs
#                    perf (scripts/setup.sh --bench); perf costs the
#                    proxies a little, so compare them with each other
#   -h, --help       this text
#
# A default run takes about 11 minutes on the 2-core machine (9
# combinations x 5 proxies x 3 runs x about 4.8 s); retried runs add to
# that until --budget seconds have passed.
#
# The chain is loadgen -> proxy -> upstream, and the upstream is always
# bench/baselines/epoll-echo, so the proxies differ in nothing else. For
# every measurement a fresh upstream starts on --load-cpu (beside loadgen:
# the proxy keeps --server-cpu to itself, as a server does in run-echo.sh)
# and a fresh proxy on --server-cpu (so its peak RSS, VmHWM, read just
# before it is stopped, belongs to that combination alone). ringview-proxy
# and epoll-proxy start with --port 0 and say their port in their
# "listening on" line; HAProxy cannot, so it gets a port found free just
# before, and counts as ready once it holds a socket listening there.
# Within each repetition and combination the proxies run one after the
# other, so that any drift of the machine hits all of them alike.
#
# HAProxy: one process, nbthread 1, mode tcp, its default buffers (16 KiB),
# no logs; the same maxconn in every combination (4000, or more for a
# larger --conns). "haproxy" has splicing switched off (nosplice), as it is
# by default; "haproxy-splice" adds option splice-auto, which moves bytes
# between the sockets through a pipe in the kernel when HAProxy thinks it
# pays: the fair opponent for large messages.
#
# Figures, per proxy: msgs/s, MiB/s and latency from loadgen (every byte
# checked), the proxy's CPU time per message (loadgen --server-pid, over
# the measured window: on two cores the proxy saturates its core, so CPU
# per message shows what msgs/s hides) and its peak RSS. Noise: around each
# loadgen run the script reads the busy time of all cpus, the proxy's and
# the upstream's CPU time and loadgen's; what is left is other work, and
# above --max-other the combination (every proxy) is measured again.
#
# Results: a table on stdout (medians over the runs; ringview-uring and
# ringview-ev against haproxy and against the better of haproxy and
# haproxy-splice; the targets of issue 14, each met or missed), and in
# bench/results/ (not committed): proxy-STAMP.csv (the medians),
# proxy-STAMP-runs.csv (every run, retries included), proxy-STAMP-targets.csv,
# proxy-STAMP.txt (the table) and, when gnuplot is installed,
# proxy-STAMP.png.
#
# Exit status: 0 when everything ran, even if targets were missed (1 then
# with --strict); 1 when a build step, a proxy or loadgen failed; 2 for
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
proxies_opt=ringview-uring,ringview-ev,haproxy,haproxy-splice,epoll
buffers=
buf_size=
haproxy_bin=
retries=2
max_other=20
budget=900
srv_cpu=0
lg_cpu=1
strict=no
profile=no
perf_hz=999
# shellcheck source=../lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--quick|--strict|--profile|-h|--help) ;;
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
	--proxies) proxies_opt=$2; shift 2 ;;
	--buffers) count "$1" "$2"; buffers=$2; shift 2 ;;
	--buf-size) count "$1" "$2"; buf_size=$2; shift 2 ;;
	--haproxy) haproxy_bin=$2; shift 2 ;;
	--retries) count "$1" "$2"; retries=$2; shift 2 ;;
	--max-other) number "$1" "$2"; max_other=$2; shift 2 ;;
	--budget) count "$1" "$2"; budget=$2; shift 2 ;;
	--server-cpu) count "$1" "$2"; srv_cpu=$2; shift 2 ;;
	--load-cpu) count "$1" "$2"; lg_cpu=$2; shift 2 ;;
	--quick) runs=1; seconds=1; warmup=0.5; sizes=64,65536
		 conns_list=50,500; retries=1; shift ;;
	--strict) strict=yes; shift ;;
	--profile) profile=yes; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-proxy.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$depth" -ge 1 ] || die "--depth must be at least 1"
IFS=, read -r -a size_arr <<<"$sizes"
IFS=, read -r -a conn_arr <<<"$conns_list"
IFS=, read -r -a want_servers <<<"$proxies_opt"
for x in "${size_arr[@]}"; do count --sizes "$x"; done
for x in "${conn_arr[@]}"; do count --conns "$x"; done
for x in "${want_servers[@]}"; do
	case $x in ringview-uring|ringview-ev|haproxy|haproxy-splice|epoll) ;;
	*) die "--proxies: unknown proxy '$x'" ;; esac
done
check_cpus
if [ "$profile" = yes ] && ! command -v perf >/dev/null; then
	die "--profile needs perf (scripts/setup.sh --bench installs it)"
fi
if [ -z "$haproxy_bin" ]; then
	haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
fi

# One maxconn for every HAProxy run, so that its configuration does not
# change between combinations; it must cover the largest --conns.
max_conns=$(printf '%s\n' "${conn_arr[@]}" | sort -n | tail -n 1)
hap_maxconn=$(( max_conns + 100 > 4000 ? max_conns + 100 : 4000 ))

# ---------------------------------------------------------------- build --
# A release build: -O3, NDEBUG, no reference tracking by default.
# ringview-proxy is built only where the build has it (an io_uring-less
# build still has the libev backend; without the examples it is skipped).
release_build
targets="bench/loadgen/loadgen bench/baselines/epoll-echo bench/baselines/epoll-proxy"
if ninja_has examples/ringview-proxy; then
	targets="$targets examples/ringview-proxy"
fi
# shellcheck disable=SC2086
ninja_quiet $targets
loadgen=$builddir/bench/loadgen/loadgen
echo_bin=$builddir/bench/baselines/epoll-echo
epoll_bin=$builddir/bench/baselines/epoll-proxy
rv_bin=$builddir/examples/ringview-proxy

# ------------------------------------------------------------ machinery --
# Each pair holds two descriptors in the proxy: take the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] &&
   [ "$(ulimit -n)" -lt $((2 * hap_maxconn + 100)) ]; then
	die "open files limited to $(ulimit -n): HAProxy's maxconn $hap_maxconn" \
	    "needs $((2 * hap_maxconn + 100)); use fewer --conns"
fi
bench_setup
up_pid=
# lib.sh's cleanup stops the proxy and loadgen; the upstream is ours.
# shellcheck disable=SC2317 # called by the trap
proxy_cleanup() {
	if [ -n "$up_pid" ]; then kill -KILL "$up_pid" 2>/dev/null || true; fi
	cleanup
}
trap proxy_cleanup EXIT

# The program of proxy $1 (to tell a missing one).
proxy_bin() {
	case $1 in
	ringview-*) echo "$rv_bin" ;;
	haproxy*) echo "$haproxy_bin" ;;
	epoll) echo "$epoll_bin" ;;
	esac
}
# The command line of proxy $1 in front of upstream port $2 (not HAProxy).
proxy_cmd() {
	local extra=
	[ -z "$buffers" ] || extra="$extra --buffers $buffers"
	[ -z "$buf_size" ] || extra="$extra --buf-size $buf_size"
	case $1 in
	ringview-uring) echo "$rv_bin --host 127.0.0.1 --upstream 127.0.0.1:$2 --backend uring$extra" ;;
	ringview-ev) echo "$rv_bin --host 127.0.0.1 --upstream 127.0.0.1:$2 --backend ev$extra" ;;
	epoll) echo "$epoll_bin --host 127.0.0.1 --upstream 127.0.0.1:$2" ;;
	esac
}
# haproxy_cfg NAME PORT UPSTREAM_PORT: the configuration of HAProxy.
haproxy_cfg() {
	local global=nosplice option= # splicing is off by default: say so
	if [ "$1" = haproxy-splice ]; then
		global=
		option="option splice-auto"
	fi
	cat <<EOF
# generated by bench/proxy/run-proxy.sh for $1
global
	nbthread 1
	maxconn $hap_maxconn
	# a soft stop (SIGUSR1) waits for sessions; never past this
	hard-stop-after 3s
	$global
defaults
	mode tcp
	maxconn $hap_maxconn
	timeout connect 10s
	timeout client 60s
	timeout server 60s
	$option
frontend proxy
	bind 127.0.0.1:$2
	default_backend upstream
backend upstream
	server echo 127.0.0.1:$3
EOF
}
# A TCP port on 127.0.0.1 that nobody holds right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
# listening PID PORT: 0 when process PID holds a socket listening on
# 127.0.0.1:PORT (its inode, from /proc/net/tcp, among PID's descriptors:
# another process may have taken the port first).
listening() {
	local ino fd
	ino=$(awk -v a="$(printf '0100007F:%04X' "$2")" \
		'$2 == a && $4 == "0A" {print $10; exit}' /proc/net/tcp)
	[ -n "$ino" ] || return 1
	for fd in "/proc/$1/fd/"*; do
		[ "$(readlink "$fd" 2>/dev/null)" != "socket:[$ino]" ] || return 0
	done
	return 1
}

# start_upstream: a fresh epoll-echo on $lg_cpu; sets up_pid and up_port.
start_upstream() {
	rm -f "$tmp/up.out" "$tmp/up.err"
	taskset -c "$lg_cpu" "$echo_bin" --host 127.0.0.1 --port 0 \
		>"$tmp/up.out" 2>"$tmp/up.err" &
	up_pid=$!
	if await_ready "$up_pid" "$tmp/up.out"; then
		up_port=$ready_port
		return 0
	fi
	stop_upstream
	return 1
}
# stop_upstream: stop_process the upstream; sets up_rc.
stop_upstream() {
	up_rc=0
	[ -n "$up_pid" ] || return 0
	stop_process "$up_pid"
	up_rc=$stopped_rc
	up_pid=
}

# start_proxy NAME: proxy NAME on $srv_cpu in front of $up_port; sets
# srv_pid, srv_port and srv_backend; 0 once it accepts connections.
start_proxy() {
	local name=$1 try
	srv_backend=
	# Fresh files: the previous proxy's ready line must not be read.
	rm -f "$tmp/srv.out" "$tmp/srv.err"
	case $name in
	haproxy*)
		# The port may be taken between the check and the bind:
		# then HAProxy exits, and another port is tried.
		for try in 1 2 3; do
			srv_port=$(free_port)
			haproxy_cfg "$name" "$srv_port" "$up_port" >"$tmp/haproxy.cfg"
			taskset -c "$srv_cpu" "$haproxy_bin" -db -f "$tmp/haproxy.cfg" \
				>"$tmp/srv.out" 2>"$tmp/srv.err" &
			srv_pid=$!
			for _ in $(seq 100); do
				listening "$srv_pid" "$srv_port" && return 0
				alive "$srv_pid" || break
				sleep 0.05
			done
			stop_proxy "$name"
			[ "$try" = 3 ] || sleep 0.2
		done
		return 1 ;;
	*)
		# shellcheck disable=SC2046
		taskset -c "$srv_cpu" $(proxy_cmd "$name" "$up_port") --port 0 \
			>"$tmp/srv.out" 2>"$tmp/srv.err" &
		srv_pid=$!
		if await_ready "$srv_pid" "$tmp/srv.out"; then
			srv_port=$ready_port
			srv_backend=$ready_backend
			return 0
		fi
		stop_proxy "$name"
		return 1 ;;
	esac
}
# stop_proxy NAME: stop_server, up to 5 s for the final stats, then
# SIGKILL; sets srv_rc (137 when killed). HAProxy gets SIGUSR1, its soft
# stop: it keeps an ignored SIGINT ignored, and a background job of a
# script starts with SIGINT ignored; its hard stop, SIGTERM, exits with 143.
stop_proxy() {
	case $1 in
	haproxy*) stop_server USR1 ;;
	*) stop_server INT ;;
	esac
}

# probe_proxies NAME...: start each NAME that --proxies wants once, and
# keep in servers those that start (ringview: on the backend asked for);
# notes say why the others were skipped.
probe_proxies() {
	local name bin want why n vv
	servers=()
	notes=()
	start_upstream || { echo "$prog: the upstream (epoll-echo) does not start:" \
		"$(head -n 2 "$tmp/up.err")" >&2; exit 1; }
	for name in "$@"; do
		wanted "$name" || continue
		bin=$(proxy_bin "$name")
		if [ ! -x "$bin" ]; then
			case $name in
			haproxy*) why="$bin is not installed (scripts/setup.sh --bench installs it)" ;;
			*) why="$bin was not built" ;;
			esac
			notes+=("$name skipped: $why")
			continue
		fi
		vv=$("$haproxy_bin" -vv 2>/dev/null || true) # not piped: grep -q
		if [ "$name" = haproxy-splice ] && [[ $vv != *+LINUX_SPLICE* ]]; then
			notes+=("$name skipped: this HAProxy was built without splice")
			continue
		fi
		want=$(server_backend "$name")
		if start_proxy "$name"; then
			stop_proxy "$name"
			if [ "$srv_backend" = "$want" ]; then
				servers+=("$name")
			else
				notes+=("$name skipped: it says backend '${srv_backend:-?}', not $want")
			fi
		else
			why=$(grep -v '^$' "$tmp/srv.err" | head -n 2 | tr '\n' ' ')
			notes+=("$name skipped: it does not start: ${why:-no ready line}")
		fi
	done
	stop_upstream
	for n in "${notes[@]+"${notes[@]}"}"; do echo "== NOTE: $n"; done
	[ "${#servers[@]}" -gt 0 ] || { echo "$prog: no proxy to measure" >&2; exit 1; }
}

# noise_begin, noise_end: lib.sh's noise_start and noise_stop, with the
# upstream's CPU time not counted as other work (it is part of the load).
# They also note how busy each of the two cores was: when the load core is
# always busy, msgs/s measures loadgen and the upstream, not the proxy.
noise_begin() {
	noise_start "$srv_pid"
	noise_u0=$(proc_ticks "$up_pid")
	core_p0=$(cpu_busy_ticks "$srv_cpu")
	core_l0=$(cpu_busy_ticks "$lg_cpu")
}
noise_end() {
	local u1
	u1=$(proc_ticks "$up_pid" 2>/dev/null || echo "$noise_u0")
	noise_stop "$srv_pid"
	other=$(awk -v o="$other" -v u="$((u1 - noise_u0))" -v t0="$noise_t0" \
		-v t1="$(now)" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { o -= 100 * u / hz / (t1 - t0); if (o < 0) o = 0
			 printf "%.1f", o }')
	noisy_one=$(awk -v o="$other" -v m="$max_other" 'BEGIN {print (o > m) ? 1 : 0}')
	read -r proxy_core load_core < <(awk -v p="$(( $(cpu_busy_ticks "$srv_cpu") - core_p0 ))" \
		-v l="$(( $(cpu_busy_ticks "$lg_cpu") - core_l0 ))" -v t0="$noise_t0" \
		-v t1="$(now)" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { d = hz * (t1 - t0); printf "%.0f %.0f\n", 100 * p / d, 100 * l / d }')
}

# The figures of ringview-proxy's final stats line, "" for other proxies.
rv_stat() { sed -n "s/.*(final).*$1.*/\\1/p" "$tmp/srv.out" | tail -n 1; }

lg_columns
runs_hdr="run,proxy,attempt,kept,noisy,other_pct,proxy_core_busy_pct,load_core_busy_pct,peak_rss_kib,proxy_exit,upstream_exit,lg_exit,rv_pauses,rv_resets,$lg_header"

# profile_begin: with --profile, perf samples the proxy over loadgen's
# measured window (after its warmup); profile_end waits for it.
profile_begin() {
	perf_pid=
	[ "$profile" = yes ] || return 0
	perf_data=$tmp/perf.data
	rm -f "$perf_data"
	(sleep "$warmup"; exec perf record -q -F "$perf_hz" -p "$srv_pid" \
		-o "$perf_data" -- sleep "$seconds") >/dev/null 2>"$tmp/perf.err" &
	perf_pid=$!
}
profile_end() {
	[ -n "$perf_pid" ] || return 0
	wait "$perf_pid" || problem "perf record failed: $(head -n 2 "$tmp/perf.err")"
	perf_pid=
}
# profile_keep NAME RUN: the samples of this measurement, by symbol, and a
# line for profile_table.py in $tmp/group.prof (kept with the group).
profile_keep() {
	local msgs report
	[ "$profile" = yes ] && [ -s "$tmp/perf.data" ] || return 0
	msgs=$(awk -F, -v h="$lg_header" '
		BEGIN { n = split(h, f, ","); for (i = 1; i <= n; i++) c[f[i]] = i }
		{ print $c["msgs_per_s"] }' <<<"$row")
	[ -n "$msgs" ] && [ "$msgs" != 0 ] || return 0
	report=$tmp/prof/$size-$conns-$1-$2-$attempt.txt
	mkdir -p "$tmp/prof"
	perf report -i "$tmp/perf.data" --no-children --sort sym -q \
		-F sample,sym >"$report" 2>/dev/null || return 0
	echo "$1 $2 $msgs $report" >>"$tmp/group.prof"
}

# measure PROXY SIZE CONNS RUN ATTEMPT: one loadgen run through a fresh
# proxy to a fresh upstream; appends a row to $tmp/group and sets noisy=1
# when other work took more than --max-other.
measure() {
	local name=$1 size=$2 conns=$3 run=$4 attempt=$5
	local lg_rc=0 hwm row lim rc pauses resets
	if ! start_upstream; then
		problem "the upstream did not start: $(head -n 3 "$tmp/up.err")"
		return 1
	fi
	if ! start_proxy "$name"; then
		problem "$name did not start: $(head -n 3 "$tmp/srv.err")"
		stop_upstream
		return 1
	fi
	lim=$(lg_timeout)
	profile_begin
	noise_begin
	run_loadgen "$lim" "$size" "$conns"
	noise_end # other work, in % of one core
	profile_end
	hwm=$(proc_field "$srv_pid" VmHWM)
	stop_proxy "$name"
	rc=$srv_rc
	stop_upstream
	[ "$noisy_one" = 0 ] || noisy=1
	lg_row load "$name, $size B x $conns" || true
	[ "$rc" = 0 ] || problem "$name exited with $rc after $size B x $conns: $(tail -n 3 "$tmp/srv.err")"
	[ "$up_rc" = 0 ] || problem "the upstream exited with $up_rc after $name, $size B x $conns"
	lg_errors "$name"
	profile_keep "$name" "$run"
	pauses=$(rv_stat ' \([0-9]*\) pauses')
	resets=$(rv_stat ' \([0-9]*\) resets')
	echo "$run,$name,$attempt,@KEPT@,$noisy_one,$other,$proxy_core,$load_core,${hwm:-},$rc,$up_rc,$lg_rc,$pauses,$resets,$row" >>"$tmp/group"
	print_run "$name" "${hwm:-0}" "$other"
}
# group_done KEPT SIZE CONNS (measure_group calls it after each group):
# the profiles of a kept group join its combination's list; those of a
# group measured again are dropped.
group_done() {
	if [ "$1" = 1 ]; then
		cat "$tmp/group.prof" >>"$tmp/prof-$2-$3.list"
	fi
	: >"$tmp/group.prof"
}

# What was measured: the build's source tree and its commit.
build_rev
hap_version=none
if [ -x "$haproxy_bin" ]; then
	hap_version=$("$haproxy_bin" -v 2>/dev/null | awk 'NR == 1 {print $3}')
fi

# ---------------------------------------------------------------- probe --
echo "== build: $(cd "$builddir" && pwd), source $rev"
probe_proxies ringview-uring ringview-ev haproxy haproxy-splice epoll

note_busy

ncombo=$(( ${#size_arr[@]} * ${#conn_arr[@]} ))
est=$(awk -v n="$((ncombo * ${#servers[@]} * runs))" -v w="$warmup" \
	-v s="$seconds" 'BEGIN {printf "%d", n * (w + s + 0.8)}')
rv_opts="--buffers ${buffers:-default} --buf-size ${buf_size:-default}"
echo "== proxies: ${servers[*]}; sizes ${sizes}; conns ${conns_list}; depth $depth;" \
     "$runs run(s) of ${seconds} s after ${warmup} s warmup; about $((est / 60)) min $((est % 60)) s"
echo "== proxy on cpu $srv_cpu, loadgen and the upstream (epoll-echo) on cpu $lg_cpu;" \
     "ringview-proxy $rv_opts; HAProxy $hap_version, maxconn $hap_maxconn"

echo "$runs_hdr" >"$tmp/runs.csv"
: >"$tmp/group.prof"

# ----------------------------------------------------------------- runs --
for run in $(seq "$runs"); do
	for size in "${size_arr[@]}"; do
		for conns in "${conn_arr[@]}"; do
			measure_group "$run" "$size" "$conns"
		done
	done
done

# -------------------------------------------------------------- results --
results_out proxy
results_header "ringview proxy benchmark $stamp: proxies ${servers[*]}; $runs run(s) of ${seconds} s" \
	"(warmup ${warmup} s), depth $depth, proxy cpu $srv_cpu, loadgen and upstream cpu $lg_cpu;" \
	"ringview-proxy $rv_opts; HAProxy $hap_version; kernel $(uname -r)"
table_rc=0
python3 "$here/proxy_table.py" --runs "$out-runs.csv" --summary "$out.csv" \
	--targets "$out-targets.csv" --plot-data "$tmp/plot" >>"$out.txt" || table_rc=$?
if [ "$profile" = yes ]; then
	for size in "${size_arr[@]}"; do
		for conns in "${conn_arr[@]}"; do
			[ -s "$tmp/prof-$size-$conns.list" ] || continue
			echo
			echo "== profile: $size B x $conns conns, perf at $perf_hz Hz"
			python3 "$here/../lib/profile_table.py" --freq "$perf_hz" \
				--seconds "$seconds" --base haproxy --factor 0.9 \
				<"$tmp/prof-$size-$conns.list" ||
				problem "profile_table.py failed"
		done
	done >>"$out.txt"
fi
echo
cat "$out.txt"
[ "$table_rc" -le 1 ] || problem "proxy_table.py failed"

plot_results "$here/plot-proxy.gp" \
	"msgs='$tmp/plot-msgs.dat'; cpu='$tmp/plot-cpu.dat'; rss='$tmp/plot-rss.dat'; out='$out.png'; nprox=${#servers[@]}; title='$stamp, ${runs} run(s), depth $depth, medians'"
echo "CSV: $out.csv (medians), $out-runs.csv (every run), $out-targets.csv; table: $out.txt"
results_end "$table_rc"
