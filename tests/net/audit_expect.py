#!/usr/bin/python3
"""Checks procwire audit --json output against expectations, and each
verdict's evidence packets against tshark's reading of the same capture.

Usage: audit_expect.py CAPTURE AUDIT.jsonl EXPECT

EXPECT holds one line per kind of connection:
    PROTO DPORT HOST VERDICT STAGE [DETAIL PREFIX...]
HOST and STAGE may be "*" (any) and STAGE "-" (none). A connection takes
the first line it matches by proto, port and host; every line must match at
least one connection, and every matching connection must have that line's
verdict, stage and detail. Prints one "ok"/"FAIL" line per check; exits 1
on any failure.
"""
import json
import subprocess
import sys


def load_expect(path):
    rules = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split(None, 5)
        rules.append({"proto": f[0], "dport": int(f[1]), "host": f[2],
                      "verdict": f[3], "stage": f[4],
                      "detail": f[5] if len(f) > 5 else "", "hits": 0})
    return rules


def tshark_packets(cap):
    """frame number -> dict of the fields the evidence checks read."""
    fields = ["frame.number", "ip.src", "ipv6.src", "icmpv6.type",
              "tcp.flags.syn", "tcp.flags.ack",
              "tcp.flags.reset", "icmp.type", "dns.flags.rcode",
              "dns.flags.response", "tls.handshake.type", "http.request",
              "http.response.code", "tcp.analysis.retransmission",
              "udp.dstport"]
    cmd = ["tshark", "-r", cap, "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         check=True).stdout
    pkts = {}
    for line in out.splitlines():
        v = line.split("|")
        pkts[int(v[0])] = dict(zip(fields[1:], v[1:]))
    return pkts


def is_set(v):
    return v in ("1", "True", "true")


def evidence_ok(conn, pkts):
    """What tshark sees at the cited packets fits the verdict."""
    ev = [pkts.get(n) for n in conn["evidence"]["packets"]]
    if not ev or None in ev:
        return False, "evidence packet missing from the capture"
    v, last = conn["verdict"], ev[-1]
    if v == "reset":
        return is_set(last["tcp.flags.reset"]), "last packet is a RST"
    if v == "icmp-unreachable":
        return last["icmp.type"] == "3" or last["icmpv6.type"] == "1", \
            "last packet is ICMP type 3 / ICMPv6 type 1"
    if v == "syn-timeout":
        return all(is_set(p["tcp.flags.syn"]) and not is_set(
            p["tcp.flags.ack"]) for p in ev), "every packet is a SYN"
    if v == "tls-cut":
        return ev[0]["tls.handshake.type"] == "1", "first is a ClientHello"
    if v == "http-redirect":
        return (is_set(ev[0]["http.request"]) and
                last["http.response.code"] in ("301", "302", "303", "307",
                                               "308")), \
            "request then redirect"
    if v == "retransmissions":
        return all(is_set(p["tcp.analysis.retransmission"]) for p in ev), \
            "tshark calls each a retransmission"
    if v == "dns-failure":
        if conn["detail"].startswith("no answer"):
            return all(p["dns.flags.response"] in ("0", "False")
                       for p in ev), "only the query"
        return last["dns.flags.rcode"] in ("2", "3", "5"), \
            "last packet is the failing answer"
    if v == "udp-silent":
        return conn["src"] in (ev[0]["ip.src"], ev[0]["ipv6.src"]), \
            "first is the client's"
    return True, ""


def main():
    cap, jpath, epath = sys.argv[1:4]
    rules = load_expect(epath)
    conns = [json.loads(l) for l in open(jpath) if l.strip()]
    pkts = tshark_packets(cap)
    failed = 0

    for c in conns:
        stage = c["stage"] or "-"
        desc = "%s %s:%s -> %s:%s host %s: %s/%s %s" % (
            c["proto"], c["src"], c["sport"], c["dst"], c["dport"],
            c["host"], c["verdict"], stage, c["detail"])
        for r in rules:
            if r["proto"] == c["proto"] and r["dport"] == c["dport"] and \
               r["host"] in ("*", c["host"]):
                break
        else:
            print("FAIL no expectation for " + desc)
            failed += 1
            continue
        r["hits"] += 1
        good = (c["verdict"] == r["verdict"] and
                r["stage"] in ("*", stage) and
                c["detail"].startswith(r["detail"]))
        ok, what = evidence_ok(c, pkts) if good else (True, "")
        if good and ok:
            print("ok   " + desc)
        else:
            print("FAIL %s (want %s/%s %s%s)" % (
                desc, r["verdict"], r["stage"], r["detail"],
                "" if ok else "; evidence: " + what))
            failed += 1
    for r in rules:
        if not r["hits"]:
            print("FAIL no connection for %(proto)s %(dport)s %(host)s "
                  "%(verdict)s" % r)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
