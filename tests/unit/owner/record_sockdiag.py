#!/usr/bin/python3
"""Records real sock_diag replies for test_owner.c's parser tests.

Run as root: `unshare -n /usr/bin/python3 record_sockdiag.py > sockdiag_replies.h`
(a fresh network namespace, so the dumps hold only the sockets made here).
Writes a C header with the raw reply bytes and the listener's inode and
cookie as the kernel reported them through getsockopt/fstat."""
import os
import socket
import struct
import subprocess

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
SO_COOKIE = 57


def dump(family, proto):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4)  # SOCK_DIAG
    req = struct.pack("=BBBxI", family, proto, 0, 0xFFFFFFFF) + bytes(48)
    hdr = struct.pack("=IHHII", 16 + len(req), SOCK_DIAG_BY_FAMILY,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    nl.sendto(hdr + req, (0, 0))
    out = b""
    while True:
        data = nl.recv(65536)
        out += data
        off = 0
        done = False
        while off < len(data):
            ln, typ = struct.unpack_from("=IH", data, off)
            if typ == 3:
                done = True
            off += (ln + 3) & ~3
        if done:
            return out


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 7777))
listener.listen()
client = socket.create_connection(("127.0.0.1", 7777))
server, _ = listener.accept()
udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp6.bind(("::1", 7778))

tcp4 = dump(socket.AF_INET, socket.IPPROTO_TCP)
u6 = dump(socket.AF_INET6, socket.IPPROTO_UDP)
cookie = struct.unpack("=Q", listener.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
inode = os.fstat(listener.fileno()).st_ino


def carray(name, data):
    lines = []
    for i in range(0, len(data), 12):
        lines.append("\t" + ", ".join("0x%02x" % b for b in data[i:i + 12]) + ",")
    return "static const uint8_t %s[] = {\n%s\n};\n" % (name, "\n".join(lines))


print("/* Recorded by record_sockdiag.py from a real kernel: do not edit. */")
print("#include <stdint.h>\n")
print("#define REPLY_TCP4_LISTEN_INODE %du" % inode)
print("#define REPLY_TCP4_LISTEN_COOKIE %dull\n" % cookie)
print(carray("reply_tcp4", tcp4))
print(carray("reply_udp6", u6))
