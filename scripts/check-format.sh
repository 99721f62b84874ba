#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors
#
# scripts/check-format.sh - every C file of the project follows
# .clang-format (checked, never rewritten; CI runs it).
#
# Usage: scripts/check-format.sh [--fix]
#   --fix   rewrite the files that do not follow it (clang-format -i)
# Exit status: 0 when all follow it, 1 when one does not (each is named,
# with the first lines clang-format would change), 2 without clang-format.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v clang-format >/dev/null; then
	echo "check-format: clang-format is not installed (scripts/setup.sh installs it)" >&2
	exit 2
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check-format: $f does not follow .clang-format; run scripts/check-format.sh --fix"
		clang-format --dry-run "$f" 2>&1 | head -n 6 | sed 's/^/  /'
		bad=1
	fi
done
if [ "$bad" -eq 0 ]; then
	echo "check-format: ${#files[@]} files follow .clang-format ($(clang-format --version | head -n1))"
fi
exit "$bad"
