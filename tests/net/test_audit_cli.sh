#!/usr/bin/env bash
# procwire audit's command line on a crafted capture (no network needed):
# options and their errors (exit 2), a missing file (exit 1), thresholds
# given as options changing verdicts, pcap and pcapng and standard input
# giving the same result.
source "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
on_exit "rm -rf $work"

# Five connections: a 301 to another site, 5 UDP datagrams unanswered, a
# client retransmitting its data 3 times, two failures of fail.test within
# 10 s (TCP resets after the ClientHello).
"$PYTHON" - "$work/app.pcap" <<'EOF' || exit 1
import sys
from scapy.all import Ether, IP, TCP, UDP, wrpcap
c, s = "10.0.0.1", "10.0.0.2"
pk, t = [], [1700000000.0]
def add(p, dt=0.01):
    t[0] += dt
    e = Ether() / p
    e.time = t[0]
    pk.append(e)
def tcp(sp, dp, fl, seq, ack=0, data=b"", rev=False):
    src, dst = (s, c) if rev else (c, s)
    if rev:
        sp, dp = dp, sp
    return IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=fl, seq=seq,
                                      ack=ack) / data
req = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
rep = b"HTTP/1.1 301 Moved\r\nLocation: http://block.isp.test/\r\n\r\n"
add(tcp(40000, 80, "S", 100))
add(tcp(40000, 80, "SA", 500, 101, rev=True))
add(tcp(40000, 80, "PA", 101, 501, req))
add(tcp(40000, 80, "PA", 501, 101 + len(req), rep, rev=True))
for i in range(5):
    add(IP(src=c, dst=s) / UDP(sport=5000, dport=7000) / b"ping", 0.2)
d = b"x" * 100
add(tcp(40001, 9000, "S", 100))
add(tcp(40001, 9000, "SA", 500, 101, rev=True))
add(tcp(40001, 9000, "PA", 101, 501, d))
add(tcp(40001, 9000, "PA", 501, 201, b"ok", rev=True))
for i in range(4):
    add(tcp(40001, 9000, "PA", 201, 503, d), 0.3)
name = b"fail.test"
sni = (b"\x00\x00" + (len(name) + 5).to_bytes(2, "big") +
       (len(name) + 3).to_bytes(2, "big") + b"\x00" +
       len(name).to_bytes(2, "big") + name)
body = (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00" +
        len(sni).to_bytes(2, "big") + sni)
hs = b"\x01" + len(body).to_bytes(3, "big") + body
hello = b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs
for port in (40002, 40003):
    add(tcp(port, 443, "S", 100), 4)
    add(tcp(port, 443, "SA", 500, 101, rev=True))
    add(tcp(port, 443, "PA", 101, 501, hello))
    add(tcp(port, 443, "R", 501, rev=True))
wrpcap(sys.argv[1], pk)
EOF

audit() { "$PROCWIRE" audit "$@"; }

audit --help >"$work/help"
tap_eq "--help exits 0" $? 0
tap_ok "$(grep -q '^Exit status: 0 every connection ok; 3 at least one failed' "$work/help"; echo $?)" \
	"--help documents the exit status"
"$PROCWIRE" --help | grep -q '^  audit '
tap_ok $? "procwire --help lists audit"

check_usage() {	# check_usage NAME WANT_TEXT ARGS...
	local name=$1 want=$2; shift 2
	audit "$@" >/dev/null 2>"$work/err"
	tap_eq "$name: exit 2" $? 2
	tap_ok "$(grep -qF -- "$want" "$work/err"; echo $?)" "$name: says why"
}
check_usage "no --read" "missing --read FILE"
check_usage "unknown option" "unknown option" --bogus -r "$work/app.pcap"
check_usage "bad number" '--udp-out wants a whole number from 1 to' \
	-r "$work/app.pcap" --udp-out abc
check_usage "zero udp-out" '--udp-out wants a whole number from 1 to' \
	-r "$work/app.pcap" --udp-out 0
check_usage "bad redirect code" '--redirect-codes wants HTTP codes from 300 to 308' \
	-r "$work/app.pcap" --redirect-codes 302,200
check_usage "bad fail-time" '--fail-time wants a number of seconds' \
	-r "$work/app.pcap" --fail-time -1
check_usage "bad filter" "can't parse filter expression" \
	-r "$work/app.pcap" port port
audit -r "$work/missing.pcap" >/dev/null 2>"$work/err"
tap_eq "missing file: exit 1" $? 1

verdicts() {	# verdicts ARGS...: "verdict/dport" of each connection
	audit --json -r "$work/app.pcap" "$@" 2>/dev/null |
		sed -E 's/^\{"verdict":"([^"]*)".*"dport":([0-9]+).*/\1\/\2/' |
		sort | tr '\n' ' '
}
tap_eq "default thresholds" "$(verdicts)" \
	"http-redirect/80 reset/443 reset/443 retransmissions/9000 udp-silent/7000 "
tap_eq "--redirect-codes 302,307: a 301 is no redirect" \
	"$(verdicts --redirect-codes 302,307)" \
	"ok/80 reset/443 reset/443 retransmissions/9000 udp-silent/7000 "
tap_eq "--udp-out 6: five datagrams are not enough" \
	"$(verdicts --udp-out 6 | grep -o '[a-z-]*/7000')" "ok/7000"
tap_eq "--retrans-threshold 4: three retransmissions are not enough" \
	"$(verdicts --retrans-threshold 4 | grep -o '[a-z-]*/9000')" "ok/9000"
tap_eq "--incoming-maxseq 1: the reply ends the counting" \
	"$(verdicts --incoming-maxseq 1 | grep -o '[a-z-]*/9000')" "ok/9000"

# zapret2's per-host rule: two failures of fail.test 4 s apart.
audit -r "$work/app.pcap" --fail-threshold 2 >"$work/t2"
tap_ok "$(grep -q '^fail.test: 2 connections, 2 failed; zapret2 autohostlist would add it (2 failures within 60 s)$' "$work/t2"; echo $?)" \
	"--fail-threshold 2 lists the host"
audit -r "$work/app.pcap" --fail-threshold 2 --fail-time 3 >"$work/t3"
tap_ok "$(grep -q '^fail.test: 2 connections, 2 failed$' "$work/t3"; echo $?)" \
	"--fail-time 3: failures 4 s apart are not listed"

# The same capture as pcapng, and through standard input.
audit --json -r "$work/app.pcap" >"$work/a.json" 2>/dev/null
editcap -F pcapng "$work/app.pcap" "$work/app.pcapng"
audit --json -r "$work/app.pcapng" >"$work/b.json" 2>/dev/null
tap_eq "pcapng: exit 3" $? 3
cmp -s "$work/a.json" "$work/b.json"
tap_ok $? "pcapng gives the same verdicts"
audit --json -r - <"$work/app.pcap" >"$work/c.json" 2>/dev/null
cmp -s "$work/a.json" "$work/c.json"
tap_ok $? "standard input gives the same verdicts"
tap_done
