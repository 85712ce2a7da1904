#!/usr/bin/env bash
# procwire capture's file rotation (-C, -G, -W as tcpdump names them): a
# target sends a known number of UDP datagrams; every file is a complete
# pcapng (section header, interface blocks, statistics at close) that
# tshark reads, and the files hold together the packets the totals line
# reports.
#
#   ns cli 10.81.0.1/24 ──veth── ns srv 10.81.0.2/24 (socat UDP sink :9)
. "$(dirname "$0")/../lib.sh"

need_root "capture rotate"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null; then
	tap_skip "capture rotate" "needs $PROCWIRE and tshark"
	tap_done
	exit 0
fi
: "${PYTHON:=/usr/bin/python3}"
blocks="$PYTHON $(dirname "$0")/pcapng_blocks.py"
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-caprot-XXXXXX)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"

netns_new NS_A cli || exit 1
netns_new NS_B srv || exit 1
veth_link "$NS_A" 10.81.0.1/24 "$NS_B" 10.81.0.2/24 >/dev/null || exit 1
ip netns exec "$NS_B" socat -u UDP4-RECV:9 OPEN:/dev/null \
	>/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_port "$NS_B" udp 9

# The target: COUNT datagrams of 1400 bytes, one every GAP seconds.
sender="import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b'z' * 1400, ('10.81.0.2', 9))
    if i % 50 == 49:
        time.sleep(float(sys.argv[2]))"
written() { sed -n 's/^procwire: capture: \([0-9]*\) packets written.*/\1/p' "$1"; }
drops() { sed -n 's/.* \([0-9]*\) dropped in the kernel.*/\1/p' "$1"; }
tshark_count() { tshark -r "$1" 2>/dev/null | wc -l; }

# check_files NAME FILE...: each file whole and read by tshark, its
# statistics block last and counting its packets; prints the total.
check_files() {
	local name=$1 f total=0 bad=0 n b
	shift
	for f in "$@"; do
		n=$(tshark_count "$f")
		tshark -r "$f" >/dev/null 2>&1 || bad=$((bad + 1))
		read -r shb idb epb isb recv last <<<"$($blocks "$f")"
		[ "$shb/$idb/$epb/$isb/$recv/$last" = "1/1/$n/1/$n/5" ] || {
			tap_diag "$f: $shb/$idb/$epb/$isb/$recv/$last, tshark $n"
			bad=$((bad + 1))
		}
		total=$((total + n))
	done
	tap_eq "$name: every file complete (header, interface, statistics)" \
		"$bad" 0
	echo "$total" >"$tmp/total"
}

# --- -C 1: FILE, FILE1, FILE2, ... each at most 1000000 bytes ------------
"$PROCWIRE" capture -q -C 1 -w "$tmp/c.pcapng" -- ip netns exec "$NS_A" \
	"$PYTHON" -c "$sender" 3000 0.005 >/dev/null 2>"$tmp/err.c"
tap_eq "-C: exit 0" $? 0
tap_eq "-C: no drops" "$(drops "$tmp/err.c")" 0
n=$(find "$tmp" -name 'c.pcapng*' | wc -l)
tap_ok $(( n >= 4 ? 0 : 1 )) "-C: 3000 x 1428 bytes make 4 files or more ($n)"
names="$tmp/c.pcapng"
for ((i = 1; i < n; i++)); do names="$names $tmp/c.pcapng$i"; done
# shellcheck disable=SC2086
tap_eq "-C: named FILE, FILE1 .. FILE$((n - 1))" \
	"$(ls $names 2>/dev/null | wc -l)" "$n"
big=0
small=0
# shellcheck disable=SC2086
for f in $names; do
	s=$(stat -c %s "$f")
	[ "$s" -gt 1000000 ] && big=$((big + 1))
	[ "$f" != "$tmp/c.pcapng$((n - 1))" ] && [ "$s" -lt 990000 ] &&
		small=$((small + 1))
done
tap_eq "-C: no file over 1000000 bytes" "$big" 0
tap_eq "-C: every file but the last filled to within 10000 bytes" "$small" 0
# shellcheck disable=SC2086
check_files "-C" $names
tap_eq "-C: the files hold the 3000 datagrams" "$(cat "$tmp/total")" 3000
tap_eq "-C: the totals line says 3000" "$(written "$tmp/err.c")" 3000
tap_eq "-C: the owner on every packet of the last file" \
	"$(tshark -r "$tmp/c.pcapng$((n - 1))" -T fields -e frame.comment \
		2>/dev/null | grep -vc 'comm=python3')" 0

# --- -C 1 -W 3: a ring of c0, c1, c2 -------------------------------------
"$PROCWIRE" capture -q -C 1 -W 3 -w "$tmp/r.pcapng" -- ip netns exec \
	"$NS_A" "$PYTHON" -c "$sender" 3000 0.005 >/dev/null 2>"$tmp/err.r"
tap_eq "-C -W: exit 0" $? 0
tap_eq "-C -W 3: files r.pcapng0 r.pcapng1 r.pcapng2, no other" \
	"$(cd "$tmp" && ls r.pcapng* | tr '\n' ' ')" \
	"r.pcapng0 r.pcapng1 r.pcapng2 "
check_files "-C -W" "$tmp"/r.pcapng?
tap_ok $(( $(cat "$tmp/total") < 3000 ? 0 : 1 )) \
	"-C -W: the ring kept the last files only ($(cat "$tmp/total") < 3000)"
tap_eq "-C -W: the totals line still counts all 3000" \
	"$(written "$tmp/err.r")" 3000
"$PROCWIRE" capture -q -C 1 -W 12 -w "$tmp/w.pcapng" -- ip netns exec \
	"$NS_A" "$PYTHON" -c "$sender" 100 0 >/dev/null 2>&1
tap_eq "-C -W 12: the first file is w.pcapng00 (two digits)" \
	"$(cd "$tmp" && ls w.pcapng*)" "w.pcapng00"

# --- -G 1 -W 2 with strftime: two files, then the capture stops ----------
"$PROCWIRE" capture -q -G 1 -W 2 -w "$tmp/g-%s.pcapng" -- ip netns exec \
	"$NS_A" "$PYTHON" -c "$sender" 4000 0.05 >/dev/null 2>"$tmp/err.g"
tap_eq "-G -W: exit 0 before the command's end" $? 0
mapfile -t gfiles < <(find "$tmp" -name 'g-*.pcapng' | sort)
tap_eq "-G 1 -W 2: two files" "${#gfiles[@]}" 2
t0=$(basename "${gfiles[0]}" .pcapng); t0=${t0#g-}
t1=$(basename "${gfiles[1]:-x}" .pcapng); t1=${t1#g-}
tap_ok $(( t1 - t0 >= 1 ? 0 : 1 )) \
	"-G: strftime %s names, a second or more apart ($t0 $t1)"
check_files "-G -W" "${gfiles[@]}"
tap_eq "-G -W: the files hold what the totals line says" \
	"$(cat "$tmp/total")" "$(written "$tmp/err.g")"
tap_ok $(( $(cat "$tmp/total") < 4000 ? 0 : 1 )) \
	"-G -W: stopped before the last datagram"

# --- --wakeup-bytes: the reader woken in batches loses nothing ----------
"$PROCWIRE" capture -q --wakeup-bytes 65536 -w "$tmp/b.pcapng" -- ip netns \
	exec "$NS_A" "$PYTHON" -c "$sender" 500 0 >/dev/null 2>"$tmp/err.b"
tap_eq "--wakeup-bytes: the 500 datagrams, each with its owner" \
	"$(tshark -r "$tmp/b.pcapng" -T fields -e frame.comment 2>/dev/null |
		grep -c 'comm=python3')/$(written "$tmp/err.b")" "500/500"

# --- usage -----------------------------------------------------------------
"$PROCWIRE" capture -C 1 -w - -- true >/dev/null 2>&1
tap_eq "-C with -w - exits 2" $? 2
"$PROCWIRE" capture -W 2 -w "$tmp/x" -- true >/dev/null 2>&1
tap_eq "-W without -C or -G exits 2" $? 2
"$PROCWIRE" capture -C 0 -w "$tmp/x" -- true >/dev/null 2>&1
tap_eq "-C 0 exits 2" $? 2
"$PROCWIRE" capture --wakeup-bytes x -w "$tmp/x" -- true >/dev/null 2>&1
tap_eq "--wakeup-bytes x exits 2" $? 2
tap_done
