#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# check-exports.sh SHARED STATIC MAP - the library exports exactly its ABI:
#
#   declared  the symbols the RV_EXPORT declarations give default
#             visibility, read from the static library's objects (the same
#             objects the shared one is linked from)
#   listed    the names in the version script MAP (src/libringview.map)
#   exported  what SHARED (libringview.so) exports, each of which must
#             carry a version node of MAP as its default version (@@)
#
# The three sets must be equal: a declaration left out of MAP would be
# hidden without a word, a name in MAP without a declaration would be a
# promise the headers do not make. Run by every build, so every set of
# options (-Dio_uring=..., -Dlibev=...) is checked to export the same
# list. Prints each difference and exits 1 when there is one.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 SHARED STATIC MAP" >&2; exit 2; }
so=$1 ar=$2 map=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringview-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Defined global symbols of default visibility in the archive's objects;
# names starting with __ are the compiler's (ASan's __odr_asan.* beside
# each exported variable), never the library's.
readelf -sW "$ar" |
	awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" && $8 !~ /^__/ {
		print $8 }' |
	sort -u >"$tmp/declared"

# The names between "global:" and "local:" of each node, comments removed.
sed -e 's|/\*.*\*/||' "$map" |
	awk '/^[[:space:]]*global:/ { g = 1; next }
	     /^[[:space:]]*local:/ { g = 0; next }
	     g && /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;/ {
		sub(/^[[:space:]]*/, ""); sub(/;.*/, ""); print }' |
	sort -u >"$tmp/listed"
grep -oE '^RINGVIEW_[0-9.]+' "$map" | sort -u >"$tmp/nodes"

# nm prints "name@@NODE" for a default version; the node names themselves
# appear as absolute (A) symbols.
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' >"$tmp/exported_v"
sed 's/@.*//' "$tmp/exported_v" | sort -u >"$tmp/exported"

fail=0
report() { # report WHAT A B: the names in A and not in B
	local names
	names=$(comm -23 "$2" "$3")
	if [ -n "$names" ]; then
		echo "FAIL: $1:"
		sed 's/^/  /' <<<"$names"
		fail=1
	fi
}
report "declared RV_EXPORT but not in $map (add them to a version node)" \
	"$tmp/declared" "$tmp/listed"
report "in $map but declared by no RV_EXPORT (remove them, or export them)" \
	"$tmp/listed" "$tmp/declared"
report "in $map but not exported by $so" "$tmp/listed" "$tmp/exported"
report "exported by $so but not in $map" "$tmp/exported" "$tmp/listed"

unversioned=$(grep -v -E "@@($(paste -sd'|' "$tmp/nodes"))\$" "$tmp/exported_v" || true)
if [ -n "$unversioned" ]; then
	echo "FAIL: exported without a RINGVIEW_ version node of $map:"
	sed 's/^/  /' <<<"$unversioned"
	fail=1
fi
soname=$(readelf -dW "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -n "$soname" ] || { echo "FAIL: $so has no SONAME"; fail=1; }

if [ $fail -eq 0 ]; then
	echo "ok: $(wc -l <"$tmp/exported") symbols, all versioned" \
		"($(paste -sd' ' "$tmp/nodes")), SONAME $soname"
fi
exit $fail
