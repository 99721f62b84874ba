#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# scripts/setup.sh - install what ringview needs to build, test and benchmark.
#
# Checks each dependency first (commands, pkg-config, dpkg-query, a compile
# test of liburing.h) and does nothing - no apt-get update - when all are
# present. Otherwise installs the missing ones from the distribution:
#
#   meson >= 1.0, ninja-build, pkg-config, gcc + libc6-dev, libev-dev,
#   libcriterion-dev, liburing-dev >= 2.5, libhttp-parser-dev; clang and
#   libFuzzer's runtime (libclang-rt-<clang major>-dev, which clang only
#   recommends), both optional: used for fuzzing (-Dfuzz=enabled); their
#   failure to install is only a warning; clang-format, which CI needs to
#   check the code's format (scripts/check-format.sh); and what the rest
#   of CI (.ci/run) needs: clang-tidy, g++ (the public headers are
#   compiled as C++), dpkg-dev (dpkg-buildflags), jq, and abigail-tools
#   (abidw, abidiff) to compare the library's ABI with its baseline
#   (scripts/check-abi.sh).
#
# Debian 12 (bookworm) ships liburing 2.3. There, this script adds
#   /etc/apt/sources.list.d/ringview-trixie.sources  (trixie, bookworm-backports)
#   /etc/apt/preferences.d/ringview-trixie           (trixie at priority 100)
# and installs liburing-dev/liburing2 from trixie and linux-libc-dev from
# bookworm-backports (liburing 2.9's headers need newer kernel headers).
# Priority 100 means no other package ever moves to trixie by itself.
#
# With --bench it also installs the tools the comparison benchmarks run:
# wrk and nginx-light (bench/http/run-http.sh), haproxy
# (bench/proxy/run-proxy.sh; on bookworm its 2.6, since trixie stays at
# priority 100), linux-perf (bench/echo/profile-echo.sh, run-proxy.sh
# --profile) and gnuplot-nox (the benchmarks' PNG plots), optional like
# clang.
#
# Environment: RINGVIEW_SETUP_NO_CLANG=1 skips clang.
# Needs root (or sudo) only when something must be installed.
set -euo pipefail

bench_tools=0
for arg in "$@"; do
	case $arg in
	--bench) bench_tools=1 ;;
	-h|--help) sed -n '5,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) printf 'setup: unknown option %s (see --help)\n' "$arg" >&2; exit 2 ;;
	esac
done

URING_MIN=2.5
CRITERION_MIN=2.3
MESON_MIN=1.0.0
SOURCES_FILE=/etc/apt/sources.list.d/ringview-trixie.sources
PREFS_FILE=/etc/apt/preferences.d/ringview-trixie

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }

# dpkg_installed PKG: true when PKG is installed according to dpkg.
dpkg_installed() {
	have dpkg-query || return 1
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# version_ge A B: true when version A >= B.
version_ge() {
	if have dpkg; then
		dpkg --compare-versions "$1" ge "$2"
	else
		[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
	fi
}

cc_cmd() {
	if have cc; then echo cc; elif have gcc; then echo gcc; else return 1; fi
}

# compiles SNIPPET [FLAGS...]: true when the C snippet compiles and links.
compiles() {
	local src=$1 cc
	shift
	cc=$(cc_cmd) || return 1
	printf '%s\n' "$src" | "$cc" -x c - -o /dev/null "$@" >/dev/null 2>&1
}

# clang_major: the major version of the installed clang ("14").
clang_major() {
	clang -dumpversion 2>/dev/null | cut -d. -f1
}

# fuzzer_ok: clang links a libFuzzer target with ASan (as build-fuzz does).
fuzzer_ok() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' |
		clang -x c - -o /dev/null -fsanitize=fuzzer,address >/dev/null 2>&1
}

uring_ok() {
	have pkg-config || return 1
	pkg-config --atleast-version="$URING_MIN" liburing 2>/dev/null || return 1
	# shellcheck disable=SC2046
	compiles '#include <liburing.h>
int main(void) { struct io_uring r; (void)r; return io_uring_major_version() < 2; }' \
		$(pkg-config --cflags --libs liburing)
}

codename=""
if [ -r /etc/os-release ]; then
	# shellcheck source=/dev/null
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi

SUDO=()   # command prefix for root; set below when not root

# write_root FILE CONTENT: write FILE as root unless it already holds CONTENT.
write_root() {
	local file=$1 content=$2
	if [ -f "$file" ] && [ "$(cat "$file")" = "$content" ]; then
		return 0
	fi
	log "writing $file"
	printf '%s\n' "$content" | "${SUDO[@]}" tee "$file" >/dev/null
}

# The second stanza keeps linux-libc-dev on bookworm-backports: at an equal
# priority of 100, apt would otherwise upgrade it to trixie's newer version.
write_prefs() {
	write_root "$PREFS_FILE" "# Added by ringview scripts/setup.sh: never move a package to trixie
# unless asked for explicitly (e.g. liburing-dev/trixie).
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: linux-libc-dev
Pin: release n=trixie
Pin-Priority: 50"
}

add_trixie_sources() {
	write_root "$SOURCES_FILE" "# Added by ringview scripts/setup.sh: liburing >= 2.5 for Debian 12.
# Only the packages named explicitly are taken from these suites
# (see $PREFS_FILE).
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
	write_prefs
}

missing=()     # distribution packages to install
optional=()    # same, but a failure is only a warning
need_uring=0

check() {
	if ! have meson || ! version_ge "$(meson --version 2>/dev/null || echo 0)" "$MESON_MIN"; then
		missing+=(meson)
	fi
	have ninja || missing+=(ninja-build)
	have pkg-config || missing+=(pkg-config)
	have gcc || missing+=(gcc)
	have clang-format || missing+=(clang-format)
	have abidiff || missing+=(abigail-tools)
	# .ci/run: clang-tidy (step 9), g++ (the 'headers' suite compiles the
	# public headers as C++), dpkg-buildflags (the hardened build) and jq
	# (it reads meson's test log).
	have clang-tidy || missing+=(clang-tidy)
	have g++ || missing+=(g++)
	have dpkg-buildflags || missing+=(dpkg-dev)
	have jq || missing+=(jq)
	if [ ! -e /usr/include/stdio.h ] && ! dpkg_installed libc6-dev; then
		missing+=(libc6-dev)
	fi
	if [ "${RINGVIEW_SETUP_NO_CLANG:-0}" != 1 ]; then
		if ! have clang; then
			# libclang-rt-dev: the runtime of Debian's default clang.
			optional+=(clang libclang-rt-dev)
		elif ! fuzzer_ok; then
			optional+=("libclang-rt-$(clang_major)-dev")
		fi
	fi
	if [ $bench_tools -eq 1 ]; then
		have wrk || optional+=(wrk)
		have nginx || [ -x /usr/sbin/nginx ] || optional+=(nginx-light)
		have haproxy || [ -x /usr/sbin/haproxy ] || optional+=(haproxy)
		have perf || optional+=(linux-perf)
		have gnuplot || optional+=(gnuplot-nox)
	fi
	# libev has no pkg-config file on Debian 12: look for the package/header.
	if ! dpkg_installed libev-dev && [ ! -e /usr/include/ev.h ]; then
		missing+=(libev-dev)
	fi
	if ! have pkg-config || ! pkg-config --atleast-version="$CRITERION_MIN" criterion 2>/dev/null; then
		missing+=(libcriterion-dev)
	fi
	if ! dpkg_installed libhttp-parser-dev && [ ! -e /usr/include/http_parser.h ]; then
		missing+=(libhttp-parser-dev)
	fi
	uring_ok || need_uring=1
}

check
if [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && [ $need_uring -eq 0 ]; then
	# Keep an earlier run's pin file current (no apt-get update needed).
	if [ -f "$SOURCES_FILE" ] && [ "$(id -u)" -eq 0 ]; then
		write_prefs
	fi
	log "all dependencies present"
	exit 0
fi

[ $need_uring -eq 1 ] && log "needs liburing >= $URING_MIN (usable headers)"
[ ${#missing[@]} -gt 0 ] && log "missing: ${missing[*]}"
[ ${#optional[@]} -gt 0 ] && log "missing (optional): ${optional[*]}"

have apt-get || die "no apt-get here: install the packages above by hand"

if [ "$(id -u)" -ne 0 ]; then
	have sudo || die "not root and no sudo: run as root to install the packages above"
	SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
	-o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)

# candidate PKG: the version apt would install, or empty.
candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }' | grep -v '(none)' || true
}

uring_pkgs=()
trixie_route=0
if [ $need_uring -eq 1 ] && [ "$codename" = bookworm ]; then
	trixie_route=1
	add_trixie_sources
fi

log "apt-get update"
"${APT[@]}" update -q >&2

if [ $need_uring -eq 1 ]; then
	if [ $trixie_route -eq 1 ]; then
		uring_pkgs=(liburing-dev/trixie liburing2/trixie linux-libc-dev/bookworm-backports)
	else
		cand=$(candidate liburing-dev)
		if [ -n "$cand" ] && version_ge "$cand" "$URING_MIN"; then
			uring_pkgs=(liburing-dev)
		else
			die "this distribution (${codename:-unknown}) offers liburing-dev '${cand:-none}' < $URING_MIN; install liburing >= $URING_MIN by hand"
		fi
	fi
fi

if [[ " ${missing[*]} " == *" meson "* ]]; then
	cand=$(candidate meson)
	if [ -z "$cand" ] || ! version_ge "$cand" "$MESON_MIN"; then
		die "the distribution's meson is '${cand:-none}' < $MESON_MIN; install a newer one (e.g. pip install 'meson>=1.0') and rerun"
	fi
fi

install() {
	log "apt-get install $*"
	"${APT[@]}" install -y -q --no-install-recommends "$@" >&2
}

required=("${missing[@]}" "${uring_pkgs[@]}")
if [ ${#optional[@]} -gt 0 ]; then
	if ! install "${required[@]}" "${optional[@]}"; then
		log "warning: could not install ${optional[*]} (optional); retrying without"
		[ ${#required[@]} -gt 0 ] && install "${required[@]}"
	fi
elif [ ${#required[@]} -gt 0 ]; then
	install "${required[@]}"
fi

# Check again: whatever is still missing is an error.
missing=()
optional=()
need_uring=0
check
[ $need_uring -eq 1 ] && die "liburing >= $URING_MIN still not usable after install"
[ ${#missing[@]} -gt 0 ] && die "still missing after install: ${missing[*]}"
[ ${#optional[@]} -gt 0 ] && log "warning: optional still missing: ${optional[*]}"
log "done"
