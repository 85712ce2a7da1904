#!/usr/bin/env bash
# Runs every test: unit tests (TAP programs built by meson), shell tests in
# tests/sh (no network), namespace tests in tests/net, and a short smoke of
# each fuzz harness. Prints each test's TAP lines and ends with one line
# "N passed, N failed, N skipped" over all checks; exits non-zero on any
# failure.
#
# Environment: PW_BUILD (build dir, default build), PW_FUZZ_BUILD (fuzz
# build dir, default build-fuzz; skipped when absent), PW_FUZZ_SECONDS.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export PW_BUILD=${PW_BUILD:-$root/build}
fuzz_build=${PW_FUZZ_BUILD:-$root/build-fuzz}
fuzz_seconds=${PW_FUZZ_SECONDS:-20}

passed=0 failed=0 skipped=0
failures=()

# count_tap NAME < tap-output: echoes lines, adds to the totals.
count_tap() {
	local name=$1 line saw_any=0
	while IFS= read -r line; do
		printf '    %s\n' "$line"
		case "$line" in
		"ok "*"# SKIP"*) skipped=$((skipped + 1)); saw_any=1 ;;
		"ok "*) passed=$((passed + 1)); saw_any=1 ;;
		"not ok "*) failed=$((failed + 1)); failures+=("$name: $line"); saw_any=1 ;;
		esac
	done
	if [ $saw_any -eq 0 ]; then
		failed=$((failed + 1)); failures+=("$name: printed no result")
	fi
}

run_one() {	# run_one NAME CMD...
	local name=$1; shift
	local out rc
	echo "== $name"
	out=$("$@" 2>&1); rc=$?
	count_tap "$name" <<<"$out"
	# A crash after all-ok lines (sanitizer report, missing plan) still fails.
	if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
		failed=$((failed + 1)); failures+=("$name: exit status $rc")
	fi
}

# Unit test programs sit one or two folders deep (tests/unit/l7/tls).
for t in "$PW_BUILD"/tests/unit/*/test-* \
	 "$PW_BUILD"/tests/unit/*/*/test-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done

for t in "$root"/tests/sh/test_*.sh "$root"/tests/net/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "${t#$root/tests/}" timeout 600 bash "$t"
done

if [ -d "$fuzz_build/tests/fuzz" ]; then
	for f in "$fuzz_build"/tests/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		name=$(basename "$f")
		corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
		run_one "fuzz/$name" bash -c '
			work=$(mktemp -d); trap "rm -rf $work" EXIT
			seeds=(); [ -d "$3" ] && seeds=("$3")
			if "$1" -max_total_time="$2" -rss_limit_mb=2048 \
			       -artifact_prefix="$work/" "$work" "${seeds[@]}" \
			       >"$work/log" 2>&1; then
				echo "ok 1 - $(basename "$1") ran $2 s without a crash"
			else
				tail -30 "$work/log" | sed "s/^/# /"
				echo "not ok 1 - $(basename "$1") found a crash"
			fi' _ "$f" "$fuzz_seconds" "$corpus"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
