#!/usr/bin/env bash
# Records real traffic (curl over HTTPS/HTTP on IPv4 and IPv6, dig) between
# two namespaces, then checks `procwire read` against tshark on that file:
# the same conversations, the same packets and payload bytes each way.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topology.sh"
need_root "read a recorded capture"

work=$(mktemp -d)
on_exit "rm -rf $work"
topology_up "$work"
tap_ok $? "namespaces and servers up"
record_start "$work/real.pcap"
tap_ok $? "tcpdump recording"
demo_traffic
tap_ok $? "client traffic completed"
record_stop

"$PROCWIRE" read --json "$work/real.pcap" >"$work/flows.jsonl" 2>"$work/totals"
tap_ok $? "procwire read --json exits 0"
"$PYTHON" "$(dirname "$0")/compare_flows.py" "$work/real.pcap" "$work/flows.jsonl" \
	>"$work/cmp" 2>&1
cmp_rc=$?
sed 's/^/# /' "$work/cmp"
tap_ok $cmp_rc "flows, packets and payload bytes equal tshark's"

https=$(grep -c '"dport":443,.*"state":"closed"' "$work/flows.jsonl")
tap_eq "one HTTPS flow closed by FIN both ways" "$https" 1
grep -q '"sport":443' "$work/flows.jsonl"
tap_ok $((! $?)) "no flow has the server as client"

# curl -6 first tries port 443 on IPv6, where s_server does not listen: a
# reset flow with no payload, named only by the earlier DNS answer.
named=$(grep '"state":"reset"' "$work/flows.jsonl" |
	grep -c '"host":"www.demo.test","host_source":"dns-answer"')
tap_ok $((named < 1)) "reset IPv6 flows named from the DNS answer ($named)"
tap_eq "every TLS and HTTP flow named by its own payload" \
	"$(grep -E '"l7":"(tls|http)"' "$work/flows.jsonl" | grep -vc '"host":"www.demo.test","host_source":"payload"')" 0

"$PROCWIRE" read "$work/real.pcap" udp port 53 >"$work/dns.txt"
tap_ok $? "read with a filter expression exits 0"
tap_eq "filter keeps only the DNS flows" \
	"$(grep -c '^udp ' "$work/dns.txt")" \
	"$(grep -c '"dport":53' "$work/flows.jsonl")"
tap_done
