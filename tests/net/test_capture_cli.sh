#!/usr/bin/env bash
# procwire capture as a command: usage errors, missing privileges, a
# command that does not exist, an unwritable output, SIGINT, --pid and
# --name targets; and that nothing (cgroup, programs) is left behind.
#
#   ns cli 10.79.0.1/24 ──veth── ns srv 10.79.0.2/24 (socat UDP echo :7)
. "$(dirname "$0")/../lib.sh"

need_root "capture cli"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null; then
	tap_skip "capture cli" "needs $PROCWIRE and tshark"
	tap_done
	exit 0
fi
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-capcli-XXXXXX)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
cgview=$tmp/cgview
mkdir -p "$cgview"
mount -t cgroup2 none "$cgview" && on_exit "umount $cgview"
count_cgroups() { find "$cgview" -maxdepth 1 -name 'pwcap-*' | wc -l; }
# Another procwire capture running meanwhile has its own cgroup: only more
# than at the start is a leak.
cgroups_before=$(count_cgroups)
leftover_cgroups() {
	local n=$(($(count_cgroups) - cgroups_before))
	echo $((n > 0 ? n : 0))
}
progs() { bpftool prog show 2>/dev/null | grep -c 'name pw_pkt_'; }
progs_before=$(progs)
# A leak shows as more of our programs than before; fewer only means some
# other procwire (not this test's) exited meanwhile.
no_more_progs() {	# no_more_progs NAME
	local now
	now=$(progs)
	[ "$now" -le "$progs_before" ] || echo "# $1: $now programs, $progs_before before"
	tap_ok $(( now > progs_before )) "$1"
}

# --- usage ---------------------------------------------------------------
"$PROCWIRE" capture --bogus -w x -- true >/dev/null 2>&1
tap_eq "unknown option exits 2" $? 2
"$PROCWIRE" capture -- true >/dev/null 2>"$tmp/err"
tap_eq "missing -w exits 2" $? 2
grep -q -- '-w FILE is required' "$tmp/err"
tap_ok $? "missing -w is named"
"$PROCWIRE" capture -w "$tmp/x" >/dev/null 2>"$tmp/err"
tap_eq "no target exits 2" $? 2
"$PROCWIRE" capture -w "$tmp/x" --name averyveryverylongname >/dev/null 2>&1
tap_eq "--name longer than 15 bytes exits 2" $? 2
"$PROCWIRE" capture -w "$tmp/x" -f 'tcp port' -- true >/dev/null 2>&1
tap_eq "bad filter expression exits 2" $? 2
"$PROCWIRE" capture --help | grep -q -- '--headers-only'
tap_ok $? "--help lists the options"

# --- privileges ------------------------------------------------------------
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PROCWIRE" capture -w "$tmp/np.pcapng" -- true >/dev/null 2>"$tmp/err"
tap_eq "without privileges exits 1" $? 1
grep -q 'needs root or CAP_BPF' "$tmp/err"
tap_ok $? "without privileges the message names what is needed"
tap_check "without privileges no file is made" test ! -e "$tmp/np.pcapng"

# --- a command that does not exist --------------------------------------
"$PROCWIRE" capture -w "$tmp/nf.pcapng" -- /nonexistent/pw-cmd \
	>/dev/null 2>"$tmp/err"
tap_eq "a missing command exits 127" $? 127
grep -q 'cannot run /nonexistent/pw-cmd: No such file' "$tmp/err"
tap_ok $? "a missing command is named"
tap_eq "no cgroup left after a missing command" "$(leftover_cgroups)" 0
no_more_progs "no program left after a missing command"

# --- under sudo: a file procwire makes is the user's; one that exists
# (a file, /dev/null, a FIFO) keeps its owner ------------------------------
: >"$tmp/kept.pcapng"
SUDO_UID=65534 SUDO_GID=65534 "$PROCWIRE" capture -q -w "$tmp/kept.pcapng" \
	-- true >/dev/null 2>&1
tap_eq "under sudo an existing file keeps its owner" \
	"$(stat -c %u "$tmp/kept.pcapng")" 0
SUDO_UID=65534 SUDO_GID=65534 "$PROCWIRE" capture -q -w "$tmp/made.pcapng" \
	-- true >/dev/null 2>&1
tap_eq "under sudo a new file is the user's" \
	"$(stat -c %u "$tmp/made.pcapng")" 65534

# --- output that cannot be written ---------------------------------------
"$PROCWIRE" capture -w /dev/full -- true >/dev/null 2>"$tmp/err"
tap_eq "a full disk exits 1" $? 1
grep -q '/dev/full' "$tmp/err"
tap_ok $? "a full disk names the file"
tap_eq "no cgroup left after a write error" "$(leftover_cgroups)" 0

# --- traffic -------------------------------------------------------------
netns_new NS_A cli || exit 1
netns_new NS_B srv || exit 1
veth_link "$NS_A" 10.79.0.1/24 "$NS_B" 10.79.0.2/24 >/dev/null || exit 1
ip netns exec "$NS_B" socat UDP4-RECVFROM:7,fork,reuseaddr EXEC:cat \
	>/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_port "$NS_B" udp 7

ping_udp() {	# ping_udp COUNT: COUNT datagrams from one socket, echoed
	ip netns exec "$NS_A" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 2000, ("10.79.0.2", 7))
    s.recv(4096)
' "$1"
}

# SIGINT: the command (a long sleep after some traffic) is stopped, the
# file finished, the cgroup removed.
"$PROCWIRE" capture -w "$tmp/int.pcapng" -- sh -c \
	"$(declare -f ping_udp); NS_A=$NS_A; ping_udp 3; exec sleep 30" \
	>/dev/null 2>"$tmp/err" &
cap=$!
for ((i = 0; i < 100; i++)); do
	[ "$(tshark -r "$tmp/int.pcapng" 2>/dev/null | wc -l)" -ge 6 ] && break
	sleep 0.1
done
kill -INT "$cap"
wait "$cap"
tap_eq "SIGINT: exit 0" $? 0
tap_eq "SIGINT: the file holds the 6 datagrams, full size" \
	"$(tshark -r "$tmp/int.pcapng" -T fields -e frame.cap_len 2>/dev/null |
		sort -u | tr '\n' ' ')" "2028 "
grep -q 'killed by signal 2' "$tmp/err"
tap_ok $? "SIGINT reached the command"
tap_eq "SIGINT: no cgroup left" "$(leftover_cgroups)" 0

# --headers-only: the IP and UDP headers only.
"$PROCWIRE" capture -q --headers-only -w "$tmp/h.pcapng" -- sh -c \
	"$(declare -f ping_udp); NS_A=$NS_A; ping_udp 2" 2>/dev/null
tap_eq "--headers-only keeps 28 of 2028 bytes" \
	"$(tshark -r "$tmp/h.pcapng" -T fields -e frame.cap_len -e frame.len \
		2>/dev/null | sort -u | tr '\t\n' '/ ')" "28/2028 "

# --pid: a running process found by pid; --name: by command name, also
# started later. A process of another name stays out.
cp /usr/bin/python3 "$tmp/pwcapname"
ip netns exec "$NS_A" "$tmp/pwcapname" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
time.sleep(1.5)
for i in range(4):
    s.sendto(b"y" * 100, ("10.79.0.2", 7))
    time.sleep(0.05)
time.sleep(0.5)
' &
bypid=$!
"$PROCWIRE" capture -q -w "$tmp/pid.pcapng" --pid "$bypid" --name pwcapname \
	--duration 3 2>"$tmp/err" &
cap=$!
sleep 1
ping_udp 2	# another process (python3): not a target
wait "$cap"
tap_eq "--pid/--name: exit 0" $? 0
wait "$bypid"
tap_eq "--pid: the target's 4 datagrams and their 4 echoes, nothing else" \
	"$(tshark -r "$tmp/pid.pcapng" -T fields -e frame.comment 2>/dev/null |
		grep -c "^pid=$bypid .*comm=pwcapname")/$(tshark -r \
		"$tmp/pid.pcapng" 2>/dev/null | wc -l)" "8/8"
no_more_progs "no program left at the end"
tap_done
