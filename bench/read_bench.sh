#!/usr/bin/env bash
# procwire read against tcpdump (the I/O floor) and tshark on one large
# generated capture, in the same run. Prints wall time, packets per second,
# peak memory and the ratios the issue sets goals for:
#   procwire within 2x of tcpdump -r F -w /dev/null
#   procwire at least 50x faster than tshark -r F -q -z conv,tcp
#
#   bench/read_bench.sh [PACKETS]      (default 1200000)
# Environment: PW_BUILD (default build), BENCH_SKIP_TSHARK=1 to skip the
# slow reference, BENCH_RUNS (default 3; the best run of each counts).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PW_BUILD:-$root/build}
packets=${1:-1200000}
runs=${BENCH_RUNS:-3}
data=$root/bench/data
mkdir -p "$data"
cap=$data/mix-$packets.pcap

bash "$root/scripts/build.sh" "$(basename "$build")" >/dev/null
[ -f "$cap" ] || "$build/bench/gen-capture" "$cap" "$packets"
cat "$cap" >/dev/null	# warm the page cache: measure CPU, not the disk

# best_of NAME CMD...: runs CMD $runs times; prints "seconds max_rss_kib"
# of the fastest run.
best_of() {
	local best_t="" best_m="" i out t m
	for ((i = 0; i < runs; i++)); do
		out=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
		t=${out% *}; m=${out#* }
		if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then
			best_t=$t; best_m=$m
		fi
	done
	echo "$best_t $best_m"
}

report() {	# NAME SECONDS RSS
	awk -v n="$1" -v t="$2" -v m="$3" -v p="$packets" 'BEGIN {
		pps = t > 0 ? p / t : 0
		printf "%-34s %8.3f s %12.0f pkt/s %8.1f MiB\n", n, t, pps, m / 1024 }'
}

echo "capture: $cap ($packets packets, $(du -m "$cap" | cut -f1) MiB)"
read -r t_dump m_dump < <(best_of tcpdump tcpdump -r "$cap" -w /dev/null)
report "tcpdump -r F -w /dev/null" "$t_dump" "$m_dump"
read -r t_pw m_pw < <(best_of procwire "$build/procwire" read "$cap")
report "procwire read F" "$t_pw" "$m_pw"
read -r t_pwj m_pwj < <(best_of procwire-json "$build/procwire" read --json "$cap")
report "procwire read --json F" "$t_pwj" "$m_pwj"
read -r t_pwc m_pwc < <(best_of procwire-cap "$build/procwire" read --max-flows 4096 "$cap")
report "procwire read --max-flows 4096 F" "$t_pwc" "$m_pwc"
awk -v a="$t_pw" -v b="$t_dump" 'BEGIN { printf "procwire / tcpdump time: %.2fx (goal <= 2x)\n", a / b }'

if [ "${BENCH_SKIP_TSHARK:-0}" != 1 ]; then
	runs=1 read -r t_ts m_ts < <(runs=1 best_of tshark tshark -r "$cap" -q -z conv,tcp)
	report "tshark -r F -q -z conv,tcp" "$t_ts" "$m_ts"
	awk -v a="$t_ts" -v b="$t_pw" 'BEGIN { printf "tshark / procwire time: %.1fx (goal >= 50x)\n", a / b }'
fi
