#!/usr/bin/env bash
# What process attribution costs the traffic it watches, and how fast it
# answers. Runs as root; not part of the test suite.
#
#   ns a  10.79.0.1/24 ──veth── ns b  10.79.0.2/24
#   iperf3 -c, owner_peer rate        iperf3 -s, owner_peer tcp-server
#
# Measures, without procwire ("off"), with the eBPF engine keeping its
# owner table but printing nothing (`procwire events --summary`: what the
# C API's attribution context costs, "table"), streaming every event as
# JSON to /dev/null (`procwire events --json`, "json"), and while
# `procwire capture` records another, idle process (owners taken from
# packets, no socket events: what a capture costs everyone else,
# "capture"), and a second time without it ("off2": how far two rounds
# of the same thing differ here, the resolution of every other column),
# alternating rounds in the same invocation, each round in a rotated order
# so that no mode always follows the same one:
#   1. iperf3 TCP throughput a -> b                 (goal: <= 3% lower)
#   2. connect+exchange+close rate from 4 processes (goal: <= 5% lower),
#      and the machine's CPU time per connection meanwhile (all processes
#      and the kernel: what attribution adds per connection)
#   3. a storm of short-lived processes, one connection each (procs/s)
#   4. the rate of 2. again, in half-second windows alternately with and
#      without one attribution context's hooks (bench/hook_ab.c), and the
#      same with the hooks on in both (A against A): the host's swings
#      mostly cancel within a pair, so this resolves about 1 % where the
#      rounds resolve 5-8 % (PW_BENCH_AB_SECS, default 40 s each)
# and the event latency from connect() to the owner being queryable
# through the library (median, p99), for eBPF and for polling.
#
# Usage: bench/owner_cost.sh [SECONDS_PER_ROUND] [ROUNDS]
# Environment: PW_BUILD (default build); PW_BENCH_ONLY=rate measures the
# connection rate alone (more rounds in the same time).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
PW_BUILD=${PW_BUILD:-$root/build}
PROCWIRE=$PW_BUILD/procwire
PEER=$PW_BUILD/tests/unit/owner/owner_peer
LATENCY=$PW_BUILD/tests/unit/owner/owner_latency
HOOK_AB=$PW_BUILD/bench/hook-ab
secs=${1:-5}
rounds=${2:-3}
only=${PW_BENCH_ONLY:-}
ab_secs=${PW_BENCH_AB_SECS:-40}
tag="pwb-$$"

if [ "$(id -u)" -ne 0 ]; then
	echo "owner_cost: needs root" >&2
	exit 1
fi
for f in "$PROCWIRE" "$PEER" "$LATENCY"; do
	[ -x "$f" ] || { echo "owner_cost: build $f first" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "owner_cost: needs iperf3" >&2; exit 1; }

tmp=$(mktemp -d /tmp/pw-bench-XXXXXX)
ev_pid=
cleanup() {
	[ -n "$ev_pid" ] && kill -9 "$ev_pid" 2>/dev/null
	touch "$tmp/stop"
	bench_ns_pair_del "$tag"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_ns_pair "$tag" "v$$a" "v$$b" 10.79.0 || exit 1
ip netns exec "$tag-b" iperf3 -s -D -p 5201 >/dev/null
ip netns exec "$tag-b" "$PEER" tcp-server 7001 4 "$tmp/stop" >/dev/null &
for ((i = 0; i < 50; i++)); do
	ip netns exec "$tag-b" ss -Hltn 'sport = :7001' | grep -q . &&
		ip netns exec "$tag-b" ss -Hltn 'sport = :5201' | grep -q . && break
	sleep 0.1
done
ln -s "$PEER" "$tmp/pwb-client"

events_on() {	# events_on OPTION
	"$PROCWIRE" events "$1" >/dev/null 2>"$tmp/events.err" &
	ev_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$tmp/events.err" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "owner_cost: procwire events did not start:" >&2
	cat "$tmp/events.err" >&2
	exit 1
}

capture_on() {	# a capture of an idle process elsewhere on the machine
	"$PROCWIRE" capture -w "$tmp/idle.pcapng" -- sleep 100000 \
		>/dev/null 2>"$tmp/events.err" &
	ev_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'writing to' "$tmp/events.err" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "owner_cost: procwire capture did not start:" >&2
	cat "$tmp/events.err" >&2
	exit 1
}

events_off() {
	kill -INT "$ev_pid"
	wait "$ev_pid"
	ev_pid=
	grep -o '[0-9]* lost' "$tmp/events.err" | head -1 >>"$tmp/lost"
}

throughput() {	# bits per second received
	ip netns exec "$tag-a" iperf3 -c 10.79.0.2 -p 5201 -t "$secs" -J |
		/usr/bin/python3 -c 'import json,sys
print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))'
}

busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

conn_rate() {	# connections per second, 4 processes; CPU in $tmp/cpu
	local i sum=0 b0 b1
	b0=$(busy_ticks)
	for i in 1 2 3 4; do
		ip netns exec "$tag-a" "$tmp/pwb-client" rate 10.79.0.2 7001 \
			"$secs" >"$tmp/rate.$i" &
	done
	wait $(jobs -p | grep -v "^$ev_pid$") 2>/dev/null
	b1=$(busy_ticks)
	for i in 1 2 3 4; do
		sum=$((sum + $(awk '{ print $2 }' "$tmp/rate.$i")))
	done
	# machine CPU (all processes, kernel included) per connection, in
	# nanoseconds: steadier than the rate on a shared VM
	echo $(( (b1 - b0) * 1000000000 / $(getconf CLK_TCK) / (sum ? sum : 1) )) \
		>"$tmp/cpu"
	# each client's count over the time it really ran (rate N NS)
	cat "$tmp"/rate.[1-4] |
		awk '{ r += $2 * 1e9 / $3 } END { printf "%d\n", r }'
}

proc_storm() {	# short-lived processes per second, one connection each
	local n=$((secs * 100)) start end
	start=$(date +%s%N)
	ip netns exec "$tag-a" bash -c '
		for ((i = 1; i <= $2; i++)); do
			"$1" tcp 10.79.0.2 7001 >/dev/null &
			((i % 8 == 0)) && wait
		done; wait' _ "$tmp/pwb-client" "$n"
	end=$(date +%s%N)
	echo $((n * 1000000000 / (end - start)))
}

gbit() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e9 }'; }

declare -A sum
measure() {	# measure MODE
	local t=0 r c p=0
	[ "$only" = rate ] || t=$(throughput)
	r=$(conn_rate); c=$(cat "$tmp/cpu")
	[ "$only" = rate ] || p=$(proc_storm)
	sum[$1-cpu]=$(( ${sum[$1-cpu]:-0} + c ))
	sum[$1-tput]=$(( ${sum[$1-tput]:-0} + t ))
	sum[$1-rate]=$(( ${sum[$1-rate]:-0} + r ))
	sum[$1-proc]=$(( ${sum[$1-proc]:-0} + p ))
	echo "$1 $round $t $r $c $p" >>"$tmp/rounds"
	if [ "$only" = rate ]; then
		printf '  round %-7s  %7d conn/s\n' "$1" "$r"
		return
	fi
	printf '  round %-7s  %8.2f Gbit/s  %7d conn/s  %6d procs/s\n' "$1" \
		"$(gbit "$t")" "$r" "$p"
}

run_mode() {	# run_mode MODE: measures with that mode's procwire running
	case $1 in
	table) events_on --summary ;;
	json) events_on --json ;;
	capture) capture_on ;;
	esac
	# What the previous mode left to the kernel (its maps and programs
	# are freed after procwire exits, through RCU and work queues) and
	# what procwire does right after it says ready would count against
	# this mode's round.
	sleep 1
	measure "$1"
	[ -z "$ev_pid" ] || events_off
}

order=(off table json capture off2)
echo "procwire owner_cost: $rounds rounds of ${secs}s each way, $(nproc) CPUs, $(uname -r)"
for ((round = 0; round < rounds; round++)); do
	for ((k = 0; k < ${#order[@]}; k++)); do
		run_mode "${order[(round + k) % ${#order[@]}]}"
	done
done

ratio() {	# ratio MODE KEY: MODE against off, in percent
	echo "${sum[$1-$2]} ${sum[off-$2]}" |
		awk '{ printf "%+.1f%%", 100 * ($1 - $2) / $2 }'
}
echo
modes="off table json capture off2"
row() {	# row LABEL KEY UNIT: mean per mode, then each against off
	local m line
	line=$(printf '%-11s' "$1")
	for m in $modes; do
		case $2 in
		tput) line+=$(printf ' %8s Gb/s' "$(gbit $((sum[$m-$2] / rounds)))") ;;
		cpu) line+=$(printf ' %6s us/cn' "$(awk -v v=$((sum[$m-$2] / rounds)) \
			'BEGIN { printf "%.1f", v / 1000 }')") ;;
		*) line+=$(printf ' %6d %-6s' $((sum[$m-$2] / rounds)) "$3") ;;
		esac
	done
	for m in $modes; do
		[ "$m" = off ] || line+=$(printf ' %8s' "$(ratio "$m" "$2")")
	done
	echo "$line"
}
printf '%-11s %13s %13s %13s %13s %13s %8s %8s %8s %8s\n' "" $modes \
	table json capture off2
[ "$only" = rate ] || row throughput tput
row "conn rate" rate conn/s
row "CPU/conn" cpu
[ "$only" = rate ] || row "proc storm" proc proc/s
# Each mode against the off round of the same round, median over rounds:
# the machine drifts between rounds and one disturbed round moves a mean
# of sums; paired rounds and a median do not.
medians() {	# medians FIELD LABEL
	local line m
	line=$(printf '%-24s' "$2")
	for m in table json capture off2; do
		line+=$(awk -v m="$m" -v f="$1" '
			$1 == "off" { off[$2] = $f }
			$1 == m { v[$2] = $f }
			END {
				for (k in v)
					if (off[k])
						r[n++] = 100 * (v[k] - off[k]) / off[k]
				for (i = 0; i < n; i++)
					for (j = i + 1; j < n; j++)
						if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
				if (!n) { printf " %8s", "-"; exit }
				med = n % 2 ? r[int(n / 2)] : (r[n / 2 - 1] + r[n / 2]) / 2
				printf " %+7.1f%%", med
			}' "$tmp/rounds")
	done
	echo "$line"
}
echo
printf '%-24s %8s %8s %8s %8s\n' "median of paired rounds" table json \
	capture off2
[ "$only" = rate ] || medians 3 throughput
medians 4 "conn rate"
medians 5 CPU/conn
echo "goals: throughput >= -3%, connection rate >= -5%; off2 (no procwire" \
	"either) shows how far apart two equal rounds come on this machine"
echo "events lost while measuring: $(awk '{ s += $1 } END { print s + 0 }' "$tmp/lost")"
echo
if [ -x "$HOOK_AB" ]; then
	ip netns exec "$tag-a" "$HOOK_AB" 10.79.0.2 7001 "$ab_secs" 500 4 --dry
	ip netns exec "$tag-a" "$HOOK_AB" 10.79.0.2 7001 "$ab_secs" 500 4
	echo
fi
"$LATENCY" ebpf 5000
"$LATENCY" polling 30 2>/dev/null
