#!/usr/bin/env bash
# ICMP errors in a live capture: an ICMP error reaches no socket, so the
# kernel tap cannot see it; procwire reads them from packet sockets in
# every network namespace and keeps those that quote a target's flow.
#
#  +------ $NS_C -------+  veth  +------ $NS_R (router) -------+  veth   +----- $NS_S ------+
#  | target script:      |-------| forwarding; FORWARD REJECT  |---------| nothing on UDP   |
#  |  TCP, UDP, TTL 1,   |       |  tcp 7101,7201 (icmp port-  | MTU 1280| 7102, 7202: the  |
#  |  big UDPv6, echo,   |       |  unreachable / icmp6 adm-   |         | kernel answers   |
#  |  UDP on lo          |       |  prohibited)                |         | port unreachable |
#  | other app: 7201,7202|       | 10.77.1.254 10.77.2.254     |         | 10.77.2.2        |
#  | 10.77.1.1 fd77:1::1 |       | 10.77.3.254 (late link)     |         | fd77:2::2        |
#  +---------------------+       +-----------------------------+         +------------------+
#  +------ $NS_L (made by the target script after the capture started) --+
#  | 10.77.3.1: UDP to 7102, refused by the server                        |
#  +----------------------------------------------------------------------+
#
# The target gets ICMP port unreachable (IPv4, from the router for TCP and
# from the server for UDP), ICMPv6 administratively prohibited (TCP) and
# port unreachable (UDP), time exceeded (TTL 1) and packet too big (a
# 1400-byte UDPv6 datagram into the 1280-byte link); the echo request
# it sends and the reply are ICMP but no errors. Another application in the same namespace gets
# the same refusals on ports 7201/7202.
#
# Asserted, against tcpdump on the client's link in the same run: the
# capture holds exactly the link's errors that quote the target's flows
# (type, code, the quoted endpoints, how many), each after the packet it
# quotes and with the target's owner comment, none of the other
# application's, no echo, nothing on lo; the error from the namespace made
# after the start is there too; the totals count them; with --loopback the
# error on lo is kept. --cgroup (by path and by id) attaches the packet
# programs to that cgroup and captures its process's datagrams and their
# errors only. Then live procwire audit names the refusals
# icmp-unreachable, and audit --read of its file agrees.
source "$(dirname "$0")/../lib.sh"
need_root "capture of ICMP errors"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null ||
	! command -v socat >/dev/null; then
	tap_skip "capture of ICMP errors" "needs $PROCWIRE, tshark and socat"
	tap_done
	exit 0
fi

work=$(mktemp -d)
chmod 755 "$work"
on_exit "rm -rf $work"
remove_stale_namespaces
up() {
	local links
	netns_new NS_C client || return 1
	netns_new NS_R router || return 1
	netns_new NS_S server || return 1
	links=$(veth_link "$NS_C" 10.77.1.1/24 "$NS_R" 10.77.1.254/24 \
		fd77:1::1/64 fd77:1::fe/64) || return 1
	IF_C=${links% *}
	links=$(veth_link "$NS_R" 10.77.2.254/24 "$NS_S" 10.77.2.2/24 \
		fd77:2::fe/64 fd77:2::2/64) || return 1
	ip -n "$NS_R" link set "${links% *}" mtu 1280 &&
		ip -n "$NS_S" link set "${links#* }" mtu 1280 || return 1
	ip -n "$NS_C" route add default via 10.77.1.254 &&
		ip -n "$NS_C" -6 route add default via fd77:1::fe &&
		ip -n "$NS_S" route add default via 10.77.2.254 &&
		ip -n "$NS_S" -6 route add default via fd77:2::fe || return 1
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1
	# One error per packet, however fast they come.
	for ns in "$NS_R" "$NS_S"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 || return 1
	done
	# Silent receivers: the late namespace's first datagram and a
	# 1400-byte one that the client may already send fragmented (its
	# path MTU learnt) are answered by nobody.
	ip netns exec "$NS_S" socat -u UDP4-RECV:7106 /dev/null &
	on_exit "kill $!"
	ip netns exec "$NS_S" socat -u UDP6-RECV:7104 /dev/null &
	on_exit "kill $!"
	wait_port "$NS_S" udp 7106 && wait_port "$NS_S" udp 7104 || return 1
	ip netns exec "$NS_R" iptables -w -A FORWARD -p tcp -m multiport \
		--dports 7101,7201 -j REJECT \
		--reject-with icmp-port-unreachable &&
	ip netns exec "$NS_R" ip6tables -w -A FORWARD -p tcp -m multiport \
		--dports 7101,7201 -j REJECT --reject-with adm-prohibited
}
up
tap_ok $? "namespaces, routes and the router's rules up"
NS_L=$PW_TAG-late
on_exit "ip netns pids $NS_L | xargs -r kill -9; ip netns del $NS_L"

ip netns exec "$NS_C" tcpdump -i "$IF_C" --immediate-mode -U -s 0 \
	-w "$work/ref.pcap" >"$work/tcpdump.log" 2>&1 &
tcpdump_pid=$!
on_exit "kill $tcpdump_pid"
for ((i = 0; i < 50; i++)); do
	grep -q 'listening on' "$work/tcpdump.log" && break
	sleep 0.1
done

# The target: each refusal once, then from a namespace that did not exist
# when the capture started.
cat >"$work/target.sh" <<'EOF'
c="ip netns exec $NS_C"
$c socat -T 2 /dev/null TCP4:10.77.2.2:7101,connect-timeout=2 2>/dev/null
$c socat -T 2 /dev/null "TCP6:[fd77:2::2]:7101,connect-timeout=2" 2>/dev/null
echo v4 | $c socat -T 1 - UDP4:10.77.2.2:7102 >/dev/null 2>&1
echo v6 | $c socat -T 1 - "UDP6:[fd77:2::2]:7102" >/dev/null 2>&1
echo ttl | $c socat -u - UDP4:10.77.2.2:7103,ttl=1 2>/dev/null
head -c 1400 /dev/zero | $c socat -u - "UDP6:[fd77:2::2]:7104" 2>/dev/null
# An echo request from a raw socket, and its reply: ICMP, but no errors.
$c /usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(1)
s.sendto(bytes.fromhex("0800f7ff00000000"), ("10.77.2.2", 0))
s.recv(100)' 2>/dev/null
echo lo | $c socat -u - UDP4:127.0.0.1:7105 2>/dev/null
sleep 0.2
# A namespace of its own, linked to the router: the first datagram makes
# procwire watch it, the next ones' errors are captured.
ip netns add "$NS_L" &&
	ip link add "$LATE_IF" netns "$NS_L" type veth peer name "$LATE_PEER" \
		netns "$NS_R" &&
	ip -n "$NS_L" link set lo up &&
	ip -n "$NS_L" addr add 10.77.3.1/24 dev "$LATE_IF" &&
	ip -n "$NS_R" addr add 10.77.3.254/24 dev "$LATE_PEER" &&
	ip -n "$NS_L" link set "$LATE_IF" up &&
	ip -n "$NS_R" link set "$LATE_PEER" up &&
	ip -n "$NS_L" route add default via 10.77.3.254 || exit 1
sleep 0.5	# the router's side of the link is up (no DAD for IPv4)
echo first | ip netns exec "$NS_L" socat -u - UDP4:10.77.2.2:7106 2>/dev/null
sleep 0.5
echo late | ip netns exec "$NS_L" socat -T 1 - UDP4:10.77.2.2:7102 \
	>/dev/null 2>&1
exit 0
EOF
# The other application, the same refusals on its own ports.
other_app() {
	local c="ip netns exec $NS_C" i
	for ((i = 0; i < 3; i++)); do
		$c socat -T 1 /dev/null TCP4:10.77.2.2:7201,connect-timeout=1 2>/dev/null
		$c socat -T 1 /dev/null "TCP6:[fd77:2::2]:7201,connect-timeout=1" 2>/dev/null
		echo x | $c socat -T 1 - UDP4:10.77.2.2:7202 >/dev/null 2>&1
		echo x | $c socat -T 1 - "UDP6:[fd77:2::2]:7202" >/dev/null 2>&1
		sleep 0.3
	done
}
export NS_C NS_R NS_L LATE_IF=vl$$a LATE_PEER=vl$$b
other_app &
other=$!
on_exit "kill $other 2>/dev/null"
"$PROCWIRE" capture -w "$work/cap.pcapng" -q -- bash "$work/target.sh" \
	2>"$work/err"
rc=$?
wait "$other"
sleep 0.3
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
sed 's/^/# /' "$work/err"
tap_eq "capture exits 0" $rc 0
tap_check "the late namespace was made" ip netns pids "$NS_L"

# The late namespace's link is not the client's: its errors are checked
# on their own below.
"$PYTHON" "$(dirname "$0")/icmp_compare.py" "$work/cap.pcapng" \
	"$work/ref.pcap" 7101,7102,7103,7104,7106 7201,7202 10.77.3.1 \
	>"$work/compare"
tap_verdicts "$work/compare"

errs() {	# errs FILTER: "type code" of the capture's errors matching it
	tshark 2>/dev/null -r "$work/cap.pcapng" -Y "$1" -T fields \
		-e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code |
		tr -s '\t' ' ' | sed 's/^ //; s/ $//'
}
tap_eq "TCP refused: icmp port unreachable (router)" \
	"$(errs 'icmp && tcp.dstport == 7101')" "3 3"
tap_eq "TCP over IPv6 refused: icmp6 administratively prohibited" \
	"$(errs 'icmpv6 && tcp.dstport == 7101')" "1 1"
tap_eq "UDP refused: icmp port unreachable (server)" \
	"$(errs 'icmp && udp.dstport == 7102 && ip.dst == 10.77.1.1')" "3 3"
tap_eq "UDP over IPv6 refused: icmp6 port unreachable" \
	"$(errs 'icmpv6 && udp.dstport == 7102')" "1 4"
tap_eq "TTL 1: time exceeded in transit" \
	"$(errs 'icmp && udp.dstport == 7103')" "11 0"
tap_eq "1400 bytes into a 1280-byte link: packet too big" \
	"$(errs 'icmpv6 && udp.dstport == 7104')" "2 0"
tap_eq "the late namespace's refusal is captured" \
	"$(errs 'icmp && udp.dstport == 7102 && ip.dst == 10.77.3.1')" "3 3"
echo_filter='icmp.type == 8 || icmp.type == 0'
tap_eq "the echo request and reply are on the link, not in the capture" \
	"$(tshark 2>/dev/null -r "$work/ref.pcap" -Y "$echo_filter" | wc -l):$(
	   tshark 2>/dev/null -r "$work/cap.pcapng" -Y "$echo_filter" | wc -l)" "2:0"
tap_eq "nothing on lo without --loopback" \
	"$(tshark 2>/dev/null -r "$work/cap.pcapng" -Y 'ip.addr == 127.0.0.1' | wc -l)" 0
grep -Eq "ICMP errors: 7 of the targets' flows, [0-9]+ of others" "$work/err"
tap_ok $? "the totals count the 7 errors of the targets' flows"
# Read and dropped: the other application's, and those crossing the
# router's namespace (watched too), whatever flow they quote.
others=$(sed -n "s/.*flows, \([0-9]*\) of others left out.*/\1/p" "$work/err")
tap_check "errors of other flows are counted as left out ($others)" \
	test "${others:-0}" -gt 0

# --- loopback ------------------------------------------------------------
# With --loopback the port unreachable on lo is the target's too.
echo lo | "$PROCWIRE" capture --loopback -w "$work/lo.pcapng" -q -- \
	ip netns exec "$NS_C" socat -u - UDP4:127.0.0.1:7105 \
	2>"$work/lo.err"
tap_eq "--loopback: a UDP datagram to a closed port on lo and its port unreachable" \
	"$(tshark 2>/dev/null -r "$work/lo.pcapng" -T fields -e udp.dstport \
		-e icmp.type -e icmp.code | tr '\t' ' ' | paste -sd/)" \
	"7105  /7105 3 3"

# --- --cgroup --------------------------------------------------------------
# A cgroup of the test's own: the packet programs attach there (not at the
# root), its process's datagrams and their errors are captured, by path
# and by numeric id.
cgview=$work/cgview
mkdir -p "$cgview"
mount -t cgroup2 none "$cgview" && on_exit "umount $cgview"
cg=$PW_TAG-cg
mkdir "$cgview/$cg" && on_exit "rmdir $cgview/$cg"
cg_case() {	# cg_case NAME SPEC
	local name=$1 spec=$2 i
	"$PROCWIRE" capture -q -w "$work/$name.pcapng" --cgroup "$spec" -d 4 \
		2>"$work/$name.err" &
	local cap=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'writing to' "$work/$name.err" && break
		sleep 0.05
	done
	bpftool cgroup show "$cgview/$cg" >"$work/$name.progs" 2>&1
	bash -c "echo \$\$ >$cgview/$cg/cgroup.procs
		for i in 1 2 3; do
			echo c\$i | ip netns exec $NS_C socat -u - UDP4:10.77.2.2:7102
			sleep 0.2
		done" 2>/dev/null
	echo x | ip netns exec "$NS_C" socat -u - UDP4:10.77.2.2:7202 2>/dev/null
	wait "$cap"
	tap_eq "--cgroup $name: the packet programs sit on the cgroup" \
		"$(grep -oE 'pw_pkt_(egress|ingress)' "$work/$name.progs" | sort | paste -sd' ')" \
		"pw_pkt_egress pw_pkt_ingress"
	tap_eq "--cgroup $name: its 3 datagrams and their 3 port unreachables, nothing else" \
		"$(tshark 2>/dev/null -r "$work/$name.pcapng" -T fields \
			-e udp.dstport -e icmp.type | sort | uniq -c |
			awk '{ print $1 "x" $2 "/" $3 }' | paste -sd' ')" \
		"3x7102/ 3x7102/3"
}
cg_case path "/$cg"
cg_case id "$(stat -c %i "$cgview/$cg")"

# --- live audit ------------------------------------------------------------
ip netns del "$NS_L"
other_app &
other=$!
"$PROCWIRE" audit --json -w "$work/audit.pcapng" -- bash "$work/target.sh" \
	>"$work/audit.jsonl" 2>"$work/audit.err"
rc=$?
wait "$other"
sed 's/^/# /' "$work/audit.err"
tap_eq "live audit exits 3 (connections failed)" $rc 3
cat >"$work/expect" <<'EOF2'
# proto dport host verdict stage detail-prefix
tcp 7101 * icmp-unreachable handshake
udp 7102 * icmp-unreachable -
udp 7103 * ok -
udp 7104 * ok -
udp 7106 * ok -
EOF2
"$PYTHON" "$(dirname "$0")/audit_expect.py" "$work/audit.pcapng" \
	"$work/audit.jsonl" "$work/expect" >"$work/check" 2>&1
rc=$?
sed 's/^/# /' "$work/check"
tap_ok $rc "live audit: TCP and UDP refusals (IPv4, IPv6, the late namespace) are icmp-unreachable, evidence frames agree with tshark"
tap_eq "live audit: 5 connections icmp-unreachable" \
	"$(grep -c '"verdict":"icmp-unreachable"' "$work/audit.jsonl")" 5
tap_eq "live audit: no connection of the other application judged" \
	"$(grep -cE '"dport":(7201|7202)[,}]' "$work/audit.jsonl")" 0
"$PROCWIRE" audit --json --read "$work/audit.pcapng" >"$work/read.jsonl" \
	2>/dev/null
tap_eq "audit --read of the live file gives the same verdicts" \
	"$(cut -d, -f2- "$work/read.jsonl" | sort | md5sum)" \
	"$(cut -d, -f2- "$work/audit.jsonl" | sort | md5sum)"
tap_done
