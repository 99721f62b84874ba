#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# test_link.sh SRCDIR - users can build against ringview the ways they will:
#   1. installed (meson install into a staging dir), found with pkg-config:
#      linked against the shared library, and statically (pkg-config
#      --static, libringview.a); the shared library exports only rv_*, its
#      SONAME is libringview.so.1 (README: ABI policy), ringview/version.h and the man3 pages
#      are installed.
#      The C example in README.md's API tour builds and prints what it says.
#   2. as a meson subproject: dependency('ringview') with a fallback, and
#      subproject('ringview').get_variable('ringview_dep').
# Each way compiles link_user.c (public API only) and runs it: "ok".
# Uses meson, pkg-config and cc from PATH. Leaves nothing behind.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SRCDIR" >&2; exit 2; }
SRC=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=$HERE/link_user.c
CC=${CC:-cc}
# Strict flags: the public headers must be clean under what users turn on.
CFLAGS_USER=(-std=c11 -O2 -Wall -Wextra -Wpedantic -Werror)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ringview-link.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# The test runs inside 'meson test' of another build: keep that build's
# sanitizer settings away from these builds and programs.
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MALLOC_PERTURB_ || true

# expect_ok PROGRAM: run it and check it printed exactly "ok".
expect_ok() {
	local out
	out=$("$@") || fail "$* exited $?"
	[ "$out" = ok ] || fail "$* printed '$out', not 'ok'"
	echo "$* -> ok"
}

step "install: library only, into a staging dir"
meson setup "$TMP/build" "$SRC" -Dtests=disabled -Dbench=false \
	-Dexamples=false --prefix=/usr/local --buildtype=release
meson compile -C "$TMP/build"
meson install -C "$TMP/build" --destdir "$TMP/dest" --no-rebuild

DEST=$TMP/dest
pc=$(find "$DEST" -name ringview.pc -print -quit)
[ -n "$pc" ] || fail "no ringview.pc installed"
[ -f "$DEST/usr/local/include/ringview/ringview.h" ] || fail "headers not installed"
libdir_rel=$(dirname "$(dirname "${pc#"$DEST"}")")  # e.g. /usr/local/lib/x86_64-linux-gnu
LIBDIR=$DEST$libdir_rel
[ -e "$LIBDIR/libringview.so" ] || fail "no libringview.so in $LIBDIR"
[ -e "$LIBDIR/libringview.a" ] || fail "no libringview.a in $LIBDIR"
[ -f "$DEST/usr/local/include/ringview/version.h" ] ||
	fail "ringview/version.h (generated) not installed"
# The version moves; the ABI's name changes only with an incompatible
# change (README: ABI policy; src/meson.build, soversion).
if command -v readelf >/dev/null; then
	soname=$(readelf -d "$LIBDIR/libringview.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	[ "$soname" = libringview.so.1 ] || fail "SONAME is '$soname', not libringview.so.1"
	echo "SONAME $soname"
fi
# The API reference (docs/meson.build), one page per public function.
MAN3=$DEST/usr/local/share/man/man3
for page in ringview.3 rv_pool_create.3 rv_version_check.3; do
	[ -f "$MAN3/$page" ] || fail "man page $page not installed in $MAN3"
done
echo "$(find "$MAN3" -name '*.3' | wc -l) man3 pages installed"

# pkg-config sees the staging dir as the sysroot: -I/-L point into it.
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
export PKG_CONFIG_SYSROOT_DIR=$DEST
echo "pkg-config --cflags --libs ringview: $(pkg-config --cflags --libs ringview)"
echo "pkg-config --static --libs ringview: $(pkg-config --static --libs ringview)"
pkg-config --exists --print-errors 'ringview >= 0.1' || fail "pkg-config cannot find ringview"

step "exported symbols of libringview.so"
if command -v nm >/dev/null; then
	# (Type A: the version nodes of src/libringview.map, not symbols.)
	others=$(nm -D --defined-only "$LIBDIR/libringview.so" |
		awk 'NF >= 3 && $2 != "A" { print $3 }' | grep -v '^rv_' || true)
	[ -z "$others" ] || fail "libringview.so exports non-rv_ symbols: $others"
	echo "$(nm -D --defined-only "$LIBDIR/libringview.so" | grep -c ' rv_') symbols, all rv_*"
fi

step "shared, with pkg-config"
# shellcheck disable=SC2046
"$CC" "${CFLAGS_USER[@]}" -o "$TMP/user_shared" "$PROG" \
	$(pkg-config --cflags --libs ringview)
# (Output captured first: 'ldd | grep -q' can fail on SIGPIPE with pipefail.)
deps=$(LD_LIBRARY_PATH=$LIBDIR ldd "$TMP/user_shared")
grep -qF "$LIBDIR/libringview.so" <<<"$deps" ||
	fail "user_shared does not load the staged libringview.so: $deps"
LD_LIBRARY_PATH=$LIBDIR expect_ok "$TMP/user_shared"

step "the README's API tour compiles without warnings and runs"
if [ -f "$SRC/README.md" ]; then
	# The first C block after the "A short tour of the API" heading.
	awk '/^## A short tour of the API/ { tour = 1 }
	     tour && /^```c$/ { code = 1; next }
	     code && /^```$/ { exit }
	     code { print }' "$SRC/README.md" >"$TMP/tour.c"
	[ -s "$TMP/tour.c" ] || fail "no C block under '## A short tour of the API' in README.md"
	# shellcheck disable=SC2046
	"$CC" "${CFLAGS_USER[@]}" -o "$TMP/tour" "$TMP/tour.c" \
		$(pkg-config --cflags --libs ringview)
	out=$(LD_LIBRARY_PATH=$LIBDIR "$TMP/tour") || fail "README tour exited $?"
	want=$'lo\nfree 64 of 64, 5 bytes copied'
	[ "$out" = "$want" ] || fail "README tour printed '$out', want '$want'"
	echo "README tour -> $(tr '\n' '|' <<<"$out")"
else
	echo "no README.md: skipped"
fi

step "static, with pkg-config --static"
libs=$(pkg-config --static --libs ringview)
libs=${libs/-lringview/-l:libringview.a}
# shellcheck disable=SC2046,SC2086
"$CC" "${CFLAGS_USER[@]}" -o "$TMP/user_static" "$PROG" \
	$(pkg-config --static --cflags ringview) $libs
if command -v readelf >/dev/null; then
	dyn=$(readelf -d "$TMP/user_static")
	if grep -q 'NEEDED.*libringview' <<<"$dyn"; then
		fail "user_static still needs libringview.so"
	fi
fi
expect_ok "$TMP/user_static"

step "meson subproject"
# The staged copy must not be found: this step uses the source tree only.
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
PROJ=$TMP/proj
mkdir -p "$PROJ/subprojects/ringview"
# A copy of the source tree without VCS data and build directories.
(cd "$SRC" && find . -mindepth 1 -maxdepth 1 ! -name .git ! -name 'build*' \
	! -name subprojects -exec cp -a {} "$PROJ/subprojects/ringview/" \;)
cp "$PROG" "$PROJ/"
cat >"$PROJ/meson.build" <<'MESON'
project('ringview-user', 'c', default_options : ['c_std=c11', 'warning_level=3', 'werror=true'])
# The usual way: a system ringview if there is one, else the subproject.
dep = dependency('ringview', fallback : ['ringview', 'ringview_dep'])
executable('user_dep', 'link_user.c', dependencies : dep)
# The explicit way.
dep2 = subproject('ringview').get_variable('ringview_dep')
executable('user_subproject', 'link_user.c', dependencies : dep2)
MESON
# --force-fallback-for: use the subproject even if ringview is installed.
meson setup "$TMP/proj-build" "$PROJ" --force-fallback-for=ringview
meson compile -C "$TMP/proj-build"
expect_ok "$TMP/proj-build/user_dep"
expect_ok "$TMP/proj-build/user_subproject"

step "all ways linked and ran"
