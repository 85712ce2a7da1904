#!/usr/bin/env bash
# The application scripts/demo.sh audits: a few connections the censor of
# tests/net/censor.sh lets through and a few it blocks, one after the
# other, each bounded in time. Runs in the client namespace $NS_C.
c="ip netns exec $NS_C"
$c curl -4 -sk --max-time 4 -o /dev/null https://good.test/index.html
$c curl -4 -s --max-time 4 -o /dev/null http://good.test/
$c curl -4 -sk --max-time 4 -o /dev/null https://blocked.test/
$c curl -4 -sk --max-time 3 -o /dev/null https://syn.test:8443/
$c curl -4 -s --max-time 4 -o /dev/null http://redirect.test/
$c curl -4 -s --max-time 4 -o /dev/null http://cut.test/
$c dig +time=1 +tries=1 blocked-dns.test A >/dev/null
exit 0
