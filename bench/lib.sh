# shellcheck shell=bash
# Helpers shared by the benchmarks in bench/: sourced, not run.
#
#   bench_init                 sets root, build (PW_BUILD, default build/),
#                              runs (BENCH_RUNS, default 3) and data
#                              (bench/data), and builds the tree
#   bench_capture F N [OPTS]   writes F with gen-capture (N packets, OPTS
#                              passed on) unless F is newer than the
#                              generator, then reads it once so runs
#                              measure CPU, not the disk
#   best_of CMD...             runs CMD $runs times (output discarded;
#                              a failing run stops the benchmark) and
#                              prints "WALL CPU RSS": the lowest wall
#                              seconds, the lowest user+sys seconds (less
#                              noisy on a shared machine) and the highest
#                              peak resident set in KiB
#   report NAME WALL CPU RSS N prints one line: times, packets per second
#                              by wall and by CPU time (N packets), MiB
#   measure NAME N CMD...      best_of CMD, then report NAME; leaves the
#                              figures in T (wall), C (cpu), M (KiB); a
#                              failing CMD ends the script
#   ratio TEXT A B GOAL        prints "TEXT: A/B x (GOAL)"

bench_init() {
	root=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
	build=${PW_BUILD:-$root/build}
	runs=${BENCH_RUNS:-3}
	data=$root/bench/data
	mkdir -p "$data"
	bash "$root/scripts/build.sh" "$(basename "$build")" >/dev/null
}

bench_capture() {
	local f=$1 n=$2
	shift 2
	if [ ! -f "$f" ] || [ "$build/bench/gen-capture" -nt "$f" ]; then
		"$build/bench/gen-capture" "$@" "$f" "$n"
	fi
	cat "$f" >/dev/null
}

best_of() {
	local i t tf best_t="" best_c="" best_m=0 wall user sys rss cpu
	tf=$(mktemp)
	for ((i = 0; i < runs; i++)); do
		# wall from the shell's microsecond clock (time's %e has
		# 10 ms steps); user, sys and peak RSS from time(1)
		t=$EPOCHREALTIME
		if ! /usr/bin/time -o "$tf" -f '%U %S %M' "$@" \
		     >/dev/null 2>&1; then
			echo "bench: failed: $*" >&2
			rm -f "$tf"
			return 1
		fi
		wall=$(awk -v a="$t" -v b="$EPOCHREALTIME" \
			   'BEGIN { printf "%.3f", b - a }')
		read -r user sys rss <"$tf"
		cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
		if [ -z "$best_t" ] || awk "BEGIN{exit !($wall < $best_t)}"; then
			best_t=$wall
		fi
		if [ -z "$best_c" ] || awk "BEGIN{exit !($cpu < $best_c)}"; then
			best_c=$cpu
		fi
		[ "$rss" -gt "$best_m" ] && best_m=$rss
	done
	rm -f "$tf"
	echo "$best_t $best_c $best_m"
}

report() {	# NAME WALL CPU RSS PACKETS
	awk -v n="$1" -v t="$2" -v c="$3" -v m="$4" -v p="$5" 'BEGIN {
		pt = t > 0 ? p / t : 0
		pc = c > 0 ? p / c : 0
		printf "%-34s %7.3f s %9.0f pkt/s | cpu %6.2f s %9.0f pkt/s",
		       n, t, pt, c, pc
		printf " | %7.1f MiB\n", m / 1024 }'
}

ratio() {	# TEXT A B GOAL
	awk -v s="$1" -v a="$2" -v b="$3" -v g="$4" 'BEGIN {
		printf "%-44s %6.2fx  (%s)\n", s, (b > 0 ? a / b : 0), g }'
}

measure() {	# NAME PACKETS CMD...
	local name=$1 n=$2 r
	shift 2
	r=$(best_of "$@") || exit 1
	read -r T C M <<<"$r"
	report "$name" "$T" "$C" "$M" "$n"
}

# Two namespaces "$1-a" and "$1-b" joined by a veth pair (DEV_A in a with
# SUBNET.1/24, DEV_B in b with SUBNET.2/24), after removing pairs of the
# same kind ("PREFIX-PID-a/b" with a dead PID) left by killed runs.
# bench_ns_pair TAG DEV_A DEV_B SUBNET   (TAG is PREFIX-$$)
bench_ns_pair() {
	local tag=$1 prefix=${1%-*} ns pid
	for ns in $(ip netns list | awk -v p="$prefix" \
		'$1 ~ "^" p "-[0-9]+-[ab]$" {print $1}'); do
		pid=${ns#"$prefix"-}; pid=${pid%-*}
		kill -0 "$pid" 2>/dev/null && continue
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	ip netns add "$tag-a" && ip netns add "$tag-b" || return 1
	ip -n "$tag-a" link set lo up
	ip -n "$tag-b" link set lo up
	ip link add "$2" netns "$tag-a" type veth peer name "$3" \
		netns "$tag-b" || return 1
	ip -n "$tag-a" addr add "$4.1/24" dev "$2"
	ip -n "$tag-b" addr add "$4.2/24" dev "$3"
	ip -n "$tag-a" link set "$2" up
	ip -n "$tag-b" link set "$3" up
}

# Kills what runs in the pair and removes it. bench_ns_pair_del TAG
bench_ns_pair_del() {
	local ns
	for ns in "$1-a" "$1-b"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	ip netns del "$1-a" 2>/dev/null
	ip netns del "$1-b" 2>/dev/null
}
