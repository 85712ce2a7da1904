#!/usr/bin/env bash
# dissect -> edit -> rebuild gives back every packet byte for byte: odd but
# valid packets crafted with scapy on five link types, a generated mixed
# capture, and broken packets that must be classified, not rebuilt.
source "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
on_exit "rm -rf $work"
RT=$PW_BUILD/tests/tools/pw-roundtrip

"$PYTHON" "$(dirname "$0")/make_odd_packets.py" "$work" >"$work/made" 2>/dev/null
tap_ok $? "crafted odd packets with scapy"

while read -r name count; do
	case $name in broken-*) continue ;; esac
	out=$("$RT" "$work/$name" 2>&1)
	rc=$?
	tap_diag "$name: $out"
	tap_eq "$name: every packet rebuilt identically" \
		"$rc $(sed -n 's/.*identical \([0-9]*\).*mismatched \([0-9]*\).*/\1 \2/p' <<<"$out")" \
		"0 $count 0"
done <"$work/made"

"$PW_BUILD/bench/gen-capture" "$work/mix.pcap" 20000 3 2>/dev/null
out=$("$RT" "$work/mix.pcap")
tap_eq "generated mix: all 20000 identical, also with checksums recomputed" \
	"$out" "checked 20000 identical 20000 recomputed 20000 skipped 0 mismatched 0"

out=$("$RT" "$work/broken-raw.pcap" 2>&1)
tap_eq "broken packets: none mismatched" "$(sed -n 's/.*mismatched \([0-9]*\).*/\1/p' <<<"$out")" 0
tap_diag "broken-raw: $out"

"$PROCWIRE" read --verify-checksums "$work/broken-raw.pcap" >"$work/broken.txt" 2>&1
tap_ok $? "read of broken packets exits 0 (packets are bad, the file is fine)"
grep 'malformed' "$work/broken.txt" | sed 's/^/# /'
tap_eq "every broken packet counted as malformed" \
	"$(sed -n 's/^\([0-9]*\) malformed packets.*/\1/p' "$work/broken.txt")" 6
tap_done
