#!/usr/bin/python3
"""Compares procwire capture's file with a tcpdump reference of the same
link, flow by flow.

Usage: capture_compare.py CAPTURE REFERENCE OTHER_PORT_LO OTHER_PORT_HI

Both files are read through tshark. Flows are TCP/UDP 5-tuples in
canonical order; packets are counted per direction. ICMP errors are
counted apart, keyed by type, code, their addresses and the endpoints of
the packet they quote: those quoting the target's flows must all be in the
capture (procwire reads them from packet sockets), none of the others. The
other application's flows are those with a client port in [LO, HI].
Prints one line per check, "ok NAME" or "bad NAME: detail", for the shell
test."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from icmp_compare import check_errors, check_flows, directional  # noqa: E402


def main():
    (cap, cap_err), (ref, ref_err) = directional(sys.argv[1]), \
        directional(sys.argv[2])
    lo, hi = int(sys.argv[3]), int(sys.argv[4])

    def other(p):
        return any(lo <= port <= hi for port in (p[2], p[4]))

    def other_err(k):	# the quoted packet's ports
        return len(k) > 6 and other((k[5], k[6], k[7], k[8], k[9]))

    check_flows(cap, ref, other)
    diff = [(p, cap[p], ref[p]) for p in set(cap) | set(ref)
            if not other(p) and cap[p] != ref[p]]
    print(("ok" if not diff else "bad") +
          " same packet count each way on every flow (%d directions)%s" % (
              len({p for p in cap}), "" if not diff else " " + str(diff)))
    check_errors(cap_err, ref_err, other_err, "the target's flows")


main()
