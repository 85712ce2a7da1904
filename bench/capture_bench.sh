#!/usr/bin/env bash
# What `procwire capture` costs and whether it keeps up, against tcpdump.
# Runs as root; not part of the test suite.
#
#   ns a  10.83.0.1/24 ──veth── ns b  10.83.0.2/24
#   iperf3 -c (the target)            iperf3 -s
#
# (a) One iperf3 TCP run per line, captured at the same time by
#     `procwire capture -w F -- iperf3 -c ...` and `tcpdump -i VETH -w F2`
#     in ns a: throughput, packets written, drops (procwire's totals line;
#     tcpdump's "dropped by kernel"), CPU seconds (user+sys of each
#     capturer, from /proc/PID/stat just before it exits). Lines: default
#     settings, --headers-only, and larger rings (--ringbuf-size).
# (b) A non-target iperf3's throughput without a capture, with a capture
#     of another, idle command (-- sleep: the tap on its cgroup) and of an
#     idle pid (--pid: the tap at the root) running: goal at most 3%
#     lower. Rounds alternate the three in rotated order; the best and the
#     median of each side are compared with no capture (on a shared 2-CPU
#     machine single runs vary by 10% or more).
#
# Usage: bench/capture_bench.sh [SECONDS] [ROUNDS]
# Environment: PW_BUILD (default build), RINGS (ring sizes in MiB for the
# extra lines of (a), default "128 512 1024"), RATES (iperf3 -b rates
# for the lines of procwire alone at the default ring, default
# "1G 2G 4G 8G"), WAKEUPS (--wakeup-bytes values, default
# "65536 1048576"), PARTS (a, b or ab: which parts run, default ab).
set -u
. "$(dirname "$0")/lib.sh"
bench_init
PROCWIRE=$build/procwire
secs=${1:-5}
rounds=${2:-3}
rings=${RINGS:-128 512 1024}
RATES=${RATES:-1G 2G 4G 8G}
WAKEUPS=${WAKEUPS:-65536 1048576}
PARTS=${PARTS:-ab}
tag="pwc-$$"
PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
	echo "capture_bench: needs root" >&2
	exit 1
fi
for c in iperf3 tcpdump; do
	command -v $c >/dev/null || { echo "capture_bench: needs $c" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/pw-capbench-XXXXXX)
chmod 755 "$tmp"
cleanup() {
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null
	bench_ns_pair_del "$tag"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_ns_pair "$tag" pwca pwcb 10.83.0 || exit 1
ip netns exec "$tag-b" iperf3 -s >/dev/null 2>&1 &
srv=$!
sleep 0.5

gbits() {	# iperf3 -J file: receiver's Gbit/s
	$PY -c 'import json, sys
print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]
      ["bits_per_second"] / 1e9))' "$1" 2>/dev/null || echo 0
}
cpu_of() {	# PID: user+sys seconds of the process itself
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null
}
# watch PID: samples its CPU time until it exits; the last sample stays in
# $tmp/cpu.PID.
watch_cpu() {
	local c
	while c=$(cpu_of "$1") && [ -n "$c" ]; do
		echo "$c" >"$tmp/cpu.$1"
		sleep 0.1
	done
}
# client [RATE]: the iperf3 client command (RATE: -b, e.g. 2G; 0: no limit)
client() {
	echo ip netns exec "$tag-a" iperf3 -c 10.83.0.2 -t "$secs" -J \
		-b "${1:-0}"
}

# line NAME TCPDUMP RATE [CAPTURE OPTIONS]: one run of (a); TCPDUMP 0:
# procwire alone; RATE: iperf3 -b (0: as fast as it goes).
line() {
	local name=$1 with_td=$2 rate=$3 td pw w1=0 w2 tdcpu=- pwcpu w kd ud
	local tcap=- tdrop=-
	shift 3
	rm -f "$tmp"/cap* "$tmp"/td.pcap "$tmp/td.err"
	if [ "$with_td" = 1 ]; then
		ip netns exec "$tag-a" tcpdump -i pwca -s 262144 \
			-w "$tmp/td.pcap" 2>"$tmp/td.err" &
		td=$!
		for ((i = 0; i < 50; i++)); do
			grep -q listening "$tmp/td.err" && break
			sleep 0.1
		done
		watch_cpu "$td" &
		w1=$!
	fi
	"$PROCWIRE" capture -q --grace 0.5 "$@" -w "$tmp/cap.pcapng" -- \
		$(client "$rate") >"$tmp/ip.json" 2>"$tmp/pw.err" &
	pw=$!
	sleep 0.2
	watch_cpu "$pw" &
	w2=$!
	wait "$pw"
	sleep 0.3
	if [ "$with_td" = 1 ]; then
		tdcpu=$(cpu_of "$td")
		kill -INT "$td"
		wait "$td"
		wait "$w1"
		tcap=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' \
			"$tmp/td.err")
		tdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' \
			"$tmp/td.err")
	fi
	wait "$w2"
	pwcpu=$(cat "$tmp/cpu.$pw" 2>/dev/null || echo "?")
	w=$(sed -n 's/^procwire: capture: \([0-9]*\) packets written.*/\1/p' \
		"$tmp/pw.err")
	kd=$(sed -n 's/.* \([0-9]*\) dropped in the kernel.*/\1/p' "$tmp/pw.err")
	ud=$(sed -n 's/.* \([0-9]*\) dropped in procwire.*/\1/p' "$tmp/pw.err")
	printf '%-22s %6s Gbit/s | procwire %8s written %8s+%s dropped cpu %5ss | tcpdump %8s written %8s dropped cpu %5ss\n' \
		"$name" "$(gbits "$tmp/ip.json")" "${w:-?}" "${kd:-?}" \
		"${ud:-?}" "$pwcpu" "${tcap:-?}" "${tdrop:-?}" "$tdcpu"
	[ -n "$w" ] || sed 's/^/  procwire: /' "$tmp/pw.err"
}

if [[ $PARTS == *a* ]]; then
echo "== (a) iperf3 ${secs}s a->b, captured by procwire (-- iperf3) and tcpdump (-i veth) at once"
$(client) >"$tmp/ip.json" 2>/dev/null
printf '%-22s %6s Gbit/s\n' "no capture" "$(gbits "$tmp/ip.json")"
line "default (32 MiB ring)" 1 0
line "--headers-only" 1 0 --headers-only
for r in $rings; do
	line "--ringbuf-size ${r}M" 1 0 --ringbuf-size $((r << 20))
done
echo "-- procwire alone (no tcpdump)"
line "default (32 MiB ring)" 0 0
line "--headers-only" 0 0 --headers-only
for r in $rings; do
	line "--ringbuf-size ${r}M" 0 0 --ringbuf-size $((r << 20))
done
echo "-- procwire alone, reader batching (--wakeup-bytes)"
for wb in $WAKEUPS; do
	line "--wakeup-bytes $wb" 0 0 --wakeup-bytes "$wb"
	line "wakeup $wb + 256M ring" 0 0 --wakeup-bytes "$wb" \
		--ringbuf-size $((256 << 20))
done
echo "-- procwire alone, iperf3 -b RATE, default ring"
for b in $RATES; do
	line "-b $b" 0 "$b"
done

fi
[[ $PARTS == *b* ]] || exit 0
# (b) The capture's kernel tap runs for every packet of the sockets made
# in the cgroup it is attached to: the command's own cgroup with -- CMD,
# the root (every socket of the machine) with --pid. Each round runs the
# three sides in a rotated order, so that none always comes first.
# Throughput is the goal's figure but follows whatever else the shared
# CPUs run; iperf3's own CPU time (client and server, as iperf3 reports
# it) per GB moved is printed too: the kernel's extra work per packet
# shows there, time lost to other processes does not.
echo "== (b) a non-target iperf3 (${secs}s a->b): no capture, a capture of" \
	"another process by -- CMD (tap on its cgroup), by --pid (tap at the root)"
cpu_ms_per_gb() {	# iperf3 -J file: client+server CPU ms per GB moved
	$PY -c 'import json, sys
e = json.load(open(sys.argv[1]))["end"]
c = e["cpu_utilization_percent"]
gbs = e["sum_received"]["bits_per_second"] / 8e9
print("%.0f" % ((c["host_total"] + c["remote_total"]) * 10 / gbs))' \
		"$1" 2>/dev/null || echo 0
}
ip netns exec "$tag-a" sleep 100000 &
idle=$!
sides=(off cmd pid)
declare -A runs=([off]="" [cmd]="" [pid]="") cpus=([off]="" [cmd]="" [pid]="")
# side_run SIDE: one iperf3 run with that side's capture running; echoes
# Gbit/s and CPU ms per GB.
side_run() {
	local cap="" i
	case $1 in
	cmd) "$PROCWIRE" capture -q -w "$tmp/idle.pcapng" -- sleep 100000 \
		2>"$tmp/idle.err" & cap=$! ;;
	pid) "$PROCWIRE" capture -q -w "$tmp/idle.pcapng" --pid "$idle" \
		2>"$tmp/idle.err" & cap=$! ;;
	esac
	if [ -n "$cap" ]; then
		for ((i = 0; i < 100; i++)); do
			grep -q 'writing to' "$tmp/idle.err" && break
			sleep 0.05
		done
	fi
	$(client) >"$tmp/b.json" 2>/dev/null
	if [ -n "$cap" ]; then
		kill -INT "$cap"
		wait "$cap"
	fi
	echo "$(gbits "$tmp/b.json") $(cpu_ms_per_gb "$tmp/b.json")"
}
for ((k = 0; k < rounds; k++)); do
	row="round $k:"
	for ((j = 0; j < 3; j++)); do
		side=${sides[(k + j) % 3]}
		read -r g c < <(side_run "$side")
		runs[$side]="${runs[$side]} $g"
		cpus[$side]="${cpus[$side]} $c"
		row="$row $side $g Gbit/s ${c} ms/GB,"
	done
	echo "${row%,}"
done
kill "$idle"
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 }
	END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
best() { tr ' ' '\n' | grep . | sort -g | tail -1; }
pct() { awk -v a="$1" -v b="$2" \
	'BEGIN { printf "%+.1f", (a > 0 ? (b - a) / a * 100 : 0) }'; }
boff=$(echo "${runs[off]}" | best)
moff=$(echo "${runs[off]}" | median)
coff=$(echo "${cpus[off]}" | median)
echo "no capture:        best $boff, median $moff Gbit/s; median CPU $coff ms/GB"
for side in cmd pid; do
	b=$(echo "${runs[$side]}" | best)
	m=$(echo "${runs[$side]}" | median)
	c=$(echo "${cpus[$side]}" | median)
	printf '%-18s best %s (%s %%), median %s (%s %%) Gbit/s; median CPU %s ms/GB (%s %%)\n' \
		"$([ $side = cmd ] && echo "-- CMD (cgroup):" || echo "--pid (root):")" \
		"$b" "$(pct "$boff" "$b")" "$m" "$(pct "$moff" "$m")" \
		"$c" "$(pct "$coff" "$c")"
done
echo "goal: a non-target's throughput at most 3 % lower with a capture" \
	"running (-- CMD line)"
