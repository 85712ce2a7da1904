#!/usr/bin/env bash
# procwire capture --format pcap: a classic pcap (nanosecond magic, link
# type RAW) that tshark reads, and FILE.flows.jsonl beside it with one JSON
# object per flow of the target and its owner (pid, comm, exe, cmdline).
#
#   ns cli 10.82.0.1/24 ──veth── ns srv 10.82.0.2/24
#                                 (socat UDP echo :7, TCP sink :9)
. "$(dirname "$0")/../lib.sh"

need_root "capture pcap"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null; then
	tap_skip "capture pcap" "needs $PROCWIRE and tshark"
	tap_done
	exit 0
fi
: "${PYTHON:=/usr/bin/python3}"
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-cappcap-XXXXXX)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"

netns_new NS_A cli || exit 1
netns_new NS_B srv || exit 1
veth_link "$NS_A" 10.82.0.1/24 "$NS_B" 10.82.0.2/24 >/dev/null || exit 1
ip netns exec "$NS_B" socat UDP4-RECVFROM:7,fork,reuseaddr EXEC:cat \
	>/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
ip netns exec "$NS_B" socat -u TCP4-LISTEN:9,fork,reuseaddr OPEN:/dev/null \
	>/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_port "$NS_B" udp 7
wait_port "$NS_B" tcp 9

# The target: 3 echoed datagrams from one socket, then one TCP connection
# sending 1000 bytes; it leaves its pid in a file.
target="import os, socket, sys
open(sys.argv[1], 'w').write(str(os.getpid()))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
for i in range(3):
    u.sendto(b'p' * 300, ('10.82.0.2', 7))
    u.recv(4096)
t = socket.create_connection(('10.82.0.2', 9))
t.sendall(b'q' * 1000)
t.shutdown(socket.SHUT_WR)
t.recv(10)
t.close()"
"$PROCWIRE" capture -q --format pcap -w "$tmp/cap.pcap" -- ip netns exec \
	"$NS_A" "$PYTHON" -c "$target" "$tmp/pid" >/dev/null 2>"$tmp/err"
tap_eq "exit 0" $? 0
pid=$(cat "$tmp/pid")
written=$(sed -n 's/^procwire: capture: \([0-9]*\) packets written.*/\1/p' \
	"$tmp/err")

tap_eq "pcap header: nanosecond magic, version 2.4, link type 101" \
	"$(od -An -tx4 -N24 "$tmp/cap.pcap" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')" \
	"a1b23c4d 00040002 00000000 00000000 00040000 00000065"
tshark -r "$tmp/cap.pcap" >/dev/null 2>&1
tap_ok $? "tshark reads the pcap"
tap_eq "tshark counts the packets the totals line reports" \
	"$(tshark -r "$tmp/cap.pcap" 2>/dev/null | wc -l)" "$written"
tap_eq "6 UDP packets of 328 bytes (3 datagrams, 3 echoes)" \
	"$(tshark -r "$tmp/cap.pcap" -Y udp -T fields -e frame.len \
		2>/dev/null | sort | uniq -c | tr -s ' ' | sed 's/^ //')" "6 328"
tap_eq "the TCP connection's 1000 bytes" \
	"$(tshark -r "$tmp/cap.pcap" -Y 'tcp.dstport == 9' -T fields \
		-e tcp.len 2>/dev/null | awk '{ n += $1 } END { print n }')" 1000

side=$tmp/cap.pcap.flows.jsonl
tap_check "the sidecar exists" test -s "$side"
# One line per flow: "proto dst dport pid comm exe-basename cmdline-head".
"$PYTHON" - "$side" >"$tmp/flows" <<'PY'
import json, os, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    print(f['proto'], f['dst'], f['dport'], f.get('pid'), f.get('comm'),
          os.path.basename(f.get('exe') or '-')[:7],
          ' '.join((f.get('cmdline') or '-').split()[:2]))
PY
tap_eq "the sidecar's JSON parses, one object per flow (2)" \
	"$(wc -l <"$tmp/flows")" 2
tap_eq "the UDP flow with its owner" \
	"$(grep '^udp' "$tmp/flows")" \
	"udp 10.82.0.2 7 $pid python3 python3 $PYTHON -c"
tap_eq "the TCP flow with its owner" \
	"$(grep '^tcp' "$tmp/flows")" \
	"tcp 10.82.0.2 9 $pid python3 python3 $PYTHON -c"
tap_eq "the sidecar counts the packets of the file" \
	"$("$PYTHON" -c '
import json, sys
print(sum(f["c2s_packets"] + f["s2c_packets"] for f in map(json.loads,
      open(sys.argv[1]))))' "$side")" "$written"

"$PROCWIRE" capture --format pcapx -w "$tmp/x" -- true >/dev/null 2>&1
tap_eq "an unknown --format exits 2" $? 2
(cd "$tmp" && "$PROCWIRE" capture -q --format pcap -w - -- ip netns exec \
	"$NS_A" "$PYTHON" -c "$target" "$tmp/pid2" 2>/dev/null >"$tmp/out.pcap")
tap_eq "-w - --format pcap: tshark reads standard output" \
	"$(tshark -r "$tmp/out.pcap" -Y udp 2>/dev/null | wc -l)" 6
tap_check "-w - makes no sidecar" test ! -e "$tmp/-.flows.jsonl"
tap_done
