#!/usr/bin/python3
"""Compares the ICMP errors of procwire capture's file with a tcpdump of
the same link.

Usage: icmp_compare.py CAPTURE REFERENCE TARGET_PORTS OTHER_PORTS [ADDR]

An error is keyed by IP version, type, code, its own source and
destination, and the endpoints of the packet it quotes (protocol,
addresses, ports). TARGET_PORTS and OTHER_PORTS (comma-separated) are the
server ports of the target's and of the other application's flows; errors
sent to ADDR (a host on another link) are left out of the comparison.
Prints one line per check, "ok NAME" or "bad NAME: detail".

packets() and classify() are shared with capture_compare.py and
audit_live_compare.py."""
import re
import subprocess
import sys
from collections import Counter

FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "frame.comment"]
V4_ERRORS = {3, 4, 5, 11, 12}


def packets(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=a",
         "-E", "aggregator=,", "-E", "separator=|"]
        + sum((["-e", f] for f in FIELDS), []),
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("|")))
        yield {k: (x.split(",") if x else []) for k, x in v.items()}


def first_int(v):
    return int(v[0]) if v else None


def classify(p):
    """("error", key, quoted 5-tuple) or ("flow", 5-tuple) or None."""
    v6 = bool(p["ipv6.src"])
    src, dst = (p["ipv6.src"], p["ipv6.dst"]) if v6 else \
        (p["ip.src"], p["ip.dst"])
    if not src:
        return None
    proto = "tcp" if p["tcp.srcport"] else "udp" if p["udp.srcport"] \
        else None
    ports = (first_int(p["tcp.srcport"] or p["udp.srcport"]),
             first_int(p["tcp.dstport"] or p["udp.dstport"]))
    itype = first_int(p["icmpv6.type"] if v6 else p["icmp.type"])
    icode = first_int(p["icmpv6.code"] if v6 else p["icmp.code"])
    is_err = itype is not None and (
        (v6 and 1 <= itype <= 4) or (not v6 and itype in V4_ERRORS))
    if is_err:
        if len(src) < 2 or not proto:
            return ("error", (v6, itype, icode, src[0], dst[0], None), None)
        quoted = (proto, src[-1], ports[0], dst[-1], ports[1])
        return ("error", (v6, itype, icode, src[0], dst[0]) + quoted,
                quoted)
    if proto:
        return ("flow", (proto, src[0], ports[0], dst[0], ports[1]))
    return None


def directional(path):
    """(packets per flow direction, ICMP errors by key)"""
    c, errors = Counter(), Counter()
    for p in packets(path):
        k = classify(p)
        if k and k[0] == "flow":
            c[k[1]] += 1
        elif k:
            errors[k[1]] += 1
    return c, errors


def canon(p):
    a, b = (p[1], p[2]), (p[3], p[4])
    return (p[0],) + (a + b if a <= b else b + a)


def check_flows(cap, ref, other):
    """Verdicts: the other application ran (it is in the reference) and
    none of its flows is in the capture, which holds exactly the
    reference's other flows."""
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


def check_errors(cap_err, ref_err, other_err, whose, need_some=False):
    """Verdicts: the capture holds exactly the reference's ICMP errors of
    whose flows (at least one when need_some), none of the others'."""
    want = Counter({k: n for k, n in ref_err.items() if not other_err(k)})
    got = Counter({k: n for k, n in cap_err.items() if not other_err(k)})
    print(("ok" if got == want and (want or not need_some) else "bad") +
          " same ICMP errors of %s (%d)%s" % (
              whose, sum(want.values()), "" if got == want else
              " missing %s extra %s" % (sorted(want - got),
                                        sorted(got - want))))
    stray = sum(n for k, n in cap_err.items() if other_err(k))
    print(("ok" if not stray else "bad") +
          " no ICMP error of the other application's flows (%d)" % stray)


def main():
    cap_path, ref_path = sys.argv[1], sys.argv[2]
    target = {int(x) for x in sys.argv[3].split(",")}
    other = {int(x) for x in sys.argv[4].split(",")}
    skip = sys.argv[5] if len(sys.argv) > 5 else None

    def server_port(q):
        return q[4] if q else None

    ref_target, ref_other = Counter(), Counter()
    for p in packets(ref_path):
        c = classify(p)
        if not c or c[0] != "error":
            continue
        port = server_port(c[2])
        if port in target:
            ref_target[c[1]] += 1
        elif port in other:
            ref_other[c[1]] += 1

    cap_errors, cap_other, disorder, unowned = Counter(), [], [], []
    seen_out = {}		# quoted 5-tuple -> (frame, pid) of its packet
    for p in packets(cap_path):
        c = classify(p)
        frame = int(p["frame.number"][0])
        comment = ",".join(p["frame.comment"])
        m = re.match(r"pid=(\d+) tid=(\d+) comm=\S+", comment)
        if c and c[0] == "flow":
            seen_out.setdefault(c[1], (frame, m.group(1) if m else None))
            continue
        if not c:
            continue
        key, quoted = c[1], c[2]
        if server_port(quoted) in other:
            cap_other.append(frame)
        if key[4] != skip:
            cap_errors[key] += 1
        before = seen_out.get(quoted)
        if not before or before[0] > frame:
            disorder.append(frame)
        if not m or m.group(2) == "0" or (before and before[1] != m.group(1)):
            unowned.append((frame, comment))

    print(("ok" if ref_target else "bad") +
          " the link carried %d errors of the target's flows"
          % sum(ref_target.values()))
    print(("ok" if ref_other else "bad") +
          " the link carried %d errors of the other application's flows"
          % sum(ref_other.values()))
    print(("ok" if cap_errors == ref_target else "bad") +
          " the capture holds exactly those of the target (%d kinds)%s" % (
              len(ref_target), "" if cap_errors == ref_target else
              " missing %s extra %s" % (sorted(ref_target - cap_errors),
                                        sorted(cap_errors - ref_target))))
    print(("ok" if not cap_other else "bad") +
          " none of the other application's errors captured%s" % (
              "" if not cap_other else " frames %s" % cap_other))
    print(("ok" if not disorder else "bad") +
          " each error comes after the packet it quotes%s" % (
              "" if not disorder else " frames %s" % disorder))
    print(("ok" if not unowned else "bad") +
          " each error carries the owner (pid, tid) of its flow%s" % (
              "" if not unowned else " %s" % unowned))


if __name__ == "__main__":
    main()
