#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# check-layers.sh SRCROOT - the library's layers depend one way only.
#
#   src/core/    buffers: includes only core's headers (private core/ and
#                public common, view, pool, chain, cursor)
#   src/loop/    the event loop: core's and its own (ringview/loop, conn,
#                udp, ev); the shared files see no backend's internals,
#                and neither backend sees the other's
#   src/proto/   pipelines and HTTP: core's and its own (pipeline, http),
#                no loop; the HTTP framer and parser stand alone (only
#                http_pipeline.c meets pipeline.h)
#   include/ringview/  the public headers keep the same order
#
# Also: no source file in src/ is longer than 800 lines. Prints every
# breach as FILE: LINE and exits 1 when there is one.
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

core_pub='common|view|pool|chain|cursor'
loop_pub='loop|conn|udp|ev|timer|addr'
proto_pub='pipeline|http'
fail=0

# includes FILE: the project headers FILE includes, one per line.
includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

# allow FILE PATTERN: every project include of FILE matches PATTERN.
allow() {
	local file=$1 pattern=$2 inc
	while IFS= read -r inc; do
		[ -z "$inc" ] && continue
		if ! grep -Eqx "$pattern" <<<"$inc"; then
			echo "$file: includes \"$inc\", which its layer may not"
			fail=1
		fi
	done < <(includes "$file")
}

for f in src/core/*.[ch]; do
	allow "$f" "core/[a-z_]+\.h|ringview/($core_pub)\.h"
done
for f in src/loop/*.[ch]; do
	allow "$f" "core/[a-z_]+\.h|loop/[a-z_]+\.h|ringview/($core_pub|$loop_pub)\.h"
done
for f in src/loop/uring/*.[ch]; do
	allow "$f" "core/[a-z_]+\.h|loop/[a-z_]+\.h|loop/uring/[a-z_]+\.h|ringview/($core_pub|$loop_pub)\.h"
done
for f in src/loop/ev/*.[ch]; do
	allow "$f" "core/[a-z_]+\.h|loop/[a-z_]+\.h|loop/ev/[a-z_]+\.h|ringview/($core_pub|$loop_pub)\.h"
done
for f in src/proto/*.[ch]; do
	case $f in
	src/proto/http_pipeline.c | src/proto/pipeline.c)
		allow "$f" "core/[a-z_]+\.h|proto/[a-z_]+\.h|ringview/($core_pub|$proto_pub)\.h" ;;
	src/proto/http*)
		allow "$f" "core/[a-z_]+\.h|proto/http[a-z_]*\.h|ringview/($core_pub|http)\.h" ;;
	*)
		allow "$f" "core/[a-z_]+\.h|ringview/($core_pub|pipeline)\.h" ;;
	esac
done
for f in include/ringview/*.h; do
	name=$(basename "$f" .h)
	case $name in
	common | view | pool | chain | cursor) allow "$f" "($core_pub)\.h" ;;
	loop | conn | udp | ev | timer | addr) allow "$f" "($core_pub|$loop_pub)\.h" ;;
	pipeline) allow "$f" "($core_pub)\.h" ;;
	http) allow "$f" "($core_pub)\.h" ;;
	ringview) ;; # the umbrella includes them all
	*) echo "$f: a public header no layer claims (add it to this script)"
	   fail=1 ;;
	esac
done

while IFS= read -r f; do
	n=$(wc -l <"$f")
	if [ "$n" -gt 800 ]; then
		echo "$f: $n lines; split it (a file is one concept, under 800 lines)"
		fail=1
	fi
done < <(find src -name '*.[ch]')

if [ "$fail" -eq 0 ]; then
	echo "layers: core <- loop, core <- proto; no file over 800 lines"
fi
exit "$fail"
