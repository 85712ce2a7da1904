#!/usr/bin/env bash
# Where attribution's cost per connection goes, function by function.
# Runs as root; not part of the test suite. Needs perf (linux-perf).
#
# bench/hook_ab.c measures the cost: the connection rate in half-second
# windows alternately with and without one attribution context's hooks.
# This runs it under `perf record -a` on CLOCK_MONOTONIC, the clock its
# windows are logged on (--windows), and puts every sample of the whole
# machine into the window it fell in. Samples per connection, by
# function, with hooks against without, give what each function added
# per connection; the host's swings cancel as they do in hook-ab's pairs.
#
#   ns a  10.79.0.1/24 ──veth── ns b  10.79.0.2/24
#   hook-ab (4 clients)               owner_peer tcp-server
#
# Prints the machine's busy time per connection in both kinds of window,
# the difference in groups (the eBPF programs, the kernel's dispatch to
# them, the ring buffer, the context's own process, the rest of the
# machine) and the TOP functions that grew most.
#
# Usage: bench/hook_profile.sh [SECONDS] [TOP]
# Environment: PW_BUILD (default build), PW_PROFILE_HZ (default 2999).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
PW_BUILD=${PW_BUILD:-$root/build}
PEER=$PW_BUILD/tests/unit/owner/owner_peer
HOOK_AB=$PW_BUILD/bench/hook-ab
secs=${1:-40}
top=${2:-30}
hz=${PW_PROFILE_HZ:-2999}
tag="pwp-$$"

if [ "$(id -u)" -ne 0 ]; then
	echo "hook_profile: needs root" >&2
	exit 1
fi
for f in "$PEER" "$HOOK_AB"; do
	[ -x "$f" ] || { echo "hook_profile: build $f first" >&2; exit 1; }
done
command -v perf >/dev/null ||
	{ echo "hook_profile: needs perf (Debian: linux-perf)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/pw-profile-XXXXXX)
cleanup() {
	touch "$tmp/stop"
	bench_ns_pair_del "$tag"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_ns_pair "$tag" "p$$a" "p$$b" 10.79.0 || exit 1
ip netns exec "$tag-b" "$PEER" tcp-server 7001 4 "$tmp/stop" >/dev/null &
disown
for ((i = 0; i < 50; i++)); do
	ip netns exec "$tag-b" ss -Hltn 'sport = :7001' | grep -q . && break
	sleep 0.1
done

if ! perf record -q -a -k CLOCK_MONOTONIC -F "$hz" -o "$tmp/perf.data" -- \
	ip netns exec "$tag-a" "$HOOK_AB" 10.79.0.2 7001 "$secs" 500 4 \
		--windows "$tmp/windows" >"$tmp/ab.out" 2>"$tmp/perf.err"; then
	echo "hook_profile: perf record or hook-ab failed:" >&2
	cat "$tmp/perf.err" "$tmp/ab.out" >&2
	exit 1
fi
grep -E '^(hook-ab|  )' "$tmp/ab.out"
echo

# perf script prints "pid time: ip sym", samples in time order; windows
# are in time order too, so one pointer walks them. The groups go to
# stdout, a line per function to $tmp/functions, sorted below.
perf script -i "$tmp/perf.data" -F pid,time,ip,sym 2>/dev/null |
awk -v hz="$hz" -v winfile="$tmp/windows" -v rows="$tmp/functions" '
function group(sym, pid) {
	if (pid == 0)
		return "idle"
	if (pid == self)
		return "the context (hook-ab, user space and its syscalls)"
	if (sym ~ /^bpf_prog_/)
		return "eBPF programs"
	if (sym ~ /^(bpf_trace_run|__bpf_trace_|__traceiter_|call_trace_|__cgroup_bpf_run_filter)/)
		return "kernel dispatch to them"
	if (sym ~ /ringbuf/)
		return "ring buffer"
	return "rest of the machine"
}
# us per connection of k samples in the windows with hooks (on 1) or not
function per_conn(k, on) {
	return k * 1e6 / hz / conns[on]
}
BEGIN {
	while ((getline line < winfile) > 0) {
		split(line, f, " ")
		if (f[1] == "#") { self = f[3]; continue }
		n++; on[n] = f[2]; s[n] = f[3] / 1e9; e[n] = f[4] / 1e9
		conns[f[2]] += f[5]
	}
	w = 1
}
{
	pid = $1; t = $2; sub(/:$/, "", t); t += 0
	sym = NF >= 4 ? $4 : "[unknown]"
	while (w <= n && t > e[w])
		w++
	if (w > n || t < s[w])
		next
	k = on[w]
	cnt[k, sym]++; syms[sym] = 1
	g = group(sym, pid); gcnt[k, g]++; groups[g] = 1
	if (pid != 0)
		busy[k]++
}
END {
	if (!conns[0] || !conns[1]) {
		print "hook_profile: no windows matched the samples" > "/dev/stderr"
		exit 1
	}
	a = per_conn(busy[1], 1); b = per_conn(busy[0], 0)
	printf "busy time of the machine per connection: %.2f us with hooks, %.2f us without: %+.2f us (%+.1f %%)\n", a, b, a - b, b ? 100 * (a - b) / b : 0
	print "where it changed, per connection:"
	for (g in groups)
		printf "  %+7.3f us  %s\n",
		       per_conn(gcnt[1, g], 1) - per_conn(gcnt[0, g], 0), g
	for (x in syms) {
		a = per_conn(cnt[1, x], 1); b = per_conn(cnt[0, x], 0)
		printf "  %+8.3f %8.3f %8.3f  %s\n", a - b, a, b, x > rows
	}
}' || exit 1
printf '\nthe %d functions that grew most (us per connection: difference, with hooks, without)\n' "$top"
sort -gr "$tmp/functions" | head -n "$top"
