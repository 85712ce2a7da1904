#!/usr/bin/env bash
# The second command: installs what is needed, builds the sanitizer build
# the whole suite runs under (ASan+UBSan, -Werror), the optimised build and
# the libFuzzer build, then runs every test (tests/run.sh). Ends with
# "N passed, N failed, N skipped". Run as root: namespace tests need it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh
bash scripts/build.sh build -Dwerror=true
bash scripts/build.sh build-asan --buildtype=debug -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false
CC=clang bash scripts/build.sh build-fuzz --buildtype=debug -Dfuzz=true \
	-Db_sanitize=address,undefined -Db_lundef=false

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
PW_BUILD=$root/build-asan PW_FUZZ_BUILD=$root/build-fuzz \
	PW_FUZZ_SECONDS=${PW_FUZZ_SECONDS:-10} exec bash tests/run.sh
