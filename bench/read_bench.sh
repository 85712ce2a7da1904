#!/usr/bin/env bash
# procwire read against tcpdump (the I/O floor) and tshark on one large
# generated capture, in the same run. Prints wall and CPU time, packets per
# second, peak memory and the ratios the issue sets goals for:
#   procwire within 2x of tcpdump -r F -w /dev/null
#   procwire at least 50x faster than tshark -r F -q -z conv,tcp
#
#   bench/read_bench.sh [PACKETS]      (default 1200000)
# Environment: PW_BUILD (default build), BENCH_SKIP_TSHARK=1 to skip the
# slow reference, BENCH_RUNS (default 3; the best run of each counts;
# tshark runs once).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init
packets=${1:-1200000}
cap=$data/mix-$packets.pcap
bench_capture "$cap" "$packets"

echo "capture: $cap ($packets packets, $(du -m "$cap" | cut -f1) MiB)"
measure "tcpdump -r F -w /dev/null" "$packets" \
	tcpdump -Z root -r "$cap" -w /dev/null
t_dump=$T c_dump=$C
measure "procwire read F" "$packets" "$build/procwire" read "$cap"
t_pw=$T c_pw=$C
measure "procwire read --json F" "$packets" \
	"$build/procwire" read --json "$cap"
measure "procwire read --max-flows 4096 F" "$packets" \
	"$build/procwire" read --max-flows 4096 "$cap"
ratio "procwire / tcpdump wall time" "$t_pw" "$t_dump" "goal <= 2x"
ratio "procwire / tcpdump cpu time" "$c_pw" "$c_dump" "goal <= 2x"

if [ "${BENCH_SKIP_TSHARK:-0}" != 1 ]; then
	runs=1 measure "tshark -r F -q -z conv,tcp" "$packets" \
		tshark -r "$cap" -q -z conv,tcp
	ratio "tshark / procwire wall time" "$T" "$t_pw" "goal >= 50x"
	ratio "tshark / procwire cpu time" "$C" "$c_pw" "goal >= 50x"
fi
