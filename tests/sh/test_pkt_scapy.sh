#!/usr/bin/env bash
# The dissector against scapy as the oracle: scapy builds a few hundred
# random but valid IPv4/IPv6 packets (IP options, extension chains, TCP
# option mixes, UDP, ICMP errors quoting packets, fragments), some with a
# checksum broken on purpose; pkt-dump prints what pkt/dissect found and
# whether a rebuild with recomputed checksums gives the same bytes. Each
# line must equal what scapy says the packet holds.
source "$(dirname "$0")/../lib.sh"

DUMP=$PW_BUILD/tests/unit/pkt/pkt-dump
work=$(mktemp -d)
on_exit "rm -rf $work"

if [ ! -x "$DUMP" ]; then
	tap_skip "dissect matches scapy" "pkt-dump not built"
	tap_done
fi

"$PYTHON" - "$work" <<'EOF'
import random
import sys

from scapy.all import (ICMP, ICMPv6DestUnreach, IP, IPOption_Router_Alert,
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, TCP, UDP, fragment)

random.seed(4242)
out = sys.argv[1]
A4, B4 = "10.77.2.1", "10.77.2.2"
A6, B6 = "fd77:2::1", "fd77:2::2"
# (scapy option, kind, length on the wire)
OPTS = [
    (lambda: ("MSS", random.randint(536, 9000)), 2, 4),
    (lambda: ("WScale", random.randint(0, 14)), 3, 3),
    (lambda: ("SAckOK", b""), 4, 2),
    (lambda: ("Timestamp", (random.getrandbits(32), random.getrandbits(32))), 8, 10),
    (lambda: ("NOP", None), 1, 1),
    (lambda: ("SAck", (1000, 2000)), 5, 10),
    (lambda: ("SAck", (1000, 2000, 3000, 4000)), 5, 18),
    (lambda: (19, bytes(16)), 19, 18),
    (lambda: (34, b"\xaa" * 8), 34, 10),
    (lambda: (29, b"\x01\x02" + b"\x03" * 12), 29, 16),
    (lambda: (253, b"\x12\x34"), 253, 4),
]


def payload():
    n = random.choice([0, 1, 5, 100, 700])
    return bytes(random.getrandbits(8) for _ in range(n))


def tcp():
    opts, kinds, used = [], [], 0
    for _ in range(random.randint(0, 5)):
        make, kind, size = random.choice(OPTS)
        if used + size > 40:
            break
        opts.append(make())
        kinds.append(kind)
        used += size
    if used % 4:
        kinds.append(0)		# scapy pads with EOL
    seg = TCP(sport=random.randint(1, 65535), dport=random.randint(1, 65535),
              seq=random.getrandbits(32), ack=random.getrandbits(32),
              flags=random.getrandbits(8), window=random.getrandbits(16),
              options=opts)
    exp = "sport=%d dport=%d seq=%d ack=%d flags=%d win=%d opts=%s" % (
        seg.sport, seg.dport, seg.seq, seg.ack, int(seg.flags), seg.window,
        ",".join(str(k) for k in kinds))
    return seg, exp, 6


def udp():
    seg = UDP(sport=random.randint(1, 65535), dport=random.randint(1, 65535))
    return seg, "sport=%d dport=%d" % (seg.sport, seg.dport), 17


def ip4():
    opts = random.choice([[], [IPOption_Router_Alert()],
                          [IPOption_RR(routers=["1.2.3.4", "5.6.7.8"])]])
    hdr = IP(src=A4, dst=B4, ttl=random.randint(1, 255),
             id=random.getrandbits(16), tos=random.getrandbits(8),
             options=opts)
    return hdr, len(bytes(IP(options=opts)))


def ip6_chain():
    exts, types = [], []
    for _ in range(random.randint(0, 4)):
        kind = random.choice(["hop", "dst", "rt", "frag"])
        if kind == "hop" and not exts:
            exts.append(IPv6ExtHdrHopByHop()); types.append(0)
        elif kind == "dst":
            exts.append(IPv6ExtHdrDestOpt()); types.append(60)
        elif kind == "rt":
            exts.append(IPv6ExtHdrRouting(addresses=[A6], segleft=0)); types.append(43)
        elif kind == "frag" and 44 not in types:
            exts.append(IPv6ExtHdrFragment(offset=0, m=0, id=random.getrandbits(32)))
            types.append(44)
    return exts, types


def line(ver, proto, l3, iplen, l4, rest, ext="", frag="0/0/0", pay=0,
         quote="0", mal=0, same=1):
    s = "ver=%d proto=%d l3=%d iplen=%d l4=%d" % (ver, proto, l3, iplen, l4)
    if rest:
        s += " " + rest
    return s + " ext=%s frag=%s payload=%d quote=%s mal=0x%x same=%d" % (
        ext, frag, pay, quote, mal, same)


def one():
    kind = random.random()
    if kind < 0.12:		# ICMP error quoting a UDP or TCP packet
        inner_l4, _, proto = random.choice([udp, tcp])()
        if random.random() < 0.5:
            inner = IP(src=B4, dst=A4) / inner_l4 / Raw(b"q" * 20)
            quoted = bytes(inner)[:len(bytes(inner)) - 10]
            pkt = IP(src=A4, dst=B4) / ICMP(type=3, code=3) / Raw(quoted)
            l3, ver = 20, 4
        else:
            inner = IPv6(src=B6, dst=A6) / inner_l4 / Raw(b"q" * 20)
            quoted = bytes(inner)[:len(bytes(inner)) - 10]
            pkt = IPv6(src=A6, dst=B6) / ICMPv6DestUnreach(code=4) / Raw(quoted)
            l3, ver = 40, 6
        b = bytes(pkt)
        sport, dport = inner_l4.sport, inner_l4.dport
        exp = line(ver, 1 if ver == 4 else 58, l3, len(b), 1,
                   "sport=%d dport=%d" % (3 if ver == 4 else 1,
                                          3 if ver == 4 else 4),
                   pay=len(quoted), quote="%d/%d/%d/%d" % (l3 + 8, proto, sport, dport))
        return b, exp
    if kind < 0.22:		# an IPv4 UDP datagram cut into fragments
        data = payload() + b"z" * 200
        big = IP(src=A4, dst=B4, id=random.getrandbits(16)) / UDP(sport=5, dport=6) / Raw(data)
        frags = fragment(big, fragsize=96)
        i = random.randrange(len(frags))
        b = bytes(frags[i])
        f = IP(b)
        off, mf = f.frag * 8, int(f.flags.MF)
        frag = "%d/%d/%d" % (off, mf, f.id)
        if off == 0:
            return b, line(4, 17, 20, len(b), 1, "sport=5 dport=6",
                           frag=frag, pay=len(b) - 28)
        return b, line(4, 17, 20, len(b), 0, "", frag=frag, pay=len(b) - 20)
    seg, rest, proto = random.choice([tcp, udp])()
    data = payload()
    if random.random() < 0.5:
        hdr, hl = ip4()
        b = bytes(hdr / seg / Raw(data))
        exp = dict(ver=4, proto=proto, l3=hl, iplen=len(b), ext="")
    else:
        exts, types = ip6_chain()
        pkt = IPv6(src=A6, dst=B6, hlim=random.randint(1, 255),
                   fl=random.getrandbits(20))
        for e in exts:
            pkt = pkt / e
        b = bytes(pkt / seg / Raw(data))
        hl = len(b) - len(bytes(seg)) - len(data)
        exp = dict(ver=6, proto=proto, l3=hl, iplen=len(b),
                   ext=",".join(str(t) for t in types))
    frag = "0/0/0"		# an atomic IPv6 fragment is no fragment
    mal, same = 0, 1
    if random.random() < 0.15:	# break a checksum on purpose
        b = bytearray(b)
        l4 = exp["l3"] + (16 if proto == 6 else 6)
        b[l4] ^= 0x40
        mal, same = 0x40, 0
        b = bytes(b)
    elif exp["ver"] == 4 and random.random() < 0.08:
        b = bytearray(b)
        b[10] ^= 0x01
        mal, same = 0x20, 0
        b = bytes(b)
    return b, line(exp["ver"], exp["proto"], exp["l3"], exp["iplen"], 1,
                   rest, ext=exp["ext"], frag=frag, pay=len(data), mal=mal,
                   same=same)


with open(out + "/in.hex", "w") as fin, open(out + "/want.txt", "w") as fw:
    for _ in range(400):
        b, exp = one()
        fin.write(b.hex() + "\n")
        fw.write(exp + "\n")
EOF
tap_ok $? "scapy built 400 random packets"

"$DUMP" <"$work/in.hex" >"$work/got.txt"
tap_ok $? "pkt-dump ran"
tap_eq "pkt-dump printed one line per packet" \
	"$(wc -l <"$work/got.txt")" "$(wc -l <"$work/want.txt")"
diff "$work/want.txt" "$work/got.txt" >"$work/diff.txt"
tap_ok $? "every packet dissects as scapy built it"
head -20 "$work/diff.txt" | sed 's/^/# /'
tap_eq "packets with a broken checksum found" \
	"$(grep -c 'mal=0x[24]0 ' "$work/got.txt")" \
	"$(grep -c 'mal=0x[24]0 ' "$work/want.txt")"
tap_ok $(grep -q 'quote=[1-9]' "$work/got.txt"; echo $?) \
	"some packets were ICMP errors with a quote"
tap_ok $(grep -q 'ext=[0-9]' "$work/got.txt"; echo $?) \
	"some packets had IPv6 extension headers"
tap_done
