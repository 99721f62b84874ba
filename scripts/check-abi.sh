#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# scripts/check-abi.sh - compare libringview.so's ABI with the baseline
# committed in abi/libringview.abi (README: "ABI policy"), using abidw and
# abidiff from abigail-tools (scripts/setup.sh installs them).
#
#   scripts/check-abi.sh              build the library alone (debug info,
#                                     no tests, no examples) in a temporary
#                                     directory and compare it
#   scripts/check-abi.sh BUILD        compare BUILD/src/libringview.so, of a
#                                     build made with debug info (or name
#                                     the .so itself)
#   scripts/check-abi.sh --update [BUILD]
#                                     rewrite the baseline from the library
#                                     instead: a deliberate ABI change,
#                                     committed together with it
#
# Only what include/ringview/ declares counts (--headers-dir): types
# private to src/ change freely. The baseline is of a build with both
# backends; compare one like it.
#
# Exit status: 0 when the ABI is the baseline's. 1 when it differs, with
# abidiff's report: "INCOMPATIBLE" (a symbol removed, a function or a
# public type changed - abidiff calls a field that moved within the same
# size only a change, this script an incompatible one: old binaries would
# break, so the SONAME must change) or "compatible" (only additions: add
# new symbols to a new version node of src/libringview.map and accept them
# with --update). 2 for a usage error, a missing tool or a library without
# debug info.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASELINE=$ROOT/abi/libringview.abi
HEADERS=$ROOT/include/ringview

log() { printf 'check-abi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

update=0
target=""
for arg in "$@"; do
	case $arg in
	--update) update=1 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $arg (see --help)" ;;
	*) [ -z "$target" ] || die "one BUILD at most (see --help)"; target=$arg ;;
	esac
done

for tool in abidw abidiff readelf; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found: install abigail-tools and binutils (scripts/setup.sh does)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ringview-abi.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

if [ -z "$target" ]; then
	log "building the library into $TMP/build"
	meson setup "$TMP/build" "$ROOT" --buildtype=debug \
		-Ddefault_library=shared -Dtests=disabled -Dbench=false \
		-Dexamples=false >"$TMP/setup.log" 2>&1 ||
		{ cat "$TMP/setup.log" >&2; die "meson setup failed"; }
	meson compile -C "$TMP/build" >"$TMP/compile.log" 2>&1 ||
		{ cat "$TMP/compile.log" >&2; die "the build failed"; }
	target=$TMP/build
fi
lib=$target
[ -d "$lib" ] && lib=$target/src/libringview.so
[ -f "$lib" ] || die "no library at $lib (give a build directory or the .so)"
readelf -SW "$lib" | grep '\.debug_info' >/dev/null ||
	die "$lib has no debug info: build it with --buildtype=debug or debugoptimized"

# Stable output: no paths of this checkout or build in the XML.
abidw --headers-dir "$HEADERS" --drop-private-types --no-corpus-path \
	--no-comp-dir-path --short-locs --out-file "$TMP/current.abi" "$lib" ||
	die "abidw failed on $lib"

if [ $update -eq 1 ]; then
	mkdir -p "$(dirname "$BASELINE")"
	cp "$TMP/current.abi" "$BASELINE"
	log "wrote ${BASELINE#"$ROOT"/} from $lib: commit it with the change"
	exit 0
fi
[ -f "$BASELINE" ] || die "no baseline ${BASELINE#"$ROOT"/}: make one with --update"

set +e
abidiff "$BASELINE" "$TMP/current.abi" >"$TMP/report" 2>&1
rc=$?
set -e
# abidiff's status is a bit set: 1 error, 2 usage error, 4 the ABI changed,
# 8 ... incompatibly.
if [ $((rc & 3)) -ne 0 ]; then
	cat "$TMP/report" >&2
	die "abidiff failed (status $rc)"
fi
if [ $((rc & 12)) -eq 0 ]; then
	log "ok: $lib has the ABI of ${BASELINE#"$ROOT"/}"
	exit 0
fi
cat "$TMP/report"
# abidiff sets 8 (incompatible) for removed symbols, but only 4 for a
# type whose fields moved within the same size: anything reported as
# Removed or Changed is treated as incompatible here.
if [ $((rc & 8)) -ne 0 ] ||
	grep -Eq '[1-9][0-9]* (Removed|Changed)' "$TMP/report"; then
	log "INCOMPATIBLE change from the baseline: a symbol removed or a" \
		"function or public type changed, so binaries built against it" \
		"would break. Undo it, or raise the SONAME (README: ABI policy)" \
		"and run scripts/check-abi.sh --update. (Taking a field from a" \
		"_reserved array shows here too: check that no offset but the" \
		"reserve's moved, then --update.)"
	exit 1
fi
log "compatible change from the baseline (additions only): put the new" \
	"symbols in a new version node of src/libringview.map, review the" \
	"report and accept it with scripts/check-abi.sh --update"
exit 1
