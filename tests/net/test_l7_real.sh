#!/usr/bin/env bash
# Real peers in two namespaces; the l7 detectors, fed with the payloads of
# a capture of their traffic, must agree with tshark's dissection.
#
#    +----------- $NS_C -----------+        +----------- $NS_S ------------+
#    | curl (HTTP, v4 and v6)      |  veth  | python3 http.server :80      |
#    | dig, getaddrinfo -> dnsmasq |--------| dnsmasq :53 (*.l7.test,     |
#    | ssh (banner exchange)       |        |   alias.l7.test CNAME)       |
#    | chronyd -Q (one NTP query)  |        | sshd :22, chronyd :123       |
#    | tcpdump -w on the veth      |        |                              |
#    | 10.78.0.1/24  fd78::1/64    |        | 10.78.0.2/24  fd78::2/64     |
#    +-----------------------------+        +------------------------------+
#
# Checked per packet (pw-l7probe vs tshark, TCP reassembly off):
#   http.request  <-> http_req, host = http.host without port/brackets
#   http.response <-> http_reply
#   dns query/response <-> dns_query/dns_response, host = dns.qry.name,
#                   answers = dns.a/dns.aaaa, all named after the question
#   ssh.protocol  <-> proto ssh, detail = ssh.protocol
#   ntp           <-> proto ntp, detail mode = ntp.flags.mode
source "$(dirname "$0")/../lib.sh"
need_root "l7 detection on real traffic"

PROBE=$PW_BUILD/tests/unit/l7/detect/pw-l7probe
for tool in tcpdump tshark dnsmasq dig curl sshd ssh chronyd; do
	if ! command -v "$tool" >/dev/null; then
		tap_skip "l7 detection on real traffic" "$tool not installed"
		tap_done
		exit 0
	fi
done
if [ ! -x "$PROBE" ]; then
	tap_ok 1 "pw-l7probe built at $PROBE"
	tap_done
	exit 1
fi

work=$(mktemp -d)
on_exit "rm -rf $work"
remove_stale_namespaces
netns_new NS_C l7c && netns_new NS_S l7s
tap_ok $? "namespaces created"
links=$(veth_link "$NS_C" 10.78.0.1/24 "$NS_S" 10.78.0.2/24 \
	fd78::1/64 fd78::2/64)
tap_ok $? "veth link"
IF_C=${links% *}
mkdir -p "/etc/netns/$NS_C"
on_exit "rm -rf /etc/netns/$NS_C"
echo "nameserver 10.78.0.2" >"/etc/netns/$NS_C/resolv.conf"
echo "127.0.0.1 localhost" >"/etc/netns/$NS_C/hosts"

S="ip netns exec $NS_S"
C="ip netns exec $NS_C"

# --- servers ---------------------------------------------------------
$S dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.78.0.2 --listen-address=fd78::2 \
	--host-record=www.l7.test,10.78.0.2,fd78::2 \
	--cname=alias.l7.test,www.l7.test \
	--pid-file= --user=root >"$work/dnsmasq.log" 2>&1 &
on_exit "kill $!"
mkdir -p "$work/www" && echo "l7 test page" >"$work/www/index.html"
(cd "$work/www" && exec $S "$PYTHON" -m http.server --bind :: 80 \
	>"$work/http.log" 2>&1) &
on_exit "kill $!"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey" >/dev/null
mkdir -p /run/sshd
cat >"$work/sshd_config" <<CONF
ListenAddress 10.78.0.2
Port 22
HostKey $work/hostkey
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
CONF
$S /usr/sbin/sshd -D -e -f "$work/sshd_config" >"$work/sshd.log" 2>&1 &
on_exit "kill $!"
cat >"$work/chrony-server.conf" <<CONF
local stratum 8
allow 10.78.0.0/24
bindaddress 10.78.0.2
port 123
cmdport 0
pidfile $work/chrony-server.pid
driftfile $work/chrony-server.drift
CONF
$S chronyd -d -x -f "$work/chrony-server.conf" >"$work/chronyd.log" 2>&1 &
on_exit "kill $!"
wait_port "$NS_S" udp 53 && wait_port "$NS_S" tcp 80 &&
	wait_port "$NS_S" tcp 22 && wait_port "$NS_S" udp 123
tap_ok $? "servers listening (dns, http, ssh, ntp)"

# --- recorded client traffic ----------------------------------------
$C tcpdump -i "$IF_C" -U --immediate-mode -n -s 0 -w "$work/real.pcap" \
	>"$work/tcpdump.log" 2>&1 &
tcpdump_pid=$!
on_exit "kill $tcpdump_pid"
for ((i = 0; i < 50; i++)); do
	grep -q "listening on" "$work/tcpdump.log" && break
	sleep 0.1
done

$C curl -sS -m 5 -o /dev/null http://www.l7.test/
tap_ok $? "curl by name (resolver + HTTP)"
$C curl -sS -m 5 -o /dev/null -H "Host: Other.L7.test:8080" \
	http://10.78.0.2/index.html
tap_ok $? "curl with an explicit Host header and port"
$C curl -sS -m 5 -o /dev/null "http://[fd78::2]/"
tap_ok $? "curl to an IPv6 literal"
$C dig +short +time=2 +tries=1 @10.78.0.2 alias.l7.test A >"$work/dig.txt"
tap_eq "dig through a CNAME" "$(tr '\n' ' ' <"$work/dig.txt")" \
	"www.l7.test. 10.78.0.2 "
$C dig +short +time=2 +tries=1 @fd78::2 www.l7.test AAAA >/dev/null
tap_ok $? "dig AAAA over IPv6"
$C timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 \
	nobody@10.78.0.2 true >"$work/ssh.log" 2>&1
grep -q "Permission denied" "$work/ssh.log"
tap_ok $? "ssh banner exchange (authentication refused as expected)"
$C timeout 15 chronyd -Q -x "server 10.78.0.2 iburst maxsamples 1" \
	"pidfile $work/chrony-client.pid" >"$work/chrony-client.log" 2>&1
grep -q "System clock wrong" "$work/chrony-client.log"; rc=$?
[ $rc -eq 0 ] || sed "s/^/# chrony: /" "$work/chrony-client.log"
tap_ok $rc "chronyd -Q got an NTP answer"

sleep 0.5
kill -INT $tcpdump_pid
wait $tcpdump_pid 2>/dev/null

# --- compare ---------------------------------------------------------
"$PROBE" "$work/real.pcap" >"$work/probe.tsv" 2>"$work/probe.err"
tap_ok $? "pw-l7probe reads the capture"
tshark -r "$work/real.pcap" -n -o tcp.desegment_tcp_streams:FALSE \
	-T fields -E separator=/t -E occurrence=a -E aggregator=, \
	-e frame.number -e http.request -e http.host -e http.response \
	-e dns.flags.response -e dns.qry.name -e dns.a -e dns.aaaa \
	-e ssh.protocol -e ntp.flags.mode \
	>"$work/tshark.tsv" 2>"$work/tshark.err"
tap_ok $? "tshark reads the capture"

"$PYTHON" - "$work/probe.tsv" "$work/tshark.tsv" >"$work/cmp" 2>&1 <<'PY'
import sys

probe = {}
for line in open(sys.argv[1]):
    f = line.rstrip('\n').split('\t')
    probe[int(f[0])] = f[1:] + [''] * (6 - len(f))
shark = {}
for line in open(sys.argv[2]):
    f = line.rstrip('\n').split('\t')
    shark[int(f[0])] = f[1:] + [''] * (10 - len(f))

def host_of(h):
    h = h.split(',')[0]
    if h.startswith('['):
        return h[1:h.index(']')].lower()
    return h.split(':')[0].lower()

MODES = {'1': 'symmetric_active', '2': 'symmetric_passive', '3': 'client',
         '4': 'server', '5': 'broadcast', '6': 'control', '7': 'private'}
bad = 0
count = {}
def check(cond, num, what):
    global bad
    if not cond:
        bad += 1
        print('frame %d: %s: probe %s tshark %s' % (num, what, probe[num],
                                                    shark.get(num)))

for num in sorted(probe):
    payload, proto, host, detail, answers = probe[num][:5]
    (req, hhost, resp, dresp, qname, a4, a6, sshp,
     ntpmode) = shark.get(num, [''] * 10)[:9]
    kind = None
    if req:
        kind = 'http_req'
        check(payload == 'http_req', num, 'http request')
        check(host == host_of(hhost), num, 'http host')
    elif resp:
        kind = 'http_reply'
        check(payload == 'http_reply', num, 'http reply')
    elif qname and dresp:
        kind = 'dns_query' if dresp in ('0', 'False') else 'dns_response'
        check(payload == kind, num, 'dns kind')
        check(host == qname.split(',')[0].lower(), num, 'dns name')
        if kind == 'dns_response':
            want = set(x for x in (a4.split(',') + a6.split(',')) if x)
            got = set(p.split('=')[1] for p in answers.split(',') if p)
            names = set(p.split('=')[0] for p in answers.split(',') if p)
            check(got == want, num, 'dns answers')
            check(not names or names == {host}, num, 'answer names')
    elif sshp:
        kind = 'ssh'
        check(proto == 'ssh' and detail == sshp, num, 'ssh banner')
    elif ntpmode:
        kind = 'ntp'
        check(proto == 'ntp' and
              detail.split(' ')[1:2] == [MODES.get(ntpmode, '?')],
              num, 'ntp mode')
    else:
        # tshark saw none of these: we must not claim them either
        check(payload not in ('http_req', 'http_reply', 'dns_query',
                              'dns_response') and
              proto not in ('ssh', 'ntp'), num, 'false positive')
    if kind:
        count[kind] = count.get(kind, 0) + 1
for k in sorted(count):
    print('COUNT %s %d' % (k, count[k]))
print('MISMATCHES %d' % bad)
PY
sed 's/^/# /' "$work/cmp"
tap_eq "every packet agrees with tshark" \
	"$(grep '^MISMATCHES' "$work/cmp")" "MISMATCHES 0"
tap_eq "http requests seen" "$(grep '^COUNT http_req ' "$work/cmp")" \
	"COUNT http_req 3"
tap_eq "http replies seen" "$(grep '^COUNT http_reply ' "$work/cmp")" \
	"COUNT http_reply 3"
tap_eq "ssh banners seen" "$(grep '^COUNT ssh ' "$work/cmp")" \
	"COUNT ssh 2"
grep -q '^COUNT ntp [1-9]' "$work/cmp"
tap_ok $? "ntp packets seen"
grep -q '^COUNT dns_response [1-9]' "$work/cmp"
tap_ok $? "dns responses seen"

# exact values from our side
tap_eq "host of the explicit Host header" \
	"$(awk -F'\t' '$2 == "http_req" {print $4}' "$work/probe.tsv" |
	   sort | tr '\n' ' ')" "fd78::2 other.l7.test www.l7.test "
tap_eq "CNAME answer labelled with the question" \
	"$(awk -F'\t' '$2 == "dns_response" && $4 == "alias.l7.test" &&
	   $6 != "" {print $6}' "$work/probe.tsv")" \
	"alias.l7.test=10.78.0.2"
[ -n "${PW_L7_KEEP:-}" ] && cp -r "$work" "$PW_L7_KEEP"
tap_done
