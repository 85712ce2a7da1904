#!/usr/bin/env bash
# Crafted packets of every protocol the l7 detectors know (scapy, written
# to a pcap) are run through pw-l7probe: each must give exactly the
# expected payload type, protocol, host and detail; near misses must stay
# unknown. Where tshark has a dissector (WireGuard, STUN, BitTorrent DHT,
# BitTorrent, uTP, XMPP, DNS, mDNS, LLMNR, NTP, DHCP, SNMP, SSDP, NetBIOS)
# its dissection of the same file must agree with ours. No network.
source "$(dirname "$0")/../lib.sh"

PROBE=$PW_BUILD/tests/unit/l7/detect/pw-l7probe
if [ ! -x "$PROBE" ]; then
	tap_ok 1 "pw-l7probe built at $PROBE"
	tap_done
	exit 1
fi
work=$(mktemp -d)
on_exit "rm -rf $work"
[ -n "${PW_L7_KEEP:-}" ] && on_exit "cp -r $work $PW_L7_KEEP"

# --- craft ----------------------------------------------------------
"$PYTHON" - "$work/crafted.pcap" "$work/expect.tsv" <<'PY' 2>"$work/gen.err"
import struct, sys
from scapy.all import (IP, IPv6, UDP, TCP, ICMP, Raw, DNS, DNSQR, DNSRR,
                       Ether, wrpcap, NTP, BOOTP, DHCP, SNMP, SNMPget,
                       SNMPvarbind, ASN1_OID, LLMNRQuery)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

pkts, expect = [], []
def add(l4, payload, want, src='10.9.0.1', dst='10.9.0.2'):
    pkts.append(Ether() / IP(src=src, dst=dst) / l4 / Raw(load=payload)
                if payload is not None else Ether() / IP(src=src, dst=dst) / l4)
    expect.append(want)
def udp(s, d): return UDP(sport=s, dport=d)
# distinct sequence numbers so tshark sees no retransmissions
def tcp(s, d):
    tcp.seq += 10000
    return TCP(sport=s, dport=d, flags='PA', seq=tcp.seq, ack=1)
tcp.seq = 0
U = 'unknown'

# WireGuard (tshark: -d udp.port==51820,wg)
def wg(t, n, a=0x11223344, b=0x55667788):
    h = bytes([t, 0, 0, 0]) + struct.pack('<I', a)
    h += struct.pack('<Q', 5) if t == 4 else struct.pack('<I', b)
    return h + bytes((i * 37 + 11) & 255 for i in range(n - len(h)))
add(udp(40000, 51820), wg(1, 148), ('wireguard_initiation', 'wireguard', '', 'sender 0x11223344'))
add(udp(51820, 40000), wg(2, 92), ('wireguard_response', 'wireguard', '', 'sender 0x11223344 receiver 0x55667788'))
add(udp(51820, 40000), wg(3, 64), ('wireguard_cookie', 'wireguard', '', 'receiver 0x11223344'))
add(udp(40000, 51820), wg(4, 32), ('wireguard_keepalive', 'wireguard', '', 'receiver 0x11223344 counter 5'))
add(udp(40000, 51820), wg(4, 96), ('wireguard_data', 'wireguard', '', 'receiver 0x11223344 counter 5'))
add(udp(40000, 51820), wg(1, 147), (U, U, '', ''))              # near miss
# STUN
stun_req = struct.pack('>HHI', 1, 8, 0x2112a442) + b'abcdefghijkl' + struct.pack('>HH', 0x8022, 4) + b'test'
stun_ok = struct.pack('>HHI', 0x101, 12, 0x2112a442) + b'abcdefghijkl' + struct.pack('>HHII', 0x20, 8, 0x0001a147, 0xe112a643)
add(udp(40000, 3478), stun_req, ('stun', 'stun', '', 'Binding request'))
add(udp(3478, 40000), stun_ok, ('stun', 'stun', '', 'Binding success'))
add(udp(40000, 3478), stun_req[:4] + b'\x21\x12\xa4\x43' + stun_req[8:], (U, U, '', ''))
# Discord IP discovery (no tshark dissector)
add(udp(40000, 50001), struct.pack('>HHI', 1, 70, 0x01020304) + bytes(66), ('discord_ip_discovery', 'discord', '', 'ssrc 16909060'))
# DHT (tshark: -d udp.port==6881,bt-dht)
add(udp(6881, 6881), b'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe', ('dht', 'dht', '', 'query'))
add(udp(6881, 6881), b'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re', ('dht', 'dht', '', 'response'))
# BitTorrent handshake over TCP and uTP
hs = b'\x13BitTorrent protocol' + bytes(5) + b'\x10\x00\x00' + bytes(range(20)) + b'-TR4060-abcdefghijkl'
ih = 'info_hash ' + bytes(range(20)).hex()
add(tcp(40000, 6881), hs, ('bt_handshake', 'bt', '', ih))
utp = struct.pack('>BBHIIIHH', 0x01, 0, 0x3039, 0x11111111, 0, 0x100000, 2, 1)
add(udp(6882, 6882), utp + hs, ('utp_bt_handshake', 'utp_bt', '', ih))
# XMPP
add(tcp(40000, 5222), b"<?xml version='1.0'?><stream:stream to='Jabber.Example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>", ('xmpp_stream', 'xmpp', 'jabber.example', ''))
add(tcp(5222, 40000), b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>", ('xmpp_features', 'xmpp', '', ''))
add(tcp(40000, 5222), b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", ('xmpp_starttls', 'xmpp', '', ''))
add(tcp(5222, 40000), b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", ('xmpp_proceed', 'xmpp', '', ''))
# MTProto obfuscated2 initial (no tshark dissector)
init = bytearray((i * 73 + 29) & 255 for i in range(64))
init[0] = 0x5a
init[56:60] = b'\xee\xee\xee\xee'
init[60:62] = struct.pack('<h', 4)
enc = Cipher(algorithms.AES(bytes(init[8:40])), modes.CTR(bytes(init[40:56]))).encryptor().update(bytes(init))
add(tcp(40000, 443), bytes(init[:56]) + enc[56:], ('mtproto_initial', 'mtproto', '', 'intermediate dc 4'))
add(tcp(40000, 443), bytes(init[:56]) + enc[56:60] + bytes([enc[60] ^ 1]) + enc[61:], ('mtproto_initial', 'mtproto', '', 'intermediate dc 5'))
add(tcp(40000, 443), bytes(init[:20]) + b'\x00' + bytes(init[21:56]) + enc[56:], (U, U, '', ''))
# DNS with a CNAME chain (scapy compresses names)
q = DNS(id=1, rd=1, qd=DNSQR(qname='Alias.Example.com', qtype='A'))
r = DNS(id=1, qr=1, rd=1, ra=1, qd=DNSQR(qname='alias.example.com', qtype='A'),
        an=DNSRR(rrname='alias.example.com', type='CNAME', rdata='www.example.com') /
           DNSRR(rrname='www.example.com', type='A', rdata='192.0.2.10') /
           DNSRR(rrname='www.example.com', type='A', rdata='192.0.2.11'))
add(udp(40001, 53), bytes(q), ('dns_query', 'dns', 'alias.example.com', 'A'))
add(udp(53, 40001), bytes(r), ('dns_response', 'dns', 'alias.example.com', 'A NOERROR an=3'))
# mDNS, LLMNR
add(udp(5353, 5353), bytes(DNS(id=0, rd=0, qd=DNSQR(qname='_ipp._tcp.local', qtype='PTR') / DNSQR(qname='printer.local', qtype='A'))), (U, 'mdns', '', 'query _ipp._tcp.local,printer.local'))
add(udp(5353, 5353), bytes(DNS(id=0, qr=1, aa=1, rd=0, qd=None, an=DNSRR(rrname='printer.local', type='A', rdata='192.168.1.5', ttl=120))), (U, 'mdns', '', 'response printer.local'))
add(udp(50000, 5355), bytes(LLMNRQuery(id=0x4242, qd=DNSQR(qname='fileserver', qtype='AAAA'))), (U, 'llmnr', '', 'query fileserver'))
# NTP, DHCP, SNMP, SSDP, NetBIOS
add(udp(40000, 123), bytes(NTP(version=4, mode=3, stratum=0)), (U, 'ntp', '', 'v4 client stratum 0'))
add(udp(123, 40000), bytes(NTP(version=3, mode=4, stratum=2)), (U, 'ntp', '', 'v3 server stratum 2'))
add(udp(68, 67), bytes(BOOTP(chaddr=b'\x02\x42\xac\x11\x00\x02', xid=0x3903f326) / DHCP(options=[('message-type', 'request'), ('hostname', b'mybox'), 'end'])), (U, 'dhcp', '', 'REQUEST hostname mybox'))
add(udp(40000, 161), bytes(SNMP(community='public', PDU=SNMPget(varbindlist=[SNMPvarbind(oid=ASN1_OID('1.3.6.1.2.1.1.1.0'))]))), (U, 'snmp', '', 'v2c get-request'))
add(udp(40000, 1900), b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n', (U, 'ssdp', '', 'M-SEARCH ST=ssdp:all'))
def nb(name, suffix):
    raw = name.encode().ljust(15) + bytes([suffix])
    return b'\x20' + bytes(c for x in raw for c in (65 + (x >> 4), 65 + (x & 15))) + b'\x00'
add(udp(137, 137), struct.pack('>HHHHHH', 0x8001, 0x0110, 1, 0, 0, 0) + nb('WORKGROUP', 0x1d) + struct.pack('>HH', 0x20, 1), (U, 'netbios', '', 'query WORKGROUP<1d>'))
add(udp(138, 138), struct.pack('>BBHIHHH', 0x11, 0x02, 0x1234, 0x0a090001, 138, 90, 0) + nb('HOST1', 0) + nb('WORKGROUP', 0x1e) + b'\xffSMB%', (U, 'netbios', '', 'direct_group HOST1<00> -> WORKGROUP<1e>'))
# HTTP, SSH over TCP
add(tcp(40002, 80), b'GET /x HTTP/1.1\r\nHost: WWW.Example.com:8080\r\nAccept: */*\r\n\r\n', ('http_req', 'http', 'www.example.com', 'GET /x'))
add(tcp(80, 40002), b'HTTP/1.1 301 Moved Permanently\r\nLocation: /y\r\n\r\n', ('http_reply', 'http', '', '301 Moved Permanently'))
add(tcp(22, 40003), b'SSH-2.0-dropbear_2022.83\r\n', (U, 'ssh', '', 'SSH-2.0-dropbear_2022.83'))
# ICMP: an error quoting a UDP packet, and an echo; an empty TCP ACK
add(ICMP(type=3, code=3) / IP(src='10.9.0.2', dst='10.9.0.1') / UDP(sport=1, dport=2), None, ('ipv4', U, '', ''))
add(ICMP(type=8) / Raw(load=b'\x45' + bytes(40)), None, ('icmp', U, '', ''))
add(TCP(sport=40000, dport=80, flags='A'), None, ('empty', U, '', ''))

wrpcap(sys.argv[1], pkts)
with open(sys.argv[2], 'w') as f:
    for i, w in enumerate(expect, 1):
        f.write('%d\t%s\n' % (i, '\t'.join(w)))
PY
tap_ok $? "crafted capture written"
[ -s "$work/gen.err" ] && sed 's/^/# gen: /' "$work/gen.err"

"$PROBE" "$work/crafted.pcap" >"$work/probe.tsv" 2>"$work/probe.err"
tap_ok $? "pw-l7probe reads the crafted capture"
cut -f1-5 "$work/probe.tsv" >"$work/got.tsv"
diff "$work/expect.tsv" "$work/got.tsv" >"$work/diff"
rc=$?
sed 's/^/# /' "$work/diff"
tap_ok $rc "every crafted packet gives exactly the expected result"
tap_eq "answers of the CNAME response" \
	"$(awk -F'\t' '$2 == "dns_response" {print $6}' "$work/probe.tsv")" \
	"alias.example.com=192.0.2.10,alias.example.com=192.0.2.11"

# --- tshark cross-checks ------------------------------------------------
if ! command -v tshark >/dev/null; then
	tap_skip "tshark agrees" "tshark not installed"
	tap_done
	exit
fi
tshark -r "$work/crafted.pcap" -n -o tcp.desegment_tcp_streams:FALSE \
	-d udp.port==51820,wg -d udp.port==6881,bt-dht \
	-d tcp.port==6881,bittorrent -d udp.port==6882,bt-utp \
	-T fields -E separator=/t -E occurrence=f \
	-e frame.number -e wg.type -e wg.sender -e stun.type.class \
	-e bt-dht -e bittorrent.info_hash -e bt-utp.type -e xmpp.stream \
	-e xmpp.features -e xmpp.starttls -e xmpp.proceed \
	-e dns.qry.name -e ntp.flags.mode -e dhcp.option.hostname \
	-e snmp.version -e nbns.name -e nbdgm.source_name -e frame.protocols \
	>"$work/tshark.tsv" 2>"$work/tshark.err"
tap_ok $? "tshark reads the crafted capture"

"$PYTHON" - "$work/probe.tsv" "$work/tshark.tsv" >"$work/cmp" <<'PY'
import sys
probe = {int(l.split('\t')[0]): l.rstrip('\n').split('\t')[1:]
         for l in open(sys.argv[1])}
bad = 0
seen = {}
def check(cond, num, what):
    global bad
    seen[what] = seen.get(what, 0) + 1
    if not cond:
        bad += 1
        print('frame %d: %s: probe %s' % (num, what, probe[num]))
WG = {'1': 'wireguard_initiation', '2': 'wireguard_response',
      '3': 'wireguard_cookie'}
# tshark shows the class as the two class bits, C1 C0, in hex digits
STUN = {'0x0000': 'request', '0x0001': 'indication', '0x0010': 'success',
        '0x0011': 'error'}
for l in open(sys.argv[2]):
    f = l.rstrip('\n').split('\t')
    f += [''] * (19 - len(f))
    num = int(f[0])
    (wgt, wgs, stc, dht, ih, utp, xs, xf, xst, xp, qn, ntpm, dh, snv,
     nbn, nbs, protos) = f[1:18]
    pl, proto, host, detail = (probe[num] + [''] * 4)[:4]
    layers = protos.split(':')
    if wgt:
        want = WG.get(wgt) or ('wireguard_keepalive' if detail.endswith('counter 5') and pl == 'wireguard_keepalive' else 'wireguard_data')
        check(pl == want, num, 'wg type')
        if wgs:
            check(('sender 0x%08x' % int(wgs, 16)) in detail, num, 'wg sender')
    if stc:
        check(pl == 'stun' and detail.endswith(STUN.get(stc, '?')), num, 'stun class')
    if 'bt-dht' in layers:
        check(pl == 'dht', num, 'bt-dht')
    if ih:
        check(detail == 'info_hash ' + ih.replace(':', ''), num, 'info hash')
    if utp:
        check(pl == 'utp_bt_handshake' and utp == '0', num, 'utp st_data')
    if xs: check(pl == 'xmpp_stream', num, 'xmpp stream')
    if xf: check(pl == 'xmpp_features', num, 'xmpp features')
    if xst: check(pl == 'xmpp_starttls', num, 'xmpp starttls')
    if xp: check(pl == 'xmpp_proceed', num, 'xmpp proceed')
    if qn and 'mdns' in layers:
        check(proto == 'mdns' and qn.lower() in detail, num, 'mdns name')
    elif qn and 'llmnr' in layers:
        check(proto == 'llmnr' and qn.lower() in detail, num, 'llmnr name')
    elif qn and 'nbns' not in layers:
        check(host == qn.lower(), num, 'dns name')
    if ntpm:
        check(proto == 'ntp', num, 'ntp')
    if dh:
        check(proto == 'dhcp' and detail.endswith('hostname ' + dh), num, 'dhcp hostname')
    if snv:
        check(proto == 'snmp' and detail.startswith({'0': 'v1', '1': 'v2c', '3': 'v3'}[snv]), num, 'snmp version')
    if 'ssdp' in layers:
        check(proto == 'ssdp', num, 'ssdp')
    if nbn:
        check(proto == 'netbios' and detail.endswith(nbn.split(' ')[0]), num, 'nbns name')
    if nbs:
        check(proto == 'netbios' and (' ' + nbs.split(' ')[0] + ' ') in detail, num, 'nbdgm source')
    if 'ssh' in layers:
        check(proto == 'ssh', num, 'ssh')
for k in sorted(seen):
    print('SEEN %s %d' % (k, seen[k]))
print('MISMATCHES %d' % bad)
PY
sed 's/^/# /' "$work/cmp"
tap_eq "tshark agrees on every dissected packet" \
	"$(grep '^MISMATCHES' "$work/cmp")" "MISMATCHES 0"
tap_eq "tshark dissected the protocols it knows" \
	"$(grep -c '^SEEN' "$work/cmp")" 20
tap_done
