#!/usr/bin/env bash
# procwire audit -w F -- CMD, live, against the censor of
# tests/net/censor.sh: the audited script (censor_app) meets every way of
# blocking while a second, untargeted application (censor_other_app)
# talks to its own ports (8080/tcp, 7005/udp) in the same namespace at
# the same time, and tcpdump records the client's link.
#
# Asserted: each of the script's connections gets its exact verdict (the
# expectations of the --read test: the ICMP errors the censor answers
# with reach no socket, procwire reads them from packet sockets and keeps
# those quoting the script's flows), the other application's connections
# are not judged, exit status 3, the verdicts cite the frame numbers of F
# (checked by tshark), and F holds every packet of the script's flows and
# none of the other application (compared with the tcpdump by 5-tuple:
# the same flows, the same packet count out on each, the same ICMP errors
# of the script's flows; in, packets that arrive when the socket is gone
# are not seen, see docs/capture.md, and are listed).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topology.sh"	# record_start / record_stop
source "$(dirname "$0")/censor.sh"
need_root "live audit against a censor"
if [ ! -x "$PROCWIRE" ] || ! command -v tshark >/dev/null; then
	tap_skip "live audit" "needs $PROCWIRE and tshark"
	tap_done
	exit 0
fi

work=$(mktemp -d)
chmod 755 "$work"
on_exit "rm -rf $work"
censor_up "$work"
tap_ok $? "namespaces, censor rules and servers up"
record_start "$work/ref.pcap"
tap_ok $? "tcpdump recording the client's link"

censor_other_app &
other=$!
on_exit "kill $other 2>/dev/null"
export NS_C CENSOR_RAW CENSOR_SRV6
"$PROCWIRE" audit --json -w "$work/live.pcapng" -- \
	bash -c "source '$(dirname "$0")/censor.sh' && censor_app" \
	>"$work/audit.jsonl" 2>"$work/err"
rc=$?
wait "$other"
record_stop
sed 's/^/# /' "$work/err"
tap_eq "live audit exits 3 when connections failed" $rc 3

"$PYTHON" "$(dirname "$0")/audit_expect.py" "$work/live.pcapng" \
	"$work/audit.jsonl" "$(dirname "$0")/censor_app.expect" >"$work/check" 2>&1
rc=$?
sed 's/^/# /' "$work/check"
tap_ok $rc "every connection of the script: exact verdict, stage, detail; evidence frame numbers agree with tshark on the -w file"
tap_eq "no connection of the other application judged" \
	"$(grep -cE '"dport":(8080|7005)[,}]' "$work/audit.jsonl")" 0

tshark -r "$work/live.pcapng" >/dev/null 2>"$work/tshark.err"
sed -i '/^Running as user "root"/d' "$work/tshark.err"
tap_eq "tshark reads the -w file without error" \
	"$?:$(cat "$work/tshark.err")" "0:"
"$PYTHON" "$(dirname "$0")/audit_live_compare.py" "$work/live.pcapng" \
	"$work/ref.pcap" 8080,7005 >"$work/compare"
tap_verdicts "$work/compare"

# The same report as --read on the file it wrote.
"$PROCWIRE" audit --json --read "$work/live.pcapng" >"$work/read.jsonl" \
	2>/dev/null
tap_eq "audit --read of the -w file exits 3" $? 3
tap_eq "audit --read of the -w file gives the same verdicts" \
	"$(cut -d, -f2- "$work/read.jsonl" | sort | md5sum)" \
	"$(cut -d, -f2- "$work/audit.jsonl" | sort | md5sum)"
tap_done
