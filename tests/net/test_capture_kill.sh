#!/usr/bin/env bash
# A capture killed with SIGKILL: what it wrote stays a valid file (packets
# go out in whole blocks, flushed every drain round), and the cgroup it
# made for its command, which it had no chance to remove, is removed by
# the next capture once the command is gone.
#
#   ns ka  10.85.0.1/24  ──veth──  ns kb  10.85.0.2/24
#   python3 sends 300 datagrams        socat UDP sink on port 9
. "$(dirname "$0")/../lib.sh"

need_root "capture kill"
if ! command -v tshark >/dev/null || ! command -v socat >/dev/null; then
	tap_skip "capture kill" "needs tshark and socat"
	tap_done
	exit 0
fi
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-capkill-XXXXXX)
on_exit "rm -rf $tmp"
# The hierarchy procwire puts its command cgroups in, as a test can see it.
cgv=$tmp/cgv
mkdir "$cgv" && mount -t cgroup2 none "$cgv" || exit 1
on_exit "umount $cgv"

netns_new NS_A ka || exit 1
netns_new NS_B kb || exit 1
veth_link "$NS_A" 10.85.0.1/24 "$NS_B" 10.85.0.2/24 >/dev/null || exit 1
ip netns exec "$NS_B" socat -u UDP4-RECV:9 OPEN:/dev/null >/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_port "$NS_B" udp 9

count() { tshark -r "$1" -Y udp 2>/dev/null | wc -l; }

for fmt in pcapng pcap; do
	"$PROCWIRE" capture -q --format $fmt -w "$tmp/k.$fmt" -- \
		ip netns exec "$NS_A" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    s.sendto(b"q" * 60, ("10.85.0.2", 9))
time.sleep(60)' >/dev/null 2>"$tmp/err" &
	cap=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(count "$tmp/k.$fmt")" -ge 300 ] && break
		sleep 0.1
	done
	tap_eq "$fmt: the 300 datagrams on disk while capturing" \
		"$(count "$tmp/k.$fmt")" 300
	kill -9 $cap
	wait $cap 2>/dev/null
	tshark -r "$tmp/k.$fmt" >/dev/null 2>"$tmp/terr"
	tap_eq "$fmt: tshark reads the killed capture's file without error" \
		"$?:$(grep -vc 'Running as user' "$tmp/terr")" "0:0"
	tap_eq "$fmt: all 300 datagrams after SIGKILL" \
		"$(count "$tmp/k.$fmt")" 300
	tap_check "$fmt: the killed capture's cgroup is still there" \
		test -d "$cgv/pwcap-$cap"
	# Its command still runs in that cgroup: the next capture leaves it.
	"$PROCWIRE" capture -q -w /dev/null -- true >/dev/null 2>&1
	tap_check "$fmt: a populated leftover cgroup is not removed" \
		test -d "$cgv/pwcap-$cap"
	ip netns pids "$NS_A" | xargs -r kill -9
	for ((i = 0; i < 50; i++)); do
		grep -q "populated 0" "$cgv/pwcap-$cap/cgroup.events" && break
		sleep 0.1
	done
	"$PROCWIRE" capture -q -w /dev/null -- true >/dev/null 2>&1
	tap_check "$fmt: the next capture removes the empty leftover cgroup" \
		test ! -e "$cgv/pwcap-$cap"
	rmdir "$cgv/pwcap-$cap" 2>/dev/null
done
tap_done
