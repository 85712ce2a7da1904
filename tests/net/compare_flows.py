"""Compares `procwire read --json` flows with tshark's dissection of the
same capture: for every TCP and UDP conversation, packets and L4 payload
bytes in each direction must be equal.

usage: compare_flows.py CAPTURE PROCWIRE_JSONL
Prints TAP lines (no plan); exits 0 when everything matched.
"""
import collections
import ipaddress
import json
import subprocess
import sys

FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcp.len", "udp.srcport", "udp.dstport",
          "udp.length"]


def norm(addr):
    return str(ipaddress.ip_address(addr))


def tshark_conversations(path):
    cmd = ["tshark", "-r", path, "-Y", "(tcp or udp) and not icmp and not icmpv6",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    convs = collections.defaultdict(lambda: collections.Counter())
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = norm(v["ip.src"] or v["ipv6.src"])
        dst = norm(v["ip.dst"] or v["ipv6.dst"])
        if v["tcp.srcport"]:
            proto, sp, dp = "tcp", int(v["tcp.srcport"]), int(v["tcp.dstport"])
            plen = int(v["tcp.len"] or 0)
        else:
            proto, sp, dp = "udp", int(v["udp.srcport"]), int(v["udp.dstport"])
            plen = int(v["udp.length"]) - 8
        a, b = (src, sp), (dst, dp)
        key = (proto,) + tuple(sorted([a, b]))
        convs[key][(a, "packets")] += 1
        convs[key][(a, "bytes")] += plen
    return convs


def main():
    convs = tshark_conversations(sys.argv[1])
    ours = {}
    for line in open(sys.argv[2]):
        f = json.loads(line)
        if f["proto"] not in ("tcp", "udp"):
            continue
        c, s = (norm(f["src"]), f["sport"]), (norm(f["dst"]), f["dport"])
        key = (f["proto"],) + tuple(sorted([c, s]))
        if key in ours:
            print(f"not ok - flow {key} reported twice by procwire")
            return 1
        ours[key] = f
    failed = 0
    n = 0
    for key, cnt in sorted(convs.items()):
        n += 1
        f = ours.pop(key, None)
        if f is None:
            print(f"not ok - procwire misses conversation {key}")
            failed += 1
            continue
        c = (norm(f["src"]), f["sport"])
        s = (norm(f["dst"]), f["dport"])
        got = (f["c2s_packets"], f["c2s_bytes"], f["s2c_packets"], f["s2c_bytes"])
        want = (cnt[(c, "packets")], cnt[(c, "bytes")],
                cnt[(s, "packets")], cnt[(s, "bytes")])
        ok = got == want
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} - {key[0]} {c[0]}:{c[1]} -> "
              f"{s[0]}:{s[1]} packets/bytes c2s,s2c {got}"
              + ("" if ok else f" (tshark: {want})"))
    for key in ours:
        print(f"not ok - procwire reports {key}, tshark does not")
        failed += 1
    print(f"# {n} conversations compared")
    return 1 if failed or n == 0 else 0


sys.exit(main())
