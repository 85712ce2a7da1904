#!/usr/bin/env bash
# Protocol detection benchmark: procwire read against ndpiReader (nDPI's
# classifier) and tshark on one large generated capture with TLS (some
# hellos over two segments), QUIC Initials (some over two datagrams),
# HTTP and DNS, in the same run; then procwire's memory bound for hellos
# that are never finished.
#
#   bench/l7_bench.sh [PACKETS]        (default 1200000)
#
# Goals of the issue, one core each:
#   procwire >= 2x ndpiReader's packets per second
#   procwire >= 50x tshark -r F -q -z conv,tcp
#   peak RSS stays bounded by --max-flows when flows start a ClientHello
#   and never finish it: each buffers at most PW_L7_STREAM_CAP (16 KiB,
#   src/core/l7_stream.h)
#
# Before timing, the script checks that every tool saw the traffic: the
# flows procwire labels dns/http/tls/quic, ndpiReader's detected
# protocols (it must find DNS, HTTP, TLS and QUIC), and on a small capture
# that procwire names the same host as tshark for every QUIC flow tshark
# decrypts.
#
# Environment: PW_BUILD (default build), BENCH_RUNS (default 3; the best
# run counts, for wall and CPU time separately), BENCH_TSHARK_RUNS
# (default 1), BENCH_CHECK_PACKETS (default 100000), BENCH_STALLED_PACKETS
# (default 1000000), BENCH_SKIP_TSHARK=1.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init
packets=${1:-1200000}
check_packets=${BENCH_CHECK_PACKETS:-100000}
stalled_packets=${BENCH_STALLED_PACKETS:-1000000}
pw=$build/procwire
cap=$data/l7mix-$packets.pcap
small=$data/l7mix-$check_packets.pcap
stalled=$data/stalled-$stalled_packets.pcap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "l7_bench: $*" >&2; exit 1; }

# procwire's flows per l7 label, from read --json: "LABEL FLOWS WITH_HOST"
pw_labels() {
	"$pw" read --json "$1" 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
n = {}
for line in sys.stdin:
    f = json.loads(line)
    c = n.setdefault(f["l7"] or "-", [0, 0])
    c[0] += 1
    c[1] += bool(f.get("host"))
for k in sorted(n):
    print(k, n[k][0], n[k][1])'
}

# ndpiReader's "Detected protocols" section: "NAME FLOWS"
ndpi_labels() {
	awk '/^Detected protocols:/ { on = 1; next }
	     on && NF == 0 { exit }
	     on { for (i = 1; i <= NF; i++) if ($i == "flows:")
			print $1, $(i + 1) }' "$1"
}

echo "== captures"
bench_capture "$cap" "$packets"
bench_capture "$small" "$check_packets"
echo "mix: $cap ($packets packets, $(du -m "$cap" | cut -f1) MiB)"

echo "== what each tool detects in the mix (flows)"
pw_labels "$cap" >"$tmp/pw"
ndpiReader -i "$cap" >"$tmp/ndpi.out" 2>&1 || fail "ndpiReader failed"
ndpi_labels "$tmp/ndpi.out" >"$tmp/ndpi"
for l in dns http tls quic; do
	read -r _ flows hosts < <(grep "^$l " "$tmp/pw" || echo "$l 0 0")
	[ "$flows" -gt 0 ] || fail "procwire labelled no $l flow"
	printf "procwire %-5s %7d flows, %7d with a host\n" "$l" "$flows" \
	       "$hosts"
done
for l in DNS HTTP TLS QUIC; do
	read -r _ flows < <(grep "^$l " "$tmp/ndpi" || echo "$l 0")
	[ "$flows" -gt 0 ] || fail "ndpiReader detected no $l flow"
	printf "ndpiReader %-5s %7d flows\n" "$l" "$flows"
done

echo "== QUIC hosts: procwire against tshark ($check_packets packets)"
# Flows whose Initials tshark decrypts, keyed by client address and port.
tshark -r "$small" -Y 'quic && tls.handshake.extensions_server_name' \
	-T fields -e ip.src -e ipv6.src -e udp.srcport \
	-e tls.handshake.extensions_server_name 2>/dev/null |
	awk -F'\t' '{ print $1 $2 " " $3 " " $4 }' | sort -u >"$tmp/ts_quic"
"$pw" read --json "$small" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    if f["l7"] == "quic" and f.get("host"):
        print(f["src"], f["sport"], f["host"])' | sort -u >"$tmp/pw_quic"
n_ts=$(wc -l <"$tmp/ts_quic")
n_both=$(comm -12 "$tmp/ts_quic" "$tmp/pw_quic" | wc -l)
n_pw=$(wc -l <"$tmp/pw_quic")
echo "tshark decrypts $n_ts QUIC hellos; procwire names the same host" \
     "for $n_both; procwire has $n_pw QUIC flows with a host (also" \
     "hellos the capture cuts before their second Initial)"
if [ "$n_ts" -eq 0 ] || [ "$n_both" != "$n_ts" ]; then
	fail "procwire and tshark disagree on QUIC hosts"
fi

echo "== speed ($runs runs, best each; packets/s by wall and CPU time)"
# The I/O floor: reading the file through libpcap and nothing else.
measure "tcpdump -r F -w /dev/null" "$packets" \
	tcpdump -Z root -r "$cap" -w /dev/null
c_io=$C
measure "procwire read F" "$packets" "$pw" read "$cap"
t_pw=$T c_pw=$C
measure "procwire read --json F" "$packets" "$pw" read --json "$cap"
measure "ndpiReader -i F" "$packets" ndpiReader -i "$cap"
t_nd=$T c_nd=$C
ratio "procwire / ndpiReader pkt/s (wall)" "$t_nd" "$t_pw" "goal >= 2x"
ratio "procwire / ndpiReader pkt/s (cpu)" "$c_nd" "$c_pw" "goal >= 2x"
ratio "procwire / I/O floor time (cpu)" "$c_pw" "$c_io" "1x is the floor"
if [ "${BENCH_SKIP_TSHARK:-0}" != 1 ]; then
	runs=${BENCH_TSHARK_RUNS:-1} measure "tshark -r F -q -z conv,tcp" \
		"$packets" tshark -r "$cap" -q -z conv,tcp
	ratio "procwire / tshark pkt/s (wall)" "$T" "$t_pw" "goal >= 50x"
	ratio "procwire / tshark pkt/s (cpu)" "$C" "$c_pw" "goal >= 50x"
	ratio "tcpdump (I/O floor) / tshark pkt/s (cpu)" "$C" "$c_io" \
	      "a reader costing what tcpdump costs gets this"
fi

echo "== memory: flows that start a ClientHello and never finish it"
bench_capture "$stalled" "$stalled_packets" --stalled-hellos
flows=$("$pw" read --json --no-l7 "$stalled" 2>/dev/null | wc -l)
echo "stalled: $stalled ($stalled_packets packets, $flows flows; each" \
     "sends 15928 bytes of a 16000-byte hello and then nothing)"
printf "%-10s %9s %9s %9s %9s %12s\n" max-flows "rss MiB" "no-l7" \
       "l7 MiB" "KiB/flow" "16KiB*flows"
for cap_flows in 4096 8192 16384 0; do
	opt=()
	[ "$cap_flows" -gt 0 ] && opt=(--max-flows "$cap_flows")
	r=$(best_of "$pw" read "${opt[@]}" "$stalled") || exit 1
	read -r _ _ m_l7 <<<"$r"
	r=$(best_of "$pw" read --no-l7 "${opt[@]}" "$stalled") || exit 1
	read -r _ _ m_base <<<"$r"
	held=$flows
	[ "$cap_flows" -gt 0 ] && [ "$cap_flows" -lt "$flows" ] &&
		held=$cap_flows
	awk -v c="$cap_flows" -v a="$m_l7" -v b="$m_base" -v h="$held" \
	    'BEGIN {
		printf "%-10s %9.1f %9.1f %9.1f %9.2f %12.1f\n",
		       c ? c : "none", a / 1024, b / 1024, (a - b) / 1024,
		       (a - b) / h, h * 16 / 1024 }'
done
echo "(l7 MiB: peak RSS with detection minus without (--no-l7), i.e. the"
echo " hello buffers; KiB/flow divides it by the flows held at once,"
echo " min(max-flows, flows). Each held flow owns one buffer of at most"
echo " PW_L7_STREAM_CAP = 16 KiB plus its reassembly state, so the total"
echo " stays below max-flows x (16 KiB + state) whatever the capture.)"
