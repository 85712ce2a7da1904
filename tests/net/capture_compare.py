#!/usr/bin/python3
"""Compares procwire capture's file with a tcpdump reference of the same
link, flow by flow.

Usage: capture_compare.py CAPTURE REFERENCE OTHER_PORT_LO OTHER_PORT_HI

Both files are read through tshark. Flows are TCP/UDP 5-tuples in
canonical order; packets are counted per direction. The other
application's flows are those with a client port in [LO, HI]. Prints one
line per check, "ok NAME" or "bad NAME: detail", for the shell test."""
import subprocess
import sys
from collections import Counter

FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "udp.srcport", "udp.dstport", "ip.proto",
          "ipv6.nxt"]


def packets(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=f"]
        + sum((["-e", f] for f in FIELDS), []),
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = line.split("\t")
        src, dst = v[0] or v[1], v[2] or v[3]
        if v[4]:
            yield ("tcp", src, int(v[4]), dst, int(v[5]))
        elif v[6]:
            yield ("udp", src, int(v[6]), dst, int(v[7]))


def directional(path):
    c = Counter()
    for p in packets(path):
        c[p] += 1
    return c


def canon(p):
    a, b = (p[1], p[2]), (p[3], p[4])
    return (p[0],) + (a + b if a <= b else b + a)


def main():
    cap, ref = directional(sys.argv[1]), directional(sys.argv[2])
    lo, hi = int(sys.argv[3]), int(sys.argv[4])

    def other(p):
        return any(lo <= port <= hi for port in (p[2], p[4]))

    ref_other = {canon(p) for p in ref if other(p)}
    cap_other = {canon(p) for p in cap if other(p)}
    cap_flows = {canon(p) for p in cap}
    ref_flows = {canon(p) for p in ref} - ref_other
    print(("ok" if ref_other else "bad") +
          " other application ran: %d flows in the reference"
          % len(ref_other))
    print(("ok" if not cap_other else "bad") +
          " no packet of the other application in the capture (%d flows)"
          % len(cap_other))
    print(("ok" if cap_flows == ref_flows else "bad") +
          " same target flows: %d captured, %d in the reference%s" % (
              len(cap_flows), len(ref_flows),
              "" if cap_flows == ref_flows else
              " missing %s extra %s" % (sorted(ref_flows - cap_flows),
                                        sorted(cap_flows - ref_flows))))
    diff = [(p, cap[p], ref[p]) for p in set(cap) | set(ref)
            if not other(p) and cap[p] != ref[p]]
    print(("ok" if not diff else "bad") +
          " same packet count each way on every flow (%d directions)%s" % (
              len({p for p in cap}), "" if not diff else " " + str(diff)))


main()
