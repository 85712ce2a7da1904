#!/usr/bin/python3
"""Compares procwire events (JSON Lines) with what the test peers printed.

Usage: owner_compare.py EVENTS.jsonl GROUND_TRUTH_FILE...

Ground truth lines come from tests/unit/owner/owner_peer.c:
  "client|parent|accept pid=P comm=C cookie=K lport=L proto=tcp|udp"
(files named *storm*.out hold the storm, the others the special cases).
Prints "key value" lines that the shell test asserts on."""
import collections
import json
import sys

OWNER_KINDS = {"connect", "accept", "send", "recv", "owner", "existing",
               "bind", "open"}


def read_truth(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0] not in ("client", "parent", "accept"):
                continue
            row = {"kind": parts[0]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                row[k] = v
            row["pid"] = int(row["pid"])
            row["cookie"] = int(row["cookie"])
            row["lport"] = int(row["lport"])
            rows.append(row)
    return rows


def main():
    by_cookie = collections.defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            if ev.get("cookie"):
                by_cookie[ev["cookie"]].append(ev)

    out = collections.Counter()
    bad = []

    # pid 0: the engine saw the socket but not its owner (polling: the
    # process left first). Unknown is a miss, not a wrong owner; an eBPF
    # flow with only such events fails has_flow below.
    def owned_right(row, evs):
        return evs and all(e["pid"] == row["pid"] and e["comm"] == row["comm"]
                           for e in evs
                           if e["event"] in OWNER_KINDS and e["pid"])

    def has_flow(row, evs, kinds):
        return any(e["event"] in kinds and e["sport"] == row["lport"]
                   and e["pid"] == row["pid"] for e in evs)

    for path in sys.argv[2:]:
        storm = "storm" in path
        for row in read_truth(path):
            evs = by_cookie.get(row["cookie"], [])
            name = "storm" if storm else row["comm"]
            if row["kind"] == "accept":
                # The last owner-bearing event names who owns it now: the
                # worker that accepted and used it.
                owning = [e for e in evs if e["event"] in OWNER_KINDS]
                out["accept_total"] += 1
                if owning and owning[-1]["pid"] == row["pid"] and \
                        owning[-1]["comm"] == row["comm"] and \
                        owning[-1]["sport"] == row["lport"]:
                    out["accept_ok"] += 1
                elif evs:
                    out["accept_wrong"] += 1
                    bad.append(("accept", row, owning[-1:] if owning else []))
                else:
                    out["accept_missed"] += 1
                continue
            if row["kind"] == "parent":
                ok = any(e["event"] == "connect" and e["pid"] == row["pid"]
                         and e["comm"] == row["comm"] and
                         e["sport"] == row["lport"] for e in evs)
                out["parent_ok" if ok else "parent_bad"] += 1
                continue
            # client
            key = name
            out[key + "_total"] += 1
            flav = "storm_%s%s" % (row["proto"], row.get("fam", "4"))
            if storm:
                out[flav + "_total"] += 1
            if not evs:
                out[key + "_missed"] += 1
                continue
            if name == "pwc-child":
                ok = any(e["event"] == "owner" and e["pid"] == row["pid"] and
                         e["comm"] == row["comm"] and
                         e["sport"] == row["lport"] for e in evs)
            elif name == "pwc-held":
                ok = any(e["event"] == "existing" and
                         e["method"] == "prefill" and
                         e["pid"] == row["pid"] and
                         e["comm"] == row["comm"] and
                         e["sport"] == row["lport"] for e in evs) and \
                    owned_right(row, evs)
            else:
                kinds = {"connect"} if row["proto"] == "tcp" else {"send"}
                ok = owned_right(row, evs) and has_flow(row, evs, kinds)
            if ok:
                out[key + "_ok"] += 1
                if storm:
                    out[flav + "_ok"] += 1
            elif not any(e["pid"] for e in evs):
                out[key + "_unowned"] += 1
            elif owned_right(row, evs):
                out[key + "_incomplete"] += 1
                bad.append(("incomplete", row, evs))
            else:
                out[key + "_wrong"] += 1
                bad.append(("wrong", row, evs))
    for k in sorted(out):
        print(k, out[k])
    for what, row, evs in bad[:5]:
        print("# %s: %s -> %s" % (what, row,
              [(e["event"], e["pid"], e["comm"], e["sport"]) for e in evs]),
              file=sys.stderr)


main()
