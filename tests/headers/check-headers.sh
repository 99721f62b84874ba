#!/bin/sh
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# tests/headers/check-headers.sh - every public header compiles on its own,
# as a user's first include: each header of include/ringview/ alone in a
# translation unit, as C11 and as C++11, pedantic, warnings as errors.
# A header that leans on another's includes, uses a GNU extension, or
# breaks in C++ (a cast C allows implicitly, a missing extern "C") fails.
#
# Usage: check-headers.sh SRCROOT CC [CXX [GENINCLUDE]]
#   CC    the C compiler command (meson passes the build's)
#   CXX   the C++ compiler; empty or missing: the C++ half is skipped,
#         and the test exits 77 (skipped) after the C half passes
#   GENINCLUDE  the build's include directory, where the generated
#         <ringview/version.h> is (meson passes it)
# ev.h is checked only where libev's <ev.h> is installed.
set -u

root=$1
cc=$2
cxx=${3:-}
gen=${4:-$root/include}
cflags="-std=c11 -pedantic -Wall -Wextra -Werror"
cxxflags="-std=c++11 -pedantic -Wall -Wextra -Werror"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
checked=0

# compile LANG COMPILER FLAGS HEADER: one translation unit, one header.
compile() {
	lang=$1 comp=$2 flags=$3 h=$4
	printf '#include <ringview/%s>\n' "$h" >"$work/tu"
	# shellcheck disable=SC2086 # COMPILER and FLAGS are word lists
	if $comp -x "$lang" $flags -I"$root/include" -I"$gen" -c "$work/tu" \
		-o "$work/tu.o" >"$work/log" 2>&1; then
		checked=$((checked + 1))
	else
		echo "FAIL: <ringview/$h> alone as $lang ($comp $flags):"
		sed 's/^/  /' "$work/log"
		failed=$((failed + 1))
	fi
}

have_ev=1
printf '#include <ev.h>\n' >"$work/ev.c"
# shellcheck disable=SC2086
$cc -x c -E "$work/ev.c" -o /dev/null 2>/dev/null || have_ev=0

for path in "$root"/include/ringview/*.h; do
	h=${path##*/}
	if [ "$h" = ev.h ] && [ $have_ev -eq 0 ]; then
		echo "note: ev.h not checked, libev's <ev.h> is not installed"
		continue
	fi
	compile c "$cc" "$cflags" "$h"
	[ -n "$cxx" ] && compile c++ "$cxx" "$cxxflags" "$h"
done

echo "headers: $checked compiled alone, $failed failed"
[ $failed -eq 0 ] || exit 1
if [ -z "$cxx" ]; then
	echo "skipped the C++ half: no g++ (scripts/setup.sh installs it)"
	exit 77
fi
exit 0
