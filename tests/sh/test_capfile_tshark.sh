#!/usr/bin/env bash
# Capture files against tshark, both ways:
#  - a pcapng written by our writer (pw-captool write: two interfaces,
#    owners, directions, comments) reads in tshark without complaint, with
#    the interface names, directions, comments and the
#    epb_processid_threadid option (code 8) bytes we wrote;
#  - files written by tshark, editcap, mergecap and tcpdump (pcapng, pcap
#    in us and ns, big-endian pcap, several link types) read with our
#    reader give the same packet count and timestamps as
#    `tshark -T fields -e frame.time_epoch`;
#  - a file cut in the middle of a packet: the same packets before the
#    cut, then our error naming the offset.
#
# Per-packet process info in tshark 4.0 (which shows option 8 only in its
# file-format view):
#   tshark -r F -T fields -e frame.number -e frame.interface_name \
#     -e frame.packet_flags_direction -e frame.comment
. "$(dirname "$0")/../lib.sh"

if ! command -v tshark >/dev/null; then
	tap_skip "capfile vs tshark" "tshark is not installed"
	tap_done
	exit 0
fi
CAPTOOL=$PW_BUILD/tests/unit/capfile/pw-captool
if [ ! -x "$CAPTOOL" ]; then
	tap_ok 1 "pw-captool is built at $CAPTOOL"
	tap_done
	exit 1
fi

dir=$(mktemp -d /tmp/pw-capfile-XXXXXX)
on_exit "rm -rf $dir"

# tshark prints a warning when run as root; anything else on stderr is a
# complaint about the file.
tshark_q() {	# tshark_q ARGS...: stdout of tshark, stderr to $dir/err
	tshark "$@" 2>"$dir/err.raw"
	local rc=$?
	grep -v '^Running as user' "$dir/err.raw" >"$dir/err"
	return $rc
}

# Our reader's timestamps (SEC.NSEC) and tshark's frame.time_epoch.
our_times() { "$CAPTOOL" dump "$1" | awk '/^[0-9]/ { print $2 }'; }
tshark_times() { tshark_q -r "$1" -T fields -e frame.time_epoch; }

same_as_tshark() {	# same_as_tshark NAME FILE [MIN_PACKETS]
	local name=$1 f=$2 min=${3:-1} ours theirs n
	ours=$(our_times "$f"); local rc=$?
	theirs=$(tshark_times "$f")
	n=$(printf '%s\n' "$theirs" | grep -c .)
	if [ "$n" -lt "$min" ]; then
		tap_ok 1 "$name: tshark reads at least $min packets (got $n)"
		return
	fi
	tap_eq "$name: our reader ends cleanly" "$rc" 0
	tap_eq "$name: $n packets, same timestamps as tshark" "$ours" "$theirs"
}

# --- our writer, read by tshark ----------------------------------------
f=$dir/demo.pcapng
tap_check "pw-captool writes a pcapng" "$CAPTOOL" write "$f"
tshark_q -r "$f" -q; tap_eq "tshark reads our pcapng: exit status" $? 0
tap_eq "tshark reads our pcapng: no complaint" "$(cat "$dir/err")" ""

got=$(tshark_q -r "$f" -T fields -E separator='|' -e frame.number \
	-e frame.interface_name -e frame.packet_flags_direction \
	-e frame.comment)
want="1|eth0|0x00000002|pid=1234 tid=1235 comm=curl exe=/usr/bin/curl cmd=curl -s https://x
2|eth0|0x00000001|pid=1234 tid=1234 comm=curl
3|tun0||plain comment
4|tun0|0x00000002|pid=42 tid=43 comm=bad?na?me exe=/opt/prög cmd=a?b ? end"
tap_eq "tshark sees interface, direction and owner comment per packet" \
	"$got" "$want"

got=$(tshark_q -r "$f" -T fields -e frame.protocols -e frame.len \
	-e frame.cap_len -e ip.dst)
want="eth:ethertype:ip:udp:dns	52	52	10.0.0.2
eth:ethertype:ip:udp:dns	62	62	10.0.0.2
raw:ip:udp:dns	33	33	10.0.0.2
raw:ip:udp:dns	135	35	10.0.0.2"
tap_eq "tshark dissects the packets on both link types" "$got" "$want"

tap_eq "tshark sees our timestamps" "$(tshark_times "$f")" \
"1700000000.123456789
1700000001.123456790
1700000001.123456791
1700000002.123456790"

# The option bytes in tshark's file-format view: per EPB, the data of
# option 8 (pid u32, tid u32, little-endian as the section).
got=$(tshark_q -r "$f" -X "read_format:MIME Files Format" -T json -x |
	"$PYTHON" -c '
import json, sys
# Keys repeat within one object (one "pcapng.block" per block): keep them
# all as lists of pairs.
def walk(o, out):
    if isinstance(o, tuple):
        d = dict(o[1])
        if d.get("pcapng.options.option.code") == "8":
            out.append("len=%s data=%s" % (
                d.get("pcapng.options.option.length"),
                d.get("pcapng.options.option.data_raw", ["?"])[0]))
        for _, v in o[1]:
            walk(v, out)
    elif isinstance(o, list):
        for v in o:
            walk(v, out)
out = []
walk(json.load(sys.stdin, object_pairs_hook=lambda p: ("obj", p)), out)
print("\n".join(out))')
want="len=8 data=d2040000d3040000
len=8 data=d2040000d2040000
len=8 data=2a0000002b000000"
tap_eq "tshark finds epb_processid_threadid (8) = pid, tid per owned packet" \
	"$got" "$want"

got=$(tshark_q -r "$f" -X "read_format:MIME Files Format" -T fields \
	-e pcapng.options.option.data.interface.received \
	-e pcapng.options.option.data.interface.dropped)
tap_eq "tshark reads the statistics block (received 10, dropped 1)" \
	"$got" "10	1"

tap_eq "our reader reads our pcapng back" \
	"$("$CAPTOOL" dump "$f" | grep -c '^[0-9]')" 4

# --- our pcap writer, read by tshark -------------------------------------
p=$dir/demo.pcap
tap_check "pw-captool writes a pcap" "$CAPTOOL" write-pcap "$p"
tshark_q -r "$p" -q; tap_eq "tshark reads our pcap" "$?:$(cat "$dir/err")" "0:"
tap_eq "tshark sees nanosecond timestamps in our pcap" "$(tshark_times "$p")" \
"1700000000.000000001
1700000001.000000002
1700000002.000000003"

# --- files written by other tools, read by us ----------------------------
editcap -F pcapng "$p" "$dir/editcap.pcapng" 2>/dev/null
same_as_tshark "editcap -F pcapng" "$dir/editcap.pcapng" 3
editcap -F pcap "$dir/editcap.pcapng" "$dir/editcap-us.pcap" 2>/dev/null
same_as_tshark "editcap -F pcap (microseconds)" "$dir/editcap-us.pcap" 3
editcap -F nsecpcap "$dir/editcap.pcapng" "$dir/editcap-ns.pcap" 2>/dev/null
same_as_tshark "editcap -F nsecpcap" "$dir/editcap-ns.pcap" 3
tshark_q -r "$f" -F pcapng -w "$dir/tshark.pcapng"
same_as_tshark "tshark -F pcapng (two link types)" "$dir/tshark.pcapng" 4
mergecap -F pcapng -w "$dir/merged.pcapng" "$p" "$f" 2>/dev/null
same_as_tshark "mergecap of pcap and pcapng" "$dir/merged.pcapng" 7
# editcap -t shifts times; -T changes the link type of every packet.
editcap -t 0.5 -T rawip "$dir/editcap-ns.pcap" "$dir/shifted.pcapng" 2>/dev/null
same_as_tshark "editcap -t 0.5 -T rawip" "$dir/shifted.pcapng" 3
if command -v tcpdump >/dev/null; then
	tcpdump -r "$p" -w "$dir/tcpdump.pcap" 2>/dev/null
	same_as_tshark "tcpdump -w" "$dir/tcpdump.pcap" 3
	tcpdump --time-stamp-precision=nano -r "$p" -w "$dir/tcpdump-ns.pcap" \
		2>/dev/null
	same_as_tshark "tcpdump nanosecond -w" "$dir/tcpdump-ns.pcap" 3
else
	tap_skip "tcpdump -w" "tcpdump is not installed"
fi

# No tool here writes big-endian files: byte-swap a microsecond pcap's
# header and record headers, and let tshark be the judge.
"$PYTHON" - "$dir/editcap-us.pcap" "$dir/be.pcap" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
hdr = struct.unpack("<IHHiIII", b[:24])
out = [struct.pack(">IHHiIII", *hdr)]
o = 24
while o + 16 <= len(b):
    rec = struct.unpack("<IIII", b[o:o + 16])
    out.append(struct.pack(">IIII", *rec) + b[o + 16:o + 16 + rec[2]])
    o += 16 + rec[2]
open(sys.argv[2], "wb").write(b"".join(out))
EOF
tap_eq "big-endian pcap starts with a1 b2 c3 d4" \
	"$(od -An -tx1 -N4 "$dir/be.pcap" | tr -d ' ')" a1b2c3d4
same_as_tshark "big-endian pcap" "$dir/be.pcap" 3

# --- a file cut inside its last packet -----------------------------------
size=$(stat -c %s "$dir/tshark.pcapng")
head -c $((size - 10)) "$dir/tshark.pcapng" >"$dir/cut.pcapng"
n_tshark=$(tshark -r "$dir/cut.pcapng" -T fields -e frame.number 2>/dev/null |
	grep -c .)
n_ours=$("$CAPTOOL" dump "$dir/cut.pcapng" 2>"$dir/cut.err" | grep -c '^[0-9]')
tap_eq "cut file: the same packets before the damage as tshark" \
	"$n_ours" "$n_tshark"
last=$(tshark -r "$dir/tshark.pcapng" -T fields -e frame.number 2>/dev/null |
	tail -1)
tap_eq "cut file: every whole packet delivered" "$n_ours" $((last - 1))
grep -q "^pcapng block at byte offset [0-9]*: truncated: needs [0-9]* bytes but the file ends after [0-9]* bytes$" "$dir/cut.err"
tap_ok $? "cut file: error names the offset ($(cat "$dir/cut.err"))"

tap_done
