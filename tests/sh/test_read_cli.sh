#!/usr/bin/env bash
# procwire read on bad input and wrong options: clear errors, the right
# exit status, and every flow before damage still printed.
source "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
on_exit "rm -rf $work"
GEN=$PW_BUILD/bench/gen-capture

"$GEN" "$work/ok.pcap" 2000 7 2>/dev/null
tap_ok $? "generated a 2000-packet capture"

"$PROCWIRE" read --json "$work/ok.pcap" >"$work/ok.jsonl" 2>"$work/ok.err"
tap_ok $? "reads a whole file with exit status 0"
grep -q '^2000 packets' "$work/ok.err"
tap_ok $? "totals count all 2000 packets"
nflows=$(wc -l <"$work/ok.jsonl")

# Cut the file in the middle of a record: flows up to the cut are printed,
# the error names the byte offset, exit status 1.
size=$(stat -c %s "$work/ok.pcap")
head -c $((size / 2 + 3)) "$work/ok.pcap" >"$work/cut.pcap"
"$PROCWIRE" read --json "$work/cut.pcap" >"$work/cut.jsonl" 2>"$work/cut.err"
tap_eq "truncated file: exit status 1" $? 1
grep -q 'byte offset [0-9]' "$work/cut.err"
tap_ok $? "truncated file: error names the byte offset"
sed 's/^/# /' "$work/cut.err" | tail -2
ncut=$(wc -l <"$work/cut.jsonl")
[ "$ncut" -gt 0 ] && [ "$ncut" -le "$nflows" ]
tap_ok $? "truncated file: flows before the damage printed ($ncut of $nflows)"
pk=$(sed -n 's/^\([0-9]*\) packets.*/\1/p' "$work/cut.err")
[ -n "$pk" ] && [ "$pk" -gt 900 ] && [ "$pk" -lt 2000 ]
tap_ok $? "truncated file: packets before the cut were processed ($pk)"

echo "this is not a capture" >"$work/text.pcap"
"$PROCWIRE" read "$work/text.pcap" >/dev/null 2>"$work/text.err"
tap_eq "not a capture file: exit status 1" $? 1
grep -qi 'not a .*capture\|not a pcap' "$work/text.err"
tap_ok $? "not a capture file: says so"

: >"$work/empty.pcap"
"$PROCWIRE" read "$work/empty.pcap" >/dev/null 2>"$work/empty.err"
tap_eq "empty file: exit status 1" $? 1
grep -qi 'empty' "$work/empty.err"
tap_ok $? "empty file: says it is empty"

"$PROCWIRE" read "$work/missing.pcap" >/dev/null 2>"$work/missing.err"
tap_eq "missing file: exit status 1" $? 1
grep -q 'missing.pcap' "$work/missing.err" && grep -qi 'no such file' "$work/missing.err"
tap_ok $? "missing file: names the file and the reason"

"$PROCWIRE" read --bogus "$work/ok.pcap" >/dev/null 2>&1
tap_eq "unknown option: exit status 2" $? 2
"$PROCWIRE" read --max-flows 0 "$work/ok.pcap" >/dev/null 2>"$work/mf.err"
tap_eq "--max-flows 0: exit status 2" $? 2
grep -q -- '--max-flows' "$work/mf.err"
tap_ok $? "--max-flows 0: error names the option"
"$PROCWIRE" read "$work/ok.pcap" tcp port >/dev/null 2>"$work/filt.err"
tap_eq "bad filter: exit status 2" $? 2
grep -q 'filter' "$work/filt.err"
tap_ok $? "bad filter: error names the filter"
"$PROCWIRE" read >/dev/null 2>&1
tap_eq "no file: exit status 2" $? 2

# Filter and pipe input behave like tcpdump's.
"$PROCWIRE" read --json "$work/ok.pcap" udp port 53 >"$work/dns.jsonl" 2>/dev/null
tap_eq "filter keeps only DNS flows" \
	"$(grep -vc '"dport":53' "$work/dns.jsonl")" 0
cat "$work/ok.pcap" | "$PROCWIRE" read --json - >"$work/pipe.jsonl" 2>/dev/null
tap_ok $? "reads standard input"
cmp -s "$work/pipe.jsonl" "$work/ok.jsonl"
tap_ok $? "standard input gives the same flows as the file"

# The flow cap bounds memory: evictions are counted, every flow is printed.
"$PROCWIRE" read --json --max-flows 16 "$work/ok.pcap" >"$work/cap.jsonl" 2>"$work/cap.err"
tap_ok $? "--max-flows 16 exits 0"
grep -q '[1-9][0-9]* evicted' "$work/cap.err"
tap_ok $? "evictions counted"
grep -q 'peak 16 at once' "$work/cap.err"
tap_ok $? "peak flows equal the cap"
# A filter on a raw-IP file (link type 101, also what live captures carry):
# libpcap wants DLT_RAW there, not the file's link type number.
/usr/bin/python3 - "$work/raw.pcap" <<'PY'
import struct, sys
def ip(proto, l4):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64,
                       proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + l4
udp = lambda sport: struct.pack('!HHHH', sport, 53, 12, 0) + b'abcd'
tcp = struct.pack('!HHIIBBHHH', 1001, 80, 1, 0, 0x50, 0x02, 1024, 0, 0)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for i, p in enumerate([ip(17, udp(1000)), ip(6, tcp), ip(17, udp(1002))]):
        f.write(struct.pack('<IIII', i + 1, 0, len(p), len(p)) + p)
PY
"$PROCWIRE" read "$work/raw.pcap" udp >"$work/raw.out" 2>&1
tap_ok $? "filter on a raw-IP file: exit status 0"
grep -q "^2 packets" "$work/raw.out"
tap_ok $? "filter on a raw-IP file: keeps the 2 UDP packets of 3"
tap_done
