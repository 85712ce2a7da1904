#!/usr/bin/env bash
# Real TLS ClientHellos (openssl s_client) and QUIC Initials (ngtcp2's
# gtlsclient, QUIC v1) captured between two namespaces; the hellos that
# pw-tlsprobe reassembles (TCP segments, QUIC CRYPTO frames) must give the
# same SNI and ALPN as tshark's dissection of the same capture, and the
# marker positions must be where tshark puts those fields.
#
#   +--------- C ---------+   veth (TSO/GSO/GRO off)   +-------- S ---------+
#   | 10.77.7.1  fd77::1  |----------------------------| 10.77.7.2  fd77::2 |
#   | s_client, gtlsclient|                            | s_server :4433     |
#   +---------------------+                            | tcpdump, no :4434  |
#                                                      +--------------------+
# S advertises MSS 120 to C over IPv4, so an IPv4 ClientHello is cut into
# several segments; over IPv6 it travels in one.
. "$(dirname "$0")/../lib.sh"

need_root "l7 tls capture"
remove_stale_namespaces
PROBE=$PW_BUILD/tests/unit/l7/tls/pw-tlsprobe
for tool in openssl tcpdump tshark "$PROBE"; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "l7 tls capture" "$tool missing"
		tap_done
		exit 0
	fi
done

work=$(mktemp -d)
on_exit "rm -rf $work"
netns_new C cli || exit 1
netns_new S srv || exit 1
read -r ca sa < <(veth_link "$C" 10.77.7.1/24 "$S" 10.77.7.2/24 \
			     fd77::1/64 fd77::2/64)
for pair in "$C $ca" "$S $sa"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off \
		>/dev/null 2>&1
done
ip -n "$S" route add 10.77.7.1/32 dev "$sa" advmss 120

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
	-subj /CN=pw-test >/dev/null 2>&1

ip netns exec "$S" tcpdump -i "$sa" -U -w "$work/cap.pcap" \
	'tcp port 4433 or udp port 4434' >"$work/tcpdump.log" 2>&1 &
tcpdump_pid=$!
on_exit "kill $tcpdump_pid"
for ((i = 0; i < 50; i++)); do
	grep -q listening "$work/tcpdump.log" && break
	sleep 0.1
done

# One server per family: openssl binds [::] as IPv6-only.
for fam in "-4 -accept 10.77.7.2:4433 -naccept 2" \
	   "-6 -accept [fd77::2]:4433 -naccept 2"; do
	ip netns exec "$S" openssl s_server $fam -cert "$work/cert.pem" \
		-key "$work/key.pem" -alpn h2,http/1.1 -quiet \
		>/dev/null 2>&1 &
	on_exit "kill $!"
done
wait_port "$S" tcp 4433 || tap_diag "s_server did not listen"

client() {	# client ADDR SNI OPTIONS...
	local addr=$1 sni=$2; shift 2
	timeout 10 ip netns exec "$C" openssl s_client -connect "$addr" \
		-servername "$sni" "$@" </dev/null >"$work/$sni.log" 2>&1 ||
		tap_diag "s_client $sni: $(tail -n 3 "$work/$sni.log" | tr '\n' ' ')"
}
client 10.77.7.2:4433 seg13.example.com -tls1_3 -alpn h2,http/1.1
client 10.77.7.2:4433 seg12.example.net -tls1_2 -cipher ALL \
	-alpn http/1.1
client '[fd77::2]:4433' plain.example.org -tls1_3 -alpn h2
# OpenSSL 3.0 has no ML-KEM: send a recorded X25519MLKEM768 ClientHello
# (1511 bytes, SNI www.example.com) ourselves; TCP cuts it at MSS 1440.
ip netns exec "$C" $PYTHON -c '
import socket, sys
s = socket.create_connection(("fd77::2", 4433), timeout=5)
s.sendall(open(sys.argv[1], "rb").read())
try:
    s.recv(100)
except OSError:
    pass
' "$PW_ROOT/tests/fuzz/corpus/tls/client_hello_pq" 2>/dev/null

have_quic=0
if command -v gtlsclient >/dev/null; then
	have_quic=1
	mkdir -p "/etc/netns/$C"
	on_exit "rm -rf /etc/netns/$C"
	echo "10.77.7.2 quic.example.test" \
		>"/etc/netns/$C/hosts"
	# Nothing listens on 4434: the client sends Initials until it gives up.
	timeout 4 ip netns exec "$C" gtlsclient -q --handshake-timeout=1s \
		--timeout=1s quic.example.test 4434 >/dev/null 2>&1
fi
sleep 0.5	# let tcpdump write the last packets
kill -INT $tcpdump_pid 2>/dev/null
wait $tcpdump_pid 2>/dev/null

probe=$("$PROBE" "$work/cap.pcap")
tap_diag "pw-tlsprobe:"
while IFS= read -r l; do tap_diag "  $l"; done <<<"$probe"
tshark_tls=$(tshark -r "$work/cap.pcap" -o tcp.desegment_tcp_streams:TRUE \
	-Y 'tcp && tls.handshake.type == 1' -T fields \
	-e tls.handshake.extensions_server_name \
	-e tls.handshake.extensions_alpn_str 2>/dev/null)
tap_diag "tshark: $(tr '\n\t' '; ' <<<"$tshark_tls")"

# field NAME COLUMN: column of the probe's tcp/quic line for SNI NAME
field() {
	awk -F'\t' -v s="$1" -v c="$2" '$2 == s { print $c; exit }' <<<"$probe"
}
tshark_alpn() {
	awk -F'\t' -v s="$1" '$1 == s { print $2; exit }' <<<"$tshark_tls"
}

for sni in seg13.example.com seg12.example.net plain.example.org; do
	tap_eq "$sni: probe reassembled the hello" "$(field "$sni" 2)" "$sni"
	tap_eq "$sni: tshark sees the same SNI" \
		"$(awk -F'\t' -v s="$sni" '$1 == s { print $1; exit }' \
			<<<"$tshark_tls")" "$sni"
	tap_eq "$sni: ALPN equals tshark's" "$(field "$sni" 3)" \
		"$(tshark_alpn "$sni")"
done
tap_eq "seg13 ALPN" "$(field seg13.example.com 3)" "h2,http/1.1"
segs=$(field seg13.example.com 4)
tap_ok "$([ "${segs:-0}" -ge 2 ]; echo $?)" \
	"TLS 1.3 hello came in $segs segments (MSS 120)"
segs=$(field seg12.example.net 4)
tap_ok "$([ "${segs:-0}" -ge 3 ]; echo $?)" \
	"TLS 1.2 hello with all ciphers came in $segs segments"
tap_eq "IPv6 hello in one segment" "$(field plain.example.org 4)" 1
tap_eq "PQ hello: SNI equals tshark's" "$(field www.example.com 2)" \
	"$(awk -F'\t' '$1 == "www.example.com" { print $1; exit }' \
		<<<"$tshark_tls")"
tap_eq "PQ hello: 1511 bytes in 2 segments" \
	"$(field www.example.com 4) $(field www.example.com 5)" "2 1511"
tap_ok "$(tshark -r "$work/cap.pcap" -o tcp.desegment_tcp_streams:TRUE \
	-Y 'tls.handshake.extensions_key_share_group == 0x11ec' \
	-T fields -e tls.handshake.extensions_server_name 2>/dev/null |
	grep -qx www.example.com; echo $?)" \
	"tshark sees X25519MLKEM768 in the same hello"

# Marker positions against tshark's field positions (PDML) in the
# one-segment hello: extlen, sniext, host, endhost.
want=$(tshark -r "$work/cap.pcap" -T pdml \
	-Y 'tls.handshake.extensions_server_name == "plain.example.org"' \
	2>/dev/null | $PYTHON -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.stdin).getroot()
pkt = root.find("packet")
tls = [p for p in pkt.iter("proto") if p.get("name") == "tls"][0]
base = int(tls.get("pos"))
def pos(name):
    for f in pkt.iter("field"):
        if f.get("name") == name:
            return int(f.get("pos")) - base, int(f.get("size"))
    return -1, 0
e, _ = pos("tls.handshake.extensions_length")
s, _ = pos("tls.handshake.extensions_server_name_list_len")
h, l = pos("tls.handshake.extensions_server_name")
print("%d,%d,%d,%d" % (e, s, h, h + l))
' 2>/dev/null)
got=$(field plain.example.org 6)
tap_eq "extlen,sniext,host,endhost = tshark's field positions" \
	"${got%,*}" "$want"
tap_ok "$([ -n "$want" ] && [ "${want#-1}" = "$want" ]; echo $?)" \
	"tshark gave all four positions ($want)"

if [ $have_quic = 1 ]; then
	tshark_quic=$(tshark -r "$work/cap.pcap" \
		-Y 'quic && tls.handshake.type == 1' -T fields \
		-e tls.handshake.extensions_server_name \
		-e tls.handshake.extensions_alpn_str 2>/dev/null | sort -u)
	tap_diag "tshark quic: $(tr '\n\t' '; ' <<<"$tshark_quic")"
	qsni=$(awk -F'\t' '$1 == "quic" && $2 == "quic.example.test" \
		{ print $2; exit }' <<<"$probe")
	tap_eq "QUIC v1: SNI decrypted from the Initial" "$qsni" \
		quic.example.test
	tap_eq "QUIC v1: tshark agrees" \
		"$(awk -F'\t' '$1 == "quic.example.test" { print $1; exit }' \
			<<<"$tshark_quic")" quic.example.test
	tap_eq "QUIC v1: ALPN equals tshark's" \
		"$(awk -F'\t' '$2 == "quic.example.test" { print $3; exit }' \
			<<<"$probe")" \
		"$(awk -F'\t' '$1 == "quic.example.test" { print $2; exit }' \
			<<<"$tshark_quic")"
	# QUIC v2 is covered by the RFC 9369 vector in the unit tests:
	# Debian 12's ngtcp2 (0.12) only speaks a v2 draft.
else
	tap_skip "QUIC Initial from gtlsclient" "ngtcp2-client missing"
fi
# The same capture through the whole pipeline: `procwire read` must name
# every flow by the SNI of its (reassembled) hello, as tshark does.
"$PROCWIRE" read --json "$work/cap.pcap" >"$work/flows.jsonl" 2>/dev/null
tap_ok $? "procwire read of the capture exits 0"
hosts_of() {	# hosts_of PROTO: hostnames procwire gave flows of PROTO
	$PYTHON -c '
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["proto"] == sys.argv[2] and f.get("host"):
        print(f["host"], f.get("l7"))
' "$work/flows.jsonl" "$1" | sort -u
}
tcp_hosts=$(hosts_of tcp)
tap_diag "procwire read tcp hosts: $(tr '\n' ';' <<<"$tcp_hosts")"
for sni in seg13.example.com seg12.example.net plain.example.org www.example.com; do
	tap_ok "$(grep -qx "$sni tls" <<<"$tcp_hosts"; echo $?)" \
		"procwire read: $sni flow is tls with that host"
done
if [ $have_quic = 1 ]; then
	tap_ok "$(hosts_of udp | grep -qx 'quic.example.test quic'; echo $?)" \
		"procwire read: QUIC flow is quic with host quic.example.test"
fi
tap_done
