#!/usr/bin/env bash
# Configures (once) and builds one build directory.
#   scripts/build.sh [DIR [meson setup options...]]
# Default DIR is build/ (optimised, with debug info). Quiet unless
# PW_VERBOSE=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}; shift || true
cd "$root"
quiet() { if [ "${PW_VERBOSE:-0}" = 1 ]; then "$@"; else "$@" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; return 1; }; fi; }
if [ ! -f "$dir/build.ninja" ]; then
	quiet meson setup "$dir" "$@"
fi
quiet ninja -C "$dir"
