#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# scripts/run-tests.sh - the second command: install what is missing,
# configure a debug build in build/ (once) and run every test suite.
#
# Usage: scripts/run-tests.sh [MESON_TEST_ARGS...]
#   e.g. scripts/run-tests.sh --suite core     scripts/run-tests.sh view
# The exit code is meson test's: 0 when everything passed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build
cd "$ROOT"

"$ROOT/scripts/setup.sh"

if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
	meson setup "$BUILD" --buildtype=debug
fi

# meson test rebuilds what changed before running.
rc=0
meson test -C "$BUILD" --print-errorlogs "$@" || rc=$?
exit "$rc"
