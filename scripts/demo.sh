#!/usr/bin/env bash
# The first command: installs what is needed, builds, creates a client, a
# censor and a server in network namespaces (tests/net/censor.sh), runs a
# small application (scripts/demo_app.sh: HTTPS, HTTP and DNS, some let
# through, some blocked) under `procwire audit -- CMD`, which names each
# blocked connection and how it was blocked and keeps the application's
# packets in out/demo-audit.pcapng, then prints that file's flow table
# with `procwire read`. Everything it creates is removed at exit.
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
source tests/net/censor.sh
mkdir -p out
work=$(mktemp -d)
on_exit "rm -rf $work"

echo "== censor between namespaces $PW_TAG-client and $PW_TAG-server"
censor_up "$work"
export NS_C

echo "== procwire audit -w out/demo-audit.pcapng -- scripts/demo_app.sh"
# The application needs root for `ip netns exec`: keep procwire from
# running it as the sudo user; the file is given back to that user below.
rc=0
env -u SUDO_UID -u SUDO_GID "$PW_BUILD/procwire" audit \
	-w out/demo-audit.pcapng -- bash scripts/demo_app.sh || rc=$?
if [ -n "${SUDO_UID:-}" ]; then
	chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" out out/demo-audit.pcapng
fi
echo "(procwire audit exit status $rc: 0 all ok, 3 some connection failed)"
echo
echo "== procwire read out/demo-audit.pcapng"
"$PW_BUILD/procwire" read out/demo-audit.pcapng
echo
echo "capture kept at out/demo-audit.pcapng (the application's packets only," \
	"with the owning process on each: tshark -r out/demo-audit.pcapng" \
	"-T fields -e frame.number -e frame.comment)"
[ "$rc" -eq 3 ]
