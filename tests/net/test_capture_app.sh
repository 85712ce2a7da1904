#!/usr/bin/env bash
# procwire capture -- CMD against a tcpdump of the client's link: every
# packet of the command (curl, dig, curl) with its owner, nothing of a
# second application running at the same time in the same namespace.
#
#    +------------- $NS_C -------------+        +------------- $NS_S ----------+
#    | target: sh -> curl https, dig,  |  veth  | openssl s_server :443        |
#    |         curl http (ephemeral    |--------| python3 http.server :80      |
#    |         ports 50000-59999)      |        | dnsmasq :53                  |
#    | other:  curl loop, local ports  |        | 10.77.0.2/24  fd77::2/64     |
#    |         40000-40999             |        +------------------------------+
#    | 10.77.0.1/24  tcpdump on $IF_C  |
#    +---------------------------------+
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topology.sh"

need_root "capture app"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null; then
	tap_skip "capture app" "needs $PROCWIRE and tshark"
	tap_done
	exit 0
fi
: "${PYTHON:=/usr/bin/python3}"
work=$(mktemp -d /tmp/pw-capture-XXXXXX)
chmod 755 "$work"
on_exit "rm -rf $work"
topology_up "$work" || { tap_ok 1 "topology up"; tap_done; exit 1; }
ip netns exec "$NS_C" sysctl -qw net.ipv4.ip_local_port_range="50000 59999"

# Checks of what is left behind: our cgroup (seen through our own cgroup2
# mount) and the programs procwire held (listed by the command itself).
cgview=$work/cgview
mkdir -p "$cgview"
mount -t cgroup2 none "$cgview" && on_exit "umount $cgview"

record_start "$work/ref.pcap" || { tap_ok 1 "tcpdump started"; tap_done; exit 1; }

# The other application: a bounded curl loop from fixed local ports.
(
	for ((i = 0; i < 40; i++)); do
		ip netns exec "$NS_C" curl -s --max-time 2 -o /dev/null \
			--local-port 40000-40999 "http://$DEMO_ADDR4/index.html"
		sleep 0.05
	done
) &
other=$!
on_exit "kill $other 2>/dev/null"
sleep 0.3

target='curl -sS -6 -k --max-time 5 -o /dev/null https://www.demo.test/index.html
dig +time=2 +tries=1 api.demo.test A >/dev/null
curl -sS -4 --max-time 5 -o /dev/null http://www.demo.test/index.html
awk "/^prog_id:/ { print \$2 }" /proc/$PPID/fdinfo/* | sort -u >'"$work"'/progs
cat /proc/self/cgroup >'"$work"'/cgroup.seen 2>/dev/null
bpftool cgroup show '"$cgview"'$(sed -n "s/^0:://p" /proc/self/cgroup) >'"$work"'/cgprogs 2>&1
true'
"$PROCWIRE" capture -w "$work/cap.pcapng" -j -- \
	ip netns exec "$NS_C" sh -c "$target" >"$work/summary.json" \
	2>"$work/err"
tap_eq "capture exits 0" $? 0
wait "$other"
record_stop

tshark -r "$work/cap.pcapng" >/dev/null 2>"$work/tshark.err"
sed -i '/^Running as user "root"/d' "$work/tshark.err"
tap_eq "tshark reads the file without error" "$?:$(cat "$work/tshark.err")" "0:"

while read -r verdict rest; do
	tap_eq "$rest" "$verdict" ok
done < <("$PYTHON" "$(dirname "$0")/capture_compare.py" "$work/cap.pcapng" \
	"$work/ref.pcap" 40000 40999)

n=$(tshark 2>/dev/null -r "$work/cap.pcapng" -T fields -e frame.number | wc -l)
bad=$(tshark 2>/dev/null -r "$work/cap.pcapng" -T fields -e frame.comment |
	grep -Evc '^pid=[0-9]+ tid=[0-9]+ comm=(curl exe=/usr/bin/curl cmd=curl |(dig|isc-net-[0-9]+) exe=/usr/bin/dig cmd=dig )')
# dig's sockets belong to its network thread (comm isc-net-0000).
tap_eq "every packet ($n) names curl or dig with pid, tid, exe and cmd" \
	"$bad" 0
tap_check "at least 20 packets captured" test "$n" -ge 20
pids=$(tshark 2>/dev/null -r "$work/cap.pcapng" -T fields -e frame.comment |
	sed 's/^pid=\([0-9]*\) .*/\1/' | sort -u | wc -l)
tap_eq "three processes own the packets (curl, dig, curl)" "$pids" 3

first=$(tshark 2>/dev/null -r "$work/cap.pcapng" -c 1 -T fields -e udp.dstport \
	-e dns.qry.name -e dns.flags.response | sed 's/False$/0/')
tap_eq "the first packet is the command's first DNS query" \
	"$first" "$(printf '53\twww.demo.test\t0')"
syn_cap=$(tshark 2>/dev/null -r "$work/cap.pcapng" -Y tcp -c 1 -T fields \
	-e tcp.flags.str -e tcp.srcport -e tcp.dstport -e tcp.seq_raw)
syn_ref=$(tshark 2>/dev/null -r "$work/ref.pcap" -Y 'tcp.dstport == 443' -c 1 -T fields \
	-e tcp.flags.str -e tcp.srcport -e tcp.dstport -e tcp.seq_raw)
tap_eq "the first TCP packet is the first SYN to 443 on the link" \
	"$syn_cap" "$syn_ref"

grep -q '"type":"process".*"comm":"curl"' "$work/summary.json" &&
	grep '"dport":53,' "$work/summary.json" | grep -q '"pid":[1-9]'
tap_ok $? "summary names the processes and flows with their owners"
flows=$(grep -c '"proto"' "$work/summary.json")
tap_eq "summary has one row per captured flow" "$flows" \
	"$(tshark 2>/dev/null -r "$work/cap.pcapng" -q -z conv,tcp -z conv,udp |
		grep -c '<->')"
grep -q ' 0 dropped in the kernel' "$work/err"
tap_ok $? "no packet dropped"

seen=$(cut -d: -f3 "$work/cgroup.seen" 2>/dev/null | grep -o 'pwcap-[0-9]*')
tap_check "the command ran in its own cgroup ($seen)" test -n "$seen"
# The packet tap sits on the command's cgroup, not the root: other
# processes' packets pass no program.
tap_eq "the packet programs are attached to the command's cgroup" \
	"$(grep -oE 'pw_pkt_(egress|ingress)' "$work/cgprogs" | sort | paste -sd' ')" \
	"pw_pkt_egress pw_pkt_ingress"
# Its own name: other procwire captures may run on this machine.
tap_check "the command's cgroup ($seen) is removed" \
	test -n "$seen" -a ! -e "$cgview/$seen"
left=0
while read -r id; do
	bpftool prog show id "$id" >/dev/null 2>&1 && left=$((left + 1))
done <"$work/progs"
tap_check "procwire held programs while running" test -s "$work/progs"
tap_eq "no program left after exit" "$left" 0

tap_done
