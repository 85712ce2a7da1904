#!/usr/bin/env bash
# The capture API (include/procwire.h) from another program
# (tests/unit/capture/capture_api_tool.c): a pid set with and without its
# children, pcap with headers only, and process names (running and
# started later) with a filter and a duration. The target's datagrams are
# in the file and nothing of another process sending at the same time;
# the file is valid after stop; the stats match it; the program's own
# signal handling is untouched; no programs or cgroups are left.
#
#   ns cli 10.81.0.1/24 ──veth── ns srv 10.81.0.2/24 (socat UDP echo :7)
#   targets and the other sender (python3) run in cli
. "$(dirname "$0")/../lib.sh"

need_root "capture api"
tool=$PW_BUILD/tests/unit/capture/capture_api_tool
if [ ! -x "$tool" ] || [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null ||
   ! command -v socat >/dev/null; then
	tap_skip "capture api" "needs $tool, $PROCWIRE, tshark and socat"
	tap_done
	exit 0
fi
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-capapi-XXXXXX)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
cgview=$tmp/cgview
mkdir -p "$cgview"
mount -t cgroup2 none "$cgview" && on_exit "umount $cgview"
progs() { bpftool prog show 2>/dev/null | grep -c 'name pw_pkt_'; }
progs_before=$(progs)
# Other captures running meanwhile have cgroups of their own: only more
# than at the start would be ours.
cgroups() { find "$cgview" -maxdepth 1 -name 'pwcap-*' | wc -l; }
cgroups_before=$(cgroups)

netns_new NS_A cli || exit 1
netns_new NS_B srv || exit 1
veth_link "$NS_A" 10.81.0.1/24 "$NS_B" 10.81.0.2/24 >/dev/null || exit 1
ip netns exec "$NS_B" socat UDP4-RECVFROM:7,fork,reuseaddr EXEC:cat \
	>/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_port "$NS_B" udp 7 || { tap_ok 1 "echo server up"; tap_done; exit 1; }

# udp.py COUNTxSIZE...: datagrams to the echo server, each answered; with
# PW_GO set, first waits (at most 20 s) for that file to exist.
cat >"$tmp/udp.py" <<'EOF'
import os, socket, sys, time
go = os.environ.get("PW_GO")
for _ in range(400):
    if not go or os.path.exists(go):
        break
    time.sleep(0.05)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for spec in sys.argv[1:]:
    count, size = map(int, spec.split("x"))
    for i in range(count):
        s.sendto(b"x" * size, ("10.81.0.2", 7))
        s.recv(65536)
EOF
udp() { ip netns exec "$NS_A" "$@"; }	# udp [ENV=..] PROG udp.py SPEC...

# wait_running OUT PID: until the tool says the capture runs (or exits).
wait_running() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qx running "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stat_of() { sed -n "s/^stats .*$2=\([0-9]*\).*/\1/p" "$1"; }
comments() { tshark -r "$1" -T fields -e frame.comment 2>/dev/null; }
tshark_clean() {	# tshark_clean FILE: "0:" when tshark reads it quietly
	local out
	out=$(tshark -r "$1" 2>&1 >/dev/null)
	echo "$?:$(grep -v '^Running as user "root"' <<<"$out")"
}

# --- a pid and its children, pcapng -------------------------------------
# The target is sh, which forks python3: its packets are there through
# following children. The other python3 sends 500-byte datagrams during
# the capture, before the target sends its 300-byte ones.
"$tool" "$tmp/pid.pcapng" -- env PW_GO="$tmp/go1" ip netns exec "$NS_A" \
	sh -c "/usr/bin/python3 $tmp/udp.py 4x300 & wait" \
	>"$tmp/pid.out" 2>"$tmp/pid.err" &
cap=$!
wait_running "$tmp/pid.out" "$cap"
tap_ok $? "pid: start returns with the capture running"
progs_running=$(progs)
udp /usr/bin/python3 "$tmp/udp.py" 3x500
touch "$tmp/go1"
wait "$cap"
tap_eq "pid: the tool exits 0" "$?:$(cat "$tmp/pid.err")" "0:"
grep -qx 'signals ok' "$tmp/pid.out"
tap_ok $? "pid: the program's SIGTERM handler stays, its SIGTERM does not end the capture"
tap_check "pid: the capture's programs were attached while it ran" \
	test "$progs_running" -gt "$progs_before"
tap_eq "pid: tshark reads the file after stop" "$(tshark_clean "$tmp/pid.pcapng")" "0:"
tap_eq "pid: the child's 4 datagrams and 4 echoes, full size, nothing else" \
	"$(tshark -r "$tmp/pid.pcapng" -T fields -e frame.cap_len 2>/dev/null |
		sort | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')" "8x328 "
tap_eq "pid: every packet names python3 (the child of the pid)" \
	"$(comments "$tmp/pid.pcapng" | grep -c ' comm=python3 exe=/usr/bin/python3')" 8
child=$(sed -n 's/^child //p' "$tmp/pid.out")
tap_eq "pid: none is owned by the pid itself (sh)" \
	"$(comments "$tmp/pid.pcapng" | grep -c "^pid=$child ")" 0
tap_eq "pid: stats: 8 packets, 2624 bytes, no drops" \
	"$(stat_of "$tmp/pid.out" packets)/$(stat_of "$tmp/pid.out" bytes)/$(stat_of \
		"$tmp/pid.out" kernel_drops)/$(stat_of "$tmp/pid.out" user_drops)" \
	"8/2624/0/0"
"$PROCWIRE" read -j "$tmp/pid.pcapng" >"$tmp/pid.json" 2>"$tmp/read.err"
tap_eq "pid: procwire read reads it to the end" "$?" 0
tap_eq "pid: procwire read finds one UDP flow to port 7" \
	"$(grep -c '"dport":7,' "$tmp/pid.json")/$(wc -l <"$tmp/pid.json")" "1/1"

# --- the same without following children ----------------------------------
"$tool" --no-follow "$tmp/nf.pcapng" -- ip netns exec "$NS_A" \
	sh -c "/usr/bin/python3 $tmp/udp.py 2x300 & wait" \
	>"$tmp/nf.out" 2>"$tmp/nf.err"
tap_eq "no-follow: the tool exits 0" "$?:$(cat "$tmp/nf.err")" "0:"
tap_eq "no-follow: the child's packets are not taken" \
	"$(stat_of "$tmp/nf.out" packets)/$(tshark -r "$tmp/nf.pcapng" 2>/dev/null | wc -l)" "0/0"
tap_eq "no-follow: the empty file is valid" "$(tshark_clean "$tmp/nf.pcapng")" "0:"

# --- pcap, headers only -----------------------------------------------------
"$tool" --pcap --headers-only "$tmp/h.pcap" -- ip netns exec "$NS_A" \
	/usr/bin/python3 "$tmp/udp.py" 3x300 >"$tmp/h.out" 2>"$tmp/h.err"
tap_eq "pcap: the tool exits 0" "$?:$(cat "$tmp/h.err")" "0:"
tap_eq "pcap: a classic pcap file" \
	"$(tshark -r "$tmp/h.pcap" -T fields -e frame.cap_len -e frame.len \
		2>/dev/null | sort | uniq -c | awk '{ print $1 "x" $2 "/" $3 }')" \
	"6x28/328"
tap_eq "pcap: tshark reads it after stop" "$(tshark_clean "$tmp/h.pcap")" "0:"
child=$(sed -n 's/^child //p' "$tmp/h.out")
grep -q "\"pid\":$child,.*\"exe\":\"/usr/bin/python3[.0-9]*\"" "$tmp/h.pcap.flows.jsonl"
r=$?
[ $r -eq 0 ] || sed 's/^/# sidecar: /' "$tmp/h.pcap.flows.jsonl"
tap_ok $r "pcap: the sidecar names the pid and its exe"

# --- names: a running process and one started later; duration ----------
cp /usr/bin/python3 "$tmp/pwapiname"
udp env PW_GO="$tmp/go2" "$tmp/pwapiname" "$tmp/udp.py" 2x100 &
early=$!
"$tool" --name pwapiname --duration-ms 6000 "$tmp/name.pcapng" \
	>"$tmp/name.out" 2>"$tmp/name.err" &
cap=$!
wait_running "$tmp/name.out" "$cap"
tap_ok $? "name: start returns with the capture running"
touch "$tmp/go2"
udp "$tmp/pwapiname" "$tmp/udp.py" 2x100 4x20
udp /usr/bin/python3 "$tmp/udp.py" 2x100
wait "$early"
wait "$cap"
tap_eq "name: the tool exits 0" "$?:$(cat "$tmp/name.err")" "0:"
grep -qx 'ended by itself' "$tmp/name.out"
tap_ok $? "name: the capture ends by its duration (wait returns 1)"
tap_eq "name: tshark reads the file" "$(tshark_clean "$tmp/name.pcapng")" "0:"
got="$(comments "$tmp/name.pcapng" | grep -c ' comm=pwapiname ')/$(tshark \
	-r "$tmp/name.pcapng" 2>/dev/null | wc -l)"
tap_eq "name: 16 packets, all of pwapiname (none of python3)" "$got" "16/16"
[ "$got" = 16/16 ] || comments "$tmp/name.pcapng" | sed 's/^/# comment: /' 
tap_eq "name: from the running process and the later one" \
	"$(comments "$tmp/name.pcapng" | sed 's/ .*//' | sort -u | wc -l)" 2
tap_eq "name: stats: 16 packets" "$(stat_of "$tmp/name.out" packets)" 16

# --- a filter expression ------------------------------------------------
"$tool" --filter 'greater 100' "$tmp/f.pcapng" -- ip netns exec "$NS_A" \
	/usr/bin/python3 "$tmp/udp.py" 2x100 4x20 >"$tmp/f.out" 2>"$tmp/f.err"
tap_eq "filter: the tool exits 0" "$?" 0
tap_eq "filter: 4 packets kept, 8 left out" \
	"$(stat_of "$tmp/f.out" packets)/$(stat_of "$tmp/f.out" \
		filtered)/$(tshark -r "$tmp/f.pcapng" 2>/dev/null | wc -l)" \
	"4/8/4"

# --- an ICMP error quoting the target's datagram ------------------------
# Port 9 is closed in the server namespace: its port unreachable reaches
# no socket, and is in the file through the capture's ICMP watch.
"$tool" "$tmp/icmp.pcapng" -- ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x" * 40, ("10.81.0.2", 9))
time.sleep(0.5)' >"$tmp/icmp.out" 2>"$tmp/icmp.err"
tap_eq "icmp: the tool exits 0" "$?:$(cat "$tmp/icmp.err")" "0:"
tap_eq "icmp: stats: 2 packets, 1 of them the target's ICMP error" \
	"$(stat_of "$tmp/icmp.out" packets)/$(stat_of "$tmp/icmp.out" \
		icmp_errors)" "2/1"
tap_eq "icmp: the file holds the datagram and its port unreachable" \
	"$(tshark -r "$tmp/icmp.pcapng" -T fields -e icmp.type -e icmp.code \
		-e udp.dstport 2>/dev/null | tr '\t\n' ', ')" ",,9 3,3,9 "
tap_eq "icmp: the error's owner says it was matched by endpoints" \
	"$(tshark -r "$tmp/icmp.pcapng" -Y icmp -T fields -e frame.comment \
		2>/dev/null | grep -o 'method=[a-z-]*')" "method=ebpf-tuple"

# --- nothing left ---------------------------------------------------------
now=$(progs)
[ "$now" -le "$progs_before" ] || tap_diag "$now programs, $progs_before before"
tap_ok $((now > progs_before)) "no program left after the captures"
now=$(cgroups)
[ "$now" -le "$cgroups_before" ] ||
	tap_diag "$now capture cgroups, $cgroups_before before"
tap_ok $((now > cgroups_before)) "no cgroup made or left"
tap_done
