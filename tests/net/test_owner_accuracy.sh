#!/usr/bin/env bash
# Process attribution accuracy: thousands of short-lived, distinctly named
# processes each make one connection; every flow must be owned by the
# process that made it, by pid and by name. Then the same storm under the
# polling fallback, whose miss rate is printed beside the eBPF result.
#
#   ns cli  10.77.0.1/24 fd77::1/64  ──veth──  ns srv  10.77.0.2/24 fd77::2/64
#   pwc-0001..pwc-2000 (TCP v4/v6,            pws-main (listens tcp/7001)
#     unconnected UDP v4/v6, a few ms each)     └ 4 × pws-worker (accept)
#   pwa-reuse1, pwa-reuse2 (same local port)  pws-udp (udp/7002 echo)
#   pwc-held (connected before procwire)
#   pwc-parent → fork+exec pwc-child (uses the parent's socket)
#
# procwire runs in the root namespace: the hooks see every namespace.
. "$(dirname "$0")/../lib.sh"

need_root "owner accuracy"
PEER=$PW_BUILD/tests/unit/owner/owner_peer
STORM=${PW_OWNER_STORM:-2000}
if [ ! -x "$PEER" ] || [ ! -x "$PROCWIRE" ]; then
	tap_skip "owner accuracy" "build $PEER and $PROCWIRE first"
	tap_done
	exit 0
fi
remove_stale_namespaces

tmp=$(mktemp -d /tmp/pw-owner-XXXXXX)
on_exit "rm -rf $tmp"
on_exit "touch $tmp/stop"	# servers and held clients stop on this
for n in pws-srv pwa-reuse1 pwa-reuse2 pwc-held pwc-parent pwc-child; do
	ln -s "$PEER" "$tmp/$n"
done
for ((i = 1; i <= STORM; i++)); do
	ln -s "$PEER" "$tmp/$(printf 'pwc-%04d' "$i")"
done

netns_new CLI cli || exit 1
netns_new SRV srv || exit 1
veth_link "$CLI" 10.77.0.1/24 "$SRV" 10.77.0.2/24 fd77::1/64 fd77::2/64 \
	>/dev/null || exit 1

ip netns exec "$SRV" "$tmp/pws-srv" tcp-server 7001 4 "$tmp/stop" \
	>"$tmp/server-tcp.out" 2>&1 &
ip netns exec "$SRV" "$tmp/pws-srv" udp-server 7002 "$tmp/stop" \
	>/dev/null 2>&1 &
wait_port "$SRV" tcp 7001 && wait_port "$SRV" udp 7002 || {
	tap_ok 1 "servers started"; tap_done; exit 1; }

# start_events NAME ARGS...: procwire events in the background, waits for
# its "ready" line. Returns non-zero when it could not start.
start_events() {
	local name=$1 i; shift
	"$PROCWIRE" events --json "$@" >"$tmp/$name.jsonl" 2>"$tmp/$name.err" &
	EV_PID=$!
	on_exit "kill -9 $EV_PID"
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$tmp/$name.err" 2>/dev/null && return 0
		kill -0 $EV_PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_events() {
	kill -INT "$EV_PID"
	wait "$EV_PID"
}

# storm OUT: STORM clients, 16 at a time, cycling TCP v4, TCP v6, UDP v4,
# UDP v6.
storm() {
	ip netns exec "$CLI" bash -c '
		t=$1 n=$2
		for ((i = 1; i <= n; i++)); do
			case $((i % 4)) in
			0) a="tcp 10.77.0.2 7001" ;;
			1) a="tcp fd77::2 7001" ;;
			2) a="udp 10.77.0.2 7002" ;;
			3) a="udp fd77::2 7002" ;;
			esac
			"$t/$(printf "pwc-%04d" $i)" $a &
			((i % 16 == 0)) && wait
		done
		wait' _ "$tmp" "$STORM" >"$1" 2>"$1.err"
}

# The special cases, run while events are collected.
specials() {
	ip netns exec "$CLI" "$tmp/pwa-reuse1" tcp-bind 40001 10.77.0.2 7001
	ip netns exec "$CLI" "$tmp/pwa-reuse2" tcp-bind 40001 10.77.0.2 7001
	ip netns exec "$CLI" "$tmp/pwc-parent" inherit fd77::2 7001 \
		"$tmp/pwc-child"
}

field() {	# field KEY FILE: value of "KEY value" or 0
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$2"
}

# --- eBPF engine ------------------------------------------------------
ip netns exec "$CLI" "$tmp/pwc-held" hold 10.77.0.2 7001 "$tmp/go" \
	>"$tmp/held.out" 2>&1 &
for ((i = 0; i < 50; i++)); do
	grep -q client "$tmp/held.out" 2>/dev/null && break
	sleep 0.1
done

if ! start_events ebpf || ! grep -q 'engine ebpf ready' "$tmp/ebpf.err"; then
	tap_diag "$(cat "$tmp/ebpf.err")"
	tap_skip "eBPF attribution" "procwire events could not start the eBPF engine"
	ebpf=0
else
	ebpf=1
	touch "$tmp/go"
	specials >"$tmp/specials.out" 2>"$tmp/specials.err"
	start=$SECONDS
	storm "$tmp/storm-ebpf.out"
	tap_diag "eBPF storm of $STORM processes took $((SECONDS - start)) s"
	sleep 0.5
	stop_events
	# The held client's exchange ran after "go"; wait for its exit.
	wait_held=0
	while grep -q . "$tmp/held.out" && [ $wait_held -lt 50 ] &&
	      pgrep -f "pwc-held hold" >/dev/null; do
		sleep 0.1; wait_held=$((wait_held + 1))
	done
fi

if [ $ebpf -eq 1 ]; then
	cat "$tmp/server-tcp.out" >"$tmp/accepts-ebpf.out"
	$PYTHON "$(dirname "$0")/owner_compare.py" "$tmp/ebpf.jsonl" \
		"$tmp/storm-ebpf.out" "$tmp/specials.out" "$tmp/held.out" \
		"$tmp/accepts-ebpf.out" >"$tmp/ebpf.result" 2>"$tmp/ebpf.diag"
	sed 's/^/# /' "$tmp/ebpf.diag"
	r=$tmp/ebpf.result
	tap_eq "storm: every client reported" "$(field storm_total "$r")" "$STORM"
	tap_eq "storm: no client failed" "$(grep -c . "$tmp/storm-ebpf.out.err")" 0
	tap_eq "storm: every flow owned by its pid and name" \
		"$(field storm_ok "$r")" "$STORM"
	for f in tcp4 tcp6 udp4 udp6; do
		tap_eq "storm: $f flows right" "$(field "storm_${f}_ok" "$r")" \
			"$(field "storm_${f}_total" "$r")"
	done
	tap_eq "storm: no flow with a wrong owner" "$(field storm_wrong "$r")" 0
	tap_eq "reused local port: first process owns its flow" \
		"$(field pwa-reuse1_ok "$r")" 1
	tap_eq "reused local port: second process owns its flow" \
		"$(field pwa-reuse2_ok "$r")" 1
	tap_eq "connection opened before start: prefill owner" \
		"$(field pwc-held_ok "$r")" 1
	tap_eq "inherited socket: parent owns the connect" \
		"$(field parent_ok "$r")" 1
	tap_eq "inherited socket: child that uses it becomes the owner" \
		"$(field pwc-child_ok "$r")" 1
	want_accepts=$((STORM / 2 + 4))
	tap_eq "server: every accepted connection reported" \
		"$(field accept_total "$r")" "$want_accepts"
	tap_eq "server: accepted sockets owned by the accepting worker" \
		"$(field accept_ok "$r")" "$want_accepts"
	lost=$(sed -n 's/.* \([0-9]*\) lost .*/\1/p' "$tmp/ebpf.err")
	tap_eq "eBPF: no event lost" "${lost:-missing}" 0
	tap_ok "$(grep -c error "$tmp/ebpf.err")" "eBPF: no error printed"
fi

# --- polling fallback ---------------------------------------------------
interval=0.05
if start_events polling --no-ebpf --interval $interval; then
	storm "$tmp/storm-poll.out"
	sleep 0.3
	stop_events
	$PYTHON "$(dirname "$0")/owner_compare.py" "$tmp/polling.jsonl" \
		"$tmp/storm-poll.out" >"$tmp/poll.result" 2>"$tmp/poll.diag"
	r=$tmp/poll.result
	total=$(field storm_total "$r")
	ok=$(field storm_ok "$r")
	seen=$((ok + $(field storm_incomplete "$r")))
	tap_eq "polling: every storm client reported" "$total" "$STORM"
	tap_eq "polling: flows it saw have the right owner" \
		"$(field storm_wrong "$r")" 0
	tap_ok "$(grep -q 'flows shorter than the interval' "$tmp/polling.err"; echo $?)" \
		"polling: warns that short flows can be missed"
	tap_ok "$(grep -q '"method":"polling"' "$tmp/polling.jsonl"; echo $?)" \
		"polling: events labelled polling"
	if [ $ebpf -eq 1 ]; then
		ebpf_ok=$(field storm_ok "$tmp/ebpf.result")
	else
		ebpf_ok=n/a
	fi
	tap_diag "attribution of $STORM short-lived flows: eBPF $ebpf_ok/$STORM" \
		"right; polling every ${interval}s saw $seen/$STORM" \
		"(miss rate $(awk -v s="$seen" -v t="$STORM" \
			'BEGIN { printf "%.1f%%", 100 * (t - s) / t }'))"
else
	tap_diag "$(cat "$tmp/polling.err")"
	tap_ok 1 "polling engine started"
fi

touch "$tmp/stop"
tap_done
