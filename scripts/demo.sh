#!/usr/bin/env bash
# The first command: installs what is needed, builds, records real traffic
# (HTTPS, HTTP over IPv4 and IPv6, DNS) between two network namespaces it
# creates, and prints that capture's flow table with `procwire read`.
# Everything it creates is removed at exit; the capture is kept in out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root to create network namespaces; run: sudo $0" >&2
	exit 1
fi
bash scripts/setup.sh
bash scripts/build.sh build

source tests/lib.sh
source tests/net/topology.sh
mkdir -p out
work=$(mktemp -d)
on_exit "rm -rf $work"

echo "== recording curl and dig between namespaces $PW_TAG-client and $PW_TAG-server"
topology_up "$work"
record_start "$work/demo.pcap"
demo_traffic || true
record_stop
cp "$work/demo.pcap" out/demo.pcap

echo "== procwire read out/demo.pcap"
"$PW_BUILD/procwire" read out/demo.pcap
echo
echo "capture kept at out/demo.pcap; JSON Lines: build/procwire read --json out/demo.pcap"
