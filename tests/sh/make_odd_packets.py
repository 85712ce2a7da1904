"""Writes captures of unusual but valid packets, and a few broken ones, for
the round-trip and read tests. Each file has one link type.

usage: make_odd_packets.py OUTDIR
Prints "NAME PACKETS" for each file written.
"""
import os
import sys

from scapy.all import (AH, CookedLinux, Dot1AD, Dot1Q, Ether, ICMP, ICMPv6DestUnreach,
                       ICMPv6PacketTooBig, IP, IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                       Loopback, Raw, TCP, UDP, fragment, fragment6, wrpcap)

A4, B4 = "10.77.1.1", "10.77.1.2"
A6, B6 = "fd77:1::1", "fd77:1::2"


def valid_l3():
    """IP packets (no link layer) that must dissect and rebuild exactly."""
    pkts = [
        IP(src=A4, dst=B4, options=[IPOption_RR(routers=["1.2.3.4"])])
        / TCP(sport=40000, dport=443, flags="S", seq=1000,
              options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
                       ("NOP", None), ("WScale", 7)]),
        IP(src=B4, dst=A4) / TCP(sport=443, dport=40000, flags="SA", seq=5000,
                                 ack=1001, options=[("MSS", 1400), ("WScale", 9)]),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=443, flags="A", seq=1001,
                                 ack=5001, options=[("NOP", None), ("NOP", None),
                                                    ("SAck", (5001, 5100, 6000, 6100))]),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=443, flags="PA", seq=1001,
                                 ack=5001, options=[(19, b"\x01" * 16)]) / Raw(b"x" * 30),
        IP(src=A4, dst=B4) / TCP(sport=40001, dport=80, flags="S",
                                 options=[(34, b"\xaa" * 8), (253, b"\x01\x02")]),
        IP(src=A4, dst=B4) / TCP(sport=40002, dport=80, flags="S",
                                 options=[(29, b"\x01\x02" + b"\x03" * 12)]),
        IP(src=A4, dst=B4) / UDP(sport=5353, dport=5353) / Raw(b"\x00" * 12),
        IP(src=A4, dst=B4) / UDP(sport=1000, dport=2000, chksum=0) / Raw(b"nochecksum"),
        IP(src=A4, dst=B4) / ICMP(type=8, id=7, seq=1) / Raw(b"ping"),
        IP(src=B4, dst=A4) / ICMP(type=3, code=3)
        / IP(src=A4, dst=B4) / UDP(sport=33000, dport=9) / Raw(b"quoted"),
        IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
        / IPv6ExtHdrRouting(addresses=[], segleft=0) / TCP(sport=40003, dport=443, flags="S"),
        IPv6(src=A6, dst=B6) / AH(spi=1, seq=1, icv=b"\x00" * 12) / UDP(sport=1, dport=2) / Raw(b"ah"),
        IPv6(src=A6, dst=B6, nh=50) / Raw(b"\x00\x00\x00\x01" * 6),
        IPv6(src=B6, dst=A6) / ICMPv6PacketTooBig(mtu=1280)
        / IPv6(src=A6, dst=B6) / UDP(sport=1, dport=2) / Raw(b"big"),
        IPv6(src=B6, dst=A6) / ICMPv6DestUnreach(code=4)
        / IPv6(src=A6, dst=B6) / UDP(sport=3, dport=4),
        IPv6(src=A6, dst=B6) / UDP(sport=4000, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10),
    ]
    big4 = IP(src=A4, dst=B4, id=77) / UDP(sport=7000, dport=7001) / Raw(b"F" * 3000)
    pkts += fragment(big4, fragsize=1200)
    big6 = IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=99) / UDP(sport=7002, dport=7003) / Raw(b"G" * 3000)
    pkts += fragment6(big6, 1280)
    return pkts


def broken_l3():
    """IP packets that are malformed on purpose (dissect must classify)."""
    ok = bytes(IP(src=A4, dst=B4) / TCP(sport=1, dport=2) / Raw(b"abc"))
    bad_ihl = bytearray(ok); bad_ihl[0] = 0x43
    bad_len = bytearray(ok); bad_len[2:4] = (10).to_bytes(2, "big")
    bad_doff = bytearray(ok); bad_doff[20 + 12] = 0x30
    bad_opt = bytes(IP(src=A4, dst=B4) / TCP(sport=1, dport=2, options=[("NOP", None)]))
    bad_opt = bytearray(bad_opt); bad_opt[40:44] = b"\x02\x09\x05\xb4"  # MSS len 9
    bad_csum = bytes(IP(src=A4, dst=B4, chksum=0x1234) / UDP(sport=1, dport=2, chksum=0x4321) / Raw(b"z"))
    return [bytes(bad_ihl), bytes(bad_len), bytes(bad_doff), bytes(bad_opt), bad_csum, ok[:30]]


def main():
    out = sys.argv[1]
    l3 = valid_l3()
    files = {
        "odd-eth.pcap": ([Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / p for p in l3]
                         + [Ether() / Dot1Q(vlan=10) / l3[0], Ether() / Dot1AD(vlan=20) / Dot1Q(vlan=30) / l3[1]], 1),
        "odd-raw.pcap": ([bytes(p) for p in l3], 101),
        "odd-sll.pcap": ([CookedLinux(pkttype=4, proto=0x0800 if p.version == 4 else 0x86dd) / p for p in l3], 113),
        "odd-null.pcap": ([Loopback(type=2 if p.version == 4 else 24) / p for p in l3], 0),
        "broken-raw.pcap": (broken_l3(), 101),
    }
    for name, (pkts, lt) in files.items():
        wrpcap(os.path.join(out, name), pkts, linktype=lt)
        print(name, len(pkts))


main()
