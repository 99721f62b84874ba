#!/usr/bin/env bash
# scripts/run-main.sh - the first command: install what is missing, build
# ringview optimised (build-release/) and run the main job.
#
# Usage: scripts/run-main.sh [ARGS...]   (ARGS go to the main job)
#
# The main job is, for now, the micro-benchmark (bench/micro: nanoseconds
# per view/chain/cursor operation). When the echo server exists it becomes
# the main job: change main_job below and nothing else.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build-release
cd "$ROOT"

main_job() {
	"$BUILD/bench/micro" "$@"
}

"$ROOT/scripts/setup.sh"

if [ -f "$BUILD/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$BUILD" --buildtype=release -Db_ndebug=true
else
	meson setup "$BUILD" --buildtype=release -Db_ndebug=true
fi
meson compile -C "$BUILD"

main_job "$@"
