#!/usr/bin/python3
"""Compares procwire audit -w's capture with a tcpdump of the same link,
flow by flow.

Usage: audit_live_compare.py CAPTURE REFERENCE OTHER_PORTS

OTHER_PORTS: comma-separated server ports of the other application. Flows
are TCP/UDP 5-tuples of the packets themselves. Packets are counted per
direction: out (from the client 10.77.1.1 / fd77:1::1) must match exactly;
in may lack packets that arrived when the socket was gone, each such
direction is listed. ICMP errors (keyed by type, code, addresses and the
endpoints of the packet they quote) that quote the script's flows must all
be in the capture, none of the other application's. Prints one line per
check, "ok NAME" or "bad NAME: detail"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from icmp_compare import check_errors, check_flows, directional  # noqa: E402

CLIENTS = ("10.77.1.1", "fd77:1::1")


def main():
    (cap, cap_err), (ref, ref_err) = directional(sys.argv[1]), \
        directional(sys.argv[2])
    ports = {int(x) for x in sys.argv[3].split(",")}

    def other(p):
        return p[2] in ports or p[4] in ports

    def other_err(k):	# the quoted packet's ports
        return len(k) > 6 and (k[7] in ports or k[9] in ports)

    check_flows(cap, ref, other)
    keys = [p for p in set(cap) | set(ref) if not other(p)]
    out_diff = [(p, cap[p], ref[p]) for p in keys
                if p[1] in CLIENTS and cap[p] != ref[p]]
    print(("ok" if not out_diff else "bad") +
          " same packet count out on every flow (%d directions)%s" % (
              sum(1 for p in keys if p[1] in CLIENTS),
              "" if not out_diff else " " + str(out_diff)))
    in_more = [(p, cap[p], ref[p]) for p in keys
               if p[1] not in CLIENTS and cap[p] > ref[p]]
    print(("ok" if not in_more else "bad") +
          " no packet in that the link did not carry%s" % (
              "" if not in_more else " " + str(in_more)))
    check_errors(cap_err, ref_err, other_err, "the script's flows",
                 need_some=True)
    for p in sorted(keys):
        if p[1] not in CLIENTS and cap[p] < ref[p]:
            print("missing-in %s %s:%d -> %s:%d captured %d of %d" % (
                p[0], p[1], p[2], p[3], p[4], cap[p], ref[p]))


main()
