#!/usr/bin/env bash
# procwire audit against a real censor: an application in the client
# namespace meets every way of blocking the censor namespace applies
# (tests/net/censor.sh: SYN drop; TCP reset on an SNI, IPv4 and IPv6, and
# on an HTTP Host; ClientHello drop; ICMP port unreachable for TCP and UDP;
# ICMPv6 administratively prohibited; UDP drop; DNS drop; NXDOMAIN; a
# redirect to another site; a reset in mid-transfer; a data drop that
# leaves the client retransmitting), while a second application talks to
# its own ports. tcpdump records the client's link; `procwire audit
# --read` must give each connection its exact verdict and stage, cite
# packets that tshark agrees show it, report ok for the rest, and exit 3.
#
# The capture holds both applications (the live mode will later keep the
# target's packets only); here a filter expression on the other
# application's ports selects the target, and a run without it shows the
# other application's connections too.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topology.sh"	# record_start / record_stop
source "$(dirname "$0")/censor.sh"
need_root "audit against a censor"

work=$(mktemp -d)
on_exit "rm -rf $work"
censor_up "$work"
tap_ok $? "namespaces, censor rules and servers up"
record_start "$work/app.pcap"
tap_ok $? "tcpdump recording the client's link"

censor_other_app &
other=$!
on_exit "kill $other"
censor_app
wait "$other"
record_stop


target="not port 8080 and not port 7005"
"$PROCWIRE" audit --json --read "$work/app.pcap" $target \
	>"$work/audit.jsonl" 2>"$work/summary"
tap_eq "audit exits 3 when connections failed" $? 3
"$PYTHON" "$(dirname "$0")/audit_expect.py" "$work/app.pcap" \
	"$work/audit.jsonl" "$(dirname "$0")/censor_app.expect" >"$work/check" 2>&1
rc=$?
sed 's/^/# /' "$work/check"
tap_ok $rc "every connection of the target: exact verdict, stage, detail; evidence agrees with tshark"
tap_eq "no connection of the other application" \
	"$(grep -cE '"dport":(8080|7005)[,}]' "$work/audit.jsonl")" 0
sed 's/^/# /' "$work/summary"
tap_eq "summary: connections and failures by verdict" "$(head -1 "$work/summary")" \
	"29 connections, 14 ok, 15 failed (3 icmp-unreachable, 1 http-redirect, 4 reset, 1 syn-timeout, 1 tls-cut, 1 retransmissions, 3 dns-failure, 1 udp-silent)"

# Without the filter the other application shows up: its HTTP is ok, its
# dropped UDP is udp-silent.
"$PROCWIRE" audit --json --read "$work/app.pcap" >"$work/all.jsonl" 2>/dev/null
tap_eq "unfiltered audit exits 3" $? 3
cp "$(dirname "$0")/censor_app.expect" "$work/expect.all"
printf '%s\n' "tcp 8080 * ok -" "udp 7005 * udp-silent - 4 datagrams out, 0 in" \
	>>"$work/expect.all"
"$PYTHON" "$(dirname "$0")/audit_expect.py" "$work/app.pcap" \
	"$work/all.jsonl" "$work/expect.all" >"$work/check.all" 2>&1
rc=$?
grep FAIL "$work/check.all" | sed 's/^/# /'
tap_ok $rc "unfiltered: both applications' connections judged"
tap_eq "unfiltered: five udp-silent connections of the other application" \
	"$(grep -c '"verdict":"udp-silent".*"dport":7005' "$work/all.jsonl")" 5

# The text table: grouped by host, one header per group.
"$PROCWIRE" audit --read "$work/app.pcap" $target >"$work/audit.txt"
tap_eq "text audit exits 3" $? 3
sed 's/^/# /' "$work/audit.txt"
tap_ok "$(grep -q '^blocked.test: 2 connections, 1 failed$' "$work/audit.txt"; echo $?)" \
	"blocked.test group: its DNS lookup ok, its TLS connection failed"
tap_ok "$(grep -q '^10.77.2.3 (no hostname): ' "$work/audit.txt"; echo $?)" \
	"unnamed services grouped by server address"
tap_ok "$(grep -Eq '^  reset +tcp +10\.77\.1\.1:[0-9]+ +-> 10\.77\.2\.2:443 +after-client-hello +RST after [0-9]+ bytes sent, 0 received +#[0-9]+,#[0-9]+ \+' "$work/audit.txt"; echo $?)" \
	"text row: verdict, proto, client -> server, stage, detail, evidence"

# A selection of good connections only: exit 0; --failed hides ok rows.
"$PROCWIRE" audit --read "$work/app.pcap" udp port 7000 >"$work/good.txt"
tap_eq "exit 0 when every connection is ok" $? 0
tap_eq "the one connection is ok" "$(grep -c '^  ok  ' "$work/good.txt")" 1
"$PROCWIRE" audit --read "$work/app.pcap" --failed tcp port 80 \
	and not port 8080 >"$work/failed.txt"
tap_eq "--failed: exit 3" $? 3
tap_eq "--failed: only the three failed HTTP connections" \
	"$(grep -cE '^  (ok|reset|http-redirect) ' "$work/failed.txt")" 3

# A capture cut inside its last packet: what was read is judged and
# printed, then the error; exit 1.
size=$(stat -c %s "$work/app.pcap")
head -c $((size - 7)) "$work/app.pcap" >"$work/cut.pcap"
"$PROCWIRE" audit --read "$work/cut.pcap" $target >"$work/cut.txt" \
	2>"$work/cut.err"
tap_eq "damaged capture: exit 1" $? 1
tap_ok "$(grep -q '^blocked.test: 2 connections, 1 failed$' "$work/cut.txt"; echo $?)" \
	"damaged capture: connections before the damage still reported"
tap_ok "$(grep -q 'error' "$work/cut.err"; echo $?)" \
	"damaged capture: the error is printed"
tap_done
